"""An official publication as a loaded document: the XML's structure on the PDF's pages,
and the exact metadata of metadata.xml.

    doc = build_document(identifier, meta, xml=..., pdf=..., settings=...)

Pages follow the PDF manifestation, which is the printed page a user cites. The text,
headings, footnotes and signatories come from the XML where there is one: each XML
paragraph is placed on the PDF page where its words are printed. The words of both are
aligned in reading order by word pairs (a pair found a little ahead in the PDF moves the
pointer on; unmatched words stay with the words before them), so running heads, page
numbers and hyphenation in the PDF do not matter; a paragraph printed across a page
break is split there. Without an XML, the PDF is read as any PDF (cleaning, headings by
their numbering) and only the metadata comes from the repository; without either, the
ODT or HTML manifestation is read (assistant.formats).
"""
from __future__ import annotations

import bisect
import hashlib
import re
from pathlib import Path

from ..config import Settings
from ..formats import PageBuilder
from ..types import DocumentMeta, IngestError, LoadedDocument, Page
from .koop import OfficialMeta
from .opxml import Block, read_structure

__all__ = ["build_document", "citation_label", "document_meta"]

WINDOW = 600  # words the PDF pointer may jump ahead to find the next XML word pair
_WORD = re.compile(r"\w+")
_KINDS = {"antwoord": "kamervragen", "mededeling": "kamervragen", "kamervragen (aanhangsel)": "kamervragen",
          "voorstel van wet": "wetsvoorstel", "memorie van toelichting": "memorie van toelichting"}


# ---------------------------------------------------------------------------------------------
# metadata


def _dossier_label(number: str) -> str:
    """'32545' -> '32 545'; '35300-X' -> '35 300 X'."""
    main, _, suffix = number.partition("-")
    main = f"{main[:-3]} {main[-3:]}" if len(main) > 3 else main
    return f"{main} {suffix}".strip()


def _session_label(session: str | None) -> str | None:
    m = re.match(r"^(\d{4})\s*-\s*(\d{4})$", session or "")
    return f"{m.group(1)}/{m.group(2)[2:]}" if m else session


def citation_label(identifier: str, meta: OfficialMeta) -> str | None:
    """How a user cites the document: '32 545, nr. 143' (read as 'Kamerstuk 32 545, nr. 143'),
    'Aanhangsel Handelingen II 2020/21, nr. 3235', 'Bijlage bij Kamerstuk 33 037, nr. 430'."""
    m = re.match(r"^kst-(\d+(?:-[A-Z0-9]+)*)-(\d+)$", identifier)
    if m:
        return f"{_dossier_label(meta.dossier or m.group(1))}, nr. {int(meta.number or m.group(2))}"
    m = re.match(r"^ah-(tk|ek)-(\d{4})(\d{4})-(\d+)$", identifier)
    if m:
        house = "II" if m.group(1) == "tk" else "I"
        return f"Aanhangsel Handelingen {house} {m.group(2)}/{m.group(3)[2:]}, nr. {int(m.group(4))}"
    main = re.match(r"^kst-(\d+(?:-[A-Z0-9]+)*)-(\d+)$", meta.main_document or "")
    if identifier.startswith("blg-") and main:
        return f"Bijlage bij Kamerstuk {_dossier_label(main.group(1))}, nr. {int(main.group(2))}"
    return None


def document_meta(identifier: str, meta: OfficialMeta, signatories: list[str], url: str | None) -> DocumentMeta:
    """The index's metadata of an official publication, exact from the repository."""
    doctype = (meta.doctype or "").strip()
    kind = _KINDS.get(doctype.lower()) or _KINDS.get((meta.publication or "").lower()) or (doctype.lower() or None)
    if identifier.startswith(("ah-tk-", "ah-ek-")):
        kind = "kamervragen"
    official = {
        "identifier": identifier, "dossier": meta.dossier, "dossier_title": meta.dossier_title,
        "number": meta.number or meta.aanhangsel_number, "session": meta.session, "submitters": meta.submitters,
        "doctype": doctype or None, "publication": meta.publication, "main_document": meta.main_document,
        "url": url,
    }
    title = meta.document_title or meta.title or identifier
    return DocumentMeta(
        title=title, date=(meta.date or "")[:10] or None, kamerstuk=citation_label(identifier, meta), kind=kind,
        signatories=signatories or (meta.recipients if kind == "kamervragen" else meta.submitters),
        official={k: v for k, v in official.items() if v},
    )


# ---------------------------------------------------------------------------------------------
# the XML's blocks on the PDF's pages


def _pdf_index(pages: list[str]) -> tuple[list[int], dict[tuple[str, str], list[int]]]:
    """The page of every PDF word, and where each word pair occurs."""
    words: list[str] = []
    page_of: list[int] = []
    for number, text in enumerate(pages, start=1):
        for w in _WORD.findall(text.lower()):
            words.append(w)
            page_of.append(number)
    pairs: dict[tuple[str, str], list[int]] = {}
    for i in range(len(words) - 1):
        pairs.setdefault((words[i], words[i + 1]), []).append(i)
    return page_of, pairs


