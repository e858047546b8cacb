"""Fit the hybrid fusion's weights leave-one-corpus-out, and print the figures per corpus.

    python benchmarks/fit_fusion.py [--dir /tmp/pla-eval] [--shared ../shared] [--align]

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

--align fits the word-alignment re-rank's weight (assistant/align.py) with the other two: it
records each of the best ALIGN_CANDIDATES candidates' alignment with the question, and for each
weight triple re-ranks the best ALIGN_TOP as the product does (weight x (alignment - their
mean)). It also fits one triple per language (English and Dutch questions), each held out alike.
Measured 2026-12-05 on unseen-dev and heldout2-15 (15 corpora): the product's weights (.02, .12,
.15) give a mean held-out proxy MRR of .651; one triple chosen on the other corpora .658 (the
same, .02 / .10 / .20, in every fold); one per language .639 (the folds disagree). With
heldout16 added (16 corpora): product .655, one triple .653 (the folds now disagree between
coverage .10 and .12), per language .644.
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
ALIGN_CANDIDATES = 40  # --align: candidates (by the fused score before the re-rank) whose alignment is recorded
ALIGN_GRID = (0.0, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6)


def features(searcher, sources: dict[str, str], question, fused: list, aligner=None,
             scope: object = None) -> tuple[np.ndarray, np.ndarray]:
    """(candidates x [dense, confidence x BM25 share, coverage], holds the answer) of one question.
    `fused` receives, from the search's fusion, each candidate's (pid, dense, BM25, coverage,
    score), copied before assemble.py merges hits (which changes a candidate's pid). With an
    `aligner` (and a `searcher` without one): the best ALIGN_CANDIDATES, and a fourth column, their
    alignment with the question."""
    from assistant.evaluate import is_hit, is_lenient_hit

    fused.clear()
    searcher.search(question.q, k=10)
    cands = fused[-1]
    best_lex = max((c[2] for c in cands), default=0.0) or 1.0
    confidence = max((c[3] for c in cands), default=0.0)
    top = sorted(cands, key=lambda c: -c[4])[: ALIGN_CANDIDATES if aligner else CANDIDATES]
    rows = searcher.index.passages([c[0] for c in top])
    top = [c for c in top if c[0] in rows]
    x = np.array([[c[1], confidence * c[2] / best_lex, c[3]] for c in top])
    if aligner is not None:
        scores = aligner.scores(question.q, [c[0] for c in top], {c[0]: rows[c[0]].text for c in top}, scope)
        x = np.column_stack([x, [scores[c[0]] for c in top]])
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


def aligned_reciprocal_ranks(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """As reciprocal_ranks, for weight triples (BM25, coverage, alignment): the best ALIGN_TOP by
    the fused score get alignment weight x (their alignment - its mean among them)."""
    from assistant.align import ALIGN_TOP

    out = np.zeros(len(grid))
    if not y.any():
        return out
    for i, (b, c, w) in enumerate(grid):
        score = x[:, 0] + b * x[:, 1] + c * x[:, 2]
        best = np.argsort(-score)[:ALIGN_TOP]
        score[best] += w * (x[best, 3] - x[best, 3].mean())
        out[i] = 1.0 / (1 + (score > score[y].max()).sum())
    return out


def report_aligned(ranks: dict[str, list[tuple[str, np.ndarray]]], grid: np.ndarray) -> None:
    """Leave-one-corpus-out with the re-rank's weight: one triple for all questions, then one per
    language. `ranks`: corpus -> [(language, reciprocal ranks over the grid)]; the last triple is
    the product's."""
    product = len(grid) - 1
    mrr = {n: np.mean([r for _, r in rows], axis=0) for n, rows in ranks.items()}
    by_lang = {(n, lang): np.mean(rs, axis=0) for n, rows in ranks.items() for lang in ("en", "nl")
               if (rs := [r for la, r in rows if la == lang])}

    def triple(j: int) -> str:
        return "(" + ", ".join(f"{v:g}" for v in grid[j]) + ")"

    print(f"corpus        product {triple(product)}   held out: one triple   per language (en / nl)")
    held = []
    for name, rows in ranks.items():
        others = [n for n in ranks if n != name]
        j = int(np.argmax(np.mean([mrr[n] for n in others], axis=0)[:product]))
        per = {}
        for lang in ("en", "nl"):
            fits = [by_lang[(n, lang)] for n in others if (n, lang) in by_lang]
            per[lang] = int(np.argmax(np.mean(fits, axis=0)[:product]))
        split = np.mean([r[per[lang]] for lang, r in rows])
        held.append((mrr[name][product], mrr[name][j], split))
        print(f"{name:<13} {held[-1][0]:.3f}                     {held[-1][1]:.3f} {triple(j):<18} "
              f"{split:.3f} {triple(per['en'])} / {triple(per['nl'])}")
    mean = np.mean(held, axis=0)
    print(f"{'mean':<13} {mean[0]:.3f}                     {mean[1]:.3f}                    {mean[2]:.3f}")


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
    p.add_argument("--align", action="store_true", help="fit the word-alignment re-rank's weight too")
    args = p.parse_args()

    corpora = [("unseen-dev", args.shared / "eval" / "unseen-dev", "unseen")]
    corpora += [(f.name, f, f.name) for f in heldout_sets()]
    grid = np.array([(b, c) for b in BM25_GRID for c in COVERAGE_GRID] + [(BM25_WEIGHT, COVERAGE_WEIGHT)])
    if args.align:
        from assistant.align import ALIGN_WEIGHT

        grid = np.array([(b, c, w) for b in BM25_GRID for c in COVERAGE_GRID for w in ALIGN_GRID]
                        + [(BM25_WEIGHT, COVERAGE_WEIGHT, ALIGN_WEIGHT)])
    aligned_ranks: dict[str, list] = {}
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
        questions = [q for q in read_jsonl(folder / "qa.jsonl") if not q.unanswerable]
        # the fit scores the candidates as fused, before the re-rank; --align aligns them itself
        aligner, searcher.aligner = searcher.aligner, None
        if args.align:
            if aligner is None:
                print("--align needs the default model (the re-rank's network)", file=sys.stderr)
                return 1
            aligned_ranks[name] = [(q.lang, aligned_reciprocal_ranks(
                *features(searcher, sources, q, fused, aligner, ("fit", name)), grid)) for q in questions]
            mrr[name] = np.mean([r for _, r in aligned_ranks[name]], axis=0)
        else:
            mrr[name] = np.mean([reciprocal_ranks(*features(searcher, sources, q, fused), grid)
                                 for q in questions], axis=0)
        print(f"{name}: {len(questions)} questions", file=sys.stderr)
    if len(mrr) < 2:
        print("fewer than two corpora: nothing to hold out", file=sys.stderr)
        return 1
    if args.align:
        report_aligned(aligned_ranks, grid)
        return 0

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
