"""Ingest throughput next to the bare model's encode throughput on the same passages.

    .venv/bin/python benchmarks/bench_ingest.py [FOLDER ...]   # default: ../shared/corpus-real/letters

Prints pages/s and passages/s of `assistant ingest` (load, clean, chunk, embed,
store, FAISS) and of `SentenceTransformer.encode` alone on exactly the texts the
pipeline embedded, measured in the same process, so the pipeline's overhead is
a ratio. Also the cold `assistant ask` wall time (process start to printed answer).
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path, default=[ROOT.parent / "shared" / "corpus-real" / "letters"])
    ap.add_argument("--cold-runs", type=int, default=5)
    args = ap.parse_args()

    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.ingest import embedding_text, prepare
    from assistant.load import find_documents

    work = Path(tempfile.mkdtemp(prefix="assistant-bench-ingest-"))
    settings = Settings.from_env(index_dir=work / "index")
    assistant = Assistant(settings)
    t0 = time.perf_counter()
    _ = assistant.embedder.model  # model load is not part of the throughput
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = assistant.ingest(args.folders, progress=False)
    ingest_s = time.perf_counter() - t0
    ok = [r for r in results if r.status == "added"]
    pages = sum(r.pages for r in ok)
    passages = sum(r.passages for r in ok)

    # the same texts through the bare model
    texts: list[str] = []
    t0 = time.perf_counter()
    for f in find_documents(args.folders):
        try:
            doc, ps, _ = prepare(f, settings)
        except Exception:
            continue
        texts.extend(embedding_text(doc, p) for p in ps)
    prep_s = time.perf_counter() - t0
    model = assistant.embedder.model
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    prefix = assistant.embedder._passage_prefix
    t0 = time.perf_counter()
    model.encode([prefix + t for t in texts], batch_size=settings.batch_size, normalize_embeddings=True)
    bare_s = time.perf_counter() - t0

    print(f"machine: {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, batch {settings.batch_size}")
    print(f"files: {len(ok)} added, {len(results) - len(ok)} not; {pages} pages, {passages} passages")
    print(f"model load: {load_s:.1f} s (not counted)")
    print(f"ingest:      {ingest_s:7.1f} s  {pages / ingest_s:6.2f} pages/s  {passages / ingest_s:6.2f} passages/s")
    print(f"bare encode: {bare_s:7.1f} s  {len(texts) / bare_s:6.2f} passages/s  (same {len(texts)} texts)")
    print(f"ingest / bare encode throughput: {(passages / ingest_s) / (len(texts) / bare_s):.2f}")
    print(f"load+clean+chunk alone: {prep_s:.1f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    cold = []
    for _ in range(args.cold_runs):
        t0 = time.perf_counter()
        r = subprocess.run([str(Path(sys.executable).with_name("assistant")), "ask", "--index", str(work / "index"),
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
