"""The no-answer decision: does the best passage answer the question?

When it does not, the answer says so and its passages are shown as weak matches; they are
never hidden. So the decision leans towards answering: a question is refused only on evidence
that carries over to documents nobody tuned for.

    score = dense cosine of the best passage + SCORE_COVERAGE_WEIGHT * its coverage

Refused when
  * the question names something (a capitalised name, an acronym, a number of three digits or
    more; a month is a date, not a name) that the index holds in no form, nor any glossary
    equivalent of it, and names nothing the index does hold ("Gelderland" in a corpus about
    Overijssel), and score < NAME_MISSING[language]; or
  * score < MIN[language]: nothing in the index is about the question at all.

e5 scores a Dutch question against Dutch text higher than an English one, hence a threshold per
language. The thresholds were chosen leave-one-corpus-out by benchmarks/calibrate_no_answer.py
(--refuse 0.04: no fitting corpus may have more than 1 in 25 of its answerable questions refused)
on three corpora: the seed letter with its own answerable and unanswerable questions; 48 real
letters with theirs; the `tune` half of shared/eval/unseen-dev. For each corpus, thresholds chosen
on the other two refused 1 of 46, 2 of 80 and 1 of 26 of its answerable questions, and flagged 15
of 46, 7 of 18 and 0 of 3 of its unanswerable ones. Never fitted on: the two halves of
benchmarks/data/heldout2 (12 documents written for this after the rest was done), 1 of 18
refused in each, 0 of 3 flagged in each; the Kamervragen pairs, 3 of 100 refused (that index
holds the ministry's answers without the questions, so the names a question mentions are absent
by construction).

Until 2026-12-04 a missing name counted even when the question named things the index holds;
on documents nobody had calibrated on that refused English questions whose names were their own
translations ("FOI", "Custodial Institutions Agency", "12 March"): 3 of 18 in each half of
heldout2, 16 of 100 Kamervragen. The rule before that (score >= 0.84 / 0.895 for every
question) refused 5 of 46, 4 of 80 and 3 of 26 on the three fitting corpora.
"""
from __future__ import annotations

from .types import Evidence

SCORE_COVERAGE_WEIGHT = 0.10
MIN = {"en": 0.82, "nl": 0.84}
NAME_MISSING = {"en": 0.885, "nl": 0.90}


def score(dense: float, coverage: float) -> float:
    return dense + SCORE_COVERAGE_WEIGHT * coverage


def decide(ev: Evidence) -> bool:
    """True when the best passage answers the question. Sets `ev.score` and `ev.threshold` (the
    threshold that applied: NAME_MISSING when the question names something the index lacks)."""
    lang = ev.language if ev.language in MIN else "en"
    ev.score = score(ev.dense, ev.coverage)
    ev.threshold = NAME_MISSING[lang] if ev.missing_names else MIN[lang]
    return ev.score >= ev.threshold
