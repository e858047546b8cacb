"""Find documents and load them: PDF, plain text and Markdown (and, through assistant.formats,
.docx, .odt and .html).

`find_documents` expands folders; `load_document` reads one file, checks it,
extracts its text page by page, cleans it (assistant.clean) and reads its
metadata (assistant.metadata, plus an optional sidecar file).

Every problem with an input file raises IngestError(source, reason), where the
reason says what is wrong and what to do about it. PDFs are read in a helper
process with memory and time limits (assistant.pdfhelper).
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import NamedTuple

from assistant.clean import clean_document, split_text_pages
from assistant.config import Settings
from assistant.filetype import describe_bytes, looks_like_pdf
from assistant.metadata import confirmed_title, detect_metadata, plausible_title
from assistant.sidecars import SIDECAR_SUFFIXES, apply_sidecar, find_sidecar, load_sidecar
from assistant.pdfhelper import extract_in_helper, helper_memory, shutdown_pdf_worker
from assistant.textlayer import garbled_pages, page_quality, page_ranges
from assistant.types import IngestError, LoadedDocument

__all__ = ["MEDIA_TYPES", "find_documents", "garbled_pages", "load_document", "shutdown_pdf_worker"]

log = logging.getLogger(__name__)

MEDIA_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown",
               # read by assistant.formats (issue 15)
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".odt": "application/vnd.oasis.opendocument.text", ".html": "text/html", ".htm": "text/html"}
_SUPPORTED = ".pdf, .txt, .md, .docx, .odt or .html"


# --------------------------------------------------------------------------
# finding files


ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.gz")


def is_archive(path: Path) -> bool:
    """A JSON-lines archive (one document per line, e.g. the Staten-Generaal scale corpus)."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def iter_archive(path: Path):
    """(source, text) per line of a JSON-lines archive: {"Content"|"text": ..., "URL"|"id"|"source": ...}.

    Lines that are not JSON objects with text are reported as IngestError items
    instead of stopping the archive."""
    import gzip
    import json

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    seen: dict[str, int] = {}
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                src = f"{path.name}#{n}"
                try:
                    d = json.loads(line)
                    text = d.get("Content") or d.get("content") or d.get("text") or ""
                    name = str(d.get("URL") or d.get("url") or d.get("id") or d.get("source") or "").rstrip("/")
                except (ValueError, AttributeError):
                    yield src, IngestError(src, "line is not a JSON object; expected {\"Content\": ..., \"URL\": ...}")
                    continue
                if name:
                    # the whole URL path: ".../0000142774/ocr" and ".../0000267410/ocr" are different documents
                    key = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*/?", "", name, flags=re.I)[-120:] or name[-120:]
                    if key in seen:
                        yield f"{path.name}#{n}", IngestError(
                            f"{path.name}#{n}", f"same URL/id as line {seen[key]} ({name}); the line is skipped")
                        continue
                    seen[key] = n
                    src = f"{path.name}#{key}"
                yield src, text if isinstance(text, str) else ""
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        yield path.name, IngestError(path.name, f"cannot read the archive ({exc})")


def load_text_record(source: str, text: str) -> LoadedDocument:
    """A document given as plain text (a line of a JSON-lines archive)."""
    if not text.strip():
        raise IngestError(source, "contains no text")
    raw_pages = text.split("\f")
    cleaned = clean_document(raw_pages)
    meta = detect_metadata(cleaned.pages, raw_pages, cleaned.furniture)
    return LoadedDocument(source=source, path="", sha256=hashlib.sha256(text.encode()).hexdigest(),
                          pages=cleaned.pages, meta=meta, media_type="text/plain")


def _is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def _beside_its_pdf(path: Path) -> bool:
    """An HTML, ODT or DOCX copy of a PDF in the same folder (kst-1-2.html beside kst-1-2.pdf):
    one document in two formats, so a folder gives only the PDF, whose pages are the printed ones."""
    if path.suffix.lower() not in (".html", ".htm", ".odt", ".docx"):
        return False
    return any(path.with_suffix(ext).exists() for ext in (".pdf", ".PDF"))


