"""ODT, DOCX and HTML documents: their text as pages, with the headings and footnotes
the format marks.

    load_formatted(path, data, sha256, settings) -> LoadedDocument     (called by load.py)

What each format gives:
- DOCX (python-docx): pages where Word last laid them out (`w:lastRenderedPageBreak`,
  written when Word saves) or, without those, at hard page breaks; headings by style
  ("Heading 1", "Kop 1", "Title", or an outline level); footnotes from the footnotes part,
  numbered as Word shows them; tables row by row.
- ODT (odfdo): pages at LibreOffice's `text:soft-page-break`s (written when it saves);
  headings are `text:h`; footnotes and endnotes are `text:note`; frames (letterhead
  boxes) are left out.
- HTML (lxml): one page (a web page has none); headings h1-h6; footnotes are links to a
  note inside a notes block (class, id or role naming note/noot/footnote); scripts, styles,
  navigation, headers and footers are left out. The title comes from DC.title-style meta
  tags, <title> or the first h1; a date from DCTERMS.issued.

The text is built here as cleaned pages (one paragraph per line, a blank line between
paragraphs, a footnote's mark glued after the word that refers to it), so PDF cleaning
does not run on it. Every problem raises IngestError naming the file, the cause and what
to do. `PageBuilder` is also used to lay out official publications (assistant.official).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .types import IngestError, LoadedDocument, Page

__all__ = ["FORMAT_TYPES", "PageBuilder", "extract", "load_formatted"]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
FORMAT_TYPES = {".docx": DOCX_TYPE, ".odt": ODT_TYPE, ".html": "text/html", ".htm": "text/html"}
ZIP_EXPANSION_LIMIT = 40  # a ZIP package may unpack to at most this many times the file limit
MAX_HEADING_WORDS = 16


# ---------------------------------------------------------------------------------------------
# building pages


class PageBuilder:
    """Cleaned pages built paragraph by paragraph: text, headings, footnotes and references."""

    def __init__(self) -> None:
        self.pages: list[Page] = [Page(1, "")]
        self._parts: list[str] = []  # the paragraph being built
        self._refs: list[tuple[int, str]] = []  # (offset in the paragraph, mark)
        self._notes: dict[str, str] = {}

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def text(self, s: str) -> None:
        if s:
            self._parts.append(s)

    def note(self, mark: str, text: str) -> None:
        """A footnote reference here (the mark glued to the text before it) and its text."""
        mark = mark.strip()
        text = " ".join(text.split())
        if not mark or not text:
            return
        current = "".join(self._parts)
        stripped = current.rstrip()
        self._parts = [stripped]
        self._refs.append((len(stripped), mark))
        self._parts.append(mark + current[len(stripped):])
        self._notes[mark] = text

    def end_paragraph(self, heading: str | None = None) -> None:
        """Close the paragraph; `heading` = its section label when it is a heading."""
        raw = "".join(self._parts)
        refs, notes = self._refs, self._notes
        self._parts, self._refs, self._notes = [], [], {}
        lead = len(raw) - len(raw.lstrip())
        line = " ".join(raw.split())
        if not line:
            return
        # references move with the collapsing of white space
        shift = _offset_map(raw, lead)
        page = self.page
        start = len(page.text) + (2 if page.text else 0)
        page.text = f"{page.text}\n\n{line}" if page.text else line
        for offset, mark in refs:
            page.refs.append((start + shift(offset), mark))
        page.footnotes.update(notes)
        label = " ".join((heading or "").split())
        if heading is not None and len(label.split()) <= MAX_HEADING_WORDS:  # longer: a sentence set in bold
            page.headings.append((start, label or line[:200]))

    def heading(self, text: str) -> None:
        self.text(text)
        self.end_paragraph(heading=text)

    def new_page(self) -> None:
        self.end_paragraph()
        self.pages.append(Page(len(self.pages) + 1, ""))

    def finish(self) -> list[Page]:
        self.end_paragraph()
        for page in self.pages:
            page.refs.sort()
        return self.pages


def _offset_map(raw: str, lead: int):
    """Maps an offset in `raw` to the offset in " ".join(raw.split())."""
    table: list[int] = []
    out, in_space = 0, False
    for i, ch in enumerate(raw):
        table.append(out)
        if ch.isspace():
            if not in_space and i >= lead:
                in_space = True
        else:
            if in_space and out > 0:
                out += 1
            in_space = False
            out += 1
    table.append(out)
    return lambda offset: table[min(max(offset, 0), len(table) - 1)]


# ---------------------------------------------------------------------------------------------
# the formats


@dataclass
class Extracted:
    pages: list[Page]
    title: str | None = None
    date: str | None = None
    notes: list[str] = field(default_factory=list)


def extract(data: bytes, suffix: str, source: str, settings: Settings | None = None) -> Extracted:
    """Pages, title and date of a DOCX, ODT or HTML file's bytes."""
    settings = settings or Settings()
    suffix = suffix.lower()
    if suffix == ".docx":
        got = _docx(_zip_checked(data, source, "a Word document (.docx)", "word/document.xml", settings), source)
    elif suffix == ".odt":
        got = _odt(_zip_checked(data, source, "an OpenDocument text (.odt)", "content.xml", settings), source)
    elif suffix in (".html", ".htm"):
        got = _html(data, source)
    else:
        raise IngestError(source, f"unsupported file type '{suffix}'")
    if not any(p.text.strip() for p in got.pages):
        raise IngestError(source, "contains no text (an empty document, or only images); "
                                  "export it as a PDF with a text layer, or run OCR on it")
    return got


