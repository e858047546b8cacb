"""Optional OCR for scanned PDFs (no text layer), with Debian's tesseract (Dutch).

Used only when asked (`assistant ingest --ocr`, ASSISTANT_OCR=1) and when
`pdftoppm` (poppler-utils) and `tesseract` with the `nld` language are installed:
    apt-get install poppler-utils tesseract-ocr tesseract-ocr-nld
Each page is rendered at 300 dpi and read by tesseract; the page count is kept,
so citations point at the scanned page.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .types import IngestError


def available() -> bool:
    """pdftoppm and tesseract with Dutch are installed."""
    if not (shutil.which("pdftoppm") and shutil.which("tesseract")):
        return False
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "nld" in langs.split()


def ocr_pdf(data: bytes, source: str, max_pages: int, timeout_s: float, lang: str = "nld",
            pages: list[int] | None = None):
    """Text of each page of a scanned PDF (one string per page), or with `pages` (1-based
    numbers) of those pages only, as {number: text}."""
    if pages is not None:
        return {n: (_ocr_pages(data, source, n, n, timeout_s, lang) or [""])[0] if n <= max_pages else ""
                for n in pages}
    texts = _ocr_pages(data, source, 1, max_pages, timeout_s, lang)
    if not any(sum(not c.isspace() for c in p) >= 10 for p in texts):
        raise IngestError(source, "OCR found no text in this scan")
    return texts


def _ocr_pages(data: bytes, source: str, first: int, last: int, timeout_s: float, lang: str) -> list[str]:
    """OCR of pages first..last."""
    if not available():
        raise IngestError(source, "OCR was asked for, but pdftoppm and tesseract (with Dutch, `nld`) are not "
                                  "installed: apt-get install poppler-utils tesseract-ocr tesseract-ocr-nld")
    with tempfile.TemporaryDirectory(prefix="assistant-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        try:
            subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", str(first), "-l", str(last), str(pdf),
                            str(Path(tmp) / "page")], check=True, capture_output=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise IngestError(source, f"OCR: rendering the pages took longer than {timeout_s:g} s") from exc
        except subprocess.CalledProcessError as exc:
            raise IngestError(source, f"OCR: the pages could not be rendered ({exc.stderr.decode()[:200]})") from exc
        pages = []
        for png in sorted(Path(tmp).glob("page*.png"), key=lambda p: int(p.stem.split("-")[-1])):
            try:
                r = subprocess.run(["tesseract", str(png), "-", "-l", lang], capture_output=True, text=True,
                                   timeout=timeout_s, check=True)
            except subprocess.TimeoutExpired as exc:
                raise IngestError(source, f"OCR of {png.stem} took longer than {timeout_s:g} s") from exc
            except subprocess.CalledProcessError as exc:
                raise IngestError(source, f"OCR failed on {png.stem}: {exc.stderr[:200]}") from exc
            pages.append(r.stdout)
    return pages
