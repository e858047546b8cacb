"""A PostgreSQL index with pgvector: one corpus that several servers (and machines) share.

    assistant serve --index postgresql://USER:PASSWORD@HOST:PORT/DB     (or ASSISTANT_INDEX)

The tables (store/pgsql.py) are created on first use, in the schema ASSISTANT_INDEX_SCHEMA
(default `assistant`), with a format version in `meta`. Every change to a document is one
transaction that also bumps `generation`, under a transaction-level advisory lock, so two
ingests from two processes never interleave a document and never add one twice
(documents.source is unique). `write_lock()` is a session-level advisory lock on a connection
of its own: the writers' lock of the folder index, across machines; a killed writer's session
ends and with it the lock. Readers read `generation` once per question (one primary-key read)
and refresh their cached documents and BM25 statistics when it moved. Stored files are kept
in the database and copied to a local cache folder when served.

Connections come from a pool with a connect timeout and a statement timeout, and a database
that goes away gives a one-line AssistantError naming the URL (without its password), not a hang.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path
from types import MappingProxyType
from typing import Iterator

import numpy as np

from ..config import redact
from ..types import AssistantError, DocumentInfo, DocumentMeta, IndexMismatchError, LoadedDocument, Page, Passage
from .base import PassageRow, Snapshot, StoredFile
from .pgsql import (FORMAT_VERSION, PgLexical, add_postings, check_schema_name, connect_kwargs, import_psycopg,
                    lock_keys, remove_postings, schema_statements, unreachable)

EF_SEARCH = 200  # HNSW candidates per question (recall of the top 60 about 1.0 up to 100,000 passages)
POOL_SIZE = 8
POOL_TIMEOUT_S = 8  # waiting for a free (or, after the server went away, a new) connection
_EXTENSIONS = {"application/pdf": ".pdf", "text/html": ".html", "application/xml": ".xml",
               "application/vnd.oasis.opendocument.text": ".odt",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}
_PASSAGE_COLUMNS = "id, doc_id, ordinal, text, page, page_end, section, footnotes, char_start, char_end, kind"


def connect(url: str, schema: str = "assistant", autocommit: bool = False, statement_timeout_ms: int | None = None):
    """One connection outside the pool (schema checks, the writers' lock, swaps); AssistantError
    when the server cannot be reached."""
    psycopg = import_psycopg()
    kwargs = connect_kwargs(schema) if statement_timeout_ms is None else connect_kwargs(schema, statement_timeout_ms)
    try:
        return psycopg.connect(url, autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as exc:
        raise unreachable(redact(url), exc) from exc


def index_in_database(url: str, schema: str = "assistant") -> bool:
    """Whether the database holds an index in `schema` (its `meta` table)."""
    with contextlib.closing(connect(url, schema, autocommit=True)) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{schema}.meta",)).fetchone()[0]


def drop_schema(url: str, schema: str) -> None:
    """Remove an index schema and everything in it (a failed or finished rebuild's leftovers)."""
    with contextlib.closing(connect(url, schema, autocommit=True)) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {check_schema_name(schema)} CASCADE")


def swap_schema(url: str, fresh: str, target: str) -> None:
    """Put the rebuilt index `fresh` in the place of `target` in one transaction. Its generation
    is set past the old one's, so that every server sees the change and drops its caches."""
    with contextlib.closing(connect(url, target)) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_keys(target)[1],))
        generations = [0]
        for schema in (target, fresh):
            if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{schema}.meta",)).fetchone()[0]:
                row = conn.execute(f"SELECT value FROM {schema}.meta WHERE key = 'generation'").fetchone()
                generations.append(int(json.loads(row[0])) if row else 0)
        conn.execute(f"UPDATE {fresh}.meta SET value = %s WHERE key = 'generation'",
                     (json.dumps(max(generations) + 1),))
        conn.execute(f"DROP SCHEMA IF EXISTS {target} CASCADE")
        conn.execute(f"ALTER SCHEMA {fresh} RENAME TO {target}")


