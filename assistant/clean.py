"""Clean the text extracted from a document, page by page.

Input is one raw string per page (as pypdf or a text file gives it); output is
one `Page` per input page, numbered from 1, with

* page furniture removed: "Pagina 2 van 7", running headers and footers, the
  letterhead and side column of ministry letters (Kenmerk, Datum, Betreft,
  addresses) and the kst-/ISSN/'s-Gravenhage footer of official publications.
  What was removed is kept in a `Furniture` record, so that metadata detection
  can read the Datum, Betreft and Kenmerk from it;
* words broken across lines by a hyphen joined again ("maatschap-\\npelijke");
* letter-spaced words repaired where the document itself gives evidence
  ("P agina" -> "Pagina" when "Pagina" occurs elsewhere) (both in assistant/repairs.py);
* footnotes at the foot of the page moved into `Page.footnotes`, and the places
  where the body text refers to them recorded in `Page.refs` (assistant/footnotes.py).

The body keeps its line structure (one line per source line, blank lines where
the source has them), because the chunker finds headings at line starts.

Everything here is a pure function over strings: no I/O, no exceptions on any
input, and no body text is lost.  Every non-space character of the normalised
input ends up in exactly one of: the page text, a footnote (mark or text),
`Furniture.lines`, or `Furniture.dropped` (hyphens removed by a join, what a footnote mark
written "3)" or "03" loses when it is kept as "3").
`accounted_text` returns that union, for tests.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from assistant.headings import ANNEX_TITLE, OPEN_ENDINGS, appended_documents
from assistant.footnotes import FOOTNOTE_START, find_refs, split_footnotes
from assistant.repairs import SOFT_HYPHEN, LetterSpacing, Vocab, join_hyphenated
from assistant.types import SECTION_END, Page

__all__ = [
    "CleanDocument",
    "Furniture",
    "accounted_text",
    "clean_document",
    "clean_pages",
    "normalize_text",
    "split_text_pages",
]


# --------------------------------------------------------------------------
# results


@dataclass
class Furniture:
    """What cleaning removed from the pages, kept for metadata detection.

    `lines`: (page number, kind, line) for every removed line; kind is one of
    "page-number", "official" (header/footer of an official publication),
    "letterhead" (side column, address block, Datum/Betreft/Kenmerk lines),
    "running" (a header or footer repeated across pages).
    `fields`: (page number, label, value) read from letterhead blocks, e.g.
    (1, "Datum", "18 oktober 2023") or (1, "Betreft", "Verzamelbrief luchtvaart").
    `dropped`: characters removed on purpose: hyphens while joining words, the ")" or "0" of a
    footnote mark written "3)" or "03" (kept as "3").
    """

    lines: list[tuple[int, str, str]] = field(default_factory=list)
    fields: list[tuple[int, str, str]] = field(default_factory=list)
    dropped: str = ""

    def field(self, *labels: str, last_page: int | None = None) -> str | None:
        """The first value recorded under any of `labels` (case-insensitive), on a page up to
        `last_page` when given."""
        wanted = {label.lower() for label in labels}
        for page, label, value in self.fields:
            if (label.lower() in wanted and value and not FIELD_ERROR.match(value)
                    and (last_page is None or page <= last_page)):
                return value
        return None

    def texts(self, kind: str | None = None) -> list[str]:
        """The removed lines, optionally only those of one kind."""
        return [line for _p, k, line in self.lines if kind is None or k == kind]


# a Word field that failed to update prints an error where its value belongs: "Betreft / Error!
# Unknown document property name.", "Fout! Verwijzingsbron niet gevonden."; it is no value
FIELD_ERROR = re.compile(r"^(?:Error|Fout)!\s")


@dataclass
class CleanDocument:
    """Cleaned pages plus what was removed from them."""

    pages: list[Page]
    furniture: Furniture


# --------------------------------------------------------------------------
# character normalisation

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _normalize_char(ch: str) -> str:
    if ch in _LIGATURES:
        return _LIGATURES[ch]
    if ch == "\n" or ch == SOFT_HYPHEN:
        return ch
    cat = unicodedata.category(ch)
    if cat == "Zs" or ch == "\t":
        return " "
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in ("\u200d",):
        # control characters, zero-width marks, surrogates, private use,
        # unassigned code points: not text a reader can see or search for
        return ""
    return ch


def normalize_text(text: str) -> str:
    """Unify line breaks and spaces, expand ligatures, drop invisible characters.

    Soft hyphens are kept: they mark where a word was hyphenated.
    """
    text = _LINE_BREAKS.sub("\n", text)
    if text.isascii() and text.isprintable():
        return text
    return "".join(_normalize_char(ch) for ch in text)


# --------------------------------------------------------------------------
# text files: recover pages


_ONE_SPACE_LINE = re.compile(r"^ (?! )\S")


def split_text_pages(text: str) -> list[str]:
    """Split the text of a .txt file into pages.

    Form feeds separate pages when the file has them.  Otherwise, a file whose
    text was extracted from a PDF so that a line starting with exactly one
    space begins a new page (several such lines, at least four lines apart)
    is split at those lines; the space stays (cleaning strips it).  Any other
    text is one page.
    """
    text = re.sub(r"\r\n?", "\n", text)
    if "\f" in text:
        parts = text.split("\f")
        if len(parts) > 1 and not parts[-1].strip():
            parts.pop()  # a final form feed ends the last page
        return parts
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _ONE_SPACE_LINE.match(line)]
    if len(starts) < 2 or any(b - a < 4 for a, b in zip(starts, starts[1:])):
        return [text]
    cuts = [i for i in starts if i > 0]
    bounds = [0, *cuts, len(lines)]
    return ["\n".join(lines[a:b]) for a, b in zip(bounds, bounds[1:])]


# --------------------------------------------------------------------------
# furniture patterns

_PAGE_OF = re.compile(
    r"^[^\w\s]{0,2}\s?(?:p\s?a\s?g\s?i\s?n\s?a(?:nummer)?|page|blad|pag\.)\s*\d{1,4}\s*(?:(?:van|of|/)\s*\d{1,4})?$", re.I
)
_LONE_NUMBER = re.compile(r"^[-–—]?\s*(\d{1,4})\s*[-–—]?$")
_OFFICIAL_LINE = [
    re.compile(r"^(?:kst|ah-tk|ah-ek|h-tk|h-ek|stb|stcrt|trb|blg|gmb|prb|wsb)-[\w.-]*\d[\w.-]*$", re.I),
    re.compile(r"^ISSN\s*\d{4}\s*[-–]\s*\d{3}[\dXx]$"),
    re.compile(r"^[’'‘`]?s-Gravenhage \d{4}\b(?!,)"),
]
# the running footer of Kamerstukken; only at the foot of a page, since
# footnotes cite "Tweede Kamer, vergaderjaar 2017–2018, 26 485, nr. 267" too
_OFFICIAL_FOOTER = re.compile(r"^(?:Tweede|Eerste) Kamer, vergaderjaar \d{4}\s*[–-]\s*\d{4}\b.*\d$")
_OFFICIAL_TOP = [
    re.compile(r"^(?:Tweede|Eerste) Kamer der Staten-Generaal$"),
    re.compile(r"^Vergaderjaar \d{4}\s*[–-]\s*\d{4}(?: Aanhangsel van de Handelingen)?$"),
    re.compile(r"^Aanhangsel van de Handelingen$"),
    re.compile(r"^Vragen gesteld door de leden der Kamer, met de daarop door( de)?$"),
    re.compile(r"^(?:de )?regering gegeven antwoorden$"),
]

_LABELS = (
    "Ons kenmerk|Uw kenmerk|Kenmerk|Onze referentie|Uw referentie|Ons nummer|Referentie|"
    "Datum|Betreft|Onderwerp|Uw brief(?: van)?|Bijlage\\(n\\)|Bijlagen|Contactpersoon|"
    "Behandeld door|Inlichtingen(?: bij)?|Doorkiesnummer|Telefoon|Kopie aan|Afschrift aan|Auteur|Inzake|"
    "Zaaknr|Zaaknummer"
)
_LABEL_LINE = re.compile(rf"^(?P<label>{_LABELS})(?:\s*:\s*|\s+|$)(?P<value>.*)$")
# a memo's labels in lower case ("datum" / "inzake" / "zaaknr"), each alone on its line
_LOWER_LABEL = re.compile(rf"^(?P<label>{_LABELS.lower()})\s*:?$")
_DATE_HINT = re.compile(
    r"\b\d{4}\b|januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december",
    re.I,
)
_ADDRESS_LINE = [
    re.compile(r"^Postbus \d+"),
    re.compile(r"^\d{4}\s?[A-Z]{2}\b"),  # Dutch postcode
]
_RETURN_ADDRESS = re.compile(r"^>?\s*Retouradres\b", re.I)  # the envelope window's, above the addressee
_ORGANISATION = r"(?:Ministerie van|Directoraat[- ][Gg]eneraal|Directie\b)"  # a government body's name
_STRONG_LINE = _ADDRESS_LINE + [
    _RETURN_ADDRESS,
    re.compile(r"^(?:www\.|https?://)\S+$"),
    re.compile(r"^(?:[TFEM]\s+)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+$"),
    re.compile(r"^[TFM]\s*[+(]?\d[\d ()+-]{6,}$"),
    re.compile(rf"^(?:{_ORGANISATION}|Bestuurskern$|Rijksdienst\b)"),
]
# who handles the letter, with an e-mail address or a telephone number: a letterhead's line even
# when it is longer than its other lines
_CONTACT_LABELS = ("Behandeld door", "Contactpersoon", "Inlichtingen", "Inlichtingen bij")
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\d)(?:\+31|0)[\d -]{8,}\d")
_CONTACT_LINE = 100
# an organisation's name that goes on in the next line
_ORGANISATION_OPEN = re.compile(rf"^{_ORGANISATION}.*(?:,|\s(?:en|van|voor|der))$")
_SALUTATION = re.compile(r"^(?:Zeer |Hoog)?(?:[Gg]eachte|Beste|Dear)\b")
_SHORT = 48
_MAX_GAP = 5  # most non-blank lines between two markers of one block


def _label(line: str) -> tuple[str, str] | None:
    """(label, inline value) when the line is a letterhead label line.

    The value must fit the label, so that body text starting with "Datum" or
    "Onderwerp" is not mistaken for a letterhead.
    """
    m = _LABEL_LINE.match(line)
    if not m:
        lower = _LOWER_LABEL.match(line)
        return (lower.group("label").capitalize(), "") if lower else None
    label, value = m.group("label"), m.group("value").strip()
    if not value or FIELD_ERROR.match(value):
        return label, value  # a field that failed to update is still the letterhead's label
    if label == "Datum":
        ok = bool(_DATE_HINT.search(value)) and len(value) <= 40
    elif label in ("Betreft", "Onderwerp", "Inzake"):
        ok = not value[:1].islower()
    elif label in ("Kenmerk", "Ons kenmerk", "Uw kenmerk", "Onze referentie", "Uw referentie", "Ons nummer", "Referentie"):
        ok = len(value.split()) <= 4 and any(c.isdigit() for c in value)
    elif label in _CONTACT_LABELS and _CONTACT.search(value):
        ok = len(line) <= _CONTACT_LINE  # "Behandeld door Wob-coördinatie, wob.coördinatie.sdn@amsterdam.nl"
    else:
        ok = len(line) <= _SHORT
    return (label, value) if ok else None


def _is_address(line: str) -> bool:
    return any(p.match(line) for p in _ADDRESS_LINE)


def _is_strong(line: str) -> bool:
    return bool(_label(line) or _PAGE_OF.match(line) or any(p.match(line) for p in _STRONG_LINE))


# --------------------------------------------------------------------------
# furniture removal


def _edge_indices(lines: list[str], n: int) -> tuple[list[int], list[int]]:
    """Indices of the first n and last n non-blank lines."""
    nonblank = [i for i, line in enumerate(lines) if line]
    return nonblank[:n], nonblank[-n:]


def _template(line: str, page_no: int) -> str:
    """The line with its page number replaced, for spotting running headers: the number at
    the line's end or start ("Gemeenteblad 2024 nr. 469908 7 november 2024 7" on page 7),
    else every occurrence."""
    n = rf"(?<!\d){page_no}(?!\d)"
    for edge in (rf"{n}(?=\W*$)", rf"^(\W*){n}"):
        if re.search(edge, line):
            return re.sub(edge, lambda m: (m.group(1) if m.groups() else "") + "#", line, count=1)
    return re.sub(n, "#", line)


def _remove_official(lines: list[str], page_no: int, removed: list[tuple[int, str, str]]) -> list[str]:
    """Header and footer lines of official publications (Kamerstukken, Handelingen)."""
    out: list[str | None] = list(lines)
    top, bottom = _edge_indices(lines, 8)
    top_set = set(top)
    foot = set(bottom[-2:])
    previous_top = False  # previous non-blank line was an official top line
    for i, line in enumerate(lines):
        if not line:
            continue
        hit = any(p.match(line) for p in _OFFICIAL_LINE)
        if not hit and i in foot:
            hit = bool(_OFFICIAL_FOOTER.match(line))
        if not hit and i in top_set:
            if any(p.match(line) for p in _OFFICIAL_TOP):
                hit = True
            elif previous_top and re.fullmatch(r"\d{1,5}", line):
                hit = True  # the chamber number "2", or the Aanhangsel number
        previous_top = hit and i in top_set
        if hit:
            removed.append((page_no, "official", line))
            out[i] = None
    return [line for line in out if line is not None]


def _find_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Letterhead / side-column blocks: clusters of markers among short lines.

    Within a run of blank or short lines (or label lines), strong markers
    (Kenmerk, Datum, Postbus, a postcode, ...) at most five non-blank lines
    apart form a cluster; a cluster of two or more is a block.  It spans from
    its first to its last marker, widened to the lines directly attached
    (organisation names above, a label's value below).  A salutation
    ("Geachte voorzitter,") always ends a run.
    """
    blocks: list[tuple[int, int]] = []
    n = len(lines)
    i = 0
    while i < n:
        if not _candidate(lines[i]):
            i += 1
            continue
        j = i
        while j < n and _candidate(lines[j]):
            j += 1
        strong = [k for k in range(i, j) if lines[k] and _is_strong(lines[k])]
        clusters: list[list[int]] = []
        for k in strong:
            if clusters and sum(1 for x in range(clusters[-1][-1] + 1, k) if lines[x]) <= _MAX_GAP:
                clusters[-1].append(k)
            else:
                clusters.append([k])
        for cluster in clusters:
            if (len(cluster) < 2 and not _RETURN_ADDRESS.match(lines[cluster[0]])) or \
                    all(_is_address(lines[k]) for k in cluster):
                continue  # an address alone may be body text ("gericht aan: ... Postbus"); a return address is not
            start, end = cluster[0], cluster[-1]
            while start - 1 >= i and lines[start - 1]:
                start -= 1
            end = _extend_value(lines, end, j)
            while end + 1 < j and lines[end + 1] and _ORGANISATION_OPEN.match(lines[end]):
                end += 1  # "Directoraat-generaal Natuur," / "Visserij en Landelijk gebied"
            if blocks and start <= blocks[-1][1]:
                start = blocks[-1][1] + 1
            if start <= end:
                blocks.append((start, end))
        i = j
    return blocks


