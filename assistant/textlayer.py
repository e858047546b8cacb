"""Check each page's text layer before it is indexed.

A PDF's text layer can be present and still be useless:

* garbled: a broken font encoding gives digits and symbols ("3A=B?/2?3@ &=@A0B@");
* glued: the spaces are lost, as in some OCR layers
  ("aadinzakekinderopvangtoeslag2513AADenHaag"), so no word can be found;
* spaced: a space between every letter ("H e t  k a b i n e t");
* broken lines: one word a line, when every word is drawn on its own (a web page printed by a
  browser, a rotated OCR layer): pypdf gives no line of the page as it stands, and the
  letterhead and heading rules, which read lines, took a whole first page for a side column.

`page_quality` measures a page; `PageQuality.problem` names what is wrong with it
(None for a good page). The thresholds were set on the 525 pages of the project's
real PDFs (corpus-real and unseen-dev), none of which they flag: the mean word
length of a good page is 4.9 to 8.3 letters (8.3 on a page of long technical
terms), a page with the spaces lost between most words reads 10 or more; good
pages have 72-98 % letters among their visible characters, garbled ones 8-15 %.

`load.py` uses it: a page that is not good is read again with a second extractor
(pdfminer.six, which finds word gaps from the glyph positions; measured on a
generated PDF whose word gaps are half a space wide, pypdf and pypdfium2 glue
the words and pdfminer.six separates them; at 0.4 of a space pypdf
glues every word), then OCR'd when --ocr is on; a page
that stays bad is left out, and the ingest line names it. A page of broken lines loses nothing,
so it is never left out: pdfminer.six reads its lines from the glyph positions, and where it
cannot, the words are joined into running text (`join_words`). Measured on the 1,566 pages of 30
lines or more among the 237 real PDFs we hold: on the 11 pages of two such documents every line
holds one word, on every other page at most 77 % do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PageQuality", "garbled_pages", "join_words", "page_quality", "page_ranges"]

_MIN_CHARS = 80  # pages with fewer visible characters are too short to judge
_WORDS = re.compile(r"[^\s_]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_COMMON_WORDS = frozenset(
    """de het een en van in is op te dat die voor met zijn niet aan er als ook om of door bij uit
    naar wordt worden dit deze zal tot over kan heeft hebben u ik wij we zij the of and to for on
    that with by be are this""".split()
)
# a web or mail address, or a query string, is no word ("https://confluence.knmi.nl/download/...",
# "version=1&modificationDate=1629898278553&api=v2"): on a short page it alone looked glued
_ADDRESS = re.compile(r"://|^www\.|@|=")
GLUED_WORD_LENGTH = 9.5  # mean letters per word at or above which the spaces are lost
SUSPECT_WORD_LENGTH = 7.5  # at or above this (on 200+ characters), a second extractor is tried
SPACED_WORD_LENGTH = 2.0  # mean letters per word at or below which every letter stands alone
LONG_WORD = 25  # letters; Dutch compounds rarely reach it ("arbeidsongeschiktheidsverzekering" is 33)
GLUED_LONG_SHARE = 0.4  # share of letters in words of LONG_WORD letters or more
JOINED_WORD = 20  # letters; a word this long on a page of long words is likely two or more run together
JOINED_SHARE = 0.1  # share of letters in such words, with a long mean, that makes a page glued
GLUED_COMMON_SHARE = 0.05  # or, with a long mean, fewer function words than this: they were joined to others
BROKEN_MIN_LINES = 30  # lines of text a page needs before its line breaks are judged
BROKEN_LINE_SHARE = 0.9  # share of its lines holding one word at or above which the lines are broken


@dataclass(frozen=True)
class PageQuality:
    """Measures of one page's text, each between plain numbers a test can check."""

    chars: int  # visible (non-space) characters
    letter_share: float  # letters among the visible characters
    common_share: float  # common Dutch and English function words among the words
    word_length: float  # mean letters per word (words split at white space and underscores)
    long_share: float  # share of letters that sit in words of LONG_WORD letters or more
    words: int
    joined_share: float = 0.0  # share of letters that sit in words of JOINED_WORD letters or more
    lines: int = 0  # lines that hold text
    one_word_lines: float = 0.0  # share of those lines that hold a single word

    @property
    def garbled(self) -> bool:
        return self.chars >= _MIN_CHARS and self.letter_share < 0.5 and self.common_share < 0.05

    @property
    def glued(self) -> bool:
        # the mean length only on 20 words or more: a cover page of a few long words
        # ("Handreiking inventarisatie, identificatie en classificatie AI-systemen") is not glued;
        # and only with words that look joined (long ones, or function words gone into them): a
        # table of contents of Dutch compounds ("Toezichthoudende en strafvorderlijke
        # bevoegdheden", "Bestuursrechtelijke handhaving") has a long mean, its "en" and "van" too
        joined = self.joined_share >= JOINED_SHARE or self.common_share < GLUED_COMMON_SHARE
        return self.chars >= _MIN_CHARS and ((self.words >= 20 and self.word_length >= GLUED_WORD_LENGTH and joined)
                                             or self.long_share >= GLUED_LONG_SHARE)

    @property
    def spaced(self) -> bool:
        return self.chars >= _MIN_CHARS and self.words >= 20 and self.word_length <= SPACED_WORD_LENGTH

    @property
    def broken_lines(self) -> bool:
        """One word a line: the text is all there, its lines are not."""
        return self.lines >= BROKEN_MIN_LINES and self.one_word_lines >= BROKEN_LINE_SHARE

    @property
    def problem(self) -> str | None:
        """What is wrong with the page, in words for the ingest line; None when it is good."""
        if self.garbled:
            return "unreadable characters (a broken font encoding)"
        if self.glued:
            return "words run together (the text layer lost its spaces)"
        if self.spaced:
            return "letters spaced apart (the text layer split every word)"
        return None

    @property
    def suspect(self) -> bool:
        """Worth reading again with a second extractor."""
        return (self.problem is not None or self.broken_lines
                or (self.chars >= 200 and self.word_length >= SUSPECT_WORD_LENGTH))

    def distance(self) -> float:
        """How far the page is from ordinary prose (about 6 letters a word); lower is better."""
        return abs(self.word_length - 6.0) + (10.0 if self.garbled else 0.0) + (3.0 if self.broken_lines else 0.0)


