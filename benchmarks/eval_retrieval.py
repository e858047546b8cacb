"""Retrieval quality on every development set, with the dense-only and BM25-only baselines.

    python benchmarks/eval_retrieval.py [--dir /tmp/pla-eval] [--shared ../shared]

Builds (or reuses: unchanged files are skipped) these indexes in --dir:
  seed/     corpus/ only (the seed letter)
  multi/    corpus/ + shared/corpus-real/{letters,kamervragen,wob-besluiten}
  unseen/   the 16 PDFs of shared/eval/unseen-dev/pdfs on their own
  heldoutN/ the PDFs of each benchmarks/data/heldoutN (heldout2, 3, 4, ...), each on their own
and prints, for hybrid, dense and lexical search:
  - unseen-dev/qa.jsonl on unseen/ (and the heldout sets on theirs): document, page and lenient
    hits per split (tune/confirm, a/b, c/d, e/f), language and kind, and the no-answer decision;
  - dev_seed_qa.jsonl on seed/ and dev_multidoc_qa.jsonl on multi/: hit@1, hit@5, MRR per
    language, the no-answer decision and the misses;
  - kamervragen_dev.csv: recall@1/5/10 and MRR (a throw-away index of its answers and
    distractors, cached under $ASSISTANT_CACHE/eval; the first run embeds ~2,000 passages);
  - with --calibration, the own calibration questions in benchmarks/data (answerable ones
    written from the documents and unanswerable ones) that set the no-answer thresholds.
--fusion bm25|coverage|rrf (with --bm25-weight / --coverage-weight) measures the alternatives to
the default fusion; e.g. --fusion bm25 --bm25-weight 0.08 is the fusion this replaced.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "data"


def heldout_sets() -> list[Path]:
    """The held-out verbatim sets benchmarks/data/heldoutN, in order of N."""
    def number(f: Path) -> str:
        return f.name.removeprefix("heldout")

    return sorted((f for f in DATA.glob("heldout*") if number(f).isdigit() and (f / "qa.jsonl").is_file()),
                  key=lambda f: int(number(f)))


def _unanswerable(path: Path):
    from assistant.evaluate import Question
    from assistant.search import language_of

    return [Question(line.strip(), language_of(line), [], None, True)
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def _build(settings, embedder, paths: list[Path], log) -> None:
    from assistant.core import Assistant

    a = Assistant(settings, embedder=embedder)
    t0 = time.perf_counter()
    results = a.ingest(paths, progress=False)
    done = {s: sum(1 for r in results if r.status == s) for s in ("added", "replaced", "unchanged", "failed")}
    log(f"index {settings.index_dir}: " + ", ".join(f"{n} {s}" for s, n in done.items() if n)
        + f" ({time.perf_counter() - t0:.0f} s)")
    a.index.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path("/tmp/pla-eval"), help="where the two indexes live")
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared/ folder")
    p.add_argument("--modes", default="hybrid,dense,lexical")
    p.add_argument("--fusion", choices=["gated", "bm25", "coverage", "rrf"], default=None,
                   help="hybrid fusion to measure (default: the product's, gated)")
    p.add_argument("--bm25-weight", type=float, default=None, help="weight of BM25/best BM25 (gated, bm25)")
    p.add_argument("--coverage-weight", type=float, default=None, help="weight of coverage (gated, coverage)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="set a Searcher class attribute for an experiment, e.g. footnote_penalty=0.01")
    p.add_argument("--skip-kamervragen", action="store_true", help="leave out the (slow) Kamervragen CSV")
    p.add_argument("--calibration", action="store_true", help="also the no-answer calibration questions")
    p.add_argument("--json", action="store_true", help="one JSON object instead of tables")
    p.add_argument("--sets", default="unseen,heldout,seed,multi,kamervragen",
                   help="comma-separated: unseen, heldout (every benchmarks/data/heldoutN) or one of them "
                        "(heldout3), seed, multi, kamervragen (default: all)")
    p.add_argument("--verbatim", action="append", default=[], metavar="NAME=DIR",
                   help="also a verbatim-answer set laid out as unseen-dev (DIR/pdfs, DIR/qa.jsonl), "
                        "indexed on its own in --dir/NAME")
    p.add_argument("--glossary", default=None, metavar="FILE|none",
                   help="measure with this glossary file instead of the packaged one (none: no glossary)")
    p.add_argument("--split", default=None,
                   help="only the questions of this split of the verbatim sets (e.g. tune), so that a "
                        "held-back half is not printed while tuning")
    args = p.parse_args(argv)

    os.environ.setdefault("ASSISTANT_CACHE", str(ROOT / ".cache"))
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.embed import Embedder
    from assistant.evaluate import (eval_pairs_csv, evaluate_questions, evaluate_verbatim, format_pairs_report,
                                    format_results, format_verbatim, read_jsonl)
    from assistant.search import Searcher

    if args.fusion:
        Searcher.fusion = args.fusion
    for assignment in args.set:
        name, value = assignment.split("=", 1)
        setattr(Searcher, name, type(getattr(Searcher, name))(value))
    if args.bm25_weight is not None:
        Searcher.bm25_weight = args.bm25_weight
    if args.coverage_weight is not None:
        Searcher.coverage_weight = args.coverage_weight
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    evald = args.shared / "eval"
    real = args.shared / "corpus-real"
    if not evald.is_dir():
        print(f"{evald} is missing: the question sets live in shared/eval", file=sys.stderr)
        return 2
    log = (lambda s: print(s, file=sys.stderr)) if not args.json else (lambda s: None)
    base = Settings.from_env(corpus_dir=ROOT / "corpus")
    embedder = Embedder(base)
    sets = {x.strip() for x in args.sets.split(",") if x.strip()}
    unseen = evald / "unseen-dev"
    settings = {name: Settings.from_env(index_dir=args.dir / name, corpus_dir=ROOT / "corpus")
                for name in ("seed", "multi", "unseen")}
    if "seed" in sets or args.calibration:
        _build(settings["seed"], embedder, [ROOT / "corpus"], log)
    if "multi" in sets or args.calibration:
        _build(settings["multi"], embedder,
               [ROOT / "corpus"] + [real / d for d in ("letters", "kamervragen", "wob-besluiten") if (real / d).is_dir()],
               log)

    report: dict = {}
    glossary_override = None
    if args.glossary:
        from assistant.glossary import Glossary

        glossary_override = (Glossary.from_text("", "none") if args.glossary == "none"
                             else Glossary.from_text(Path(args.glossary).read_text(encoding="utf-8"), args.glossary))

    def glossary_of(searcher):
        return glossary_override if glossary_override is not None else searcher.glossary

    def run(name: str, index_name: str, questions) -> None:
        a = Assistant(settings[index_name], embedder=embedder)
        b = a.searcher()
        results = [evaluate_questions(Searcher(b.index, embedder, glossary=glossary_of(b), mode=m), questions, 5)
                   for m in modes]
        report[name] = {r.mode: {"groups": r.groups, "no_answer": r.noanswer, "ms_per_query": r.ms_per_query}
                        for r in results}
        if not args.json:
            n_un = sum(q.unanswerable for q in questions)
            print(format_results(results, f"\n== {name} on {index_name}/ ({len(questions)} questions, "
                                          f"{n_un} unanswerable)"))

    verbatim = [("unseen-dev", unseen)] if "unseen" in sets else []
    for folder in heldout_sets():
        if folder.name in sets or "heldout" in sets:
            verbatim.append((folder.name, folder))
    for item in args.verbatim:
        name, _, folder = item.partition("=")
        verbatim.append((name, Path(folder)))
    for name, folder in verbatim:
        if not (folder / "qa.jsonl").is_file() or not (folder / "pdfs").is_dir():
            log(f"{folder}: no qa.jsonl and pdfs/ there; {name} left out")
            continue
        index_name = "unseen" if name == "unseen-dev" else name
        settings.setdefault(index_name, Settings.from_env(index_dir=args.dir / index_name, corpus_dir=ROOT / "corpus"))
        _build(settings[index_name], embedder, [folder / "pdfs"], log)
        a = Assistant(settings[index_name], embedder=embedder)
        b = a.searcher()
        questions = read_jsonl(folder / "qa.jsonl")
        if args.split:
            questions = [q for q in questions if q.split == args.split]
        vres = [evaluate_verbatim(Searcher(b.index, embedder, glossary=glossary_of(b), mode=m), questions, 5)
                for m in modes]
        report[f"{name}/qa.jsonl"] = {r.mode: {"groups": r.groups, "no_answer": r.noanswer,
                                               "ms_per_query": r.ms_per_query} for r in vres}
        if not args.json:
            print(format_verbatim(vres, f"== {name}/qa.jsonl on {index_name}/ ({len(questions)} questions)"))
    if "seed" in sets:
        run("dev_seed_qa.jsonl", "seed", read_jsonl(evald / "dev_seed_qa.jsonl"))
    if "multi" in sets:
        run("dev_multidoc_qa.jsonl", "multi", read_jsonl(evald / "dev_multidoc_qa.jsonl"))
    if args.calibration:
        run("calibration: seed letter", "seed",
            read_jsonl(DATA / "seed_calibration_qa.jsonl") + _unanswerable(DATA / "seed_unanswerable.txt")
            + _unanswerable(DATA / "offtopic_questions.txt"))
        run("calibration: multi-document", "multi",
            read_jsonl(DATA / "multidoc_calibration_qa.jsonl") + read_jsonl(DATA / "seed_calibration_qa.jsonl")
            + _unanswerable(DATA / "multidoc_unanswerable.txt"))
    if "kamervragen" in sets and not args.skip_kamervragen and (evald / "kamervragen_dev.csv").exists():
        kv = eval_pairs_csv(base, evald / "kamervragen_dev.csv", modes, embedder=embedder)
        report["kamervragen_dev.csv"] = kv
        if not args.json:
            print("\n== " + format_pairs_report(kv, "kamervragen_dev.csv"))
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
