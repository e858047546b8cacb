"""Ingest files into an index: load -> chunk -> embed -> store, one file at a time.

Each file is committed on its own, so an interrupted batch keeps what was done
and a rerun skips unchanged files (content hash of the file and its sidecar).
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .chunk import chunk_document
from .config import Settings
from .encoders import TextEncoder
from .store import Store
from .types import AssistantError, IngestError, LoadedDocument, Passage


@dataclass
class FileResult:
    source: str
    status: str  # added | unchanged | replaced | failed
    reason: str | None = None
    doc_id: str | None = None
    passages: int = 0
    pages: int = 0
    warnings: list[str] = field(default_factory=list)  # e.g. pages left out because their text layer is bad

    def line(self) -> str:
        if self.status == "failed":
            return f"failed: {self.source}: {self.reason}"
        extra = "".join(f"; warning: {w}" for w in self.warnings)
        return f"{self.status}: {self.source} ({self.pages} pages, {self.passages} passages){extra}"

    def to_json(self) -> dict:
        return {"file": self.source, "status": self.status, "reason": self.reason, "id": self.doc_id,
                "passages": self.passages, "pages": self.pages, "warnings": list(self.warnings)}


def content_key(data: bytes, path: Path) -> str:
    """sha256 of the file, plus its sidecar when there is one (a new sidecar re-ingests)."""
    from .sidecars import find_sidecar

    h = hashlib.sha256(data)
    side = find_sidecar(path)
    if side is not None:
        h.update(b"\0sidecar\0" + side.read_bytes())
    return h.hexdigest()


def embedding_text(doc: LoadedDocument, p: Passage) -> str:
    """What the dense model reads: document title and section give the passage its context.
    (A footnote's citing sentence is left out here, unlike in `lexical_text`: with it, a footnote
    came out as a near copy of the passage that cites it and outranked it; measured on the
    multi-document dev set, MRR .692 with it, .713 without.)"""
    head = doc.meta.title or ""
    if p.section and p.section not in p.text[: len(p.section) + 5]:
        head = f"{head} — {p.section}" if head else p.section
    notes = (" " + " ".join(p.footnotes)) if p.footnotes else ""
    return f"{head}\n{p.text}{notes}" if head else p.text + notes


def lexical_text(doc: LoadedDocument, p: Passage) -> str:
    """What BM25 reads: the passage, its section, context and footnotes, and the document's title."""
    return " ".join(x for x in [doc.meta.title or "", p.section or "", p.context, p.text, " ".join(p.footnotes)] if x)


def prepare(path: Path, settings: Settings, source: str | None = None) -> tuple[LoadedDocument, list[Passage], bytes]:
    """Load and chunk one file; raises IngestError with a reason a user can act on."""
    from .load import load_document

    doc = load_document(path, settings)
    if source:
        doc.source = source
    passages = chunk_document(doc.pages, settings.chunk_min_words, settings.chunk_max_words)
    if not passages:
        raise IngestError(doc.source, "no text to index after cleaning (empty or only page furniture)")
    # the stored copy: a PDF's scripts and automatic actions are removed by the loader (see
    # assistant/pdfscripts.py); any other file is stored as it came
    data = doc.stored_bytes if doc.stored_bytes is not None else Path(path).read_bytes()
    return doc, passages, data


def ingest_paths(
    paths: Iterable[Path],
    index: Store,
    embedder: TextEncoder,
    settings: Settings,
    on_result: Callable[[FileResult], None] | None = None,
    progress: bool | None = None,
    sources: dict[Path, str] | None = None,
    replace: bool = True,
    replace_hint: str = "",
) -> list[FileResult]:
    """Ingest files and folders; report each file as soon as it is committed.

    A file whose name is already indexed with other content replaces that document, or, with
    `replace=False`, fails (checked under the write lock) with a reason ending in `replace_hint`.
    """
    from concurrent.futures import ThreadPoolExecutor

    run = IngestRun(paths, on_result, progress, sources)
    files = run.files
    try:
        with index.write_lock():
            # the next file is read and chunked (PDF parsing runs in a helper process) while
            # this one is embedded, so the model is kept busy
            with ThreadPoolExecutor(max_workers=1) as pool:
                def start(item):
                    return pool.submit(_prepare_item, item, index, settings, run.sources, replace, replace_hint)

                upcoming = start(files[0]) if files else None
                for i, item in enumerate(files):
                    current, upcoming = upcoming, start(files[i + 1]) if i + 1 < len(files) else None
                    run.record(item, _finish_safely(current, _source(item, run.sources), index, embedder, run.show))
            if run.changed:
                index.sync_vectors()
    finally:
        run.close()
    return run.results


