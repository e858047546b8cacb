"""One exclusive lock between processes: an advisory lock (fcntl.flock) on a lock file.

Used by the index's writers (assistant.store.folder) and by the model's conversion
(assistant.e5model). Where fcntl does not exist (Windows) it locks nothing.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator


class LockBusy(Exception):
    """Raised by `file_lock(..., wait=False)` when another process holds the lock."""


@contextlib.contextmanager
def file_lock(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created when missing) for the `with` block.

    `wait=False` raises LockBusy at once instead of waiting for the holder to let go.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise LockBusy(str(path)) from exc
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
