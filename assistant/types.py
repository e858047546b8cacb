"""Typed records passed between the pipeline stages.

load -> clean -> (metadata) -> chunk -> embed -> index -> search -> present

Provenance travels with every record: a Passage knows its document, its first
and last page, its section heading, its footnotes and where it sits in the
page text, so a Hit can be cited to the page.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


class AssistantError(Exception):
    """An error the user can act on; the CLI prints it as one line."""


class IngestError(AssistantError):
    """A file could not be ingested. Names the file, the cause and what to do."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class IndexMismatchError(AssistantError):
    """The index on disk was built with other settings or is damaged."""


@dataclass
class Page:
    """One page of a document after cleaning.

    `number` is the 1-based page number a reader would cite (the PDF page).
    `text` is the body text: page furniture removed, footnotes taken out.
    `footnotes` maps a footnote mark ("1") to its text ("Kamerstuk 32 735 nr. 370").
    """

    number: int
    text: str
    footnotes: dict[str, str] = field(default_factory=dict)
    # where the body text refers to a footnote: (character offset into `text`, mark)
    refs: list[tuple[int, str]] = field(default_factory=list)
    # headings the source format marks as such (ODT/DOCX/HTML styles, the official XML):
    # (offset of the heading's line in `text`, section label); each starts a passage. An empty
    # label (SECTION_END) only ends the section before it: a PDF page that opens an appended
    # document (assistant.clean) is not under the last heading of the document before it
    headings: list[tuple[int, str]] = field(default_factory=list)


SECTION_END = ""


@dataclass
class DocumentMeta:
    """What a document says about itself (or its sidecar file says)."""

    title: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd
    kenmerk: str | None = None
    kamerstuk: str | None = None  # e.g. "32 545, nr. 143"
    kind: str | None = None  # brief, motie, kamervragen, bnc-fiche, ...
    signatories: list[str] = field(default_factory=list)
    # exact metadata of an official publication (assistant.official): identifier, dossier,
    # dossier_title, number, session (vergaderjaar), submitters, doctype, source URL; None otherwise
    official: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LoadedDocument:
    """A document read from disk and cleaned, ready to be chunked."""

    source: str  # file name as ingested (no folders)
    path: str  # where it was read from
    sha256: str  # content hash of the file bytes
    pages: list[Page]
    meta: DocumentMeta
    media_type: str = "application/pdf"  # or text/plain, text/markdown
    # a file kept as the document's stored copy when it is ingested already loaded
    # (an official publication's PDF, or a rebuilt document's stored file); None: none
    keep_file: str | None = None
    warnings: list[str] = field(default_factory=list)  # pages left out, and why (for the ingest line)
    stored_bytes: bytes | None = None  # what the index stores when not the file itself (a PDF without scripts)


@dataclass
class Passage:
    """A retrievable piece of a document, with its provenance."""

    text: str
    page: int  # first page
    page_end: int  # last page
    section: str | None = None
    footnotes: list[str] = field(default_factory=list)  # "1 Kamerstuk 32 735 nr. 370"
    char_start: int = 0  # offset into the text of `page`
    char_end: int = 0  # offset into the text of `page_end` (exclusive)
    ordinal: int = 0  # position within the document
    kind: str = "body"  # "body", or "footnote": the text of one footnote, on the page it is printed on
    # what gives a footnote its meaning (the sentence that cites it): embedded and searched with
    # the passage, never shown as its text
    context: str = ""


@dataclass
class DocumentInfo:
    """A document as the index knows it."""

    id: str
    source: str
    title: str
    date: str | None
    kamerstuk: str | None
    kenmerk: str | None
    kind: str | None
    pages: int
    passages: int
    sha256: str = ""
    signatories: list[str] = field(default_factory=list)
    official: dict | None = None  # see DocumentMeta.official

    def to_json(self) -> dict:
        out = {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "date": self.date,
            "kamerstuk": self.kamerstuk,
            "kenmerk": self.kenmerk,
            "kind": self.kind,
            "pages": self.pages,
            "passages": self.passages,
        }
        if self.official:
            out["official"] = self.official
        return out


