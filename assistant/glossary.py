"""Bilingual glossary for query expansion (English <-> Dutch, acronyms <-> names).

Questions come in English or Dutch; the letters are Dutch and often use a
Dutch name or acronym where the question uses an English one (CSDDD ->
CS3D, zorgplichtrichtlijn; OECD -> OESO; UN -> VN). The glossary lists
concepts, each a set of equivalent terms, and `Glossary.expansions` returns
the equivalents of every concept mentioned in a query.

File format (see ``assistant/data/glossary.tsv``): one concept per line, its
terms separated by ``" | "`` (a vertical bar; the spaces are optional), the
first term the canonical Dutch form. ``#`` starts a comment line; blank lines
are ignored; a TAB is an error (use ``" | "``). Terms after ``=>`` are one-way:
they are added to a question that uses a term before it, but do not expand
themselves (``debat | debate => behandeling``: "when is the bill debated?"
also looks for "behandeling", while "de behandeling van asielaanvragen" gets
no "debate"); use it for a word whose everyday meaning is wider. Extra files named in the
environment variable ``ASSISTANT_GLOSSARY`` (several separated by
``os.pathsep``) are read after the packaged file; a concept whose canonical
term matches an earlier concept adds its terms to that concept, and a term
listed in several concepts expands to all of them.

Matching: whole words and phrases, case- and accent-insensitive. A word of
four letters or more also matches its inflected forms: the English or Dutch
Snowball stems agree and neither word runs more than two letters past the
stem (sanction/sanctions, motie/moties, richtlijn/richtlijnen; but not
overheid/over or house/housing). Short acronyms - a single word of at most
three characters starting with a capital, such as ``UN``, ``AI``, ``EZ``,
``OM``, ``Woo`` - match case-sensitively, so ``un`` or ``om`` in a sentence
does not expand. Longer phrases win over the
words inside them ("European Court of Human Rights" is the court, not also
"human rights"), except an acronym typed in capitals inside a longer phrase:
it names a concept of its own and expands too ("anti-SLAPP directive" also
brings in the SLAPP concept, "OECD guidelines" the OECD). Between the words of a phrase the query may have spaces,
hyphens, apostrophes, commas or parentheses, but not sentence punctuation
(. ! ? ; :), square brackets or double quotes.
"""
from __future__ import annotations

import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from .types import AssistantError

ENV_VAR = "ASSISTANT_GLOSSARY"
SEPARATOR = "|"
ONE_WAY = "=>"
PACKAGED = "data/glossary.tsv"

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# characters that may not sit between two words of a matched phrase
_BREAK = re.compile(r"[.!?;:\[\]{}<>\n\r\"]")
_MIN_STEM_LEN = 4
_MAX_ENDING = 2


class GlossaryError(AssistantError, ValueError):
    """A glossary file could not be read or has a malformed line.

    The message starts with ``file:line:`` so the user can find the line.
    """

    def __init__(self, source: str, line: int | None, reason: str):
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Concept:
    """One glossary line: equivalent terms, the canonical Dutch form first."""

    terms: tuple[str, ...]
    source: str = "<string>"
    line: int = 0
    one_way: tuple[str, ...] = ()  # terms (also in `terms`) that are added but never matched

    @property
    def canonical(self) -> str:
        return self.terms[0]


# -- text helpers -----------------------------------------------------------------------------

