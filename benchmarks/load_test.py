"""A bounded load test of `assistant serve` on loopback.

    .venv/bin/python benchmarks/load_test.py [--clients 20] [--questions 50]

Starts `assistant serve` on 127.0.0.1 and a free port over a copy of an index of
corpus/, then runs N client threads asking M questions each while one extra
client uploads generated PDFs one by one. Checks: every request answered with
200, every uploaded document listed afterwards, the index consistent. Prints
p50/p95 latency of the questions. All traffic stays on 127.0.0.1; every loop is
bounded in count and time.
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
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUESTIONS = [json.loads(x)["q"] for x in (ROOT.parent / "shared/eval/dev_seed_qa.jsonl").read_text().splitlines()
             if x.strip()] if (ROOT.parent / "shared/eval/dev_seed_qa.jsonl").exists() else [
    "what did the cabinet say about CSDDD?", "Welke rol spelen ambassades?", "anti-SLAPP directive"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict, timeout: float = 120) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, {}


def upload(url: str, name: str, data: bytes, timeout: float = 600) -> tuple[int, list]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--uploads", type=int, default=3)
    ap.add_argument("--index", type=Path, help="an index to copy (default: build one of corpus/)")
    args = ap.parse_args()
    from tests.pdfgen import make_pdf

    work = Path(tempfile.mkdtemp(prefix="assistant-load-"))
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
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.time() - t0 > 300:
                    print("server did not start:", server.stderr.read() if server.poll() is not None else "timeout")
                    return 1
                time.sleep(0.5)
        print(f"server up after {time.time() - t0:.1f} s; {args.clients} clients x {args.questions} questions, "
              f"{args.uploads} uploads alongside")
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client(n: int) -> None:
            for i in range(args.questions):
                q = QUESTIONS[(n * 7 + i) % len(QUESTIONS)]
                t = time.perf_counter()
                status, body = post_json(base + "/api/ask", {"question": q, "k": 5})
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    if status != 200 or "hits" not in body:
                        errors.append(f"ask {status}")
                    else:
                        latencies.append(dt)

        uploaded: list[str] = []

        def uploader() -> None:
            for u in range(args.uploads):
                words = f"Het kabinet besluit over last-test-onderwerp {u} en de kosten daarvan voor de regio.".split()
                lines = [" ".join(words[j:j + 10]) for j in range(0, len(words), 10)] * 8
                status, res = upload(base + "/api/documents", f"lasttest-{u}.pdf", make_pdf([lines, lines]))
                with lock:
                    if status != 200 or not res or res[0].get("status") != "added":
                        errors.append(f"upload {status} {res}")
                    else:
                        uploaded.append(res[0]["id"])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        threads.append(threading.Thread(target=uploader))
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=3600)
        wall = time.time() - t0
        with urllib.request.urlopen(base + "/api/documents", timeout=30) as r:
            listed = {d["id"] for d in json.loads(r.read())}
        lost = [d for d in uploaded if d not in listed]
        latencies.sort()
        n = len(latencies)
        print(f"answered {n} questions in {wall:.0f} s ({n / wall:.1f}/s); errors: {len(errors)} "
              f"{errors[:3] if errors else ''}")
        if n:
            print(f"latency p50 {statistics.median(latencies):.0f} ms, p95 {latencies[int(0.95 * (n - 1))]:.0f} ms, "
                  f"max {latencies[-1]:.0f} ms")
        print(f"uploads: {len(uploaded)} added, lost after the run: {len(lost)}")
        return 0 if not errors and not lost else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
