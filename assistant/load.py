"""Find documents and load them: PDF, plain text and Markdown.

`find_documents` expands folders; `load_document` reads one file, checks it,
extracts its text page by page, cleans it (assistant.clean) and reads its
metadata (assistant.metadata, plus an optional sidecar file).

Every problem with an input file raises IngestError(source, reason), where the
reason says what is wrong and what to do about it.

PDFs are parsed in a separate Python process (a subprocess, reused from file
to file) with a memory limit (RLIMIT_AS) and a time limit per file
(Settings.parse_timeout_s), so that a decompression bomb, a huge page tree or
a parser crash costs one file, not the whole run.  It is a plain subprocess
(`python -c ...`), not multiprocessing's "spawn", which would re-import the
caller's __main__ (a web app, a CLI) in the child.  Measured on this
project's 47 real PDFs: starting the helper takes about 0.4 s once per run
(Python start and the pypdf import); each file then costs about 3 ms more
than parsing it in-process.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import os
import pickle
import re
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from assistant.clean import clean_document, split_text_pages
from assistant.config import Settings
from assistant.metadata import apply_sidecar, detect_metadata, find_sidecar, load_sidecar
from assistant.textlayer import better_text, garbled_pages, page_quality, page_ranges
from assistant.types import IngestError, LoadedDocument

__all__ = ["MEDIA_TYPES", "find_documents", "garbled_pages", "load_document", "shutdown_pdf_worker"]

log = logging.getLogger(__name__)

MEDIA_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown",
               # read by assistant.formats (issue 15)
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".odt": "application/vnd.oasis.opendocument.text", ".html": "text/html", ".htm": "text/html"}
_SUPPORTED = ".pdf, .txt, .md, .docx, .odt or .html"
SIDECAR_SUFFIXES = (".meta.json", ".meta.toml")
PDF_MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the PDF helper process


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
    stored = None
    if _looks_like_pdf(data):
        raw_pages, stored = _extract_pdf(data, source, settings)
        media_type = MEDIA_TYPES[".pdf"]
        if settings.ocr and _is_scan(raw_pages):
            from .ocr import ocr_pdf

            raw_pages = ocr_pdf(data, source, settings.max_pages, settings.parse_timeout_s)
        warnings = _check_pdf_text(raw_pages, source, data, settings)
    elif suffix == ".pdf":
        raise IngestError(
            source,
            f"is not a PDF although its name ends in .pdf: its content does not start with %PDF "
            f"(it looks like {_sniff(data)}); download or export the document again as PDF",
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


def _looks_like_pdf(data: bytes) -> bool:
    # the header may follow a few bytes of junk; readers accept it within 1 KB
    return b"%PDF-" in data[:1024]


def _sniff(data: bytes) -> str:
    """A guess at what a non-PDF file is, for the error message."""
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


def _check_pdf_text(raw_pages: list[str], source: str, data: bytes, settings: Settings) -> list[str]:
    """Refuse a scan without text and a document whose text layer is mostly unusable; OCR or
    leave out the bad pages of the rest. Returns the warnings for the ingest line.

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
    problems = {n: q.problem for n, q in ((n, page_quality(t)) for n, t in enumerate(raw_pages, 1)) if q.problem}
    from .ocr import available

    if problems and settings.ocr and available():
        from .ocr import ocr_pdf

        read = ocr_pdf(data, source, settings.max_pages, settings.parse_timeout_s, pages=sorted(problems))
        for number, text in read.items():
            if page_quality(text).problem is None:
                raw_pages[number - 1] = text
                del problems[number]
    if not problems:
        return []
    text_pages = [i for i, page in enumerate(raw_pages, start=1) if sum(not c.isspace() for c in page) >= 20]
    bad = sorted(problems)
    kinds = "; ".join(dict.fromkeys(problems[n] for n in bad))
    if settings.ocr and available():
        what_to_do = "OCR could not read them either"
    elif settings.ocr:
        what_to_do = ("OCR was asked for, but pdftoppm and tesseract (with Dutch) are not installed: "
                      "apt-get install poppler-utils tesseract-ocr tesseract-ocr-nld")
    else:
        what_to_do = ("ingest it again with --ocr to read them with tesseract, or run OCR yourself "
                      "(`ocrmypdf --force-ocr -l nld in.pdf out.pdf`) and add that")
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


