"""The whole pipeline on real data: ingest -> ask -> cite, incremental changes, reopening.

Questions whose answer depends on the model use the real one (`seed_assistant`); changes to
the index use the hashing embedder (`hashing_assistant`), which embeds at once."""
from __future__ import annotations


import pytest

from assistant.core import Assistant
from assistant.store.folder import FolderStore
from assistant.types import IndexMismatchError

from .conftest import SEED, SHARED, needs_shared


def _hit_with(answer, needle):
    return next((h for h in answer.hits if needle.lower() in h.text.lower()), None)


def test_csddd_question_cites_page_7_aanbeveling_8(seed_assistant):
    answer = seed_assistant.ask("what did the cabinet say about CSDDD?")
    assert answer.answer_found
    top = answer.hits[0]
    assert "CS3D" in top.text or "zorgplichtrichtlijn" in top.text
    assert top.page == 7
    assert top.section == "Aanbeveling 8"
    assert "p. 7" in top.citation and "Aanbeveling 8" in top.citation
    assert "Krimpende maatschappelijke ruimte" in top.citation


def test_dutch_question_finds_same_passage(seed_assistant):
    answer = seed_assistant.ask("wat zegt het kabinet over de zorgplichtrichtlijn?")
    assert any(h.page == 7 and h.section == "Aanbeveling 8" for h in answer.hits[:2])


def test_footnote_attached_to_the_passage_that_cites_it(seed_assistant):
    index = seed_assistant.index
    rows = index.passages(list(range(1, index.count() + 1)))
    citing = [r for r in rows.values() if "Rechtsorde’1" in r.text]
    assert citing, "the passage with note mark 1 is missing"
    assert any("Kamerstuk 32 735 nr. 370" in f for f in citing[0].footnotes)
    assert citing[0].page == 2
    # and the footnote text itself is searchable
    answer = seed_assistant.ask("Kamerstuk 32 735 nr. 370")
    assert any("Rechtsorde’1" in h.text for h in answer.hits[:3])


def test_reingest_unchanged_changes_nothing(hashing_assistant):
    before_gen = hashing_assistant.index.generation()
    before = hashing_assistant.index.count()
    results = hashing_assistant.ingest([SEED])
    assert [r.status for r in results] == ["unchanged"]
    assert hashing_assistant.index.generation() == before_gen
    assert hashing_assistant.index.count() == before


def test_changed_file_replaces_its_passages(hashing_assistant, tmp_path):
    changed = tmp_path / SEED.name
    text = SEED.read_text(encoding="utf-8").replace(
        "Geachte voorzitter,", "Geachte voorzitter,\n\nDe zeeotter Ottokar bewaakt de Noordzeekust.", 1)
    changed.write_text(text, encoding="utf-8")
    n_docs = len(hashing_assistant.documents())
    results = hashing_assistant.ingest([changed])
    assert [r.status for r in results] == ["replaced"]
    assert len(hashing_assistant.documents()) == n_docs
    answer = hashing_assistant.ask("zeeotter Ottokar Noordzeekust")
    assert "Ottokar" in answer.hits[0].text
    # the old passages are gone: no passage text appears twice
    rows = hashing_assistant.index.passages(list(range(1, 10_000)))
    texts = [r.text for r in rows.values()]
    assert len(texts) == len(set(texts))


def test_remove_document_removes_its_vectors(hashing_assistant, tmp_path):
    extra = tmp_path / "notitie-fietsbeleid.txt"
    extra.write_text(
        "Fietsbeleid\n\nHet kabinet investeert 780 miljoen euro in fietsparkeren bij stations. "
        "De fietsenstallingen worden uitgebreid met veertigduizend plekken in de komende vijf jaar.\n",
        encoding="utf-8",
    )
    [r] = hashing_assistant.ingest([extra])
    assert r.status == "added"
    n = hashing_assistant.index.faiss_index().ntotal
    answer = hashing_assistant.ask("fietsenstallingen bij stations")
    assert answer.hits[0].document.id == r.doc_id
    assert hashing_assistant.remove(r.doc_id)
    assert hashing_assistant.index.faiss_index().ntotal == n - r.passages
    assert r.doc_id not in {d.id for d in hashing_assistant.documents()}
    answer = hashing_assistant.ask("fietsenstallingen bij stations")
    assert all(h.document.id != r.doc_id for h in answer.hits)
    assert not hashing_assistant.remove(r.doc_id)


