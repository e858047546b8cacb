"""The assistant as one object: settings, model, index and search together.

The command line and the web server both use it. Writers (ingest, remove,
rebuild) are serialised; questions read a consistent snapshot: the FAISS index
and SQLite rows of the last committed generation.
"""
from __future__ import annotations

import dataclasses
import shutil
import sys
import threading
from pathlib import Path
from typing import Callable

from .config import Settings
from .encoders import TextEncoder, make_embedder
from .ingest import FileResult, ingest_paths
from .store import Store, index_exists, open_index
from .store.folder import FolderStore, replace_folder
from .types import Answer, AssistantError, DocumentInfo, LoadedDocument


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder: TextEncoder | None = None):
        self.settings = settings or Settings.from_env()
        self.embedder = embedder or make_embedder(self.settings)
        self._index: Store | None = None
        self._searcher = None
        self._write = threading.Lock()
        self._swap = threading.RLock()

    def close(self) -> None:
        """Close the index (a PostgreSQL index's connection pool and its threads). The assistant
        opens it again when it is used after this."""
        with self._write, self._swap:
            if self._index is not None:
                self._index.close()
            self._index = None
            self._searcher = None

    def __enter__(self) -> "Assistant":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the index ------------------------------------------------------------------
    @property
    def index_exists(self) -> bool:
        if self.settings.index_url and self._index is not None:  # open: it is there (no connection to ask)
            return True
        return index_exists(self.settings)

    @property
    def index(self) -> Store:
        with self._swap:
            if self._index is None:
                self._index = open_index(self.settings, self.embedder, create=False)
            return self._index

    def ensure_index(self, log: Callable[[str], None] | None = None) -> Store:
        """Open the index, building it from the corpus folder first when it is missing."""
        if self.index_exists:
            return self.index
        corpus = Path(self.settings.corpus_dir)
        log = log or (lambda s: print(s, file=sys.stderr))
        from .load import find_documents

        if not corpus.is_dir() or not find_documents([corpus]):
            raise AssistantError(
                f"no index at {self.settings.index_name} and no documents in {corpus}/ to build one from. "
                f"Put PDF, .txt or .md letters in {corpus}/ (or run `assistant ingest FILE...`)."
            )
        log(f"Building the index in {self.settings.index_name} from {corpus}/ ...")
        results = self.ingest([corpus], on_result=lambda r: log("  " + r.line()))
        if not any(r.status in ("added", "replaced", "unchanged") for r in results):
            raise AssistantError(f"none of the documents in {corpus}/ could be indexed; see the reasons above")
        return self.index

    def searcher(self):
        from .search import Searcher

        with self._swap:
            if self._searcher is None or self._searcher.index is not self.index:
                self._searcher = Searcher(self.index, self.embedder)
            return self._searcher

    # -- operations -----------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, history: list | None = None,
            documents: list[str] | None = None, date_from: str | None = None, date_to: str | None = None) -> Answer:
        if not question or not question.strip():
            raise AssistantError("the question is empty")
        return self.searcher().search(question.strip(), k or self.settings.k, history=history,
                                      documents=documents, date_from=date_from, date_to=date_to)

    def ingest(self, paths: list[Path], on_result: Callable[[FileResult], None] | None = None,
               progress: bool | None = None, sources: dict[Path, str] | None = None, replace: bool = True,
               replace_hint: str = "", ingester: Callable[..., list[FileResult]] | None = None) -> list[FileResult]:
        """Ingest into the index (created when missing) with `ingester` (default: ingest_paths;
        `--ray` passes assistant.distributed's, which takes the same arguments)."""
        with self._write:
            with self._swap:
                if self._index is None:
                    self._index = open_index(self.settings, self.embedder, create=True)
                index = self._index
            built = index.meta().get("chunking") or {}
            wanted = {"min_words": self.settings.chunk_min_words, "max_words": self.settings.chunk_max_words}
            if built and built != wanted and index.count():
                from .types import IndexMismatchError

                where = "URL" if self.settings.index_url else self.settings.index_dir
                raise IndexMismatchError(
                    f"{self.settings.index_name} was chunked with {built}, the settings ask for {wanted}; "
                    f"passages of both kinds would be mixed. Use the index's settings, or run "
                    f"`assistant rebuild --index {where}` to re-chunk every document."
                )
            return (ingester or ingest_paths)(paths, index, self.embedder, self.settings, on_result=on_result,
                                              progress=progress, sources=sources, replace=replace,
                                              replace_hint=replace_hint)

    def remove(self, doc_id: str) -> bool:
        with self._write:
            index = self.index
            with index.write_lock():
                return index.remove(doc_id)

    def documents(self) -> list[DocumentInfo]:
        return self.index.documents()

    def rebuild(self, log: Callable[[str], None] = print) -> list[FileResult]:
        """Re-embed every document into a fresh index, then swap it in: a folder beside the
        old one, or a second schema of a postgresql:// index renamed into place.

        Sources: the stored copy of each indexed file (or its original path), the
        stored pages of documents that have no file (lines of an archive), and the
        corpus folder when the old index cannot be read. When a document of the old
        index fails, nothing is swapped: the old index stays as it was.
        """
        target = _PostgresTarget(self.settings) if self.settings.index_url else _FolderTarget(self.settings)
        try:
            files, sources, kept = _old_documents(target.open_old())
        except AssistantError as exc:
            log(f"cannot read the old index ({exc}); rebuilding from {self.settings.corpus_dir}/")
            files, sources, kept = [], {}, []
        from_old = bool(files or kept)  # rebuilding the old index's own documents (not the corpus folder)
        if not from_old:
            files = [Path(self.settings.corpus_dir)]
        files, sources = target.stage(files, sources)
        fresh = Assistant(target.fresh_settings(), embedder=self.embedder)
        results = fresh.ingest(files + kept, on_result=lambda r: log(r.line()), sources=sources)
        fresh.index.close()
        failed = [r for r in results if r.status == "failed"]
        if failed and from_old:
            target.discard()  # swapping in would lose these documents: keep the old index as it is
            names = "; ".join(f"{r.source}: {r.reason}" for r in failed[:5]) + (" ..." if len(failed) > 5 else "")
            raise AssistantError(
                f"{len(failed)} document(s) could not be rebuilt ({names}); {self.settings.index_name} is unchanged. "
                f"Remove them with `assistant remove ID` or ingest a good copy, then run rebuild again.")
        with self._write, self._swap:
            if self._index is not None:
                self._index.close()
                self._index = None
            target.swap()
            self._searcher = None
        target.done()
        return results