def page_quality(text: str) -> PageQuality:
    """Measure one page's text."""
    visible = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    words = [w for w in (_LETTERS.findall(tok) for tok in _WORDS.findall(text) if not _ADDRESS.search(tok)) if w]
    lengths = [sum(len(part) for part in w) for w in words]
    flat = [part.lower() for w in words for part in w]
    total = sum(lengths)
    lines = [n for n in (len(line.split()) for line in text.splitlines()) if n]
    return PageQuality(
        chars=len(visible),
        letter_share=letters / len(visible) if visible else 0.0,
        common_share=sum(w in _COMMON_WORDS for w in flat) / len(flat) if flat else 0.0,
        word_length=total / len(lengths) if lengths else 0.0,
        long_share=sum(n for n in lengths if n >= LONG_WORD) / total if total else 0.0,
        words=len(lengths),
        joined_share=sum(n for n in lengths if n >= JOINED_WORD) / total if total else 0.0,
        lines=len(lines),
        one_word_lines=sum(n == 1 for n in lines) / len(lines) if lines else 0.0,
    )


def better_text(first: str, second: str) -> str:
    """The better of two extractions of one page: the second only when it is closer to ordinary
    prose and keeps at least 80 % of the first's letters (it must not lose text)."""
    a, b = page_quality(first), page_quality(second)
    if b.chars < 0.8 * a.chars * a.letter_share:
        return first
    return second if b.distance() + 0.5 < a.distance() else first


def join_words(text: str) -> str:
    """A page of broken lines as running text (its words, in order, one space apart); any other
    page as it is."""
    return " ".join(text.split()) if page_quality(text).broken_lines else text


def garbled_pages(raw_pages: list[str]) -> list[int]:
    """Pages (1-based) whose text is garbage from a broken font encoding."""
    return [n for n, text in enumerate(raw_pages, start=1) if page_quality(text).garbled]


def page_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 8] -> "1-3, 8"."""
    parts: list[str] = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        parts.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    return ", ".join(parts)
