"""Reading PDFs in a helper process with a memory and a time limit.

PDFs are parsed in a separate Python process (a subprocess, reused from file to file) with a
memory limit (RLIMIT_AS) and a time limit per file (Settings.parse_timeout_s), so that a
decompression bomb, a huge page tree or a parser crash costs one file, not the whole run. It
is a plain subprocess (`python -c ...`), not multiprocessing's "spawn", which would re-import
the caller's __main__ (a web app, a CLI) in the child. Measured on this project's 47 real
PDFs: starting the helper takes about 0.4 s once per run (Python start and the pypdf import);
each file then costs about 3 ms more than parsing it in-process.

    extract_in_helper(data, max_pages, timeout, source) -> {"pages", "reread", "joined", "safe_copy",
        "scripts", "info_title", "image_pages", "warnings", ...} or {"error": "encrypted" | "too-many-pages" | "memory" |
        "limit" | "timeout" | "scripts" | "crash" | "corrupt", ...}; assistant.load turns an
        error into an IngestError that says what to do
    shutdown_pdf_worker()   stop the helper (it also stops when this process exits)

Pages whose text layer lost its spaces or its lines (assistant.textlayer) are read a second time
with pdfminer.six; a page whose lines pdfminer.six cannot find either becomes running text
("joined"); scripts are removed from the stored copy (assistant.pdfscripts).
"""
from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from assistant.textlayer import better_text, join_words, page_quality

log = logging.getLogger(__name__)

PDF_MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the PDF helper process


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
        reread, joined = _second_extraction(data, pages)
        # scripts (/JS, /OpenAction, /AA ...) would run in a browser's PDF viewer when a source
        # link is opened: the index stores a copy without them
        from .pdfscripts import strip_pdf_scripts

        try:
            safe_copy, scripts = strip_pdf_scripts(reader)
        except (MemoryError, LimitReachedError):
            raise
        except Exception as exc:  # noqa: BLE001
            return {"error": "scripts", "detail": _describe(exc)}
        return {"pages": pages, "reread": reread, "joined": joined, "safe_copy": safe_copy, "scripts": scripts,
                "info_title": _info_title(reader), "image_pages": _image_pages(reader, pages),
                **collector.summary()}
    except MemoryError:
        return {"error": "memory"}
    except LimitReachedError as exc:
        return {"error": "limit", "detail": _describe(exc)}
    except Exception as exc:  # noqa: BLE001
        return {"error": "corrupt", "detail": _describe(exc), **collector.summary()}


SCAN_PIXELS = 1_000_000  # an image this large (1240 x 1754 is an A4 page at 150 dpi) is a scanned page, not a logo


def _image_pages(reader, pages: list[str]) -> list[int]:
    """The pages without text that show a page-sized image: scanned pages in a document that
    has a text layer elsewhere (a signed decision scanned between typed pages)."""
    found = []
    for number, (page, text) in enumerate(zip(reader.pages, pages), start=1):
        if sum(not c.isspace() for c in text) >= 10:
            continue
        try:
            images = [x.get_object() for x in ((page.get("/Resources") or {}).get("/XObject") or {}).values()]
            if any(x.get("/Subtype") == "/Image" and int(x.get("/Width", 0)) * int(x.get("/Height", 0)) >= SCAN_PIXELS
                   for x in images):
                found.append(number)
        except Exception:  # noqa: BLE001 - a damaged resource dictionary: no verdict on this page
            continue
    return found


def _info_title(reader) -> str:
    """The title in the PDF's document information ("" when it has none or it cannot be read)."""
    try:
        return " ".join(str((reader.metadata or {}).get("/Title") or "").split())[:300]
    except Exception:  # noqa: BLE001 - a damaged information dictionary costs only its title
        return ""


def _second_extraction(data: bytes, pages: list[str]) -> tuple[list[int], list[int]]:
    """Read the suspect pages (assistant.textlayer) again with pdfminer.six, which places word
    gaps by glyph positions, and keep its text where it is better; a page still of one word a
    line becomes running text. Runs in the helper; returns the pages (1-based) whose text was
    replaced and those joined."""
    suspect = [i for i, text in enumerate(pages) if page_quality(text).suspect]
    replaced = _read_again(data, pages, suspect) if suspect else []
    joined = []
    for i in suspect:
        text = join_words(pages[i])
        if text is not pages[i]:
            pages[i] = text
            joined.append(i + 1)
    return replaced, joined


def _read_again(data: bytes, pages: list[str], suspect: list[int]) -> list[int]:
    """pdfminer.six's text of the `suspect` pages (0-based) where it is better than pypdf's."""
    import io

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
            [sys.executable, "-c", "from assistant.pdfhelper import _child_main; _child_main()", str(self.memory)],
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


def extract_in_helper(data: bytes, max_pages: int, timeout: float, source: str) -> dict:
    """The text of every page of a PDF, read in the helper process (in this process where the
    helper cannot work: no RLIMIT_AS or select() on pipes), or {"error": ...}."""
    if os.name != "posix" or not sys.executable:
        return _extract(data, max_pages)
    return _pool.run(data, max_pages, timeout, source)


def helper_memory() -> int:
    """The helper's limit of address space, in bytes."""
    return _pool.memory


def shutdown_pdf_worker() -> None:
    """Stop the PDF helper process (it also stops when this process exits)."""
    with _pool.lock:
        _pool.stop()


atexit.register(shutdown_pdf_worker)