class PostgresVectors:
    """The dense half of a question: pgvector's HNSW index by inner product; with a filter, an
    exact scan of the allowed passages (as FAISS gives them)."""

    def __init__(self, store: "PostgresStore"):
        self._store = store

    def search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k passages nearest to `qvec` (among `allowed`), best first, with their inner products."""
        if allowed is not None and len(allowed) == 0:
            return []
        q = np.ascontiguousarray(qvec, dtype=np.float32).reshape(-1)
        with self._store._conn() as db:
            if allowed is None:
                db.execute(f"SET LOCAL hnsw.ef_search = {min(max(EF_SEARCH, int(k)), 1000)}")
                rows = db.execute("SELECT id, -(vector <#> %s) FROM passages ORDER BY vector <#> %s LIMIT %s",
                                  (q, q, k)).fetchall()
            else:  # ordering by the score (not the operator) keeps the planner off the HNSW index: exact
                rows = db.execute("SELECT id, -(vector <#> %s) AS s FROM passages WHERE id = ANY(%s) "
                                  "ORDER BY s DESC, id LIMIT %s",
                                  (q, np.asarray(allowed, dtype=np.int64).tolist(), k)).fetchall()
        return sorted(((int(i), float(s)) for i, s in rows), key=lambda r: -r[1])


class PostgresStore:
    """An index in a PostgreSQL database (see the module docstring); implements assistant.store.Store."""

    def __init__(self, url: str, model_id: str | None = None, dim: int | None = None, chunking: dict | None = None,
                 create: bool = False, cache_dir: Path | None = None, schema: str = "assistant"):
        """Open the index in `schema` of the database at `url` (with `create`, make it when missing),
        checked against the model; `cache_dir` holds the local copies of stored files."""
        import_psycopg()
        from psycopg_pool import ConnectionPool

        self.url = url
        self.name = redact(url)
        self.schema = check_schema_name(schema)
        self._writers_key, self._tx_key = lock_keys(schema)
        self.path = Path(cache_dir) if cache_dir else Path.home() / ".cache" / "policy-letter-assistant" / "pg-files"
        self._snapshot: Snapshot | None = None
        with contextlib.closing(connect(url, schema)) as conn:  # a clear error before any pool starts
            self._init_or_check(conn, model_id, dim, chunking, create)
        self._pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, open=True, configure=self._configure,
                                    kwargs=connect_kwargs(schema), timeout=POOL_TIMEOUT_S,
                                    check=ConnectionPool.check_connection, name=f"index-{schema}")
        self.vectors = PostgresVectors(self)
        self.lexical = PgLexical(self._conn, self.generation)

    # -- connections ----------------------------------------------------------------------------------
    @staticmethod
    def _configure(conn) -> None:
        from pgvector.psycopg import register_vector

        register_vector(conn)
        conn.commit()

    @contextlib.contextmanager
    def _conn(self) -> Iterator:
        """A pooled connection in a transaction, committed at the end (rolled back on an error);
        a database that went away or a statement past its timeout gives an AssistantError."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as conn, conn.transaction():
                yield conn
        except psycopg.errors.QueryCanceled as exc:
            raise AssistantError(f"the PostgreSQL index {self.name} did not answer in time ({exc}); "
                                 "check the server's load and try again") from exc
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise unreachable(self.name, exc) from exc

    def close(self) -> None:
        self._pool.close()

    # -- opening --------------------------------------------------------------------------------------
    def _init_or_check(self, conn, model_id: str | None, dim: int | None, chunking: dict | None,
                       create: bool) -> None:
        """Create the schema (under a lock: two servers may start at once) or check the one there."""
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._tx_key,))
            if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{self.schema}.meta",)).fetchone()[0]:
                if not create:
                    raise AssistantError(f"no index in {self.name} yet. Build one with `assistant ingest corpus/ "
                                         "--index URL` (or just ask: a missing index is built from corpus/ first)")
                if model_id is None or dim is None:
                    raise AssistantError("a new index needs a model and its dimension")
                self._create(conn, model_id, dim, chunking)
                return
            meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        self._check(meta, model_id, dim)

    def _create(self, conn, model_id: str, dim: int, chunking: dict | None) -> None:
        """The tables and the meta rows, in the caller's transaction; what the server refuses, said plainly."""
        import psycopg

        try:
            for stmt in schema_statements(self.schema, dim):
                conn.execute(stmt)
        except psycopg.errors.FeatureNotSupported as exc:
            raise AssistantError(f"{self.name} cannot hold vectors: the pgvector extension is not installed on the "
                                 f"server ({exc})") from exc
        except psycopg.errors.InsufficientPrivilege as exc:
            raise AssistantError(f"cannot create the index in {self.name} ({exc}); a superuser can run "
                                 f"CREATE EXTENSION vector, and the user needs CREATE on the database") from exc
        for key, value in (("format_version", FORMAT_VERSION), ("model", model_id), ("dim", dim),
                           ("chunking", chunking or {}), ("generation", 0), ("created_at", time.time())):
            self._set_meta(conn, key, value)

    def _check(self, meta: dict, model_id: str | None, dim: int | None) -> None:
        """The index's format, model and dimension against this assistant's (as the folder checks them)."""
        if meta.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(f"{self.name} has index format version {meta.get('format_version')}, this "
                                     f"assistant reads version {FORMAT_VERSION}. Run `assistant rebuild`.")
        if model_id is not None and meta.get("model") != model_id:
            raise IndexMismatchError(
                f"{self.name} was built with the model {meta.get('model')!r} (dimension {meta.get('dim')}), but the "
                f"configured model is {model_id!r}. Set ASSISTANT_MODEL to the index's model, or run "
                "`assistant rebuild --index URL` to re-embed every document with the new model.")
        if dim is not None and meta.get("dim") != dim:
            raise IndexMismatchError(f"{self.name} holds vectors of dimension {meta.get('dim')}, the model gives "
                                     f"{dim}. Run `assistant rebuild --index URL`.")

    # -- meta, generation, the writers' lock ------------------------------------------------------------
    @staticmethod
    def _set_meta(db, key: str, value) -> None:
        db.execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                   "EXCLUDED.value", (key, json.dumps(value)))

    def meta(self) -> dict:
        with self._conn() as db:
            rows = db.execute("SELECT key, value FROM meta").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def generation(self) -> int:
        with self._conn() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(json.loads(row[0])) if row else 0

    @staticmethod
    def _bump(db) -> None:
        db.execute("UPDATE meta SET value = ((value::bigint) + 1)::text WHERE key = 'generation'")

    @contextlib.contextmanager
    def write_lock(self, wait: bool = True) -> Iterator[None]:
        """Serialises writers across processes and machines: a session advisory lock on a
        connection of its own (no statement timeout: a second writer waits its turn)."""
        conn = connect(self.url, self.schema, autocommit=True, statement_timeout_ms=0)
        try:
            if wait:
                conn.execute("SELECT pg_advisory_lock(%s)", (self._writers_key,))
            elif not conn.execute("SELECT pg_try_advisory_lock(%s)", (self._writers_key,)).fetchone()[0]:
                raise AssistantError(f"another process is writing to {self.name}; try again when it is done")
            yield
        finally:
            conn.close()  # ends the session, and with it the lock

    # -- the snapshot of a question -------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current generation's documents and passage count, read once per generation."""
        generation = self.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._conn() as db:
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            generation = int(json.loads(row[0])) if row else 0
            documents = self._documents(db, "ORDER BY d.source", ())
            passages = int(db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
        snap = Snapshot(generation, MappingProxyType({d.id: d for d in documents}), passages, self.vectors)
        self._snapshot = snap
        return snap

    def dense_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.vectors.search(qvec, k, allowed)

    def sync_vectors(self) -> None:
        """After an ingest: pgvector's index changed with the rows already; VACUUM marks the new
        postings visible to all, so that BM25 reads them by index-only scans (50 -> 8 ms per
        question at 10,000 synthetic passages), and ANALYZE keeps the planner's counts right."""
        with contextlib.closing(connect(self.url, self.schema, autocommit=True, statement_timeout_ms=0)) as conn:
            conn.execute("VACUUM (ANALYZE) postings, passages, terms")

    # -- documents ------------------------------------------------------------------------------------
    @staticmethod
    def _documents(db, where: str, args: tuple) -> list[DocumentInfo]:
        """The documents a WHERE/ORDER BY clause selects, with their passage counts."""
        rows = db.execute(
            "SELECT d.id, d.source, d.title, d.date, d.kamerstuk, d.kenmerk, d.kind, d.pages, d.sha256, "
            "d.signatories, (SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.id), d.official "
            f"FROM documents d {where}", args).fetchall()
        return [DocumentInfo(id=doc_id, source=source, title=title, date=date, kamerstuk=kamerstuk, kenmerk=kenmerk,
                             kind=kind, pages=pages, passages=int(n), sha256=sha,
                             signatories=json.loads(sig or "[]"), official=json.loads(off) if off else None)
                for doc_id, source, title, date, kamerstuk, kenmerk, kind, pages, sha, sig, n, off in rows]

    def documents(self) -> list[DocumentInfo]:
        with self._conn() as db:
            return self._documents(db, "ORDER BY d.source", ())

    def document(self, doc_id: str) -> DocumentInfo | None:
        with self._conn() as db:
            found = self._documents(db, "WHERE d.id = %s", (doc_id,))
        return found[0] if found else None

    def document_by_source(self, source: str) -> DocumentInfo | None:
        with self._conn() as db:
            found = self._documents(db, "WHERE d.source = %s", (source,))
        return found[0] if found else None

    def stored_file(self, doc_id: str) -> StoredFile | None:
        """The stored copy, written to the local cache folder (by content hash) the first time it is asked for."""
        with self._conn() as db:
            row = db.execute("SELECT f.name, f.media_type, d.sha256 FROM files f JOIN documents d ON d.id = f.doc_id "
                             "WHERE f.doc_id = %s", (doc_id,)).fetchone()
            if row is None:
                return None
            name, media_type, sha = row
            path = self.path / sha[:16] / name
            if not path.exists():
                data = db.execute("SELECT data FROM files WHERE doc_id = %s", (doc_id,)).fetchone()[0]
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_bytes(bytes(data))
                os.replace(tmp, path)
        return StoredFile(path, media_type)

    def page_text(self, doc_id: str, number: int) -> tuple[str, dict] | None:
        with self._conn() as db:
            row = db.execute("SELECT text, footnotes FROM pages WHERE doc_id = %s AND number = %s",
                             (doc_id, number)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def stored_document(self, doc_id: str) -> LoadedDocument | None:
        """A document as it was indexed (pages, footnotes, metadata), for rebuilds."""
        with self._conn() as db:
            row = db.execute(
                "SELECT source, COALESCE(path, ''), COALESCE(media_type, 'text/plain'), sha256, title, date, "
                "kenmerk, kamerstuk, kind, signatories, official FROM documents WHERE id = %s", (doc_id,)).fetchone()
            if row is None:
                return None
            pages = db.execute("SELECT number, text, footnotes, refs, headings FROM pages WHERE doc_id = %s "
                               "ORDER BY number", (doc_id,)).fetchall()
        source, path, media_type, sha, title, date, kenmerk, kamerstuk, kind, sig, off = row
        meta = DocumentMeta(title=title, date=date, kenmerk=kenmerk, kamerstuk=kamerstuk, kind=kind,
                            signatories=json.loads(sig or "[]"), official=json.loads(off) if off else None)
        return LoadedDocument(
            source=source, path=path, sha256=sha, media_type=media_type, meta=meta,
            pages=[Page(n, text, json.loads(notes), [tuple(r) for r in json.loads(refs)],
                        [tuple(h) for h in json.loads(heads)]) for n, text, notes, refs, heads in pages])

    def document_hashes(self) -> dict[str, str]:
        with self._conn() as db:
            return {r[0]: r[1] for r in db.execute("SELECT id, sha256 FROM documents ORDER BY added_at, id")}

    def sources(self) -> list[tuple[str, str, str]]:
        with self._conn() as db:
            return [tuple(r) for r in db.execute("SELECT id, source, COALESCE(path, '') FROM documents")]

    # -- writing --------------------------------------------------------------------------------------
    def put_document(self, doc: LoadedDocument, passages: list[Passage], vectors: np.ndarray,
                     lexical_texts: list[str], file_bytes: bytes | None = None) -> tuple[str, str]:
        """Add or replace a document in one transaction. Returns (status, doc id)."""
        from ..lexical import analyze

        if len(passages) != len(vectors) or len(passages) != len(lexical_texts):
            raise ValueError("passages, vectors and lexical texts differ in length")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        stems = [analyze(t) for t in lexical_texts]
        with self._conn() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (self._tx_key,))
            old = db.execute("SELECT id FROM documents WHERE source = %s", (doc.source,)).fetchone()
            if old:
                doc_id, status = old[0], "replaced"
                self._delete(db, doc_id)
            else:
                doc_id, status = self._new_id(db, doc.source), "added"
            self._insert(db, doc_id, doc)
            with db.cursor() as cur:
                ids = []
                for p, vec, passage_stems in zip(passages, vectors, stems):
                    cur.execute(
                        "INSERT INTO passages (doc_id, ordinal, text, page, page_end, section, footnotes, char_start, "
                        "char_end, kind, stems, len, vector) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                        "RETURNING id",
                        (doc_id, p.ordinal, p.text, p.page, p.page_end, p.section,
                         json.dumps(p.footnotes, ensure_ascii=False), p.char_start, p.char_end, p.kind,
                         " ".join(passage_stems), len(passage_stems), vec))
                    ids.append(cur.fetchone()[0])
                add_postings(cur, ids, stems)
            if file_bytes is not None:
                ext = os.path.splitext(doc.source)[1].lower() or _EXTENSIONS.get(doc.media_type, ".txt")
                db.execute("INSERT INTO files (doc_id, name, media_type, data) VALUES (%s, %s, %s, %s)",
                           (doc_id, f"{doc_id}{ext}", doc.media_type, file_bytes))
            self._bump(db)
        return status, doc_id

    @staticmethod
    def _new_id(db, source: str) -> str:
        """A readable slug of the source, unique (as the folder index makes them)."""
        from .folder import slugify

        base = slugify(source)
        doc_id, n = base, 1
        while db.execute("SELECT 1 FROM documents WHERE id = %s", (doc_id,)).fetchone():
            n += 1
            doc_id = f"{base}-{n}"
        return doc_id

    @staticmethod
    def _insert(db, doc_id: str, doc: LoadedDocument) -> None:
        """The document's row and its pages."""
        m = doc.meta
        db.execute(
            "INSERT INTO documents (id, source, path, media_type, sha256, title, date, kenmerk, kamerstuk, kind, "
            "signatories, pages, added_at, official) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (doc_id, doc.source, doc.path, doc.media_type, doc.sha256, m.title or doc.source, m.date, m.kenmerk,
             m.kamerstuk, m.kind, json.dumps(m.signatories, ensure_ascii=False), len(doc.pages), time.time(),
             json.dumps(m.official, ensure_ascii=False) if m.official else None))
        with db.cursor() as cur:
            cur.executemany(
                "INSERT INTO pages (doc_id, number, text, footnotes, refs, headings) VALUES (%s,%s,%s,%s,%s,%s)",
                [(doc_id, p.number, p.text, json.dumps(p.footnotes, ensure_ascii=False), json.dumps(p.refs),
                  json.dumps(p.headings, ensure_ascii=False)) for p in doc.pages])

    @staticmethod
    def _delete(db, doc_id: str) -> None:
        remove_postings(db, doc_id)
        db.execute("DELETE FROM documents WHERE id = %s", (doc_id,))  # pages, passages, postings, files cascade

    def remove(self, doc_id: str) -> bool:
        """Remove a document, its passages, vectors and stored file. False when the id is unknown."""
        with self._conn() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (self._tx_key,))
            if not db.execute("SELECT 1 FROM documents WHERE id = %s", (doc_id,)).fetchone():
                return False
            self._delete(db, doc_id)
            self._bump(db)
        return True

    # -- passages and vectors -------------------------------------------------------------------------
    def count(self) -> int:
        return self.snapshot().passages

    def passages(self, ids: list[int]) -> dict[int, PassageRow]:
        if not ids:
            return {}
        with self._conn() as db:
            rows = db.execute(f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE id = ANY(%s)",
                              ([int(i) for i in ids],)).fetchall()
        return {r[0]: PassageRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], r[9], r[10])
                for r in rows}

    def passages_between(self, doc_id: str, first: int, last: int) -> list[PassageRow]:
        """A document's body passages (no footnotes) with ordinals first..last, in order."""
        with self._conn() as db:
            rows = db.execute(f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE doc_id = %s AND ordinal BETWEEN %s "
                              "AND %s AND kind = 'body' ORDER BY ordinal", (doc_id, first, last)).fetchall()
        return [PassageRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], r[9], r[10]) for r in rows]

    def passage_ids_for(self, doc_ids: list[str] | None = None, date_from: str | None = None,
                        date_to: str | None = None) -> np.ndarray | None:
        """Passage ids allowed by a filter, or None when nothing is filtered."""
        if not doc_ids and not date_from and not date_to:
            return None
        where, args = [], []
        for clause, value in (("d.id = ANY(%s)", list(doc_ids or []) or None), ("d.date >= %s", date_from),
                              ("d.date <= %s", date_to)):
            if value:
                where.append(clause)
                args.append(value)
        with self._conn() as db:
            rows = db.execute("SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE "
                              + " AND ".join(where), args).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def passage_texts(self, doc_id: str) -> list[str]:
        with self._conn() as db:
            return [r[0] for r in db.execute("SELECT text FROM passages WHERE doc_id = %s ORDER BY id", (doc_id,))]

    def vectors_for(self, passage_ids: list[int]) -> dict[int, np.ndarray]:
        if not passage_ids:
            return {}
        with self._conn() as db:
            rows = db.execute("SELECT id, vector FROM passages WHERE id = ANY(%s)",  # binary: no text to parse
                              ([int(i) for i in passage_ids],), binary=True).fetchall()
        return {int(i): np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32) for i, v in rows}

    # -- lexical reads (store/pgsql.py) ---------------------------------------------------------------
    def lexical_search(self, terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.lexical.search(terms, k, allowed)

    def doc_freqs(self, stems: list[str]) -> dict[str, int]:
        return self.lexical.doc_freqs(stems)

    def near_terms(self, stems: list[str]) -> dict[str, dict[str, int]]:
        return self.lexical.near_terms(stems)

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]:
        return self.lexical.stems_for(ids)
