"""The interface of a store and the records it returns (see assistant/store/__init__.py)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, NamedTuple, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..types import DocumentInfo, LoadedDocument, Passage


@dataclass
class PassageRow:
    """A passage as the store holds it."""

    id: int
    doc_id: str
    ordinal: int
    text: str
    page: int
    page_end: int
    section: str | None
    footnotes: list[str]
    char_start: int
    char_end: int
    kind: str = "body"  # or "footnote"


class StoredFile(NamedTuple):
    """The copy of a document's file that the store keeps (served at /files/, used by rebuild)."""

    path: Path  # a file on this machine
    media_type: str


class VectorSearch(Protocol):
    """Nearest passages to a question vector, by inner product (cosine: vectors are normalised)."""

    def search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...


@dataclass(frozen=True)
class Snapshot:
    """One generation of an index, read once per question (documents, count and vectors agree)."""

    generation: int
    documents: Mapping[str, "DocumentInfo"]
    passages: int
    vectors: VectorSearch

    def dense_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.vectors.search(qvec, k, allowed)


@runtime_checkable
class Store(Protocol):
    """What the rest of the assistant asks of an index. Reads are safe from several threads;
    writes happen under `write_lock()`, one document per transaction, and each bumps the
    generation, which is how readers (and other processes) see that something changed."""

    # -- settings, generation, writers ---------------------------------------------------------
    def meta(self) -> dict: ...  # format_version, model, dim, chunking, generation, created_at

    def generation(self) -> int: ...

    def write_lock(self, wait: bool = True) -> contextlib.AbstractContextManager: ...

    def close(self) -> None: ...

    def snapshot(self) -> Snapshot: ...

    # -- documents ------------------------------------------------------------------------------
    def documents(self) -> list["DocumentInfo"]: ...

    def document(self, doc_id: str) -> "DocumentInfo | None": ...

    def document_by_source(self, source: str) -> "DocumentInfo | None": ...

    def sources(self) -> list[tuple[str, str, str]]: ...  # (id, source, original path), for rebuilds

    def document_hashes(self) -> dict[str, str]: ...  # id -> content hash, in the order they were added

    def stored_document(self, doc_id: str) -> "LoadedDocument | None": ...

    def stored_file(self, doc_id: str) -> StoredFile | None: ...

    def page_text(self, doc_id: str, number: int) -> tuple[str, dict] | None: ...

    def put_document(self, doc: "LoadedDocument", passages: list["Passage"], vectors: np.ndarray,
                     lexical_texts: list[str], file_bytes: bytes | None = None) -> tuple[str, str]: ...
    # one transaction: the document (by its source) replaced or added, its pages, passages, vectors,
    # the stems of `lexical_texts` (lexical.analyze) and its stored file; ("added"|"replaced", id),
    # the id a readable slug of the source, unique

    def remove(self, doc_id: str) -> bool: ...  # one transaction; False for an unknown id

    # -- passages and vectors -------------------------------------------------------------------
    def count(self) -> int: ...

    def passages(self, ids: list[int]) -> dict[int, PassageRow]: ...

    def passages_between(self, doc_id: str, first: int, last: int) -> list[PassageRow]: ...  # body, by ordinal

    def passage_ids_for(self, doc_ids: list[str] | None = None, date_from: str | None = None,
                        date_to: str | None = None) -> np.ndarray | None: ...  # None: no filter

    def passage_texts(self, doc_id: str) -> list[str]: ...

    def vectors_for(self, passage_ids: list[int]) -> dict[int, np.ndarray]: ...

    def sync_vectors(self) -> None: ...  # bring a derived vector index up to date after writes

    # -- lexical reads ----------------------------------------------------------------------------
    def lexical_search(self, terms: list[str], k: int,
                       allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...  # BM25, best first

    def doc_freqs(self, stems: list[str]) -> dict[str, int]: ...  # passages holding each stem (0: left out)

    def near_terms(self, stems: list[str]) -> dict[str, dict[str, int]]: ...
    # per stem of six letters or more: the indexed terms that start with its first max(6, len - 2)
    # letters (inflections, compounds) and their passage counts

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]: ...  # the stems indexed for each passage
