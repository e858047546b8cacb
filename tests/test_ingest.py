"""Ingest: what the models read of a passage, the content key that makes a rerun skip unchanged
files, the result lines, and ingest_paths over files, folders, archives and loaded documents
into a real folder store with the hashing embedder."""
from __future__ import annotations

import json

import pytest

from assistant.encoders import HashingEmbedder
from assistant.ingest import FileResult, content_key, embedding_text, ingest_paths, lexical_text
from assistant.store import open_index
from assistant.types import DocumentMeta, LoadedDocument, Page, Passage

NOTE = "# Notitie\n\nHet kabinet verhoogt het budget voor bibliotheken met 20 miljoen euro.\n"


@pytest.fixture
def index_and_settings(tmp_path, settings_factory):
    settings = settings_factory(tmp_path / "index", model="hashing")
    embedder = HashingEmbedder(settings)
    index = open_index(settings, embedder, create=True)
    yield index, embedder, settings
    index.close()


def test_what_the_models_read_of_a_passage():
    doc = LoadedDocument(source="b.txt", path="", sha256="", pages=[], meta=DocumentMeta(title="Kamerbrief"))
    p = Passage(text="Het kabinet steunt de CS3D.", page=1, page_end=1, section="Aanbeveling 8",
                footnotes=["1 Kamerstuk 32 735, nr. 370"], context="zoals eerder gemeld1")
    assert embedding_text(doc, p) == ("Kamerbrief — Aanbeveling 8\n"
                                      "Het kabinet steunt de CS3D. 1 Kamerstuk 32 735, nr. 370")
    assert lexical_text(doc, p) == ("Kamerbrief Aanbeveling 8 zoals eerder gemeld1 Het kabinet steunt de CS3D. "
                                    "1 Kamerstuk 32 735, nr. 370")
    p.section = "Aanbeveling"  # a section the text opens with is not repeated
    p.text, p.footnotes = "Aanbeveling: het kabinet steunt de CS3D.", []
    assert embedding_text(doc, p) == "Kamerbrief\nAanbeveling: het kabinet steunt de CS3D."
    doc.meta.title = None
    assert embedding_text(doc, p) == "Aanbeveling: het kabinet steunt de CS3D."


def test_the_content_key_covers_the_sidecar(tmp_path):
    letter = tmp_path / "brief.txt"
    letter.write_text(NOTE, encoding="utf-8")
    plain = content_key(letter.read_bytes(), letter)
    sidecar = tmp_path / "brief.txt.meta.json"
    sidecar.write_text('{"title": "Een titel"}', encoding="utf-8")
    with_sidecar = content_key(letter.read_bytes(), letter)
    sidecar.write_text('{"title": "Een andere titel"}', encoding="utf-8")
    assert len({plain, with_sidecar, content_key(letter.read_bytes(), letter)}) == 3
    sidecar.unlink()
    assert content_key(letter.read_bytes(), letter) == plain


def test_result_lines_and_json():
    added = FileResult("b.pdf", "added", doc_id="b", passages=3, pages=2, warnings=["page 2 left out: garbled"])
    assert added.line() == "added: b.pdf (2 pages, 3 passages); warning: page 2 left out: garbled"
    failed = FileResult("c.pdf", "failed", "is empty (0 bytes)")
    assert failed.line() == "failed: c.pdf: is empty (0 bytes)"
    assert failed.to_json() == {"file": "c.pdf", "status": "failed", "reason": "is empty (0 bytes)", "id": None,
                                "passages": 0, "pages": 0, "warnings": []}


def test_files_folders_archives_and_loaded_documents(tmp_path, index_and_settings):
    index, embedder, settings = index_and_settings
    folder = tmp_path / "brieven"
    folder.mkdir()
    (folder / "notitie.md").write_text(NOTE, encoding="utf-8")
    (folder / "leeg.txt").write_text("   \n", encoding="utf-8")
    (folder / "plaatje.png").write_bytes(b"\x89PNG")  # not a document: left out of a folder
    archive = tmp_path / "archief.jsonl"
    archive.write_text(json.dumps({"URL": "https://example.org/1/ocr", "Content": "De Kamer besprak de dijken."})
                       + "\nkapot\n", encoding="utf-8")
    loaded = LoadedDocument(source="geladen.txt", path="", sha256="x", media_type="text/plain",
                            pages=[Page(1, "Een document dat al geladen is, over waterschappen.")],
                            meta=DocumentMeta(title="Geladen"))
    seen: list[str] = []
    results = ingest_paths([folder, archive, loaded, tmp_path / "weg.pdf"], index, embedder, settings,
                           on_result=lambda r: seen.append(r.line()), progress=False)
    assert [r.line() for r in results] == seen == [
        # what cannot be read is reported while the paths are expanded, the rest as it is committed
        'failed: archief.jsonl#2: line is not a JSON object; expected {"Content": ..., "URL": ...}',
        f"failed: {tmp_path / 'weg.pdf'}: no such file or folder; check the path",
        "failed: leeg.txt: contains no text (only white space)",
        "added: notitie.md (1 pages, 1 passages)",
        "added: archief.jsonl#1/ocr (1 pages, 1 passages)",
        "added: geladen.txt (1 pages, 1 passages)",
    ]
    assert sorted(d.source for d in index.documents()) == ["archief.jsonl#1/ocr", "geladen.txt", "notitie.md"]
    assert index.snapshot().passages == 3 and index.faiss_index().ntotal == 3  # the vectors are synced

    again = ingest_paths([folder, archive], index, embedder, settings, progress=False)
    assert sorted(r.status for r in again) == ["failed", "failed", "unchanged", "unchanged"]
    assert index.generation() == 3


def test_a_changed_file_replaces_its_document_unless_told_to_keep_it(tmp_path, index_and_settings):
    index, embedder, settings = index_and_settings
    note = tmp_path / "notitie.md"
    note.write_text(NOTE, encoding="utf-8")
    [first] = ingest_paths([note], index, embedder, settings, progress=False)
    note.write_text(NOTE + "\nHet budget voor musea blijft gelijk.\n", encoding="utf-8")
    [kept] = ingest_paths([note], index, embedder, settings, progress=False, replace=False,
                          replace_hint="Rename it.")
    assert kept.status == "failed" and kept.reason == (
        f"a document of this name with other content is already indexed (id {first.doc_id}); it was kept as it is. "
        "Rename it.")
    assert "musea" not in " ".join(index.passage_texts(first.doc_id))
    [replaced] = ingest_paths([note], index, embedder, settings, progress=False)
    assert (replaced.status, replaced.doc_id) == ("replaced", first.doc_id)
    assert "musea" in " ".join(index.passage_texts(first.doc_id))
    # the name it is indexed under can be given (uploads use the safe name they saved)
    [named] = ingest_paths([note], index, embedder, settings, progress=False, sources={note: "andere-naam.md"})
    assert named.status == "added" and index.document_by_source("andere-naam.md") is not None
