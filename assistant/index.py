"""The index folder: SQLite holds the truth, FAISS is a derived cache.

index/
  assistant.sqlite   documents, pages, passages (with their vectors), an FTS5
                     table of Dutch stems, and `meta` (format version, model,
                     dimension, chunking settings, generation)
  vectors.faiss      FAISS index over the passage vectors (ids = passage ids)
  vectors.json       the generation the FAISS file was built from
  files/             a copy of every ingested file (served at #page=N; rebuild)
  write.lock         held by the process that writes

Every change to a document is one SQLite transaction, so a killed ingest
leaves the last committed state. The FAISS file is rewritten atomically after
a change; when it is missing, damaged or stale it is rebuilt from SQLite.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .types import AssistantError, DocumentInfo, DocumentMeta, IndexMismatchError, LoadedDocument, Page, Passage

FORMAT_VERSION = 1
# the stored copy's extension when the source name has none (an official identifier such as kst-36450-3)
_EXTENSIONS = {"application/pdf": ".pdf", "text/html": ".html", "application/xml": ".xml",
               "application/vnd.oasis.opendocument.text": ".odt",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}
DB_NAME = "assistant.sqlite"
FLAT_LIMIT = 50_000  # exact search up to this many passages (about 7 ms a question), IVF above
NPROBE = 48  # IVF lists searched per question (recall@10 >= 0.98 measured in benchmarks/bench_query.py)

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


@dataclass
class PassageRow:
    id: int
    doc_id: str
    ordinal: int
    text: str
    page: int
    page_end: int
    section: str | None
    footnotes: list[str]
    char_start: int
    char_end: int
    kind: str = "body"  # or "footnote"


def slugify(name: str) -> str:
    """A readable document id from a file name: lowercase ascii, digits and dashes."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    s = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return (s or "document")[:80].rstrip("-")


