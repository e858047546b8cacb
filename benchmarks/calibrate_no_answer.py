"""Calibrate the no-answer decision leave-one-corpus-out, and print the figures per corpus.

    python benchmarks/calibrate_no_answer.py [--dir /tmp/pla-eval] [--shared ../shared] [--refuse 0.04] [--pooled]

Uses the indexes that benchmarks/eval_retrieval.py builds in --dir (seed/, multi/, unseen/) and
these corpora of answerable and unanswerable questions:
  seed     benchmarks/data seed calibration questions, seed_unanswerable.txt, offtopic_questions.txt
  multi    benchmarks/data multi-document calibration questions (and the seed ones), multidoc_unanswerable.txt
  unseen   shared/eval/unseen-dev/qa.jsonl, split 'tune' only (the 'confirm' half is never used here)
  heldoutN-x   each half x of each benchmarks/data/heldoutN (heldout2-a, -b, heldout3-c, -d, ...: 10 to 12
           further documents each, questions written by people who never saw the code); heldout2 to
           heldout4 are fitted on, the newer sets only checked (--fit)
  kv       the Kamervragen questions (shared/eval/kamervragen_dev.csv, every 10th), all answerable, on the
           throw-away index of answers and distractors that `assistant eval` builds

For each question it records the features the search computes (assistant.types.Evidence). The
decision (assistant/noanswer.py) refuses when the best passage's score (dense + 0.10 * coverage)
is below the highest bar that applies: MIN[lang]; NAME_MISSING[lang] when the question names
something the index never holds; LOW_COVERAGE_MIN[lang] when the best passage's coverage is below
LOW_COVERAGE[lang]. The bars are chosen per language on the fitting corpora: the most unanswerable
questions flagged while no fitting corpus has more than --refuse of its answerable questions
refused; then the fewest answerable refused; then the highest MIN and the lowest others. A
question a rule answers whatever its score ('who signed?', see Searcher.answer_found) is never
counted as refused. For each corpus in turn they are chosen on the others and applied to it, so the figures printed for a corpus are measured on a corpus they never
saw. `kv` is checked but never fitted on (--fit): its index holds the answers without the
questions, so the names a question mentions (the MPs, the newspaper) are absent by construction.
The last block gives the thresholds chosen on all fitting corpora: the constants noanswer.py uses.
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


def corpora(shared: Path, verbatim: list[str] = ()) -> dict[str, tuple[str, list[tuple[str, bool]]]]:
    """name -> (index name, [(question, answerable)]). `verbatim`: NAME=DIR:SPLIT items, the
    questions of one split of a set laid out as unseen-dev, on the index eval_retrieval.py
    --verbatim INDEX=DIR built in --dir/INDEX (INDEX: NAME up to its first '-')."""
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
    for item in verbatim:
        name, _, rest = item.partition("=")
        folder, _, split = rest.rpartition(":")
        rows = [json.loads(x) for x in _lines(Path(folder) / "qa.jsonl")]
        out[name] = (name.split("-")[0], [(r["q"], not r.get("unanswerable", False)) for r in rows
                                         if r.get("split") in split.split(",")])
    kv = shared / "eval" / "kamervragen_dev.csv"
    if kv.exists():
        import csv

        with open(kv, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        out["kv"] = ("kv", [(r["question"], True) for r in rows[::10]])
    return out


# The thresholds are chosen on these; the newer held-out sets and the Kamervragen are only checked.
FIT = "seed,multi,unseen,heldout2,heldout3,heldout4"
GRID_MIN = np.round(np.arange(0.74, 0.92, 0.005), 3)
GRID_NAME = np.round(np.arange(0.78, 0.97, 0.005), 3)
GRID_COVERAGE = (0.0, 0.02, 0.03, 0.05)  # 0: no low-coverage bar


def features(ev) -> list[float]:
    return [ev.dense, ev.coverage, float(ev.missing_names), 1.0 if ev.language == "en" else 0.0, ev.absent,
            1.0 if ev.rule else 0.0]


def refused(x: np.ndarray, t_min, t_name, t_low=0.0, c_low=0.0) -> np.ndarray:
    """What the decision in assistant/noanswer.py refuses, for one language's questions: score below
    t_min; or below t_name when the question names what the index lacks; or below t_low when the best
    passage holds less than c_low of the question (coverage). A question a rule answers whatever the
    score ('who signed?' with the signatories in the best passage, Searcher.answer_found) is never
    refused. The bars may be arrays that broadcast against the questions (a grid of them, as in
    `choose`): the result has their shape with the questions last."""
    from assistant.noanswer import score

    s = score(x[:, 0], x[:, 1])
    by_rule = x[:, 5] > 0 if x.shape[1] > 5 else np.zeros(len(x), dtype=bool)
    return ~by_rule & ((s < t_min) | ((x[:, 2] > 0) & (s < t_name)) | ((x[:, 1] < c_low) & (s < t_low)))


def choose(data: dict, names: list[str], lang: str, max_refused: float, pooled: bool = False) -> tuple:
    """(MIN, NAME_MISSING, LOW_COVERAGE_MIN, LOW_COVERAGE) for one language: most unanswerable
    flagged on `names`, while none of them refuses more than max_refused of its answerable
    questions; then the fewest answerable refused; then the highest MIN and the lowest others."""
    xs, ys, corpus = [], [], []
    for i, n in enumerate(names):
        x, y, _ = data[n]
        m = x[:, 3] == (1.0 if lang == "en" else 0.0)
        xs.append(x[m]), ys.append(y[m]), corpus.append(np.full(int(m.sum()), i))
    x, y, corpus = np.concatenate(xs), np.concatenate(ys), np.concatenate(corpus)
    onehot = np.eye(len(names))[corpus] * (y == 1)[:, None]  # answerable questions per corpus
    per_corpus = np.maximum(onehot.sum(0), 1)
    valid = GRID_NAME[None, :] >= GRID_MIN[:, None]
    best = None
    for c_low in GRID_COVERAGE:
        for t_low in GRID_MIN:
            r = refused(x, GRID_MIN[:, None, None], GRID_NAME[None, :, None], t_low, c_low)  # [t_min, t_name, q]
            flagged = r[:, :, y == 0].sum(-1)
            refused_each = r.astype(np.float32) @ onehot  # [t_min, t_name, corpus]
            if pooled:  # the refused share over all fitting corpora together, not the worst one's
                worst = refused_each.sum(-1) / max(int((y == 1).sum()), 1)
            else:
                worst = (refused_each / per_corpus).max(-1)
            ok = (worst <= max_refused + 1e-9) & valid
            if not ok.any():
                continue
            # most flagged; then fewest answerable refused; then the highest MIN (the bar for
            # "nothing is about it": as high as the answerable questions allow) and the lowest others
            total = refused_each.sum(-1)
            cand = np.where(ok, flagged * 10_000 - total, -10**9)
            top = cand.max()
            hits = np.nonzero(cand == top)
            order = np.lexsort((GRID_NAME[hits[1]], -GRID_MIN[hits[0]]))[0]
            i, j = hits[0][order], hits[1][order]
            key = (int(top), GRID_MIN[i], -GRID_NAME[j], -t_low, -c_low)
            if best is None or key > best[0]:
                best = (key, (float(GRID_MIN[i]), float(GRID_NAME[j]), float(t_low), float(c_low)))
    return best[1] if best else (float(GRID_MIN[0]), float(GRID_MIN[0]), 0.0, 0.0)


def apply(x: np.ndarray, th: dict) -> np.ndarray:
    out = np.zeros(len(x), dtype=bool)
    for lang, flag in (("en", 1.0), ("nl", 0.0)):
        m = x[:, 3] == flag
        out[m] = refused(x[m], *th[lang])
    return out


def heldout_halves() -> list[str]:
    """NAME=DIR:SPLIT for each half of each benchmarks/data/heldoutN (the splits its qa.jsonl names)."""
    from eval_retrieval import heldout_sets

    out = []
    for folder in heldout_sets():
        splits = sorted({json.loads(line).get("split") for line in (folder / "qa.jsonl").read_text().splitlines()
                         if line.strip()} - {None})
        out += [f"{folder.name}-{sp}={folder}:{sp}" for sp in splits]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path("/tmp/pla-eval"))
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--refuse", type=float, default=0.04,
                   help="most answerable questions refused on any fitting corpus (default 0.04)")
    p.add_argument("--fit", default=FIT, help="corpora the thresholds are chosen on (a set's name stands for its "
                                                "halves: heldout2 for heldout2-a and heldout2-b); default " + FIT)
    p.add_argument("--verbatim", action="append", metavar="NAME=DIR:SPLIT",
                   default=None,
                   help="also the questions of SPLIT (or SPLIT,SPLIT) of a verbatim set in DIR, on the index "
                        "--dir/INDEX that eval_retrieval.py --verbatim INDEX=DIR built (INDEX: NAME before any '-')")
    p.add_argument("--pooled", action="store_true",
                   help="--refuse bounds the answerable refused over all fitting corpora together (a corpus "
                        "of 18 questions cannot show 1 in 25)")
    p.add_argument("--dump", type=Path, help="write the features per question to this JSON file")
    p.add_argument("--load", type=Path, help="read the features from such a file instead of searching")
    args = p.parse_args(argv)
    if args.verbatim is None:
        args.verbatim = heldout_halves()
    os.environ.setdefault("ASSISTANT_CACHE", str(ROOT / ".cache"))
    data: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
    if args.load:
        data = {n: (np.array(v["x"]), np.array(v["y"]), v["q"]) for n, v in json.loads(args.load.read_text()).items()}
    else:
        data = collect(args)
    if args.dump:
        args.dump.write_text(json.dumps({n: {"x": x.tolist(), "y": y.tolist(), "q": q} for n, (x, y, q) in data.items()},
                                        ensure_ascii=False))

    wanted = args.fit.split(",")
    fit = [n for n in data if n in wanted or n.split("-")[0] in wanted]

    def thresholds(names: list[str]) -> dict:
        return {lang: choose(data, names, lang, args.refuse, args.pooled) for lang in ("en", "nl")}

    print(f"leave-one-corpus-out: thresholds chosen on the other fitting corpora ({', '.join(fit)}), "
          f"at most {args.refuse:.0%} of any one's answerable refused")
    print(f"{'held out':11} {'answerable refused':>20} {'unanswerable flagged':>22}   thresholds en (min, name) / nl")
    for held in data:
        th = thresholds([n for n in fit if n != held])
        x, y, _ = data[held]
        r = apply(x, th)
        print(f"{held:11} {int((r & (y == 1)).sum()):>9} of {int((y == 1).sum()):<8} {int((r & (y == 0)).sum()):>11} of "
              f"{int((y == 0).sum()):<8}   {th['en']} / {th['nl']}")
    th = thresholds(fit)
    print(f"\nchosen on all fitting corpora ({', '.join(fit)}): MIN = {{'en': {th['en'][0]}, 'nl': {th['nl'][0]}}}, "
          f"NAME_MISSING = {{'en': {th['en'][1]}, 'nl': {th['nl'][1]}}}, "
          f"LOW_COVERAGE_MIN = {{'en': {th['en'][2]}, 'nl': {th['nl'][2]}}}, "
          f"LOW_COVERAGE = {{'en': {th['en'][3]}, 'nl': {th['nl'][3]}}}")
    for n, (x, y, _) in data.items():
        r = apply(x, th)
        print(f"  {n:8} answerable refused {int((r & (y == 1)).sum())} of {int((y == 1).sum())}, unanswerable flagged "
              f"{int((r & (y == 0)).sum())} of {int((y == 0).sum())}{'' if n in fit else '  (not fitted on)'}")
    return 0


def collect(args) -> dict:
    """Search every question of every corpus and keep its Evidence features."""
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.embed import Embedder
    from assistant.evaluate import eval_pairs_csv

    base = Settings.from_env(corpus_dir=ROOT / "corpus")
    embedder = Embedder(base)
    sets = corpora(args.shared, args.verbatim)
    kv_dir = None
    if "kv" in sets:  # the throw-away index `assistant eval` builds (and caches) for the CSV
        eval_pairs_csv(base, args.shared / "eval" / "kamervragen_dev.csv", [], embedder=embedder)
        kv_dirs = sorted((Path(base.cache_dir) / "eval").glob("kamervragen_dev-*"))
        kv_dir = kv_dirs[-1] if kv_dirs else None
    data = {}
    for name, (index, questions) in sets.items():
        d = kv_dir if name == "kv" else args.dir / index
        if d is None or not (d / "assistant.sqlite").exists():
            print(f"{name}: no index at {d}; run benchmarks/eval_retrieval.py first", file=sys.stderr)
            continue
        s = Assistant(Settings.from_env(index_dir=d), embedder=embedder).searcher()
        rows, ys = [], []
        for q, answerable in questions:
            rows.append(features(s.search(q, k=5).evidence))
            ys.append(1.0 if answerable else 0.0)
        data[name] = (np.array(rows), np.array(ys), [q for q, _ in questions])
    return data


if __name__ == "__main__":
    raise SystemExit(main())