def test_reopen_from_disk_gives_same_answer(hashing_assistant, settings_factory, hashing_embedder):
    first = hashing_assistant.ask("export credit insurance and human rights")
    hashing_assistant.index.close()
    again = Assistant(settings_factory(hashing_assistant.settings.index_dir, model="hashing"),
                      embedder=hashing_embedder)
    second = again.ask("export credit insurance and human rights")
    assert [h.passage_id for h in first.hits] == [h.passage_id for h in second.hits]
    assert again.documents()[0].title.startswith("Kabinetsreactie")


def test_model_mismatch_is_refused(hashing_seed_dir):
    with pytest.raises(IndexMismatchError) as exc:
        FolderStore(hashing_seed_dir, model_id="sentence-transformers/all-MiniLM-L6-v2")
    assert "rebuild" in str(exc.value)


def test_damaged_faiss_file_is_rebuilt_from_the_database(hashing_assistant):
    path = hashing_assistant.settings.index_dir / "vectors.faiss"
    expected = hashing_assistant.ask("anti-SLAPP directive").hits[0].passage_id
    hashing_assistant.index.close()
    path.write_bytes(path.read_bytes()[:100])
    fresh = Assistant(hashing_assistant.settings, embedder=hashing_assistant.embedder)
    assert fresh.ask("anti-SLAPP directive").hits[0].passage_id == expected


def test_generated_pdf_pages_are_cited(hashing_assistant, tmp_path):
    from .pdfgen import make_pdf

    pdf = tmp_path / "brief-waterbeheer.pdf"
    filler = ("De waterschappen voeren het beheer uit en worden daarbij door het Rijk ondersteund met kennis, "
              "geld en menskracht. Zij overleggen elk kwartaal met de provincies en de gemeenten over de "
              "planning van het onderhoud en over de verdeling van de kosten tussen de partijen.")

    def para(first: str) -> list[str]:
        words = (first + " " + filler).split()
        return [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)] + [""]

    pdf.write_bytes(make_pdf([
        ["Geachte voorzitter,", ""] + para("Met deze brief informeer ik u over het waterbeheer in Nederland.")
        + para("Het Deltaprogramma wordt dit jaar geactualiseerd."),
        para("De dijken langs de rivieren worden de komende tien jaar versterkt. Het "
             "Hoogwaterbeschermingsprogramma trekt daarvoor jaarlijks 400 miljoen euro uit.")
        + para("Daarmee voldoen alle primaire keringen in 2050 aan de nieuwe normen."),
        para("Ten slotte besteed ik aandacht aan de zoetwatervoorziening in droge zomers.")
        + ["De minister van Infrastructuur en Waterstaat"],
    ]))
    [r] = hashing_assistant.ingest([pdf])
    assert r.status == "added" and r.pages == 3
    answer = hashing_assistant.ask("Hoeveel geld gaat naar het versterken van dijken?")
    hit = _hit_with(answer, "Hoogwaterbeschermingsprogramma")
    assert hit is not None and hit.page <= 2 <= hit.page_end
    rows = hashing_assistant.index.passages(list(range(1, 10_000)))
    [row] = [r for r in rows.values() if "Hoogwaterbeschermingsprogramma" in r.text]
    assert (row.page, row.page_end) == (2, 2)
    assert hit.document.source == "brief-waterbeheer.pdf"


