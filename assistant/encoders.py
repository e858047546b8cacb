"""What turns text into vectors, as the rest of the assistant sees it.

    TextEncoder             the interface: questions and passages -> L2-normalised float32 vectors
    make_embedder(settings) the real model (assistant.embed.Embedder), or the hashing embedder
                            when ASSISTANT_MODEL=hashing
    HashingEmbedder         a deterministic embedder without a model: each Dutch stem of a text
                            is hashed to one of `dim` dimensions (with a sign), counts are
                            normalised. Two texts are close when they share words, never because
                            they mean the same. It starts at once and needs no torch, so the tests
                            of the plumbing (store, search, web, the CLI) use it; retrieval quality
                            is measured with the real model only.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings

HASHING_MODEL = "hashing"
HASHING_DIM = 256


class TextEncoder(Protocol):
    """What ingest, search and serve need from an embedder."""

    settings: "Settings"

    @property
    def model_id(self) -> str: ...  # what an index records as its model

    @property
    def dim(self) -> int: ...

    @property
    def loaded(self) -> bool: ...  # whether passages can be embedded without loading anything

    @property
    def device(self) -> str | None: ...  # where passages were embedded, once they were

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def embed_passages_quick(self, texts: Sequence[str]) -> np.ndarray: ...

    def prepare_question_engine(self, log: Callable[[str], object] = print) -> str: ...


def make_embedder(settings: "Settings") -> TextEncoder:
    """The embedder the settings name: the hashing embedder for ASSISTANT_MODEL=hashing,
    else the sentence-transformers model (loaded on first use)."""
    if settings.model == HASHING_MODEL:
        return HashingEmbedder(settings)
    from .embed import Embedder

    return Embedder(settings)


class HashingEmbedder:
    """Stems hashed into `dim` signed dimensions; see the module docstring."""

    def __init__(self, settings: "Settings | None" = None, dim: int = HASHING_DIM):
        if settings is None:
            from .config import Settings

            settings = Settings()
        self.settings = settings
        self._dim = dim
        self._used = False

    @property
    def model_id(self) -> str:
        return f"{HASHING_MODEL}-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def loaded(self) -> bool:
        return True  # nothing to load

    @property
    def device(self) -> str | None:
        return "cpu" if self._used else None

    def _vector(self, text: str) -> np.ndarray:
        from .lexical import analyze

        out = np.zeros(self._dim, dtype=np.float32)
        for stem in analyze(text):
            digest = hashlib.blake2b(stem.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self._dim
            out[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(out))
        return out / norm if norm > 0 else out

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self._used = True
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        vecs = self._encode(texts)
        if progress and len(texts):
            progress(len(texts))
        return vecs

    def embed_passages_quick(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def prepare_question_engine(self, log: Callable[[str], object] = print) -> str:
        return "word hashing (no model: ASSISTANT_MODEL=hashing)"
