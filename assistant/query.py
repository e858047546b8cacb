"""What a question asks, before anything is searched.

    language_of(text)                'nl' or 'en'
    rewrite_followup(q, history)     "and in Belarus?" -> the earlier question's topic + " in Belarus"
    asks_who_signed(q), asks_when(q) questions answered by the signatories, or by a date
    query_units(q, glossaries, docs) the question as units of meaning (alternatives of Dutch stems)
    dense_query(q, glossary)         what the dense model reads: the question and its equivalents
    question_names(q)                names and numbers of the question (for the no-answer decision)
    CorpusAcronyms                   the acronyms the indexed documents define ("long form (ACR)")

A unit of meaning is a list of alternatives, each a set of Dutch stems: a glossary term brings
the terms of its concept ('CSDDD' is covered by a passage saying 'CS3D'), every other content
word is a unit of its own.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Mapping

from . import lexical

if TYPE_CHECKING:  # pragma: no cover
    from .glossary import Glossary
    from .store import Store
    from .types import DocumentInfo

Unit = list[frozenset[str]]  # the alternatives of one unit of meaning, each a set of Dutch stems

# -- language ------------------------------------------------------------------------------------
NL_HINTS = set(
    "de het een en van is zijn wat wie waar wanneer hoe welke welk waarom niet ook dat die deze dit voor met op "
    "over kabinet zegt zei heeft hebben wordt worden kan kunnen nog er hoeveel naar bij uit aan om te tot door "
    "als maar of wel geen meer zal zullen moet moeten mag mogen komt gaat doet ons onze hun haar zij wij ik je "
    "u uw welke daarover hierover waarover staatssecretaris".split()
)
EN_HINTS = set(
    "the a an and of is are was were what who where when how which why not also that this these those for with on "
    "about cabinet say said says does did do has have had will would can could should there their they them it its "
    "from by to at into than more many much any some government".split()
) - {"was"}

# letter sequences typical of Dutch words (aa, ij, oe, sch, -heid, -lijk ...) and of English ones (th, w, -tion)
_NL_CUES = re.compile(r"aa|ij|oe|uu|ui|ei|ee|sch|cht|heid$|lijk|isch|^ge|^v|^z|[^aeiou]en$|nds$|tie$|teit$")
_EN_CUES = re.compile(r"th|w|tion$|ness$|ity$|[^e]ed$|y$|sh|ck|ph|^c[ei]|ou[^w]")


@lru_cache(maxsize=1)
def _glossary_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words of the glossary's Dutch (first) terms and of its other terms, most of them English."""
    from .glossary import default_glossary

    dutch: set[str] = set()
    other: set[str] = set()
    for concept in default_glossary().concepts:
        dutch.update(w for w in re.findall(r"[a-zà-ÿ]+", concept.terms[0].lower()) if len(w) > 3)
        for term in concept.terms[1:]:
            if not term.isupper() and term not in concept.one_way:
                other.update(w for w in re.findall(r"[a-zà-ÿ]+", term.lower()) if len(w) > 3)
    # inflections and cognates of Dutch words (ambassades, democracy) say nothing about the language
    heads = {w[:5] for w in dutch}
    return frozenset(dutch - other), frozenset(w for w in other - dutch if w[:5] not in heads)


def language_of(text: str) -> str:
    """'nl' or 'en': function words first; for keyword questions the glossary's Dutch and
    English vocabulary, then letter patterns."""
    tokens = re.findall(r"[a-zà-ÿ]+", text.lower())
    nl = sum(t in NL_HINTS for t in tokens)
    en = sum(t in EN_HINTS for t in tokens)
    if nl == en:
        nl_words, en_words = _glossary_words()
        nl = sum(t in nl_words for t in tokens)
        en = sum(t in en_words for t in tokens)
    if nl == en:
        words = [t for t in tokens if len(t) > 2]
        nl = sum(len(_NL_CUES.findall(t)) for t in words)
        en = sum(len(_EN_CUES.findall(t)) for t in words)
    return "nl" if nl > en else "en"


