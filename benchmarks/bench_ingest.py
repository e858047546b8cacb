"""Ingest throughput next to the bare encoder's throughput on the same passages, per passage engine.

    .venv/bin/python benchmarks/bench_ingest.py [FOLDER ...]   # default: ../shared/corpus-real/letters
        [--engines sentence-transformers,onnx] [--runs 3] [--cli-runs 1] [--cold-runs 3]

For each passage engine (ASSISTANT_PASSAGE_ENGINE: `sentence-transformers` is the encoder before
issue 16, `onnx` the model's ONNX passage graph that `auto` takes on the CPU), in the same process
and interleaved run by run, so that the load of a shared machine falls on both alike:
  - ingest:  the whole pipeline into a new index (read, parse, clean, chunk, embed, store, FAISS),
             model loaded beforehand; passages/s, and the share of it spent in the encoder
             (the rest: the encoder waiting for the next parsed file, the store, FAISS);
  - bare:    the engine alone on exactly the texts the pipeline embedded (Embedder.embed_passages
             on all of them at once); passages/s and ms per batch;
  - ratios:  ingest / bare, and each engine against the first one (medians of per-run ratios).
Then the cosine between the engines' vectors of every passage, the whole `assistant ingest`
command per engine (process start to exit, model load and all) and the cold `assistant ask`.
Prints figures only; nothing here is a test.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn, spent: list[float]):
    """`fn`, adding the seconds each call takes to spent[0]."""
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0
    return wrapper


def _store_class():
    """The index class whose put_document stores a document (None where it is not found)."""
    try:
        from assistant.store.folder import FolderStore
    except ImportError:
        return None
    return FolderStore


def _ingest(settings, embedder, folders, index_dir: Path) -> dict:
    """One ingest into a new index: seconds in all, inside the encoder and inside the store."""
    from assistant.core import Assistant

    shutil.rmtree(index_dir, ignore_errors=True)
    assistant = Assistant(settings.__class__.from_env(index_dir=index_dir, cache_dir=settings.cache_dir),
                          embedder=embedder)
    encode, store = [0.0], [0.0]
    embedder.embed_passages = _timed(embedder.embed_passages, encode)
    cls = _store_class()
    put = cls.put_document if cls else None
    if cls:
        cls.put_document = _timed(put, store)
    try:
        t0 = time.perf_counter()
        results = assistant.ingest(folders, progress=False)
        seconds = time.perf_counter() - t0
    finally:
        del embedder.embed_passages  # the class's method again
        if cls:
            cls.put_document = put
    added = [r for r in results if r.status == "added"]
    assistant.index.close()
    shutil.rmtree(index_dir, ignore_errors=True)
    return {"seconds": seconds, "encode": encode[0], "store": store[0], "passages": sum(r.passages for r in added),
            "pages": sum(r.pages for r in added), "files": len(added), "failed": len(results) - len(added)}


def _batches(embedder, texts) -> int:
    engine = embedder._passage_engine()
    if engine is None:
        return -(-len(texts) // max(1, embedder.settings.batch_size))
    lengths = [len(e.ids) for e in engine._tok.encode_batch(["passage: " + t for t in texts])]
    return len(engine.batches(lengths))


def _cli_ingest(engine: str, folders, work: Path) -> tuple[float, str]:
    """The whole `assistant ingest` command: seconds from start to exit, and its device line."""
    index = work / f"cli-{engine}"
    shutil.rmtree(index, ignore_errors=True)
    env = dict(os.environ, ASSISTANT_PASSAGE_ENGINE=engine)
    t0 = time.perf_counter()
    r = subprocess.run([str(Path(sys.executable).with_name("assistant")), "ingest", "--index", str(index),
                        *map(str, folders)], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    shutil.rmtree(index, ignore_errors=True)
    line = next((x for x in r.stderr.splitlines() if x.startswith("passages embedded on")), r.stderr[-300:])
    return seconds, line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path, default=[ROOT.parent / "shared" / "corpus-real" / "letters"])
    ap.add_argument("--engines", default="sentence-transformers,onnx",
                    help="passage engines to compare, the first is the baseline (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=3, help="ingest + bare encode runs per engine")
    ap.add_argument("--cli-runs", type=int, default=1, help="whole `assistant ingest` commands per engine")
    ap.add_argument("--cold-runs", type=int, default=3, help="cold `assistant ask` commands")
    args = ap.parse_args()

    import numpy as np

    from assistant.config import Settings
    from assistant.embed import Embedder
    from assistant.ingest import embedding_text, prepare
    from assistant.load import find_documents

    work = Path(tempfile.mkdtemp(prefix="assistant-bench-ingest-"))
    settings = Settings.from_env(index_dir=work / "index")
    engines = args.engines.split(",")
    embedders = {}
    for name in engines:
        t0 = time.perf_counter()
        embedders[name] = Embedder(settings, passage_engine=name)
        where = embedders[name].prepare_passage_engine()  # model load (or graph build) not counted
        print(f"{name}: {where}, ready in {time.perf_counter() - t0:.1f} s (not counted)", flush=True)

    texts: list[str] = []
    t0 = time.perf_counter()
    for f in find_documents(args.folders):
        try:
            doc, ps, _ = prepare(f, settings)
        except Exception:  # what ingest reports as failed
            continue
        texts.extend(embedding_text(doc, p) for p in ps)
    prep_s = time.perf_counter() - t0

    ingests: dict[str, list[dict]] = {n: [] for n in engines}
    bare: dict[str, list[float]] = {n: [] for n in engines}
    vectors = {}
    for run in range(args.runs):
        order = engines if run % 2 == 0 else engines[::-1]
        for name in order:
            ingests[name].append(_ingest(settings, embedders[name], args.folders, work / f"index-{name}"))
            t0 = time.perf_counter()
            vectors[name] = embedders[name].embed_passages(texts)
            bare[name].append(time.perf_counter() - t0)
            i = ingests[name][-1]
            print(f"run {run + 1} {name:22s} ingest {i['seconds']:6.1f} s (encoder {i['encode']:6.1f} s, store "
                  f"{i['store']:5.1f} s, the rest {i['seconds'] - i['encode'] - i['store']:5.1f} s)   "
                  f"bare {bare[name][-1]:6.1f} s", flush=True)

    first = ingests[engines[0]][0]
    n = first["passages"]
    print(f"\nmachine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"corpus: {', '.join(map(str, args.folders))}: {first['files']} files added ({first['failed']} not), "
          f"{first['pages']} pages, {n} passages ({len(texts)} in the bare runs)")
    print(f"load+clean+chunk alone, one thread: {prep_s:.1f} s\n")
    print(f"{'engine':22s} {'ingest p/s':>10s} {'bare p/s':>9s} {'ms/batch':>9s} {'batches':>7s} "
          f"{'ingest/bare':>11s} {'in encoder':>10s} {'in store':>8s} {'ingest vs ' + engines[0]:>30s}")
    base = [r["seconds"] for r in ingests[engines[0]]]
    for name in engines:
        runs, b = ingests[name], bare[name]
        ing = statistics.median(r["seconds"] for r in runs)
        ratio = statistics.median((r["passages"] / r["seconds"]) / (len(texts) / bb) for r, bb in zip(runs, b))
        busy = statistics.median(r["encode"] / r["seconds"] for r in runs)
        stored = statistics.median(r["store"] / r["seconds"] for r in runs)
        speed = statistics.median(x / r["seconds"] for x, r in zip(base, runs))
        nb = _batches(embedders[name], texts)
        print(f"{name:22s} {n / ing:10.2f} {len(texts) / statistics.median(b):9.2f} "
              f"{1000 * statistics.median(b) / nb:9.0f} {nb:7d} {ratio:11.2f} {busy:10.2f} {stored:8.2f} {speed:30.2f}")
    print("(medians over", args.runs, "runs; ratios are medians of the per-run ratios; runs:",
          {k: [round(r["seconds"], 1) for r in v] for k, v in ingests.items()}, "bare:",
          {k: [round(x, 1) for x in v] for k, v in bare.items()}, ")")

    if len(engines) > 1:
        a, b = vectors[engines[0]], vectors[engines[1]]
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"\ncosine {engines[1]} vs {engines[0]} over all {len(texts)} passages: min {cos.min():.6f}, "
              f"median {np.median(cos):.6f}, below 0.9999: {int(np.sum(cos < 0.9999))}")

    for name in engines:
        for _ in range(args.cli_runs):
            seconds, line = _cli_ingest(name, args.folders, work)
            print(f"whole `assistant ingest` ({name}): {seconds:.1f} s, {n / seconds:.2f} passages/s; {line}")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    if args.cold_runs:
        index = work / "ask-index"
        from assistant.core import Assistant

        Assistant(Settings.from_env(index_dir=index), embedder=embedders[engines[-1]]).ingest(
            args.folders, progress=False)
        cold = []
        for _ in range(args.cold_runs):
            t0 = time.perf_counter()
            r = subprocess.run([str(Path(sys.executable).with_name("assistant")), "ask", "--index", str(index),
                                "wat zegt de minister over Schiphol?"], capture_output=True, text=True)
            cold.append(time.perf_counter() - t0)
            if r.returncode != 0:
                print(r.stderr)
                break
        print(f"cold `assistant ask` wall time: median {statistics.median(cold):.2f} s over {len(cold)} runs "
              f"(min {min(cold):.2f}, max {max(cold):.2f})")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