# --------------------------------------------------------------------------
# PDF extraction in a helper process


def _extract_pdf(data: bytes, source: str, settings: Settings) -> tuple[list[str], bytes | None]:
    """The text of each page, and the copy to store when the file holds scripts (else None)."""
    if os.name != "posix" or not sys.executable:  # no RLIMIT_AS / select() on pipes: in-process
        result = _extract(data, settings.max_pages)
    else:
        result = _pool.run(data, settings.max_pages, settings.parse_timeout_s, source)
    pages = _pages_or_error(result, source, data, settings)
    if result.get("scripts"):
        log.info("%s: removed %s from the stored copy", source, ", ".join(result["scripts"]))
    return pages, result.get("safe_copy")


def _pages_or_error(result: dict, source: str, data: bytes, settings: Settings) -> list[str]:
    if result.get("warnings"):
        log.debug("%s: pypdf reported %d warnings, e.g. %s", source, result["warnings"], result.get("example", ""))
    for message in result.get("errors", []):
        log.warning("%s: pypdf: %s", source, message)
    error = result.get("error")
    if error is None:
        if result.get("reread"):
            log.info("%s: page(s) %s read again with pdfminer.six (pypdf's text lost its spaces)", source,
                     page_ranges(result["reread"]))
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
            f"needs more than {_pool.memory / 1024**3:g} GB of memory to read (a damaged file or a "
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


def _extract(data: bytes, max_pages: int) -> dict:
    """Text of every page of the PDF in `data`, or {"error": ...}.  Runs in the helper."""
    import io

    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError

    collector = _quiet_pypdf()
    collector.reset()
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):  # many "protected" PDFs open with an empty password
                    return {"error": "encrypted"}
            except (DependencyError, NotImplementedError) as exc:
                return {"error": "encrypted-unsupported", "detail": str(exc)[:200]}
        n = len(reader.pages)
        if n > max_pages:
            return {"error": "too-many-pages", "pages": n}
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                pages.append(page.extract_text() or "")
            except (MemoryError, LimitReachedError):
                raise
            except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds
                return {"error": "corrupt", "page": number, "detail": _describe(exc)}
        reread = _second_extraction(data, pages)
        # scripts (/JS, /OpenAction, /AA ...) would run in a browser's PDF viewer when a source
        # link is opened: the index stores a copy without them
        from .security import strip_pdf_scripts

        try:
            safe_copy, scripts = strip_pdf_scripts(reader)
        except (MemoryError, LimitReachedError):
            raise
        except Exception as exc:  # noqa: BLE001
            return {"error": "scripts", "detail": _describe(exc)}
        return {"pages": pages, "reread": reread, "safe_copy": safe_copy, "scripts": scripts, **collector.summary()}
    except MemoryError:
        return {"error": "memory"}
    except LimitReachedError as exc:
        return {"error": "limit", "detail": _describe(exc)}
    except Exception as exc:  # noqa: BLE001
        return {"error": "corrupt", "detail": _describe(exc), **collector.summary()}


def _second_extraction(data: bytes, pages: list[str]) -> list[int]:
    """Read the suspect pages (assistant.textlayer) again with pdfminer.six, which places word
    gaps by glyph positions, and keep its text where it is better. Runs in the helper; returns
    the pages whose text was replaced."""
    import io

    suspect = [i for i, text in enumerate(pages) if page_quality(text).suspect]
    if not suspect:
        return []
    try:
        from pdfminer.high_level import extract_text
        from pdfminer.layout import LAParams
    except ImportError:  # the second extractor is optional: the page is judged as pypdf read it
        return []
    replaced = []
    for i in suspect:
        try:
            other = extract_text(io.BytesIO(data), page_numbers=[i], laparams=LAParams())
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - a second opinion only; pypdf's text stands
            continue
        if better_text(pages[i], other) is other:
            pages[i] = other
            replaced.append(i + 1)
    return replaced


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


