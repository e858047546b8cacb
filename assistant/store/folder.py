"""The default index: a folder where SQLite holds the truth and FAISS is a derived cache.

index/
  assistant.sqlite   documents, pages, passages (with their vectors), an FTS5 table of Dutch
                     stems, and `meta` (format version, model, dimension, chunking settings,
                     generation)
  vectors.faiss      FAISS index over the passage vectors (ids = passage ids; store/vectors.py)
  vectors.json       the generation the FAISS file was built from
  files/             a copy of every ingested file (served at #page=N; rebuild)
  write.lock         held by the process that writes

Every change to a document is one SQLite transaction, so a killed ingest leaves the last
committed state. The FAISS file is rewritten atomically after a change; when it is missing,
damaged or stale it is rebuilt from SQLite.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
from pathlib import Path
from types import MappingProxyType
from typing import Iterator

import numpy as np

from ..locks import LockBusy, file_lock
from ..types import AssistantError, DocumentInfo, DocumentMeta, IndexMismatchError, LoadedDocument, Page, Passage
from .base import PassageRow, Snapshot, StoredFile
from .fts import FtsReads, batches
from .vectors import FaissVectors, VectorCache

FORMAT_VERSION = 1
DB_NAME = "assistant.sqlite"
# the stored copy's extension when the source name has none (an official identifier such as kst-36450-3)
_EXTENSIONS = {"application/pdf": ".pdf", "text/html": ".html", "application/xml": ".xml",
               "application/vnd.oasis.opendocument.text": ".odt",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    path TEXT,
    stored_file TEXT,
    media_type TEXT,
    sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT,
    kenmerk TEXT,
    kamerstuk TEXT,
    kind TEXT,
    signatories TEXT NOT NULL DEFAULT '[]',
    pages INTEGER NOT NULL,
    added_at REAL NOT NULL,
    official TEXT
);
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    footnotes TEXT NOT NULL DEFAULT '{}',
    refs TEXT NOT NULL DEFAULT '[]',
    headings TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (doc_id, number)
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    section TEXT,
    footnotes TEXT NOT NULL DEFAULT '[]',
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    vector BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT 'body'
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, ordinal);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(stems, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS passages_vocab USING fts5vocab(passages_fts, 'row');
"""
# columns added later within format 1: where each page refers to its footnotes (for rebuilds),
# the headings a source format marks, the kind of each passage (footnotes became passages of
# their own), and an official publication's exact metadata
_ADDED_COLUMNS = [("pages", "refs", "TEXT NOT NULL DEFAULT '[]'"), ("pages", "headings", "TEXT NOT NULL DEFAULT '[]'"),
                  ("passages", "kind", "TEXT NOT NULL DEFAULT 'body'"), ("documents", "official", "TEXT")]


def slugify(name: str) -> str:
    """A readable document id from a file name: lowercase ascii, digits and dashes."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    slug = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    return (slug or "document")[:80].rstrip("-")


def replace_folder(new: Path, target: Path) -> None:
    """Swap a freshly built index folder into place (used by rebuild)."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _set_meta(db: sqlite3.Connection, key: str, value) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, json.dumps(value)))


