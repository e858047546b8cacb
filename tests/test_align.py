"""The word-alignment re-rank (rerank = "align", assistant/align.py): its ONNX graph built and
checked against the torch network, the real model's token vectors, a real index of the seed
letter."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant import e5graphs, e5model
from assistant.align import Aligner, alignment
from assistant.config import Settings, SettingsError
from assistant.search import Searcher

from .conftest import CACHE, ROOT, link_copy

CORPUS_TEXT = ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"


@pytest.fixture(scope="module")
def aligner():
    return Aligner(CACHE)


def test_the_graph_is_built_once_and_gives_the_torch_networks_8th_layer(tmp_path):
    """ensure_align_onnx builds the graph into a model folder that lacks it (a copy linking the
    test cache's model files, with a killed build's leftovers), records it, does not build it
    again, and its token vectors are the first 8 layers' of the torch network, token by token."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = e5model.ensure_default_model(CACHE)
    cache = tmp_path / "cache"
    copy = link_copy(folder, cache / folder.name, skip=("onnx/align",))
    stale = copy / "onnx" / ".align-tmp-killed"
    stale.mkdir()
    messages: list[str] = []
    assert not e5graphs.is_align_complete(copy)
    assert e5graphs.ensure_align_onnx(cache, log=messages.append) == copy / e5graphs.ALIGN_ONNX_FILE
    assert not stale.exists() and any("word-alignment encoder" in m for m in messages)
    marker = json.loads((copy / e5graphs.ALIGN_MARKER).read_text())
    assert marker["layers"] == 8 and marker["fused"].get("Attention") == 8, marker
    assert marker["min_token_cosine_vs_model"] >= e5graphs.ALIGN_MIN_COSINE
    again: list[str] = []
    assert e5graphs.ensure_align_onnx(cache, log=again.append) == copy / e5graphs.ALIGN_ONNX_FILE and again == []

    text = (CORPUS_TEXT.read_text(encoding="utf-8").split("\n\n")[3])[:1500]
    ours = Aligner(cache).token_vectors([text], "passage: ")[0]
    network = AutoModel.from_pretrained(str(folder), add_pooling_layer=False).eval()
    network.encoder.layer = network.encoder.layer[:8]
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    prefix = len(tokenizer("passage:", add_special_tokens=False)["input_ids"])
    with torch.no_grad():
        states = network(**tokenizer(["passage: " + text], return_tensors="pt")).last_hidden_state[0]
    theirs = torch.nn.functional.normalize(states, dim=-1).numpy()[1 + prefix : -1]
    assert ours.shape == theirs.shape and ours.shape[0] > 50
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.99


def test_alignment_is_the_mean_of_each_question_tokens_best_match():
    question = np.array([[1.0, 0.0], [0.0, 1.0]])
    passage = np.array([[1.0, 0.0], [0.6, 0.8]])
    assert alignment(question, passage) == pytest.approx((1.0 + 0.8) / 2)
    assert alignment(question, np.zeros((0, 2))) == 0.0


def test_an_english_question_aligns_with_the_dutch_passage_that_answers_it(aligner):
    # the passage that restates the subject shares "covenant" / "convenant"; the one that answers
    # holds what is asked: "municipalities" / "gemeenten", "signed" / "ondertekend"
    question = "How many municipalities signed the covenant?"
    subject = "Het kabinet is verheugd over het convenant regionale waterberging in Gelderland."
    answer = "Het convenant werd ondertekend door veertien gemeenten en twee waterschappen."
    q = aligner.token_vectors([question], "query: ")[0]
    p_subject, p_answer = aligner.token_vectors([subject, answer], "passage: ")
    assert q.shape[1] == 384 and np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert alignment(q, p_answer) > alignment(q, p_subject)


def test_a_texts_token_vectors_do_not_depend_on_the_texts_beside_it(aligner):
    """The graph runs each text alone (OnnxTokenEngine.BATCH = 1, faster than padded batches); a
    batch padded to its longest text gives each text the same vectors."""
    texts = [CORPUS_TEXT.read_text(encoding="utf-8").split("\n\n")[3][:1200],
             "Het convenant werd ondertekend door veertien gemeenten.", "Kort."]
    engine = aligner._engine()
    alone = aligner.token_vectors(texts, "passage: ")
    engine.BATCH = 3  # on this instance only
    try:
        batched = aligner.token_vectors(texts, "passage: ")
    finally:
        del engine.BATCH
    assert [len(a) for a in alone] == [len(b) for b in batched] and len(alone[0]) > 100 > len(alone[2])
    for a, b in zip(alone, batched):
        assert np.min(np.sum(a * b, axis=1)) > 0.9999


def test_the_rerank_uses_the_machines_cores_unless_threads_is_set(seed_assistant):
    import os

    from assistant.align import ALIGN_THREADS, align_threads

    assert align_threads() == max(1, min(ALIGN_THREADS, os.cpu_count() or 1))

    class Default:
        settings = Settings()

    class One:
        settings = Settings(threads=1)

    assert Searcher(seed_assistant.index, Default()).aligner.threads == align_threads()
    assert Searcher(seed_assistant.index, One()).aligner.threads == 1