# -- "who signed?" ---------------------------------------------------------------------------------
# A question about who signed a letter, or who submitted a motion or answered questions (a
# motion is signed by its submitters, a reply by its minister): the answer is the signature
# block or the names under the motion, which share no word with the question, so the
# signatories' names become a unit (and a top passage holding its own document's
# signatories answers the question).
_SIGNED = re.compile(r"\b(?:(?:who|which\s+\w+)\s+(?:signed|submitted|tabled|filed|answered)|"
                     r"(?:signed|submitted|tabled|answered)\s+by|signator(?:y|ies)|signature|ondertekend|"
                     r"ondertekenaars?|ondertekening|getekend|wie\s+tekende)\b", re.IGNORECASE)
_WHO_NL = re.compile(r"^\s*(?:wie|welke)\b.*\b(?:ingediend|indiende|diende\b.*\bin|beantwoord|beantwoordde)\b",
                     re.IGNORECASE)
_LETTER = re.compile(r"(?:letter|brief|document|reply|response|answer|antwoord|reactie|fiche|stuk|motion|moti[ea]|"
                     r"amendment|amendement|questions|vragen)", re.IGNORECASE)


def asks_who_signed(question: str) -> bool:
    """'Who signed the letter?', 'Wie heeft de brief ondertekend?', 'Who submitted the motion?',
    'Welke minister heeft de vragen beantwoord?' (not 'who signed the treaty')."""
    return bool((_SIGNED.search(question) or _WHO_NL.search(question)) and _LETTER.search(question))


def name_stems(doc: "DocumentInfo") -> list[frozenset[str]]:
    """The stems of each signatory's name ({'aukj', 'vries'} for 'Aukje de Vries')."""
    return [n for n in (frozenset(lexical.analyze(name)) for name in doc.signatories) if n]


