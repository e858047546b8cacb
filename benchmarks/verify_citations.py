"""Check that every returned passage is verbatim text of its source, on the pages its citation names,
with a second extractor: poppler's `pdftotext` (not pypdf, which the assistant reads PDFs with).

    python benchmarks/verify_citations.py [--index /tmp/pla-eval/unseen] [--questions ../shared/eval/unseen-dev/qa.jsonl] [--k 5]

Asks every question of the set, takes the top k hits, and for each hit of a PDF compares its text
with `pdftotext -f PAGE -l PAGE_END` (default reading order) of the pages it cites. Both texts are
normalised the same way (lower case, letters and digits only, hyphens at line ends joined, white
space folded). A hit's score is the share of its runs of 4 consecutive words that occur in those
pages: a hit passes at 0.9 or more (the two extractors order side columns, table cells and
headings differently, which breaks runs where the order differs, not the words). Prints the share
of hits that pass, the median score, and the hits below 0.9 with a run that was not found.
It also prints the share of hits whose words, in any order, are on the pages they cite (at least
95% of them, counted with repeats): what remains below that is text that differs, not its order.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RUN = 4
PASS = 0.9
WORDS_PASS = 0.95


def normal_words(text: str) -> list[str]:
    text = re.sub(r"(\w)[-\u00ad]\s*\n\s*(\w)", r"\1\2", text)  # words broken at a line end
    text = text.replace("\u00ad", "")
    return re.findall(r"[^\W_]+", text.lower())


@lru_cache(maxsize=256)
def page_words(pdf: str, first: int, last: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), "-enc", "UTF-8", pdf, "-"],
                         capture_output=True, text=True, timeout=60)
    return " " + " ".join(normal_words(out.stdout)) + " "


def run_share(words: list[str], haystack: str) -> tuple[float, str | None]:
    """Share of the runs of RUN words (the whole text when shorter) found in `haystack`, and the
    first run that was not."""
    n = min(RUN, len(words))
    runs = [" " + " ".join(words[i:i + n]) + " " for i in range(0, max(1, len(words) - n + 1))]
    missing = [r for r in runs if r not in haystack]
    return 1 - len(missing) / len(runs), (missing[0].strip() if missing else None)


def word_share(words: list[str], haystack: str) -> float:
    """Share of the words found on the pages in any order, each page word used at most once."""
    return sum((Counter(words) & Counter(haystack.split())).values()) / max(len(words), 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", type=Path, default=Path("/tmp/pla-eval/unseen"))
    p.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "unseen-dev" / "qa.jsonl")
    p.add_argument("--k", type=int, default=5)
    args = p.parse_args(argv)
    os.environ.setdefault("ASSISTANT_CACHE", str(ROOT / ".cache"))
    from assistant.config import Settings
    from assistant.core import Assistant

    a = Assistant(Settings.from_env(index_dir=args.index))
    questions = [json.loads(x)["q"] for x in args.questions.read_text(encoding="utf-8").splitlines() if x.strip()]
    scores: list[float] = []
    any_order: list[float] = []
    failures = []
    seen: set[tuple] = set()
    for q in questions:
        for hit in a.ask(q, k=args.k).hits:
            stored = a.index.stored_file(hit.document.id)
            if not stored or stored[1] != "application/pdf":
                continue
            key = (hit.document.id, tuple(hit.passage_ids))
            if key in seen:
                continue
            seen.add(key)
            words, pages = normal_words(hit.text), page_words(str(stored[0]), hit.page, hit.page_end)
            share, missing = run_share(words, pages)
            scores.append(share)
            any_order.append(word_share(words, pages))
            if share < PASS:
                failures.append((share, any_order[-1], hit.citation, hit.kind, missing))
    passed = sum(s >= PASS for s in scores)
    median = sorted(scores)[len(scores) // 2] if scores else 0.0
    print(f"{passed} of {len(scores)} distinct hits ({passed / max(len(scores), 1):.1%}) are verbatim text of the pages "
          f"they cite by pdftotext (at least {PASS:.0%} of their {RUN}-word runs found there); median share "
          f"{median:.3f}; {len(questions)} questions, top {args.k}")
    whole = sum(s >= WORDS_PASS for s in any_order)
    print(f"{whole} of {len(any_order)} ({whole / max(len(any_order), 1):.1%}) have at least {WORDS_PASS:.0%} of their "
          f"words on those pages in any order")
    for share, words, cite, kind, missing in sorted(failures):
        print(f"  {share:.2f} (words {words:.2f}) not found e.g. '{missing}'  [{kind}] {cite}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
