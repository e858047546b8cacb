"""`assistant eval`: retrieval quality on a question set, with baselines.

Three formats:
- JSON lines {"q", "lang", "keys", "doc"?, "unanswerable"?}: a hit is a returned
  passage whose text contains a key (case-insensitive, white space folded) and,
  when "doc" is given, whose source file name contains it. Reports hit@1,
  hit@k and MRR per language and overall, precision/recall of the no-answer
  decision on unanswerable questions, and the misses.
- JSON lines with a verbatim answer {"q", "lang", "doc", "answer", "page", "kind"?,
  "split"?} (shared/eval/unseen-dev): a document hit is a returned passage of the
  right document holding the whole answer; a page hit is a document hit whose pages
  include `page`; a lenient hit holds 8 consecutive words of the answer. Reported
  per split, language and kind (body, footnote, table), with MRR over the top 10.
- CSV with question/answer/distractor columns (Kamervragen): every answer and
  distractor becomes a passage of a throw-away index; reports recall@1/5/10 and
  MRR of each question's own answer.
Every figure is given for hybrid search and the dense-only and BM25-only baselines.
"""
from __future__ import annotations

import csv
import dataclasses
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
    answer: str | None = None  # a verbatim sentence of the answer (unseen-dev format)
    page: int | None = None  # the 1-based PDF page that holds `answer`
    kind: str | None = None  # body, footnote or table
    split: str | None = None  # tune or confirm

    @property
    def verbatim(self) -> bool:
        return self.answer is not None


def read_jsonl(path: Path) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            answer = d.get("answer")
            keys = list(d.get("keys") or ([answer] if answer else []))
            out.append(Question(d["q"], d.get("lang", "?"), keys, d.get("doc"), bool(d.get("unanswerable", False)),
                                answer=answer, page=int(d["page"]) if d.get("page") else None,
                                kind=d.get("kind"), split=d.get("split")))
        except (ValueError, KeyError, TypeError) as exc:
            raise AssistantError(f"{path}:{n}: not a question line ({exc}); expected "
                                 '{"q": ..., "lang": ..., "keys": [...]}') from exc
    return out


def is_hit(question: Question, text: str, source: str) -> bool:
    t = _fold(text)
    if question.doc and question.doc.lower() not in source.lower():
        return False
    return any(_fold(k) in t for k in question.keys)