# -- "when?" ---------------------------------------------------------------------------------------
# "When will the bill be debated?" / "Wanneer verschijnt het rapport?": a question that asks
# for a date shares no word with "behandeling is gepland voor 6 februari 2025", so holding
# a date (a month, a season or quarter, a year) counts as one unit of the question.
_WHEN = re.compile(r"\b(?:when|wanneer|what\s+(?:date|year|month)|which\s+(?:date|year|month)|"
                   r"welke\s+(?:datum|maand)|welk\s+jaar|per\s+welke\s+datum)\b", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MONTH_WORDS = ("januari februari maart april mei juni juli augustus september oktober november december "
                "january february march june july august october")  # not 'may', an English verb
_DATE_WORDS = (_MONTH_WORDS + " "
               "kwartaal voorjaar najaar zomer winter zomerreces kerstreces quarter spring summer autumn")


def asks_when(question: str) -> bool:
    """'When will ...?', 'Wanneer ...?', 'In welk jaar ...?'."""
    return bool(_WHEN.search(question))


@lru_cache(maxsize=1)
def _date_stems() -> frozenset[str]:
    return frozenset(lexical.analyze(_DATE_WORDS))


def holds_date(stems: set[str]) -> bool:
    """Whether a passage's stems name a month, season, quarter or year."""
    dates = _date_stems()
    return any(t in dates or _YEAR.match(t) for t in stems)


def date_weight(weights: list[float]) -> float:
    """The weight of the date a 'when' question asks for: that of its commonest unit."""
    return min(weights, default=0.0)


# -- follow-up questions ---------------------------------------------------------------------------
_FOLLOWUP_START = re.compile(
    r"^\s*(and|but|what about|how about|also|en|maar|ook|wat dan met|hoe zit het met|en hoe zit het met|"
    r"en wat|what else|and what|en verder)\b[\s,:]*",
    re.I,
)
_ANAPHORA = re.compile(
    r"\b(it|its|this|that|these|those|they|them|their|there|he|she|daarover|daarvan|daarin|daarmee|daar|"
    r"dat|deze|die|dit|hiervan|hierover|hij|zij|ze|hun|het kabinet daarover)\b",
    re.I,
)
FOLLOWUP_LOOKBACK = 6  # earlier questions a follow-up may take its topic from


def previous_questions(history: list | None, last: int | None = None) -> list[str]:
    """User turns from a chat history: strings, {'role','content'} dicts or (user, bot) pairs.

    `last`: only the user turns among the last 2 x `last` turns are read (a history may
    alternate user and assistant turns), so a long history costs no more than a short one.
    """
    turns = list(history or [])
    if last is not None:
        turns = turns[-2 * last:]
    out: list[str] = []
    for turn in turns:
        if isinstance(turn, str):
            out.append(turn)
        elif isinstance(turn, dict):
            if turn.get("role", "user") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
    out = [q for q in out if q.strip()]
    return out[-last:] if last is not None else out


def is_followup(question: str) -> bool:
    """A question that cannot stand alone: it opens with a continuation word ("and", "en",
    "what about"), leans on a pronoun in a few words, or is too short to carry a topic."""
    content = lexical.analyze(question)
    return (bool(_FOLLOWUP_START.match(question)) or (bool(_ANAPHORA.search(question)) and len(content) <= 4)
            or len(content) <= 2)


def rewrite_followup(question: str, history: list | None) -> str:
    """Make a short follow-up standalone by adding the topic of the conversation.

    "and in Belarus?" after "How many people did the EU sanction in Russia?" becomes
    "How many people did the EU sanction in Russia? in Belarus". No language model. The topic
    is the latest earlier question that stands alone, within the last FOLLOWUP_LOOKBACK
    questions (or, when all of those are follow-ups, the previous one): a series of
    "and in X?" keeps the first question's topic with only the latest X. One pass over at
    most FOLLOWUP_LOOKBACK questions, whatever the length of the history.
    """
    prev = previous_questions(history, last=FOLLOWUP_LOOKBACK)
    if not prev or not is_followup(question):
        return question
    rest = _FOLLOWUP_START.sub("", question).strip()
    base = next((q for q in reversed(prev) if not is_followup(q)), prev[-1])
    return f"{base.rstrip()} {rest}".strip()


# -- units of meaning ------------------------------------------------------------------------------
def query_units(query: str, glossaries: Iterable["Glossary"], documents: Mapping[str, "DocumentInfo"]) -> list[Unit]:
    """The question as units of meaning, each a list of alternatives (sets of Dutch stems).

    A glossary term in the question is one unit whose alternatives are all the terms of its
    concept ('CSDDD' is covered by a passage saying 'CS3D'); so is an acronym that the indexed
    documents define, with its long form ('consolidated tape' ~ 'CT') when their glossary is
    among `glossaries`; every other content word is a unit of its own. A "who signed?" question
    gets one more unit: the names of the documents' signatories.
    """
    units: list[tuple[frozenset[str], Unit]] = []  # (the question's own stems, alternatives)
    for glossary in glossaries:
        for span, concept in glossary.matches(query):
            own = frozenset(lexical.analyze(span))
            if not own:
                continue
            alternatives = [own] + [a for a in (frozenset(lexical.analyze(t)) for t in concept.terms) if a]
            for unit_own, unit_alternatives in units:
                if own & unit_own:  # the same words: one unit with the alternatives of both
                    unit_alternatives.extend(a for a in alternatives if a not in unit_alternatives)
                    break
            else:
                units.append((own, list(dict.fromkeys(alternatives))))
    covered = set().union(*(own for own, _ in units)) if units else set()
    out = [alternatives for _, alternatives in units]
    for stem in dict.fromkeys(lexical.analyze(query)):
        if stem not in covered:
            out.append([frozenset([stem])])
    if asks_who_signed(query):
        names = list(dict.fromkeys(n for d in documents.values() for n in name_stems(d)))
        if names:
            out.append(names)
    return out


def dense_query(query: str, glossary: "Glossary | None") -> str:
    """What the dense model reads: the question, its glossary equivalents in brackets.

    One embedding per question (a second one for the bare question measured no better and
    costs a second model run); equivalents in both languages help Dutch questions too
    (measured: Dutch hit@1 on the seed calibration set 1.00 with all equivalents, 0.94 with
    only the Dutch ones). The long forms of acronyms the documents define stay out: they made
    the multi-document calibration MRR .813 -> .805.
    """
    seen = {lexical.variant_key(w) for w in lexical.words(query)}
    extra = []
    for term in (glossary.expansions(query) if glossary is not None else []):
        key = lexical.variant_key(term)  # 'pensions' after 'pension', 'begrotingen' after 'begroting'
        if key and key not in seen:  # add no meaning, only tokens (about 2 ms each)
            seen.add(key)
            extra.append(term)
    return query + " (" + "; ".join(extra) + ")" if extra else query


_NAME = re.compile(r"[^\W_][\w'’.-]*[\w]|[^\W_]", re.UNICODE)


_MONTHS = frozenset(_MONTH_WORDS.split())


def question_names(question: str) -> list[frozenset[str]]:
    """The stems of each name or number in a question: a capitalised word that does not open it,
    an acronym, or a number of three digits or more ("Gelderland", "NWO", "2019"). A month is a
    date, not a name ("12 March 2024": the Dutch text says "maart")."""
    out: list[frozenset[str]] = []
    for i, m in enumerate(_NAME.finditer(question)):
        token = re.sub(r"['’]s$", "", m.group(0))  # NWO's
        acronym = sum(c.isupper() for c in token) >= 2
        name = token[:1].isupper() and (i > 0 or acronym)
        number = token.isdigit() and len(token) >= 3
        if not (name or number) or token.lower() in EN_HINTS or token.lower() in NL_HINTS or token.lower() in _MONTHS:
            continue
        stems = frozenset(lexical.analyze(token))
        if stems and stems not in out:
            out.append(stems)
    return out


# -- acronyms the documents define -------------------------------------------------------------------
class CorpusAcronyms:
    """A glossary of the acronyms the indexed documents define ("long form (ACR)").

    Kept per document (id and content hash), so after an ingest only the new or changed
    documents are read again (about 0.1 s per thousand passages). Safe from several threads.
    """

    def __init__(self) -> None:
        self._glossary: "Glossary | None" = None
        self._generation = -1
        self._per_document: dict[str, tuple[str, list[tuple[str, str]]]] = {}  # id -> (sha256, pairs)
        self._lock = threading.Lock()

    def glossary(self, generation: int, store: "Store") -> "Glossary":
        """The glossary of the documents of `generation` (read from the store when it changed)."""
        if self._generation == generation and self._glossary is not None:
            return self._glossary
        with self._lock:
            if self._generation != generation or self._glossary is None:
                from .glossary import Concept, Glossary

                hashes = store.document_hashes()
                kept = {d: v for d, v in self._per_document.items() if hashes.get(d) == v[0]}
                for doc_id, sha in hashes.items():
                    if doc_id not in kept:
                        pairs = [p for text in store.passage_texts(doc_id) for p in lexical.defined_acronyms(text)]
                        kept[doc_id] = (sha, pairs)
                terms: dict[str, list[str]] = {}
                for _, pairs in kept.values():
                    for long_form, short in pairs:
                        short = short.strip("-")
                        forms = terms.setdefault(short, [short])
                        if long_form not in forms:
                            forms.append(long_form)
                glossary = Glossary(packaged=False, env=False)
                glossary.add([Concept(tuple(t)) for t in terms.values() if len(t) > 1])
                self._glossary, self._per_document, self._generation = glossary, kept, generation
        return self._glossary
