"""The folder store (SQLite + FAISS + FTS5) through the Store interface: rows round-trip, writes
are atomic and bump the generation, a snapshot is one generation, lexical and dense reads find
what was written, and indexes of before some columns existed still open. Vectors come from the
hashing embedder (no model)."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from assistant.encoders import HashingEmbedder
from assistant.lexical import analyze
from assistant.store import PassageRow, Snapshot, Store, StoredFile, open_index
from assistant.store.folder import DB_NAME, FolderStore, slugify
from assistant.types import AssistantError, DocumentMeta, IndexMismatchError, LoadedDocument, Page, Passage

EMBEDDER = HashingEmbedder(dim=64)


def letter(source: str, texts: list[str], date: str | None = None, official: dict | None = None) -> tuple:
    """A loaded document of one page per text, its passages (one per text), vectors and lexical texts."""
    pages = [Page(i + 1, t, footnotes={"1": "Kamerstuk 32 735, nr. 370"} if i == 0 else {},
                  refs=[(5, "1")] if i == 0 else [], headings=[(0, "Inleiding")] if i == 0 else [])
             for i, t in enumerate(texts)]
    doc = LoadedDocument(source=source, path=f"/in/{source}", sha256=f"sha-{source}-{len(texts)}", pages=pages,
                         meta=DocumentMeta(title=f"Brief {source}", date=date, kamerstuk="32 545, nr. 143",
                                           signatories=["Aukje de Vries"], official=official),
                         media_type="text/plain")
    passages = [Passage(text=t, page=i + 1, page_end=i + 1, section="Inleiding" if i == 0 else None,
                        footnotes=["1 Kamerstuk 32 735, nr. 370"] if i == 0 else [], char_start=0, char_end=len(t),
                        ordinal=i) for i, t in enumerate(texts)]
    return doc, passages, EMBEDDER.embed_passages(texts), texts


@pytest.fixture
def store(tmp_path) -> FolderStore:
    s = FolderStore(tmp_path / "index", model_id=EMBEDDER.model_id, dim=EMBEDDER.dim,
                    chunking={"min_words": 60, "max_words": 200}, create=True)
    yield s
    s.close()


def test_a_new_store_records_what_built_it(store, tmp_path):
    assert isinstance(store, Store)
    meta = store.meta()
    assert (meta["format_version"], meta["model"], meta["dim"], meta["chunking"], meta["generation"]) == (
        1, "hashing-64", 64, {"min_words": 60, "max_words": 200}, 0)
    assert store.documents() == [] and store.count() == 0 and store.generation() == 0
    snap = store.snapshot()
    assert isinstance(snap, Snapshot) and snap.passages == 0 and snap.documents == {}
    assert snap.dense_search(EMBEDDER.embed_query("iets"), 5) == []
    assert (tmp_path / "index" / DB_NAME).is_file() and (tmp_path / "index" / "files").is_dir()


def test_documents_pages_and_passages_round_trip(store):
    doc, passages, vectors, texts = letter("brief.txt", ["Het kabinet bouwt dijken langs de rivieren.",
                                                         "De provincies betalen de fietsenstallingen."],
                                           date="2025-03-14", official={"identifier": "kst-32545-143"})
    assert store.put_document(doc, passages, vectors, texts, b"de bytes") == ("added", "brief")
    [info] = store.documents()
    assert (info.id, info.source, info.title, info.date, info.kamerstuk, info.pages, info.passages) == (
        "brief", "brief.txt", "Brief brief.txt", "2025-03-14", "32 545, nr. 143", 2, 2)
    assert info.sha256 == "sha-brief.txt-2" and info.signatories == ["Aukje de Vries"]
    assert info.official == {"identifier": "kst-32545-143"}
    assert store.document("brief") == info == store.document_by_source("brief.txt")
    assert store.document("nope") is None and store.document_by_source("nope") is None
    assert store.stored_file("brief") == StoredFile(store.path / "files" / "brief.txt", "text/plain")
    assert store.stored_file("brief").path.read_bytes() == b"de bytes"
    assert store.page_text("brief", 1) == (texts[0], {"1": "Kamerstuk 32 735, nr. 370"})
    assert store.page_text("brief", 3) is None
    again = store.stored_document("brief")
    assert [(p.number, p.text, p.footnotes, p.refs, p.headings) for p in again.pages] == [
        (p.number, p.text, p.footnotes, p.refs, p.headings) for p in doc.pages]
    assert again.meta == doc.meta and (again.source, again.path, again.sha256) == ("brief.txt", "/in/brief.txt",
                                                                                  doc.sha256)
    assert store.sources() == [("brief", "brief.txt", "/in/brief.txt")]
    assert store.document_hashes() == {"brief": doc.sha256}

    rows = store.passages([1, 2, 99])
    assert sorted(rows) == [1, 2]
    assert rows[1] == PassageRow(1, "brief", 0, texts[0], 1, 1, "Inleiding", ["1 Kamerstuk 32 735, nr. 370"], 0,
                                 len(texts[0]), "body")
    assert [r.id for r in store.passages_between("brief", 0, 5)] == [1, 2]
    assert store.passage_texts("brief") == texts
    assert np.allclose(store.vectors_for([2])[2], vectors[1])
    ids, vecs = store.all_vectors()
    assert ids.tolist() == [1, 2] and np.allclose(vecs, vectors)


def test_a_write_bumps_the_generation_and_a_snapshot_is_one_generation(store):
    store.put_document(*letter("a.txt", ["Het kabinet bouwt dijken langs de rivieren."]))
    store.sync_vectors()
    first = store.snapshot()
    assert first.generation == 1 and first.passages == 1 and list(first.documents) == ["a"]
    assert store.snapshot() is first  # read once per generation
    with pytest.raises(TypeError):
        first.documents["b"] = first.documents["a"]  # shared between questions: read-only

    status, doc_id = store.put_document(*letter("b.txt", ["De provincies betalen de fietsenstallingen.",
                                                          "Een tweede pagina over fietsen."]))
    assert (status, doc_id) == ("added", "b")
    store.sync_vectors()
    second = store.snapshot()
    assert second.generation == 2 and second.passages == 3 and sorted(second.documents) == ["a", "b"]
    assert first.passages == 1 and list(first.documents) == ["a"]  # the old snapshot is unchanged
    hits = second.dense_search(EMBEDDER.embed_query("fietsenstallingen van de provincies"), 2)
    assert [pid for pid, _ in hits][0] == 2 and hits[0][1] > hits[1][1]

    # the same source again replaces the document: new passages, the same id
    assert store.put_document(*letter("b.txt", ["Alleen nog dit."]))[0] == "replaced"
    assert store.generation() == 3 and store.count() == 2
    assert [r.text for r in store.passages_between("b", 0, 9)] == ["Alleen nog dit."]


def test_lexical_reads(store):
    store.put_document(*letter("a.txt", ["Het kabinet versterkt de dijken langs de rivieren.",
                                         "De waterschappen onderhouden de dijken."]))
    store.put_document(*letter("b.txt", ["De provincies betalen de fietsenstallingen bij stations.",
                                         "Het mensenrechtenfonds steunt verdedigers."]))
    dijk, fiets = analyze("dijken")[0], analyze("fietsenstallingen")[0]
    hits = store.lexical_search([dijk], 10)
    assert sorted(pid for pid, _ in hits) == [1, 2] and all(score > 0 for _, score in hits)
    assert [pid for pid, _ in store.lexical_search([dijk, fiets], 10, allowed=np.array([3]))] == [3]
    assert store.lexical_search([dijk], 10, allowed=np.array([], dtype=np.int64)) == []
    assert store.lexical_search([], 10) == []
    assert store.doc_freqs([dijk, fiets, "onbekend"]) == {dijk: 2, fiets: 1}
    assert set(store.stems_for([3])[3]) == set(analyze("De provincies betalen de fietsenstallingen bij stations."))
    recht = analyze("mensenrechten")[0]  # 'mensenrecht': the index holds only the compound
    assert store.near_terms([recht, dijk]) == {recht: {"mensenrechtenfond": 1}}  # short stems have none


def test_filters_select_passages_by_document_and_date(store):
    store.put_document(*letter("a.txt", ["Een.", "Twee."], date="2024-01-10"))
    store.put_document(*letter("b.txt", ["Drie."], date="2025-06-01"))
    store.put_document(*letter("c.txt", ["Vier."]))  # no date: only an unfiltered search finds it
    assert store.passage_ids_for() is None
    assert store.passage_ids_for(["b"]).tolist() == [3]
    assert sorted(store.passage_ids_for(date_from="2024-01-01").tolist()) == [1, 2, 3]
    assert store.passage_ids_for(date_to="2024-12-31").tolist() == [1, 2]
    assert store.passage_ids_for(["a"], date_from="2025-01-01").tolist() == []


def test_remove_takes_out_rows_file_vectors_and_stems(store):
    store.put_document(*letter("a.txt", ["Het kabinet versterkt de dijken."]), b"a")
    store.put_document(*letter("b.txt", ["De provincies en de dijken."]), b"b")
    store.sync_vectors()
    assert store.faiss_index().ntotal == 2
    path = store.stored_file("a").path
    assert store.remove("a") is True and store.remove("a") is False
    assert not path.exists() and store.document("a") is None and store.passages([1]) == {}
    assert store.faiss_index().ntotal == 1 and store.count() == 1
    assert [pid for pid, _ in store.lexical_search([analyze("dijken")[0]], 5)] == [2]
    assert store.generation() == 3


def test_writers_take_turns(store):
    with store.write_lock():
        with pytest.raises(AssistantError, match="another process is writing to .*; try again when it is done"):
            with store.write_lock(wait=False):
                pass
    with store.write_lock(wait=False):
        pass


def test_a_failed_write_leaves_nothing_behind(store):
    doc, passages, vectors, texts = letter("a.txt", ["Dijken.", "Rivieren."])
    with pytest.raises(ValueError, match="differ in length"):
        store.put_document(doc, passages, vectors[:1], texts)
    passages[1].text = None  # the second passage cannot be stored: the document's rows roll back
    with pytest.raises(sqlite3.IntegrityError):
        store.put_document(doc, passages, vectors, texts)
    assert store.documents() == [] and store.count() == 0 and store.generation() == 0
    assert store.page_text("a", 1) is None and store.lexical_search(analyze("dijken rivieren"), 5) == []


def test_opening_checks_what_built_the_index(store, tmp_path):
    store.put_document(*letter("a.txt", ["Een."]))
    store.close()
    path = tmp_path / "index"
    with pytest.raises(IndexMismatchError, match=r"built with the model 'hashing-64'.*ASSISTANT_MODEL.*rebuild"):
        FolderStore(path, model_id="another-model")
    with pytest.raises(IndexMismatchError, match=r"dimension 64, the model gives 384"):
        FolderStore(path, model_id="hashing-64", dim=384)
    with pytest.raises(AssistantError, match=r"no index at .*missing/ yet.*assistant ingest"):
        FolderStore(tmp_path / "missing")
    db = sqlite3.connect(path / DB_NAME)
    db.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    db.commit()
    db.close()
    with pytest.raises(IndexMismatchError, match=r"format version 2, this assistant reads version 1.*rebuild"):
        FolderStore(path)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / DB_NAME).write_bytes(b"no database" * 100)
    with pytest.raises(IndexMismatchError, match=r"damaged or not an index database.*assistant rebuild"):
        FolderStore(tmp_path / "junk")


def test_an_index_from_before_the_later_columns_opens_and_reads(tmp_path):
    """Format 1 gained columns over time (pages.refs, pages.headings, passages.kind,
    documents.official): an index without them gets them when it is opened."""
    path = tmp_path / "old"
    store = FolderStore(path, model_id=EMBEDDER.model_id, dim=EMBEDDER.dim, create=True)
    store.put_document(*letter("a.txt", ["Het kabinet versterkt de dijken.", "Twee."]))
    store.close()
    db = sqlite3.connect(path / DB_NAME)
    for table, column in (("pages", "refs"), ("pages", "headings"), ("passages", "kind"), ("documents", "official")):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.commit()
    db.close()

    old = FolderStore(path, model_id=EMBEDDER.model_id)
    assert [r.kind for r in old.passages([1, 2]).values()] == ["body", "body"]
    assert old.document("a").official is None
    assert [(p.refs, p.headings) for p in old.stored_document("a").pages] == [([], []), ([], [])]
    assert [pid for pid, _ in old.snapshot().dense_search(EMBEDDER.embed_query("dijken"), 1)] == [1]
    old.put_document(*letter("b.txt", ["Nieuw."], official={"identifier": "kst-1-2"}))
    assert old.document("b").official == {"identifier": "kst-1-2"}
    old.close()


def test_open_index_creates_with_the_settings_and_reopens(tmp_path, settings_factory):
    settings = settings_factory(tmp_path / "index", model="hashing", chunk_min_words=40, chunk_max_words=150)
    with pytest.raises(AssistantError, match="no index at"):
        open_index(settings, EMBEDDER)
    created = open_index(settings, EMBEDDER, create=True)
    assert created.meta()["chunking"] == {"min_words": 40, "max_words": 150}
    created.close()
    reopened = open_index(settings, EMBEDDER)
    assert reopened.meta()["model"] == "hashing-64"
    reopened.close()
    with pytest.raises(IndexMismatchError):
        open_index(settings, HashingEmbedder(dim=32))


def test_a_damaged_faiss_file_is_rebuilt_from_the_database(store):
    store.put_document(*letter("a.txt", ["Het kabinet versterkt de dijken.", "De provincies en de fietsen."]))
    store.sync_vectors()
    faiss_file = store.path / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:50])
    store.close()
    again = FolderStore(store.path)
    assert [pid for pid, _ in again.snapshot().dense_search(EMBEDDER.embed_query("fietsen"), 1)] == [2]
    assert faiss_file.stat().st_size > 50  # written back
    again.close()


@pytest.mark.parametrize("name, slug", [("Kamerbrief Financiën 2025.pdf", "kamerbrief-financien-2025"),
                                        ("...", "document"), ("kst-36450-3", "kst-36450-3"),
                                        ("a" * 100 + ".txt", "a" * 80)])
def test_document_ids_are_readable_slugs(name, slug):
    assert slugify(name) == slug


def test_ids_stay_unique_for_names_that_slug_alike(store):
    for source in ("Brief.txt", "brief.md", "BRIEF.pdf"):
        store.put_document(*letter(source, ["Tekst."]))
    assert {d.source: d.id for d in store.documents()} == {"Brief.txt": "brief", "brief.md": "brief-2",
                                                            "BRIEF.pdf": "brief-3"}
