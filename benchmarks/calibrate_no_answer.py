"""Calibrate the no-answer decision leave-one-corpus-out, and print the figures per corpus.

    python benchmarks/calibrate_no_answer.py [--dir /tmp/pla-eval] [--shared ../shared] [--refuse 0.03]

Uses the indexes that benchmarks/eval_retrieval.py builds in --dir (seed/, multi/, unseen/) and
these corpora of answerable and unanswerable questions:
  seed     benchmarks/data seed calibration questions, seed_unanswerable.txt, offtopic_questions.txt
  multi    benchmarks/data multi-document calibration questions (and the seed ones), multidoc_unanswerable.txt
  unseen   shared/eval/unseen-dev/qa.jsonl, split 'tune' only (the 'confirm' half is never used here)
  kv       the Kamervragen questions (shared/eval/kamervragen_dev.csv, every 10th), all answerable, on the
           throw-away index of answers and distractors that `assistant eval` builds

For each question it records the features the search computes (Evidence: dense, coverage, margin,
missing names, language). The decision is a logistic model over those features with a threshold
chosen on the training corpora so that at most --refuse of their answerable questions are refused.
For each corpus in turn the model is fitted on the others and applied to it: the figures printed
for a corpus are always measured on a corpus the model never saw. The last block is the model
fitted on all corpora, the constants assistant/search.py uses.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "data"


def _lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]


def corpora(shared: Path) -> dict[str, tuple[str, list[tuple[str, bool]]]]:
    """name -> (index name, [(question, answerable)])."""
    def qa(path: Path) -> list[str]:
        return [json.loads(x)["q"] for x in _lines(path)]

    seed_ans = qa(DATA / "seed_calibration_qa.jsonl")
    out = {
        "seed": ("seed", [(q, True) for q in seed_ans]
                 + [(q, False) for q in _lines(DATA / "seed_unanswerable.txt") + _lines(DATA / "offtopic_questions.txt")]),
        "multi": ("multi", [(q, True) for q in qa(DATA / "multidoc_calibration_qa.jsonl") + seed_ans]
                  + [(q, False) for q in _lines(DATA / "multidoc_unanswerable.txt")]),
    }
    unseen = shared / "eval" / "unseen-dev" / "qa.jsonl"
    if unseen.exists():
        rows = [json.loads(x) for x in _lines(unseen)]
        out["unseen"] = ("unseen", [(r["q"], not r.get("unanswerable", False)) for r in rows if r.get("split") == "tune"])
    kv = shared / "eval" / "kamervragen_dev.csv"
    if kv.exists():
        import csv

        with open(kv, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        out["kv"] = ("kv", [(r["question"], True) for r in rows[::10]])
    return out


FEATURES = ["dense", "coverage", "margin", "missing", "en", "en_dense"]


def features(ev) -> list[float]:
    en = 1.0 if ev.language == "en" else 0.0
    return [ev.dense, ev.coverage, ev.margin, float(min(ev.missing_names, 2)), en, en * ev.dense]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logistic regression by Newton's method on standardised features; returns (weights, mean, scale)
    with the bias as the last weight. y = 1 for answerable."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    # each corpus weighs the same in total, whatever its size
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        g = z.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        h = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(w))
        w -= np.linalg.solve(h, g)
    return w, mu, sd


def score(w, mu, sd, x: np.ndarray) -> np.ndarray:
    return np.hstack([(x - mu) / sd, np.ones((len(x), 1))]) @ w


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path("/tmp/pla-eval"))
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--refuse", type=float, default=0.03, help="most answerable questions refused on the training corpora")
    p.add_argument("--dump", type=Path, help="write the features per question to this JSON file")
    args = p.parse_args(argv)
    os.environ.setdefault("ASSISTANT_CACHE", str(ROOT / ".cache"))
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.embed import Embedder
    from assistant.evaluate import eval_pairs_csv

    base = Settings.from_env(corpus_dir=ROOT / "corpus")
    embedder = Embedder(base)
    sets = corpora(args.shared)
    if "kv" in sets:  # the throw-away index `assistant eval` builds (and caches) for the CSV
        eval_pairs_csv(base, args.shared / "eval" / "kamervragen_dev.csv", [], embedder=embedder)
        kv_dirs = sorted((Path(base.cache_dir) / "eval").glob("kamervragen_dev-*"))
        kv_dir = kv_dirs[-1] if kv_dirs else None
    data: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
    for name, (index, questions) in sets.items():
        d = kv_dir if name == "kv" else args.dir / index
        if d is None or not (d / "assistant.sqlite").exists():
            print(f"{name}: no index at {d}; run benchmarks/eval_retrieval.py first", file=sys.stderr)
            continue
        s = Assistant(Settings.from_env(index_dir=d), embedder=embedder).searcher()
        rows, ys = [], []
        for q, answerable in questions:
            ev = s.search(q, k=5).evidence
            rows.append(features(ev))
            ys.append(1.0 if answerable else 0.0)
        data[name] = (np.array(rows), np.array(ys), [q for q, _ in questions])
    if args.dump:
        args.dump.write_text(json.dumps({n: {"x": x.tolist(), "y": y.tolist(), "q": q} for n, (x, y, q) in data.items()},
                                        ensure_ascii=False))

    def train(names: list[str]):
        x = np.vstack([data[n][0] for n in names])
        y = np.concatenate([data[n][1] for n in names])
        w, mu, sd = fit(x, y)
        ans = score(w, mu, sd, x[y == 1])
        threshold = float(np.quantile(ans, args.refuse)) if len(ans) else 0.0
        return w, mu, sd, threshold

    print(f"leave-one-corpus-out (threshold: at most {args.refuse:.0%} of the training corpora's answerable refused)")
    print(f"{'held out':10} {'answerable refused':>20} {'unanswerable flagged':>22}")
    for held in data:
        w, mu, sd, t = train([n for n in data if n != held])
        x, y, _ = data[held]
        s = score(w, mu, sd, x)
        refused = int(((s < t) & (y == 1)).sum())
        flagged = int(((s < t) & (y == 0)).sum())
        print(f"{held:10} {refused:>9} of {int((y == 1).sum()):<8} {flagged:>11} of {int((y == 0).sum()):<8}")
    w, mu, sd, t = train(list(data))
    print("\nfitted on all corpora:")
    print("  FEATURES =", FEATURES)
    print("  WEIGHTS =", [round(float(v), 4) for v in w[:-1]], " BIAS =", round(float(w[-1]), 4))
    print("  MEAN =", [round(float(v), 4) for v in mu])
    print("  SCALE =", [round(float(v), 4) for v in sd])
    print("  THRESHOLD =", round(t, 4))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