class IngestRun:
    """What every ingest of a list of paths shares (plain here, on Ray in assistant.distributed):
    the files to do in order (folders and archives expanded, what cannot be read reported as
    failed), the results reported as they come, and the progress bar in bytes of text."""

    def __init__(self, paths: Iterable, on_result: Callable[[FileResult], None] | None, progress: bool | None,
                 sources: dict[Path, str] | None) -> None:
        self.results: list[FileResult] = []
        self.on_result = on_result
        self.sources = sources or {}
        self.changed = False  # whether a document was added or replaced (the vectors need a sync)
        self.files = _expand(paths, self.report)
        self.show = progress if progress is not None else sys.stderr.isatty()
        self.bar = _progress_bar([_size(f) for f in self.files]) if self.show and len(self.files) > 1 else None

    def report(self, result: FileResult) -> None:
        self.results.append(result)
        if self.on_result:
            self.on_result(result)

    def record(self, item, result: FileResult) -> None:
        """The result of one of `files`: counted, shown on the bar and reported."""
        self.changed |= result.status in ("added", "replaced")
        if self.bar is not None:
            _advance(self.bar, result, _size(item), _source(item, self.sources))
        self.report(result)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _expand(paths: Iterable, report: Callable[[FileResult], None]) -> list:
    """What to ingest, in order: paths of files (folders expanded), (source, text) records of
    JSON-lines archives, and documents already loaded (from an index being rebuilt). What
    cannot be read is reported as failed."""
    from .load import find_documents, is_archive, iter_archive

    files: list = []
    for p in paths:
        if isinstance(p, LoadedDocument):  # from an index being rebuilt (see Assistant.rebuild)
            files.append(p)
            continue
        try:
            for f in find_documents([Path(p)]):
                if not is_archive(f):
                    files.append(f)
                    continue
                for source, text in iter_archive(f):
                    if isinstance(text, IngestError):
                        report(FileResult(source, "failed", text.reason))
                    else:
                        files.append((source, text))
        except IngestError as exc:
            report(FileResult(exc.source, "failed", exc.reason))
        except AssistantError as exc:
            report(FileResult(str(p), "failed", str(exc)))
    return files


def _source(item, sources: dict[Path, str]) -> str:
    """The name a file, an archive record or a loaded document is indexed under."""
    if isinstance(item, LoadedDocument):
        return item.source
    if isinstance(item, tuple):
        return item[0]
    return sources.get(item) or item.name


def _prepare_item(item, index: Store, settings: Settings, sources: dict[Path, str], replace: bool,
                  replace_hint: str):
    """Read and chunk one item ahead of embedding (see _prepare_one)."""
    if isinstance(item, LoadedDocument):
        return _chunk_loaded(item, settings)
    if isinstance(item, tuple):
        return _prepare_record(item[0], item[1], index, settings)
    return _prepare_one(item, _source(item, sources), index, settings, replace, replace_hint)


def _finish_safely(prepared, source: str, index: Store, embedder: TextEncoder, show: bool) -> FileResult:
    """Embed and store one prepared item; a failure becomes its result."""
    try:
        return _finish_one(prepared.result(), source, index, embedder, show)
    except IngestError as exc:
        return FileResult(source, "failed", exc.reason)
    except AssistantError as exc:
        return FileResult(source, "failed", str(exc))
    except (OSError, ValueError, RuntimeError, MemoryError) as exc:
        return FileResult(source, "failed", f"unexpected error: {exc}")


def _progress_bar(sizes: list[int]):
    """A bar measured in bytes of text, not documents: the time left then follows the work left
    (a scale archive mixes one-line notes and 100-page reports)."""
    from tqdm import tqdm

    return tqdm(total=sum(sizes), unit="B", unit_scale=True, desc=f"ingest {len(sizes)} documents",
                file=sys.stderr, smoothing=0.05)