class Index:
    """An index folder opened for reading (and writing, under `write_lock`)."""

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
        self._faiss = None
        self._faiss_gen = -1
        self._count: tuple[int, int] = (-1, 0)  # (generation, passages)
        self._has_official = True  # the documents table has the `official` column (checked below)
        self._init_or_check(model_id, dim, chunking, create)

    # -- opening --------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.db_path, check_same_thread=False, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise IndexMismatchError(
                f"{self.db_path} is damaged or not an index database ({exc}). "
                f"Run `assistant rebuild --index {self.path}` to rebuild it from the stored files and corpus/."
            ) from exc
        return db

    def _init_or_check(self, model_id, dim, chunking, create) -> None:
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise IndexMismatchError(
                f"{self.db_path} is damaged or not an index database ({exc}). "
                f"Run `assistant rebuild --index {self.path}`."
            ) from exc
        if "meta" not in tables:
            if not create and tables:
                raise IndexMismatchError(
                    f"{self.db_path} is not an index of this assistant. Run `assistant rebuild --index {self.path}`."
                )
            if model_id is None or dim is None:
                raise AssistantError("a new index needs a model and its dimension")
            with self.transaction() as db:
                for stmt in _SCHEMA.strip().split(";\n"):
                    if stmt.strip():
                        db.execute(stmt)
                self._set_meta(db, "format_version", FORMAT_VERSION)
                self._set_meta(db, "model", model_id)
                self._set_meta(db, "dim", dim)
                self._set_meta(db, "chunking", chunking or {})
                self._set_meta(db, "generation", 0)
                self._set_meta(db, "created_at", time.time())
            self._has_kind = True
            return
        meta = self.meta()
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
        # added later within format 1: where each page refers to its footnotes (for rebuilds),
        # the kind of each passage (footnotes became passages of their own), the headings a source
        # format marks, and an official publication's exact metadata
        added = [("pages", "refs", "TEXT NOT NULL DEFAULT '[]'"), ("pages", "headings", "TEXT NOT NULL DEFAULT '[]'"),
                 ("passages", "kind", "TEXT NOT NULL DEFAULT 'body'"), ("documents", "official", "TEXT")]
        for table, column, decl in added:
            with contextlib.suppress(sqlite3.OperationalError):  # a read-only index reads without them
                if column not in {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}:
                    with self._lock:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
        self._has_kind = "kind" in {r[1] for r in self._db.execute("PRAGMA table_info(passages)")}
        self._has_official = "official" in {r[1] for r in self._db.execute("PRAGMA table_info(documents)")}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta -----------------------------------------------------------------
    def meta(self) -> dict:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        return {k: json.loads(v) for k, v in rows}

    @staticmethod
    def _set_meta(db, key: str, value) -> None:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def generation(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(json.loads(row[0])) if row else 0

    @contextlib.contextmanager
    def transaction(self):
        """One atomic write; bumps nothing by itself."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    @contextlib.contextmanager
    def write_lock(self, wait: bool = True):
        """Serialises writers across processes (ingest, remove, rebuild)."""
        self.path.mkdir(parents=True, exist_ok=True)
        fh = open(self.path / "write.lock", "a+")
        try:
            flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(fh, flags)
            except BlockingIOError as exc:
                raise AssistantError(f"another process is writing to {self.path}/; try again when it is done") from exc
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    # -- documents --------------------------------------------------------------
    def _doc_info(self, row) -> DocumentInfo:
        (doc_id, source, title, date, kamerstuk, kenmerk, kind, pages, sha, sig, n, official) = row
        return DocumentInfo(
            id=doc_id, source=source, title=title, date=date, kamerstuk=kamerstuk, kenmerk=kenmerk,
            kind=kind, pages=pages, passages=n, sha256=sha, signatories=json.loads(sig or "[]"),
            official=json.loads(official) if official else None,
        )

    @property
    def _DOC_COLS(self) -> str:
        return (
            "d.id, d.source, d.title, d.date, d.kamerstuk, d.kenmerk, d.kind, d.pages, d.sha256, d.signatories, "
            "(SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.id), "
            + ("d.official" if self._has_official else "NULL")  # a read-only index of before the column
        )

    def documents(self) -> list[DocumentInfo]:
        with self._lock:
            rows = self._db.execute(f"SELECT {self._DOC_COLS} FROM documents d ORDER BY d.source").fetchall()
        return [self._doc_info(r) for r in rows]

    def document(self, doc_id: str) -> DocumentInfo | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._DOC_COLS} FROM documents d WHERE d.id = ?", (doc_id,)).fetchone()
        return self._doc_info(row) if row else None

    def document_by_source(self, source: str) -> DocumentInfo | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._DOC_COLS} FROM documents d WHERE d.source = ?", (source,)).fetchone()
        return self._doc_info(row) if row else None

    def stored_file(self, doc_id: str) -> tuple[Path, str] | None:
        """The stored copy of a document's file and its media type."""
        with self._lock:
            row = self._db.execute("SELECT stored_file, media_type FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if not row or not row[0]:
            return None
        p = self.path / "files" / row[0]
        return (p, row[1]) if p.exists() else None

    def page_text(self, doc_id: str, number: int) -> tuple[str, dict] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text, footnotes FROM pages WHERE doc_id = ? AND number = ?", (doc_id, number)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def stored_document(self, doc_id: str) -> LoadedDocument | None:
        """A document as it was indexed (cleaned pages, footnotes, metadata), for rebuilding
        one whose original file is not kept, such as a line of a JSON-lines archive."""
        with self._lock:
            row = self._db.execute(
                "SELECT source, COALESCE(path, ''), COALESCE(media_type, 'text/plain'), sha256, title, date, "
                "kenmerk, kamerstuk, kind, signatories, " + ("official" if self._has_official else "NULL")
                + " FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                return None
            pages = None
            for cols in ("refs, headings", "refs, '[]'", "'[]', '[]'"):  # older read-only indexes lack some
                with contextlib.suppress(sqlite3.OperationalError):
                    pages = self._db.execute(
                        f"SELECT number, text, footnotes, {cols} FROM pages WHERE doc_id = ? ORDER BY number",
                        (doc_id,)).fetchall()
                    break
        source, path, media_type, sha, title, date, kenmerk, kamerstuk, kind, sig, official = row
        meta = DocumentMeta(title=title, date=date, kenmerk=kenmerk, kamerstuk=kamerstuk, kind=kind,
                            signatories=json.loads(sig or "[]"), official=json.loads(official) if official else None)
        return LoadedDocument(
            source=source, path=path, sha256=sha, media_type=media_type, meta=meta,
            pages=[Page(n, text, json.loads(notes or "{}"), [tuple(r) for r in json.loads(refs or "[]")],
                        [tuple(h) for h in json.loads(heads or "[]")])
                   for n, text, notes, refs, heads in pages or []])

    def sources(self) -> list[tuple[str, str, str]]:
        """(id, source, original path) of every document, for rebuilds."""
        with self._lock:
            return self._db.execute("SELECT id, source, COALESCE(path, '') FROM documents").fetchall()

    def _new_id(self, db, source: str) -> str:
        base = slugify(source)
        doc_id, n = base, 1
        while db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
            n += 1
            doc_id = f"{base}-{n}"
        return doc_id

    def put_document(self, doc: LoadedDocument, passages: list[Passage], vectors: np.ndarray,
                     lexical_texts: list[str], file_bytes: bytes | None = None) -> tuple[str, str]:
        """Add or replace a document in one transaction. Returns (status, doc id)."""
        from .lexical import analyze

        if len(passages) != len(vectors) or len(passages) != len(lexical_texts):
            raise ValueError("passages, vectors and lexical texts differ in length")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        stems = [" ".join(analyze(t)) for t in lexical_texts]
        with self.transaction() as db:
            old = db.execute("SELECT id, stored_file FROM documents WHERE source = ?", (doc.source,)).fetchone()
            if old:
                doc_id, status = old[0], "replaced"
                self._delete(db, doc_id)
            else:
                doc_id, status = self._new_id(db, doc.source), "added"
            stored = None
            if file_bytes is not None:
                ext = os.path.splitext(doc.source)[1].lower() or _EXTENSIONS.get(doc.media_type, ".txt")
                stored = f"{doc_id}{ext}"
                tmp = self.path / "files" / f".{stored}.tmp"
                (self.path / "files").mkdir(exist_ok=True)
                tmp.write_bytes(file_bytes)
                os.replace(tmp, self.path / "files" / stored)
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
            for p, vec, st in zip(passages, vectors, stems):
                cur = db.execute(
                    "INSERT INTO passages (doc_id, ordinal, text, page, page_end, section, footnotes, char_start, "
                    "char_end, vector, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (doc_id, p.ordinal, p.text, p.page, p.page_end, p.section,
                     json.dumps(p.footnotes, ensure_ascii=False), p.char_start, p.char_end, vec.tobytes(), p.kind),
                )
                db.execute("INSERT INTO passages_fts (rowid, stems) VALUES (?, ?)", (cur.lastrowid, st))
            self._bump(db)
        return status, doc_id

    def _delete(self, db, doc_id: str) -> None:
        db.execute("DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE doc_id = ?)", (doc_id,))
        db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM pages WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def _bump(self, db) -> None:
        row = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        self._set_meta(db, "generation", int(json.loads(row[0])) + 1 if row else 1)

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
        self.save_vectors()
        return True

    def count(self) -> int:
        """Passages in the index; kept per generation (COUNT(*) reads the whole table:
        25 ms at a million passages, on every question)."""
        gen = self.generation()
        if self._count[0] != gen:
            with self._lock:
                n = int(self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
            self._count = (gen, n)
        return self._count[1]

    # -- passages ---------------------------------------------------------------
    def passages(self, ids: list[int]) -> dict[int, PassageRow]:
        if not ids:
            return {}
        out: dict[int, PassageRow] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                q = ",".join("?" * len(part))
                kind = "kind" if self._has_kind else "'body'"
                for r in self._db.execute(
                    "SELECT id, doc_id, ordinal, text, page, page_end, section, footnotes, char_start, char_end, "
                    f"{kind} FROM passages WHERE id IN ({q})", part,
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

    def neighbours(self, doc_id: str, ordinal: int) -> list[PassageRow]:
        """The passages just before and after one passage (context in the web view), and itself."""
        return self.passages_between(doc_id, ordinal - 1, ordinal + 1)

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

    # -- lexical search -------------------------------------------------------------
    def lexical_search(self, match: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """BM25 over the stems; scores are positive, higher is better."""
        sql = "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?"
        args: list = [match]
        if allowed is not None:
            if len(allowed) == 0:
                return []
            sql += f" AND rowid IN ({','.join(str(int(i)) for i in allowed)})"
        sql += " ORDER BY bm25(passages_fts) LIMIT ?"
        args.append(k)
        with self._lock:
            try:
                return [(int(r[0]), float(r[1])) for r in self._db.execute(sql, args)]
            except sqlite3.OperationalError:
                return []

    def doc_freqs(self, stems: list[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each stem, and how many passages there are (for IDF)."""
        stems = list(dict.fromkeys(stems))
        out: dict[str, int] = {}
        n = self.count()
        with self._lock:
            for i in range(0, len(stems), 200):
                part = stems[i : i + 200]
                q = ",".join("?" * len(part))
                try:
                    for term, df in self._db.execute(f"SELECT term, doc FROM passages_vocab WHERE term IN ({q})", part):
                        out[term] = int(df)
                except sqlite3.OperationalError:
                    break
        return out, n

    # -- reads for lexical coverage (search.py) -------------------------------------
    def document_hashes(self) -> dict[str, str]:
        with self._lock:
            return {r[0]: r[1] for r in self._db.execute("SELECT id, sha256 FROM documents")}

    def passage_texts(self, doc_id: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT text FROM passages WHERE doc_id = ?", (doc_id,))]

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]:
        """The indexed stems (passage, section, footnotes, title) of some passages."""
        out: dict[int, set[str]] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                q = ",".join("?" * len(part))
                for pid, st in self._db.execute(f"SELECT rowid, stems FROM passages_fts WHERE rowid IN ({q})", part):
                    out[int(pid)] = set(st.split())
        return out

    def near_terms(self, stems: list[str]) -> dict[str, dict[str, int]]:
        """Indexed terms that share a long prefix with each stem (inflections, cognates, compounds):
        the first max(6, len - 2) letters, for stems of six letters or more. Term -> document count."""
        prefixes = {t: t[: max(6, len(t) - 2)] for t in stems if len(t) >= 6 and not t.isdigit()}
        out: dict[str, dict[str, int]] = {t: {} for t in prefixes}
        if not prefixes:
            return out
        parts, args = [], []
        for t, p in prefixes.items():
            parts.append("SELECT ?, term, doc FROM passages_vocab WHERE term >= ? AND term < ?")
            args += [t, p, p + "\uffff"]
        with self._lock:
            try:
                for i in range(0, len(parts), 100):
                    q = " UNION ALL ".join(parts[i : i + 100])
                    for t, term, d in self._db.execute(q, args[3 * i : 3 * (i + 100)]):
                        if term != t:
                            out[t][term] = int(d)
            except sqlite3.OperationalError:  # an index without the vocabulary table: exact matching only
                return {}
        return out

    # -- vectors ------------------------------------------------------------------
    def _all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        dim = int(self.meta()["dim"])
        with self._lock:
            rows = self._db.execute("SELECT id, vector FROM passages ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return ids, vecs

    def vector(self, passage_id: int) -> np.ndarray | None:
        with self._lock:
            row = self._db.execute("SELECT vector FROM passages WHERE id = ?", (passage_id,)).fetchone()
        return np.frombuffer(row[0], dtype=np.float32) if row else None

    def vectors_for(self, passage_ids: list[int]) -> dict[int, np.ndarray]:
        out = {}
        with self._lock:
            for i in range(0, len(passage_ids), 500):
                part = passage_ids[i : i + 500]
                q = ",".join("?" * len(part))
                for pid, blob in self._db.execute(f"SELECT id, vector FROM passages WHERE id IN ({q})", part):
                    out[pid] = np.frombuffer(blob, dtype=np.float32)
        return out

    @staticmethod
    def build_faiss(ids: np.ndarray, vecs: np.ndarray, dim: int):
        """Exact inner-product search while that is fast; an IVF index beyond FLAT_LIMIT passages."""
        import faiss

        if len(ids) > FLAT_LIMIT:
            nlist = ivf_lists(len(ids))
            quantizer = faiss.IndexFlatIP(dim)
            base = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = vecs[np.random.default_rng(0).choice(len(vecs), min(len(vecs), 40 * nlist), replace=False)]
            base.train(sample)
            base.nprobe = NPROBE
        else:
            base = faiss.IndexFlatIP(dim)
        index = faiss.IndexIDMap2(base)
        if len(ids):
            index.add_with_ids(vecs, ids)
        return index

    @staticmethod
    def _tune(index):
        import faiss

        base = faiss.downcast_index(index.index)
        if isinstance(base, faiss.IndexIVF):
            base.nprobe = NPROBE
        return index

    def save_vectors(self) -> None:
        """Bring the FAISS file up to the current generation (atomically).

        Incremental when possible: vectors of removed passages are taken out and
        new ones added, so a large index is not rebuilt (or retrained) for one
        new letter. Changes go to a copy: searches in progress keep their snapshot.
        """
        import faiss

        gen = self.generation()
        dim = int(self.meta()["dim"])
        with self._lock:
            db_ids = np.array([r[0] for r in self._db.execute("SELECT id FROM passages")], dtype=np.int64)
        current = self._faiss
        if current is None:
            with contextlib.suppress(OSError, RuntimeError):
                current = faiss.read_index(str(self.path / "vectors.faiss"))
        index = None
        if current is not None and current.d == dim and isinstance(current, faiss.IndexIDMap2):
            base = faiss.downcast_index(current.index)
            is_ivf = isinstance(base, faiss.IndexIVF)
            # an IVF index trained for a much smaller collection has too few lists: retrain
            fits = not is_ivf or base.nlist >= ivf_lists(len(db_ids)) // 2
            if is_ivf == (len(db_ids) > FLAT_LIMIT) and fits:
                have = faiss.vector_to_array(current.id_map).astype(np.int64)
                stale = np.setdiff1d(have, db_ids)
                new = np.setdiff1d(db_ids, have)
                index = faiss.clone_index(current)
                if len(stale):
                    index.remove_ids(faiss.IDSelectorBatch(stale))
                if len(new):
                    vecs = self.vectors_for([int(i) for i in new])
                    index.add_with_ids(np.stack([vecs[int(i)] for i in new]).astype(np.float32), new)
                index = self._tune(index)
        if index is None:
            ids, vecs = self._all_vectors()
            index = self.build_faiss(ids, vecs, dim)
        self._write_faiss(index, gen)
        with self._lock:
            self._faiss, self._faiss_gen = index, gen

    def _write_faiss(self, index, gen: int) -> None:
        import faiss

        tmp = self.path / ".vectors.faiss.tmp"
        faiss.write_index(index, str(tmp))
        os.replace(tmp, self.path / "vectors.faiss")
        tmpj = self.path / ".vectors.json.tmp"
        tmpj.write_text(json.dumps({"generation": gen, "count": int(index.ntotal)}))
        os.replace(tmpj, self.path / "vectors.json")

    def faiss_index(self):
        """The FAISS index for the current generation: from the file, or rebuilt from SQLite."""
        gen = self.generation()
        if self._faiss is not None and self._faiss_gen == gen:
            return self._faiss
        import faiss

        index = None
        try:
            stamp = json.loads((self.path / "vectors.json").read_text())
            if stamp.get("generation") == gen:
                index = faiss.read_index(str(self.path / "vectors.faiss"))
                if index.ntotal != stamp.get("count"):
                    index = None
        except (OSError, ValueError, RuntimeError):
            index = None  # missing, stale or damaged: rebuild from the database below
        if index is None:
            ids, vecs = self._all_vectors()
            index = self.build_faiss(ids, vecs, int(self.meta()["dim"]))
            with contextlib.suppress(OSError, AssistantError):
                if os.access(self.path, os.W_OK):
                    with self.write_lock(wait=False):
                        self._write_faiss(index, gen)
        else:
            index = self._tune(index)
        with self._lock:
            self._faiss, self._faiss_gen = index, gen
        return index

    def dense_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        index = self.faiss_index()
        if index.ntotal == 0:
            return []
        if allowed is not None and len(allowed) == 0:
            return []
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        # One question on one OpenMP thread: with two, FAISS waits on its barrier whenever
        # the other core is busy (measured at 100 thousand passages: median 3.5 ms on one
        # thread, 6.6-7.9 ms and p90 14-16 ms on two). The setting is this thread's own
        # (an OpenMP ICV), so an ingest in another thread keeps all cores; restored after.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self._search_faiss(index, q, k, allowed)
        finally:
            faiss.omp_set_num_threads(threads)

    @staticmethod
    def _search_faiss(index, q: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        if allowed is not None:
            sel = faiss.IDSelectorBatch(allowed)
            base = faiss.downcast_index(index.index)
            if isinstance(base, faiss.IndexIVF):
                # a filter keeps a share of every list: probe inversely more lists so that
                # as many allowed passages are compared as an unfiltered search compares
                share = max(len(allowed) / max(index.ntotal, 1), 1e-9)
                nprobe = min(base.nlist, int(np.ceil(NPROBE / share)))
                params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
            else:
                params = faiss.SearchParameters(sel=sel)
            scores, ids = index.search(q, min(k, index.ntotal), params=params)
        else:
            scores, ids = index.search(q, min(k, index.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def ivf_lists(n: int) -> int:
    """IVF lists for n vectors: about 4 * sqrt(n) (1,265 at 100 thousand, 4,000 at a million)."""
    return int(4 * np.sqrt(n))


def replace_index_dir(new: Path, target: Path) -> None:
    """Swap a freshly built index folder into place (used by rebuild)."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
