"""Bad input in a batch, killed ingests, concurrent writers, damaged index folders."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.chunk import chunk_pages
from assistant.types import Page

from .conftest import ROOT, SHARED, needs_shared
from .pdfgen import make_pdf


def cli(args, env, **kw):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600, **kw)


def _letters(folder: Path, n: int) -> list[Path]:
    """n small generated letters, each about its own subject (several passages each)."""
    subjects = ["dijkversterking", "fietsparkeren", "bibliotheken", "zonnepanelen", "jeugdzorg", "kustvisserij",
                "spoorwegen", "musea", "drinkwater", "grensbewaking", "luchtkwaliteit", "zorgverzekering"]
    out = []
    for i in range(n):
        s = subjects[i % len(subjects)]
        para = (f"Het kabinet informeert de Kamer over {s} in brief nummer {i}. De uitvoering van het beleid rond "
                f"{s} ligt op schema en de betrokken partijen werken goed samen. Er wordt jaarlijks gerapporteerd "
                f"over de voortgang van {s}, de kosten en de bereikte resultaten in alle regio's van het land.")
        lines = []
        for k in range(6):
            words = (para + f" Dit is alinea {k} over {s}.").split()
            lines += [" ".join(words[j:j + 12]) for j in range(0, len(words), 12)] + [""]
        p = folder / f"brief-{i:02d}-{s}.pdf"
        p.write_bytes(make_pdf([lines[: len(lines) // 2], lines[len(lines) // 2:]]))
        out.append(p)
    return out


def _passages(index_dir: Path) -> list:
    db = sqlite3.connect(index_dir / "assistant.sqlite")
    try:
        return db.execute("SELECT d.source, p.ordinal, p.text, p.page, p.page_end, p.section, p.footnotes "
                          "FROM passages p JOIN documents d ON d.id = p.doc_id ORDER BY d.source, p.ordinal").fetchall()
    finally:
        db.close()


def _state(index_dir: Path) -> tuple:
    """Documents and passage counts as the database has them (read directly, no model)."""
    db = sqlite3.connect(index_dir / "assistant.sqlite")
    try:
        docs = db.execute("SELECT source, sha256 FROM documents ORDER BY source").fetchall()
        n = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        fts = db.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0]
        pages = db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
        return docs, n, fts, pages
    finally:
        db.close()


@needs_shared
def test_bad_input_batch_fails_per_file_and_keeps_the_rest(tmp_path, cli_env, hashing_seed_dir):
    import shutil

    idx = tmp_path / "index"
    shutil.copytree(hashing_seed_dir, idx)
    before = _state(idx)
    bad = sorted((SHARED / "corpus-real" / "bad-input").iterdir())
    good = tmp_path / "goed.txt"
    good.write_text("Het kabinet opent in 2027 een nieuw museum voor moderne kunst in Zwolle.\n", encoding="utf-8")
    r = cli(["ingest", *map(str, bad), str(good), "--index", str(idx)], cli_env)
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert len(lines) == len(bad) + 1
    for path, line in zip(bad, lines):
        assert line.startswith(f"failed: {path.name}: "), line
        assert len(line) > len(f"failed: {path.name}: ") + 20  # a reason, not just a code
    assert lines[-1].startswith("added: goed.txt")
    after = _state(idx)
    assert [d for d in after[0] if d[0] != "goed.txt"] == before[0]
    assert after[1] > before[1]


def test_kill_during_ingest_keeps_last_commit_and_rerun_completes(tmp_path, cli_env, hashing_seed_dir):
    """SIGKILL a real ingest at several moments; the index always opens, and a rerun finishes the job.

    Kill points: while the process starts (before any commit), right after the first
    file is reported (between commits), and right after the third (inside the next
    files' load/embed/commit). The embedder is the hashing one (a file takes a few tens of
    milliseconds), so there are many letters: the later kills land before the last commit."""
    import shutil
    import threading

    letters = _letters(tmp_path, 24)
    outcomes = []
    for label, after_lines, extra_delay in (("starting", 0, 0.3), ("after file 1", 1, 0.0),
                                            ("after file 3", 3, 0.0)):
        idx = tmp_path / f"index-{after_lines}"
        shutil.copytree(hashing_seed_dir, idx)
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", *map(str, letters), "--index",
                                 str(idx)], env=cli_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, start_new_session=True)
        seen: list[str] = []
        enough = threading.Event()

        def reader():
            for line in proc.stdout:
                seen.append(line)
                if len(seen) >= after_lines:
                    enough.set()
            enough.set()

        threading.Thread(target=reader, daemon=True).start()
        if after_lines:
            assert enough.wait(300), "the ingest printed nothing"
        time.sleep(extra_delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        docs, n, fts, pages = _state(idx)
        committed = len(docs) - 1
        # the database holds whole documents only, with consistent side tables
        assert n == fts
        assert committed >= min(after_lines, len(seen))
        if after_lines:
            assert committed < len(letters), f"{label}: the ingest had finished before the kill"
        r = cli(["ingest", *map(str, letters), "--index", str(idx)], cli_env)
        assert r.returncode == 0, r.stdout + r.stderr
        statuses = [ln.split(":")[0] for ln in r.stdout.splitlines()]
        assert statuses.count("added") == len(letters) - committed
        assert statuses.count("unchanged") == committed
        r = cli(["ask", "--json", "--k", "3", "kustvisserij", "--index", str(idx)], cli_env)
        assert r.returncode == 0, r.stderr
        assert "kustvisserij" in json.loads(r.stdout)["hits"][0]["text"]
        docs2, n2, fts2, _ = _state(idx)
        assert len(docs2) == 1 + len(letters) and n2 == fts2
        outcomes.append((label, committed))
    print("kill outcomes (kill point, letters committed before the kill):", outcomes)


def test_two_ingests_at_once_are_serialised(tmp_path, cli_env, hashing_seed_dir):
    import shutil

    idx = tmp_path / "index"
    shutil.copytree(hashing_seed_dir, idx)
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    a = _letters(a_dir, 4)
    b = [p.rename(b_dir / p.name.replace("brief-", "nota-")) for p in _letters(b_dir, 4)]
    procs = [subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", *map(str, files), "--index", str(idx)],
                              env=cli_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for files in (a, b)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    docs, n, fts, _ = _state(idx)
    assert len(docs) == 1 + 8 and n == fts
    r = cli(["ask", "--json", "musea", "--index", str(idx)], cli_env)
    assert r.returncode == 0, r.stderr


def test_damaged_index_folders_give_a_clear_way_out(tmp_path, cli_env, hashing_seed_dir):
    import shutil

    # another format version
    idx = tmp_path / "v99"
    shutil.copytree(hashing_seed_dir, idx)
    db = sqlite3.connect(idx / "assistant.sqlite")
    db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.commit()
    db.close()
    r = cli(["ask", "iets", "--index", str(idx)], cli_env)
    assert r.returncode == 1 and "format version 99" in r.stderr and "assistant rebuild" in r.stderr

    # a database file that is not a database at all: rebuild restores it from the stored files / corpus
    idx = tmp_path / "garbage"
    shutil.copytree(hashing_seed_dir, idx)
    (idx / "assistant.sqlite").write_bytes(b"this is not a database" * 100)
    for extra in ("assistant.sqlite-wal", "assistant.sqlite-shm"):
        (idx / extra).unlink(missing_ok=True)
    r = cli(["ask", "iets", "--index", str(idx)], cli_env)
    assert r.returncode == 1 and "assistant rebuild" in r.stderr
    r = cli(["rebuild", "--index", str(idx)], cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = cli(["ask", "--json", "what did the cabinet say about CSDDD?", "--index", str(idx)], cli_env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["hits"][0]["page"] == 7


def test_rebuild_keeps_every_document(tmp_path, cli_env, hashing_seed_dir):
    import shutil

    idx = tmp_path / "index"
    shutil.copytree(hashing_seed_dir, idx)
    note = tmp_path / "losse-notitie.md"
    note.write_text("# Notitie\n\nDe provincie Drenthe krijgt extra geld voor het onderhoud van hunebedden.\n",
                    encoding="utf-8")
    assert cli(["ingest", str(note), "--index", str(idx)], cli_env).returncode == 0
    note.unlink()  # the original is gone: rebuild uses the stored copy
    # lines of an archive have no file of their own: they are rebuilt from their stored pages
    archive = tmp_path / "archief.jsonl"
    archive.write_text(json.dumps({"URL": "https://example.org/0001/ocr", "Content": (
        "De Kamer sprak over de drooglegging van de Zuiderzee.\nDe minister noemde de kosten¹ aanvaardbaar.\n"
        "¹ Kamerstuk 1234, nr. 5\n")}) + "\n", encoding="utf-8")
    assert cli(["ingest", str(archive), "--index", str(idx)], cli_env).returncode == 0
    archive.unlink()
    before = _state(idx), _passages(idx)
    r = cli(["rebuild", "--index", str(idx)], cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    after = _state(idx), _passages(idx)
    assert after == before  # same documents (and hashes), passages, texts, pages and footnotes
    assert any(src == "archief.jsonl#0001/ocr" for src, _ in after[0][0])
    r = cli(["ask", "drooglegging van de Zuiderzee", "--json", "--index", str(idx)], cli_env)
    assert json.loads(r.stdout)["hits"][0]["document"]["source"] == "archief.jsonl#0001/ocr"


def test_rebuild_that_would_lose_a_document_keeps_the_old_index(tmp_path, cli_env, hashing_seed_dir):
    import shutil

    idx = tmp_path / "index"
    shutil.copytree(hashing_seed_dir, idx)
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(make_pdf([["De minister schrijft over de waterschappen en de dijken."]] * 2))
    assert cli(["ingest", str(pdf), "--index", str(idx)], cli_env).returncode == 0
    pdf.unlink()
    stored = [f for f in (idx / "files").iterdir() if f.name.endswith(".pdf")]
    assert len(stored) == 1
    stored[0].write_bytes(b"%PDF-1.4 damaged beyond repair")  # the only copy is now unreadable
    before = _state(idx), _passages(idx)
    r = cli(["rebuild", "--index", str(idx)], cli_env)
    assert r.returncode == 1
    assert "could not be rebuilt" in r.stderr and "brief.pdf" in r.stderr and "unchanged" in r.stderr, r.stderr
    assert (_state(idx), _passages(idx)) == before
    assert not (tmp_path / "index.rebuild").exists()


# -- property tests of chunking: no exception, no body text lost ------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
_wordy = st.lists(st.sampled_from(["Het", "kabinet", "zegt.", "Aanbeveling 3:", "1. Inleiding", "nr.", "o.a.",
                                   "\n", "\n\n", " ", "CS3D", "’1", "2024.", "Vraag 2", "?", "…", "-"]), max_size=120)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_text, _wordy.map("".join)), min_size=1, max_size=4),
       st.integers(min_value=5, max_value=80), st.integers(min_value=20, max_value=250))
def test_chunking_never_loses_body_text(page_texts, min_words, max_words):
    pages = [Page(i + 1, t) for i, t in enumerate(page_texts)]
    passages = chunk_pages(pages, min_words=min_words, max_words=max(max_words, min_words))
    got = "".join("".join(p.text.split()) for p in passages)
    want = "".join("".join(t.split()) for t in page_texts)
    assert got == want
    for p in passages:
        assert 1 <= p.page <= p.page_end <= len(pages)
        assert p.text.strip()
