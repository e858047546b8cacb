"""Uploaded files: safe names, checks of what they are, a private folder, and ingest.

    safe_filename(name)                     a name that is safe to write anywhere
    Upload                                  one uploaded file: name, size, how to read it
    save_uploads(items, root, max_bytes)    checked files in a fresh folder, and a plan per file
    ingest_uploads(assistant, items, ...)   save, check and ingest; a FileResult per file
    read_upload_form(request)               the files of a multipart POST /api/documents

Used by POST /api/documents (web/api.py) and the chat's Corpus tab (web/chat.py).
"""
from __future__ import annotations

import codecs
import contextlib
import os
import re
import shutil
import time
import unicodedata
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..filetype import describe_bytes
from ..load import MEDIA_TYPES
from ..sidecars import split_sidecar
from .schema import ApiError
from .security import megabytes

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Assistant
    from ..ingest import FileResult

DOC_SUFFIXES = tuple(MEDIA_TYPES)  # what assistant.load reads
OFFICE = ("docx", "odt")  # ZIP containers, checked by assistant.formats
MAX_FILES_PER_REQUEST = 50
REQUEST_FILE_FACTOR = 4  # a request may carry this many files of the largest size
SIDECAR_MAX_BYTES = 1024 * 1024
REPLACE_HINT_API = ("To replace it, send the file again with the form field replace=true; to keep both, "
                    "rename the file")
REPLACE_HINT_CHAT = "To replace it, tick 'Replace documents of the same name' and add it again; to keep both, rename it"


def safe_filename(name: str, default: str = "document") -> str:
    """A file name that is safe to write anywhere: no folders, no control or odd characters.

    '../../x.pdf' -> 'x.pdf'; 'C:\\temp\\brief.pdf' -> 'brief.pdf'; '\\u202eevil.pdf' -> 'evil.pdf'.
    NFKC-normalised; letters with accents are kept; white space becomes one space; control and
    format characters (RTL overrides, zero-width spaces) are dropped; anything else outside
    [letters digits _ . - ( ) space] becomes '_'. Never empty, at most 120 characters.
    """
    name = str(name or "").replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFKC", name)
    name = re.sub(r"\s+", " ", name)
    name = "".join(ch for ch in name if ch == " " or not unicodedata.category(ch).startswith(("C", "Z")))
    name = re.sub(r"[^\w.\-() ]+", "_", name, flags=re.UNICODE)
    name = re.sub(r" +", " ", name).strip(" ._-")
    name = re.sub(r"\.{2,}", ".", name)
    if not name or set(name) <= {".", "_", "-", " "}:
        name = default
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:120]
    return name


def sniff(head: bytes, is_utf8: bool | None = None) -> str:
    """'pdf', 'text' or a description of what the bytes are instead.

    `head` is the start of the file (8 KB); `is_utf8` says whether the whole file decodes.
    """
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if b"\x00" not in head and (is_utf8 if is_utf8 is not None else _utf8(head, final=False)):
        return "text"
    what = describe_bytes(head)
    return "text in an encoding other than UTF-8" if what in ("plain text", "text") else what


def _utf8(data: bytes, final: bool = True) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
        return True
    except UnicodeDecodeError:
        return False


def _file_is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


class Upload:
    """One uploaded file: its name as sent, its size (when known) and how to read it."""

    def __init__(self, name: str, opener: Callable[[], Any], size: int | None = None):
        self.name = name
        self.opener = opener
        self.size = size

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> "Upload":
        import io

        return cls(name, lambda: io.BytesIO(data), len(data))

    @classmethod
    def from_path(cls, name: str, path: Path) -> "Upload":
        return cls(name, lambda: open(path, "rb"), Path(path).stat().st_size)

    @classmethod
    def from_stream(cls, name: str, stream, size: int | None) -> "Upload":
        """An upload that is an open stream already (a multipart part): rewound on each
        opening, and left open afterwards (the form closes it)."""

        @contextlib.contextmanager
        def opener():
            stream.seek(0)
            yield stream

        return cls(name, opener, size)


