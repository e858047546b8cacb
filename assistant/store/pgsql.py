"""The PostgreSQL index's schema, connections and lexical reads (used by store/postgres.py).

The schema lives in one PostgreSQL schema (`assistant` unless ASSISTANT_INDEX_SCHEMA says
otherwise), so a rebuild can fill a second one and swap it in by renaming:

  meta       format_version, model, dim, chunking, generation, created_at (JSON values)
  documents  one row per document (as the folder index has them)
  pages      the cleaned pages with their footnotes, reference marks and headings (for rebuilds)
  passages   the passages with their vectors (`vector(dim)`, an HNSW index by inner product),
             their Dutch stems (assistant.lexical.analyze of what BM25 reads) and how many (`len`)
  postings   (term, passage, tf, len): an inverted index of those stems (the passage's length
             repeated, so that BM25 reads no other table; tf and len in the primary key's index,
             so that a vacuumed table is read by index-only scans)
  terms      (term, df): passages per term, kept in the same transactions as the postings
  files      the stored original of each document (bytea)

BM25 is computed from the postings exactly as SQLite's FTS5 computes it for the folder index
(k1 1.2, b 0.75, idf = log((N - df + 0.5) / (df + 0.5)) floored at 1e-6, ties by passage id), so
both backends give the same lexical candidates.
"""
from __future__ import annotations

import math
import re
import threading
import zlib
from collections import Counter
from typing import Callable

import numpy as np

from ..types import AssistantError

FORMAT_VERSION = 1
K1, B = 1.2, 0.75  # BM25 as FTS5 has it
CONNECT_TIMEOUT_S = 5  # a server that does not answer: an error in seconds, not a hang
STATEMENT_TIMEOUT_MS = 120_000  # no statement of ours takes this long; a stuck one is ended
INSTALL_HINT = ("a postgresql:// index needs the PostgreSQL extra: pip install '.[postgres]' "
                "(psycopg, psycopg-pool and pgvector)")
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    """The schema name, checked: it is written into SQL and into the connection's search_path."""
    if not _SCHEMA_NAME.match(schema):
        raise AssistantError(f"ASSISTANT_INDEX_SCHEMA={schema!r} is not allowed: it takes a lowercase name of "
                             "letters, digits and underscores (a PostgreSQL schema); unset it for the default, "
                             "assistant")
    return schema


def lock_keys(schema: str) -> tuple[int, int]:
    """The advisory-lock keys of a schema: (the writers' session lock, each write transaction's)."""
    base = zlib.crc32(schema.encode()) & 0x7FFFFFFF
    return base * 2, base * 2 + 1


def connect_kwargs(schema: str, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS) -> dict:
    """psycopg.connect keywords: the schema first on the search path (pgvector's type in public),
    a connect timeout and a statement timeout."""
    return {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "policy-letter-assistant",
            "options": f"-c search_path={schema},public -c statement_timeout={int(statement_timeout_ms)}"}


def import_psycopg():
    """psycopg, or the line that says how to install it."""
    try:
        import psycopg
        import pgvector.psycopg  # noqa: F401 - what the store needs besides psycopg
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise AssistantError(INSTALL_HINT) from exc
    return psycopg


def unreachable(name: str, exc: BaseException) -> AssistantError:
    """One line for a database that cannot be reached: the URL without its password, the reason, what to do."""
    reason = " ".join(str(exc).split())[:240] or type(exc).__name__
    return AssistantError(f"cannot reach the PostgreSQL index {name} ({reason}). Check that the server runs and "
                          f"that the URL, user and password are right (--index or ASSISTANT_INDEX)")


def schema_statements(schema: str, dim: int) -> list[str]:
    """The statements that create an empty index in `schema` (vectors of `dim`)."""
    return [
        "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public",
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"SET LOCAL search_path = {schema}, public",
        "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
        """CREATE TABLE documents (
            id text PRIMARY KEY, source text NOT NULL UNIQUE, path text, media_type text, sha256 text NOT NULL,
            title text NOT NULL, date text, kenmerk text, kamerstuk text, kind text,
            signatories text NOT NULL DEFAULT '[]', pages integer NOT NULL, added_at double precision NOT NULL,
            official text)""",
        """CREATE TABLE pages (
            doc_id text NOT NULL REFERENCES documents(id) ON DELETE CASCADE, number integer NOT NULL,
            text text NOT NULL, footnotes text NOT NULL DEFAULT '{}', refs text NOT NULL DEFAULT '[]',
            headings text NOT NULL DEFAULT '[]', PRIMARY KEY (doc_id, number))""",
        f"""CREATE TABLE passages (
            id bigserial PRIMARY KEY, doc_id text NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal integer NOT NULL, text text NOT NULL, page integer NOT NULL, page_end integer NOT NULL,
            section text, footnotes text NOT NULL DEFAULT '[]', char_start integer NOT NULL,
            char_end integer NOT NULL, kind text NOT NULL DEFAULT 'body', stems text NOT NULL,
            len integer NOT NULL, vector public.vector({int(dim)}) NOT NULL)""",
        "CREATE INDEX passages_doc ON passages (doc_id, ordinal)",
        "CREATE INDEX passages_hnsw ON passages USING hnsw (vector public.vector_ip_ops)",
        """CREATE TABLE postings (
            term text COLLATE "C" NOT NULL, passage_id bigint NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            tf integer NOT NULL, len integer NOT NULL, PRIMARY KEY (term, passage_id) INCLUDE (tf, len))""",
        "CREATE INDEX postings_passage ON postings (passage_id)",
        'CREATE TABLE terms (term text COLLATE "C" PRIMARY KEY, df integer NOT NULL)',
        """CREATE TABLE files (
            doc_id text PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE, name text NOT NULL,
            media_type text, data bytea NOT NULL)""",
    ]


