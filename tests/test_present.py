"""What an answer looks like: citations as users quote them, the plain text of `assistant ask`,
and the one JSON shape of `ask --json` and POST /api/ask (Answer.to_json). Pure functions on
hand-made answers."""
from __future__ import annotations

import json

import pytest

from assistant.citation import citation, document_reference, dutch_date, pages_label
from assistant.present import format_text, mark_highlights, to_json_line
from assistant.types import NO_ANSWER, Answer, DocumentInfo, Evidence, Hit


def doc(**kw) -> DocumentInfo:
    base = dict(id="brief", source="brief.pdf", title="Kabinetsreactie op het AIV-advies", date="2025-05-12",
                kamerstuk=None, kenmerk=None, kind="brief", pages=9, passages=30)
    return DocumentInfo(**{**base, **kw})


def hit(rank: int = 1, **kw) -> Hit:
    base = dict(rank=rank, score=0.91234567, passage_id=41, text="Het kabinet steunt de CS3D. Dat is goed.",
                page=7, page_end=7, section="Aanbeveling 8", footnotes=["6 Kamerstuk 30 821 nr. 230"],
                document=doc(), highlights=[(0, 27)])
    h = Hit(**{**base, **kw})
    h.citation = citation(h)
    return h


@pytest.mark.parametrize("iso, dutch", [("2025-05-12", "12 mei 2025"), ("2024-12-01", "1 december 2024"),
                                        ("2025-05", "2025-05"), ("2025-13-01", "2025-13-01"), (None, None)])
def test_dates_are_written_as_in_dutch_letters(iso, dutch):
    assert dutch_date(iso) == dutch


def test_citations_name_document_number_date_pages_and_section():
    assert pages_label(7, 7) == "p. 7" and pages_label(7, 9) == "pp. 7-9"
    assert document_reference(doc()) == "Kabinetsreactie op het AIV-advies, 12 mei 2025"
    assert document_reference(doc(kamerstuk="36 450, nr. 3", kenmerk="BZ-123")) == (
        "Kabinetsreactie op het AIV-advies, Kamerstuk 36 450, nr. 3, 12 mei 2025")
    assert document_reference(doc(kamerstuk="Aanhangsel Handelingen II 2020/21, nr. 3235", date=None)) == (
        "Kabinetsreactie op het AIV-advies, Aanhangsel Handelingen II 2020/21, nr. 3235")
    assert document_reference(doc(title="Motie over 36 450, nr. 3", kamerstuk="36 450, nr. 3", date=None)) == (
        "Motie over 36 450, nr. 3")  # the number is in the title already
    assert document_reference(doc(kenmerk="BZ-123", title="", date=None)) == "brief.pdf, kenmerk BZ-123"
    assert hit().citation == "Kabinetsreactie op het AIV-advies, 12 mei 2025, p. 7, Aanbeveling 8"
    assert hit(page_end=8, section=None).citation == "Kabinetsreactie op het AIV-advies, 12 mei 2025, pp. 7-8"


def test_highlights_are_marked_in_plain_text():
    text = "Een. Twee. Drie."
    assert mark_highlights(text, [(5, 10)]) == "Een. [[Twee.]] Drie."
    assert mark_highlights(text, [(11, 16), (0, 4)], "<", ">") == "<Een.> Twee. <Drie.>"
    assert mark_highlights(text, [(0, 10), (5, 16)]) == "[[Een. Twee.]] Drie."  # an overlapping span is skipped
    assert mark_highlights(text, []) == text


def test_plain_text_answer():
    answer = Answer(query="CSDDD?", answer_found=True, hits=[hit(), hit(2, kind="footnote", footnotes=[],
                                                                        section="voetnoot 6", weak=False)],
                    rewritten_query="CSDDD?")
    assert format_text(answer).splitlines() == [
        "",
        "1. [[Het kabinet steunt de CS3D.]] Dat is goed.",
        "   — Kabinetsreactie op het AIV-advies, 12 mei 2025, p. 7, Aanbeveling 8",
        "   footnote 6 Kamerstuk 30 821 nr. 230",
        "",
        "2. (footnote) [[Het kabinet steunt de CS3D.]] Dat is goed.",
        "   — Kabinetsreactie op het AIV-advies, 12 mei 2025, p. 7, voetnoot 6",
    ]
    assert "\033[1mHet kabinet steunt de CS3D.\033[0m" in format_text(answer, color=True)


def test_plain_text_when_nothing_answers_in_the_question_language():
    weak = Answer(query="en in Mali?", answer_found=False, hits=[hit(weak=True)], language="nl",
                  rewritten_query="Wat doet het kabinet? in Mali?")
    lines = format_text(weak).splitlines()
    assert lines[:2] == ["(searched for: Wat doet het kabinet? in Mali?)", NO_ANSWER["nl"]]
    assert lines[3].startswith("1. (weak match) ")
    empty = format_text(Answer(query="x", answer_found=False, hits=[]))
    assert empty.splitlines() == [NO_ANSWER["en"], "No passages found."]


def test_one_json_shape_for_every_answer():
    ev = Evidence(dense=0.8812345, coverage=0.5, margin=0.1, language="en", score=0.93123, threshold=0.84)
    found = Answer(query="CSDDD?", answer_found=True, hits=[hit()], rewritten_query="CSDDD?", evidence=ev)
    out = found.to_json()
    assert list(out) == ["query", "answer_found", "language", "hits", "evidence"]
    assert found.message is None
    assert out["evidence"] == {"dense": 0.8812, "coverage": 0.5, "margin": 0.1, "missing_names": 0, "absent": 0.0, "language": "en",
                               "score": 0.9312, "threshold": 0.84, "rule": ""}
    assert out["hits"][0] == {
        "rank": 1, "score": 0.9123, "text": "Het kabinet steunt de CS3D. Dat is goed.",
        "citation": "Kabinetsreactie op het AIV-advies, 12 mei 2025, p. 7, Aanbeveling 8", "page": 7, "page_end": 7,
        "section": "Aanbeveling 8", "footnotes": ["6 Kamerstuk 30 821 nr. 230"], "highlights": [[0, 27]],
        "weak": False, "passage_id": 41, "passage_ids": [41], "kind": "body",
        "document": {"id": "brief", "title": "Kabinetsreactie op het AIV-advies", "source": "brief.pdf",
                     "date": "2025-05-12", "kamerstuk": None, "kenmerk": None}}
    weak = Answer(query="en in Mali?", answer_found=False, hits=[], language="nl", rewritten_query="Iets? in Mali?")
    assert weak.to_json() == {"query": "en in Mali?", "answer_found": False, "language": "nl", "hits": [],
                              "message": NO_ANSWER["nl"], "rewritten_query": "Iets? in Mali?"}
    line = to_json_line(Answer(query="Financiën", answer_found=False, hits=[], language="xx"))
    assert "Financiën" in line and json.loads(line)["message"] == NO_ANSWER["en"]  # UTF-8, not \\u escapes
