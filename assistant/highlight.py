"""The evidence in a hit: the sentences that best match the question, as [start, end) offsets.

A sentence (assistant.sentences; read clause by clause, cut at semicolons, and a piece of
fewer than SHORT_CHARS characters, such as the names under a motion, joined to the one before
it) scores the IDF of the question words it holds; a word also
matches a longer word that shares its first five letters, which catches English-Dutch cognates
and compounds (diaspora ~ diasporagemeenschappen, democracy ~ democratie). With no overlap at
all, the sentences may be embedded and the one nearest the question chosen.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from . import lexical
from .query import Unit, holds_date
from .sentences import sentence_spans

SHORT_CHARS = 25  # a piece this short is no evidence of its own: it joins the sentence before it
COGNATE_CREDIT = 0.7  # a question word matched only by a cognate or compound
KEEP_SHARE = 0.6  # sentences scoring at least this share of the best are highlighted too
MOST_SENTENCES = 3


def evidence_units(text: str) -> list[tuple[int, int]]:
    """The pieces of `text` that are marked or not as a whole: its clauses, a short one joined
    to the one before it (unless that one asks or exclaims)."""
    out: list[tuple[int, int]] = []
    for start, end in sentence_spans(text, clauses=True):
        if out and (end - start < SHORT_CHARS or out[-1][1] - out[-1][0] < SHORT_CHARS) \
                and text[out[-1][1] - 1] not in "?!":
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def term_weights(units: list[Unit], weights: list[float]) -> dict[str, float]:
    """Every stem of every unit with the unit's IDF weight (shared by the stems of an alternative)."""
    out: dict[str, float] = {}
    for unit, weight in zip(units, weights):
        for alternative in unit:
            for term in alternative:
                out[term] = max(out.get(term, 0.0), weight / len(alternative))
    return out


def _cognate(a: str, b: str) -> bool:
    """Same first six letters, or one word starts the other (both five letters or more)."""
    if len(b) < 5:
        return False
    return a[:6] == b[:6] if min(len(a), len(b)) >= 6 else (b.startswith(a) or a.startswith(b))


def _overlap(sentence: set[str], weights: dict[str, float]) -> float:
    """IDF of the question terms a sentence holds; cognates and compounds count COGNATE_CREDIT."""
    score = 0.0
    for term, weight in weights.items():
        if term in sentence:
            score += weight
        elif len(term) >= 5 and any(_cognate(term, s) for s in sentence):
            score += COGNATE_CREDIT * weight
    return score


def highlight(text: str, weights: dict[str, float], date_w: float = 0.0, qvec: np.ndarray | None = None,
              embed: Callable[[Sequence[str]], np.ndarray] | None = None) -> list[tuple[int, int]]:
    """The sentences of `text` that best match the question (`weights`: term -> IDF).

    For a question that asks when, a sentence naming a date also scores `date_w`. When no
    sentence shares a word with the question, `embed` (passages -> vectors), given with the
    question's vector `qvec`, picks the sentence nearest the question.
    """
    spans = evidence_units(text)
    if not spans or not weights:
        return []
    stems = [set(lexical.analyze(text[start:end])) for start, end in spans]
    scores = [_overlap(held, weights) + (date_w if date_w and holds_date(held) else 0.0) for held in stems]
    best = max(scores)
    if best <= 0:
        if qvec is not None and embed is not None and len(spans) > 1:
            vecs = embed([text[start:end] for start, end in spans])
            return [spans[int(np.argmax(vecs @ qvec))]]
        return []
    chosen = [span for span, score in zip(spans, scores) if score >= KEEP_SHARE * best]
    return chosen[:MOST_SENTENCES]
