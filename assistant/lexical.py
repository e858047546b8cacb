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


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the analysed terms (quoted, de-duplicated)."""
    terms = list(dict.fromkeys(analyze(text)))
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
