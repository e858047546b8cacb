"""Answer a question: hybrid retrieval, fusion, de-duplication, the no-answer
decision, evidence highlighting and follow-up rewriting.

Dense (e5) finds paraphrases across languages; Dutch BM25 finds exact terms,
names and numbers. A bilingual glossary bridges acronyms that never occur in
Dutch text (CSDDD -> CS3D, zorgplichtrichtlijn). Fusion weights each side by
how sure it is (see `fuse`).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from . import lexical
from .embed import Embedder
from .index import Index, PassageRow
from .types import Answer, DocumentInfo, Hit

CANDIDATES = 60  # per retriever, before fusion

_NL_HINTS = set(
    "de het een en van is zijn wat wie waar wanneer hoe welke waarom niet ook dat die deze voor met op "
    "over kabinet zegt zei heeft hebben wordt worden kan nog".split()
)
_EN_HINTS = set(
    "the a an and of is are what who where when how which why not also that this for with on about "
    "cabinet say said does did has have will can".split()
)


def language_of(text: str) -> str:
    """'nl' or 'en', by function words (good enough for short questions)."""
    toks = re.findall(r"[a-zà-ÿ]+", text.lower())
    nl = sum(t in _NL_HINTS for t in toks)
    en = sum(t in _EN_HINTS for t in toks)
    return "nl" if nl > en else "en"


# -- follow-up questions ---------------------------------------------------------
_FOLLOWUP_START = re.compile(
    r"^\s*(and|but|what about|how about|also|en|maar|ook|wat dan met|hoe zit het met|en hoe zit het met|"
    r"en wat|what else|and what|en verder)\b[\s,:]*",
    re.I,
)
_ANAPHORA = re.compile(
    r"\b(it|its|this|that|these|those|they|them|their|there|he|she|daarover|daarvan|daarin|daarmee|daar|"
    r"dat|deze|die|dit|hiervan|hierover|hij|zij|ze|hun|het kabinet daarover)\b",
    re.I,
)


def previous_questions(history: list | None) -> list[str]:
    """User turns from a chat history: strings, {'role','content'} dicts or (user, bot) pairs."""
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, str):
            out.append(turn)
        elif isinstance(turn, dict):
            if turn.get("role", "user") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
    return [q for q in out if q.strip()]


def rewrite_followup(question: str, history: list | None) -> str:
    """Make a short follow-up standalone by adding the topic of the previous question.

    "and in Belarus?" after "How many people did the EU sanction in Russia?"
    becomes "How many people did the EU sanction in Russia? in Belarus". No
    language model: a follow-up is a question that opens with a continuation
    word, leans on a pronoun, or is too short to stand alone.
    """
    prev = previous_questions(history)
    if not prev:
        return question
    content = [t for t in lexical.analyze(question)]
    opens = bool(_FOLLOWUP_START.match(question))
    leans = bool(_ANAPHORA.search(question)) and len(content) <= 4
    if not (opens or leans or len(content) <= 2):
        return question
    rest = _FOLLOWUP_START.sub("", question).strip()
    base = prev[-1]
    # when the previous turn was itself a follow-up, carry its own context along
    if len(prev) >= 2 and rewrite_followup(prev[-1], prev[:-1]) != prev[-1]:
        base = rewrite_followup(prev[-1], prev[:-1])
    return f"{base.rstrip()} {rest}".strip()


# -- evidence highlighting ---------------------------------------------------------
_SENT = re.compile(r"[^.!?…]+(?:[.!?…]+[’'\")\]]*|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SENT.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 3:
            spans.append((a, b))
    # re-join pieces split at abbreviations / numbers ("nr. 370", "o.a.") that are too short
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and (b - a < 25 or merged[-1][1] - merged[-1][0] < 25) and not text[merged[-1][1] - 1] in "?!":
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


@dataclass
class _Candidate:
    pid: int
    dense: float = 0.0
    lex: float = 0.0
    score: float = 0.0
    row: PassageRow | None = None
    extra: list[PassageRow] = field(default_factory=list)


class Searcher:
    """Answers questions against one index with one embedder."""

    def __init__(self, index: Index, embedder: Embedder, glossary=None, mode: str = "hybrid"):
        self.index = index
        self.embedder = embedder
        self.mode = mode
        if glossary is None:
            from .glossary import default_glossary

            glossary = default_glossary()
        self.glossary = glossary
        self._docs: dict[str, DocumentInfo] = {}
        self._docs_gen = -1
        self._lock = threading.Lock()

    # -- helpers ------------------------------------------------------------------
    def _documents(self) -> dict[str, DocumentInfo]:
        gen = self.index.generation()
        if gen != self._docs_gen:
            with self._lock:
                self._docs = {d.id: d for d in self.index.documents()}
                self._docs_gen = gen
        return self._docs

    def expansions(self, query: str) -> list[str]:
        return self.glossary.expansions(query) if self.glossary is not None else []

    # -- the query path -----------------------------------------------------------------
    def search(self, question: str, k: int = 5, history: list | None = None, documents: list[str] | None = None,
               date_from: str | None = None, date_to: str | None = None) -> Answer:
        from .present import citation

        query = rewrite_followup(question, history)
        extra = self.expansions(query)
        allowed = self.index.passage_ids_for(documents, date_from, date_to)

        cands: dict[int, _Candidate] = {}
        qvec = None
        if self.mode in ("hybrid", "dense"):
            qvecs = self.embedder.embed_queries([query] + ([query + " (" + "; ".join(extra) + ")"] if extra else []))
            qvec = qvecs[0]
            for qv in qvecs:
                for pid, s in self.index.dense_search(qv, CANDIDATES, allowed):
                    c = cands.setdefault(pid, _Candidate(pid))
                    c.dense = max(c.dense, s)
        if self.mode in ("hybrid", "lexical"):
            match = lexical.fts_query(" ".join([query] + extra))
            if match:
                for pid, s in self.index.lexical_search(match, CANDIDATES, allowed):
                    cands.setdefault(pid, _Candidate(pid)).lex = s
        if not cands:
            return Answer(query=question, answer_found=False, hits=[], rewritten_query=query,
                          language=language_of(question))

        # passages found only lexically still need their dense score (for fusion and the no-answer decision)
        if qvec is not None:
            missing = [pid for pid, c in cands.items() if c.dense == 0.0]
            for pid, v in self.index.vectors_for(missing).items():
                cands[pid].dense = float(v @ qvec)
        self.fuse(list(cands.values()))
        ranked = sorted(cands.values(), key=lambda c: -c.score)[: max(4 * k, 20)]
        rows = self.index.passages([c.pid for c in ranked])
        for c in ranked:
            c.row = rows.get(c.pid)
        ranked = [c for c in ranked if c.row is not None]
        top = self._dedupe(ranked, k)

        docs = self._documents()
        found = self.answer_found(top, query, extra)
        weights = self.term_weights(query, extra)
        hits: list[Hit] = []
        for rank, c in enumerate(top, 1):
            row = c.row
            doc = docs.get(row.doc_id) or self.index.document(row.doc_id)
            if doc is None:
                continue
            text, page_end, footnotes = row.text, row.page_end, list(row.footnotes)
            for r in c.extra:
                text = text + " " + r.text
                page_end = max(page_end, r.page_end)
                footnotes += [f for f in r.footnotes if f not in footnotes]
            hit = Hit(rank=rank, score=c.score, passage_id=row.id, text=text, page=row.page, page_end=page_end,
                      section=row.section, footnotes=footnotes, document=doc, weak=not found)
            hit.citation = citation(hit)
            hit.highlights = self.highlight(text, weights, qvec)
            hits.append(hit)
        return Answer(query=question, answer_found=found, hits=hits, rewritten_query=query,
                      language=language_of(question))

    # -- fusion ---------------------------------------------------------------------------
    def fuse(self, cands: list[_Candidate]) -> None:
        """Score = dense cosine, plus lexical evidence relative to the best lexical match.

        e5 cosines sit in a narrow band (about 0.75-0.90), so the BM25 score is
        scaled into a comparable band: the best lexical passage gets LEX_WEIGHT.
        """
        if self.mode == "dense":
            for c in cands:
                c.score = c.dense
            return
        best_lex = max((c.lex for c in cands), default=0.0)
        for c in cands:
            lex = c.lex / best_lex if best_lex > 0 else 0.0
            if self.mode == "lexical":
                c.score = lex
            else:
                c.score = c.dense + LEX_WEIGHT * lex

    # -- de-duplication ----------------------------------------------------------------------
    def _dedupe(self, ranked: list[_Candidate], k: int) -> list[_Candidate]:
        """Top k distinct pieces of evidence: identical texts dropped, adjacent passages merged."""
        out: list[_Candidate] = []
        seen_text: set[str] = set()
        for c in ranked:
            key = re.sub(r"\W+", "", c.row.text.lower())[:400]
            if key in seen_text:
                continue
            merged = False
            for o in out:
                if (o.row.doc_id == c.row.doc_id and abs(o.row.ordinal - c.row.ordinal) == 1 and not o.extra
                        and len(o.row.text.split()) + len(c.row.text.split()) <= MERGE_MAX_WORDS):
                    if c.row.ordinal == o.row.ordinal + 1:
                        o.extra.append(c.row)
                    else:  # c precedes o: c becomes the head
                        o.extra.insert(0, o.row)
                        o.row, o.pid = c.row, c.pid
                    merged = True
                    break
            seen_text.add(key)
            if not merged:
                out.append(c)
            if len(out) >= k:
                break
        return out

    # -- no-answer decision ------------------------------------------------------------------
    def answer_found(self, top: list[_Candidate], query: str, extra: list[str]) -> bool:
        if not top:
            return False
        best = top[0]
        if self.mode == "lexical":
            return best.lex > 0
        q_terms = set(lexical.analyze(" ".join([query] + extra)))
        p_terms = set(lexical.analyze(best.row.text)) if best.row else set()
        coverage = len(q_terms & p_terms) / len(q_terms) if q_terms else 0.0
        return bool(best.dense >= DENSE_SURE or (best.dense >= DENSE_MAYBE and coverage >= COVERAGE_MIN))

    # -- highlighting --------------------------------------------------------------------------
    def term_weights(self, query: str, extra: list[str]) -> dict[str, float]:
        """Question words (stemmed, with glossary expansions) weighted by rarity (IDF)."""
        import math

        stems = lexical.analyze(" ".join([query] + extra))
        df, n = self.index.doc_freqs(stems)
        n = max(n, 1)
        return {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in stems}

    def highlight(self, text: str, weights: dict[str, float], qvec: np.ndarray | None = None) -> list[tuple[int, int]]:
        """The sentences of `text` that best match the question, as [start, end) offsets.

        A sentence scores the IDF of the question words it holds; a word also
        matches a longer word that shares its first five letters, which catches
        English-Dutch cognates and compounds (diaspora ~ diasporagemeenschappen,
        democracy ~ democratie). With no overlap at all, and only when the
        sentence-transformers model is already loaded, the sentences are embedded.
        """
        spans = sentence_spans(text)
        if not spans or not weights:
            return []
        scores = [_overlap(set(lexical.analyze(text[a:b])), weights) for a, b in spans]
        best = max(scores)
        if best <= 0:
            if qvec is not None and self.embedder.loaded and len(spans) > 1:
                vecs = self.embedder.embed_passages_quick([text[a:b] for a, b in spans])
                return [spans[int(np.argmax(vecs @ qvec))]]
            return []
        chosen = [sp for sp, sc in zip(spans, scores) if sc >= 0.6 * best]
        return chosen[:3]


def _cognate(a: str, b: str) -> bool:
    """Same first six letters, or one word starts the other (both five letters or more)."""
    if len(b) < 5:
        return False
    return a[:6] == b[:6] if min(len(a), len(b)) >= 6 else (b.startswith(a) or a.startswith(b))


def _overlap(sentence: set[str], weights: dict[str, float]) -> float:
    """IDF of the question terms a sentence holds; cognates and compounds count 0.7."""
    score = 0.0
    for term, w in weights.items():
        if term in sentence:
            score += w
        elif len(term) >= 5 and any(_cognate(term, s) for s in sentence):
            score += 0.7 * w
    return score


LEX_WEIGHT = 0.08
MERGE_MAX_WORDS = 300  # adjacent passages are shown as one quote up to this length
DENSE_SURE = 0.86
DENSE_MAYBE = 0.80
COVERAGE_MIN = 0.5
