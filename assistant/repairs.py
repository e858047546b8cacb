"""Word repairs of extracted text, with the whole document as evidence (part of assistant.clean).

* words broken across lines by a hyphen joined again ("maatschap-\npelijke"), keeping a hyphen
  that belongs to the word (OESO-richtlijnen) and a suspended one ("mensenrechten- en");
* letter-spaced words repaired where the document itself gives evidence ("P agina" -> "Pagina"
  when "Pagina" occurs elsewhere).
"""
from __future__ import annotations

import re
from collections import Counter

SOFT_HYPHEN = "\u00ad"

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _vocabulary(texts: list[str]) -> Counter[str]:
    vocab: Counter[str] = Counter()
    for text in texts:
        for word in _WORD.findall(text):
            vocab[word] += 1
            if "-" in word:
                for part in word.split("-"):
                    vocab[part] += 1
    return vocab


class Vocab:
    """Word counts with case-insensitive lookup."""

    def __init__(self, texts: list[str]):
        self.exact = _vocabulary(texts)
        self.lower: Counter[str] = Counter()
        for word, n in self.exact.items():
            self.lower[word.lower()] += n

    def has(self, word: str) -> bool:
        return self.lower.get(word.lower(), 0) > 0

    def has_exact(self, word: str) -> bool:
        return self.exact.get(word, 0) > 0


_STOPWORDS = frozenset(
    """de het een en van in is op te dat die voor met zijn niet aan er als ook om of door bij uit
    naar wordt worden dit deze zal tot over kan heeft hebben u ik wij we zij ze hun mijn uw nog wel
    maar dan meer geen werd was wat wie waar hoe the of and to in is for on that with by be are this
    as at an it from""".split()
)


_SUSPENDED = frozenset("en of tot and or als dan noch nor to".split())
_VOWELS = set("aeiouyáàâäéèêëíìîïóòôöúùûü")
_TRAIL_WORD = re.compile(r"([^\W\d_]+)( ?-|\u00ad)$")
_LEAD_WORD = re.compile(r"^([^\W\d_]+)")


def join_hyphenated(lines: list[str], vocab: Vocab, dropped: list[str]) -> list[str]:
    """Join words broken across lines by a hyphen; the two lines become one.

    Keeps a hyphen that belongs to the word (OESO-richtlijnen, VN-verband,
    zee-egel) and leaves suspended hyphens alone ("mensenrechten-" / "en").
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        while i + 1 < len(lines) and lines[i + 1] and line.endswith(("-", SOFT_HYPHEN)):
            joined = _join_pair(line, lines[i + 1], vocab, dropped)
            if joined is None:
                break
            line = joined
            i += 1
        out.append(line.replace(SOFT_HYPHEN, "") if SOFT_HYPHEN in line else line)
        i += 1
    return out


def _join_pair(line: str, nxt: str, vocab: Vocab, dropped: list[str]) -> str | None:
    """`line` + `nxt` with the broken word repaired, or None to leave them apart."""
    left_m = _TRAIL_WORD.search(line)
    right_m = _LEAD_WORD.match(nxt)
    if not left_m or not right_m:
        return None
    left, mark, right = left_m.group(1), left_m.group(2), right_m.group(1)
    if mark == SOFT_HYPHEN:
        return line[: left_m.end(1)] + nxt  # soft hyphens are invisible; not counted
    if right.lower() in _SUSPENDED and right[0].islower():
        return None  # "mensenrechten-" / "en buitenland": a suspended compound
    if mark == " -":
        # pypdf sometimes puts a space before the hyphen ("struc -" / "tureel");
        # a dash between words looks the same, so join only on evidence
        if vocab.has(left + right):
            keep = False
        elif vocab.has(f"{left}-{right}"):
            keep = True
        else:
            return None
    elif right[0].isupper() or left[-1].isupper():
        keep = True  # OESO-richtlijnen, VN-Verdrag
    elif vocab.has(left + right):
        keep = False
    elif vocab.has(f"{left}-{right}"):
        keep = True
    else:
        # Dutch keeps the hyphen where vowels would clash: zee-egel, auto-ongeluk
        keep = left[-1].lower() in _VOWELS and right[0].lower() in _VOWELS
    if not keep:
        dropped.append("-")
    return line[: left_m.end(1)] + ("-" if keep else "") + nxt


_SPLIT_CAP = re.compile(r"(?<![\w-])([A-Z]) ([a-zà-ÿ]{2,})\b")
_CAP_RUN = re.compile(r"(?<![\w-])([A-Z](?: [A-Z]){1,6})(?![\w-])")


class LetterSpacing:
    """Repair "P agina" -> "Pagina" and "A P U" -> "APU" on the document's evidence.

    A capital letter and a lower-case continuation are joined when the joined
    word occurs elsewhere in the document.  When the document shows the
    problem at least twice that way, a continuation that never occurs on its
    own (and is no common word) is joined too ("C ijfers").  "U" and "I" are
    words by themselves and only join on direct evidence.
    """

    def __init__(self, texts: list[str], vocab: Vocab):
        self.vocab = vocab
        self.split_rest: Counter[str] = Counter()
        confirmed = set()
        for text in texts:
            for m in _SPLIT_CAP.finditer(text):
                self.split_rest[m.group(2).lower()] += 1
                if vocab.has(m.group(1) + m.group(2)) and m.group(1) not in "UI":
                    confirmed.add((m.group(1) + m.group(2)).lower())
        self.phenomenon = len(confirmed) >= 2

    def _known_alone(self, rest: str) -> bool:
        return self.vocab.lower.get(rest.lower(), 0) - self.split_rest.get(rest.lower(), 0) > 0

    def _fix_cap(self, m: re.Match[str]) -> str:
        cap, rest = m.group(1), m.group(2)
        word = cap + rest
        if cap in "UI":
            return word if self.vocab.has(word) and not self._known_alone(rest) else m.group(0)
        if self.vocab.has(word):
            return word
        if (
            self.phenomenon
            and len(rest) >= 3
            and rest.lower() not in _STOPWORDS
            and not self._known_alone(rest)
        ):
            return word
        return m.group(0)

    def _fix_run(self, m: re.Match[str]) -> str:
        word = m.group(1).replace(" ", "")
        return word if self.vocab.has_exact(word) else m.group(0)

    def repair(self, text: str) -> str:
        if " " not in text:
            return text
        text = _SPLIT_CAP.sub(self._fix_cap, text)
        return _CAP_RUN.sub(self._fix_run, text)
