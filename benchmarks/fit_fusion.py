"""Fit the hybrid fusion's weights leave-one-corpus-out, and print the figures per corpus.

    python benchmarks/fit_fusion.py [--dir /tmp/pla-eval] [--shared ../shared]

Uses the indexes benchmarks/eval_retrieval.py builds in --dir (unseen/, heldoutN/; run it first)
and the answerable questions of shared/eval/unseen-dev and benchmarks/data/heldoutN: corpora of
documents nobody tuned for, with verbatim answers.

For each question it records the candidates of the search (their dense cosine, BM25 share x
confidence and coverage, as assistant/fusion.py computes them) and marks those that hold the
answer (the whole answer, or 8 consecutive words of it). It then scores the best CANDIDATES of
each question again for every pair of weights on a grid, and reports the MRR of the first
candidate that holds the answer. This is a proxy: the product then merges neighbouring passages
(assistant/assemble.py), so measure a choice end to end with eval_retrieval.py --set.

Each corpus is held out in turn: the weights with the best macro MRR on the other corpora are
applied to it. Printed: per corpus, the MRR with the product's weights and with those chosen
without it; then the whole grid's macro MRR.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CANDIDATES = 30  # per question, by the product's score
BM25_GRID = (0.0, 0.02, 0.04, 0.08, 0.12)
COVERAGE_GRID = (0.04, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20, 0.24)


def features(searcher, sources: dict[str, str], question, fused: list) -> tuple[np.ndarray, np.ndarray]:
    """(candidates x [dense, confidence x BM25 share, coverage], holds the answer) of one question.
    `fused` receives, from the search's fusion, each candidate's (pid, dense, BM25, coverage,
    score), copied before assemble.py merges hits (which changes a candidate's pid)."""
    from assistant.evaluate import is_hit, is_lenient_hit

    fused.clear()
    searcher.search(question.q, k=10)
    cands = fused[-1]
    best_lex = max((c[2] for c in cands), default=0.0) or 1.0
    confidence = max((c[3] for c in cands), default=0.0)
    top = sorted(cands, key=lambda c: -c[4])[:CANDIDATES]
    rows = searcher.index.passages([c[0] for c in top])
    x = np.array([[c[1], confidence * c[2] / best_lex, c[3]] for c in top])
    y = np.array([any(test(question, rows[c[0]].text, sources.get(rows[c[0]].doc_id, ""))
                      for test in (is_hit, is_lenient_hit)) for c in top])
    return x, y


def recording(fused: list):
    """The product's fuse, recording what it scored into `fused`."""
    import assistant.search as search

    real_fuse = search.fuse

    def fuse(cands, how):
        real_fuse(cands, how)
        fused.append([(c.pid, c.dense, c.lex, c.cov, c.score) for c in cands])

    return fuse


def reciprocal_ranks(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """1 / rank of the first candidate that holds the answer, for each weight pair (0 when none does)."""
    if not y.any():
        return np.zeros(len(grid))
    scores = x @ np.column_stack([np.ones(len(grid)), grid]).T  # candidates x grid
    best = np.where(y[:, None], scores, -np.inf).max(axis=0)
    return 1.0 / (1 + (scores > best).sum(axis=0))


def main() -> int:
    from eval_retrieval import heldout_sets

    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.evaluate import read_jsonl
    from assistant.fusion import BM25_WEIGHT, COVERAGE_WEIGHT
    from assistant.search import Searcher

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path("/tmp/pla-eval"), help="where eval_retrieval.py built its indexes")
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared/ folder")
    args = p.parse_args()

    corpora = [("unseen-dev", args.shared / "eval" / "unseen-dev", "unseen")]
    corpora += [(f.name, f, f.name) for f in heldout_sets()]
    grid = np.array([(b, c) for b in BM25_GRID for c in COVERAGE_GRID] + [(BM25_WEIGHT, COVERAGE_WEIGHT)])
    product = len(grid) - 1
    import assistant.search as search

    mrr: dict[str, np.ndarray] = {}
    embedder = None
    fused: list = []
    search.fuse = recording(fused)  # this process only measures
    for name, folder, index_name in corpora:
        if not (args.dir / index_name).is_dir() or not (folder / "qa.jsonl").is_file():
            print(f"{name}: no index in {args.dir / index_name} (run benchmarks/eval_retrieval.py first); left out",
                  file=sys.stderr)
            continue
        assistant = Assistant(Settings.from_env(index_dir=args.dir / index_name, corpus_dir=ROOT / "corpus"),
                              embedder=embedder)
        base = assistant.searcher()
        embedder = base.embedder
        searcher = Searcher(base.index, base.embedder, glossary=base.glossary, mode="hybrid")
        sources = {d.id: d.source for d in base.index.documents()}
        ranks = [reciprocal_ranks(*features(searcher, sources, q, fused), grid)
                 for q in read_jsonl(folder / "qa.jsonl") if not q.unanswerable]
        mrr[name] = np.mean(ranks, axis=0)
        print(f"{name}: {len(ranks)} questions", file=sys.stderr)
    if len(mrr) < 2:
        print("fewer than two corpora: nothing to hold out", file=sys.stderr)
        return 1

    print(f"corpus        product ({BM25_WEIGHT}, {COVERAGE_WEIGHT})   held out: chosen on the others (bm25, coverage)")
    held = []
    for name in mrr:
        others = np.mean([m for other, m in mrr.items() if other != name], axis=0)[:product]
        j = int(np.argmax(others))
        held.append((mrr[name][product], mrr[name][j]))
        print(f"{name:<13} {mrr[name][product]:.3f}                  {mrr[name][j]:.3f}  ({grid[j][0]}, {grid[j][1]})")
    mean = np.mean(held, axis=0)
    print(f"{'mean':<13} {mean[0]:.3f}                  {mean[1]:.3f}")
    macro = np.mean(list(mrr.values()), axis=0)
    print("\nmacro MRR over all corpora; rows: BM25 weight, columns: coverage weight")
    print("       " + " ".join(f"{c:>6}" for c in COVERAGE_GRID))
    for i, b in enumerate(BM25_GRID):
        print(f"{b:<6} " + " ".join(f"{macro[i * len(COVERAGE_GRID) + k]:.3f}" for k in range(len(COVERAGE_GRID))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
