"""What starts a section: the headings a reader sees in a page's lines (part of assistant.chunk).

    heading_label(line) -> (label, stands alone) | None     "Aanbeveling 8:", "2.3 Titel", "18 . Agendapunt: ..."
    wrapped_heading / chapter_heading(lines, i)             a heading over two or three lines
    plain_headings(lines), contents_lines(lines)            "Overwegingen" in a decision; a table of contents

A numbered line is no heading when it is a sentence that runs on, a footnote with a web address,
a date ("1 Maart 2021") or a table of contents' entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import MONTH_NAMES, NUMERIC_DATE, NUMERIC_DATE_FORM
from .sentences import SENTENCE_END

# "Aanbeveling 8:", "Vraag 3", "Antwoord 3", "Artikel 2a", "Hoofdstuk 4", "Recommendation 2:",
# and a combined answer to several questions: "Antwoord 5 en 6", "Vragen 2, 3 en 4"; never numbered
# 0 (an inspection report's form field "Antwoord 0" headed 28 pages of a Woo decision's annexes)
_LABEL_HEADING = re.compile(
    r"^(?P<label>(?:Aanbeveling|Aanbevelingen|Recommendation|Vraag|Vragen|Antwoord|Artikel|Hoofdstuk|"
    r"Paragraaf|Bijlage|Onderdeel|Conclusie|Advies)\s+[1-9][0-9]{0,2}[a-z]?"
    r"(?:(?:\s*,\s*|\s+(?:en|and)\s+)[0-9]{1,3}[a-z]?)*)\s*(?::|\.|$|\s+[-–]\s)",
)
# "Bijlage A", "Bijlage II", "Bijlage B bij 2020-259648": an annex lettered or numbered in roman
_ANNEX_HEADING = re.compile(r"^(?P<label>Bijlage\s+(?:[A-H]|[IVX]{1,4}))(?:\s*(?::|\.|$|\s[-–]\s)|\s+bij\s)")
# an annex named but not numbered: "Bijlage – Inventarisatielijst", "Bijlage – Relevante artikelen uit de Wob"
_ANNEX_NAMED = re.compile(r"^Bijlage\s+[-–]\s+[A-Z][^\n]{2,80}$")
# an annex with its title, numbered or not ("Bijlage 2 – Inventarislijst", "Bijlage – Inventarisatielijst"):
# it starts a page's body, so a letterhead block above it ends there (assistant/clean.py); a
# letterhead's own "Bijlage(n)" / "Bijlage 1" field names no title
ANNEX_TITLE = re.compile(r"^Bijlage(?:\s+(?:\d{1,2}|[A-H]|[IVX]{1,4}))?\s*[-–:]\s*[A-Z]")
# "1. Inleiding", "2.3 Reactie van het kabinet", "IV. Slot", "A. Algemeen", and "18 . Agendapunt:" (a
# number set apart from its full stop, as in the House committees' decision lists)
_NUMBERED_HEADING = re.compile(
    r"^(?P<num>(?:[0-9]{1,2}(?:\.[0-9]{1,2}){0,3}(?: ?\.)?|[IVX]{1,5}\.|[A-H]\.))\s+"
    r"(?P<title>[A-Z\u00c0-\u00de‘'\"][^\n]{1,200})$"
)
# an item of a decision list, whose subject may be long and wrap in lower case
AGENDA_ITEM = re.compile(r"^[0-9]{1,3} ?\.?\s+Agendapunt:")
# "1 Maart 2021" in a table's row is a date, not section 1; nor is a version history's row "2.4 Mrt
# 2014 Aanpassingen ..." or "1.0 12-03-2019 Vastgesteld" section 2.4 or 1.0 (a month abbreviated
# only before a number: "Jan" may be a name)
_MONTH = re.compile(r"^(?:(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\b"
                    rf"|(?:{MONTH_NAMES})\.?\s+[0-9]{{1,4}}\b|{NUMERIC_DATE_FORM}\b)",
                    re.IGNORECASE)
# a line that ends in an article, preposition or conjunction goes on on the next line: a numbered
# sentence of a law or a decision ("2. Over persoonlijke beleidsopvattingen kan met het oog op
# een goede en"), not a heading; a title that wraps ("Sneller reizen met de bus in" / "Zuid-Holland",
# assistant/metadata.py)
OPEN_ENDINGS = frozenset("de het een en of van met op te voor in aan bij door naar om over uit tot dat die als "
                         "the a an and or of to for with on by".split())
_WEB_ADDRESS = re.compile(r"https?://|\bwww\.", re.IGNORECASE)


@dataclass
class Line:
    """A non-blank line of a page."""

    page: int
    start: int  # offset into the page text
    text: str  # stripped of the trailing line break and trailing spaces


def heading_label(line: str) -> tuple[str, bool] | None:
    """Return (section label, heading stands alone) when a line starts a section."""
    s = line.strip()
    if not s:
        return None
    m = _LABEL_HEADING.match(s) or _ANNEX_HEADING.match(s)
    if m:
        return re.sub(r"\s+", " ", m.group("label")), False
    if _ANNEX_NAMED.match(s) and len(s.split()) <= 10:
        return re.sub(r"\s+", " ", s), True
    m = _NUMBERED_HEADING.match(s)
    if m:
        title = m.group("title").strip()
        words = title.split()
        # an agenda item names its subject at any length: "29 . Agendapunt: Antwoord Europese commissie
        # op brief Staten-Generaal over subsidiariteit richtlijn gelijke behandeling"
        agenda = bool(AGENDA_ITEM.match(s)) and len(words) <= 30
        if agenda or (len(words) <= 12 and len(title) <= 91 and not re.search(r"[.;,]$", title) and not re.match(r"^[0-9]{4}\b", s)
                and words[-1].lower() not in OPEN_ENDINGS
                and not (title.endswith(":") and len(words) >= 5)  # "1. Het verstrekken ... voor zover dit:"
                and not _WEB_ADDRESS.search(title)  # a footnote: "1 De AI-verordening is te raadplegen via: https://..."
                and not _MONTH.match(title)
                # a Woo inventory's row: "3.1 Bijlage: verslag overleg GGZ 25-1-2015 Komt overeen met doc. 3.2"
                and not NUMERIC_DATE.search(title)):
            return re.sub(r"\s+", " ", f"{m.group('num').replace(' ', '')} {title}"), True
    return None


def runs_on(lines: list[Line | None], i: int) -> bool:
    """Whether line i's sentence goes on in lower case on the next line of the same page: a
    numbered clause of a law or a decision, not a heading."""
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if nxt is None or nxt.page != lines[i].page:
        return False
    return _continues_lower(nxt.text.strip())


def wrapped_heading(lines: list[Line | None], i: int) -> tuple[str, int] | None:
    """(section label, index of its last line) for a numbered heading that wraps onto the next
    line of the same page: "2. Controles door de Nederlandse Arbeidsinspectie (NLA) en de" /
    "Inspectie Leefomgeving en Transport (ILT)" (the first line ends in an open word, the next
    starts with a capital: at most 8 words), or "5. Financiële consequenties, gevolgen voor
    regeldruk, concurrentiekracht en" / "geopolitieke aspecten" (the next goes on in lower case:
    at most 5 words). The second line is no sentence: no full stop, comma or colon at its end,
    and no sentence ends inside it ("4. Het kabinet blijft zich inzetten om de duurzame" /
    "arbeidsparticipatie verhogen. Enerzijds doet het").
    A numbered clause that goes on in a longer line ("... of het daarop" / "betrekking hebbend
    document, waarover hij informatie wenst te ontvangen.") is no heading (see runs_on)."""
    ln = lines[i]
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if ln is None or nxt is None or nxt.page != ln.page:
        return None
    m = _NUMBERED_HEADING.match(ln.text.strip())
    more = nxt.text.strip()
    if not m or not more or len(m.group("title").split()) > 12 or len(m.group("title")) > 91 or re.search(r"[.;:!?]\s", m.group("title")):
        return None
    lower = _continues_lower(more)
    if not (lower or (more[:1].isupper() and m.group("title").split()[-1].lower() in OPEN_ENDINGS)):
        return None
    if (len(more.split()) > (5 if lower else 8) or SENTENCE_END.search(more) or more.endswith((";", ",", ":"))
            or re.search(r"[.;:!?]\s", more)):
        return None
    label = re.sub(r"\s+", " ", f"{m.group('num').replace(' ', '')} {m.group('title').strip()} {more}")
    return (label, i + 1) if len(label.split()) <= 20 else None


def _continues_lower(text: str) -> bool:
    """A line that goes on in lower case (a list item "a) Titel" does not)."""
    return text[:1].islower() and not re.match(r"^[a-z]{1,3}[.)]\s", text)


_CHAPTER_NUMBER = re.compile(r"^[0-9]{1,2}[a-z]?$")


def chapter_heading(lines: list[Line | None], i: int) -> tuple[str, int] | None:
    """A chapter heading set as its own block at the top of a page: a bare number ("3a")
    as the page's first line, then one to four short title lines ("Wonen en" /
    "volkshuisvesting") ending at a blank line or the page's end. Returns the label
    ("3a Wonen en volkshuisvesting") and the index of its last line."""
    ln = lines[i]
    if ln is None or not _CHAPTER_NUMBER.match(ln.text):
        return None
    before = next((x for x in reversed(lines[:i]) if x is not None), None)
    if before is not None and before.page == ln.page:
        return None  # not the first line of its page
    j = i + 1
    while j < len(lines) and lines[j] is None:
        j += 1
    title: list[Line] = []
    while j < len(lines) and lines[j] is not None and lines[j].page == ln.page and len(title) < 5:
        title.append(lines[j])
        j += 1
    if not 1 <= len(title) <= 4 or not (j == len(lines) or lines[j] is None or lines[j].page != ln.page):
        return None
    words = " ".join(t.text for t in title).split()
    if not title[0].text[:1].isupper() or len(words) > 10 or any(SENTENCE_END.search(t.text) for t in title):
        return None
    return f"{ln.text} {' '.join(words)}", j - 1


PLAIN_HEADINGS = frozenset((
    "samenvatting", "managementsamenvatting", "inleiding", "aanleiding", "achtergrond", "conclusie", "conclusies",
    "aanbevelingen", "overwegingen", "wettelijk kader", "inventarisatie documenten", "inventarisatie",
    "wijze van openbaarmaking", "plaatsing op internet", "zienswijzen", "zienswijze", "bezwaarmogelijkheid",
    "bezwaarclausule", "motivering", "procedure", "verloop van de procedure", "toelichting", "vervolg", "planning",
    "advies", "besluit", "uw verzoek",
))


def plain_headings(lines: list[Line | None]) -> dict[int, str]:
    """Unnumbered headings ("Overwegingen", "Wettelijk kader", "Samenvatting"): a line that is
    only such a phrase, followed by a line that starts with a capital, and used at most twice in
    the document (a decision list that labels every item "Besluit" has no such section). They
    head a section only outside numbered sections ("Conclusie" under "4. Verbod korte vluchten
    Benelux" stays in that section)."""
    counts: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln is not None:
            key = ln.text.rstrip(" :").lower()
            if key in PLAIN_HEADINGS:
                counts.setdefault(key, []).append(i)
    labels: dict[int, str] = {}
    for where in counts.values():
        for i in where if len(where) <= 2 else ():
            nxt = next((x for x in lines[i + 1:] if x is not None), None)
            if nxt is not None and nxt.text[:1].isupper():
                labels[i] = lines[i].text.rstrip(" :")
    return labels


_CONTENTS_ENTRY = re.compile(r"^\S.*?(?:\s|(?P<dots>\.{3,})\s*)(?P<page>\d{1,3})$")
CONTENTS_HEADING = re.compile(r"^(?:Inhoud|Inhoudsopgave|Inhoudstafel|Contents|Table of contents)$", re.IGNORECASE)


def contents_lines(lines: list[Line | None]) -> set[int]:
    """The lines of a table of contents: runs of at least three lines (blank lines between them,
    a page break and an entry wrapped over two lines allowed) that each end in a page number,
    the numbers never going down ("Samenvatting 3" / "1. Aanleiding, doel & onderzoeksopzet 4" /
    "2. Ontwerpprincipes 6"),
    under an "Inhoud" / "Inhoudsopgave" line or with dot leaders. Their numbered titles are
    entries, not the headings of what follows. (A Kamervragen question that ends in a note
    mark, "Vraag 1 ... NOS? 1", is no entry: no contents heading, no leaders.)"""
    out: set[int] = set()
    run: list[tuple[int, int, bool]] = []  # (line index, page number it names, dot leaders)
    headed = False  # an "Inhoud" line came right before the run

    def close() -> None:
        if len(run) >= 3 and (headed or sum(dots for _, _, dots in run) >= 2):
            out.update(i for i, _, _ in run)
        run.clear()

    def entry(j: int) -> re.Match | None:
        nxt = next((x for x in lines[j:] if x is not None), None)
        return _CONTENTS_ENTRY.match(nxt.text) if nxt is not None else None

    for i, ln in enumerate(lines):
        if ln is None:
            continue
        m = _CONTENTS_ENTRY.match(ln.text)
        if m and run and int(m.group("page")) >= run[-1][1]:
            run.append((i, int(m.group("page")), bool(m.group("dots"))))
            continue
        wrapped = entry(i + 1) if run and not m else None
        if wrapped and int(wrapped.group("page")) >= run[-1][1]:
            out.add(i)  # an entry that wraps: "2. Bevindingen over het gebruik van ebMS2 en de" / "... 8"
            continue
        close()
        headed = bool(CONTENTS_HEADING.match(ln.text)) or (headed and m is not None)
        if m:
            run.append((i, int(m.group("page")), bool(m.group("dots"))))
    close()
    return out


# a page counter ("Pagina 1 van 4", "282900646 Pagina 1 van 4", "Page 1 of 3"; pypdf may space
# its letters: "P agina 1 van 4")
_PAGE_COUNTER = re.compile(r"(?i)\b(?:p\s?a\s?g\s?i\s?n\s?a|page|blad)\s*(?P<k>\d{1,4})\s*(?:van|of|/)\s*(?P<n>\d{1,4})\b")


def _counter(lines: list[str]) -> tuple[int, int] | None:
    """The page counter (k, n) in a page's first or last four lines."""
    text = [line for line in lines if line.strip()]
    for line in text[:4] + text[-4:]:
        m = _PAGE_COUNTER.search(line)
        if m:
            return int(m["k"]), int(m["n"])
    return None


def appended_documents(pages_lines: list[list[str]]) -> set[int]:
    """Pages after the first whose counter starts again at 1 of several: an appended document
    begins there (an inspection report behind a Woo decision, the next of a series of information
    sheets), and the last heading of the document before it does not go on over it. A counter
    that starts at 0 ("Pagina 0 van 2", "Pagina 1 van 2") goes on. Measured on the 237 real PDFs
    we hold: 7 pages of 3 documents, where a heading from 7 to 25 pages back went on over 39
    passages."""
    counters = [_counter(lines) for lines in pages_lines]
    return {number for number, (before, this) in enumerate(zip(counters, counters[1:]), start=2)
            if this is not None and this[0] == 1 and this[1] >= 2 and (before is None or before[0] != 0)}
