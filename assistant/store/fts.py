"""Lexical reads of a folder index: SQLite FTS5 over the passages' Dutch stems.

    passages_fts    one row per passage (rowid = passage id): its stems (assistant.lexical.analyze
                    of its text, section, context, footnotes and document title)
    passages_vocab  FTS5's vocabulary of that table: how many passages hold each term

BM25 is FTS5's own; scores are returned positive, higher is better.
"""
from __future__ import annotations

import sqlite3
import threading
from typing import Iterator

import numpy as np

BATCH = 500  # ids per IN (...) list
TERM_BATCH = 200  # terms per IN (...) list
PREFIX_BATCH = 100  # prefix look-ups per UNION ALL query


def batches(items: list, size: int = BATCH) -> Iterator[tuple[list, str]]:
    """`items` in slices of `size`, each with the placeholders of its IN (...) list ('?,?,?')."""
    for i in range(0, len(items), size):
        part = items[i : i + size]
        yield part, ",".join("?" * len(part))


def match_any(terms: list[str]) -> str:
    """The FTS5 MATCH expression for passages holding any of `terms` (each quoted)."""
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


class FtsReads:
    """The lexical reads over one SQLite connection (shared, guarded by `lock`)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db = db
        self._lock = lock

    def search(self, terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """BM25 over the stems: the k best passages holding any of `terms`."""
        if not terms:
            return []
        sql = "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?"
        args: list = [match_any(terms)]
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

    def doc_freqs(self, stems: list[str]) -> dict[str, int]:
        """How many passages hold each stem (stems no passage holds are left out)."""
        stems = list(dict.fromkeys(stems))
        out: dict[str, int] = {}
        with self._lock:
            for part, marks in batches(stems, TERM_BATCH):
                try:
                    for term, df in self._db.execute(f"SELECT term, doc FROM passages_vocab WHERE term IN ({marks})",
                                                     part):
                        out[term] = int(df)
                except sqlite3.OperationalError:
                    break
        return out

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]:
        """The indexed stems (passage, section, footnotes, title) of some passages."""
        out: dict[int, set[str]] = {}
        with self._lock:
            for part, marks in batches(ids):
                for pid, stems in self._db.execute(f"SELECT rowid, stems FROM passages_fts WHERE rowid IN ({marks})",
                                                   part):
                    out[int(pid)] = set(stems.split())
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
                for i in range(0, len(parts), PREFIX_BATCH):
                    query = " UNION ALL ".join(parts[i : i + PREFIX_BATCH])
                    for stem, term, df in self._db.execute(query, args[3 * i : 3 * (i + PREFIX_BATCH)]):
                        if term != stem:
                            out[stem][term] = int(df)
            except sqlite3.OperationalError:  # an index without the vocabulary table: exact matching only
                return {}
        return out