def load_formatted(path: Path, data: bytes, sha256: str, settings: Settings) -> LoadedDocument:
    """A DOCX, ODT or HTML file as a loaded document (metadata detected, sidecar applied)."""
    from .clean import Furniture
    from .metadata import detect_metadata
    from .sidecars import apply_sidecar, find_sidecar, load_sidecar

    suffix = path.suffix.lower()
    got = extract(data, suffix, path.name, settings)
    meta = detect_metadata(got.pages, [p.text for p in got.pages], Furniture())
    if got.title:
        meta.title = got.title
    meta.date = got.date or meta.date
    sidecar = find_sidecar(path)
    if sidecar is not None:
        meta = apply_sidecar(meta, load_sidecar(sidecar))
    return LoadedDocument(source=path.name, path=str(path), sha256=sha256, pages=got.pages, meta=meta,
                          media_type=FORMAT_TYPES[suffix])


def _zip_checked(data: bytes, source: str, what: str, member: str, settings: Settings) -> io.BytesIO:
    """The bytes as a ZIP package that holds `member`, within the expansion limit."""
    from .filetype import describe_bytes

    if not data.startswith(b"PK"):
        hint = " (a password-protected Word file is stored that way too: save an unprotected copy)" \
            if data.startswith(b"\xd0\xcf\x11\xe0") else ""
        raise IngestError(source, f"is not {what} although its name says so: it looks like "
                                  f"{describe_bytes(data)}{hint}; "
                                  "open it in its program and save it again in that format, or export it as PDF")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise IngestError(source, f"is truncated or damaged: {what} is a ZIP package and this one cannot be "
                                  f"opened ({exc}); download or save it again") from exc
    if member not in names:
        raise IngestError(source, f"is a ZIP file but not {what} (it has no {member}); "
                                  "give the document itself, or export it as PDF")
    limit = settings.max_file_mb * 1024 * 1024 * ZIP_EXPANSION_LIMIT
    if unpacked > limit:
        raise IngestError(source, f"unpacks to {unpacked / 1024**2:.0f} MB, more than {ZIP_EXPANSION_LIMIT} times "
                                  "the file limit (a 'ZIP bomb' or a damaged file); check the file")
    return io.BytesIO(data)