@needs_shared
def test_real_pdf_page_numbers(hashing_assistant):
    pdf = SHARED / "corpus-real" / "letters" / "verzamelbrief-luchtvaart.pdf"
    [r] = hashing_assistant.ingest([pdf])
    assert r.status == "added", r.reason
    r_doc = r.doc_id
    answer = hashing_assistant.ask("tilhulp", documents=[r.doc_id], k=5)
    hit = _hit_with(answer, "tilhulp")
    assert hit is not None
    rows = hashing_assistant.index.passages(list(range(1, 10_000)))
    pages = {(r.page, r.page_end) for r in rows.values() if r.doc_id == r_doc and "tilhulp" in r.text}
    assert pages == {(5, 5)}, pages
    assert hit.page <= 5 <= hit.page_end and "5" in hit.citation


def test_jsonl_archive_ingests_each_line_and_resumes(hashing_assistant, tmp_path):
    import gzip
    import json

    archive = tmp_path / "archief.jsonl.gz"
    records = [
        # URLs that end alike (as in the Staten-Generaal archive: .../0000142774/ocr) are still different documents
        {"URL": "https://example.org/0000001/ocr", "Content": "De Kamer besprak de aanleg van een spoorlijn naar "
                                                              "Groningen. De minister noemde de kosten te hoog."},
        {"URL": "https://example.org/0000002/ocr", "Content": "Het onderwijs aan dove kinderen wordt door het Rijk bekostigd."},
        {"URL": "https://example.org/0000001/ocr", "Content": "Een tweede regel met dezelfde URL."},
    ]
    with gzip.open(archive, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
        fh.write("dit is geen json\n")
    results = hashing_assistant.ingest([archive])
    assert sorted(r.status for r in results) == ["added", "added", "failed", "failed"]
    failed = sorted(r.source + " " + (r.reason or "") for r in results if r.status == "failed")
    assert "archief.jsonl.gz#3" in failed[0] and "same URL/id as line 1" in failed[0]
    assert "archief.jsonl.gz#4" in failed[1] and "JSON" in failed[1]
    again = hashing_assistant.ingest([archive])
    assert sorted(r.status for r in again) == ["failed", "failed", "unchanged", "unchanged"]
    answer = hashing_assistant.ask("onderwijs aan dove kinderen")
    assert answer.hits[0].document.source == "archief.jsonl.gz#0000002/ocr"
    answer = hashing_assistant.ask("spoorlijn naar Groningen")
    assert answer.hits[0].document.source == "archief.jsonl.gz#0000001/ocr"


def test_progress_counts_work_not_documents_and_leaves_out_unchanged(hashing_assistant, tmp_path, capsys):
    folder = tmp_path / "brieven"
    folder.mkdir()
    (folder / "a.txt").write_text("De minister beantwoordt vragen over de dijkversterking in Zeeland. " * 3)
    (folder / "b.txt").write_text("Het kabinet investeert in het beroepsonderwijs en de leraren. " * 40)
    results = hashing_assistant.ingest([folder], progress=True)
    assert [r.status for r in results] == ["added", "added"]
    err = capsys.readouterr().err
    total = (folder / "a.txt").stat().st_size + (folder / "b.txt").stat().st_size
    from tqdm import tqdm

    done = tqdm.format_sizeof(total)  # bytes of text, as tqdm writes them
    assert "ingest 2 documents" in err and "100%" in err and f"{done}/{done}" in err, err[-300:]

    (folder / "c.txt").write_text("Een nieuwe brief over de zorgverzekering en het eigen risico. " * 5)
    again = hashing_assistant.ingest([folder], progress=True)
    assert sorted(r.status for r in again) == ["added", "unchanged", "unchanged"]
    err = capsys.readouterr().err
    # the unchanged documents were taken out of the total: the bar ends at the new file's size
    size_c = tqdm.format_sizeof((folder / "c.txt").stat().st_size)
    assert "100%" in err and f"{size_c}/{size_c}" in err, err[-300:]
