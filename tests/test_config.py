"""Settings from the environment, with errors that name the variable, the value, what is allowed
and the default; and the choice of embedder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, SettingsError
from assistant.encoders import HashingEmbedder, make_embedder


@pytest.fixture
def env(monkeypatch):
    for var in ("ASSISTANT_K", "ASSISTANT_OCR", "ASSISTANT_MAX_FILE_MB", "ASSISTANT_INDEX", "ASSISTANT_INDEX_DIR",
                "ASSISTANT_CORPUS", "ASSISTANT_HTTP_RETRIES", "ASSISTANT_DEVICE"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch.setenv


def test_variables_override_the_defaults_and_flags_override_the_variables(env):
    env("ASSISTANT_K", "7")
    env("ASSISTANT_OCR", "yes")
    env("ASSISTANT_MAX_FILE_MB", "0.5")
    env("ASSISTANT_INDEX", "/tmp/elders")
    env("ASSISTANT_DEVICE", "cpu")
    env("ASSISTANT_HTTP_RETRIES", "")  # empty: the default
    s = Settings.from_env(corpus_dir="brieven", model=None)
    assert (s.k, s.ocr, s.max_file_mb, s.index_dir, s.corpus_dir, s.device, s.http_retries, s.model) == (
        7, True, 0.5, Path("/tmp/elders"), Path("brieven"), "cpu", 3, "default")
    assert Settings.from_env(index_dir=Path("hier")).index_dir == Path("hier")


@pytest.mark.parametrize("var, value, words", [
    ("ASSISTANT_K", "abc", "it takes a whole number of at least 1 (passages per answer); unset it for the default, 5"),
    ("ASSISTANT_K", "0", "a whole number of at least 1"),
    ("ASSISTANT_K", "2.5", "a whole number"),
    ("ASSISTANT_MAX_FILE_MB", "-1", "a number above 0 (largest file accepted); unset it for the default, 100.0"),
    ("ASSISTANT_OCR", "maybe", "yes or no (true/false, 1/0, on/off)"),
    ("ASSISTANT_HTTP_RETRIES", "veel", "a whole number of at least 0"),
])
def test_a_bad_variable_is_named_with_its_value_and_what_is_allowed(env, var, value, words):
    env(var, value)
    with pytest.raises(SettingsError) as exc:
        Settings.from_env()
    assert str(exc.value).startswith(f"{var}={value!r} is not allowed: ") and words in str(exc.value)


def test_the_hashing_embedder_is_deterministic_and_normalised():
    e = make_embedder(Settings(model="hashing"))
    assert isinstance(e, HashingEmbedder) and e.model_id == "hashing-256" and e.dim == 256
    assert e.device is None  # nothing embedded yet
    texts = ["De provincies bouwen fietspaden.", "Fietspaden bouwen de provincies!", "Iets anders."]
    vecs = e.embed_passages(texts)
    assert vecs.shape == (3, 256) and vecs.dtype == np.float32 and e.device == "cpu"
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    assert np.allclose(vecs, HashingEmbedder().embed_passages(texts))
    assert vecs[0] @ vecs[1] > 0.99 > vecs[0] @ vecs[2]  # the same stems: the same vector
    assert np.all(e.embed_query("de het een") == 0)  # only stop words: no direction
    assert e.embed_passages([]).shape == (0, 256)
    assert type(make_embedder(Settings())).__name__ == "Embedder"  # the real model otherwise (not loaded yet)
