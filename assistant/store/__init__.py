"""The index behind one small interface, so that a second backend can stand beside the folder.

    Store                the interface: documents, pages, passages with their vectors, lexical
                         reads, the build settings, stored files, a generation counter, a writers'
                         lock and transactions (each change to a document is atomic)
    Snapshot             what one question reads once: the generation, the documents, the number
                         of passages and the vector search of that generation
    PassageRow, StoredFile   records a store returns
    open_index(settings, embedder, create)   the store of the settings, checked against the model

The default backend is a folder (assistant.store.folder.FolderStore): SQLite holds the truth,
FAISS is a derived cache of the vectors (assistant.store.vectors) and FTS5 answers the lexical
reads (assistant.store.fts). Everything outside this package talks to `Store` only.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, NamedTuple, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..encoders import TextEncoder
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

    def remove(self, doc_id: str) -> bool: ...

    # -- passages and vectors -------------------------------------------------------------------
    def count(self) -> int: ...

    def passages(self, ids: list[int]) -> dict[int, PassageRow]: ...

    def passages_between(self, doc_id: str, first: int, last: int) -> list[PassageRow]: ...

    def passage_ids_for(self, doc_ids: list[str] | None = None, date_from: str | None = None,
                        date_to: str | None = None) -> np.ndarray | None: ...

    def passage_texts(self, doc_id: str) -> list[str]: ...

    def vectors_for(self, passage_ids: list[int]) -> dict[int, np.ndarray]: ...

    def sync_vectors(self) -> None: ...  # bring a derived vector index up to date after writes

    # -- lexical reads ----------------------------------------------------------------------------
    def lexical_search(self, terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...

    def doc_freqs(self, stems: list[str]) -> dict[str, int]: ...

    def near_terms(self, stems: list[str]) -> dict[str, dict[str, int]]: ...

    def stems_for(self, ids: list[int]) -> dict[int, set[str]]: ...


def index_exists(settings: "Settings") -> bool:
    """Whether the settings' index has been created."""
    from .folder import DB_NAME

    return (Path(settings.index_dir) / DB_NAME).exists()


def open_index(settings: "Settings", embedder: "TextEncoder", create: bool = False) -> Store:
    """Open (or, with `create`, make) the index of the settings, checking that it was built
    with this embedder's model and dimension."""
    from .folder import FolderStore

    if index_exists(settings):
        return FolderStore(settings.index_dir, model_id=embedder.model_id)
    return FolderStore(
        settings.index_dir, model_id=embedder.model_id, dim=embedder.dim, create=create,
        chunking={"min_words": settings.chunk_min_words, "max_words": settings.chunk_max_words},
    )
