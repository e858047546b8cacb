"""Split cleaned pages into passages that follow the document's structure.

Rules: a heading ("Aanbeveling 8:", "Vraag 3", "2.3 Titel") starts a new
section; a sentence is never split (unless a single "sentence" is longer than
twice the maximum, as in tables without full stops); passages close at
paragraph ends once they hold `min_words`, and before they would exceed
`max_words`; a trailing fragment is merged into its neighbour.

Every passage keeps its first and last page, its section, the footnotes whose
reference marks it contains, and character offsets into its page texts.

`chunk_document` adds each footnote of some words as a passage of its own
(kind "footnote", section "voetnoot 3", on the page where it is printed), so a
question that a footnote answers can find it; the sentence that cites it goes
along as its context.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import SENTENCE_END, sentence_bounds
from .types import Page, Passage

# "Aanbeveling 8:", "Vraag 3", "Antwoord 3", "Artikel 2a", "Hoofdstuk 4", "Recommendation 2:",
# and a combined answer to several questions: "Antwoord 5 en 6", "Vragen 2, 3 en 4"
_LABEL_HEADING = re.compile(
    r"^(?P<label>(?:Aanbeveling|Aanbevelingen|Recommendation|Vraag|Vragen|Antwoord|Artikel|Hoofdstuk|"
    r"Paragraaf|Bijlage|Onderdeel|Conclusie|Advies)\s+[0-9]{1,3}[a-z]?"
    r"(?:(?:\s*,\s*|\s+(?:en|and)\s+)[0-9]{1,3}[a-z]?)*)\s*(?::|\.|$|\s+[-–]\s)",
)
# "Bijlage A", "Bijlage II", "Bijlage B bij 2020-259648": an annex lettered or numbered in roman
_ANNEX_HEADING = re.compile(r"^(?P<label>Bijlage\s+(?:[A-H]|[IVX]{1,4}))(?:\s*(?::|\.|$|\s[-–]\s)|\s+bij\s)")
# an annex named but not numbered: "Bijlage – Inventarisatielijst", "Bijlage – Relevante artikelen uit de Wob"
_ANNEX_NAMED = re.compile(r"^Bijlage\s+[-–]\s+[A-Z][^\n]{2,80}$")
# "1. Inleiding", "2.3 Reactie van het kabinet", "IV. Slot", "A. Algemeen", and "18 . Agendapunt:" (a
# number set apart from its full stop, as in the House committees' decision lists)
_NUMBERED_HEADING = re.compile(
    r"^(?P<num>(?:[0-9]{1,2}(?:\.[0-9]{1,2}){0,3}(?: ?\.)?|[IVX]{1,5}\.|[A-H]\.))\s+"
    r"(?P<title>[A-Z\u00c0-\u00de‘'\"][^\n]{1,200})$"
)
# an item of a decision list, whose subject may be long and wrap in lower case
_AGENDA_ITEM = re.compile(r"^[0-9]{1,3} ?\.?\s+Agendapunt:")
# "1 Maart 2021" in a table's row is a date, not section 1
_MONTH = re.compile(r"^(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\b",
                    re.IGNORECASE)
# a line that ends in an article, preposition or conjunction goes on on the next line: a numbered
# sentence of a law or a decision ("2. Over persoonlijke beleidsopvattingen kan met het oog op
# een goede en"), not a heading; a title that wraps ("Sneller reizen met de bus in" / "Zuid-Holland",
# assistant/metadata.py)
OPEN_ENDINGS = frozenset("de het een en of van met op te voor in aan bij door naar om over uit tot dat die als "
                         "the a an and or of to for with on by".split())
_WORD = re.compile(r"\w+", re.UNICODE)
_WEB_ADDRESS = re.compile(r"https?://|\bwww\.", re.IGNORECASE)


@dataclass
class _Line:
    page: int
    start: int  # offset into the page text
    text: str  # stripped of the trailing line break and trailing spaces


@dataclass
class _Unit:
    """A sentence (or heading line) mapped back to page offsets."""

    text: str
    page: int
    start: int
    page_end: int
    end: int
    section: str | None
    words: int
    paragraph_end: bool
    starts_section: bool = False
    hard: bool = False  # a heading the source format marks (Page.headings): always starts a passage


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
        agenda = bool(_AGENDA_ITEM.match(s)) and len(words) <= 30
        if agenda or (len(words) <= 12 and len(title) <= 91 and not re.search(r"[.;,]$", title) and not re.match(r"^[0-9]{4}\b", s)
                and words[-1].lower() not in OPEN_ENDINGS
                and not (title.endswith(":") and len(words) >= 5)  # "1. Het verstrekken ... voor zover dit:"
                and not _WEB_ADDRESS.search(title)  # a footnote: "1 De AI-verordening is te raadplegen via: https://..."
                and not _MONTH.match(title)):
            return re.sub(r"\s+", " ", f"{m.group('num').replace(' ', '')} {title}"), True
    return None


def _runs_on(lines: list[_Line | None], i: int) -> bool:
    """Whether line i's sentence goes on in lower case on the next line of the same page: a
    numbered clause of a law or a decision, not a heading."""
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if nxt is None or nxt.page != lines[i].page:
        return False
    return _continues_lower(nxt.text.strip())


def _wrapped_heading(lines: list[_Line | None], i: int) -> tuple[str, int] | None:
    """(section label, index of its last line) for a numbered heading that wraps onto the next
    line of the same page: "2. Controles door de Nederlandse Arbeidsinspectie (NLA) en de" /
    "Inspectie Leefomgeving en Transport (ILT)" (the first line ends in an open word, the next
    starts with a capital: at most 8 words), or "5. Financiële consequenties, gevolgen voor
    regeldruk, concurrentiekracht en" / "geopolitieke aspecten" (the next goes on in lower case:
    at most 5 words). The second line is no sentence: no full stop, comma or colon at its end,
    and no sentence ends inside it ("4. Het kabinet blijft zich inzetten om de duurzame" /
    "arbeidsparticipatie verhogen. Enerzijds doet het").
    A numbered clause that goes on in a longer line ("... of het daarop" / "betrekking hebbend
    document, waarover hij informatie wenst te ontvangen.") is no heading (see _runs_on)."""
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


def _chapter_heading(lines: list[_Line | None], i: int) -> tuple[str, int] | None:
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
    title: list[_Line] = []
    while j < len(lines) and lines[j] is not None and lines[j].page == ln.page and len(title) < 5:
        title.append(lines[j])
        j += 1
    if not 1 <= len(title) <= 4 or not (j == len(lines) or lines[j] is None or lines[j].page != ln.page):
        return None
    words = " ".join(t.text for t in title).split()
    if not title[0].text[:1].isupper() or len(words) > 10 or any(SENTENCE_END.search(t.text) for t in title):
        return None
    return f"{ln.text} {' '.join(words)}", j - 1


def _lines(pages: list[Page]) -> list[_Line | None]:
    """All lines of all pages in order; None marks a blank line (paragraph break)."""
    out: list[_Line | None] = []
    for page in pages:
        offset = 0
        for raw in page.text.splitlines(keepends=True):
            body = raw.rstrip("\r\n")
            stripped_right = body.rstrip()
            lead = len(stripped_right) - len(stripped_right.lstrip())
            if stripped_right.strip():
                out.append(_Line(page.number, offset + lead, stripped_right.strip()))
            else:
                out.append(None)
            offset += len(raw)
    return out


# the unnumbered headings of Woo/Wob decisions, reports and memos
_PLAIN_HEADINGS = frozenset((
    "samenvatting", "managementsamenvatting", "inleiding", "aanleiding", "achtergrond", "conclusie", "conclusies",
    "aanbevelingen", "overwegingen", "wettelijk kader", "inventarisatie documenten", "inventarisatie",
    "wijze van openbaarmaking", "plaatsing op internet", "zienswijzen", "zienswijze", "bezwaarmogelijkheid",
    "bezwaarclausule", "motivering", "procedure", "verloop van de procedure", "toelichting", "vervolg", "planning",
    "advies", "besluit", "uw verzoek",
))


def _plain_headings(lines: list[_Line | None]) -> dict[int, str]:
    """Unnumbered headings ("Overwegingen", "Wettelijk kader", "Samenvatting"): a line that is
    only such a phrase, followed by a line that starts with a capital, and used at most twice in
    the document (a decision list that labels every item "Besluit" has no such section). They
    head a section only outside numbered sections ("Conclusie" under "4. Verbod korte vluchten
    Benelux" stays in that section)."""
    counts: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln is not None:
            key = ln.text.rstrip(" :").lower()
            if key in _PLAIN_HEADINGS:
                counts.setdefault(key, []).append(i)
    labels: dict[int, str] = {}
    for where in counts.values():
        for i in where if len(where) <= 2 else ():
            nxt = next((x for x in lines[i + 1:] if x is not None), None)
            if nxt is not None and nxt.text[:1].isupper():
                labels[i] = lines[i].text.rstrip(" :")
    return labels


_CONTENTS_ENTRY = re.compile(r"^\S.*?(?:\s|(?P<dots>\.{3,})\s*)(?P<page>\d{1,3})$")
_CONTENTS_HEADING = re.compile(r"^(?:Inhoud|Inhoudsopgave|Inhoudstafel|Contents|Table of contents)$", re.IGNORECASE)


def _contents_lines(lines: list[_Line | None]) -> set[int]:
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
        headed = bool(_CONTENTS_HEADING.match(ln.text)) or (headed and m is not None)
        if m:
            run.append((i, int(m.group("page")), bool(m.group("dots"))))
    close()
    return out


def _is_paragraph_end(line: _Line, typical: float) -> bool:
    """A line that ends a sentence well short of the typical line width ends a paragraph."""
    return bool(SENTENCE_END.search(line.text)) and len(line.text) < 0.72 * typical


def _units(pages: list[Page]) -> list[_Unit]:
    lines = _lines(pages)
    lengths = sorted(len(ln.text) for ln in lines if ln is not None)
    typical = float(lengths[int(len(lengths) * 0.75)]) if lengths else 80.0
    units: list[_Unit] = []
    section: str | None = None
    para: list[_Line] = []
    para_section: str | None = None
    para_starts_section = False

    def flush_paragraph() -> None:
        nonlocal para, para_starts_section
        if para:
            units.extend(_sentences(para, para_section, para_starts_section))
        para = []
        para_starts_section = False

    skip_to = -1
    marked = {(p.number, offset): label for p in pages for offset, label in p.headings}
    contents = _contents_lines(lines)
    plain = _plain_headings(lines)
    for i, ln in enumerate(lines):
        if i <= skip_to:
            continue
        if ln is None:
            flush_paragraph()
            continue
        if i in contents:  # "5. Conclusies & aanbevelingen 15" in a table of contents: no heading
            if not para:
                para_section = section
            para.append(ln)
            continue
        if (ln.page, ln.start) in marked:  # a heading by the source format's own markup
            flush_paragraph()
            section = para_section = marked[(ln.page, ln.start)]
            para_starts_section = True
            para.append(ln)
            first = len(units)
            flush_paragraph()
            if len(units) > first:
                units[first].hard = True
            continue
        chapter = _chapter_heading(lines, i) or _wrapped_heading(lines, i)
        if chapter is not None:  # "3a" / "Wonen en" / "volkshuisvesting", or a numbered heading over two lines
            flush_paragraph()
            section, skip_to = chapter
            para_section, para_starts_section = section, True
            para.extend(x for x in lines[i : skip_to + 1] if x is not None)
            flush_paragraph()
            continue
        head = heading_label(ln.text)
        if head is None and i in plain and (section is None or section.lower() in _PLAIN_HEADINGS):
            head = plain[i], True  # "Overwegingen": never under a numbered heading
        if head is not None and head[1] and _runs_on(lines, i) and not _AGENDA_ITEM.match(head[0]):
            head = None  # "2. De verzoeker vermeldt ... of het daarop" / "betrekking hebbend document, ..."
        if head is not None:
            flush_paragraph()
            section, alone = head
            para_section = section
            para_starts_section = True
            para.append(ln)
            if alone:
                flush_paragraph()
            continue
        if not para:
            para_section = section
        para.append(ln)
        if _is_paragraph_end(ln, typical):
            flush_paragraph()
    flush_paragraph()
    return units


def _is_table(lines: list[_Line]) -> bool:
    """A block of at least four lines of which few end a sentence and most hold a number or are
    short: the rows of a table or an inventory list, as a PDF's text layer gives them."""
    if len(lines) < 4:
        return False
    ends = sum(bool(SENTENCE_END.search(ln.text)) for ln in lines)
    cells = sum(bool(re.search(r"\d", ln.text)) or len(ln.text.split()) <= 6 for ln in lines)
    return ends <= 0.3 * len(lines) and cells >= 0.6 * len(lines)


def _rows(lines: list[_Line], section: str | None, starts_section: bool) -> list[_Unit]:
    """One unit per line of a table: a passage boundary falls between rows, never inside one."""
    return [_Unit(text=ln.text, page=ln.page, start=ln.start, page_end=ln.page, end=ln.start + len(ln.text),
                  section=section, words=len(_WORD.findall(ln.text)), paragraph_end=(i == len(lines) - 1),
                  starts_section=starts_section and i == 0)
            for i, ln in enumerate(lines)]


def _sentences(lines: list[_Line], section: str | None, starts_section: bool) -> list[_Unit]:
    """Split one paragraph into sentences, each mapped back to (page, offset); a table into its rows."""
    if _is_table(lines):
        return _rows(lines, section, starts_section)
    joined_parts: list[str] = []
    anchors: list[tuple[int, _Line]] = []  # (offset in joined text, line)
    pos = 0
    for i, ln in enumerate(lines):
        if i:
            joined_parts.append(" ")
            pos += 1
        anchors.append((pos, ln))
        joined_parts.append(ln.text)
        pos += len(ln.text)
    joined = "".join(joined_parts)

    def locate(j: int, is_end: bool) -> tuple[int, int]:
        # the line holding joined offset j (for an end offset, the line holding j-1)
        probe = j - 1 if is_end and j > 0 else j
        idx = 0
        for k, (start, _) in enumerate(anchors):
            if start <= probe:
                idx = k
            else:
                break
        start, ln = anchors[idx]
        return ln.page, ln.start + min(j - start, len(ln.text))

    spans = sentence_bounds(joined)

    out: list[_Unit] = []
    for n, (a, b) in enumerate(spans):
        text = joined[a:b].strip()
        if not text:
            continue
        p0, o0 = locate(a, False)
        p1, o1 = locate(b, True)
        out.append(
            _Unit(
                text=text,
                page=p0,
                start=o0,
                page_end=p1,
                end=o1,
                section=section,
                words=len(_WORD.findall(text)),
                paragraph_end=(n == len(spans) - 1),
                starts_section=starts_section and n == 0,
            )
        )
    return out


def _split_long(unit: _Unit, max_words: int) -> list[_Unit]:
    """Cut a run-on 'sentence' (a table, a list without full stops) at word boundaries."""
    words = unit.text.split(" ")
    if len(words) <= 2 * max_words:
        return [unit]
    pieces = []
    for i in range(0, len(words), max_words):
        chunk = " ".join(words[i : i + max_words])
        pieces.append(
            _Unit(chunk, unit.page, unit.start, unit.page_end, unit.end, unit.section,
                  len(_WORD.findall(chunk)), paragraph_end=False, starts_section=unit.starts_section and i == 0,
                  hard=unit.hard and i == 0)
        )
    pieces[-1].paragraph_end = unit.paragraph_end
    return pieces


def chunk_pages(pages: list[Page], min_words: int = 60, max_words: int = 200) -> list[Passage]:
    """Turn cleaned pages into passages of roughly min_words..max_words words."""
    units: list[_Unit] = []
    for u in _units(pages):
        units.extend(_split_long(u, max_words))
    fragment = max(10, min_words // 2)
    groups = _merge_small(_group(units, min_words, max_words, fragment), fragment, max_words)
    by_number = {p.number: p for p in pages}
    return [_passage(g, i, by_number, fragment) for i, g in enumerate(groups)]


def _group(units: list[_Unit], min_words: int, max_words: int, fragment: int) -> list[list[_Unit]]:
    """Sentences in groups: a group ends at a hard break, before a new section, at the end of a
    page, before it grows past max_words, and at a paragraph's end once it has min_words."""
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    words = 0
    for u in units:
        if current and u.hard:
            groups.append(current)
            current, words = [], 0
        elif current and u.starts_section and words >= fragment:
            groups.append(current)
            current, words = [], 0
        elif current and u.page != current[-1].page_end and words >= fragment:
            # a sentence that ends a page ends the passage: citations stay on one page
            groups.append(current)
            current, words = [], 0
        elif current and words + u.words > max_words and words >= min_words // 2:
            groups.append(current)
            current, words = [], 0
        current.append(u)
        words += u.words
        if u.paragraph_end and words >= min_words:
            groups.append(current)
            current, words = [], 0
    if current:
        tail_words = sum(x.words for x in current)
        if groups and tail_words < fragment and sum(x.words for x in groups[-1]) + tail_words <= max_words * 1.25 \
                and not current[0].hard:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups


def _merge_small(groups: list[list[_Unit]], fragment: int, max_words: int) -> list[list[_Unit]]:
    """Small groups merged forward/backward inside the same section."""
    merged: list[list[_Unit]] = []
    for g in groups:
        gw = sum(x.words for x in g)
        if merged:
            prev = merged[-1]
            pw = sum(x.words for x in prev)
            same = prev[-1].section == g[0].section
            if (pw < fragment or (gw < fragment and same)) and pw + gw <= max_words * 1.25 and not (
                g[0].starts_section and pw >= fragment
            ) and not g[0].hard:
                prev.extend(g)
                continue
        merged.append(g)
    return merged


def _passage(g: list[_Unit], ordinal: int, by_number: dict[int, Page], fragment: int) -> Passage:
    """A group as a passage: its text, pages, offsets, footnotes and section. A passage that opens
    a section is filed under it; otherwise under the section holding most of its words."""
    text = " ".join(u.text for u in g)
    sections: dict[str, int] = {}
    for u in g:
        if u.section:
            sections[u.section] = sections.get(u.section, 0) + u.words
    section = g[0].section
    if sections:
        starts = [u.section for u in g if u.starts_section]
        section = starts[0] if starts and g[0].words < fragment else max(sections, key=sections.get)
        if g[0].section and g[0].section in sections and sections[g[0].section] >= fragment:
            section = g[0].section
    first, last = g[0], g[-1]
    return Passage(text=text, page=first.page, page_end=last.page_end, section=section,
                   footnotes=_footnotes_in(by_number, first.page, first.start, last.page_end, last.end),
                   char_start=first.start, char_end=last.end, ordinal=ordinal)


def _footnotes_in(pages: dict[int, Page], p0: int, o0: int, p1: int, o1: int) -> list[str]:
    """Footnotes whose reference marks fall inside the span (p0, o0) .. (p1, o1)."""
    notes: list[str] = []
    for number in range(p0, p1 + 1):
        page = pages.get(number)
        if page is None:
            continue
        for offset, mark in page.refs:
            if (number, offset) < (p0, o0) or (number, offset) >= (p1, o1):
                continue
            text = page.footnotes.get(mark)
            if text:
                note = f"{mark} {text}"
                if note not in notes:
                    notes.append(note)
    return notes


FOOTNOTE_MIN_WORDS = 4  # footnotes with fewer words ("Kamerstuk 32 735, nr. 370") stay with their passage only
_CONTEXT_CHARS = 300  # most characters of the citing sentence kept as a footnote's context


def chunk_document(pages: list[Page], min_words: int = 60, max_words: int = 200) -> list[Passage]:
    """The body passages (`chunk_pages`), then a passage for each footnote of some words."""
    body = chunk_pages(pages, min_words, max_words)
    return body + footnote_passages(pages, first_ordinal=len(body))


_REFERENCE = re.compile(r"^(?:\d{1,3}\s+)?(?:https?://|www\.|Kamerstuk|Kamerstukken|Handelingen|Aanhangsel|Stcrt|Stb|"
                        r"Trb|ECLI|Zie\b|Vgl\b|Idem\b|Ibid|See\b|Cf\b)")


def is_quoted_footnote(note: str) -> bool:
    """Whether a footnote is a passage of its own: prose of FOOTNOTE_MIN_WORDS words or more, not a
    reference ("Zie ...", "Kamerstukken II ...", a URL, or a title: mostly capitalised words).
    References stay with the passage that cites them only: as quotes they would outrank it for
    any question about the work they name (measured on the development sets)."""
    words = [w for w in _WORD.findall(note) if len(w) > 1 and not w.isdigit()]
    if len(words) < FOOTNOTE_MIN_WORDS or _REFERENCE.match(note):
        return False
    # a title has its capitals from its first words on; a sentence that lists names ("Aan deze
    # proef doen de volgende rechtspersonen mee: de GGD Drenthe; de GGD Gelderland-Zuid; ...")
    # opens in lower case
    opens_as_prose = sum(w[0].isupper() for w in words[:6]) <= 1
    return opens_as_prose or sum(w[0].isupper() for w in words) < 0.4 * len(words)


def footnote_passages(pages: list[Page], first_ordinal: int = 0) -> list[Passage]:
    """Each footnote of FOOTNOTE_MIN_WORDS words or more as a passage: its text as printed,
    on its own page, filed under "voetnoot N", with the sentence that cites it as context."""
    out: list[Passage] = []
    for page in pages:
        cited = {mark: offset for offset, mark in page.refs}
        for mark, note in page.footnotes.items():
            if not is_quoted_footnote(note):
                continue
            out.append(Passage(text=note, page=page.number, page_end=page.number, section=f"voetnoot {mark}",
                               char_start=0, char_end=len(note), ordinal=first_ordinal + len(out), kind="footnote",
                               context=citing_sentence(page.text, cited.get(mark))))
    return out


def citing_sentence(text: str, offset: int | None) -> str:
    """The sentence of `text` around a footnote mark at `offset` ('' when it is not known)."""
    if offset is None or not 0 <= offset <= len(text):
        return ""
    lo = max(0, offset - _CONTEXT_CHARS)
    head = text[lo:offset]
    # the sentence, or the list item, that holds the mark
    ends = [m.end() for m in re.finditer(r"[.!?…](?:[’'\")\]]*)\s+(?=[A-Z\u00c0-\u00de0-9‘'\"(])|\n\s*\n|[•▪◦●■]\s*",
                                         head)]
    start = lo + (ends[-1] if ends else 0)
    mark = re.match(r"\d*", text[offset:]).end()
    if re.search(r"[.!?…][’'\")\]]*$", head):  # "gesloten.1": the sentence ends before the mark
        end = offset + mark
    else:
        tail = re.search(r"[.!?…](?=\s|$)", text[offset : offset + 100])
        end = offset + (tail.end() if tail else mark)
    return " ".join(text[start:end].split())