# -- DOCX --------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|kop)\s*\d|^(?:title|titel)$", re.I)


def _docx(stream: io.BytesIO, source: str) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(stream)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise IngestError(source, f"cannot be read as a Word document ({exc}); save it again as .docx "
                                  "or export it as PDF") from exc
    headings = {s.style_id for s in document.styles if s.name and _HEADING_STYLE.match(s.name)}
    notes = _docx_notes(document)
    body = document.element.body
    rendered = body.find(f".//{_W}lastRenderedPageBreak") is not None
    builder = PageBuilder()
    counter = [0]
    for block in body.iterchildren():
        _docx_block(block, builder, headings, notes, rendered, counter)
    props = document.core_properties
    date = props.created.date().isoformat() if props.created else None
    return Extracted(builder.finish(), title=(props.title or "").strip() or None, date=date)


def _docx_notes(document) -> dict[str, str]:
    """Footnote id -> text, from the footnotes part."""
    from lxml import etree

    for rel in document.part.rels.values():
        if rel.reltype.endswith("/footnotes") and not rel.is_external:
            root = etree.fromstring(rel.target_part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
            out = {}
            for note in root.iter(f"{_W}footnote"):
                text = "".join(t.text or "" for t in note.iter(f"{_W}t"))
                if text.strip():
                    out[note.get(f"{_W}id")] = text.strip()
            return out
    return {}


def _docx_block(el, builder: PageBuilder, headings: set[str], notes: dict[str, str], rendered: bool,
                counter: list[int]) -> None:
    tag = el.tag
    if tag == f"{_W}p":
        _docx_paragraph(el, builder, headings, notes, rendered, counter)
    elif tag == f"{_W}tbl":
        for row in el.iter(f"{_W}tr"):
            cells = [" ".join("".join(t.text or "" for t in c.iter(f"{_W}t")).split()) for c in row.iter(f"{_W}tc")]
            builder.text(" | ".join(c for c in cells if c))
            builder.end_paragraph()
    elif tag == f"{_W}sdt":  # a content control: its content is ordinary blocks
        for content in el.iter(f"{_W}sdtContent"):
            for child in content.iterchildren():
                _docx_block(child, builder, headings, notes, rendered, counter)
            break


def _docx_paragraph(p, builder: PageBuilder, headings: set[str], notes: dict[str, str], rendered: bool,
                    counter: list[int]) -> None:
    ppr = p.find(f"{_W}pPr")
    style = ppr.find(f"{_W}pStyle") if ppr is not None else None
    is_heading = (style is not None and style.get(f"{_W}val") in headings) or (
        ppr is not None and ppr.find(f"{_W}outlineLvl") is not None)
    if not rendered and ppr is not None and ppr.find(f"{_W}pageBreakBefore") is not None:
        builder.new_page()
    parts: list[str] = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}lastRenderedPageBreak", f"{_W}footnoteReference",
                       f"{_W}cr"):
        tag = node.tag
        if tag == f"{_W}t":
            builder.text(node.text or "")
            parts.append(node.text or "")
        elif tag in (f"{_W}tab", f"{_W}cr"):
            builder.text(" ")
        elif tag == f"{_W}br":
            if node.get(f"{_W}type") == "page" and not rendered:
                builder.new_page()
            else:
                builder.text(" ")
        elif tag == f"{_W}lastRenderedPageBreak":
            if len(builder.pages) > 1 or builder.page.text or "".join(parts).strip():
                builder.new_page()
        else:  # a footnote reference: numbered in order, as Word shows them
            text = notes.get(node.get(f"{_W}id"), "")
            if text:
                counter[0] += 1
                builder.note(str(counter[0]), text)
    text = "".join(parts)
    builder.end_paragraph(heading=text if is_heading and text.strip() else None)


# -- ODT ---------------------------------------------------------------------------------------