def find_documents(paths: list[Path]) -> list[Path]:
    """The documents named by `paths`: files as given, folders searched recursively.

    Folders yield their .pdf/.txt/.md/.docx/.odt/.html files in sorted order, skipping
    hidden files and folders, metadata sidecars, and an HTML/ODT/DOCX copy beside a PDF of
    the same name.  A path that does not exist, or
    a file named explicitly that is not a supported document, raises
    IngestError naming it.
    """
    found: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            found.append(p)

    for path in paths:
        path = Path(path)
        if not path.exists():
            raise IngestError(str(path), "no such file or folder; check the path")
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not p.is_file():
                    continue
                if _is_sidecar(p) or p.suffix.lower() not in MEDIA_TYPES or _beside_its_pdf(p):
                    continue
                add(p)
        elif _is_sidecar(path):
            raise IngestError(
                path.name,
                "is a metadata sidecar, not a document; name the document it belongs to instead",
            )
        elif is_archive(path):
            add(path)
        elif path.suffix.lower() not in MEDIA_TYPES:
            raise IngestError(
                path.name,
                f"unsupported file type '{path.suffix or '(none)'}'; give a {_SUPPORTED} file "
                "(convert other formats to PDF first)",
            )
        else:
            add(path)
    return found


# --------------------------------------------------------------------------
# loading


