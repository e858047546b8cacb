"""Chunking: section labels follow the headings a reader sees."""
from __future__ import annotations

from assistant.chunk import chunk_pages
from assistant.types import Page

BODY = ("Het kabinet bouwt meer betaalbare woningen in heel Nederland. Twee derde van de woningen moet "
        "betaalbaar zijn voor mensen met een laag of middeninkomen. Gemeenten krijgen hiervoor extra middelen. ")


def _sections(pages: list[Page]) -> dict[int, set[str | None]]:
    """The section labels of the passages that hold each page's body text."""
    out: dict[int, set[str | None]] = {}
    for p in chunk_pages(pages):
        for n in range(p.page, p.page_end + 1):
            out.setdefault(n, set()).add(p.section)
    return out


def test_chapter_number_and_title_on_their_own_lines_at_the_top_of_a_page():
    # as in the Regeerprogramma: "3a" alone, a blank line, the title over two lines
    pages = [
        Page(1, "6. Eisen naturalisatie aangescherpt\n\n" + BODY.replace("woningen", "naturalisaties") * 2),
        Page(2, "3a\n\nWonen en\nvolkshuisvesting\n"),
        Page(3, BODY * 3),
    ]
    s = _sections(pages)
    assert s[1] == {"6. Eisen naturalisatie aangescherpt"}
    assert s[3] == {"3a Wonen en volkshuisvesting"}


def test_a_number_that_starts_a_note_or_a_sentence_is_no_chapter():
    pages = [
        Page(1, "1. Inleiding\n\n" + BODY * 2),
        # a footnote number at the top of a page, then a sentence: not a heading
        Page(2, "2\n\nDat blijkt onder meer uit onderzoek.\n\n" + BODY * 2),
        # a bare number that is not the page's first line
        Page(3, BODY + "\n\n4\n\nWoningbouw\n\n" + BODY),
    ]
    s = _sections(pages)
    assert s[2] == {"1. Inleiding"} and s[3] == {"1. Inleiding"}