def _odt(stream: io.BytesIO, source: str) -> Extracted:
    from odfdo import Document

    try:
        document = Document(stream)
    except Exception as exc:  # noqa: BLE001 - odfdo raises several kinds for a damaged package
        raise IngestError(source, f"cannot be read as an OpenDocument text ({type(exc).__name__}: {exc}); "
                                  "save it again as .odt or export it as PDF") from exc
    if document.get_type() != "text":
        raise IngestError(source, f"is an OpenDocument {document.get_type()} ({document.mimetype}), not a text "
                                  "document; export it as PDF or .odt text")
    builder = PageBuilder()
    for child in document.body.children:
        _odt_block(child, builder)
    title = None
    try:
        title = (document.meta.get_title() or "").strip() or None
    except Exception:  # noqa: BLE001 - meta.xml is optional
        title = None
    return Extracted(builder.finish(), title=title)


_ODT_SKIP = {"draw:frame", "office:forms", "text:sequence-decls", "text:variable-decls", "text:tracked-changes",
             "office:annotation", "text:table-of-content", "text:bookmark", "text:bookmark-start",
             "text:bookmark-end"}


def _odt_block(el, builder: PageBuilder) -> None:
    tag = el.tag
    if tag in _ODT_SKIP:
        return
    if tag in ("text:p", "text:h"):
        builder.text(el.text or "")
        for child in el.children:
            _odt_inline(child, builder)
        builder.end_paragraph(heading=_odt_plain(el) if tag == "text:h" else None)
    elif tag == "text:soft-page-break":
        builder.new_page()
    elif tag == "table:table-row":
        cells = [" ".join(_odt_plain(c).split()) for c in el.children if c.tag == "table:table-cell"]
        builder.text(" | ".join(c for c in cells if c))
        builder.end_paragraph()
    else:  # lists, list items, sections, tables, table rows' containers
        for child in el.children:
            _odt_block(child, builder)


def _odt_inline(el, builder: PageBuilder) -> None:
    tag = el.tag
    if tag == "text:note":
        citation = el.get_element("text:note-citation")
        body = el.get_element("text:note-body")
        builder.note(citation.text_recursive if citation is not None else "",
                     _odt_plain(body) if body is not None else "")
    elif tag == "text:soft-page-break":
        builder.new_page()
    elif tag == "text:s":
        builder.text(" " * int(str(el.get_attribute("text:c") or 1)))
    elif tag in ("text:tab", "text:line-break"):
        builder.text(" ")
    elif tag not in _ODT_SKIP:
        builder.text(el.text or "")
        for child in el.children:
            _odt_inline(child, builder)
    builder.text(el.tail or "")


def _odt_plain(el) -> str:
    """An element's text without its notes."""
    parts = [el.text or ""]
    for child in el.children:
        if child.tag not in ("text:note",) and child.tag not in _ODT_SKIP:
            parts.append(" " if child.tag in ("text:tab", "text:line-break", "text:s") else _odt_plain(child))
        parts.append(child.tail or "")
    return "".join(parts)


# -- HTML --------------------------------------------------------------------------------------

_HTML_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "form", "button", "svg",
              "iframe", "object", "select", "head")
_HTML_BLOCKS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "section",
                "article", "main", "aside", "figure", "figcaption", "address", "body", "tbody", "thead", "center",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
_NOTE_BLOCK = re.compile(r"(?:foot|end)?notes?\b|noot|noten|doc-(?:foot|end)note", re.I)
_TITLE_META = ("OVERHEIDop.documenttitel", "DC.title", "dcterms.title", "og:title")


