"""From ranked candidates to the hits of an answer: distinct pieces of evidence, adjacent
passages shown as one quote, a Kamervragen question shown with its answer, and each hit with
its text, pages, footnotes and citation.

    dedupe(ranked)                      identical texts dropped, neighbours merged
    attach_answers(hits, between)       "Vraag 3 ..." shows "Antwoord 3 ..." too
    make_hits(top, documents, ...)      the Hit records
"""
from __future__ import annotations

import re
from typing import Callable, Mapping

from .citation import citation
from .fusion import Candidate
from .store import PassageRow
from .types import DocumentInfo, Hit

MERGE_MAX_WORDS = 300  # adjacent passages are shown as one quote up to this length
HIT_POOL = 40  # candidates, best first, that the hits are chosen from (whatever k is)
MERGE_WINDOW = 20  # a candidate among the first this many may join a hit it adjoins
ANSWER_WINDOW = 3  # a question of a Kamervragen reply looks this many passages ahead for its answer
_QUESTION_SECTION = re.compile(r"^Vra(?:ag|gen)\s+\d", re.IGNORECASE)
_ANSWER_SECTION = re.compile(r"^Antwoord(?:en)?\s+(?:op\s+vra(?:ag|gen)\s+)?\d", re.IGNORECASE)


def qa_section(section: str | None) -> bool:
    """A 'Vraag 3' or 'Antwoord 3' section of a Kamervragen reply."""
    return bool(section and (_QUESTION_SECTION.match(section) or _ANSWER_SECTION.match(section)))


def section_numbers(section: str | None, label: re.Pattern) -> list[int]:
    """The numbers of a 'Vraag 3' / 'Antwoord 5 en 6' section label ([] for other sections)."""
    if not section or not label.match(section):
        return []
    return [int(n) for n in re.findall(r"\d+", section)]


def dedupe(ranked: list[Candidate]) -> list[Candidate]:
    """Distinct pieces of evidence, in rank order: identical texts dropped; a passage next to
    a hit (after its last passage, or before its first in the same section, so that the
    hit's citation stays right) among the first MERGE_WINDOW candidates joins it while
    together they hold at most MERGE_MAX_WORDS words."""
    out: list[Candidate] = []
    seen_text: set[str] = set()
    for i, c in enumerate(ranked):
        key = re.sub(r"\W+", "", c.row.text.lower())[:400]
        if key in seen_text:
            continue
        seen_text.add(key)
        if i >= MERGE_WINDOW or not _merge(out, c):
            out.append(c)
    return out


def _adjoins(hit: Candidate, c: Candidate) -> bool:
    """Whether `c` may join `hit`: a body passage of the same document right before or after it,
    within one Kamervragen pair, and short enough together."""
    parts = [hit.row] + hit.extra
    if qa_section(c.row.section) or qa_section(hit.row.section):
        # Kamervragen: a question shows its own answer (attach_answers), never the next pair
        if c.row.section != (parts[-1].section if c.row.ordinal > hit.row.ordinal else hit.row.section):
            return False
    return (hit.row.kind == "body" and hit.row.doc_id == c.row.doc_id
            and c.row.ordinal in (parts[0].ordinal - 1, parts[-1].ordinal + 1)
            and sum(len(r.text.split()) for r in parts) + len(c.row.text.split()) <= MERGE_MAX_WORDS)


def _merge(out: list[Candidate], c: Candidate) -> bool:
    """Join `c` to the first hit it adjoins; False when it adjoins none."""
    if c.row.kind != "body":
        return False  # a footnote is a quote of its own
    for hit in out:
        if not _adjoins(hit, c):
            continue
        if c.row.ordinal > hit.row.ordinal:
            hit.extra.append(c.row)
        elif c.row.section == hit.row.section:  # c precedes the hit: c becomes its head
            hit.extra.insert(0, hit.row)
            hit.row, hit.pid = c.row, c.pid
        else:  # a head from another section would change the hit's citation
            continue
        return True
    return False


def attach_answers(hits: list[Candidate],
                   passages_between: Callable[[str, int, int], list[PassageRow]]) -> list[Candidate]:
    """A hit that is a question of a Kamervragen reply ("Vraag 3 Is Atradius ...?") shows
    the start of its answer ("Antwoord 3 Ja, ...") too: the question is what matches the
    user's words best, the answer is what they want. The answer is the first "Antwoord"
    passage after it, past at most ANSWER_WINDOW - 1 further questions (a combined
    "Antwoord op vragen 5 en 6"), unless a hit ranked above shows it already. No passage is
    shown twice: a hit ranked below loses the passages shown above, and what is left of it
    joins the hit it continues ("Antwoord 5" and the passage after it, below "Vraag 5" with the
    start of that answer, becomes one quote: the question and its whole answer), or else stays
    a hit of its own. `passages_between(doc_id, first, last)` reads a document's body
    passages. Returns the hits."""
    shown: set[int] = set()
    out: list[Candidate] = []
    for c in hits:
        parts = [r for r in [c.row] + c.extra if r.id not in shown]
        if not parts:
            continue  # already shown with a question ranked above it
        shown.update(r.id for r in parts)
        if len(parts) < 1 + len(c.extra):  # it lost passages: the rest joins the hit it continues
            above = next((h for h in out if _continues(_last(h), parts[0])), None)
            if above is not None:
                above.extra.extend(parts)
                continue
            c.row, c.pid, c.extra = parts[0], parts[0].id, parts[1:]
        out.append(c)
        last = _last(c)
        asked = section_numbers(last.section, _QUESTION_SECTION)
        if not asked:
            continue
        for row in passages_between(last.doc_id, last.ordinal + 1, last.ordinal + ANSWER_WINDOW):
            answered = section_numbers(row.section, _ANSWER_SECTION)
            if answered and max(answered) >= max(asked):
                if row.id not in shown:
                    c.extra.append(row)
                    shown.add(row.id)
                break
            if not _QUESTION_SECTION.match(row.section or ""):
                break
    return out


def _last(hit: Candidate) -> PassageRow:
    return hit.extra[-1] if hit.extra else hit.row


def _continues(row: PassageRow, nxt: PassageRow) -> bool:
    return row.doc_id == nxt.doc_id and row.ordinal + 1 == nxt.ordinal


def make_hits(top: list[Candidate], documents: Mapping[str, DocumentInfo], found: bool,
              document: Callable[[str], DocumentInfo | None],
              highlights: Callable[[int, str], list[tuple[int, int]]]) -> list[Hit]:
    """The hits of an answer, ranked from 1: each candidate's passages joined by one space,
    its pages and footnotes, its document (from `documents`, else read with `document`: one
    added since the snapshot), its citation, and `highlights(rank, text)`. Weak when not `found`."""
    hits: list[Hit] = []
    for rank, c in enumerate(top, 1):
        row = c.row
        doc = documents.get(row.doc_id) or document(row.doc_id)
        if doc is None:
            continue
        text, page_end, footnotes = row.text, row.page_end, list(row.footnotes)
        for part in c.extra:
            text = text + " " + part.text
            page_end = max(page_end, part.page_end)
            footnotes += [f for f in part.footnotes if f not in footnotes]
        hit = Hit(rank=rank, score=c.score, passage_id=row.id, text=text, page=row.page, page_end=page_end,
                  section=row.section, footnotes=footnotes, document=doc, weak=not found,
                  passage_ids=[row.id] + [r.id for r in c.extra], kind=row.kind)
        hit.citation = citation(hit)
        hit.highlights = highlights(rank, text)
        hits.append(hit)
    return hits
