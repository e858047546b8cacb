"""`assistant ingest --ray`: parsing and embedding on a Ray cluster (assistant/distributed.py).

In-process through `assistant.cli.main(argv)` on a local cluster of 2 CPUs that this module
starts once (`ray.init`; `--ray auto` uses the session it finds) and stops at the end: the
per-file lines with a broken file named, a resumed run that finds every file unchanged, and an
index that holds the same passages as a plain ingest (hashing embedder), and the same vectors
with the real model (seed letter only, to keep the suite short).
"""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from assistant.cli import main

from .conftest import ROOT, SEED
from .pdfgen import make_pdf

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="Ray is not installed (pip install .[ray]; ./run test installs it)")

FILLER = ("De waterschappen voeren het beheer uit en worden daarbij door het Rijk ondersteund met kennis, geld en "
          "menskracht. Zij overleggen elk kwartaal met de provincies en de gemeenten over de planning van het "
          "onderhoud en over de verdeling van de kosten tussen de partijen.")


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster of 2 CPUs for this module, without the dashboard or usage statistics."""
    import os

    import ray

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run `assistant ARGS...` in this process with the hashing embedder: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.chdir(ROOT)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _letters(folder):
    """Two generated PDF letters and a broken one, beside a copy of the seed letter."""
    folder.mkdir()
    for name, topic in [("brief-dijken.pdf", "De dijken langs de rivieren worden versterkt."),
                        ("brief-zoetwater.pdf", "De zoetwatervoorziening in droge zomers krijgt aandacht.")]:
        words = (topic + " " + FILLER).split()
        lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
        (folder / name).write_bytes(make_pdf([["Geachte voorzitter,", ""] + lines + [""] + lines, lines]))
    (folder / "kapot.pdf").write_bytes(b"%PDF-1.4\n1 0 obj")
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    return folder


def _contents(index_dir, model: str):
    """{(source, ordinal): (text, page, page_end, section, kind, footnotes, vector)} of an index."""
    from assistant.store.folder import FolderStore

    store = FolderStore(index_dir)
    try:
        out = {}
        for doc in store.documents():
            ids = [int(i) for i in store.passage_ids_for([doc.id])]
            rows, vectors = store.passages(ids), store.vectors_for(ids)
            for i, row in rows.items():
                out[(doc.source, row.ordinal, row.kind)] = (row.text, row.page, row.page_end, row.section,
                                                            tuple(row.footnotes), vectors[i])
        return out
    finally:
        store.close()


def _same_passages(a: dict, b: dict, min_cosine: float) -> None:
    assert a.keys() == b.keys() and a
    for key in a:
        assert a[key][:5] == b[key][:5], key
        cosine = float(np.dot(a[key][5], b[key][5]))
        assert cosine >= min_cosine, (key, cosine)


@needs_ray
def test_ray_ingest_lines_failure_parity_and_resume(ray_cluster, cli, tmp_path):
    letters = _letters(tmp_path / "brieven")
    ray_index, plain_index = str(tmp_path / "ray"), str(tmp_path / "plain")

    code, out, err = cli("ingest", "--ray", "auto", "--ray-workers", "2", str(letters), "--index", ray_index)
    assert code == 1, err  # one file failed, the others are ingested
    lines = out.strip().splitlines()
    assert lines[0].startswith("added: brief-dijken.pdf (2 pages, ")
    assert lines[1].startswith("added: brief-zoetwater.pdf (2 pages, ")
    assert lines[2] == f"added: {SEED.name} (8 pages, 29 passages)"
    assert lines[3].startswith("failed: kapot.pdf: ") and "truncated or damaged" in lines[3]
    assert "passages embedded by 2 Ray workers on cpu" in err

    code, plain_out, err = cli("ingest", str(letters), "--index", plain_index)
    assert plain_out == out  # the same lines, in the same order
    _same_passages(_contents(ray_index, "hashing"), _contents(plain_index, "hashing"), 0.99999)

    code, out, err = cli("ingest", "--ray", "auto", str(letters), "--index", ray_index)  # resumed: nothing to do
    assert [line.split(":")[0] for line in out.strip().splitlines()] == ["unchanged", "unchanged", "unchanged", "failed"]
    assert "Ray worker" not in err  # nothing was embedded


@needs_ray
def test_ray_ingest_with_the_real_model_matches_a_plain_ingest(ray_cluster, cli, monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANT_MODEL")
    ray_index, plain_index = str(tmp_path / "ray"), str(tmp_path / "plain")
    code, out, err = cli("ingest", "--ray", "auto", "--ray-workers", "1", str(SEED), "--index", ray_index)
    assert code == 0, err
    assert out.strip() == f"added: {SEED.name} (8 pages, 29 passages)"
    code, out, err = cli("ingest", str(SEED), "--index", plain_index)
    assert code == 0, err
    _same_passages(_contents(ray_index, "default"), _contents(plain_index, "default"), 0.9999)


def test_without_ray_the_flag_says_how_to_install_it(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    code, out, err = cli("ingest", "--ray", "auto", str(SEED), "--index", str(tmp_path / "index"))
    assert code == 1 and out == ""
    assert err.strip() == "error: --ray needs Ray, which is not installed: pip install .[ray]"
    assert not (tmp_path / "index").exists()  # checked before the index is opened
    code, out, err = cli("ingest", "--ray-workers", "2", str(SEED), "--index", str(tmp_path / "index"))
    assert code == 1 and "--ray-workers needs --ray" in err


def test_a_worker_returns_any_failure_as_the_files_reason(settings_factory, tmp_path):
    """IngestWorker.process in this process (no cluster): a bad file and an unexpected exception
    both come back as a reason, so the driver prints a failed line for that file only."""
    from assistant.distributed import IngestWorker, Job

    worker = IngestWorker(settings_factory(tmp_path / "index", model="hashing"))
    empty = worker.process(Job("leeg.txt", key="k", path=str(tmp_path / "leeg.txt"), data=b""))
    assert empty.doc is None and empty.reason.startswith("is empty (0 bytes)")
    odd = worker.process(Job("raar", key="k", text=None, doc="not a document"))  # type: ignore[arg-type]
    assert odd.doc is None and odd.reason.startswith("unexpected error: AttributeError")
    good = worker.process(Job(SEED.name, key="k", path=str(SEED), data=SEED.read_bytes()))
    assert good.reason is None and len(good.passages) == 29 and good.vectors.shape == (29, 256)
    assert good.doc.path == str(SEED) and good.doc.sha256 == "k"
