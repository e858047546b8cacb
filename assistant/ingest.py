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
from .embed import Embedder
from .index import Index
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


def sidecar_for(path: Path) -> Path | None:
    for cand in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json"),
                 path.with_name(path.name + ".meta.toml"), path.with_suffix(".meta.toml")):
        if cand.exists():
            return cand
    return None


def content_key(data: bytes, path: Path) -> str:
    """sha256 of the file, plus its sidecar when there is one (a new sidecar re-ingests)."""
    h = hashlib.sha256(data)
    side = sidecar_for(path)
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
    # assistant/security.py); any other file is stored as it came
    data = doc.stored_bytes if doc.stored_bytes is not None else Path(path).read_bytes()
    return doc, passages, data


def ingest_paths(
    paths: Iterable[Path],
    index: Index,
    embedder: Embedder,
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
    from .load import find_documents

    results: list[FileResult] = []

    def report(r: FileResult) -> None:
        results.append(r)
        if on_result:
            on_result(r)

    from .load import is_archive, iter_archive

    files: list = []  # paths, (source, text) records of JSON-lines archives, documents already loaded
    for p in paths:
        if isinstance(p, LoadedDocument):  # from an index being rebuilt (see Assistant.rebuild)
            files.append(p)
            continue
        try:
            for f in find_documents([Path(p)]):
                if is_archive(f):
                    for source, text in iter_archive(f):
                        if isinstance(text, IngestError):
                            report(FileResult(source, "failed", text.reason))
                        else:
                            files.append((source, text))
                else:
                    files.append(f)
        except IngestError as exc:
            report(FileResult(exc.source, "failed", exc.reason))
        except AssistantError as exc:
            report(FileResult(str(p), "failed", str(exc)))

    show = progress if progress is not None else sys.stderr.isatty()
    bar = None
    sizes = [_size(f) for f in files]
    if show and len(files) > 1:
        from tqdm import tqdm

        # measured in bytes of text, not documents: the time left then follows the work left
        # (a scale archive mixes one-line notes and 100-page reports); documents found
        # unchanged on a restart are taken out of the total, so they do not make it look fast
        bar = tqdm(total=sum(sizes), unit="B", unit_scale=True, desc=f"ingest {len(files)} documents",
                   file=sys.stderr, smoothing=0.05)
    changed = False
    try:
        with index.write_lock():
            # the next file is read and chunked (PDF parsing runs in a helper process) while
            # this one is embedded, so the model is kept busy
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                def start(i: int):
                    if i >= len(files):
                        return None
                    if isinstance(files[i], LoadedDocument):
                        return files[i].source, pool.submit(_chunk_loaded, files[i], settings)
                    if isinstance(files[i], tuple):
                        src, text = files[i]
                        return src, pool.submit(_prepare_record, src, text, index, settings)
                    src = (sources or {}).get(files[i]) or files[i].name
                    return src, pool.submit(_prepare_one, files[i], src, index, settings, replace, replace_hint)

                nxt = start(0)
                for i in range(len(files)):
                    source, fut = nxt
                    nxt = start(i + 1)
                    try:
                        result = _finish_one(fut.result(), source, index, embedder, show)
                    except IngestError as exc:
                        result = FileResult(source, "failed", exc.reason)
                    except AssistantError as exc:
                        result = FileResult(source, "failed", str(exc))
                    except (OSError, ValueError, RuntimeError, MemoryError) as exc:
                        result = FileResult(source, "failed", f"unexpected error: {exc}")
                    changed |= result.status in ("added", "replaced")
                    if bar is not None:
                        if result.status == "unchanged":
                            bar.total -= sizes[i]
                            bar.refresh()
                        else:
                            bar.update(sizes[i])
                        bar.set_postfix_str(source[-30:])
                    report(result)
            if changed:
                index.save_vectors()
    finally:
        if bar is not None:
            bar.close()
    return results


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


def _prepare_one(path: Path, source: str, index: Index, settings: Settings, replace: bool = True,
                 replace_hint: str = ""):
    """Read, hash, and (unless unchanged) load and chunk one file. Runs ahead of embedding."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read the file ({exc.strerror})") from exc
    key = content_key(data, path)
    existing = index.document_by_source(source)
    if existing is not None and existing.sha256 == key:
        return FileResult(source, "unchanged", doc_id=existing.id, passages=existing.passages, pages=existing.pages)
    if existing is not None and not replace:
        raise IngestError(source, f"a document of this name with other content is already indexed (id "
                                  f"{existing.id}); it was kept as it is" + (f". {replace_hint}" if replace_hint else ""))
    doc, passages, data = prepare(path, settings, source)
    doc.sha256 = key
    return doc, passages, data


def _prepare_record(source: str, text: str, index: Index, settings: Settings):
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


def _finish_one(prepared, source: str, index: Index, embedder: Embedder, show: bool) -> FileResult:
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


def open_index(settings: Settings, embedder: Embedder, create: bool = False) -> Index:
    """Open (or create) the index, checking that it was built with this model."""
    from .index import DB_NAME

    exists = (Path(settings.index_dir) / DB_NAME).exists()
    if exists:
        return Index(settings.index_dir, model_id=embedder.model_id)
    return Index(
        settings.index_dir, model_id=embedder.model_id, dim=embedder.dim, create=create,
        chunking={"min_words": settings.chunk_min_words, "max_words": settings.chunk_max_words},
    )