class _Collector(logging.Handler):
    """Counts pypdf's log records instead of printing them.

    pypdf logs a warning (sometimes a whole font dictionary) for many pages of
    official PDFs; they say nothing a user can act on.  Real failures raise
    exceptions and become IngestErrors; records at ERROR level are passed on.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.example = ""
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001
            message = str(record.msg)
        if record.levelno >= logging.ERROR:
            self.errors.append(message[:300])
        else:
            self.count += 1
            self.example = self.example or message[:120]

    def summary(self) -> dict:
        return {"warnings": self.count, "example": self.example, "errors": self.errors[:5]}


_COLLECTOR: _Collector | None = None


def _quiet_pypdf() -> _Collector:
    """Route pypdf's logging and warnings into a collector (once per process)."""
    global _COLLECTOR
    if _COLLECTOR is None:
        import warnings

        _COLLECTOR = _Collector()
        logger = logging.getLogger("pypdf")
        logger.addHandler(_COLLECTOR)
        logger.propagate = False
        logger.setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", module=r"pypdf(\.|$)")
    return _COLLECTOR


def _child_main() -> None:
    """The helper process: read jobs from stdin, write results to stdout.

    Frames are an 8-byte big-endian length and a pickle.  The helper limits
    its own address space first, so that a decompression bomb ends in a
    MemoryError (or at worst its own death), never in the parent's.
    """
    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the protocol
    memory = int(sys.argv[1]) if len(sys.argv) > 1 else PDF_MEMORY_LIMIT
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):
        pass
    _quiet_pypdf()
    while True:
        header = stdin.read(8)
        if len(header) < 8:
            return
        (size,) = struct.unpack(">Q", header)
        job = pickle.loads(stdin.read(size))
        if job is None:
            return
        data, max_pages = job
        try:
            result = _extract(data, max_pages)
        except MemoryError:
            result = {"error": "memory"}
        del data, job
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(struct.pack(">Q", len(payload)) + payload)
        stdout.flush()


class _Helper:
    """One helper process, started on first use and reused; replaced after a failure."""

    def __init__(self, memory: int = PDF_MEMORY_LIMIT) -> None:
        self.memory = memory
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr: tempfile._TemporaryFileWrapper | None = None  # type: ignore[type-arg]
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        package_root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.stderr = tempfile.TemporaryFile()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from assistant.load import _child_main; _child_main()", str(self.memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            close_fds=True,
        )
        log.debug("started PDF helper process %d in %.3f s", self.proc.pid, time.perf_counter() - started)
        return self.proc

    def run(self, data: bytes, max_pages: int, timeout: float, source: str) -> dict:
        with self.lock:
            proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
            deadline = time.monotonic() + max(0.1, timeout)
            payload = pickle.dumps((data, max_pages), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(struct.pack(">Q", len(payload)) + payload)
                proc.stdin.flush()
                header = _read_exact(proc.stdout.fileno(), 8, deadline)
                (size,) = struct.unpack(">Q", header)
                return pickle.loads(_read_exact(proc.stdout.fileno(), size, deadline))
            except TimeoutError:
                self.stop(kill=True)
                return {"error": "timeout"}
            except (BrokenPipeError, EOFError, OSError, pickle.UnpicklingError, struct.error):
                detail = self._death_note(proc)
                self.stop(kill=True)
                if "MemoryError" in detail or proc.returncode in (-9,):
                    return {"error": "memory"}
                return {"error": "crash", "detail": detail}

    def _death_note(self, proc: subprocess.Popen[bytes]) -> str:
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "no reply"
        tail = ""
        if self.stderr is not None:
            self.stderr.seek(0)
            lines = [x for x in self.stderr.read().decode("utf-8", "replace").splitlines() if x.strip()]
            tail = lines[-1][:200] if lines else ""
        return f"exit code {proc.returncode}" + (f": {tail}" if tail else "")

    def stop(self, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if kill:
                proc.kill()
            else:
                try:
                    assert proc.stdin is not None
                    none = pickle.dumps(None)
                    proc.stdin.write(struct.pack(">Q", len(none)) + none)
                    proc.stdin.close()
                except OSError:
                    proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None


def _read_exact(fd: int, n: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    remaining = n
    while remaining:
        wait = deadline - time.monotonic()
        if wait <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


_pool = _Helper()


def shutdown_pdf_worker() -> None:
    """Stop the PDF helper process (it also stops when this process exits)."""
    with _pool.lock:
        _pool.stop()


atexit.register(shutdown_pdf_worker)