def _advance(bar, result: FileResult, size: int, source: str) -> None:
    """Documents found unchanged on a restart are taken out of the total, so that they do not
    make the rest look fast."""
    if result.status == "unchanged":
        bar.total -= size
        bar.refresh()
    else:
        bar.update(size)
    bar.set_postfix_str(source[-30:])


def _size(item) -> int:
    """Bytes of work in a file, an archive record or a loaded document (for the progress bar)."""
    if isinstance(item, tuple):
        return len(item[1])
    if isinstance(item, LoadedDocument):
        return sum(len(p.text) for p in item.pages)
    try:
        return item.stat().st_size
    except OSError:
        return 0


def check_existing(index: Store, source: str, key: str, replace: bool, replace_hint: str = "") -> FileResult | None:
    """`unchanged` when the index holds `source` with the same content key (a resumed ingest);
    an IngestError when it holds other content under that name and `replace` is off; else None."""
    existing = index.document_by_source(source)
    if existing is not None and existing.sha256 == key:
        return FileResult(source, "unchanged", doc_id=existing.id, passages=existing.passages, pages=existing.pages)
    if existing is not None and not replace:
        raise IngestError(source, f"a document of this name with other content is already indexed (id "
                                  f"{existing.id}); it was kept as it is" + (f". {replace_hint}" if replace_hint else ""))
    return None


def _prepare_one(path: Path, source: str, index: Store, settings: Settings, replace: bool = True,
                 replace_hint: str = ""):
    """Read, hash, and (unless unchanged) load and chunk one file. Runs ahead of embedding."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read the file ({exc.strerror})") from exc
    key = content_key(data, path)
    unchanged = check_existing(index, source, key, replace, replace_hint)
    if unchanged is not None:
        return unchanged
    doc, passages, data = prepare(path, settings, source)
    doc.sha256 = key
    return doc, passages, data


def _prepare_record(source: str, text: str, index: Store, settings: Settings):
    """Like _prepare_one, for a document that is a line of a JSON-lines archive."""
    from .load import load_text_record

    key = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    existing = index.document_by_source(source)
    if existing is not None and existing.sha256 == key:
        return FileResult(source, "unchanged", doc_id=existing.id, passages=existing.passages, pages=existing.pages)
    doc = load_text_record(source, text)
    doc.sha256 = key
    passages = chunk_document(doc.pages, settings.chunk_min_words, settings.chunk_max_words)
    if not passages:
        raise IngestError(source, "no text to index after cleaning")
    return doc, passages, None


def _chunk_loaded(doc: LoadedDocument, settings: Settings):
    passages = chunk_document(doc.pages, settings.chunk_min_words, settings.chunk_max_words)
    if not passages:
        raise IngestError(doc.source, "no text to index")
    data = doc.stored_bytes  # a PDF without its scripts
    if data is None and doc.keep_file:  # the file a loaded document keeps as its stored copy (an official PDF)
        try:
            data = Path(doc.keep_file).read_bytes()
        except OSError as exc:
            raise IngestError(doc.source, f"cannot read its file {doc.keep_file} ({exc.strerror})") from exc
    return doc, passages, data


def _finish_one(prepared, source: str, index: Store, embedder: TextEncoder, show: bool) -> FileResult:
    """Embed and store one prepared file (or pass an 'unchanged' result through)."""
    if isinstance(prepared, FileResult):
        return prepared
    doc, passages, data = prepared
    texts = [embedding_text(doc, p) for p in passages]
    bar = None
    if show and len(texts) > 32:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), unit="passage", desc=source[:30], leave=False, file=sys.stderr)
    try:
        vectors = embedder.embed_passages(texts, progress=bar.update if bar else None)
    finally:
        if bar is not None:
            bar.close()
    status, doc_id = index.put_document(doc, passages, vectors, [lexical_text(doc, p) for p in passages], data)
    return FileResult(source, status, doc_id=doc_id, passages=len(passages), pages=len(doc.pages),
                      warnings=list(doc.warnings))