def _copy_limited(src, dst: Path, limit: int) -> int:
    """Copy a stream into `dst`; stops (returning a size over the limit) once `limit` is passed."""
    n = 0
    with open(dst, "xb") as out:
        while chunk := src.read(1 << 20):
            n += len(chunk)
            if n > limit:
                break
            out.write(chunk)
    return n


def _refusal(ext: str, head: bytes, kind: str) -> str | None:
    """Why a saved upload is not what its name says (None when it is)."""
    if ext == "pdf" and kind != "pdf":
        return (f"is not a PDF although its name ends in .pdf: its content does not start with %PDF "
                f"(it looks like {kind}); download or export it again as PDF")
    if ext in OFFICE and not head.startswith(b"PK\x03\x04"):
        return (f"is not a .{ext} document although its name ends in .{ext} (it looks like {kind}); "
                "save it again from the word processor")
    if ext not in OFFICE and kind not in ("pdf", "text"):
        return f"is not a PDF or UTF-8 text file (it looks like {kind})"
    return None


class _Folder:
    """A fresh folder for one upload, and the names used in it."""

    def __init__(self, root: Path):
        self.path = root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.path.mkdir(parents=True, exist_ok=False)
        self.resolved = self.path.resolve()
        self.used: set[str] = set()


def _save_document(up: Upload, base: str, folder: _Folder, max_bytes: int, limit_text: str) -> tuple[str, Any]:
    """Check one uploaded document and save it: ("file", path) or ("failed", reason)."""
    stem, dot, ext = base.rpartition(".")
    ext = ext.lower() if dot else ""
    if "." + ext not in DOC_SUFFIXES:
        return "failed", ((f"unsupported file type '.{ext}'" if ext else "has no file type ending")
                          + "; give a .pdf, .txt, .md, .docx, .odt or .html file (convert other formats to PDF first)")
    if up.size is not None and up.size > max_bytes:
        return "failed", f"is {megabytes(up.size)}, more than the limit of {limit_text}"
    name, n = base, 1
    while name.lower() in folder.used:  # two files of one name in one upload are both kept
        n += 1
        name = f"{stem}-{n}.{ext}"
    tmp = folder.path / f".part-{uuid.uuid4().hex}"
    with up.opener() as src:
        size = _copy_limited(src, tmp, max_bytes)
    if size > max_bytes or size == 0:
        tmp.unlink()
        return "failed", f"is more than the limit of {limit_text}" if size else "is empty (0 bytes)"
    with open(tmp, "rb") as fh:
        head = fh.read(8192)
    kind = sniff(head, None if b"%PDF-" in head[:1024] else _file_is_utf8(tmp))
    reason = _refusal(ext, head, kind)
    if reason is not None:
        tmp.unlink()
        return "failed", reason
    if kind == "pdf" and ext != "pdf":  # a PDF named .txt is read as a PDF; its name says so
        name = f"{stem}.pdf"
        while name.lower() in folder.used:
            n += 1
            name = f"{stem}-{n}.pdf"
    folder.used.add(name.lower())
    path = folder.path / name
    if path.resolve().parent != folder.resolved:  # cannot happen after safe_filename; never write elsewhere
        tmp.unlink()
        return "failed", "has a name that cannot be stored safely"
    os.replace(tmp, path)
    return "file", path


