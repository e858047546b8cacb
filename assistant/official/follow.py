"""Followed dossiers and their sync state, in `followed.json` in the index folder.

    {"dossiers": {"32545": {"followed_at": "2026-12-04T07:10:00Z", "last_sync": "...",
                            "documents": 2, "added": 1, "failed": {"kst-32545-144": "reason"}}}}

The file is small and rewritten whole (a temporary file, then an atomic rename), under a
lock file, so two processes that follow or sync at once do not lose each other's changes.
The documents themselves live in the index; this file only says what to keep up to date.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..types import AssistantError

__all__ = ["Followed", "FollowStore"]

FILE_NAME = "followed.json"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Followed:
    dossier: str
    followed_at: str
    last_sync: str | None = None
    documents: int = 0  # papers of the dossier at the last sync
    added: int = 0  # added at the last sync
    failed: dict[str, str] = field(default_factory=dict)  # identifier -> reason, at the last sync

    def to_json(self) -> dict:
        return {"dossier": self.dossier, "followed_at": self.followed_at, "last_sync": self.last_sync,
                "documents": self.documents, "added": self.added, "failed": dict(self.failed)}


class FollowStore:
    def __init__(self, index_dir: Path):
        self.dir = Path(index_dir)
        self.path = self.dir / FILE_NAME

    @contextlib.contextmanager
    def _locked(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".followed.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Followed]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            items = raw.get("dossiers", {})
            return {nr: Followed(dossier=nr, **{k: v for k, v in d.items() if k != "dossier"})
                    for nr, d in items.items()}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise AssistantError(f"{self.path} cannot be read ({exc}); fix or remove it, then follow the dossiers "
                                 "again (the indexed documents are not affected)") from exc

    def _write(self, items: dict[str, Followed]) -> None:
        tmp = self.path.with_name(f".{FILE_NAME}.tmp")
        tmp.write_text(json.dumps({"dossiers": {nr: {k: v for k, v in f.to_json().items() if k != "dossier"}
                                                    for nr, f in sorted(items.items())}},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def list(self) -> list[Followed]:
        with self._locked():
            return sorted(self._read().values(), key=lambda f: f.dossier)

    def follow(self, dossier: str) -> bool:
        """Start following; False when it already was."""
        with self._locked():
            items = self._read()
            if dossier in items:
                return False
            items[dossier] = Followed(dossier, _now())
            self._write(items)
            return True

    def unfollow(self, dossier: str) -> bool:
        with self._locked():
            items = self._read()
            if items.pop(dossier, None) is None:
                return False
            self._write(items)
            return True

    def record_sync(self, dossier: str, documents: int, added: int, failed: dict[str, str]) -> None:
        with self._locked():
            items = self._read()
            if dossier not in items:  # unfollowed meanwhile
                return
            f = items[dossier]
            f.last_sync, f.documents, f.added, f.failed = _now(), documents, added, dict(failed)
            self._write(items)