class FolderStore:
    """An index folder opened for reading (and writing, under `write_lock`); see assistant.store.Store."""

    def __init__(self, path: Path, model_id: str | None = None, dim: int | None = None,
                 chunking: dict | None = None, create: bool = False):
        self.path = Path(path)
        self.db_path = self.path / DB_NAME
        if not self.db_path.exists():
            if not create:
                raise AssistantError(
                    f"no index at {self.path}/ yet. Build one with `assistant ingest corpus/` "
                    f"(or just ask: a missing index is built from corpus/ first)."
                )
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / "files").mkdir(exist_ok=True)
        self._lock = threading.RLock()
        self._db = self._connect()
        self._has_kind = True  # columns an index of before them lacks (read-only: not added)
        self._has_official = True
        self._init_or_check(model_id, dim, chunking, create)
        self.fts = FtsReads(self._db, self._lock)
        self.vectors = VectorCache(self.path, int(self.meta()["dim"]), self, self._try_write_lock)
        self._snapshot: Snapshot | None = None
        self._count: tuple[int, int] = (-1, 0)  # (generation, passages)

    # -- opening --------------------------------------------------------------------------------
    def _damaged(self, exc: Exception) -> IndexMismatchError:
        return IndexMismatchError(
            f"{self.db_path} is damaged or not an index database ({exc}). "
            f"Run `assistant rebuild --index {self.path}` to rebuild it from the stored files and corpus/."
        )

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.db_path, check_same_thread=False, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc
        return db

    def _init_or_check(self, model_id: str | None, dim: int | None, chunking: dict | None, create: bool) -> None:
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc
        if "meta" not in tables:
            if not create and tables:
                raise IndexMismatchError(
                    f"{self.db_path} is not an index of this assistant. Run `assistant rebuild --index {self.path}`."
                )
            self._create(model_id, dim, chunking)
            return
        self._check(self.meta(), model_id, dim)
        for table, column, decl in _ADDED_COLUMNS:
            with contextlib.suppress(sqlite3.OperationalError):  # a read-only index reads without them
                if column not in self._columns(table):
                    with self._lock:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
        self._has_kind = "kind" in self._columns("passages")
        self._has_official = "official" in self._columns("documents")

    def _columns(self, table: str) -> set[str]:
        with self._lock:
            return {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}

    def _create(self, model_id: str | None, dim: int | None, chunking: dict | None) -> None:
        if model_id is None or dim is None:
            raise AssistantError("a new index needs a model and its dimension")
        with self.transaction() as db:
            for stmt in _SCHEMA.strip().split(";\n"):
                if stmt.strip():
                    db.execute(stmt)
            for key, value in (("format_version", FORMAT_VERSION), ("model", model_id), ("dim", dim),
                               ("chunking", chunking or {}), ("generation", 0), ("created_at", time.time())):
                _set_meta(db, key, value)

    def _check(self, meta: dict, model_id: str | None, dim: int | None) -> None:
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"{self.path}/ has index format version {version}, this assistant reads version "
                f"{FORMAT_VERSION}. Run `assistant rebuild --index {self.path}` to rebuild it."
            )
        if model_id is not None and meta.get("model") != model_id:
            raise IndexMismatchError(
                f"{self.path}/ was built with the model {meta.get('model')!r} (dimension {meta.get('dim')}), "
                f"but the configured model is {model_id!r}. Set ASSISTANT_MODEL to the index's model, or run "
                f"`assistant rebuild --index {self.path}` to re-embed every document with the new model."
            )
        if dim is not None and meta.get("dim") != dim:
            raise IndexMismatchError(
                f"{self.path}/ holds vectors of dimension {meta.get('dim')}, the model gives {dim}. "
                f"Run `assistant rebuild --index {self.path}`."
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta, transactions, the writers' lock -------------------------------------------------------
    def meta(self) -> dict:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def generation(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(json.loads(row[0])) if row else 0

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute(begin)
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One atomic write; bumps nothing by itself."""
        return self._transaction("BEGIN IMMEDIATE")

    def _reading(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """Several reads from one committed state (a read transaction on the shared connection)."""
        return self._transaction("BEGIN")

    @contextlib.contextmanager
    def write_lock(self, wait: bool = True) -> Iterator[None]:
        """Serialises writers across processes (ingest, remove, rebuild)."""
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            with file_lock(self.path / "write.lock", wait=wait):
                yield
        except LockBusy as exc:
            raise AssistantError(f"another process is writing to {self.path}/; try again when it is done") from exc

    def _try_write_lock(self) -> contextlib.AbstractContextManager:
        return self.write_lock(wait=False)

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        row = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        _set_meta(db, "generation", int(json.loads(row[0])) + 1 if row else 1)

    # -- the snapshot of a question ----------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current generation's documents, passage count and FAISS index (cached per generation)."""
        generation = self.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._reading() as db:
            row = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
            generation = int(json.loads(row[0])) if row else 0
            documents = self._documents(db, "ORDER BY d.source", ())
            passages = int(db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
        vectors = FaissVectors(self.vectors.current(generation))
        snap = Snapshot(generation, MappingProxyType({d.id: d for d in documents}), passages, vectors)
        self._snapshot = snap
        return snap

    def faiss_index(self):
        """The FAISS index of the current generation (for tests and benchmarks)."""
        return self.vectors.current(self.generation())

    def dense_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.snapshot().dense_search(qvec, k, allowed)

    def sync_vectors(self) -> None:
        self.vectors.sync(self.generation())

    # -- documents ----------------------------------------------------------------------------------
    def _documents(self, db: sqlite3.Connection, where: str, args: tuple) -> list[DocumentInfo]:
        official = "d.official" if self._has_official else "NULL"  # a read-only index of before the column
        rows = db.execute(
            "SELECT d.id, d.source, d.title, d.date, d.kamerstuk, d.kenmerk, d.kind, d.pages, d.sha256, "
            f"d.signatories, (SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.id), {official} "
            f"FROM documents d {where}", args).fetchall()
        return [DocumentInfo(id=doc_id, source=source, title=title, date=date, kamerstuk=kamerstuk, kenmerk=kenmerk,
                             kind=kind, pages=pages, passages=n, sha256=sha, signatories=json.loads(sig or "[]"),
                             official=json.loads(off) if off else None)
                for doc_id, source, title, date, kamerstuk, kenmerk, kind, pages, sha, sig, n, off in rows]

    def documents(self) -> list[DocumentInfo]:
        with self._lock:
            return self._documents(self._db, "ORDER BY d.source", ())

    def document(self, doc_id: str) -> DocumentInfo | None:
        with self._lock:
            found = self._documents(self._db, "WHERE d.id = ?", (doc_id,))
        return found[0] if found else None

    def document_by_source(self, source: str) -> DocumentInfo | None:
        with self._lock:
            found = self._documents(self._db, "WHERE d.source = ?", (source,))
        return found[0] if found else None

    def stored_file(self, doc_id: str) -> StoredFile | None:
        """The stored copy of a document's file and its media type."""
        with self._lock:
            row = self._db.execute("SELECT stored_file, media_type FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if not row or not row[0]:
            return None
        path = self.path / "files" / row[0]
        return StoredFile(path, row[1]) if path.exists() else None

    def page_text(self, doc_id: str, number: int) -> tuple[str, dict] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text, footnotes FROM pages WHERE doc_id = ? AND number = ?", (doc_id, number)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def stored_document(self, doc_id: str) -> LoadedDocument | None:
        """A document as it was indexed (cleaned pages, footnotes, metadata), for rebuilding
        one whose original file is not kept, such as a line of a JSON-lines archive."""
        official = "official" if self._has_official else "NULL"
        with self._lock:
            row = self._db.execute(
                "SELECT source, COALESCE(path, ''), COALESCE(media_type, 'text/plain'), sha256, title, date, "
                f"kenmerk, kamerstuk, kind, signatories, {official} FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                return None
            pages = None
            for cols in ("refs, headings", "refs, '[]'", "'[]', '[]'"):  # older read-only indexes lack some
                with contextlib.suppress(sqlite3.OperationalError):
                    pages = self._db.execute(
                        f"SELECT number, text, footnotes, {cols} FROM pages WHERE doc_id = ? ORDER BY number",
                        (doc_id,)).fetchall()
                    break
        source, path, media_type, sha, title, date, kenmerk, kamerstuk, kind, sig, off = row
        meta = DocumentMeta(title=title, date=date, kenmerk=kenmerk, kamerstuk=kamerstuk, kind=kind,
                            signatories=json.loads(sig or "[]"), official=json.loads(off) if off else None)
        return LoadedDocument(
            source=source, path=path, sha256=sha, media_type=media_type, meta=meta,
            pages=[Page(n, text, json.loads(notes or "{}"), [tuple(r) for r in json.loads(refs or "[]")],
                        [tuple(h) for h in json.loads(heads or "[]")])
                   for n, text, notes, refs, heads in pages or []])

    def document_hashes(self) -> dict[str, str]:
        with self._lock:
            return {r[0]: r[1] for r in self._db.execute("SELECT id, sha256 FROM documents")}

    def sources(self) -> list[tuple[str, str, str]]:
        """(id, source, original path) of every document, for rebuilds."""
        with self._lock:
            return self._db.execute("SELECT id, source, COALESCE(path, '') FROM documents").fetchall()

    # -- writing ------------------------------------------------------------------------------------
    def put_document(self, doc: LoadedDocument, passages: list[Passage], vectors: np.ndarray,
                     lexical_texts: list[str], file_bytes: bytes | None = None) -> tuple[str, str]:
        """Add or replace a document in one transaction. Returns (status, doc id)."""
        from ..lexical import analyze

        if len(passages) != len(vectors) or len(passages) != len(lexical_texts):
            raise ValueError("passages, vectors and lexical texts differ in length")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        stems = [" ".join(analyze(t)) for t in lexical_texts]
        with self.transaction() as db:
            old = db.execute("SELECT id FROM documents WHERE source = ?", (doc.source,)).fetchone()
            if old:
                doc_id, status = old[0], "replaced"
                self._delete(db, doc_id)
            else:
                doc_id, status = self._new_id(db, doc.source), "added"
            stored = self._store_file(doc, doc_id, file_bytes) if file_bytes is not None else None
            self._insert(db, doc_id, doc, stored)
            for p, vec, passage_stems in zip(passages, vectors, stems):
                cur = db.execute(
                    "INSERT INTO passages (doc_id, ordinal, text, page, page_end, section, footnotes, char_start, "
                    "char_end, vector, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (doc_id, p.ordinal, p.text, p.page, p.page_end, p.section,
                     json.dumps(p.footnotes, ensure_ascii=False), p.char_start, p.char_end, vec.tobytes(), p.kind),
                )
                db.execute("INSERT INTO passages_fts (rowid, stems) VALUES (?, ?)", (cur.lastrowid, passage_stems))
            self._bump(db)
        return status, doc_id

    @staticmethod
    def _new_id(db: sqlite3.Connection, source: str) -> str:
        base = slugify(source)
        doc_id, n = base, 1
        while db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
            n += 1
            doc_id = f"{base}-{n}"
        return doc_id

    def _store_file(self, doc: LoadedDocument, doc_id: str, file_bytes: bytes) -> str:
        """Write the stored copy (atomically); returns its name in files/."""
        ext = os.path.splitext(doc.source)[1].lower() or _EXTENSIONS.get(doc.media_type, ".txt")
        stored = f"{doc_id}{ext}"
        (self.path / "files").mkdir(exist_ok=True)
        tmp = self.path / "files" / f".{stored}.tmp"
        tmp.write_bytes(file_bytes)
        os.replace(tmp, self.path / "files" / stored)
        return stored

    @staticmethod
    def _insert(db: sqlite3.Connection, doc_id: str, doc: LoadedDocument, stored: str | None) -> None:
        """The document's row and its pages."""
        m = doc.meta
        db.execute(
            "INSERT INTO documents (id, source, path, stored_file, media_type, sha256, title, date, kenmerk, "
            "kamerstuk, kind, signatories, pages, added_at, official) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc_id, doc.source, doc.path, stored, doc.media_type, doc.sha256,
             m.title or doc.source, m.date, m.kenmerk, m.kamerstuk, m.kind,
             json.dumps(m.signatories, ensure_ascii=False), len(doc.pages), time.time(),
             json.dumps(m.official, ensure_ascii=False) if m.official else None),
        )
        db.executemany(
            "INSERT INTO pages (doc_id, number, text, footnotes, refs, headings) VALUES (?,?,?,?,?,?)",
            [(doc_id, p.number, p.text, json.dumps(p.footnotes, ensure_ascii=False), json.dumps(p.refs),
              json.dumps(p.headings, ensure_ascii=False)) for p in doc.pages],
        )

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE doc_id = ?)", (doc_id,))
        db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM pages WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def remove(self, doc_id: str) -> bool:
        """Remove a document, its passages and vectors. False when the id is unknown."""
        with self.transaction() as db:
            row = db.execute("SELECT stored_file FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if not row:
                return False
            self._delete(db, doc_id)
            self._bump(db)
        if row[0]:
            with contextlib.suppress(FileNotFoundError):
                (self.path / "files" / row[0]).unlink()
        self.sync_vectors()
        return True

    # -- passages -------------------------------------------------------------------------------------
    def count(self) -> int:
        """Passages in the index; kept per generation (COUNT(*) reads the whole table:
        25 ms at a million passages)."""
        generation = self.generation()
        if self._count[0] != generation:
            with self._lock:
                self._count = (generation, int(self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]))
        return self._count[1]

    def passages(self, ids: list[int]) -> dict[int, PassageRow]:
        out: dict[int, PassageRow] = {}
        kind = "kind" if self._has_kind else "'body'"
        with self._lock:
            for part, marks in batches(ids):
                for r in self._db.execute(
                    "SELECT id, doc_id, ordinal, text, page, page_end, section, footnotes, char_start, char_end, "
                    f"{kind} FROM passages WHERE id IN ({marks})", part,
                ):
                    out[r[0]] = PassageRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], r[9],
                                           r[10])
        return out

    def passages_between(self, doc_id: str, first: int, last: int) -> list[PassageRow]:
        """A document's body passages (no footnotes) with ordinals first..last, in order."""
        body = " AND kind = 'body'" if self._has_kind else ""
        with self._lock:
            ids = [r[0] for r in self._db.execute(
                f"SELECT id FROM passages WHERE doc_id = ? AND ordinal BETWEEN ? AND ?{body} ORDER BY ordinal",
                (doc_id, first, last))]
        rows = self.passages(ids)
        return [rows[i] for i in ids if i in rows]

    def passage_ids_for(self, doc_ids: list[str] | None = None, date_from: str | None = None,
                        date_to: str | None = None) -> np.ndarray | None:
        """Passage ids allowed by a filter, or None when nothing is filtered."""
        if not doc_ids and not date_from and not date_to:
            return None
        where, args = [], []
        if doc_ids:
            where.append(f"d.id IN ({','.join('?' * len(doc_ids))})")
            args.extend(doc_ids)
        if date_from:
            where.append("d.date >= ?")
            args.append(date_from)
        if date_to:
            where.append("d.date <= ?")
            args.append(date_to)
        with self._lock:
            rows = self._db.execute(
                f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE {' AND '.join(where)}", args
            ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def passage_texts(self, doc_id: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT text FROM passages WHERE doc_id = ?", (doc_id,))]

    def passage_ids(self) -> np.ndarray:
        with self._lock:
            return np.array([r[0] for r in self._db.execute("SELECT id FROM passages")], dtype=np.int64)

    # -- vectors --------------------------------------------------------------------------------------
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        dim = int(self.meta()["dim"])
        with self._lock:
            rows = self._db.execute("SELECT id, vector FROM passages ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return ids, vecs

    def vectors_for(self, passage_ids: list[int]) -> dict[int, np.ndarray]:
        out = {}
        with self._lock:
            for part, marks in batches(passage_ids):
                for pid, blob in self._db.execute(f"SELECT id, vector FROM passages WHERE id IN ({marks})", part):
                    out[pid] = np.frombuffer(blob, dtype=np.float32)
        return out

    # -- lexical reads (FTS5, store/fts.py) ---------------------------------------------------------------
    def lexical_search(self, terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.fts.search(terms, k, allowed)

    def doc_freqs(self, stems: list[str]) -> dict[str, int]:
        return self.fts.doc_freqs(stems)

    def near_terms(self, stems: list[str]) -> dict[str, dict[str, int]]:
        return self.fts.near_terms(stems)

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]:
        return self.fts.stems_for(ids)
