"""The commands `add`, `follow`, `unfollow` and `sync` (registered by assistant/cli.py).

    assistant add kst-32545-143 "Kamerstuk 36 450, nr. 3" https://zoek.officielebekendmakingen.nl/...
    assistant add --dossier 32545
    assistant follow 32545        follow the dossier and fetch what of it is missing
    assistant follow --list       the followed dossiers, when they were last synced
    assistant unfollow 32545      stop following (its documents stay in the index)
    assistant sync                fetch what is new in every followed dossier

One line per document, as `ingest` prints it (added / unchanged / failed: reason), or one
JSON object per document with --json. Exit status 1 when any document failed.
"""
from __future__ import annotations

import json
import sys

__all__ = ["COMMANDS", "add_parsers"]


def add_parsers(sub, common) -> None:
    p = sub.add_parser("add", help="add official publications by identifier, citation, URL or dossier")
    p.add_argument("refs", nargs="*", metavar="ID|URL",
                   help="kst-36450-3, ah-tk-20202021-3235, blg-1007826, 'Kamerstuk 36 450, nr. 3', or a URL of "
                        "zoek.officielebekendmakingen.nl, repository.overheid.nl or tweedekamer.nl")
    p.add_argument("--dossier", action="append", default=[], metavar="NR", help="every paper of a dossier "
                                                                              "(repeatable)")
    p.add_argument("--json", action="store_true", help="one JSON object per document")
    p.add_argument("--ocr", action="store_true", default=None,
                   help="read a paper published only as a scan with tesseract (Dutch) when it is installed")
    common(p)

    p = sub.add_parser("follow", help="follow a dossier: fetch its papers now and at every `sync`")
    p.add_argument("dossiers", nargs="*", metavar="NR")
    p.add_argument("--list", action="store_true", help="list the followed dossiers")
    p.add_argument("--json", action="store_true")
    common(p)

    p = sub.add_parser("unfollow", help="stop following a dossier (its documents stay in the index)")
    p.add_argument("dossiers", nargs="+", metavar="NR")
    common(p)

    p = sub.add_parser("sync", help="fetch what is new in the followed dossiers")
    p.add_argument("--json", action="store_true", help="one JSON object per document")
    common(p)


def _service(args):
    from ..config import settings_from_args
    from ..core import Assistant
    from .service import OfficialService

    return OfficialService(Assistant(settings_from_args(args)))


def _printer(args):
    def show(r) -> None:
        print(json.dumps(r.to_json(), ensure_ascii=False) if args.json else r.line(), flush=True)

    return show


def _status(results) -> int:
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_add(args) -> int:
    if not args.refs and not args.dossier:
        print("error: give one or more identifiers or URLs, or --dossier NR", file=sys.stderr)
        return 2
    with _service(args) as service:
        show = _printer(args)
        results = service.add(args.refs, on_result=show) if args.refs else []
        for nr in args.dossier:
            results += service.add_dossier(nr, on_result=show)
        return _status(results)


def cmd_follow(args) -> int:
    with _service(args) as service:
        if args.list or not args.dossiers:
            followed = service.followed()
            if args.json:
                print(json.dumps([f.to_json() for f in followed], ensure_ascii=False, indent=1))
            elif not followed:
                print("No dossiers are followed. Follow one with `assistant follow NR`.")
            for f in followed if not args.json else []:
                synced = f"last synced {f.last_sync}: {f.documents} papers, {f.added} added" if f.last_sync \
                    else "not synced yet"
                failed = f", {len(f.failed)} failed" if f.failed else ""
                print(f"{f.dossier}  followed since {f.followed_at}; {synced}{failed}")
            return 0
        results = []
        for nr in args.dossiers:
            new, got = service.follow(nr, on_result=_printer(args))
            results += got
            print(f"{'following' if new else 'already following'} dossier {nr}", file=sys.stderr, flush=True)
        return _status(results)


def cmd_unfollow(args) -> int:
    with _service(args) as service:
        status = 0
        for nr in args.dossiers:
            if service.unfollow(nr):
                print(f"unfollowed: {nr} (its documents stay in the index; `assistant remove ID` removes one)")
            else:
                print(f"error: dossier {nr} is not followed (see `assistant follow --list`)", file=sys.stderr)
                status = 1
        return status


def cmd_sync(args) -> int:
    with _service(args) as service:
        if not service.followed():
            print("No dossiers are followed; nothing to sync. Follow one with `assistant follow NR`.", file=sys.stderr)
            return 0
        results = service.sync(on_result=_printer(args))
        added = sum(r.status == "added" for r in results)
        failed = sum(r.status == "failed" for r in results)
        print(f"sync: {added} added, {len(results) - added - failed} unchanged, {failed} failed", file=sys.stderr)
        return _status(results)


COMMANDS = {"add": cmd_add, "follow": cmd_follow, "unfollow": cmd_unfollow, "sync": cmd_sync}