def _html(data: bytes, source: str) -> Extracted:
    import lxml.html
    from lxml import etree

    from .filetype import describe_bytes

    head = data[:2048].lstrip().lower()
    if data.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or (b"\x00" in data[:4096] and not
                                                                         head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise IngestError(source, f"is not a web page although its name ends in .html: it looks like "
                                  f"{describe_bytes(data)}; "
                                  "give the file with its own extension")
    try:
        root = lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding=_html_encoding(data)))
    except (etree.ParserError, ValueError, LookupError) as exc:
        raise IngestError(source, f"cannot be read as HTML ({exc}); save the page again") from exc
    title, date = _html_meta(root)
    notes = _html_notes(root)
    for el in list(root.iter(*_HTML_DROP)):
        el.drop_tree()
    body = root.find("body")
    builder = PageBuilder()
    _html_walk(body if body is not None else root, builder, notes)
    pages = builder.finish()
    if not title:
        first = next((h for h in root.iter("h1")), None)
        title = " ".join(first.text_content().split())[:300] if first is not None else None
    return Extracted(pages, title=title or None, date=date)


def _html_encoding(data: bytes) -> str:
    """The page's own charset (BOM, meta tag, XML declaration), else UTF-8 when it decodes, else windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = re.search(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", data[:4096], re.I)
    if m:
        return m.group(1).decode("ascii").lower()
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "windows-1252"


def _html_meta(root) -> tuple[str | None, str | None]:
    metas: dict[str, str] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip()
        if name and (m.get("content") or "").strip() and name not in metas:
            metas[name] = " ".join(m.get("content").split())
    title = next((metas[k] for k in _TITLE_META if metas.get(k)), None)
    if not title:
        t = root.find(".//title")
        title = " ".join(t.text_content().split()) if t is not None else None
    date = metas.get("DCTERMS.issued") or metas.get("DC.date") or metas.get("article:published_time")
    date = date[:10] if date and re.match(r"\d{4}-\d{2}-\d{2}", date) else None
    return title or None, date


def _html_notes(root) -> dict[str, str]:
    """Footnote targets: element id -> text, for links to a note inside a notes block."""
    out: dict[str, str] = {}
    for a in root.iter("a"):
        href = a.get("href") or ""
        mark = " ".join(a.text_content().split())
        if not href.startswith("#") or not mark or len(mark) > 6:
            continue
        target = root.get_element_by_id(href[1:], None)
        if target is None or not _in_note_block(target):
            continue
        text = " ".join(target.text_content().split())
        text = re.sub(r"^\[?" + re.escape(mark) + r"[\].)]?\s*", "", text).replace("↩", "").strip()
        if text:
            out[href[1:]] = text
            a.set("data-note-mark", mark.strip("[]"))
    return out


def _in_note_block(el) -> bool:
    for _ in range(4):
        if el is None:
            return False
        label = " ".join(x for x in (el.get("class"), el.get("id"), el.get("role")) if x)
        if label and _NOTE_BLOCK.search(label):
            return True
        el = el.getparent()
    return False


def _html_walk(el, builder: PageBuilder, notes: dict[str, str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag and (el.get("id") in notes or _is_note_definition(el, notes)):
        builder.text(el.tail or "")
        return
    if tag == "a" and el.get("data-note-mark") and (el.get("href") or "")[1:] in notes:
        builder.note(el.get("data-note-mark"), notes[el.get("href")[1:]])
        builder.text(el.tail or "")
        return
    block = tag in _HTML_BLOCKS
    if block:
        builder.end_paragraph()
    if tag in ("br",):
        builder.text(" ")
    builder.text(el.text or "")
    for child in el.iterchildren():
        if isinstance(child.tag, str):
            _html_walk(child, builder, notes)
        else:  # a comment or processing instruction: only its tail is text
            builder.text(child.tail or "")
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        builder.end_paragraph(heading=" ".join(el.text_content().split()))
    elif block or tag in ("td", "th"):
        builder.text(" ") if tag in ("td", "th") else builder.end_paragraph()
    builder.text(el.tail or "")


def _is_note_definition(el, notes: dict[str, str]) -> bool:
    """A list item or paragraph of a notes block that holds a footnote target (the whole item is the note)."""
    return bool(notes) and el.tag in ("li", "p", "aside", "dd", "dt") and any(
        c.get("id") in notes for c in el.iterdescendants() if isinstance(c.tag, str)) and _in_note_block(el)
