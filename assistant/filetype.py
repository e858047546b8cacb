"""What a file's bytes are, whatever its name says: used by the loaders (assistant.load,
assistant.formats) and the upload checks (assistant.web.uploads) to refuse a mislabelled file
with a reason."""
from __future__ import annotations


def looks_like_pdf(data: bytes) -> bool:
    """Whether `data` is a PDF: the header may follow a few bytes of junk; readers accept it within 1 KB."""
    return b"%PDF-" in data[:1024]


def describe_bytes(data: bytes) -> str:
    """A guess at what a non-PDF file is, for an error message ("an image", "plain text")."""
    head = data[:512]
    lower = head.lstrip().lower()
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive or an Office document such as .docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Office document (.doc/.xls)"
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:200]:
        return "a web page (HTML), perhaps an error page saved instead of the file"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "an image"
    if head.startswith(b"{\\rtf"):
        return "an RTF document"
    try:
        head.decode("utf-8")
        return "plain text"
    except UnicodeDecodeError:
        return "binary data"