def _candidate(line: str) -> bool:
    # an annex's heading with its title starts the body of a page (see headings.ANNEX_TITLE)
    if _SALUTATION.match(line) or ANNEX_TITLE.match(line):
        return False
    return not line or len(line) <= _SHORT or _label(line) is not None


def _extend_value(lines: list[str], end: int, limit: int) -> int:
    """Widen a block's end over the value of a trailing label."""
    found = _label(lines[end])
    if not found:
        return end
    label, value = found
    subject = label in _SUBJECT_LABELS
    # a subject's value may be longer than the short lines of the block it ends
    bound = min(len(lines), limit + 1) if subject else limit
    k = end + 1
    if not value:
        while k < bound and not lines[k]:
            k += 1
        if k < bound and not _is_strong(lines[k]) and not (subject and _not_subject(lines[k])):
            end, value = k, lines[k]
            k += 1
        else:
            return end
    if subject:
        extra = 0
        while k < len(lines) and extra < 2 and subject_goes_on(value, lines[k]):
            end, k, extra, value = k, k + 1, extra + 1, f"{value} {lines[k]}"
    return end


_SUBJECT_LABELS = ("Betreft", "Onderwerp", "Inzake")
# a subject line ending in one of these goes on in the next ("... inzake het tussen" / "Nederland en Duitsland ...")
_SUBJECT_OPEN = OPEN_ENDINGS | {"tussen", "inzake", "betreffende", "tegen", "onder", "ter", "ten", "per", "via"}


