"""`assistant eval`: retrieval quality on a question set, with baselines.

Two formats:
- JSON lines {"q", "lang", "keys", "doc"?, "unanswerable"?}: a hit is a returned
  passage whose text contains a key (case-insensitive, white space folded) and,
  when "doc" is given, whose source file name contains it. Reports hit@1,
  hit@k and MRR per language and overall, precision/recall of the no-answer
  decision on unanswerable questions, and the misses.
- CSV with question/answer/distractor columns (Kamervragen): every answer and
  distractor becomes a passage of a throw-away index; reports recall@1/5/10 and
  MRR of each question's own answer.
Every figure is given for hybrid search and the dense-only and BM25-only baselines.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .types import AssistantError, DocumentMeta, LoadedDocument, Page, Passage


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


@dataclass
class Question:
    q: str
    lang: str
    keys: list[str]
    doc: str | None = None
    unanswerable: bool = False


def read_jsonl(path: Path) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Question(d["q"], d.get("lang", "?"), list(d.get("keys", [])), d.get("doc"),
                                bool(d.get("unanswerable", False))))
        except (ValueError, KeyError, TypeError) as exc:
            raise AssistantError(f"{path}:{n}: not a question line ({exc}); expected "
                                 '{"q": ..., "lang": ..., "keys": [...]}') from exc
    return out


def is_hit(question: Question, text: str, source: str) -> bool:
    t = _fold(text)
    if question.doc and question.doc.lower() not in source.lower():
        return False
    return any(_fold(k) in t for k in question.keys)


@dataclass
class ModeResult:
    mode: str
    groups: dict = field(default_factory=dict)  # lang -> {"n", "hit1", "hitk", "mrr"}
    noanswer: dict = field(default_factory=dict)
    misses: list = field(default_factory=list)
    ms_per_query: float = 0.0


def evaluate_questions(searcher, questions: list[Question], k: int) -> ModeResult:
    res = ModeResult(searcher.mode)
    per: dict[str, list[tuple[int, int, float]]] = {}
    tp = fp = fn = wrongly_refused = 0
    times = []
    for q in questions:
        t0 = time.perf_counter()
        ans = searcher.search(q.q, k=k)
        times.append((time.perf_counter() - t0) * 1000)
        if q.unanswerable:
            if not ans.answer_found:
                tp += 1
            else:
                fn += 1
            continue
        if not ans.answer_found:
            fp += 1
            wrongly_refused += 1
        rank = next((h.rank for h in ans.hits if is_hit(q, h.text, h.document.source)), None)
        row = (1 if rank == 1 else 0, 1 if rank else 0, 1.0 / rank if rank else 0.0)
        per.setdefault(q.lang, []).append(row)
        per.setdefault("all", []).append(row)
        if rank != 1:
            res.misses.append({"q": q.q, "lang": q.lang, "rank": rank,
                               "top": ans.hits[0].citation if ans.hits else None})
    for lang, rows in per.items():
        res.groups[lang] = {
            "n": len(rows),
            "hit@1": round(sum(r[0] for r in rows) / len(rows), 3),
            f"hit@{k}": round(sum(r[1] for r in rows) / len(rows), 3),
            "mrr": round(sum(r[2] for r in rows) / len(rows), 3),
        }
    n_unans = tp + fn
    res.noanswer = {
        "unanswerable": n_unans,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / n_unans, 3) if n_unans else None,
        "answerable_refused": wrongly_refused,
    }
    res.ms_per_query = round(statistics.median(times), 1) if times else 0.0
    return res


def _searchers(assistant, modes: list[str]):
    from .search import Searcher

    base = assistant.searcher()
    for m in modes:
        if m not in ("hybrid", "dense", "lexical"):
            raise AssistantError(f"unknown mode {m!r}; use hybrid, dense or lexical")
        yield Searcher(base.index, base.embedder, glossary=base.glossary, mode=m)


def run_eval(settings: Settings, path: Path, k: int = 5, as_json: bool = False, modes: list[str] | None = None) -> int:
    from .core import Assistant

    modes = modes or ["hybrid", "dense", "lexical"]
    if not Path(path).exists():
        raise AssistantError(f"{path}: no such file")
    if str(path).lower().endswith(".csv"):
        report = eval_pairs_csv(settings, Path(path), modes)
        if as_json:
            print(json.dumps(report, indent=1))
        else:
            print(f"{path.name}: {report['questions']} questions, {report['passages']} passages")
            print(f"{'mode':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6} {'ms/q':>6}")
            for m, r in report["modes"].items():
                print(f"{m:8} {r['recall@1']:6.3f} {r['recall@5']:6.3f} {r['recall@10']:6.3f} {r['mrr']:6.3f} "
                      f"{r['ms_per_query']:6.1f}")
        return 0

    questions = read_jsonl(Path(path))
    assistant = Assistant(settings)
    assistant.ensure_index()
    results = [evaluate_questions(s, questions, k) for s in _searchers(assistant, modes)]
    if as_json:
        print(json.dumps({r.mode: {"groups": r.groups, "no_answer": r.noanswer, "misses": r.misses,
                                   "ms_per_query": r.ms_per_query} for r in results}, ensure_ascii=False, indent=1))
        return 0
    print(f"{path.name}: {len(questions)} questions, k={k}, index {settings.index_dir}/")
    print(f"{'mode':8} {'lang':4} {'n':>3} {'hit@1':>6} {'hit@' + str(k):>6} {'MRR':>6}")
    for r in results:
        for lang in sorted(r.groups, key=lambda x: (x == "all", x)):
            g = r.groups[lang]
            print(f"{r.mode:8} {lang:4} {g['n']:3d} {g['hit@1']:6.3f} {g[f'hit@{k}']:6.3f} {g['mrr']:6.3f}")
        na = r.noanswer
        print(f"{r.mode:8} no-answer: {na['unanswerable']} unanswerable, precision {na['precision']}, "
              f"recall {na['recall']}, answerable reported as unanswered: {na['answerable_refused']}; "
              f"median {r.ms_per_query} ms/question")
    best = results[0]
    if best.misses:
        print(f"\nmisses ({best.mode}, rank of the first passage that answers; None = not in the top {k}):")
        for m in best.misses:
            print(f"  [{m['lang']}] rank {m['rank']}: {m['q']}\n        top: {m['top']}")
    return 0


def eval_pairs_csv(settings: Settings, path: Path, modes: list[str]) -> dict:
    """Kamervragen: index answers and distractors, ask each question, rank its own answer."""
    from .core import Assistant
    from .search import Searcher

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"question", "answer"} <= set(rows[0]):
        raise AssistantError(f"{path}: expected a CSV with columns question, answer (and distractor)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    idx_dir = Path(settings.cache_dir) / "eval" / f"{path.stem}-{digest}-{_slug(settings.model)}"
    s2 = type(settings)(**{**settings.__dict__, "index_dir": idx_dir})
    assistant = Assistant(s2)
    texts: list[tuple[str, str]] = []  # (key, text)
    for i, r in enumerate(rows):
        texts.append((f"a{i}", r["answer"]))
        if r.get("distractor"):
            texts.append((f"d{i}", r["distractor"]))
    if not assistant.index_exists or assistant.index.count() != len(texts):
        _build_pairs_index(assistant, texts)
    index = assistant.index
    # passage id -> key
    doc_of = {d.id: d.source for d in index.documents()}
    report = {"questions": len(rows), "passages": len(texts), "modes": {}}
    base = assistant.searcher()
    for m in modes:
        s = Searcher(index, base.embedder, glossary=base.glossary, mode=m)
        ranks, times = [], []
        for i, r in enumerate(rows):
            t0 = time.perf_counter()
            ans = s.search(r["question"], k=10)
            times.append((time.perf_counter() - t0) * 1000)
            want = f"a{i}"
            rank = next((h.rank for h in ans.hits if doc_of.get(h.document.id) == want), None)
            ranks.append(rank)
        n = len(ranks)
        report["modes"][m] = {
            "recall@1": round(sum(1 for x in ranks if x == 1) / n, 3),
            "recall@5": round(sum(1 for x in ranks if x and x <= 5) / n, 3),
            "recall@10": round(sum(1 for x in ranks if x and x <= 10) / n, 3),
            "mrr": round(sum(1.0 / x for x in ranks if x) / n, 3),
            "ms_per_query": round(statistics.median(times), 1),
        }
    return report


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s)[-40:]


def _build_pairs_index(assistant, texts: list[tuple[str, str]]) -> None:
    """Each text is its own one-passage document, embedded in one batch."""
    import shutil

    from .ingest import open_index

    if Path(assistant.settings.index_dir).exists():
        shutil.rmtree(assistant.settings.index_dir)
    index = open_index(assistant.settings, assistant.embedder, create=True)
    vectors = assistant.embedder.embed_passages([t for _, t in texts])
    with index.write_lock():
        for (key, text), vec in zip(texts, vectors):
            doc = LoadedDocument(source=key, path="", sha256=key, pages=[Page(1, text)],
                                 meta=DocumentMeta(title=key), media_type="text/plain")
            p = Passage(text=text, page=1, page_end=1, char_start=0, char_end=len(text))
            index.put_document(doc, [p], vec.reshape(1, -1), [text])
        index.save_vectors()
    assistant._index = index
