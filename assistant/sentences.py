"""Where sentences start and end: one rule for the chunker (passages never split a sentence)
and for the evidence highlighted in an answer.

A sentence ends at . ! ? or … (and any closing quotes or brackets) followed by white space and
a capital, a digit, a quote, a bracket or a bullet, unless the word before the stop is an
abbreviation ("nr. 370", "o.a. de", "art. 5"), a single letter or a number of one or two digits
("1. Inleiding" inside a sentence).
"""
from __future__ import annotations

import re

SENTENCE_END = re.compile(r"[.!?…](?:[’'\")\]]*)$")  # a line or text that ends a sentence
ABBREVIATIONS = frozenset({
    "bijv", "bv", "o.a", "nr", "nrs", "art", "e.g", "i.e", "dhr", "mr", "drs", "dr", "prof", "ir", "ing",
    "mevr", "jl", "vgl", "zgn", "d.w.z", "m.b.t", "t.a.v", "i.v.m", "m.n", "e.d", "etc", "incl", "excl",
    "p", "pp", "blz", "jo", "lid", "resp", "ca", "min", "st", "stb", "stcrt", "kst", "vs", "no", "z.g",
    "a.s", "t.b.v", "o.b.v", "n.a.v", "m.i.v", "i.p.v", "c.q", "e.a", "v.w.b", "mln", "mld", "mrd",
})
_BREAK = re.compile(r"(?<=[.!?…])(?:[’'\")\]]*)\s+(?=[A-Z\u00c0-\u00de0-9‘'\"(•\-–])")
_CLOSERS = "’'\")]"
_CLAUSE_END = re.compile(r";(?=\s)")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, covering it from start to end: a sentence
    keeps its closing quotes; the white space between two sentences is left out."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _BREAK.finditer(text):
        before = text[start : m.start()].rstrip()
        last_word = before.rsplit(" ", 1)[-1].rstrip(".").lower() if before else ""
        if last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word) or re.fullmatch(r"\d{1,2}", last_word):
            continue
        closers = len(m.group(0)) - len(m.group(0).lstrip(_CLOSERS))
        bounds.append((start, m.start() + closers))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def clause_bounds(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, a sentence cut after each semicolon too (the
    clauses of a motion, "constaterende dat ...; overwegende dat ...;", are read one by one)."""
    bounds = []
    for start, end in sentence_bounds(text):
        for m in _CLAUSE_END.finditer(text, start, end):
            bounds.append((start, m.end()))
            start = m.end()
        if start < end:
            bounds.append((start, end))
    return bounds


def sentence_spans(text: str, min_chars: int = 3, clauses: bool = False) -> list[tuple[int, int]]:
    """The sentences (with `clauses`: the clauses) of a passage as [start, end) offsets without
    surrounding white space; pieces shorter than `min_chars` (a stray bullet) are left out."""
    spans = []
    for start, end in (clause_bounds(text) if clauses else sentence_bounds(text)):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start >= min_chars:
            spans.append((start, end))
    return spans