def save_uploads(items: list[Upload], upload_root: Path, max_bytes: int, limit_text: str | None = None):
    """Check uploaded files and write them into a fresh folder under `upload_root`.

    Returns (folder, plan): one plan entry per document in upload order, either
    ("file", path, safe_name) to ingest or ("failed", FileResult). Sidecars
    (NAME.meta.json / .meta.toml) are saved beside the document they name
    when it is in the same upload. Nothing is written outside the folder.
    """
    from ..ingest import FileResult

    folder = _Folder(upload_root)
    plan: list = []
    by_name: dict[str, str] = {}
    sidecars: list[tuple[str, str, Upload]] = []
    for up in items:
        base = safe_filename(up.name)
        side = split_sidecar(base)
        if side is not None:
            sidecars.append((side[0], side[1], up))
            continue
        outcome, detail = _save_document(up, base, folder, max_bytes, limit_text or megabytes(max_bytes))
        if outcome == "failed":
            plan.append(("failed", FileResult(base, "failed", detail)))
            continue
        by_name.setdefault(base, detail.name)
        by_name.setdefault(base.rsplit(".", 1)[0], detail.name)
        plan.append(("file", detail, detail.name))
    for doc_name, suffix, up in sidecars:
        target = by_name.get(doc_name)
        if target is None:
            plan.append(("failed", FileResult(doc_name + suffix, "failed", (
                "is a metadata sidecar; upload it together with the document it describes "
                "(same name, plus .meta.json or .meta.toml)"))))
            continue
        with up.opener() as src:
            if _copy_limited(src, folder.path / (target + suffix), SIDECAR_MAX_BYTES) > SIDECAR_MAX_BYTES:
                (folder.path / (target + suffix)).unlink()
                plan.append(("failed", FileResult(doc_name + suffix, "failed",
                                                  "is a metadata sidecar larger than 1 MB")))
    return folder.path, plan


def ingest_uploads(assistant: "Assistant", items: list[Upload], on_result: Callable | None = None,
                   replace: bool = False, replace_hint: str = REPLACE_HINT_API) -> list["FileResult"]:
    """Save, check and ingest uploaded files; returns FileResults in upload order.

    Files are saved under <index_dir>/uploads/<fresh folder>/ with safe names,
    ingested with those names as their sources, and the folder is removed
    afterwards (the index keeps its own copy in files/). A file named like an indexed
    document with other content replaces it only with `replace`; otherwise it fails and
    the document stays (identical content is 'unchanged' either way).
    """
    from ..ingest import FileResult

    settings = assistant.settings
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    folder, plan = save_uploads(items, Path(settings.index_dir) / "uploads", max_bytes,
                                f"{settings.max_file_mb:g} MB (ASSISTANT_MAX_FILE_MB)")
    try:
        for entry in plan:
            if entry[0] == "failed" and on_result:
                on_result(entry[1])
        files = [e for e in plan if e[0] == "file"]
        got: dict[str, Any] = {}
        if files:
            sources = {e[1]: e[2] for e in files}
            for r in assistant.ingest([e[1] for e in files], on_result=on_result, progress=False, sources=sources,
                                      replace=replace, replace_hint=replace_hint):
                got[r.source] = r
        return [e[1] if e[0] == "failed" else (got.get(e[2]) or FileResult(e[2], "failed", "was not ingested"))
                for e in plan]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def read_upload_form(request) -> tuple[list[Upload], bool, Any]:
    """The files and the `replace` choice of a multipart POST /api/documents, and the form
    (close it when done). Raises ApiError naming the field at fault."""
    from .security import BodyTooLarge

    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "send the files as multipart/form-data, one part named 'files' per file", "files")
    try:
        form = await request.form(max_files=MAX_FILES_PER_REQUEST, max_fields=MAX_FILES_PER_REQUEST)
    except BodyTooLarge:
        raise
    except Exception as exc:
        raise ApiError(400, f"cannot read the upload: {exc}", "files") from None
    try:
        parts = form.getlist("files")
        if not parts:
            others = list(form.keys())
            raise ApiError(422, "files: no file parts named 'files' in the request"
                           + (f" (got {', '.join(map(repr, others))})" if others else ""), "files")
        if any(isinstance(p, str) for p in parts):
            raise ApiError(422, "files: each 'files' part must be a file upload, not a text field", "files")
        replace = form.get("replace", "false")
        if not isinstance(replace, str) or replace.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ApiError(422, "replace must be true or false: whether a file named like an indexed document "
                                "with other content replaces it", "replace")
    except ApiError:
        await form.close()
        raise
    items = [Upload.from_stream(p.filename or "upload", p.file, p.size) for p in parts]
    return items, replace.strip().lower() in ("true", "1", "yes"), form