def _not_subject(line: str) -> bool:
    """A line that cannot be the value of a subject label: a salutation or a sentence of the body."""
    return bool(_SALUTATION.match(line)) or len(line) > 160


def subject_goes_on(value: str, line: str) -> bool:
    """A wrapped subject continues in lower case, or after a line that ends in an open word."""
    if not line or _is_strong(line) or _not_subject(line):
        return False
    words = value.split()
    return line[:1].islower() or (len(words) >= 2 and words[-1] in _SUBJECT_OPEN and len(line) <= 80)


def _block_fields(lines: list[str], page_no: int) -> list[tuple[int, str, str]]:
    """Label/value pairs found in the lines of one removed block."""
    found: list[tuple[int, str, str]] = []
    k = 0
    while k < len(lines):
        hit = _label(lines[k])
        k += 1
        if not hit:
            continue
        label, value = hit
        if not value:
            j = k
            while j < len(lines) and not lines[j]:
                j += 1
            if j < len(lines) and not _is_strong(lines[j]):
                value, k = lines[j], j + 1
        if label in _SUBJECT_LABELS:
            while k < len(lines) and subject_goes_on(value, lines[k]):
                value, k = f"{value} {lines[k]}", k + 1
        if value:
            found.append((page_no, label, value))
    return found


