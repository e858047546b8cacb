"""Dutch lexical analysis for BM25: lowercase words, stop words out, Snowball stems.

The stems are stored in an SQLite FTS5 table (see index.py), which ranks with
BM25 and updates in the same transaction as the passages.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

# Dutch (Snowball list) plus common English function words: questions come in both.
STOPWORDS = frozenset(
    """
aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus een eens en er
ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je kan kon kunnen
maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat onder ons ook op over reeds te tegen
toch toen tot u uit uw van veel voor want waren was wat we wel werd wezen wie wil worden wordt zal ze zelf zich
zij zijn zo zonder zou welke welk waarom waar wanneer hoeveel hierbij daarbij daarnaast tevens echter
a an and are as at be been but by can could did do does for from had has have how i if in into is it its
of on or our so than that the their them then there these they this those to was we were what when where
which who whom why will with would you your about also any been being both each few more most other
some such only own same too very s t just don should now
""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("dutch")


def fold(text: str) -> str:
    """Lowercase and strip diacritics (financiële -> financiele)."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Word tokens, hyphenated compounds split into their parts too."""
    out: list[str] = []
    for m in _WORD.finditer(fold(text)):
        w = m.group(0).replace("’", "'")
        parts = re.split(r"[-']", w)
        if len(parts) > 1:
            out.append(w.replace("-", "").replace("'", ""))
            out.extend(p for p in parts if p)
        else:
            out.append(w)
    return out


def analyze(text: str) -> list[str]:
    """Tokens as indexed: folded words without stop words, Dutch-stemmed."""
    toks = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(toks)


def variant_key(term: str) -> str:
    """One key for the inflected and spelling variants of a term (grant/grants,
    health care/healthcare, begroting/begrotingen)."""
    return _stemmer().stemWord("".join(words(term.replace("-", "")))).rstrip("s")


# -- acronyms the documents define themselves ----------------------------------------------------
# "Adviescollege toetsing regeldruk (ATR)", "exportkredietverzekeringen (EKV)",
# "(consolidated tape, CT)": the long form is found with the Schwartz-Hearst rule (every letter
# of the acronym, in order, in the words just before it; the first letter starts a word).
_PAREN = re.compile(r"\(([^()\n]{1,120})\)")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9&+\-]{0,9}$")
_LEFT_WORDS = re.compile(r"[^\W_][\w\-’'&]*", re.UNICODE)


def _is_acronym_token(tok: str) -> bool:
    return bool(_ACRONYM.match(tok)) and sum(c.isupper() for c in tok) >= 2 and sum(c.isalpha() for c in tok) >= 2


def _long_form(short: str, words: list[str]) -> str | None:
    """The shortest run of trailing `words` that spells `short` (after Schwartz & Hearst, 2003).

    Each letter of the acronym is found, right to left, at the start of a word or inside a long
    compound word (exportkredietverzekeringen -> EKV); the first letter starts a word.
    """
    letters = [c.lower() for c in short if c.isalnum()]
    if len(letters) < 2 or not words:
        return None
    text = " ".join(words)
    starts = [i == 0 or not text[i - 1].isalnum() for i in range(len(text))]
    wlen = [0] * len(text)
    i = 0
    while i < len(text):  # length of the word each character sits in
        j = i
        while j < len(text) and text[j].isalnum():
            j += 1
        for k in range(i, j):
            wlen[k] = j - i
        i = j + 1
    li = len(text) - 1
    for si in range(len(letters) - 1, -1, -1):
        c = letters[si]
        while li >= 0 and (text[li].lower() != c or not (starts[li] or (si > 0 and wlen[li] >= 10))):
            li -= 1
        if li < 0:
            return None
        li -= 1
    start = text.rfind(" ", 0, li + 1) + 1
    long = text[start:].strip(" ,;:-")
    first = long.split()[0].lower() if long else ""
    n_words = len(long.split())
    if not long or n_words > min(len(letters) + 5, 2 * len(letters)) or len(long) <= len(short) + 1:
        return None
    if long.lower().startswith(short.lower()) or first in STOPWORDS:
        return None
    return long


# "(hierna: K-EET)", "(hierna te noemen: ATR)", "(hereinafter: CT)"
_HEREAFTER = re.compile(r"^(?:hierna(?:\s+te\s+noemen)?|verder|voortaan|hereinafter|hereafter)\b\s*:?\s*", re.IGNORECASE)


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(long form, acronym) pairs that a text defines, e.g. ('Freedom Online Coalition', 'FOC')."""
    out: list[tuple[str, str]] = []
    for m in _PAREN.finditer(text):
        inner = _HEREAFTER.sub("", m.group(1).strip())
        parts = [p.strip() for p in re.split(r"[,;]", inner)]
        # "long form (ACR)", "long form (hierna: ACR)", "long form (ACR, ...)" / "(long form, ACR)"
        if parts and _is_acronym_token(parts[0]):
            left = _LEFT_WORDS.findall(text[max(0, m.start() - 200):m.start()])
            n = len([c for c in parts[0] if c.isalnum()])
            lf = _long_form(parts[0], left[-min(n + 5, 2 * n):])
            if lf:
                out.append((lf, parts[0]))
        elif len(parts) >= 2 and _is_acronym_token(parts[-1]):
            lf = _long_form(parts[-1], _LEFT_WORDS.findall(parts[0]))
            if lf:
                out.append((lf, parts[-1]))
    return out
