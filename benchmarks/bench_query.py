"""Warm question latency, memory and index size from a thousand to a million passages.

    .venv/bin/python benchmarks/bench_query.py                      # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench_query.py --sizes 1000,1000000 # up to a million

Passages come from ../shared/corpus-scale (OCR'd parliamentary papers), chunked by
the product's own chunker. `--real N` of them are embedded with the real model;
larger sizes reuse those vectors with small random perturbations (renormalised),
but every question runs the whole query path: embedding the question, FAISS,
BM25 over SQLite FTS5, passage and document rows, highlighting.
Each size is measured in a fresh subprocess (peak RSS = what `serve` would hold).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCALE = ROOT.parent / "shared" / "corpus-scale" / "statengeneraal-digitaal-5023.jsonl.gz"
QUESTIONS = [
    "Wat zegt de regering over de pensioenen van ambtenaren?",
    "what did the government decide about the railways?",
    "begroting van het ministerie van oorlog",
    "Hoeveel kost de aanleg van de dijk?",
    "onderwijs op de lagere scholen",
    "tariffs on imported grain",
    "Welke maatregelen tegen de werkloosheid?",
    "verkiezingen voor de provinciale staten",
    "the colonial budget for the East Indies",
    "vrijheid van drukpers",
    "wat zegt de minister over de gezondheidszorg",
    "subsidies for housing construction after the war",
]


def passages_from_scale(limit: int, max_docs: int | None = None) -> list[tuple[str, str]]:
    """(document key, passage text) from the scale corpus, in file order."""
    from assistant.chunk import chunk_pages
    from assistant.clean import clean_pages

    out: list[tuple[str, str]] = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if max_docs and n >= max_docs:
                break
            d = json.loads(line)
            pages = clean_pages([d.get("Content") or ""])
            for p in chunk_pages(pages):
                out.append((d.get("URL") or f"doc{n}", p.text))
                if len(out) >= limit:
                    return out
    return out


def build(index_dir: Path, size: int, real: int, cache: Path) -> dict:
    """Embed `real` passages once (cached), then write an index of `size` passages."""
    import numpy as np

    from assistant.config import Settings
    from assistant.embed import Embedder
    from assistant.store.folder import FolderStore
    from assistant.types import DocumentMeta, LoadedDocument, Page, Passage

    cache.mkdir(parents=True, exist_ok=True)
    texts_file, vecs_file = cache / f"texts-{real}.json", cache / f"vectors-{real}.npy"
    settings = Settings.from_env(index_dir=index_dir)
    embedder = Embedder(settings)
    if texts_file.exists() and vecs_file.exists():
        items = json.loads(texts_file.read_text())
        vecs = np.load(vecs_file)
    else:
        items = passages_from_scale(real)
        t0 = time.perf_counter()
        vecs = embedder.embed_passages([t for _, t in items])
        print(f"  embedded {len(items)} real passages in {time.perf_counter() - t0:.0f} s", flush=True)
        texts_file.write_text(json.dumps(items, ensure_ascii=False))
        np.save(vecs_file, vecs)
    rng = np.random.default_rng(0)
    index = FolderStore(index_dir, model_id=embedder.model_id, dim=vecs.shape[1], create=True)
    t0 = time.perf_counter()
    per_doc = 100
    with index.write_lock():
        for start in range(0, size, per_doc):
            idx = [(start + j) % len(items) for j in range(min(per_doc, size - start))]
            copy = start // len(items)
            v = vecs[idx]
            if copy:
                v = v + rng.normal(0, 0.02, v.shape).astype("float32")
                v /= np.linalg.norm(v, axis=1, keepdims=True)
            texts = [items[i][1] for i in idx]
            passages = [Passage(text=t, page=1, page_end=1, ordinal=k) for k, t in enumerate(texts)]
            doc = LoadedDocument(source=f"scale-{start // per_doc:06d}.txt", path="", sha256=str(start),
                                 pages=[Page(1, "")], meta=DocumentMeta(title=items[idx[0]][0][-60:]),
                                 media_type="text/plain")
            index.put_document(doc, passages, v, texts)
        t_sql = time.perf_counter() - t0
        t1 = time.perf_counter()
        index.sync_vectors()
        t_faiss = time.perf_counter() - t1
    index.close()
    return {"write_s": round(t_sql, 1), "faiss_build_s": round(t_faiss, 1)}


def peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries that
    over from the parent across fork and exec, so it would report the builder's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(index_dir: Path, runs: int) -> dict:
    """Open the index like `serve` does, warm up, then time questions (run in a fresh process)."""
    import numpy as np

    from assistant.config import Settings
    from assistant.core import Assistant

    t0 = time.perf_counter()
    a = Assistant(Settings.from_env(index_dir=index_dir))
    a.ask("opwarmen")
    open_s = time.perf_counter() - t0
    lat = []
    for i in range(runs):
        q = QUESTIONS[i % len(QUESTIONS)]
        t = time.perf_counter()
        a.ask(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    out = {
        "open_and_first_s": round(open_s, 2),
        "p50_ms": round(statistics.median(lat), 1),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
        "peak_rss_mb": peak_rss_mb(),  # before the recall check below, which loads every vector again
    }
    # recall@10 of the FAISS index against exact search, for approximate index types
    index = a.index.faiss_index()
    import faiss

    base = faiss.downcast_index(index.index) if hasattr(index, "index") else index
    if not isinstance(base, faiss.IndexFlat):
        ids, vecs = a.index.all_vectors()
        exact = faiss.IndexFlatIP(vecs.shape[1])
        exact.add(vecs)
        qv = a.embedder.embed_queries(QUESTIONS)
        _, want = exact.search(qv, 10)
        _, got = index.search(qv, 10)
        rec = np.mean([len(set(ids[w]) & set(g)) / 10 for w, g in zip(want, got)])
        out["recall@10_vs_exact"] = round(float(rec), 3)
    out["index_type"] = type(base).__name__
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--real", type=int, default=2000, help="passages embedded with the real model")
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return 0
    if not SCALE.exists():
        print(f"{SCALE} is missing", file=sys.stderr)
        return 1
    import shutil

    print(f"machine: {os.cpu_count()} cores; real passages embedded: {args.real}; questions timed: {args.runs}")
    print(f"{'passages':>9} {'build':>18} {'disk MB':>8} {'B/passage':>10} {'type':>16} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'RSS MB':>7} {'recall@10':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        d = args.work / f"index-{size}"
        if d.exists():
            shutil.rmtree(d)
        b = build(d, size, min(args.real, size), args.work / "cache")
        disk = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        r = subprocess.run([sys.executable, __file__, "--measure", str(d), "--runs", str(args.runs)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        m = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"{size:9d} {b['write_s']:>7}s+{b['faiss_build_s']:>6}s {disk / 1e6:8.0f} {disk / size:10.0f} "
              f"{m['index_type']:>16} {m['p50_ms']:7.1f} {m['p95_ms']:7.1f} {m['peak_rss_mb']:7d} "
              f"{m.get('recall@10_vs_exact', 1.0):9.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