def _fold(text: str) -> str:
    """Strip diacritics, keep case (Financiën -> Financien)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _key(term: str) -> str:
    """Identity of a term for de-duplication: folded, lowercase, single-spaced."""
    return " ".join(_TOKEN.findall(_fold(term).lower()))


_stem_lock = threading.Lock()


@lru_cache(maxsize=1)
def _stemmers() -> tuple:
    try:
        import Stemmer  # PyStemmer
    except ImportError:  # pragma: no cover - PyStemmer is a dependency; degrade to exact matching
        return ()
    return (Stemmer.Stemmer("english"), Stemmer.Stemmer("dutch"))


@lru_cache(maxsize=65536)
def _stems(word: str) -> tuple[str, ...]:
    """(english stem, dutch stem) of a lowercase word; () when short or no stemmer."""
    if len(word) < _MIN_STEM_LEN:
        return ()
    stemmers = _stemmers()
    with _stem_lock:  # Stemmer objects are not thread-safe
        return tuple(s.stemWord(word) for s in stemmers)


@dataclass(frozen=True)
class _Tok:
    text: str  # folded, original case
    low: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.group(0).lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _near_stem(word: str, stem: str) -> bool:
    """True when the word is its stem plus an inflection-sized ending (at most
    _MAX_ENDING characters past the part it shares with the stem). Keeps plural
    and inflected forms (sanctions, moties, richtlijnen) and rejects derivations
    that stem alike (overheid/over, government/governance, house/housing)."""
    n = 0
    for x, y in zip(word, stem):
        if x != y:
            break
        n += 1
    return len(word) - n <= _MAX_ENDING


def _same(term_tok: str, term_low: str, q: _Tok, case_sensitive: bool) -> bool:
    if case_sensitive:
        return term_tok == q.text
    if term_low == q.low:
        return True
    for x, y in zip(_stems(term_low), _stems(q.low)):
        if x == y and _near_stem(term_low, x) and _near_stem(q.low, x):
            return True
    return False


@dataclass(frozen=True)
class _Term:
    text: str  # as written in the file
    toks: tuple[str, ...]  # folded, original case
    lows: tuple[str, ...]
    case_sensitive: bool
    order: int  # position in the glossary, for stable output

    @classmethod
    def make(cls, text: str, order: int) -> "_Term":
        toks = tuple(t.text for t in _tokens(_fold(text)))
        folded = _fold(text).strip()
        cs = len(toks) == 1 and folded == toks[0] and len(folded) <= 3 and folded[0].isupper()
        return cls(text, toks, tuple(t.lower() for t in toks), cs, order)

    def match_at(self, q: list[_Tok], i: int, qtext: str) -> bool:
        n = len(self.toks)
        if i + n > len(q):
            return False
        for j in range(n):
            if not _same(self.toks[j], self.lows[j], q[i + j], self.case_sensitive):
                return False
            if j and _BREAK.search(qtext, q[i + j - 1].end, q[i + j].start):
                return False
        return True

    def occurs_in(self, q: list[_Tok], qtext: str) -> bool:
        return any(self.match_at(q, i, qtext) for i in range(len(q) - len(self.toks) + 1))

    def index_keys(self) -> list[tuple[str, str]]:
        first = self.lows[0]
        if self.case_sensitive:
            return [("x", self.toks[0])]
        return [("l", first)] + [(str(n), s) for n, s in enumerate(_stems(first))]


def _is_acronym(word: str) -> bool:
    """A word typed as an acronym: two or more characters, all capitals or digits, at least two capitals
    (SLAPP, OECD, UN, CS3D; not 'Anti', 'EU-' parts count on their own)."""
    return len(word) >= 2 and word.upper() == word and sum(c.isupper() for c in word) >= 2


def _query_keys(tok: _Tok) -> list[tuple[str, str]]:
    return [("x", tok.text), ("l", tok.low)] + [(str(n), s) for n, s in enumerate(_stems(tok.low))]


# -- parsing ----------------------------------------------------------------------------------

def parse_glossary(text: str, source: str = "<string>") -> list[Concept]:
    """Parse glossary text into concepts; raise GlossaryError naming source and line."""
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "\t" in line:
            raise GlossaryError(source, lineno, "TAB found; separate terms with ' | '")
        sides = line.split(ONE_WAY)
        if len(sides) > 2:
            raise GlossaryError(source, lineno, f"'{ONE_WAY}' occurs more than once")
        groups = [[" ".join(p.split()) for p in side.split(SEPARATOR)] for side in sides]
        parts = [p for g in groups for p in g]
        one_way = tuple(groups[1]) if len(groups) > 1 else ()
        if any(not p for p in parts):
            raise GlossaryError(source, lineno, "empty term (two '|' in a row, '|' at an end of the line, "
                                                f"or nothing before or after '{ONE_WAY}')")
        if len(parts) < 2:
            raise GlossaryError(source, lineno, "a concept needs at least two terms separated by ' | '")
        keys: set[str] = set()
        for p in parts:
            if not _TOKEN.search(p):
                raise GlossaryError(source, lineno, f"term {p!r} has no letters or digits")
            if p in keys:
                raise GlossaryError(source, lineno, f"term {p!r} occurs twice")
            keys.add(p)
        canon = _key(parts[0])
        if canon in seen:
            raise GlossaryError(source, lineno, f"canonical term {parts[0]!r} already defined on line {seen[canon]}")
        seen[canon] = lineno
        concepts.append(Concept(tuple(parts), source, lineno, one_way))
    return concepts


def packaged_text() -> tuple[str, str]:
    """(text, name) of the glossary shipped with the package."""
    res = resources.files("assistant").joinpath(PACKAGED)
    return res.read_text(encoding="utf-8"), str(res)


def env_paths() -> list[Path]:
    """Extra glossary files named in ASSISTANT_GLOSSARY (os.pathsep-separated)."""
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise GlossaryError(str(path), None, f"not UTF-8 text ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise GlossaryError(str(path), None, f"cannot read glossary file: {e.strerror or e}") from e


# -- the glossary -----------------------------------------------------------------------------

class Glossary:
    """Concepts of equivalent terms, and query expansion over them.

    ``Glossary()`` reads the packaged glossary, then the files named in
    ``ASSISTANT_GLOSSARY``, then ``extra_files``. Pass ``packaged=False`` /
    ``env=False`` to leave those out (tests, tools).
    """

    def __init__(self, extra_files: Iterable[str | os.PathLike] = (), *, packaged: bool = True, env: bool = True):
        self._concepts: list[list[str]] = []
        self._one_way: list[set[str]] = []  # per concept: terms that are added but never matched
        self._sources: list[tuple[str, int]] = []
        self._by_canon: dict[str, int] = {}
        if packaged:
            text, name = packaged_text()
            self.add(parse_glossary(text, name))
        paths = (env_paths() if env else []) + [Path(p) for p in extra_files]
        for p in paths:
            self.add(parse_glossary(_read(p), str(p)))

    @classmethod
    def from_text(cls, text: str, source: str = "<string>") -> "Glossary":
        """A glossary of just this text (no packaged file, no environment)."""
        g = cls(packaged=False, env=False)
        g.add(parse_glossary(text, source))
        return g

    def add(self, concepts: Sequence[Concept]) -> None:
        """Add concepts; one whose canonical term is known extends that concept
        (a term stays one-way only while no line lists it as an ordinary term)."""
        for c in concepts:
            k = _key(c.canonical)
            if k in self._by_canon:
                ci = self._by_canon[k]
                terms, one_way = self._concepts[ci], self._one_way[ci]
                for t in c.terms:
                    if t not in terms:
                        terms.append(t)
                        if t in c.one_way:
                            one_way.add(t)
                    elif t not in c.one_way:
                        one_way.discard(t)
            else:
                self._by_canon[k] = len(self._concepts)
                self._concepts.append(list(c.terms))
                self._one_way.append(set(c.one_way))
                self._sources.append((c.source, c.line))
        self._build()

    def _build(self) -> None:
        self._concept_list = [Concept(tuple(t), s, ln, tuple(x for x in t if x in ow))
                              for t, ow, (s, ln) in zip(self._concepts, self._one_way, self._sources)]
        self._terms: list[tuple[_Term, int]] = []  # (term, concept index)
        self._index: dict[tuple[str, str], list[int]] = {}
        order = 0
        for ci, terms in enumerate(self._concepts):
            for t in terms:
                term = _Term.make(t, order)
                order += 1
                if not term.toks or t in self._one_way[ci]:
                    continue
                n = len(self._terms)
                self._terms.append((term, ci))
                for key in term.index_keys():
                    self._index.setdefault(key, []).append(n)

    @property
    def concepts(self) -> list[Concept]:
        """All concepts, in file order (merged ones carry their first source)."""
        return list(self._concept_list)

    def __len__(self) -> int:
        return len(self._concepts)

    def matches(self, query: str) -> list[tuple[str, Concept]]:
        """The glossary terms found in the query (longest phrases first, no overlaps),
        in query order, each with its concept."""
        qtext = _fold(query)
        q = _tokens(qtext)
        found: list[tuple[int, int, _Term, int]] = []
        for i, tok in enumerate(q):
            cand: set[int] = set()
            for key in _query_keys(tok):
                cand.update(self._index.get(key, ()))
            for n in cand:
                term, ci = self._terms[n]
                if term.match_at(q, i, qtext):
                    found.append((i, i + len(term.toks), term, ci))
        # longest phrase (in words, then characters) first; earlier and glossary order break ties
        found.sort(key=lambda m: (-(m[1] - m[0]), -len(m[2].text), m[0], m[2].order))
        used = [False] * len(q)
        taken: list[tuple[int, int, _Term, int]] = []
        for m in found:
            if any(used[m[0]:m[1]]):
                # the same span may name a term that sits in several concepts
                if any(t[0] == m[0] and t[1] == m[1] and t[2].text == m[2].text for t in taken):
                    taken.append(m)
                # an acronym written inside a longer matched phrase names a concept of its own
                # ("anti-SLAPP directive" is also about SLAPPs, "OECD guidelines" about the OECD)
                elif m[1] - m[0] == 1 and _is_acronym(q[m[0]].text) and not any(
                        t[3] == m[3] for t in taken if t[0] <= m[0] < t[1]):
                    taken.append(m)
                continue
            for j in range(m[0], m[1]):
                used[j] = True
            taken.append(m)
        taken.sort(key=lambda m: (m[0], m[2].order))
        concepts = self._concept_list
        return [(qtext[q[m[0]].start:q[m[1] - 1].end], concepts[m[3]]) for m in taken]

    def expansions(self, query: str) -> list[str]:
        """Equivalent terms for every glossary term in the query, in query order then
        glossary order, without duplicates and without terms already in the query."""
        qtext = _fold(query)
        q = _tokens(qtext)
        out: list[str] = []
        seen: set[str] = set()
        for _, concept in self.matches(query):
            for t in concept.terms:
                k = _key(t)
                if k in seen:
                    continue
                seen.add(k)
                if _Term.make(t, 0).occurs_in(q, qtext):
                    continue
                out.append(t)
        return out

    def expand(self, query: str) -> str:
        """The query with its expansions appended (unchanged when there are none)."""
        extra = self.expansions(query)
        return query if not extra else query.rstrip() + " " + " ".join(extra)


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The packaged glossary plus ASSISTANT_GLOSSARY files, read once per process.

    Call ``default_glossary.cache_clear()`` after changing the variable or files.
    """
    return Glossary()