def test_the_rerank_moves_only_the_best_candidates_and_keeps_their_mean(aligner):
    class Cand:
        def __init__(self, pid, score):
            self.pid, self.score = pid, score

    texts = {1: "Het kabinet is verheugd over het convenant regionale waterberging in Gelderland.",
             2: "Het convenant werd ondertekend door veertien gemeenten en twee waterschappen.",
             3: "De bergingsgebieden liggen langs de IJssel."}
    cands = [Cand(1, 0.90), Cand(2, 0.89), Cand(3, 0.10)]
    aligner.rerank("How many municipalities signed the covenant?", cands, lambda ids: {i: texts[i] for i in ids},
                   weight=0.15, top=2)
    assert cands[2].score == 0.10  # not among the best two
    assert cands[0].score + cands[1].score == pytest.approx(0.90 + 0.89)
    assert cands[1].score > cands[0].score  # the passage that answers now comes first


def test_a_search_with_the_rerank_answers_and_its_top_hits_do_not_depend_on_k(seed_assistant, aligner):
    searcher = Searcher(seed_assistant.index, seed_assistant.embedder)
    searcher.aligner = aligner
    answer = searcher.search("what did the cabinet say about CSDDD?", k=5)
    assert answer.answer_found and "CS3D" in answer.hits[0].text
    for q in ["Which countries does the Freedom Online Coalition include?", "persvrijheid journalisten"]:
        five = [h.to_json() for h in searcher.search(q, k=5).hits]
        twenty = [h.to_json() for h in searcher.search(q, k=20).hits]
        assert json.dumps(five) == json.dumps(twenty[:5]), q


def test_the_rerank_setting_is_checked(monkeypatch, embedder, seed_assistant):
    monkeypatch.setenv("ASSISTANT_RERANK", "align")
    assert Settings.from_env().rerank == "align"

    class Wrong:
        settings = Settings(rerank="bogus")

    with pytest.raises(SettingsError, match="unknown rerank 'bogus'.*auto, align or none"):
        Searcher(seed_assistant.index, Wrong())

    class Hashing:
        settings = Settings(rerank="align", model="hashing")

    with pytest.raises(SettingsError, match="needs the default model"):
        Searcher(seed_assistant.index, Hashing())
    assert Searcher(seed_assistant.index, embedder, mode="dense").aligner is None  # hybrid only

    # the default, "auto": the re-rank with the default model, none with any other
    assert Settings().rerank == "auto"

    class Default:
        settings = Settings()

    class HashingAuto:
        settings = Settings(model="hashing")

    assert Searcher(seed_assistant.index, Default()).aligner is not None
    assert Searcher(seed_assistant.index, HashingAuto()).aligner is None
    monkeypatch.setenv("ASSISTANT_RERANK", "none")

    class Off:
        settings = Settings.from_env()

    assert Off.settings.model == "default" and Searcher(seed_assistant.index, Off()).aligner is None


def test_searchers_of_two_indexes_share_the_aligner_but_not_its_cached_passages(seed_assistant, embedder, tmp_path):
    """One aligner serves every searcher of a process and caches token vectors by passage id.
    Two indexes number their passages alike, so the searcher of the second must not reuse the
    first's vectors: its scores equal those with an aligner of its own."""
    from assistant.align import shared_aligner
    from assistant.config import Settings
    from assistant.core import Assistant

    folder = tmp_path / "other"
    folder.mkdir()
    filler = ("De uitvoering ligt bij de provincie, die de voortgang volgt, knelpunten met de partners bespreekt en "
              "jaarlijks over de resultaten, de kosten en de planning aan Provinciale Staten rapporteert. ")
    paragraphs = ["Het kabinet is verheugd over het convenant regionale waterberging in Gelderland.",
                  "Het convenant werd ondertekend door veertien gemeenten en twee waterschappen.",
                  "De bergingsgebieden liggen langs de IJssel en worden vanaf 2027 ingericht.",
                  "De kosten van de waterberging worden gedeeld door Rijk, provincie en waterschappen."]
    (folder / "waterberging.txt").write_text(
        "Regionale waterberging in Gelderland\n\n" + "\n\n".join(p + " " + filler * 3 for p in paragraphs) + "\n",
        encoding="utf-8")
    other = Assistant(Settings.from_env(index_dir=tmp_path / "other-index", cache_dir=CACHE), embedder=embedder)
    other.ingest([folder])
    shared = shared_aligner(CACHE, 1)
    seed = Searcher(seed_assistant.index, embedder)
    seed.aligner = shared
    for q in ["what did the cabinet say about CSDDD?", "persvrijheid journalisten", "mensenrechtenfonds ambassades"]:
        seed.search(q, k=10)
    question = "How many municipalities signed the covenant?"
    reused = Searcher(other.index, embedder)
    reused.aligner = shared
    fresh = Searcher(other.index, embedder)
    fresh.aligner = Aligner(CACHE)
    got = [(h.text, round(h.score, 6)) for h in reused.search(question, k=3).hits]
    want = [(h.text, round(h.score, 6)) for h in fresh.search(question, k=3).hits]
    assert got == want
    assert "veertien gemeenten" in got[0][0]
    # each searcher's passages are cached under a scope of its own, whatever the generations
    # (other searchers of this test process, with the default re-rank, share the aligner too)
    assert all(isinstance(key[0], tuple) for key in shared._cache)
    scopes = {key[0][0] for key in shared._cache}
    assert seed._scope in scopes and reused._scope in scopes and seed._scope is not reused._scope
