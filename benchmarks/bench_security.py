"""How fast `assistant serve` refuses oversized and pathological requests (issue 12).

    .venv/bin/python benchmarks/bench_security.py [--index DIR] [--runs 3]

Starts `assistant serve` on 127.0.0.1 and a free port over a copy of an index of corpus/
(or of --index) and times, over HTTP, each request a client needs before it has its answer:

  - a 20 MB /api/ask body with a Content-Length, and the same sent in chunks without one (413)
  - {"question": "en?", "history": ["en?"] * 50}: follow-up rewriting (once exponential)
  - a realistic chat of 18 "en in X?" follow-ups after one question
  - 10,000 history turns (422; once a RecursionError and a 500)
  - a question at the 2,000-character limit with 50 turns of 2,000 characters (the largest accepted)

Prints the status and the median time of --runs runs of each. All traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, help="an index to copy (default: build one of corpus/)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="assistant-security-"))
    idx = work / "index"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", GRADIO_TEMP_DIR=str(work / "gradio"))
    exe = str(Path(sys.executable).with_name("assistant"))
    if args.index:
        shutil.copytree(args.index, idx)
    else:
        subprocess.run([exe, "ingest", str(ROOT / "corpus"), "--index", str(idx)], check=True, env=env,
                       capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([exe, "serve", "--index", str(idx), "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.time()
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if server.poll() is not None or time.time() - t0 > 300:
                    print("server did not start:", server.stderr.read() if server.poll() is not None else "timeout")
                    return 1
                time.sleep(0.5)
        big = b'{"question": "en?", "history": ["' + b"a" * (20 * 1024 * 1024) + b'"]}'
        countries = ["Iran", "China", "Syrie", "Noord-Korea", "Venezuela", "Myanmar", "Libie", "Soedan", "Mali",
                     "Eritrea", "Cuba", "Nicaragua", "Jemen", "Somalie", "Irak", "Haiti", "Burundi", "Belarus"]
        cases = {
            "20 MB body, Content-Length": lambda c: c.post("/api/ask", content=big,
                                                          headers={"content-type": "application/json"}),
            "20 MB body, chunked": lambda c: c.post("/api/ask", content=(big[i:i + 65536] for i in range(
                0, len(big), 65536)), headers={"content-type": "application/json"}),
            '"en?" after 50 x "en?"': lambda c: c.post("/api/ask", json={"question": "en?", "history": ["en?"] * 50}),
            '18 x "en in X?" chat': lambda c: c.post("/api/ask", json={
                "question": "en in Wit-Rusland?",
                "history": ["Hoeveel personen zijn in Rusland door de EU gesanctioneerd?"]
                + [f"en in {x}?" for x in countries]}),
            "10,000 history turns": lambda c: c.post("/api/ask", json={
                "question": "en?", "history": [{"role": "user", "content": "en?"}] * 10_000}),
            "largest accepted question": lambda c: c.post("/api/ask", json={
                "question": "wat zegt het kabinet over de zorgplicht " * 50, "history": ["x " * 1000] * 50}),
        }
        print(f"server up after {time.time() - t0:.1f} s; {args.runs} runs of each request")
        with httpx.Client(base_url=base, timeout=300) as c:
            for name, send in cases.items():
                times, statuses = [], set()
                for _ in range(args.runs):
                    t = time.perf_counter()
                    r = send(c)
                    times.append(time.perf_counter() - t)
                    statuses.add(r.status_code)
                detail = ""
                if r.status_code == 200:
                    detail = f"; rewritten_query {len(r.json().get('rewritten_query', ''))} characters"
                elif r.headers.get("content-type", "").startswith("application/json"):
                    detail = f"; {json.dumps(r.json()['error'])[:80]}"
                print(f"{name:28s} status {sorted(statuses)}  median {statistics.median(times) * 1000:7.0f} ms "
                      f"(max {max(times) * 1000:.0f}){detail}")
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
