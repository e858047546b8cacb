"""Time per document of `assistant add` through the local stand-in of the official services
(tests/standin.py serving ../shared/corpus-official): SRU look-up, downloads, XML on the PDF's
pages, embedding and commit, with the model already loaded (as in `serve` or a batch `add`).

    .venv/bin/python benchmarks/bench_official.py [--rounds 5]

Each round adds the recorded documents one by one into a fresh index; printed: the median and
range per document over the rounds, and the median over all.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOCS = ["kst-32545-143", "ah-tk-20202021-3235", "kst-19637-3384"]  # the last by the Tweede Kamer route


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.embed import Embedder
    from assistant.official.service import OfficialService
    from tests.standin import StandIn

    shared = ROOT.parent / "shared" / "corpus-official"
    if not shared.is_dir():
        print(f"{shared} is absent", file=sys.stderr)
        return 1
    times: dict[str, list[float]] = {d: [] for d in DOCS}
    with StandIn(shared) as stand, tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(Settings.from_env(index_dir=Path(tmp) / "unused"))
        _ = embedder.model
        for n in range(args.rounds):
            settings = Settings.from_env(index_dir=Path(tmp) / f"index-{n}", koop_url=stand.url, tk_url=stand.url)
            service = OfficialService(Assistant(settings, embedder=embedder))
            for doc in DOCS:
                t = time.perf_counter()
                (result,) = service.add([doc])
                times[doc].append(time.perf_counter() - t)
                assert result.status == "added", result
    for doc, ts in times.items():
        print(f"{doc:24s} median {statistics.median(ts) * 1000:6.0f} ms  (range {min(ts) * 1000:.0f}-"
              f"{max(ts) * 1000:.0f} ms over {len(ts)} rounds)")
    every = [t for ts in times.values() for t in ts]
    print(f"{'all documents':24s} median {statistics.median(every) * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