class _FolderTarget:
    """Rebuilding a folder index: into `index.rebuild/` beside it, swapped in by renaming."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.target = Path(settings.index_dir)
        self.tmp = self.target.with_name(self.target.name + ".rebuild")
        self.staged = self.tmp.with_name(self.tmp.name + "-files")  # copies of stored files: the old folder goes

    def open_old(self) -> Store:
        return FolderStore(self.target)

    def stage(self, files: list[Path], sources: dict[Path, str]) -> tuple[list[Path], dict]:
        return _stage(files, sources, self.target, self.staged)

    def fresh_settings(self) -> Settings:
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        return dataclasses.replace(self.settings, index_dir=self.tmp)

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.staged, ignore_errors=True)

    def swap(self) -> None:
        for kept_file in ("followed.json",):  # state beside the index that documents do not give
            if (self.target / kept_file).exists():
                shutil.copy2(self.target / kept_file, self.tmp / kept_file)
        replace_folder(self.tmp, self.target)

    def done(self) -> None:
        shutil.rmtree(self.staged, ignore_errors=True)


class _PostgresTarget:
    """Rebuilding a postgresql:// index: into the schema `<schema>_rebuild` of the same database,
    swapped in by renaming in one transaction (the local folder, with followed.json, stays)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.fresh = f"{settings.index_schema}_rebuild"

    def open_old(self) -> Store:
        from .store.postgres import PostgresStore

        s = self.settings  # no model check: a rebuild is how an index changes its model
        return PostgresStore(s.index_url, cache_dir=Path(s.index_dir) / "files", schema=s.index_schema)

    def stage(self, files: list[Path], sources: dict[Path, str]) -> tuple[list[Path], dict]:
        return files, sources  # stored files are read from the local cache, which the swap leaves alone

    def fresh_settings(self) -> Settings:
        from .store.postgres import drop_schema

        drop_schema(self.settings.index_url, self.fresh)  # a rebuild that was interrupted before
        return dataclasses.replace(self.settings, index_schema=self.fresh)

    def discard(self) -> None:
        from .store.postgres import drop_schema

        drop_schema(self.settings.index_url, self.fresh)

    def swap(self) -> None:
        from .store.postgres import swap_schema

        swap_schema(self.settings.index_url, self.fresh, self.settings.index_schema)

    def done(self) -> None:
        pass


def _old_documents(old: Store) -> tuple[list[Path], dict[Path, str], list[LoadedDocument]]:
    """What an index's documents are rebuilt from: files (the original when it is still
    there, else the stored copy) with the sources they were indexed under, and documents rebuilt
    from their stored pages (lines of an archive, which have no file; official publications,
    whose pages were built from the XML and the PDF together, keeping their stored PDF)."""
    files: list[Path] = []
    sources: dict[Path, str] = {}
    kept: list[LoadedDocument] = []
    try:
        for doc_id, source, original in old.sources():
            stored = old.stored_file(doc_id)
            info = old.document(doc_id)
            doc = old.stored_document(doc_id) if info is not None and info.official else None
            if doc is not None:
                doc.keep_file = str(stored.path) if stored else None
                kept.append(doc)
                continue
            path = Path(original) if original and Path(original).exists() else (stored.path if stored else None)
            if path is not None:
                files.append(path)
                sources[path] = source
            elif (doc := old.stored_document(doc_id)) is not None:
                kept.append(doc)
    finally:
        old.close()
    return files, sources, kept


def _stage(files: list[Path], sources: dict[Path, str], target: Path, staged: Path) -> tuple[list[Path], dict]:
    """`files` with those inside the index folder `target` copied to `staged` (the folder is
    replaced before the rebuild is done with them), and their sources."""
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    staged_files, staged_sources = [], {}
    for p in files:
        if p.is_file() and target in p.resolve().parents:
            q = staged / p.name
            shutil.copy2(p, q)
            staged_files.append(q)
            staged_sources[q] = sources.get(p, p.name)
        else:
            staged_files.append(p)
            if p in sources:
                staged_sources[p] = sources[p]
    return staged_files, staged_sources