@dataclass
class Hit:
    """One passage returned for a question."""

    rank: int
    score: float
    passage_id: int
    text: str
    page: int
    page_end: int
    section: str | None
    footnotes: list[str]
    document: DocumentInfo
    citation: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    weak: bool = False
    # every passage shown in `text`, in order: passage_id first, then an adjacent one merged
    # into it or the answer attached to a Kamervragen question (joined by one space)
    passage_ids: list[int] = field(default_factory=list)
    kind: str = "body"  # "footnote" when the quote is a footnote (its section says which)

    def __post_init__(self):
        if not self.passage_ids:
            self.passage_ids = [self.passage_id]

    def to_json(self) -> dict:
        d = self.document
        return {
            "rank": self.rank,
            "score": round(float(self.score), 4),
            "text": self.text,
            "citation": self.citation,
            "page": self.page,
            "page_end": self.page_end,
            "section": self.section,
            "footnotes": list(self.footnotes),
            "highlights": [list(h) for h in self.highlights],
            "weak": self.weak,
            "passage_id": self.passage_id,
            "passage_ids": list(self.passage_ids),
            "kind": self.kind,
            "document": {
                "id": d.id,
                "title": d.title,
                "source": d.source,
                "date": d.date,
                "kamerstuk": d.kamerstuk,
                "kenmerk": d.kenmerk,
            },
        }


@dataclass
class Evidence:
    """What the no-answer decision saw for one question (see assistant.search.Searcher.answer_found)."""

    dense: float = 0.0  # cosine of the question and the best passage
    coverage: float = 0.0  # IDF-weighted share of the question's units the best passage holds
    margin: float = 0.0  # the best passage's dense cosine above the mean of the next candidates
    missing_names: int = 0  # names and numbers of the question that occur nowhere in the index
    absent: float = 0.0  # share of the question's units (words, glossary terms) the index holds in no form
    language: str = "en"
    score: float = 0.0  # the decision's score; the answer counts as found when score >= threshold
    threshold: float = 0.0
    rule: str = ""  # "signatories": answered by its letter's signatories whatever the score

    def to_json(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


NO_ANSWER = {
    "en": "No passage in the indexed letters clearly answers this question. The closest passages are shown "
          "below as weak matches.",
    "nl": "Geen passage in de geïndexeerde brieven beantwoordt deze vraag duidelijk. Hieronder staan de "
          "passages die er het dichtst bij komen, als zwakke overeenkomsten.",
}


@dataclass
class Answer:
    """The result of one question: what the command line, the API and the chat all show.

    `language` is the question's ("en" or "nl"); `message` says, in that language, that nothing
    answers when `answer_found` is false (the hits are then weak matches); `evidence` holds what
    the no-answer decision saw; each hit carries its citation and highlights.
    """

    query: str
    answer_found: bool
    hits: list[Hit]
    rewritten_query: str | None = None
    language: str = "en"
    evidence: Evidence | None = None

    @property
    def message(self) -> str | None:
        """The no-answer message in the question's language; None when an answer was found."""
        return None if self.answer_found else NO_ANSWER.get(self.language, NO_ANSWER["en"])

    def to_json(self) -> dict:
        """The JSON of `assistant ask --json` and of POST /api/ask."""
        out = {
            "query": self.query,
            "answer_found": self.answer_found,
            "language": self.language,
            "hits": [h.to_json() for h in self.hits],
        }
        if self.message:
            out["message"] = self.message
        if self.rewritten_query and self.rewritten_query != self.query:
            out["rewritten_query"] = self.rewritten_query
        if self.evidence is not None:
            out["evidence"] = self.evidence.to_json()
        return out
