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
reads (assistant.store.fts). A `postgresql://` index (Settings.index_url) is a PostgreSQL
database with pgvector (assistant.store.postgres.PostgresStore; its schema and BM25 in
store/pgsql.py), which several servers can share. Everything outside this package talks to
`Store`, except `assistant rebuild`, which builds a fresh folder (or PostgreSQL schema) and
swaps it in (core.Assistant.rebuild).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .base import PassageRow, Snapshot, Store, StoredFile, VectorSearch

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings
    from ..encoders import TextEncoder

__all__ = ["PassageRow", "Snapshot", "Store", "StoredFile", "VectorSearch", "index_exists", "open_index"]


def index_exists(settings: "Settings") -> bool:
    """Whether the settings' index has been created (a folder's database file, or the tables of
    a postgresql:// index; an unreachable database is an AssistantError, not False)."""
    if settings.index_url:
        from .postgres import index_in_database

        return index_in_database(settings.index_url, settings.index_schema)
    from .folder import DB_NAME

    return (Path(settings.index_dir) / DB_NAME).exists()


def open_index(settings: "Settings", embedder: "TextEncoder", create: bool = False) -> Store:
    """Open (or, with `create`, make) the index of the settings, checking that it was built
    with this embedder's model and dimension: a PostgreSQL database when `index_url` is set
    (store/postgres.py), else a folder."""
    chunking = {"min_words": settings.chunk_min_words, "max_words": settings.chunk_max_words}
    if settings.index_url:
        from .postgres import PostgresStore

        return PostgresStore(settings.index_url, model_id=embedder.model_id, dim=embedder.dim, chunking=chunking,
                             create=create, cache_dir=Path(settings.index_dir) / "files",
                             schema=settings.index_schema)
    from .folder import FolderStore

    if index_exists(settings):
        return FolderStore(settings.index_dir, model_id=embedder.model_id)
    return FolderStore(
        settings.index_dir, model_id=embedder.model_id, dim=embedder.dim, create=create, chunking=chunking)