# -- writing the inverted index ------------------------------------------------------------------------
def add_postings(cur, ids: list[int], stems: list[list[str]]) -> None:
    """The passages' terms into `postings` (COPY), and their passage counts into `terms`."""
    df: Counter[str] = Counter()
    with cur.copy("COPY postings (term, passage_id, tf, len) FROM STDIN") as copy:
        for pid, toks in zip(ids, stems):
            counts = Counter(toks)
            df.update(counts.keys())
            for term, tf in counts.items():
                copy.write_row((term, pid, tf, len(toks)))
    if df:
        terms, counts = zip(*sorted(df.items()))  # sorted: two writers never lock terms in opposite orders
        cur.execute("INSERT INTO terms (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                    "ON CONFLICT (term) DO UPDATE SET df = terms.df + EXCLUDED.df", (list(terms), list(counts)))


def remove_postings(db, doc_id: str) -> None:
    """Take a document's passages out of `terms` (its postings go with the passages, by cascade)."""
    db.execute("""UPDATE terms SET df = terms.df - g.n FROM (
                      SELECT term, COUNT(*) AS n FROM postings WHERE passage_id IN
                          (SELECT id FROM passages WHERE doc_id = %s) GROUP BY term) g
                  WHERE terms.term = g.term""", (doc_id,))
    db.execute("DELETE FROM terms WHERE df <= 0")


# -- lexical reads ---------------------------------------------------------------------------------------
class PgLexical:
    """BM25 and the vocabulary reads over `postings` and `terms`; N and the mean passage length
    are read once per generation (a sum over every passage)."""

    def __init__(self, conn: Callable, generation: Callable[[], int]):
        self._conn = conn
        self._generation = generation
        self._stats: tuple[int, int, float] = (-1, 0, 0.0)  # (generation, passages, mean length)
        self._lock = threading.Lock()

    def stats(self) -> tuple[int, float]:
        """(passages, mean stems per passage) of the current generation."""
        generation = self._generation()
        with self._lock:
            if self._stats[0] != generation:
                with self._conn() as db:
                    n, total = db.execute("SELECT COUNT(*), COALESCE(SUM(len), 0) FROM passages").fetchone()
                self._stats = (generation, int(n), float(total) / n if n else 0.0)
            return self._stats[1], self._stats[2]

    def search(self, terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best passages holding any of `terms`, by BM25 (positive, higher is better)."""
        terms = list(dict.fromkeys(terms))
        if not terms or (allowed is not None and len(allowed) == 0):
            return []
        n, avgdl = self.stats()
        if not n:
            return []
        with self._conn() as db:
            # one core per question: parallel workers only slowed it down beside other questions
            db.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            df = dict(db.execute("SELECT term, df FROM terms WHERE term = ANY(%s)", (terms,)).fetchall())
            idf = {t: max(math.log((n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)), 1e-6) for t in terms}
            sql = ("SELECT o.passage_id, SUM(q.idf * o.tf * %s / (o.tf + %s * (1 - %s + %s * o.len / %s))) AS s "
                   "FROM postings o JOIN unnest(%s::text[], %s::float8[]) AS q(term, idf) USING (term) "
                   "WHERE o.term = ANY(%s)")  # the planner then reads the terms' postings by index
            args: list = [K1 + 1, K1, B, B, avgdl, list(idf), list(idf.values()), terms]
            if allowed is not None:
                sql += " AND o.passage_id = ANY(%s)"
                args.append(np.asarray(allowed, dtype=np.int64).tolist())
            sql += " GROUP BY o.passage_id ORDER BY s DESC, o.passage_id LIMIT %s"
            args.append(k)
            return [(int(pid), float(s)) for pid, s in db.execute(sql, args)]

    def doc_freqs(self, stems: list[str]) -> dict[str, int]:
        """How many passages hold each stem (stems no passage holds are left out)."""
        if not stems:
            return {}
        with self._conn() as db:
            return {t: int(df) for t, df in db.execute("SELECT term, df FROM terms WHERE term = ANY(%s) AND df > 0",
                                                        (list(dict.fromkeys(stems)),))}

    def near_terms(self, stems: list[str]) -> dict[str, dict[str, int]]:
        """Indexed terms sharing the first max(6, len - 2) letters of each stem of six letters or
        more (byte order, as FTS5's vocabulary is read); term -> passages."""
        prefixes = {t: t[: max(6, len(t) - 2)] for t in stems if len(t) >= 6 and not t.isdigit()}
        out: dict[str, dict[str, int]] = {t: {} for t in prefixes}
        if not prefixes:
            return out
        with self._conn() as db:
            rows = db.execute(
                "SELECT q.stem, t.term, t.df FROM unnest(%s::text[], %s::text[], %s::text[]) AS q(stem, lo, hi) "
                'JOIN terms t ON t.term >= q.lo COLLATE "C" AND t.term < q.hi COLLATE "C" AND t.df > 0',
                (list(prefixes), list(prefixes.values()), [p + "\uffff" for p in prefixes.values()])).fetchall()
        for stem, term, df in rows:
            if term != stem:
                out[stem][term] = int(df)
        return out

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]:
        """The indexed stems of some passages."""
        if not ids:
            return {}
        with self._conn() as db:
            return {int(i): set(s.split()) for i, s in db.execute("SELECT id, stems FROM passages WHERE id = ANY(%s)",
                                                                   ([int(i) for i in ids],))}