def _remove_letterhead(
    lines: list[str], page_no: int, furniture: Furniture
) -> list[str]:
    out: list[str | None] = list(lines)
    for start, end in _find_blocks(lines):
        block = lines[start : end + 1]
        furniture.fields.extend(_block_fields(block, page_no))
        for k in range(start, end + 1):
            if lines[k]:
                furniture.lines.append((page_no, "letterhead", lines[k]))
            out[k] = None
    # a lone "Pagina 2 van 7" outside any block
    for k, line in enumerate(lines):
        if out[k] is not None and line and _PAGE_OF.match(line):
            furniture.lines.append((page_no, "page-number", line))
            out[k] = None
    return [line for line in out if line is not None]


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Templates of lines repeated at the top or bottom of several pages."""
    counts: Counter[str] = Counter()
    for number, lines in enumerate(pages, start=1):
        top, bottom = _edge_indices(lines, 4)
        seen = {_template(lines[i], number) for i in top + bottom}
        counts.update(t for t in seen if sum(c.isalpha() for c in t) >= 3)
    text_pages = sum(1 for lines in pages if any(lines))
    running = set()
    for template, n in counts.items():
        if "#" in template and n >= 3:
            running.add(template)  # carries the page number: a header or footer
        elif "#" not in template and n >= 3 and 2 * n >= text_pages:
            running.add(template)  # the same line at the edge of half the pages
    # a header whose numbers are not the PDF page's ("18/26 19 januari 2024 Impactanalyse ...
    # versie 1.1" on PDF page 20): the same words with any numbers, at the edge of 40 % of the pages
    shapes: Counter[str] = Counter()
    for lines in pages:
        top, bottom = _edge_indices(lines, 4)
        shapes.update({_shape(lines[i]) for i in top + bottom
                       if re.search(r"\d", lines[i]) and len(re.findall(r"[^\W\d_]{3,}", lines[i])) >= 3
                       and not FOOTNOTE_START.match(lines[i])})  # footnotes citing Kamerstukken look alike
    running.update(_SHAPE + shape for shape, n in shapes.items() if n >= 3 and 5 * n >= 2 * text_pages)
    return running


_SHAPE = "\0shape:"  # marks a running-line shape (numbers as #) among the templates


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line)


def _remove_running(
    lines: list[str], page_no: int, running: set[str], removed: list[tuple[int, str, str]]
) -> list[str]:
    top, bottom = _edge_indices(lines, 4)
    drop = {i for i in top + bottom
            if _template(lines[i], page_no) in running or _SHAPE + _shape(lines[i]) in running}
    # a lone page number in the first or last two non-blank lines, once the running lines are
    # gone ("Elke dag beter. Zuid Holland." twice above "18" on PDF page 20)
    top2, bottom2 = _edge_indices([line if i not in drop else "" for i, line in enumerate(lines)], 2)
    for i in top2 + bottom2:
        m = _LONE_NUMBER.match(lines[i])
        if m and abs(int(m.group(1)) - page_no) <= 2 and i not in drop:
            drop.add(i)
            removed.append((page_no, "page-number", lines[i]))
    for i in sorted(drop):
        if _template(lines[i], page_no) in running or _SHAPE + _shape(lines[i]) in running:
            removed.append((page_no, "running", lines[i]))
    return [line for i, line in enumerate(lines) if i not in drop]


# --------------------------------------------------------------------------
# the pipeline


def _page_lines(raw: str) -> list[str]:
    """Normalised, stripped lines; blank lines become ''."""
    text = normalize_text(raw)
    return [" ".join(line.split()) for line in text.split("\n")]


def _squeeze_blank(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def clean_document(raw_pages: list[str]) -> CleanDocument:
    """Clean every page; return the pages and the furniture removed from them."""
    furniture = Furniture()
    pages_lines = [_page_lines(raw) for raw in raw_pages]
    restarts = appended_documents(pages_lines)

    # 1. furniture
    stage: list[list[str]] = []
    for number, lines in enumerate(pages_lines, start=1):
        lines = _remove_official(lines, number, furniture.lines)
        lines = _remove_letterhead(lines, number, furniture)
        stage.append(lines)
    running = _running_lines(stage)
    stage = [
        _remove_running(lines, number, running, furniture.lines)
        for number, lines in enumerate(stage, start=1)
    ]

    # 2. footnotes
    expected = 1
    split: list[tuple[list[str], list[tuple[str, list[str]]]]] = []
    previous = ""
    dropped: list[str] = []  # characters removed on purpose (see Furniture.dropped)
    for lines in stage:
        body, notes = split_footnotes(lines, expected, previous, dropped)
        previous = "\n".join(body[-15:])
        if notes:
            expected = int(notes[-1][0]) + 1
        split.append((body, notes))

    # 3. repairs, with the whole document as evidence
    texts = ["\n".join(body) for body, _ in split]
    texts += [" ".join(lines) for _, notes in split for _, lines in notes]
    vocab = Vocab(texts)
    spacing = LetterSpacing(texts, vocab)
    pages: list[Page] = []
    for number, (body, notes) in enumerate(split, start=1):
        body = join_hyphenated(_squeeze_blank(body), vocab, dropped)
        while body and not body[0]:
            body.pop(0)
        text = "\n".join(spacing.repair(line) for line in body)
        footnotes: dict[str, str] = {}
        for mark, note_lines in notes:
            note = spacing.repair(" ".join(join_hyphenated(note_lines, vocab, dropped)))
            # marks are consecutive, so never repeated on one page
            footnotes[mark] = note
        refs = find_refs(text, footnotes)
        heads = [(0, SECTION_END)] if number in restarts and text else []
        pages.append(Page(number=number, text=text, footnotes=footnotes, refs=refs, headings=heads))
    furniture.dropped = "".join(dropped)
    return CleanDocument(pages=pages, furniture=furniture)




def clean_pages(raw_pages: list[str]) -> list[Page]:
    """Clean every page (see the module docstring); Page.number is 1-based."""
    return clean_document(raw_pages).pages


def accounted_text(doc: CleanDocument) -> str:
    """Everything cleaning kept or removed on purpose, for the no-loss check.

    Its non-space characters equal those of the normalised input, as a
    multiset, except for soft hyphens (dropped or not, they are invisible).
    """
    parts: list[str] = []
    for page in doc.pages:
        parts.append(page.text)
        for mark, note in page.footnotes.items():
            parts.append(mark)
            parts.append(note)
    parts.extend(line for _p, _k, line in doc.furniture.lines)
    parts.append(doc.furniture.dropped)
    return "\n".join(parts)
