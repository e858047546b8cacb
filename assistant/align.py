"""The re-rank of the best passages by word alignment (`rerank = "auto"`, the default, or "align").

The dense score compares one vector of the question with one vector of a passage. For an English
question on Dutch text the passage that restates the document's subject often beats the one that
answers. Word alignment compares them word by word: each of the question's tokens is matched to
the passage token most like it, in the multilingual model's 8th layer, where translations lie
close together (the SimAlign method, Jalili Sabet et al. 2020, which found XLM-R's 8th layer
best for aligning words across languages). The mean of those best matches says how much of the
question the passage holds. The best ALIGN_TOP candidates get ALIGN_WEIGHT x (their alignment
minus the candidates' mean) added to their score.

Only for the default model (multilingual-e5-small, an XLM-R network). It runs the network's
first 8 layers, an ONNX graph on onnxruntime (e5graphs.export_align_onnx), for every candidate
not in its cache at question time: about 28 MFLOP a token, each passage alone (padding a batch
costs more than it saves) on all cores up to ALIGN_THREADS: a median of 0.2 s a question on
two cores (0.1-0.7 s), against 30-40 ms without it. An option until 2026-12-05; the
default since, because it raised the first measurement of the sets written after it was chosen
(heldout12, heldout13, heldout14: MRR +.024, +.097, +.036); of the two sets written after it
became the default, it left heldout15 level (-.004) and raised heldout16 a little (+.011; see
README). `rerank = "none"` turns it off.

Measured with benchmarks/eval_retrieval.py (MRR, hybrid): the weight was chosen on unseen-dev,
heldout2 and heldout3 (.15 of .15/.3/.5) and checked on heldout4 to heldout11 (see README).
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

__all__ = ["ALIGN_THREADS", "ALIGN_TOP", "ALIGN_WEIGHT", "Aligner", "align_threads", "alignment", "shared_aligner"]

log = logging.getLogger(__name__)

ALIGN_TOP = 20
ALIGN_WEIGHT = 0.15
ALIGN_THREADS = 4
_CACHE = 2000  # passages whose token vectors are kept (about 40 KB each, fp16)


def alignment(question: np.ndarray, passage: np.ndarray) -> float:
    """The mean, over the question's token vectors (rows, unit length), of the best cosine with
    any of the passage's."""
    if not len(question) or not len(passage):
        return 0.0
    return float((question @ passage.T).max(axis=1).mean())


class Aligner:
    """Token vectors of the model's first 8 layers: the ONNX graph of e5graphs.ensure_align_onnx,
    built on first use. Thread-safe."""

    def __init__(self, cache_dir: Path, threads: int = 1):
        self.cache_dir = Path(cache_dir)
        self.threads = threads
        self._lock = threading.Lock()  # loading
        self._use = threading.Lock()  # the cache, and one question at a time on the network
        self._token_engine = None
        self._cache: OrderedDict[object, np.ndarray] = OrderedDict()

    def prepare(self, say: Callable[[str], object] | None = None) -> None:
        """Build the graph when it is missing and load it (a server does this before it serves)."""
        self._engine(say)

    def _engine(self, say: Callable[[str], object] | None = None):
        with self._lock:
            if self._token_engine is None:
                from .e5graphs import ensure_align_onnx
                from .onnx_encoder import OnnxTokenEngine

                graph = ensure_align_onnx(self.cache_dir, log=say or log.info)  # built once (under a minute), then kept
                self._token_engine = OnnxTokenEngine(graph, graph.parent.parent / "tokenizer.json",
                                                     threads=self.threads, spin=False)
        return self._token_engine

    def token_vectors(self, texts: list[str], prefix: str) -> list[np.ndarray]:
        """Unit vectors of each text's tokens (without the prefix and the special tokens)."""
        return self._engine().token_vectors(texts, prefix)

    def rerank(self, question: str, cands: list, text_of: Callable[[list[int]], dict[int, str]],
               scope: object = None, weight: float = ALIGN_WEIGHT, top: int = ALIGN_TOP) -> None:
        """Add weight x (alignment - mean alignment) to the score of the `top` best candidates
        (objects with .pid and .score); `text_of` gives the texts of passage ids. The token
        vectors of (scope, pid) are cached, so `scope` must name the index and its version
        (one aligner serves every searcher of a process, and indexes number passages alike)."""
        best = sorted(cands, key=lambda c: -c.score)[:top]
        if len(best) < 2 or not weight:
            return
        texts = text_of([c.pid for c in best])
        best = [c for c in best if c.pid in texts]
        scores = self.scores(question, [c.pid for c in best], texts, scope)
        mean = sum(scores.values()) / len(scores)
        for c in best:
            c.score += weight * (scores[c.pid] - mean)

    def scores(self, question: str, pids: list[int], texts: dict[int, str], scope: object = None) -> dict[int, float]:
        """The alignment of the question with each passage of `pids` (`texts`: their texts)."""
        with self._use:
            need = [pid for pid in pids if (scope, pid) not in self._cache]
            for pid, vec in zip(need, self.token_vectors([texts[p] for p in need], "passage: ")):
                self._cache[(scope, pid)] = vec.astype(np.float16)
            q = self.token_vectors([question], "query: ")[0]
            scores = {pid: alignment(q, self._cache[(scope, pid)].astype(np.float32)) for pid in pids}
            for pid in pids:
                self._cache.move_to_end((scope, pid))
            while len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
            return scores


def align_threads() -> int:
    """Cores for the re-rank's network: the machine's, up to ALIGN_THREADS. Questions take turns
    on it (one lock), so one question may use them all: on two cores 20 passages take half the
    time they take on one."""
    return max(1, min(ALIGN_THREADS, os.cpu_count() or 1))


@lru_cache(maxsize=None)
def shared_aligner(cache_dir: Path, threads: int = 1) -> Aligner:
    """One Aligner (one network in memory, one cache) for every searcher of a process."""
    return Aligner(cache_dir, threads)
