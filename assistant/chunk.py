"""Split cleaned pages into passages that follow the document's structure.

Rules: a heading ("Aanbeveling 8:", "Vraag 3", "2.3 Titel"; see assistant/headings.py) starts a new
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

from .headings import (AGENDA_ITEM, PLAIN_HEADINGS, Line, chapter_heading, contents_lines, heading_label,
                       plain_headings, runs_on, wrapped_heading)
from .sentences import SENTENCE_END, sentence_bounds
from .types import SECTION_END, Page, Passage

_WORD = re.compile(r"\w+", re.UNICODE)


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


def _lines(pages: list[Page]) -> list[Line | None]:
    """All lines of all pages in order; None marks a blank line (paragraph break)."""
    out: list[Line | None] = []
    for page in pages:
        offset = 0
        for raw in page.text.splitlines(keepends=True):
            body = raw.rstrip("\r\n")
            stripped_right = body.rstrip()
            lead = len(stripped_right) - len(stripped_right.lstrip())
            if stripped_right.strip():
                out.append(Line(page.number, offset + lead, stripped_right.strip()))
            else:
                out.append(None)
            offset += len(raw)
    return out


# an article of a law as a heading ("Artikel 11", "Artikel 5.1"): it runs over a page break at most
_LAW_ARTICLE = re.compile(r"^Artikel\s+\d")


def _is_paragraph_end(line: Line, typical: float) -> bool:
    """A line that ends a sentence well short of the typical line width ends a paragraph."""
    return bool(SENTENCE_END.search(line.text)) and len(line.text) < 0.72 * typical


def _units(pages: list[Page]) -> list[_Unit]:
    lines = _lines(pages)
    lengths = sorted(len(ln.text) for ln in lines if ln is not None)
    typical = float(lengths[int(len(lengths) * 0.75)]) if lengths else 80.0
    units: list[_Unit] = []
    section: str | None = None
    para: list[Line] = []
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
    contents = contents_lines(lines)
    plain = plain_headings(lines)
    section_page = 0  # the page of the current section's heading
    for i, ln in enumerate(lines):
        if i <= skip_to:
            continue
        if ln is None:
            flush_paragraph()
            continue
        if section is not None and ln.page > section_page + 1 and _LAW_ARTICLE.match(section):
            section = None  # a law's article quoted in an annex: the documents behind it are not under it
        if i in contents:  # "5. Conclusies & aanbevelingen 15" in a table of contents: no heading
            if not para:
                para_section = section
            para.append(ln)
            continue
        if marked.get((ln.page, ln.start)) == SECTION_END:  # an appended document begins
            flush_paragraph()
            section, section_page = None, ln.page
        elif (ln.page, ln.start) in marked:  # a heading by the source format's own markup
            flush_paragraph()
            section = para_section = marked[(ln.page, ln.start)]
            section_page = ln.page
            para_starts_section = True
            para.append(ln)
            first = len(units)
            flush_paragraph()
            if len(units) > first:
                units[first].hard = True
            continue
        chapter = chapter_heading(lines, i) or wrapped_heading(lines, i)
        if chapter is not None:  # "3a" / "Wonen en" / "volkshuisvesting", or a numbered heading over two lines
            flush_paragraph()
            section, skip_to = chapter
            section_page = ln.page
            para_section, para_starts_section = section, True
            para.extend(x for x in lines[i : skip_to + 1] if x is not None)
            flush_paragraph()
            continue
        head = heading_label(ln.text)
        if head is None and i in plain and (section is None or section.lower() in PLAIN_HEADINGS):
            head = plain[i], True  # "Overwegingen": never under a numbered heading
        if head is not None and head[1] and runs_on(lines, i) and not AGENDA_ITEM.match(head[0]):
            head = None  # "2. De verzoeker vermeldt ... of het daarop" / "betrekking hebbend document, ..."
        if head is not None:
            flush_paragraph()
            section, alone = head
            section_page = ln.page
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


def _is_table(lines: list[Line]) -> bool:
    """A block of at least four lines of which few end a sentence and most hold a number or are
    short: the rows of a table or an inventory list, as a PDF's text layer gives them."""
    if len(lines) < 4:
        return False
    ends = sum(bool(SENTENCE_END.search(ln.text)) for ln in lines)
    cells = sum(bool(re.search(r"\d", ln.text)) or len(ln.text.split()) <= 6 for ln in lines)
    return ends <= 0.3 * len(lines) and cells >= 0.6 * len(lines)


def _rows(lines: list[Line], section: str | None, starts_section: bool) -> list[_Unit]:
    """One unit per line of a table: a passage boundary falls between rows, never inside one."""
    return [_Unit(text=ln.text, page=ln.page, start=ln.start, page_end=ln.page, end=ln.start + len(ln.text),
                  section=section, words=len(_WORD.findall(ln.text)), paragraph_end=(i == len(lines) - 1),
                  starts_section=starts_section and i == 0)
            for i, ln in enumerate(lines)]


def _sentences(lines: list[Line], section: str | None, starts_section: bool) -> list[_Unit]:
    """Split one paragraph into sentences, each mapped back to (page, offset); a table into its rows."""
    if _is_table(lines):
        return _rows(lines, section, starts_section)
    joined_parts: list[str] = []
    anchors: list[tuple[int, Line]] = []  # (offset in joined text, line)
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
