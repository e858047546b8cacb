"""The ONNX graphs the default model's folder (e5model.py) gains on first use.

    onnx/passage.onnx   the passage encoder (ensure_passage_onnx): the whole network with mean
                        pooling and L2 normalisation, fp32 throughout, with attention, layer
                        norms and GELU fused (embed.py)
    onnx/align.onnx     the word-alignment encoder (ensure_align_onnx): the first ALIGN_LAYERS
                        layers, fused, each token's state L2-normalised, its word-embedding
                        table int8 (align.py)

Each is written under a temporary name and moved into place, then its marker
(onnx/<name>.json) is written last; a file lock serialises builders. The engines that run
the graphs live in onnx_encoder.py and align.py; the question graph, onnx/query.onnx, is
part of every folder (e5model.export_onnx). torch, transformers and onnxruntime are imported
inside the functions that need them: building a graph needs torch, running one does not.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .e5model import (VERIFY_TEXTS, ModelConversionError, _encoder, _int8_word_embeddings, _min_cosine,
                      _quiet_onnxruntime_logs, _sentence_transformer, _trace_to_onnx, _write_json,
                      ensure_default_model)
from .locks import file_lock
from .onnx_encoder import PASSAGE_PREFIX, QUERY_PREFIX, OnnxPassageEngine, OnnxTokenEngine

__all__ = ["ALIGN_LAYERS", "ALIGN_ONNX_FILE", "PASSAGE_ONNX_FILE", "ensure_align_onnx", "ensure_passage_onnx",
           "export_align_onnx", "export_passage_onnx", "is_align_complete", "is_passage_complete"]


@dataclass(frozen=True)
class _Graph:
    """A graph added to the model folder on first use: where it lies, its marker, its version
    (bump it when the graph changes, so that it is rebuilt) and what to call it."""

    file: str
    marker: str
    version: int
    version_key: str  # the marker's name for the version
    tmp_prefix: str  # where a build works (inside onnx/); a killed build's is removed
    what: str


# The passage encoder (see export_passage_onnx). Not among e5model.REQUIRED_FILES: the folders
# built before it are kept and only gain it.
PASSAGE = _Graph("onnx/passage.onnx", "onnx/passage.json", 1, "passage_version", ".passage-tmp-",
                 "ONNX passage encoder")
PASSAGE_ONNX_FILE, PASSAGE_MARKER, PASSAGE_VERSION, PASSAGE_TMP_PREFIX = (
    PASSAGE.file, PASSAGE.marker, PASSAGE.version, PASSAGE.tmp_prefix)
PASSAGE_MIN_COSINE = 0.9999  # to the sentence-transformers model, on every text checked

# The word-alignment encoder (see export_align_onnx).
ALIGN = _Graph("onnx/align.onnx", "onnx/align.json", 1, "align_version", ".align-tmp-",
               "ONNX word-alignment encoder")
ALIGN_ONNX_FILE, ALIGN_MARKER = ALIGN.file, ALIGN.marker
ALIGN_LAYERS = 8  # SimAlign: XLM-R's 8th layer aligns words across languages best
ALIGN_MIN_COSINE = 0.99  # each token's vector to torch's, with the int8 word embeddings (0.997 seen)


def _fuse(raw: Path, target: Path, config: Any) -> dict[str, int]:
    """onnxruntime's transformer optimizer on a traced graph: each layer's attention, its two
    residual layer norms and its exact (erf) GELU fused, all in fp32. Returns the fusions."""
    try:
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as exc:
        raise ModelConversionError(
            f"building an ONNX encoder needs onnxruntime and onnx ({exc}): run `pip install onnxruntime onnx`"
        ) from exc
    options = FusionOptions("bert")
    options.enable_gelu_approximation = False
    with _quiet_onnxruntime_logs():
        optimized = optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                                   hidden_size=config.hidden_size, optimization_options=options, opt_level=0)
        fusions = {op: n for op, n in optimized.get_fused_operator_statistics().items() if n}
        optimized.save_model_to_file(str(target))
    return fusions


# ------------------------------------------------------------------ graphs added on first use


def export_passage_onnx(folder: Path, check: bool = True) -> dict[str, Any]:
    """Write PASSAGE_ONNX_FILE into a converted folder, then its marker (PASSAGE_MARKER), and
    return the marker's content.

    The graph: the transformer with mean pooling and L2 normalisation, traced with the eager
    (matrix-product) attention so that onnxruntime's transformer optimizer recognises it and
    fuses each layer's attention, its two residual layer norms and its GELU (the exact erf
    GELU: the tanh approximation is left off), all in fp32. Measured on 127 real passages on
    two cores, against sentence-transformers at 32 passages per batch: the question graph
    (int8 word embeddings, attention not fused) 0.9-1.2x, this graph at the same batches
    1.2-1.5x, and in the small batches OnnxPassageEngine makes 1.5-2.3x; dynamic int8
    quantisation of the matrices gave 2.3x more but a cosine of 0.994, too far.

    The check (unless `check=False`) embeds VERIFY_TEXTS as passages and as queries, in one
    padded batch, with both this graph and the sentence-transformers model, and raises below
    PASSAGE_MIN_COSINE."""
    return _build(folder, PASSAGE, lambda work: _passage_graph(folder, work, check))


def _passage_graph(folder: Path, work: Path, check: bool) -> dict[str, Any]:
    model = _sentence_transformer(folder)
    texts = list(VERIFY_TEXTS)
    reference = _encoder(model)  # the vectors sentence-transformers gives, before the switch below
    want = {name: reference(name, texts) for name in ("query", "passage")}
    del reference
    network = model[0].auto_model.eval()
    network.set_attn_implementation("eager")  # the attention the optimizer can fuse
    raw, fused = work / "traced.onnx", work / "graph.onnx"
    _trace_to_onnx(network, model.tokenizer, [PASSAGE_PREFIX + t for t in texts[:2]], raw)
    fusions = _fuse(raw, fused, network.config)
    del model, network
    worst = float("nan")
    if check:
        engine = OnnxPassageEngine(fused, folder / "tokenizer.json", threads=os.cpu_count() or 1)
        prefixes = {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX}
        worst = _min_cosine(lambda name, t: engine.encode(t, prefixes[name]), lambda name, t: want[name], texts)
        del engine
        if not worst >= PASSAGE_MIN_COSINE:
            raise ModelConversionError(
                f"the ONNX passage encoder disagrees with the model it was exported from (min cosine "
                f"{worst:.6f} < {PASSAGE_MIN_COSINE}); use ASSISTANT_PASSAGE_ENGINE=sentence-transformers "
                "and report this with your torch, transformers and onnxruntime versions"
            )
    return {"min_cosine_vs_model": round(worst, 7), "fused": fusions}


def export_align_onnx(folder: Path, check: bool = True) -> dict[str, Any]:
    """Write ALIGN_ONNX_FILE into a converted folder, then its marker, and return the marker.

    The graph: the network's first ALIGN_LAYERS layers, fused as the passage graph is, each
    token's state L2-normalised, the word-embedding table int8 (153 MB instead of 441 MB).
    Measured on 100 real passages of unseen-dev (median 147 tokens), one thread, in batches of
    4: 1.66 s per 20 against 1.80 s on torch (the work is the matrices either way: about 28
    MFLOP a token); what it saves is loading torch at question time.

    The check runs VERIFY_TEXTS through it and through the torch network and raises when a
    token's vector has a cosine below ALIGN_MIN_COSINE to torch's."""
    return _build(folder, ALIGN, lambda work: _align_graph(folder, work, check))


def _align_graph(folder: Path, work: Path, check: bool) -> dict[str, Any]:
    import numpy as np
    import torch

    model = _sentence_transformer(folder)
    network, tokenizer = model[0].auto_model.eval(), model.tokenizer
    network.set_attn_implementation("eager")  # the attention the optimizer can fuse
    network.encoder.layer = network.encoder.layer[:ALIGN_LAYERS]  # the layers above are not needed
    texts = [PASSAGE_PREFIX + t for t in VERIFY_TEXTS] + [QUERY_PREFIX + t for t in VERIFY_TEXTS]
    with torch.no_grad():  # the reference, before tracing (after it, the network's vectors are not the same)
        want = [torch.nn.functional.normalize(network(**tokenizer([t], return_tensors="pt")).last_hidden_state[0],
                                              dim=-1).numpy()[1:-1] for t in texts]
    raw, fused, graph = work / "traced.onnx", work / "fused.onnx", work / "graph.onnx"
    _trace_to_onnx(network, tokenizer, texts[:2], raw, pooled=False)
    fusions = _fuse(raw, fused, network.config)
    _int8_word_embeddings(fused, graph)
    worst = float("nan")
    if check:
        got = OnnxTokenEngine(graph, folder / "tokenizer.json").token_vectors(texts, "")
        worst = min(float(np.min(np.sum(a * b, axis=1))) for a, b in zip(got, want))
        if not worst >= ALIGN_MIN_COSINE:
            raise ModelConversionError(
                f"the ONNX word-alignment encoder disagrees with the model it was exported from (min cosine "
                f"{worst:.5f} < {ALIGN_MIN_COSINE}); use ASSISTANT_RERANK=none and report this with your "
                "torch, transformers and onnxruntime versions"
            )
    return {"layers": ALIGN_LAYERS, "min_token_cosine_vs_model": round(worst, 6), "fused": fusions}


def _build(folder: Path, graph: _Graph, export: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """Run `export` in a temporary folder inside onnx/ (it writes graph.onnx there and returns
    what the marker records), move the graph into place, then write the marker."""
    import onnxruntime

    started = time.perf_counter()
    target = folder / graph.file
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=graph.tmp_prefix, dir=target.parent) as tmp:
        facts = export(Path(tmp))
        os.replace(Path(tmp) / "graph.onnx", target)
    marker = {
        graph.version_key: graph.version,
        "size": target.stat().st_size,
        **facts,
        "onnxruntime_version": onnxruntime.__version__,
        "seconds": round(time.perf_counter() - started, 1),
    }
    _write_json(folder / graph.marker, marker)
    return marker


def _complete(folder: Path, graph: _Graph) -> bool:
    """True when the graph's marker is of this version and the graph has its size."""
    try:
        marker = json.loads((folder / graph.marker).read_text(encoding="utf-8"))
        return marker.get(graph.version_key) == graph.version and (folder / graph.file).stat().st_size == marker["size"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def is_passage_complete(folder: Path) -> bool:
    """True when the passage graph is built and of this version."""
    return _complete(folder, PASSAGE)


def is_align_complete(folder: Path) -> bool:
    """True when the word-alignment graph is built and of this version."""
    return _complete(folder, ALIGN)


def _ensure(cache_dir: Path, graph: _Graph, export: Callable[[Path], dict[str, Any]],
            log: Callable[[str], Any]) -> Path:
    """The default model's `graph`, built first when it is missing (the model folder itself is
    built first when it is missing too). Serialised with the model's conversion by its lock."""
    folder = ensure_default_model(cache_dir, log=log)
    if _complete(folder, graph):
        return folder / graph.file
    with file_lock(folder.parent / f".{folder.name}.lock"):
        if not _complete(folder, graph):  # not built by another process while we waited
            (folder / graph.marker).unlink(missing_ok=True)
            for stale in (folder / graph.file).parent.glob(graph.tmp_prefix + "*"):
                shutil.rmtree(stale, ignore_errors=True)  # holding the lock, no other build runs
            log(f"Building the {graph.what} of the default model in {folder / graph.file}; "
                "this happens once and takes about a minute")
            marker = export(folder)
            log(f"built the {graph.what} in {marker['seconds']:.0f} s")
    return folder / graph.file


def ensure_passage_onnx(cache_dir: Path, log: Callable[[str], Any] = print) -> Path:
    """The default model's passage graph, built first when it is missing (about a minute, once)."""
    return _ensure(cache_dir, PASSAGE, export_passage_onnx, log)


def ensure_align_onnx(cache_dir: Path, log: Callable[[str], Any] = print) -> Path:
    """The default model's word-alignment graph, built first when it is missing (under a minute, once)."""
    return _ensure(cache_dir, ALIGN, export_align_onnx, log)
