"""One score per candidate passage from the dense and the lexical side.

    Candidate           a passage found by either side, with its dense cosine, BM25 and coverage
    LexicalEvidence     what the lexical half of a search found (BM25 hits, stems, term statistics)
    bm25_terms(...)     the question terms BM25 searches for (the commonest left out in a large index)
    coverage(...)       the IDF-weighted share of the question's units of meaning a passage holds
    fuse(...)           hybrid score = dense + BM25 (weighted by confidence) + coverage

Dense (e5) finds paraphrases across languages; Dutch BM25 finds exact terms, names and numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .query import Unit, date_weight, holds_date

if TYPE_CHECKING:  # pragma: no cover
    from .store import PassageRow

CANDIDATES = 60  # per retriever, before fusion
POSTINGS_BUDGET = 12_000  # BM25 leaves out the commonest question terms beyond this many postings
# hybrid score = dense cosine + BM25_WEIGHT * confidence * BM25 / best BM25 + COVERAGE_WEIGHT * coverage
# Fitted leave-one-corpus-out on 12 corpora of new documents (see `fuse`)
BM25_WEIGHT = 0.02
COVERAGE_WEIGHT = 0.12
FUZZY_CREDIT = 0.7  # a unit matched only by an inflected, cognate or compound form


@dataclass
class Candidate:
    pid: int
    dense: float = 0.0  # cosine of the question (with glossary expansions) and the passage
    lex: float = 0.0  # BM25 (0 when BM25 did not return the passage)
    cov: float = 0.0  # IDF-weighted share of the question's units of meaning the passage holds
    score: float = 0.0
    row: "PassageRow | None" = None
    extra: list["PassageRow"] = field(default_factory=list)  # passages shown with it (see assemble.py)


@dataclass
class LexicalEvidence:
    """What the lexical half of a search found (see Searcher._lexical_half)."""

    hits: list[tuple[int, float]] = field(default_factory=list)  # BM25 candidates (passage id, score)
    stems: dict[int, set[str]] = field(default_factory=dict)  # of those candidates
    vectors: dict[int, np.ndarray] = field(default_factory=dict)  # of those candidates (hybrid only)
    df: dict[str, int] = field(default_factory=dict)  # passages holding each term
    n: int = 0  # passages in the index
    near: dict[str, dict[str, int]] = field(default_factory=dict)  # inflected/compound forms of each term


@dataclass(frozen=True)
class FusionSettings:
    """How hybrid combines the two sides: "gated" (the product, see `fuse`), "bm25" (dense +
    bm25_weight * BM25 / best BM25, always), "coverage" (dense + coverage_weight * coverage) or
    "rrf" (reciprocal rank fusion, rrf_k); the alternatives stay for measurement
    (benchmarks/eval_retrieval.py --fusion)."""

    mode: str = "hybrid"  # or "dense", "lexical": the baselines of `assistant eval`
    fusion: str = "gated"
    bm25_weight: float = BM25_WEIGHT
    coverage_weight: float = COVERAGE_WEIGHT
    rrf_k: int = 60


def question_terms(units: list[Unit]) -> list[str]:
    """Every stem of every alternative of every unit, once, in question order."""
    return list(dict.fromkeys(t for unit in units for alternative in unit for t in sorted(alternative)))


def bm25_terms(terms: list[str], df: dict[str, int]) -> list[str]:
    """The terms BM25 searches for: all of them, unless together they hold more than
    POSTINGS_BUDGET passages; then the most common are left out (the rarest always
    stays). FTS5 scores every passage a term occurs in (about 2 microseconds each),
    so in a large index one common word ('staat', in a quarter of a hundred thousand
    passages) would cost 50 ms, while its IDF adds little; it still counts in coverage.
    """
    kept = sorted(terms, key=lambda t: df.get(t, 0))
    total = sum(df.get(t, 0) for t in kept)
    while len(kept) > 1 and total > POSTINGS_BUDGET:
        total -= df.get(kept.pop(), 0)
    return [t for t in terms if t in kept]


def unit_weights(units: list[Unit], lex: LexicalEvidence) -> list[float]:
    """The IDF of each unit: that of its most common alternative, an alternative weighing as its
    rarest stem (a stem the index lacks counts as its commonest inflected or compound form)."""
    n = max(lex.n, 1)

    def doc_freq(term: str) -> int:
        return lex.df.get(term, 0) or max(lex.near.get(term, {}).values(), default=0)

    freqs = (max(min(doc_freq(t) for t in alternative) for alternative in unit) for unit in units)
    return [math.log(1 + (n - d + 0.5) / (d + 0.5)) for d in freqs]


def coverage(units: list[Unit], cands: list[Candidate], lex: LexicalEvidence, stems: dict[int, set[str]],
             wants_date: bool = False) -> list[float]:
    """Set each candidate's `cov`: the IDF-weighted share of the units it holds (`stems`: the
    indexed stems of every candidate). Returns the unit weights.

    A unit counts fully when the passage (with its title, section and notes) holds one of its
    alternatives, and FUZZY_CREDIT when a word only matches an inflected, cognate or compound
    form (decentral ~ decentraal, mensenrecht ~ mensenrechtenfonds). A unit weighs the IDF of
    its most common form; one the corpus lacks in every form weighs the most. Unlike BM25
    divided by the best BM25, this is an absolute measure: a question whose words the corpus
    does not hold gets little lexical evidence for any passage. A 'when' question counts a
    date as one more unit, weighing as its commonest unit.
    """
    if not units or not cands:
        return []
    weights = unit_weights(units, lex)
    date_w = date_weight(weights) if wants_date else 0.0
    total = (sum(weights) + date_w) or 1.0
    near = lex.near
    for c in cands:
        held = stems.get(c.pid, set())
        got = 0.0
        for unit, weight in zip(units, weights):
            if any(alternative <= held for alternative in unit):
                got += weight
            elif any(all(t in held or not held.isdisjoint(near.get(t, ())) for t in alternative)
                     for alternative in unit):
                got += FUZZY_CREDIT * weight
        if date_w and holds_date(held):
            got += date_w
        c.cov = got / total
    return weights


def fuse(cands: list[Candidate], how: FusionSettings) -> None:
    """Set each candidate's `score`.

    Hybrid ("gated") score = dense cosine
                             + BM25_WEIGHT * confidence * BM25 / best BM25
                             + COVERAGE_WEIGHT * coverage,
    where confidence is the best coverage of any candidate: BM25 counts in full only when some
    passage holds (nearly) every unit of the question, which is usual for a Dutch question and
    rare for an English one whose words the Dutch text lacks; coverage adds a small absolute term.

    The weights (BM25 .02, coverage .12) were fitted on the candidates of 411 answerable
    questions over 12 corpora of documents nobody tuned for (unseen-dev and benchmarks/data
    heldout2-12, benchmarks/fit_fusion.py): each corpus held out in turn, the grid (BM25 0-.12,
    coverage .04-.24) chosen on the other 11 picked BM25 0 or .02 and coverage .12 in all 12
    folds, macro MRR .646 held out against .622 for the former .08/.08 (the fit's proxy: the
    first candidate that holds the answer). BM25 at .02 instead of 0 keeps part of what the
    Kamervragen pairs gain from it. Measured end to end (benchmarks/eval_retrieval.py, MRR):
    the 12 corpora .719 on average against .698 (9 up, 3 down); Kamervragen .587 against
    .598; seed .935 against .929; the 8 multi-document questions .667 against .719 (one
    question from rank 1 to 2). On heldout13, measured once after the choice: .535 against
    .537 (hit@5 .800 against .733, hit@1 .333 against .367).
    Earlier measurements of the alternatives (MRR on Kamervragen / seed / multi-doc eval / own
    multi-doc questions, with .08/.08): gated 0.597 / 0.929 / 0.688 / 0.790; BM25 at a fixed
    weight (dense + 0.08 * BM25/best) 0.588 / 0.927 / 0.667 / 0.691; coverage alone 0.555 /
    0.912 / 0.729 / 0.735; reciprocal rank fusion (k=60) 0.563 / 0.875 / 0.619 / 0.684. RRF
    throws the scores away and lets the mostly-noise BM25 list of an English question vote as
    much as the dense one.
    """
    if how.mode == "dense":
        for c in cands:
            c.score = c.dense
        return
    best_lex = max((c.lex for c in cands), default=0.0)

    def bm25(c: Candidate) -> float:
        return c.lex / best_lex if best_lex > 0 else 0.0

    if how.mode == "lexical":
        for c in cands:
            c.score = bm25(c)
    elif how.fusion == "rrf":
        dense_rank = {c.pid: i for i, c in enumerate(sorted(cands, key=lambda c: -c.dense), 1)}
        lexical_rank = {c.pid: i for i, c in enumerate(sorted((c for c in cands if c.lex > 0),
                                                              key=lambda c: -c.lex), 1)}
        for c in cands:
            c.score = 1.0 / (how.rrf_k + dense_rank[c.pid]) + (
                1.0 / (how.rrf_k + lexical_rank[c.pid]) if c.pid in lexical_rank else 0.0)
    elif how.fusion == "bm25":
        for c in cands:
            c.score = c.dense + how.bm25_weight * bm25(c)
    elif how.fusion == "coverage":
        for c in cands:
            c.score = c.dense + how.coverage_weight * c.cov
    else:
        confidence = max((c.cov for c in cands), default=0.0)
        for c in cands:
            c.score = c.dense + how.bm25_weight * confidence * bm25(c) + how.coverage_weight * c.cov
