"""A minimal PDF writer for tests: pages of text lines in Helvetica, WinAnsi text.

    make_pdf([["line 1", "line 2"], ["page 2"]])                 -> bytes
    make_pdf([[Line("Pagina 1 van 2", y=800), "body"]])          -> header at the top

Each line is placed with its own text matrix, top to bottom, so a PDF reader
extracts one line per line.  Pure Python; no reportlab.  `compress=True`
stores content streams with FlateDecode; `deflate_bomb` makes a page whose
content stream inflates to many megabytes; `page_tree_bomb` a page tree that
names the same subtree twice at every level (2**depth pages).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

PAGE_W, PAGE_H = 595, 842  # A4 in points


@dataclass
class Line:
    """A line of text at an explicit place and size."""

    text: str
    y: float | None = None  # from the bottom of the page; None = next line down
    x: float = 72
    size: float = 11


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def page_content(lines: list[str | Line], top: float = 770, leading: float = 14) -> bytes:
    """The content stream drawing `lines`."""
    out = [b"BT"]
    y = top
    for item in lines:
        line = item if isinstance(item, Line) else Line(item)
        if line.y is not None:
            y = line.y
        text = line.text or " "  # an empty line is drawn as a space, so it extracts as a blank line
        out.append(b"/F1 %.1f Tf 1 0 0 1 %.1f %.1f Tm (%s) Tj" % (line.size, line.x, y, _escape(text)))
        y -= leading if line.size >= 10 else line.size + 2
    out.append(b"ET")
    return b"\n".join(out)


def _stream(content: bytes, compress: bool) -> bytes:
    if compress:
        data = zlib.compress(content)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def build_pdf(contents: list[bytes], compress: bool = False, raw_streams: dict[int, bytes] | None = None) -> bytes:
    """A PDF with one page per content stream.

    `raw_streams` maps a page index to a complete stream object (dictionary
    and data) used as is, for special cases such as `deflate_bomb`.
    """
    raw_streams = raw_streams or {}
    n = len(contents)
    # objects: 1 catalog, 2 pages, 3 font, then per page: page, content
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    for i, content in enumerate(contents):
        page_id, content_id = 4 + 2 * i, 5 + 2 * i
        kids.append(b"%d 0 R" % page_id)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (PAGE_W, PAGE_H, content_id)
        )
        objects[content_id] = raw_streams.get(i) or _stream(content, compress)
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % n
    return _serialize(objects, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def _serialize(objects: dict[int, bytes], header: bytes = b"%PDF-1.4\n") -> bytes:
    """The file: numbered objects, a cross-reference table (gaps as free entries) and a trailer."""
    out = bytearray(header)
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def make_pdf(pages: list[list[str | Line]], compress: bool = False) -> bytes:
    """A PDF whose pages show the given lines of text."""
    return build_pdf([page_content(lines) for lines in pages], compress=compress)


def deflate_bomb(megabytes: int, pages_before: list[list[str | Line]] | None = None) -> bytes:
    """A PDF whose last page's content stream inflates to `megabytes` MB of spaces."""
    pages_before = pages_before or [["Een gewone pagina met wat tekst."]]
    contents = [page_content(lines) for lines in pages_before]
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    bomb = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return build_pdf(contents + [b""], raw_streams={len(contents): bomb})


def page_tree_bomb(depth: int) -> bytes:
    """A PDF whose page tree doubles at each of `depth` levels: 2**depth pages from a few objects."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    levels = [2] + list(range(10, 10 + depth - 1))
    page_id, content_id = 10 + depth, 11 + depth
    for k, oid in enumerate(levels):
        child = levels[k + 1] if k + 1 < len(levels) else page_id
        parent = b"/Parent %d 0 R " % levels[k - 1] if k else b""
        objects[oid] = b"<< /Type /Pages %s/Kids [%d 0 R %d 0 R] /Count %d >>" % (parent, child, child, 2 ** (depth - k))
    objects[page_id] = (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents %d 0 R >>" % (levels[-1], PAGE_W, PAGE_H, content_id)
    )
    objects[content_id] = _stream(page_content(["Een pagina die heel vaak voorkomt."]), False)
    return _serialize(objects)


def glyph_page(paragraphs: list[str], word_gap: float, size: float = 11, top: float = 770) -> bytes:
    """A content stream that places every glyph with its own text matrix and draws no space
    characters: words are separated only by `word_gap` times the width of a space, as in some
    OCR text layers. With a gap of about half a space, pypdf runs the words together."""
    from pypdf._codecs.core_font_metrics import CORE_FONT_METRICS

    widths = CORE_FONT_METRICS["Helvetica"].character_widths
    space = widths[" "] * size / 1000
    out = [b"BT", b"/F1 %.1f Tf" % size]
    y = top
    for text in paragraphs:
        x = 72.0
        for word in text.split():
            width = sum(widths.get(c, widths["default"]) for c in word) * size / 1000
            if x + width > PAGE_W - 72:
                x, y = 72.0, y - 14
            for c in word:
                out.append(b"1 0 0 1 %.2f %.2f Tm (%s) Tj" % (x, y, _escape(c)))
                x += widths.get(c, widths["default"]) * size / 1000
            x += space * word_gap
        y -= 20
    out.append(b"ET")
    return b"\n".join(out)


def word_by_word_page(paragraphs: list[str], size: float = 14.67) -> bytes:
    """A content stream as a browser prints a web page: the page flipped and scaled, every word
    in a text object of its own, placed by its text matrix and drawn glyph by glyph. pypdf then
    gives one word a line; pdfminer.six finds the lines from the glyph positions."""
    from pypdf._codecs.core_font_metrics import CORE_FONT_METRICS

    widths = CORE_FONT_METRICS["Helvetica"].character_widths

    def width(c: str) -> float:
        return widths.get(c, widths["default"]) * size / 1000

    out = [b"1 0 0 -1 0 %d cm" % PAGE_H, b"q .75 0 0 .75 72 72 cm"]
    y, right = 20.0, (PAGE_W - 144) / 0.75
    for text in paragraphs:
        x = 0.0
        for word in text.split():
            if x + sum(width(c) for c in word) > right:
                x, y = 0.0, y + 18
            glyphs = b" ".join(b"(%s) Tj %.3f 0 Td" % (_escape(c), width(c)) for c in word)
            out.append(b"BT /F1 %.2f Tf 1 0 0 -1 %.2f %.2f Tm 0 -13.28 Td %s ET" % (size, x, y, glyphs))
            x += sum(width(c) for c in word) + width(" ")
        y += 26
    out.append(b"Q")
    return b"\n".join(out)


def scan_with_text_layer(gray: bytes, width: int, height: int, layer: bytes) -> bytes:
    """A one-page PDF: an 8-bit grey image filling the page (a scan) under a text layer drawn
    by `layer` (a content stream; use render mode 3, invisible, as OCR software does)."""
    image = zlib.compress(gray)
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> "
            b"/XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>" % (PAGE_W, PAGE_H)),
        5: _stream(b"q %d 0 0 %d 0 0 cm /Im1 Do Q\n" % (PAGE_W, PAGE_H) + layer, False),
        6: (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(image))
            + image + b"\nendstream"),
    }
    return _serialize(objects)
