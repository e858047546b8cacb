"""What the word-alignment re-rank costs a question: time and memory, with and without it.

    .venv/bin/python benchmarks/bench_rerank.py [--index /tmp/pla-eval/unseen] [--questions FILE] [--n 20]

Asks the first --n questions of --questions (a qa.jsonl; default ../shared/eval/unseen-dev's)
against --index (an index benchmarks/eval_retrieval.py built) with `rerank = none` and with
`rerank = align`, each setting in a fresh process, twice, in turn (none, align, none, align).
Prints per run the median and 90th percentile ms a question and the process's peak resident
memory (VmHWM). The first question of a process includes loading the re-rank's graph.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(index: Path, questions: list[str], rerank: str) -> dict:
    from assistant.config import Settings
    from assistant.core import Assistant

    assistant = Assistant(Settings.from_env(index_dir=index, rerank=rerank))
    times = []
    for q in questions:
        start = time.perf_counter()
        assistant.ask(q)
        times.append((time.perf_counter() - start) * 1000)
    peak = next(int(line.split()[1]) // 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return {"rerank": rerank, "median_ms": statistics.median(times),
            "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))], "peak_mb": peak}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", type=Path, default=Path("/tmp/pla-eval/unseen"))
    p.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "unseen-dev" / "qa.jsonl")
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--child", choices=("none", "align"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if not (args.index / "assistant.sqlite").is_file():
        print(f"no index in {args.index}: run benchmarks/eval_retrieval.py first (or give --index)", file=sys.stderr)
        return 1
    if not args.questions.is_file():
        print(f"no question file {args.questions} (give --questions)", file=sys.stderr)
        return 1
    questions = [json.loads(line)["q"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()][: args.n]
    if args.child:
        print(json.dumps(child(args.index, questions, args.child)))
        return 0
    print(f"{len(questions)} questions of {args.questions} on {args.index}")
    print(f"{'rerank':>7} {'median ms':>10} {'p90 ms':>8} {'peak MB':>8}")
    for rerank in ("none", "align", "none", "align"):
        out = subprocess.run([sys.executable, __file__, "--index", str(args.index), "--questions", str(args.questions),
                              "--n", str(args.n), "--child", rerank], capture_output=True, text=True, check=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{m['rerank']:>7} {m['median_ms']:10.0f} {m['p90_ms']:8.0f} {m['peak_mb']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
