"""Footnotes at the foot of a page: found, taken out of the body text, and linked to the places
where the body refers to them (part of assistant.clean).

A footnote block is a run of lines at the foot of a page that starts with the next expected mark
("3 Kamerstuk 32 735, nr. 370" or "3) Circulaire ..."), whose marks go up one by one, and whose
marks the body text refers to (glued to a word, "Rechtsorde’3", or spaced).

    split_footnotes(lines, expected, previous) -> (body lines, [(mark, note lines)])
    find_refs(text, footnotes) -> [(offset, mark)]
"""
from __future__ import annotations

import re

# "3 Kamerstuk ..." or "3) Circulaire ...", not a number set apart from its full stop ("18 . Agendapunt:")
FOOTNOTE_START = re.compile(r"^(\d{1,3})(?:\s+|\)\s*)([^\s.,;:].*)$")
_REF_BLOCKERS = frozenset(
    """vraag vragen antwoord artikel artikelen lid nr nummer bijlage pagina hoofdstuk paragraaf punt
    fase stap fiche aanbeveling versie niveau figuur tabel grafiek onderdeel categorie groep klasse
    week dag jaar maand sub agendapunt""".split()
)


def _ref_positions(text: str, mark: str) -> tuple[list[int], list[int]]:
    """Offsets where `mark` plausibly refers to a footnote: (glued, spaced)."""
    glued: list[int] = []
    spaced: list[int] = []
    for m in re.finditer(rf"(?<!\d){re.escape(mark)}(?!\d)", text):
        start, end = m.start(), m.end()
        after = text[end : end + 1]
        if after and not (after.isspace() or after in ".,;:!?)»”\"’'"):
            continue
        before = text[start - 1 : start]
        if before == "\n" and re.match(r"[ \t]*(?:\n|$)", text[end:]) and start >= 2 \
                and text[start - 2] in ".;:!?)”’\"'":
            glued.append(start)  # a superscript mark set on a line of its own after a sentence
            continue
        if not before or before == "\n":
            continue
        if before.isalpha() or before in "’'”\"»)]?!":
            glued.append(start)
        elif before in ".,;:" and start >= 2:
            prev = text[start - 2]
            if prev.isalpha() or prev in "’'”\"»)]" or re.search(r"(?<![\d.])\d{3,}$", text[max(0, start - 12) : start - 1]):
                glued.append(start)  # "organisaties.4", "tot 2011.6" (not "paragraaf 2.3")
        elif before == " " and start >= 2:
            prev = text[start - 2]
            word = re.findall(r"[^\W\d_]+$", text[max(0, start - 30) : start - 1])
            if prev in "?!.»”\"’)":
                spaced.append(start)
            elif prev.isalpha() and (not after or after in "?.,;:!") and not (
                word and word[0].lower() in _REF_BLOCKERS
            ):
                spaced.append(start)
    return glued, spaced


def _has_ref(text: str, mark: str) -> bool:
    glued, spaced = _ref_positions(text, mark)
    return bool(glued or spaced)


_MAX_LINES = 12  # most lines one footnote may take
_CITATION = re.compile(
    r"^\d{1,3}\s+(?:https?://|www\.|Kamerstuk|Kamerstukken|Handelingen|Aanhangsel|Stcrt|Stb|Trb|ECLI|"
    r"Zie\b|Idem\b|Ibid)"
)


def split_footnotes(
    lines: list[str], expected: int, previous: str = "", dropped: list[str] | None = None
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Split the footnote block off the foot of a page.

    The block is a run of footnotes numbered consecutively that ends the page,
    each at most twelve lines long.  Its first mark must not go back in the
    document's numbering, and some footnote of the block must be referred to
    in the body above it or at the end of the previous page (`previous`), or,
    being the next number expected, follow a blank line or read like a
    citation ("46 https://...", "3 Kamerstuk 32 735 nr. 40").
    """
    nonblank = [i for i, line in enumerate(lines) if line]
    if not nonblank:
        return lines, []
    last = nonblank[-1]
    for bottom in reversed(nonblank):
        if last - bottom >= _MAX_LINES:
            break
        if not FOOTNOTE_START.match(lines[bottom]):
            continue
        starts = _chain(lines, nonblank, bottom)
        first = _confirmed(starts, lines, expected, previous)
        if first is None:
            continue
        starts = starts[first:]
        notes: list[tuple[str, list[str]]] = []
        bounds = [i for i, _ in starts] + [len(lines)]
        for (line_no, mark), end in zip(starts, bounds[1:]):
            m = FOOTNOTE_START.match(lines[line_no])
            assert m is not None
            notes.append((str(mark), [m.group(2)] + [x for x in lines[line_no + 1 : end] if x]))
            if dropped is not None:  # the mark as written ("3)", "03") is kept as "3"
                dropped.append("".join(lines[line_no][: m.start(2)].split()).replace(str(mark), "", 1))
        return lines[: starts[0][0]], notes
    return lines, []


def _chain(lines: list[str], nonblank: list[int], bottom: int) -> list[tuple[int, int]]:
    """Footnote starts numbered n-k .. n ending at line `bottom`, top-down."""
    m = FOOTNOTE_START.match(lines[bottom])
    assert m is not None
    want = int(m.group(1))
    starts: list[tuple[int, int]] = []
    cursor = bottom
    for i in reversed([k for k in nonblank if k <= bottom]):
        if cursor - i >= _MAX_LINES or want < 1:
            break
        m = FOOTNOTE_START.match(lines[i])
        if m and int(m.group(1)) == want:
            starts.append((i, want))
            want -= 1
            cursor = i
    starts.reverse()
    return starts


def _confirmed(
    starts: list[tuple[int, int]], lines: list[str], expected: int, previous: str
) -> int | None:
    """Index of the first start of `starts` that belongs to the footnote block."""
    chosen = None
    for k, (line_no, mark) in enumerate(starts):
        body_text = previous + "\n" + "\n".join(lines[:line_no])
        blank_before = line_no == 0 or not lines[line_no - 1]
        if mark >= expected and _has_ref(body_text, str(mark)):
            chosen = k
        elif mark == expected and (blank_before or _CITATION.match(lines[line_no])):
            chosen = k
        elif mark < expected and _ref_positions(body_text, str(mark))[0]:
            chosen = k  # numbering restarts (a new part), with a glued reference
        if chosen is not None:
            break
    if chosen is None:
        return None
    # footnotes directly above a confirmed one belong to the block too,
    # unless they would go back in the document's numbering
    while chosen > 0 and starts[chosen - 1][1] >= expected:
        chosen -= 1
    return chosen


def find_refs(text: str, footnotes: dict[str, str]) -> list[tuple[int, str]]:
    """(offset, mark) of the reference to each footnote of the page.

    The mark stays in the text: text[offset:offset + len(mark)] == mark.
    A mark glued to a word ("Rechtsorde’1") is preferred over a spaced one.
    """
    refs: list[tuple[int, str]] = []
    for mark in footnotes:
        glued, spaced = _ref_positions(text, mark)
        if glued:
            refs.append((glued[0], mark))
        elif spaced:
            refs.append((spaced[0], mark))
    return sorted(refs)