def _block_words(blocks: list[Block]) -> list[tuple[str, int, int, int]]:
    """(word, block, segment, offset in segment) of every word of the blocks, in order."""
    out = []
    for b, block in enumerate(blocks):
        for s, seg in enumerate(block.segments):
            if isinstance(seg, str):
                out.extend((m.group().lower(), b, s, m.start()) for m in _WORD.finditer(seg))
    return out


def place_words(blocks: list[Block], pdf_pages: list[str]) -> list[int]:
    """The PDF page of every word of the blocks (non-decreasing)."""
    page_of, pairs = _pdf_index(pdf_pages)
    words = _block_words(blocks)
    found: list[int | None] = []
    pos = 0
    for i, (w, *_rest) in enumerate(words):
        nxt = words[i + 1][0] if i + 1 < len(words) else None
        hits = pairs.get((w, nxt), []) if nxt is not None else []
        k = bisect.bisect_left(hits, pos)
        if k < len(hits) and hits[k] < pos + WINDOW:
            found.append(page_of[hits[k]])
            pos = hits[k] + 1
        else:
            found.append(None)
    first = next((p for p in found if p is not None), 1)
    out, current = [], first
    for p in found:
        current = max(current, p) if p is not None else current
        out.append(current)
    return out


def layout_pages(blocks: list[Block], pdf_pages: list[str]) -> list[Page]:
    """Cleaned pages: the blocks' text on the PDF's pages, headings and footnotes marked."""
    pages_of_words = place_words(blocks, pdf_pages)
    words = _block_words(blocks)
    # where the page changes inside a block: (block, segment, offset) -> new page
    breaks: dict[int, list[tuple[int, int, int]]] = {}
    block_page: dict[int, int] = {}
    for (_, b, s, off), page in zip(words, pages_of_words):
        if b not in block_page:
            block_page[b] = page
        elif page > (breaks[b][-1][2] if breaks.get(b) else block_page[b]):
            breaks.setdefault(b, []).append((s, off, page))
    builder = PageBuilder()
    last = 1
    for b, block in enumerate(blocks):
        page = block_page.get(b, last)
        _goto(builder, page)
        cuts = breaks.get(b, [])
        for s, seg in enumerate(block.segments):
            if isinstance(seg, tuple):
                builder.note(*seg)
                continue
            start = 0
            for cs, off, new_page in cuts:
                if cs == s:
                    builder.text(seg[start:off])
                    builder.end_paragraph(heading=block.heading if start == 0 and s == 0 else None)
                    _goto(builder, new_page)
                    start = off
            builder.text(seg[start:])
        builder.end_paragraph(heading=block.heading if not cuts else None)
        last = builder.page.number
    _goto(builder, len(pdf_pages))
    return builder.finish()


def _goto(builder: PageBuilder, page: int) -> None:
    while builder.page.number < page:
        builder.new_page()


# ---------------------------------------------------------------------------------------------
# the document


def build_document(identifier: str, meta: OfficialMeta, files: dict[str, Path], settings: Settings,
                   url: str | None = None) -> LoadedDocument:
    """The loaded document from the downloaded manifestations (`files`: manifestation -> path)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].read_bytes())
    if "xml" in files:
        blocks, signatories = read_structure(files["xml"].read_bytes(), identifier)
        if not blocks:
            raise IngestError(identifier, "the repository's XML holds no text; not indexed")
        pdf_pages, safe_copy = _pdf_pages(files["pdf"], identifier, settings) if "pdf" in files else ([], None)
        pages = layout_pages(blocks, pdf_pages) if pdf_pages else layout_pages(blocks, [""])
        doc = LoadedDocument(source=identifier, path=url or "", sha256="", pages=pages,
                             meta=document_meta(identifier, meta, signatories, url),
                             media_type="application/pdf" if "pdf" in files else "application/xml",
                             keep_file=str(files.get("pdf") or files["xml"]), stored_bytes=safe_copy)
    else:
        from ..load import load_document

        name = next(m for m in ("pdf", "odt", "html") if m in files)
        try:
            doc = load_document(files[name], settings)
        except IngestError as exc:  # the loader speaks of `ingest`; here the command is `add`
            raise IngestError(identifier, exc.reason.replace("ingest it again with --ocr", "add it again with --ocr")
                              ) from exc
        doc.source, doc.path, doc.keep_file = identifier, url or "", str(files[name])
        detected = doc.meta
        doc.meta = document_meta(identifier, meta, detected.signatories, url)
        doc.meta.title = doc.meta.title or detected.title
    doc.sha256 = digest.hexdigest()
    return doc


def _pdf_pages(path: Path, identifier: str, settings: Settings) -> tuple[list[str], bytes | None]:
    """The text of each page of the PDF manifestation ([] for a scan: the XML's text is then one page),
    and the copy to store when the PDF holds scripts (else None)."""
    from ..load import _extract_pdf, _is_scan

    try:
        pdf = _extract_pdf(path.read_bytes(), identifier, settings)
        pages, safe_copy = pdf.pages, pdf.safe_copy
    except IngestError as exc:
        raise IngestError(identifier, f"its PDF cannot be read: {exc.reason}") from exc
    return ([] if _is_scan(pages) else pages), safe_copy