def _plain_words(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped from their ends (the lenient rule)."""
    out = []
    for w in text.lower().split():
        w = w.strip(".,;:!?()[]{}'\"‘’“”«»-–—•*")
        if w:
            out.append(w)
    return out


def is_lenient_hit(question: Question, text: str, source: str, run: int = 8) -> bool:
    """At least `run` consecutive words of the answer (all of them when it is shorter) in the passage."""
    if question.doc and question.doc.lower() not in source.lower():
        return False
    want = _plain_words(question.answer or "")
    if not want:
        return False
    have = " " + " ".join(_plain_words(text)) + " "
    n = min(run, len(want))
    return any(" " + " ".join(want[i:i + n]) + " " in have for i in range(len(want) - n + 1))


def is_page_hit(question: Question, text: str, source: str, page: int, page_end: int) -> bool:
    """A document hit whose pages include the question's page."""
    return is_hit(question, text, source) and (question.page is None or page <= question.page <= page_end)


@dataclass
class ModeResult:
    mode: str
    k: int = 5
    groups: dict = field(default_factory=dict)  # lang -> {"n", "hit@1", "hit@k", "mrr"}
    noanswer: dict = field(default_factory=dict)
    misses: list = field(default_factory=list)
    ms_per_query: float = 0.0


def evaluate_questions(searcher, questions: list[Question], k: int) -> ModeResult:
    """Rank of the first returned passage that answers each answerable question
    (hit@1, hit@k, MRR with ranks beyond k counting 0, per language and overall)
    and the no-answer decision: precision and recall of "no answer found" on the
    unanswerable questions."""
    res = ModeResult(searcher.mode, k)
    per: dict[str, list[tuple[int, int, float]]] = {}
    said_no = said_no_right = unanswerable = answerable = 0
    times = []
    for q in questions:
        t0 = time.perf_counter()
        ans = searcher.search(q.q, k=k)
        times.append((time.perf_counter() - t0) * 1000)
        if not ans.answer_found:
            said_no += 1
        if q.unanswerable:
            unanswerable += 1
            if not ans.answer_found:
                said_no_right += 1
            else:
                res.misses.append({"q": q.q, "lang": q.lang, "rank": None, "unanswerable": True,
                                   "top": ans.hits[0].citation if ans.hits else None})
            continue
        answerable += 1
        rank = next((h.rank for h in ans.hits if is_hit(q, h.text, h.document.source)), None)
        row = (1 if rank == 1 else 0, 1 if rank else 0, 1.0 / rank if rank else 0.0)
        per.setdefault(q.lang, []).append(row)
        per.setdefault("all", []).append(row)
        if rank != 1 or not ans.answer_found:
            res.misses.append({"q": q.q, "lang": q.lang, "rank": rank, "answer_found": ans.answer_found,
                               "top": ans.hits[0].citation if ans.hits else None})
    for lang, rows in per.items():
        res.groups[lang] = {
            "n": len(rows),
            "hit@1": round(sum(r[0] for r in rows) / len(rows), 3),
            f"hit@{k}": round(sum(r[1] for r in rows) / len(rows), 3),
            "mrr": round(sum(r[2] for r in rows) / len(rows), 3),
        }
    res.noanswer = {
        "unanswerable": unanswerable,
        "answerable": answerable,
        # of the questions reported as unanswered, the share that really are unanswerable
        "precision": round(said_no_right / said_no, 3) if said_no else None,
        # of the unanswerable questions, the share reported as unanswered
        "recall": round(said_no_right / unanswerable, 3) if unanswerable else None,
        "unanswerable_answered": unanswerable - said_no_right,
        "answerable_refused": said_no - said_no_right,
    }
    res.ms_per_query = round(statistics.median(times), 1) if times else 0.0
    return res


VERBATIM_DEPTH = 10  # passages asked for per question: MRR is over the top 10


@dataclass
class VerbatimResult:
    """Figures of one mode on a verbatim-answer set, per split ('all', 'tune', 'confirm')."""

    mode: str
    k: int = 5
    # split -> group ('all', 'en', 'nl', 'body', 'footnote', 'table') -> figures
    groups: dict = field(default_factory=dict)
    noanswer: dict = field(default_factory=dict)  # split -> no-answer figures
    misses: list = field(default_factory=list)
    ms_per_query: float = 0.0


def _first_rank(hits, test) -> int | None:
    return next((h.rank for h in hits if test(h)), None)


def evaluate_verbatim(searcher, questions: list[Question], k: int = 5) -> VerbatimResult:
    """Document hits (the whole answer inside a passage of the right document), page hits
    (and on the page the question names) and lenient hits (8 consecutive answer words):
    hit@1, hit@k and MRR over the top VERBATIM_DEPTH, per split, language and kind."""
    res = VerbatimResult(searcher.mode, k)
    rows: dict[tuple[str, str], list[dict]] = {}
    refusals: dict[str, dict[str, int]] = {}
    times = []
    for q in questions:
        t0 = time.perf_counter()
        ans = searcher.search(q.q, k=max(k, VERBATIM_DEPTH))
        times.append((time.perf_counter() - t0) * 1000)
        splits = ["all"] + ([q.split] if q.split else [])
        for sp in splits:
            r = refusals.setdefault(sp, {"answerable": 0, "answerable_refused": 0, "unanswerable": 0,
                                         "unanswerable_flagged": 0})
            if q.unanswerable:
                r["unanswerable"] += 1
                r["unanswerable_flagged"] += not ans.answer_found
            else:
                r["answerable"] += 1
                r["answerable_refused"] += not ans.answer_found
        if q.unanswerable:
            if ans.answer_found:
                res.misses.append({"q": q.q, "lang": q.lang, "split": q.split, "unanswerable": True,
                                   "top": ans.hits[0].citation if ans.hits else None})
            continue
        doc_rank = _first_rank(ans.hits, lambda h: is_hit(q, h.text, h.document.source))
        page_rank = _first_rank(ans.hits, lambda h: is_page_hit(q, h.text, h.document.source, h.page, h.page_end))
        lenient_rank = _first_rank(ans.hits, lambda h: is_lenient_hit(q, h.text, h.document.source))
        fig = {"doc": doc_rank, "page": page_rank, "lenient": lenient_rank}
        for sp in splits:
            for g in ("all", q.lang, q.kind or "body"):
                rows.setdefault((sp, g), []).append(fig)
        if doc_rank != 1 or not ans.answer_found:
            res.misses.append({"q": q.q, "lang": q.lang, "split": q.split, "kind": q.kind, "rank": doc_rank,
                               "page_rank": page_rank, "lenient_rank": lenient_rank,
                               "answer_found": ans.answer_found,
                               "top": ans.hits[0].citation if ans.hits else None})

    def at(ranks, n):
        return round(sum(1 for x in ranks if x and x <= n) / len(ranks), 3)

    def mrr(ranks):
        return round(sum(1.0 / x for x in ranks if x) / len(ranks), 3)

    for (sp, g), figs in rows.items():
        d = [f["doc"] for f in figs]
        p = [f["page"] for f in figs]
        le = [f["lenient"] for f in figs]
        res.groups.setdefault(sp, {})[g] = {
            "n": len(figs), "hit@1": at(d, 1), f"hit@{k}": at(d, k), "mrr": mrr(d),
            "page@1": at(p, 1), f"page@{k}": at(p, k), "page_mrr": mrr(p), f"lenient@{k}": at(le, k)}
    res.noanswer = refusals
    res.ms_per_query = round(statistics.median(times), 1) if times else 0.0
    return res


_GROUP_ORDER = {"all": 0, "en": 1, "nl": 2, "body": 3, "footnote": 4, "table": 5}


def format_verbatim(results: list[VerbatimResult], title: str) -> str:
    """One table per split: rows mode x group; then the no-answer decision and the misses."""
    k = results[0].k if results else 5
    out = [title]
    splits = sorted({sp for r in results for sp in r.groups}, key=lambda s: (s != "all", s))
    for sp in splits:
        out.append("")
        out.append(f"[{sp}] document hits (whole answer in a passage of the right document), page hits, lenient")
        out.append(f"{'mode':8} {'group':8} {'n':>3} {'hit@1':>6} {'hit@' + str(k):>6} {'MRR':>6} "
                   f"{'page@1':>6} {'page@' + str(k):>6} {'len@' + str(k):>6}")
        for r in results:
            for g in sorted(r.groups.get(sp, {}), key=lambda x: (_GROUP_ORDER.get(x, 9), x)):
                f = r.groups[sp][g]
                out.append(f"{r.mode:8} {g:8} {f['n']:3d} {f['hit@1']:6.3f} {f[f'hit@{k}']:6.3f} {f['mrr']:6.3f} "
                           f"{f['page@1']:6.3f} {f[f'page@{k}']:6.3f} {f[f'lenient@{k}']:6.3f}")
        out.append(f"no-answer decision [{sp}]:")
        for r in results:
            na = r.noanswer.get(sp, {})
            out.append(f"{r.mode:8} answerable refused {na.get('answerable_refused', 0)} of {na.get('answerable', 0)}"
                       f"; unanswerable flagged {na.get('unanswerable_flagged', 0)} of {na.get('unanswerable', 0)}")
    if results and results[0].misses:
        out.append("")
        out.append(f"misses ({results[0].mode}; rank of the first document hit, None = not in the top "
                   f"{VERBATIM_DEPTH}):")
        out.extend(_miss_lines(results[0].misses, lambda m: f"{m['split']}/{m['lang']}/{m.get('kind') or '-'}",
                               lambda m: f"rank {m['rank']} (page {m['page_rank']}, lenient {m['lenient_rank']})"))
    out.append("(ms per question, median: " + ", ".join(f"{r.mode} {r.ms_per_query}" for r in results) + ")")
    return "\n".join(out)


def _searchers(assistant, modes: list[str]):
    from .search import Searcher

    base = assistant.searcher()
    for m in modes:
        if m not in ("hybrid", "dense", "lexical"):
            raise AssistantError(f"unknown mode {m!r}; use hybrid, dense or lexical")
        yield Searcher(base.index, base.embedder, glossary=base.glossary, mode=m)


def format_results(results: list[ModeResult], title: str) -> str:
    """The eval table: one row per mode and language, then the no-answer decision, then the misses."""
    k = results[0].k if results else 5
    out = [title, f"{'mode':8} {'lang':4} {'n':>3} {'hit@1':>6} {'hit@' + str(k):>6} {'MRR':>6} {'ms/q':>7}"]
    for r in results:
        for lang in sorted(r.groups, key=lambda x: (x == "all", x)):
            g = r.groups[lang]
            ms = f"{r.ms_per_query:7.1f}" if lang == "all" else ""
            out.append(f"{r.mode:8} {lang:4} {g['n']:3d} {g['hit@1']:6.3f} {g[f'hit@{k}']:6.3f} {g['mrr']:6.3f} {ms}")
    if any(r.noanswer.get("unanswerable") for r in results) or any(r.noanswer.get("answerable_refused")
                                                                     for r in results):
        out.append("")
        out.append('no-answer decision ("no answer found" on unanswerable questions):')
        out.append(f"{'mode':8} {'precision':>9} {'recall':>6}  unanswerable answered  answerable refused")
        for r in results:
            na = r.noanswer
            p = "-" if na["precision"] is None else f"{na['precision']:.3f}"
            rc = "-" if na["recall"] is None else f"{na['recall']:.3f}"
            out.append(f"{r.mode:8} {p:>9} {rc:>6}  {na['unanswerable_answered']:>4} of {na['unanswerable']:<4}"
                       f"           {na['answerable_refused']:>4} of {na['answerable']}")
    if results and results[0].misses:
        out.append("")
        out.append(f"misses ({results[0].mode}; rank of the first passage that answers, None = not in the top {k}):")
        out.extend(_miss_lines(results[0].misses, lambda m: m["lang"], lambda m: f"rank {m['rank']}"))
    return "\n".join(out)


def _miss_lines(misses: list[dict], label, rank) -> list[str]:
    """One line per missed question ('[label] what: question') and the top hit under it."""
    out = []
    for m in misses:
        if m.get("unanswerable"):
            what = "unanswerable, but reported as answered"
        else:
            what = rank(m) + ("" if m.get("answer_found", True) else ", reported as unanswered")
        out.append(f"  [{label(m)}] {what}: {m['q']}\n        top: {m['top']}")
    return out


def run_eval(settings: Settings, path: Path, k: int = 5, as_json: bool = False, modes: list[str] | None = None,
             embedder=None, split: str | None = None) -> int:
    """Print the eval tables for a question file; `embedder` reuses a loaded model."""
    from .core import Assistant

    modes = modes or ["hybrid", "dense", "lexical"]
    path = Path(path)
    if not path.exists():
        raise AssistantError(f"{path}: no such file")
    if str(path).lower().endswith(".csv"):
        report = eval_pairs_csv(settings, path, modes, embedder=embedder)
        print(json.dumps(report, indent=1) if as_json else format_pairs_report(report, path.name))
        return 0

    questions = read_jsonl(path)
    if split:
        questions = [q for q in questions if q.split == split]
        if not questions:
            raise AssistantError(f"{path}: no question has split {split!r}")
    with Assistant(settings, embedder=embedder) as assistant:
        return _eval_questions(assistant, path, questions, k, as_json, modes)


def _eval_questions(assistant, path: Path, questions: list, k: int, as_json: bool, modes: list[str]) -> int:
    settings = assistant.settings
    assistant.ensure_index()
    if any(q.verbatim for q in questions):
        vres = [evaluate_verbatim(s, questions, k) for s in _searchers(assistant, modes)]
        if as_json:
            print(json.dumps({r.mode: {"groups": r.groups, "no_answer": r.noanswer, "misses": r.misses,
                                       "ms_per_query": r.ms_per_query} for r in vres}, ensure_ascii=False, indent=1))
        else:
            n_un = sum(q.unanswerable for q in questions)
            print(format_verbatim(vres, f"{path.name}: {len(questions)} questions ({len(questions) - n_un} answerable,"
                                        f" {n_un} unanswerable), k={k}, index {settings.index_name}"))
        return 0
    results = [evaluate_questions(s, questions, k) for s in _searchers(assistant, modes)]
    if as_json:
        print(json.dumps({r.mode: {"groups": r.groups, "no_answer": r.noanswer, "misses": r.misses,
                                   "ms_per_query": r.ms_per_query} for r in results}, ensure_ascii=False, indent=1))
        return 0
    n_un = sum(q.unanswerable for q in questions)
    langs = ", ".join(f"{lang} {n}" for lang, n in sorted(
        {q.lang: sum(1 for x in questions if x.lang == q.lang and not x.unanswerable) for q in questions}.items()))
    print(format_results(results, f"{path.name}: {len(questions)} questions ({len(questions) - n_un} answerable: "
                                  f"{langs}; {n_un} unanswerable), k={k}, index {settings.index_name}"))
    return 0


def format_pairs_report(report: dict, name: str) -> str:
    out = [f"{name}: {report['questions']} questions, {report['passages']} passages (answers and distractors)",
           f"{'mode':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6} {'ms/q':>7}"]
    for m, r in report["modes"].items():
        out.append(f"{m:8} {r['recall@1']:6.3f} {r['recall@5']:6.3f} {r['recall@10']:6.3f} {r['mrr']:6.3f} "
                   f"{r['ms_per_query']:7.1f}")
    return "\n".join(out)


def eval_pairs_csv(settings: Settings, path: Path, modes: list[str], embedder=None) -> dict:
    """Kamervragen: index answers and distractors, ask each question, rank its own answer."""
    from .core import Assistant
    from .search import Searcher

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"question", "answer"} <= set(rows[0]):
        raise AssistantError(f"{path}: expected a CSV with columns question, answer (and distractor)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    idx_dir = Path(settings.cache_dir) / "eval" / f"{path.stem}-{digest}-{_slug(settings.model)}"
    pairs_settings = dataclasses.replace(settings, index_dir=idx_dir, index_url="")  # a scratch folder, always
    assistant = Assistant(pairs_settings, embedder=embedder)
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

    from .store import open_index

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
        index.sync_vectors()
    assistant._index = index
