"""Ingest throughput, plain and on Ray (`assistant ingest --ray`), in passages per second.

    .venv/bin/python benchmarks/bench_ray.py [PATH ...]   # default: ../shared/corpus-real/letters
        [--workers 1,2] [--runs 3] [--cpus N]

One local Ray cluster (`--cpus`, default all cores) is started in this process and kept for all
runs, so the figures leave out the cluster's start (about 5 s) but include what every `--ray`
ingest pays: starting the workers and loading the model in each. A plain run builds a fresh
embedder and includes its model load too. Runs are interleaved (plain, 1 worker, 2 workers,
plain, ...) so that the load of a shared machine falls on all alike; medians are printed.
Needs `pip install .[ray]`; prints figures only.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_run(paths: list[Path], index_dir: Path, workers: int | None) -> tuple[float, int]:
    """Seconds and passages added of one ingest into a new index (workers None: plain)."""
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.distributed import ray_ingester

    shutil.rmtree(index_dir, ignore_errors=True)
    assistant = Assistant(Settings.from_env(index_dir=index_dir))
    ingester = ray_ingester("auto", workers) if workers else None
    t0 = time.perf_counter()
    results = assistant.ingest(paths, progress=False, ingester=ingester)
    seconds = time.perf_counter() - t0
    assistant.index.close()
    shutil.rmtree(index_dir, ignore_errors=True)
    failed = [r.line() for r in results if r.status == "failed"]
    if failed:
        print("  " + "\n  ".join(failed), file=sys.stderr)
    return seconds, sum(r.passages for r in results if r.status == "added")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[ROOT.parent / "shared" / "corpus-real" / "letters"])
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts for --ray")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs of the local Ray cluster")
    args = ap.parse_args()
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    import ray

    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    modes: list[int | None] = [None] + [int(w) for w in args.workers.split(",") if w.strip()]
    rates: dict[int | None, list[float]] = {m: [] for m in modes}
    passages = 0
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        for run in range(args.runs):
            for mode in modes:
                seconds, passages = one_run(args.paths, Path(tmp) / "index", mode)
                rates[mode].append(passages / seconds)
                name = "plain" if mode is None else f"ray x{mode}"
                print(f"run {run + 1} {name:9s} {passages} passages in {seconds:6.1f} s = "
                      f"{passages / seconds:5.2f} passages/s", flush=True)
    ray.shutdown()
    print(f"\n{passages} passages, {args.cpus} CPUs in the cluster, os.cpu_count()={os.cpu_count()}; "
          f"medians of {args.runs} runs:")
    plain = statistics.median(rates[None])
    for mode in modes:
        med = statistics.median(rates[mode])
        name = "plain ingest" if mode is None else f"--ray, {mode} worker{'s' if mode > 1 else ''}"
        print(f"  {name:18s} {med:6.2f} passages/s  ({med / plain:.2f}x plain; "
              f"range {min(rates[mode]):.2f}-{max(rates[mode]):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