def load_document(path: Path, settings: Settings | None = None) -> LoadedDocument:
    """Read, check, extract, clean and describe one document.

    The file type is decided by content: PDF bytes are read as PDF whatever
    the name, and a file named .pdf that is not a PDF is refused.
    """
    settings = settings or Settings()
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise IngestError(source, "no such file; check the path" if not path.exists() else "is not a file")
    limit = int(settings.max_file_mb * 1024 * 1024)
    size = path.stat().st_size
    if size > limit:
        raise IngestError(
            source,
            f"is {size / 1024 / 1024:.1f} MB, more than the limit of {settings.max_file_mb:g} MB; "
            "split it, or raise the limit (ASSISTANT_MAX_FILE_MB)",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise IngestError(source, "is empty (0 bytes); download or export it again")
    sha256 = hashlib.sha256(data).hexdigest()

    suffix = path.suffix.lower()
    stored, info_title = None, ""
    if looks_like_pdf(data):
        pdf = _extract_pdf(data, source, settings)
        raw_pages, stored, info_title = pdf.pages, pdf.safe_copy, pdf.info_title
        media_type = MEDIA_TYPES[".pdf"]
        if settings.ocr and _is_scan(raw_pages):
            from .ocr import ocr_pdf

            raw_pages = ocr_pdf(data, source, settings.max_pages, settings.parse_timeout_s)
        warnings = _check_pdf_text(raw_pages, source, data, settings, pdf.image_pages)
    elif suffix == ".pdf":
        raise IngestError(
            source,
            f"is not a PDF although its name ends in .pdf: its content does not start with %PDF "
            f"(it looks like {describe_bytes(data)}); download or export the document again as PDF",
        )
    elif suffix in (".docx", ".odt", ".html", ".htm"):
        from .formats import load_formatted

        return load_formatted(path, data, sha256, settings)
    elif suffix in (".txt", ".md"):
        text = _decode_text(data, source)
        raw_pages = split_text_pages(text) if suffix == ".txt" else text.split("\f")
        media_type = MEDIA_TYPES[suffix]
        warnings = []
        if not any(page.strip() for page in raw_pages):
            raise IngestError(source, "contains no text (only white space)")
    else:
        raise IngestError(source, f"unsupported file type '{suffix or '(none)'}'; give a {_SUPPORTED} file")

    cleaned = clean_document(raw_pages)
    meta = detect_metadata(cleaned.pages, raw_pages, cleaned.furniture)
    # the PDF's own title when its first page shows it as a line; else the text's; else the PDF's own
    meta.title = (confirmed_title(info_title, raw_pages[0] if raw_pages else "") or meta.title
                  or plausible_title(info_title))
    sidecar = find_sidecar(path)
    if sidecar is not None:
        meta = apply_sidecar(meta, load_sidecar(sidecar))
    return LoadedDocument(
        source=source,
        path=str(path),
        sha256=sha256,
        pages=cleaned.pages,
        meta=meta,
        media_type=media_type,
        warnings=warnings,
        stored_bytes=stored,
    )


def _decode_text(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise IngestError(source, "looks like a binary file, not text; give a PDF, .txt or .md file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            source,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start} cannot be decoded); "
            "save it as UTF-8, e.g. `iconv -f windows-1252 -t utf-8`",
        ) from exc


# --------------------------------------------------------------------------
# checks on extracted PDF text

def _is_scan(raw_pages: list[str]) -> bool:
    """No page holds text: a scan without a text layer."""
    return all(sum(not c.isspace() for c in page) < 10 for page in raw_pages)


def _check_pdf_text(raw_pages: list[str], source: str, data: bytes, settings: Settings,
                    image_pages: list[int] | None = None) -> list[str]:
    """Refuse a scan without text and a document whose text layer is mostly unusable; OCR or
    name its scanned pages (`image_pages`, from the helper) and OCR or leave out its bad pages.
    Returns the warnings for the ingest line.

    A page is bad when its text is garbled, glued or letter-spaced (assistant.textlayer; a
    second extractor has already been tried in the helper). With --ocr such pages are read
    by tesseract; pages that stay bad are emptied, so that garbage is never indexed. When
    they are a fifth or more of the pages with text, the whole file is refused.
    """
    if not raw_pages:
        raise IngestError(source, "has no pages")
    if _is_scan(raw_pages):
        from .ocr import available

        hint = ("ingest it again with --ocr (tesseract with Dutch is installed here), or run OCR yourself, e.g. "
                "`ocrmypdf -l nld in.pdf out.pdf`, and add the result" if available() else
                "run OCR first, e.g. `ocrmypdf -l nld in.pdf out.pdf`, and add the result (or install "
                "poppler-utils, tesseract-ocr and tesseract-ocr-nld and ingest with --ocr)")
        raise IngestError(
            source,
            f"has no text layer ({len(raw_pages)} page{'s' if len(raw_pages) != 1 else ''} of images: "
            f"a scan); {hint}",
        )
    scanned = _scanned_pages(raw_pages, source, data, settings, image_pages or [])
    return scanned + _bad_pages(raw_pages, source, data, settings)


def _scanned_pages(raw_pages: list[str], source: str, data: bytes, settings: Settings,
                   image_pages: list[int]) -> list[str]:
    """Scanned pages between pages with text (a page-sized image, no text): read by OCR with
    --ocr, else named on the ingest line, since their text cannot be found."""
    pages = [n for n in image_pages if n <= len(raw_pages)]
    read = _ocr_pages(raw_pages, pages, source, data, settings)
    pages = [n for n in pages if n not in read]
    if not pages:
        return []
    log.warning("%s: page(s) %s: an image without text; it cannot be searched", source, page_ranges(pages))
    return [f"page{'s' if len(pages) > 1 else ''} {page_ranges(pages)} {'are images' if len(pages) > 1 else 'is an image'} "
            f"without text (scanned, or a cover), not searchable; {_ocr_advice(settings)}"]


def _bad_pages(raw_pages: list[str], source: str, data: bytes, settings: Settings) -> list[str]:
    """OCR (with --ocr) or leave out the pages whose text layer is garbled, glued or letter-spaced."""
    problems = {n: q.problem for n, q in ((n, page_quality(t)) for n, t in enumerate(raw_pages, 1)) if q.problem}
    for number in _ocr_pages(raw_pages, sorted(problems), source, data, settings):
        del problems[number]
    if not problems:
        return []
    text_pages = [i for i, page in enumerate(raw_pages, start=1) if sum(not c.isspace() for c in page) >= 20]
    bad = sorted(problems)
    kinds = "; ".join(dict.fromkeys(problems[n] for n in bad))
    what_to_do = _ocr_advice(settings)
    if len(bad) * 5 >= len(text_pages):
        raise IngestError(
            source,
            f"its text layer is unusable on page{'s' if len(bad) > 1 else ''} {page_ranges(bad)} of "
            f"{len(raw_pages)}: {kinds}; {what_to_do}",
        )
    for number in bad:
        log.warning("%s: page %d: %s; its text is left out", source, number, problems[number])
        raw_pages[number - 1] = ""
    return [f"page{'s' if len(bad) > 1 else ''} {page_ranges(bad)} left out: {kinds}; {what_to_do}"]


def _ocr_pages(raw_pages: list[str], pages: list[int], source: str, data: bytes, settings: Settings) -> set[int]:
    """With --ocr (and tesseract installed), read `pages` by OCR; a page whose OCR text is good
    replaces its text in raw_pages. Returns the pages so read."""
    from .ocr import available

    if not pages or not settings.ocr or not available():
        return set()
    from .ocr import ocr_pdf

    read = set()
    for number, text in ocr_pdf(data, source, settings.max_pages, settings.parse_timeout_s, pages=pages).items():
        if text.strip() and page_quality(text).problem is None:
            raw_pages[number - 1] = text
            read.add(number)
    return read


def _ocr_advice(settings: Settings) -> str:
    """What to do about pages OCR did not (or could not) read."""
    from .ocr import available

    if settings.ocr and available():
        return "OCR could not read them either"
    if settings.ocr:
        return ("OCR was asked for, but pdftoppm and tesseract (with Dutch) are not installed: "
                "apt-get install poppler-utils tesseract-ocr tesseract-ocr-nld")
    return ("ingest it again with --ocr to read them with tesseract, or run OCR yourself "
            "(`ocrmypdf --force-ocr -l nld in.pdf out.pdf`) and add that")


# --------------------------------------------------------------------------
# PDF extraction in a helper process


class PdfText(NamedTuple):
    pages: list[str]  # the text of each page
    safe_copy: bytes | None  # the copy to store when the file holds scripts
    info_title: str  # the title in the PDF's document information ("" when none)
    image_pages: list[int]  # pages without text that show a page-sized image (scanned pages)


def _extract_pdf(data: bytes, source: str, settings: Settings) -> PdfText:
    """The PDF's text, read in the helper process (assistant.pdfhelper)."""
    result = extract_in_helper(data, settings.max_pages, settings.parse_timeout_s, source)
    pages = _pages_or_error(result, source, data, settings)
    if result.get("scripts"):
        log.info("%s: removed %s from the stored copy", source, ", ".join(result["scripts"]))
    return PdfText(pages, result.get("safe_copy"), result.get("info_title") or "", result.get("image_pages") or [])


def _pages_or_error(result: dict, source: str, data: bytes, settings: Settings) -> list[str]:
    if result.get("warnings"):
        log.debug("%s: pypdf reported %d warnings, e.g. %s", source, result["warnings"], result.get("example", ""))
    for message in result.get("errors", []):
        log.warning("%s: pypdf: %s", source, message)
    error = result.get("error")
    if error is None:
        if result.get("reread"):
            log.info("%s: page(s) %s read again with pdfminer.six (pypdf's text lost its spaces or lines)", source,
                     page_ranges(result["reread"]))
        if result.get("joined"):
            log.info("%s: page(s) %s: one word a line in every extraction; read as running text", source,
                     page_ranges(result["joined"]))
        return result["pages"]
    if error == "encrypted":
        raise IngestError(
            source,
            "is password-protected (encrypted); save an unprotected copy, e.g. "
            "`qpdf --decrypt --password=... in.pdf out.pdf`, and add that",
        )
    if error == "encrypted-unsupported":
        raise IngestError(
            source,
            "is encrypted with a method this installation cannot open (AES needs the "
            "'cryptography' package); save an unprotected copy, e.g. `qpdf --decrypt in.pdf out.pdf`",
        )
    if error == "too-many-pages":
        raise IngestError(
            source,
            f"has {result['pages']} pages, more than the limit of {settings.max_pages}; "
            "split it, or raise the limit (ASSISTANT_MAX_PAGES)",
        )
    if error == "memory":
        raise IngestError(
            source,
            f"needs more than {helper_memory() / 1024**3:g} GB of memory to read (a damaged file or a "
            "'decompression bomb'); check the file, or export it again as PDF",
        )
    if error == "limit":
        raise IngestError(
            source,
            f"goes beyond a safety limit of the PDF reader ({result.get('detail', '')}): a 'decompression "
            "bomb', an oversized page tree or a damaged file; check it, or export it again as PDF",
        )
    if error == "timeout":
        raise IngestError(
            source,
            f"took longer than {settings.parse_timeout_s:g} s to read and was stopped (a damaged or "
            "extremely complex PDF); export it again, or raise the limit (ASSISTANT_PARSE_TIMEOUT_S)",
        )
    if error == "scripts":
        raise IngestError(
            source,
            f"holds scripts or automatic actions that could not be removed ({result.get('detail', '')}); "
            "print it to a new PDF (which drops them) and add that",
        )
    if error == "crash":
        raise IngestError(
            source,
            f"made the PDF reader crash ({result.get('detail', 'no details')}); the file is probably "
            "damaged; download or export it again",
        )
    detail = result.get("detail", "")
    page = f" on page {result['page']}" if result.get("page") else ""
    if len(data) < 1024 or b"%%EOF" not in data[-2048:]:
        what = f"is truncated or damaged (only {len(data)} bytes, no end-of-file marker)"
    else:
        what = "is damaged and cannot be read as PDF"
    raise IngestError(source, f"{what}{page} [{detail}]; download or export it again")
