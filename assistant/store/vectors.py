"""The FAISS cache of a folder index: derived from the vectors in SQLite, never the truth.

    vectors.faiss   FAISS index over the passage vectors (ids = passage ids)
    vectors.json    the generation (and count) the FAISS file was built from

`VectorCache.current(generation)` gives the index of a generation: kept in memory, read from
the file when its stamp matches, rebuilt from the store when the file is missing, damaged or
stale. `VectorCache.sync(generation)` brings the file up to a new generation after writes,
incrementally where it can. Exact search up to FLAT_LIMIT passages, IVF above.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from ..types import AssistantError

FLAT_LIMIT = 50_000  # exact search up to this many passages (about 7 ms a question), IVF above
NPROBE = 48  # IVF lists searched per question (recall@10 >= 0.98 measured in benchmarks/bench_query.py)
FAISS_FILE = "vectors.faiss"
STAMP_FILE = "vectors.json"


class VectorSource(Protocol):
    """What the cache reads from the store it mirrors."""

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]: ...  # (ids, vectors), ordered by id

    def vectors_for(self, passage_ids: list[int]) -> dict[int, np.ndarray]: ...

    def passage_ids(self) -> np.ndarray: ...


def ivf_lists(n: int) -> int:
    """IVF lists for n vectors: about 4 * sqrt(n) (1,265 at 100 thousand, 4,000 at a million)."""
    return int(4 * np.sqrt(n))


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


def _tune(index):
    import faiss

    base = faiss.downcast_index(index.index)
    if isinstance(base, faiss.IndexIVF):
        base.nprobe = NPROBE
    return index


class FaissVectors:
    """One FAISS index as a `VectorSearch` (see assistant.store.Snapshot)."""

    def __init__(self, index):
        self.index = index

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        if self.index.ntotal == 0 or (allowed is not None and len(allowed) == 0):
            return []
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        # One question on one OpenMP thread: with two, FAISS waits on its barrier whenever
        # the other core is busy (measured at 100 thousand passages: median 3.5 ms on one
        # thread, 6.6-7.9 ms and p90 14-16 ms on two). The setting is this thread's own
        # (an OpenMP ICV), so an ingest in another thread keeps all cores; restored after.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return search_faiss(self.index, q, k, allowed)
        finally:
            faiss.omp_set_num_threads(threads)


def search_faiss(index, q: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
    """The k nearest of `q` in `index`, among the `allowed` ids when given."""
    import faiss

    if allowed is not None:
        selector = faiss.IDSelectorBatch(allowed)
        base = faiss.downcast_index(index.index)
        if isinstance(base, faiss.IndexIVF):
            # a filter keeps a share of every list: probe inversely more lists so that
            # as many allowed passages are compared as an unfiltered search compares
            share = max(len(allowed) / max(index.ntotal, 1), 1e-9)
            nprobe = min(base.nlist, int(np.ceil(NPROBE / share)))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        else:
            params = faiss.SearchParameters(sel=selector)
        scores, ids = index.search(q, min(k, index.ntotal), params=params)
    else:
        scores, ids = index.search(q, min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


class VectorCache:
    """The FAISS index of a folder store, in memory and in its folder (see the module docstring).

    `try_write_lock()` gives a context that holds the store's writers' lock without waiting,
    or raises AssistantError: a reader that had to rebuild the index writes the file back only then.
    """

    def __init__(self, folder: Path, dim: int, source: VectorSource,
                 try_write_lock: Callable[[], contextlib.AbstractContextManager]):
        self.folder = Path(folder)
        self.dim = dim
        self.source = source
        self._try_write_lock = try_write_lock
        self._index = None
        self._generation = -1
        self._lock = threading.Lock()

    def current(self, generation: int):
        """The FAISS index of `generation`: in memory, from the file, or rebuilt from the store."""
        with self._lock:
            if self._index is not None and self._generation == generation:
                return self._index
        import faiss

        index = None
        try:
            stamp = json.loads((self.folder / STAMP_FILE).read_text())
            if stamp.get("generation") == generation:
                index = faiss.read_index(str(self.folder / FAISS_FILE))
                if index.ntotal != stamp.get("count"):
                    index = None
        except (OSError, ValueError, RuntimeError):
            index = None  # missing, stale or damaged: rebuilt from the database below
        if index is None:
            ids, vecs = self.source.all_vectors()
            index = build_faiss(ids, vecs, self.dim)
            with contextlib.suppress(OSError, AssistantError):  # busy writers: they write it themselves
                if os.access(self.folder, os.W_OK):
                    with self._try_write_lock():
                        self._write(index, generation)
        else:
            index = _tune(index)
        with self._lock:
            self._index, self._generation = index, generation
        return index

    def sync(self, generation: int) -> None:
        """Bring the FAISS file up to `generation` (atomically), called by a writer.

        Incremental when possible: vectors of removed passages are taken out and new ones
        added, so a large index is not rebuilt (or retrained) for one new letter. Changes
        go to a copy: searches in progress keep their snapshot.
        """
        import faiss

        db_ids = self.source.passage_ids()
        current = self._index
        if current is None:
            with contextlib.suppress(OSError, RuntimeError):
                current = faiss.read_index(str(self.folder / FAISS_FILE))
        index = self._updated(current, db_ids) if current is not None else None
        if index is None:
            ids, vecs = self.source.all_vectors()
            index = build_faiss(ids, vecs, self.dim)
        self._write(index, generation)
        with self._lock:
            self._index, self._generation = index, generation

    def _updated(self, current, db_ids: np.ndarray):
        """`current` changed to hold exactly `db_ids`, or None when it must be rebuilt instead
        (another dimension or type, or an IVF index trained for a much smaller collection)."""
        import faiss

        if current.d != self.dim or not isinstance(current, faiss.IndexIDMap2):
            return None
        is_ivf = isinstance(faiss.downcast_index(current.index), faiss.IndexIVF)
        fits = not is_ivf or faiss.downcast_index(current.index).nlist >= ivf_lists(len(db_ids)) // 2
        if is_ivf != (len(db_ids) > FLAT_LIMIT) or not fits:
            return None
        have = faiss.vector_to_array(current.id_map).astype(np.int64)
        stale = np.setdiff1d(have, db_ids)
        new = np.setdiff1d(db_ids, have)
        index = faiss.clone_index(current)
        if len(stale):
            index.remove_ids(faiss.IDSelectorBatch(stale))
        if len(new):
            vecs = self.source.vectors_for([int(i) for i in new])
            index.add_with_ids(np.stack([vecs[int(i)] for i in new]).astype(np.float32), new)
        return _tune(index)

    def _write(self, index, generation: int) -> None:
        import faiss

        tmp = self.folder / f".{FAISS_FILE}.tmp"
        faiss.write_index(index, str(tmp))
        os.replace(tmp, self.folder / FAISS_FILE)
        stamp = self.folder / f".{STAMP_FILE}.tmp"
        stamp.write_text(json.dumps({"generation": generation, "count": int(index.ntotal)}))
        os.replace(stamp, self.folder / STAMP_FILE)
