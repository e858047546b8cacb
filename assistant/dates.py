"""When a document was written: Dutch dates ("3 maart 2021", "20-09-2021", a scanned stamp
"09MRT2021") and where a text states its own ("Den Haag, 3 maart 2021", "Voorgesteld 6 juli
2021", a value under a "Datum" label, a cover page's date line). Used by assistant/metadata.py.
"""
from __future__ import annotations

import datetime as _dt
import re

from assistant.types import Page

__all__ = ["DATE", "DATE_FORM", "LEADING_DATE", "MONTH_NAMES", "NUMERIC_DATE", "NUMERIC_DATE_FORM", "date_line", "first_lines", "head_lines", "parse_dutch_date",
           "text_date"]

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))  # full and abbreviated, longest first
DATE_FORM = r"(\d{1,2})\s+(" + MONTH_NAMES + r")\.?\s+(\d{4})"
DATE = re.compile(r"\b" + DATE_FORM + r"\b", re.I)
NUMERIC_DATE_FORM = r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"
NUMERIC_DATE = re.compile(r"\b" + NUMERIC_DATE_FORM + r"\b")
# a date stamp on a scanned letter: "09MRT2021", "4 SEP, 2021" (upper case only)
_STAMP = re.compile(r"(?<!\d)(\d{1,2})\s?(JAN|FEB|MRT|APR|MEI|JUN|JUL|AUG|SEP|OKT|NOV|DEC)[.,]?\s?(\d{4})(?!\d)")


def parse_dutch_date(text: str) -> str | None:
    """The first Dutch date in `text` ("3 maart 2021", "20-09-2021") as ISO, or None."""
    for m in DATE.finditer(text):
        iso = _iso(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        if iso:
            return iso
    for m in NUMERIC_DATE.finditer(text):
        iso = _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if iso:
            return iso
    for m in _STAMP.finditer(text):
        iso = _iso(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        if iso and iso <= _dt.date.today().isoformat():  # OCR misreads stamps ("2028" for "2020")
            return iso
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_PLACE_DATE = re.compile(r"(?:Den Haag|[’'‘`]?s-Gravenhage|Utrecht|Rotterdam|Amsterdam),\s+(\d{1,2}\s+\w+\.?\s+\d{4})")
_STAMP_DATE = re.compile(r"^(?:Voorgesteld|Ontvangen|Vastgesteld|Gedateerd)\s+(\d{1,2}\s+\w+\s+\d{4})", re.M)


def head_lines(page: str, n: int = 40) -> list[str]:
    """The first n non-blank lines of a raw page text, stripped."""
    return [line.strip() for line in page.splitlines() if line.strip()][:n]


def first_lines(pages: list[Page], n: int = 12) -> list[str]:
    """The first n non-blank lines of the first page with text."""
    return next((lines for lines in (head_lines(page.text, n) for page in pages) if lines), [])


_DATUM_LABEL = re.compile(r"^\s*Datum\b\s*:?\s*(.*)$")
_STAMPED_LABEL = re.compile(r"^\s*(\S.{3,18}?)\s*Datum$")  # a stamp read before its label: "09MRT2021Datum"


def _labelled_date(page: str) -> str | None:
    """The date under a 'Datum' label in the first 40 lines of a page, on the label's line or one
    of the three lines after it: forms set the labels and the values in columns ("Datum" /
    "GS-kenmerk" / "16.07.2024" / "2024-015664"), or the value under its label ("Datum" /
    "12-03-2024") where no letterhead block was recognised."""
    lines = head_lines(page)
    for i, line in enumerate(lines):
        m = _DATUM_LABEL.match(line) or _STAMPED_LABEL.match(line)
        if not m:
            continue
        for n, candidate in enumerate([m.group(1)] + lines[i + 1 : i + 4]):
            if len(candidate) <= (60 if n == 0 else 40):  # "Datum: Uitsluitend verstuurd per mail op 14 juni 2021"
                iso = parse_dutch_date(candidate)
                if iso:
                    return iso
    return None


def text_date(pages: list[Page], first: str, raw_first: list[str]) -> str | None:
    """A date the text states for itself: "Den Haag, 3 maart 2021", "Voorgesteld 6 juli 2021",
    a value under a "Datum" label.

    The raw first page is searched too: a "Den Haag, <date>" line inside a
    letterhead was removed from the cleaned text as furniture.
    """
    m = _STAMP_DATE.search(first)
    if m and parse_dutch_date(m.group(1)):
        return parse_dutch_date(m.group(1))
    labelled = _labelled_date(raw_first[0] if raw_first else first)
    if labelled:
        return labelled
    texts = [first] + [p.text for p in pages[-2:]] + raw_first
    for t in texts:
        for m in _PLACE_DATE.finditer(t):
            iso = parse_dutch_date(m.group(1))
            if iso:
                return iso
    # a cover page's line that is a date ("13 september 2024", "Maandag 26 mei 2025", "Versie 4.3,
    # 28 april 2023", "Woensdag 10 juli 2024 10.00 – 11.00 uur"), or a date in the first line
    # ("Besluitenlijst raadsvergadering 29 juni 2015 aanvang 17.00 uur"), a date before a subject
    for k, line in enumerate(first_lines(pages, 8)):
        lead = LEADING_DATE.match(line) if k <= 2 and len(line.split()) <= 10 else None
        if k == 0 and not lead and DATE.search(line) and len(line.split()) <= 10:  # a title, not a sentence
            lead = DATE.search(line)
        iso = date_line(line) or (parse_dutch_date(lead.group(0)) if lead else None)
        if iso:
            return iso
    # a cover's date line that cleaning took for a running header ("Versie 9.2, 27 januari 2023")
    return next(filter(None, map(date_line, head_lines(raw_first[0], 8) if raw_first else [])), None)


def date_line(line: str) -> str | None:
    """The date (ISO) of a line that is only a date: "13 september 2024", "Maandag 26 mei 2025",
    "Versie 4.3, 28 april 2023", "Woensdag 10 juli 2024 10.00 – 11.00 uur", "03-08-2026"."""
    m = _DATE_LINE.fullmatch(line.strip())
    return parse_dutch_date(m.group("date")) if m else None


# a date before a letter's subject on one line: "10-05-2026 Evaluatie NVVB Gemeenteraadsverkiezing 2026"
LEADING_DATE = re.compile(r"^\d{1,2}-\d{1,2}-\d{4}(?=\s+[A-Z])")
_DATE_LINE = re.compile(
    r"(?:(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag),?\s+|versie\s*:?\s*[\d.]+\s*,?\s*)?"
    r"(?P<date>" + DATE_FORM + r"|\d{1,2}-\d{1,2}-\d{4})(?:\s+\d{1,2}[.:]\d{2}\b.*)?", re.I)
