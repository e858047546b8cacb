"""The web chat and JSON API, served by one uvicorn process.

    create_app(assistant, auth=None) -> FastAPI     routes below, Gradio chat mounted at /
    serve(settings, host, port, auth) -> int        `assistant serve`

JSON API (HTTP Basic when auth is on; /healthz is always open):
    POST   /api/ask                 {"question", "k", "history", "documents", "date_from", "date_to"}
    GET    /api/documents           the indexed documents
    POST   /api/documents           multipart, one or more parts named `files`; per-file results
    DELETE /api/documents/{id}      remove a document (404 for an unknown id)
    POST   /api/documents/fetch     {"ids": [identifiers or URLs]}: official publications (assistant.official)
    POST   /api/dossiers/{nr}/follow  follow a dossier and fetch what of it is missing
    GET    /api/passages/{id}       a passage in full: footnotes, neighbours, page text
    GET    /files/{doc_id}          the stored original (PDFs inline: /files/ID#page=7)
    GET    /healthz                 liveness and counts

Everything a document says (text, titles, file names) is data: it is escaped
before it goes into HTML, and the Markdown renderer of the chat never sees a
character of it that it could interpret.

Importing this module starts nothing and imports neither gradio nor uvicorn.
"""
# No `from __future__ import annotations` here: FastAPI reads the route functions' annotations
# (`request: Request`, imported inside create_app) at runtime, and strings would not resolve.
import contextlib
import json
import os
import re
import shutil
import sys
import threading
import time
import unicodedata
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .types import AssistantError

if TYPE_CHECKING:  # pragma: no cover
    import fastapi

    from .config import Settings
    from .core import Assistant
    from .types import Answer, Hit

MAX_K = 50
MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 50  # earlier turns /api/ask accepts; only the last few are read (search.FOLLOWUP_LOOKBACK)
MAX_ANSWER_CHARS = 20_000  # an answer in the history (never read, but sent back by chat clients)
MAX_CHAT_MESSAGES = 100  # messages the chat keeps on screen (each question sends them back)
CHAT_CONCURRENCY = 8  # questions answered at once in the chat
MAX_FILES_PER_REQUEST = 50
REQUEST_FILE_FACTOR = 4  # a request may carry this many files of the largest size
DOC_SUFFIXES = (".pdf", ".txt", ".md", ".docx", ".odt", ".html", ".htm")  # what assistant.load reads
_OFFICE = ("docx", "odt")  # ZIP containers, checked by assistant.formats
SIDECAR_SUFFIXES = (".meta.json", ".meta.toml")
ASK_FIELDS = ("question", "k", "history", "documents", "date_from", "date_to")
EXAMPLES = [
    "what did the cabinet say about CSDDD?",
    "Hoeveel personen zijn in Wit-Rusland door de EU gesanctioneerd?",
    "Which organisation organises dialogues between diplomats and human rights defenders?",
]


# ---------------------------------------------------------------------------------------------
# offline settings


def offline_environment(temp_dir: Path | None = None) -> None:
    """Settings that keep Gradio from reaching out (see shared/notes/gradio-offline.md).

    Must run before gradio is imported: some of it is read at import time.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_SSR_MODE", "False")
    if temp_dir is not None and not os.environ.get("GRADIO_TEMP_DIR"):
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
        os.environ["GRADIO_TEMP_DIR"] = str(temp_dir)
    if any(os.environ.get(v) for v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")):
        for var in ("NO_PROXY", "no_proxy"):
            have = [x for x in os.environ.get(var, "").split(",") if x]
            os.environ[var] = ",".join(have + [h for h in ("127.0.0.1", "localhost") if h not in have])


# ---------------------------------------------------------------------------------------------
# errors


class ApiError(Exception):
    """A request the API refuses: status, message, and the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> dict:
        out: dict[str, Any] = {"error": self.message}
        if self.field:
            out["field"] = self.field
        return out


def parse_auth(value: str | tuple[str, str] | None) -> tuple[str, str] | None:
    """'user:password' (or a pair) -> (user, password); None/'' -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, (tuple, list)):
        user, pw = value
    else:
        if ":" not in value:
            raise AssistantError("the login must be given as USER:PASSWORD (in --auth or $ASSISTANT_AUTH)")
        user, pw = value.split(":", 1)
    if not user or not pw:
        raise AssistantError("the login needs both a user name and a password: USER:PASSWORD")
    return str(user), str(pw)


# ---------------------------------------------------------------------------------------------
# validating questions


def _show(v: Any) -> str:
    """A short, safe rendering of a value for an error message (never recurses)."""
    if isinstance(v, str):
        return repr(v[:40]).encode("ascii", "backslashreplace").decode("ascii") + ("..." if len(v) > 40 else "")
    if isinstance(v, (bool, int, float)) or v is None:
        return json.dumps(v)[:40]
    return f"a JSON {'object' if isinstance(v, dict) else 'array' if isinstance(v, list) else type(v).__name__}"


def _text(v: str, field: str, limit: int | None = None, what: str | None = None) -> str:
    """`v` checked: real characters only (no lone surrogates), at most `limit` of them."""
    try:
        v.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = v[exc.start].encode("unicode_escape").decode("ascii")
        raise ApiError(400, f"{what or field} holds {bad} at character {exc.start}, half of a UTF-16 surrogate "
                            "pair and no character; send the text as UTF-8", field) from None
    if limit is not None and len(v) > limit:
        raise ApiError(422, f"{what or field} is {len(v)} characters long; the limit is {limit}", field)
    return v


def _date_field(body: dict, name: str) -> str | None:
    v = body.get(name)
    if v is None or v == "":
        return None
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
        raise ApiError(422, f"{name} must be a date written YYYY-MM-DD, got {_show(v)}", name)
    try:
        date.fromisoformat(v.strip())
    except ValueError:
        raise ApiError(422, f"{name} is not a real date: {_show(v)}", name) from None
    return v.strip()


HISTORY_FORMS = ("history must be a list of earlier turns: strings (questions), {\"role\": \"user\"|\"assistant\", "
                 "\"content\": str} objects or [question, answer] pairs")


def validate_history(history: Any) -> list | None:
    """The history of /api/ask checked: at most MAX_HISTORY_TURNS turns, each of a known form
    and bounded length; nothing nested deeper than a pair."""
    if history is None:
        return None
    if not isinstance(history, list):
        raise ApiError(422, HISTORY_FORMS, "history")
    if len(history) > MAX_HISTORY_TURNS:
        raise ApiError(422, f"history has {len(history)} turns; the limit is {MAX_HISTORY_TURNS} (only the last few "
                            "are used: send the latest turns)", "history")
    for i, turn in enumerate(history):
        where = f"history turn {i}"
        if isinstance(turn, str):
            _text(turn, "history", MAX_QUESTION_CHARS, where)
        elif isinstance(turn, dict):
            extra = sorted(set(turn) - {"role", "content"})
            role, content = turn.get("role", "user"), turn.get("content")
            if extra or role not in ("user", "assistant") or not isinstance(content, str):
                raise ApiError(422, f"{where} is not {{\"role\": \"user\"|\"assistant\", \"content\": str}}"
                                    + (f" (unknown key {_show(extra[0])})" if extra else ""), "history")
            _text(content, "history", MAX_QUESTION_CHARS if role == "user" else MAX_ANSWER_CHARS, where)
        elif isinstance(turn, list):
            if not 1 <= len(turn) <= 2 or not isinstance(turn[0], str) or not all(
                    x is None or isinstance(x, str) for x in turn):
                raise ApiError(422, f"{where} is not a [question, answer] pair of strings", "history")
            _text(turn[0], "history", MAX_QUESTION_CHARS, where)
            if len(turn) == 2 and turn[1] is not None:
                _text(turn[1], "history", MAX_ANSWER_CHARS, where + " (answer)")
        else:
            raise ApiError(422, f"{where} is a {type(turn).__name__} ({_show(turn)}); each turn must be a string, "
                                "an object or a pair", "history")
    return history


def validate_ask(body: Any, known_ids: Callable[[], set[str]]) -> dict:
    """Check an /api/ask body; returns the keyword arguments for Assistant.ask."""
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object such as {\"question\": \"...\"}")
    unknown = sorted(set(body) - set(ASK_FIELDS))
    if unknown:
        name = unknown[0][:100].encode("utf-8", "backslashreplace").decode("utf-8")
        raise ApiError(422, f"unknown field {_show(unknown[0])}; the fields are {', '.join(ASK_FIELDS)}", name)
    q = body.get("question")
    if q is None:
        raise ApiError(422, "question is required: a non-empty string", "question")
    if not isinstance(q, str):
        raise ApiError(422, f"question must be a string, got {type(q).__name__}", "question")
    _text(q, "question")
    if not q.strip():
        raise ApiError(422, "question must not be empty", "question")
    if len(q) > MAX_QUESTION_CHARS:
        raise ApiError(422, f"question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}", "question")
    k = body.get("k")
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, int):
            raise ApiError(422, f"k must be a whole number from 1 to {MAX_K}, got {_show(k)}", "k")
        if not 1 <= k <= MAX_K:
            raise ApiError(422, f"k must be from 1 to {MAX_K}, got {k}", "k")
    history = validate_history(body.get("history"))
    docs = body.get("documents")
    if docs is not None:
        if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
            raise ApiError(422, "documents must be a list of document ids (see GET /api/documents)", "documents")
        if len(docs) > 1000:
            raise ApiError(422, f"documents lists {len(docs)} ids; the limit is 1000", "documents")
        for d in docs:
            _text(d, "documents", 200, "a document id")
        if docs:
            known = known_ids()
            missing = [d for d in docs if d not in known]
            if missing:
                raise ApiError(404, f"documents: no document with id {missing[0]!r} (see GET /api/documents)",
                               "documents")
    date_from, date_to = _date_field(body, "date_from"), _date_field(body, "date_to")
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, f"date_from ({date_from}) is after date_to ({date_to})", "date_from")
    return {"question": q.strip(), "k": k, "history": history, "documents": docs or None,
            "date_from": date_from, "date_to": date_to}


# ---------------------------------------------------------------------------------------------
# uploads


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
    try:
        from .load import _sniff

        what = _sniff(head)
    except Exception:  # pragma: no cover - the loader's guess is a nicety
        what = "binary data"
    return "text in an encoding other than UTF-8" if what in ("plain text", "text") else what


def _utf8(data: bytes, final: bool = True) -> bool:
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
        return True
    except UnicodeDecodeError:
        return False


def _file_is_utf8(path: Path) -> bool:
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                dec.decode(chunk)
        dec.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def _split_sidecar(name: str) -> tuple[str, str] | None:
    low = name.lower()
    for suf in SIDECAR_SUFFIXES:
        if low.endswith(suf):
            return name[: -len(suf)], suf
    return None


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


def _mb(n: float) -> str:
    x = n / 1024 / 1024
    return f"{x:.1f} MB" if x >= 1 else f"{x:.2g} MB"


def save_uploads(items: list[Upload], upload_root: Path, max_bytes: int, limit_text: str | None = None):
    """Check uploaded files and write them into a fresh folder under `upload_root`.

    Returns (folder, plan): one plan entry per document in upload order, either
    ("file", path, safe_name) to ingest or ("failed", FileResult). Sidecars
    (NAME.meta.json / .meta.toml) are saved beside the document they name
    when it is in the same upload. Nothing is written outside the folder.
    """
    from .ingest import FileResult

    folder = upload_root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=False)
    root = folder.resolve()
    plan: list = []
    used: set[str] = set()
    by_name: dict[str, str] = {}
    sidecars: list[tuple[str, str, Upload]] = []
    limit_mb = limit_text or _mb(max_bytes)

    def fail(name: str, reason: str) -> None:
        plan.append(("failed", FileResult(name, "failed", reason)))

    for up in items:
        base = safe_filename(up.name)
        side = _split_sidecar(base)
        if side is not None:
            sidecars.append((side[0], side[1], up))
            continue
        stem, dot, ext = base.rpartition(".")
        ext = ext.lower() if dot else ""
        if "." + ext not in DOC_SUFFIXES:
            fail(base, (f"unsupported file type '.{ext}'" if ext else "has no file type ending")
                 + "; give a .pdf, .txt, .md, .docx, .odt or .html file (convert other formats to PDF first)")
            continue
        if up.size is not None and up.size > max_bytes:
            fail(base, f"is {_mb(up.size)}, more than the limit of {limit_mb}")
            continue
        name, n = base, 1
        while name.lower() in used:  # two files of one name in one upload are both kept
            n += 1
            name = f"{stem}-{n}.{ext}"
        tmp = folder / f".part-{uuid.uuid4().hex}"
        with up.opener() as src:
            size = _copy_limited(src, tmp, max_bytes)
        if size > max_bytes:
            tmp.unlink()
            fail(base, f"is more than the limit of {limit_mb}")
            continue
        if size == 0:
            tmp.unlink()
            fail(base, "is empty (0 bytes)")
            continue
        with open(tmp, "rb") as fh:
            head = fh.read(8192)
        kind = sniff(head, None if b"%PDF-" in head[:1024] else _file_is_utf8(tmp))
        if ext == "pdf" and kind != "pdf":
            tmp.unlink()
            fail(base, f"is not a PDF although its name ends in .pdf: its content does not start with %PDF "
                       f"(it looks like {kind}); download or export it again as PDF")
            continue
        if ext in _OFFICE and not head.startswith(b"PK\x03\x04"):
            tmp.unlink()
            fail(base, f"is not a .{ext} document although its name ends in .{ext} (it looks like {kind}); "
                       "save it again from the word processor")
            continue
        if ext not in _OFFICE and kind not in ("pdf", "text"):
            tmp.unlink()
            fail(base, f"is not a PDF or UTF-8 text file (it looks like {kind})")
            continue
        if kind == "pdf" and ext != "pdf":  # a PDF named .txt is read as a PDF; its name says so
            name = f"{stem}.pdf"
            while name.lower() in used:
                n += 1
                name = f"{stem}-{n}.pdf"
        used.add(name.lower())
        path = folder / name
        if path.resolve().parent != root:  # cannot happen after safe_filename; never write elsewhere
            tmp.unlink()
            fail(base, "has a name that cannot be stored safely")
            continue
        os.replace(tmp, path)
        by_name.setdefault(base, name)
        by_name.setdefault(base.rsplit(".", 1)[0], name)
        plan.append(("file", path, name))
    for doc_name, suffix, up in sidecars:
        target = by_name.get(doc_name)
        if target is None:
            fail(doc_name + suffix, "is a metadata sidecar; upload it together with the document it describes "
                                    "(same name, plus .meta.json or .meta.toml)")
            continue
        with up.opener() as src:
            if _copy_limited(src, folder / (target + suffix), 1024 * 1024) > 1024 * 1024:
                (folder / (target + suffix)).unlink()
                fail(doc_name + suffix, "is a metadata sidecar larger than 1 MB")
    return folder, plan


REPLACE_HINT_API = ("To replace it, send the file again with the form field replace=true; to keep both, "
                    "rename the file")
REPLACE_HINT_CHAT = "To replace it, tick 'Replace documents of the same name' and add it again; to keep both, rename it"


def ingest_uploads(assistant: "Assistant", items: list[Upload], on_result: Callable | None = None,
                   replace: bool = False, replace_hint: str = REPLACE_HINT_API) -> list:
    """Save, check and ingest uploaded files; returns FileResults in upload order.

    Files are saved under <index_dir>/uploads/<fresh folder>/ with safe names,
    ingested with those names as their sources, and the folder is removed
    afterwards (the index keeps its own copy in files/). A file named like an indexed
    document with other content replaces it only with `replace`; otherwise it fails and
    the document stays (identical content is 'unchanged' either way).
    """
    from .ingest import FileResult

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


# ---------------------------------------------------------------------------------------------
# HTML for answers (everything from a document goes through esc())

_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$:=^\"'<>"}
_ENTITIES["&"] = "&amp;"


def esc(text: Any) -> str:
    """HTML-escape, and encode every character Markdown or math rendering could act on.

    One pass: each character becomes itself or one entity, so nothing is escaped twice.
    """
    return "".join(_ENTITIES.get(ch, ch) for ch in str(text if text is not None else ""))


def _text_html(text: str, spans: list | None = None) -> str:
    """Passage text with the evidence sentences in <mark>, escaped, newlines as <br>."""
    out, pos = [], 0
    for a, b in sorted((int(a), int(b)) for a, b in (spans or [])):
        a, b = max(a, pos), min(b, len(text))
        if b <= a:
            continue
        out.append(esc(text[pos:a]))
        out.append('<mark class="pla-ev">' + esc(text[a:b]) + "</mark>")
        pos = b
    out.append(esc(text[pos:]))
    s = "".join(out)
    s = s.replace("\r\n", "\n")
    s = re.sub(r"\n{2,}", "<br><br>", s)
    return s.replace("\n", "<br>")


LABELS = {
    "en": {"copy": "Copy citation", "open_pdf": "Open the PDF at p. {page}",
           "open_text": "Open the text file", "context": "Read the text around this passage",
           "before": "Before", "after": "After", "weak": "weak match", "notes": "Footnotes",
           "none": "No passages found.", "searched": "Searched for", "error": "Could not answer"},
    "nl": {"copy": "Kopieer bronvermelding", "open_pdf": "Open de PDF op p. {page}",
           "open_text": "Open het tekstbestand", "context": "Lees de tekst rond deze passage",
           "before": "Ervoor", "after": "Erna", "weak": "zwakke overeenkomst", "notes": "Voetnoten",
           "none": "Geen passages gevonden.", "searched": "Gezocht naar", "error": "Geen antwoord mogelijk"},
}


def file_link(doc_id: str, page: int | None, media_type: str | None) -> str:
    from urllib.parse import quote

    url = "/files/" + quote(doc_id, safe="")
    if page and (media_type or "").endswith("pdf"):
        url += f"#page={int(page)}"
    return url


def _context(assistant: "Assistant", hit: "Hit") -> tuple[list, list, int]:
    """The passages just before and after a hit, and the page its evidence starts on.

    A hit may be several passages (an adjacent one merged in, or the answer to a
    Kamervragen question); "after" follows the last of them, and when the first
    highlighted sentence lies in a later one, the link opens that passage's page.
    """
    try:
        index = assistant.index
        rows = index.passages(hit.passage_ids)
        parts = [rows[i] for i in hit.passage_ids if i in rows]
        if not parts:
            return [], [], hit.page
        first, last = parts[0], parts[-1]
        shown = {r.id for r in parts}
        before = [r for r in index.passages_between(first.doc_id, first.ordinal - 1, first.ordinal - 1)
                  if r.id not in shown]
        after = [r for r in index.passages_between(last.doc_id, last.ordinal + 1, last.ordinal + 1)
                 if r.id not in shown]
        page = hit.page
        if hit.highlights:
            start, offset = min(a for a, _ in hit.highlights), 0
            for r in parts:  # the parts are joined by one space
                if start < offset + len(r.text):
                    page = r.page
                    break
                offset += len(r.text) + 1
        return before, after, page
    except Exception:  # context is a nicety; never lose the answer for it
        return [], [], hit.page


def render_hit(assistant: "Assistant | None", hit: "Hit", lang: str, media_types: dict[str, str]) -> str:
    L = LABELS.get(lang, LABELS["en"])
    doc = hit.document
    weak = hit.weak
    parts = [f'<li class="pla-hit{" pla-weak" if weak else ""}">']
    if weak:
        parts.append(f'<span class="pla-weak-tag">{esc(L["weak"])}</span>')
    parts.append(f'<blockquote class="pla-quote" lang="nl">{_text_html(hit.text, hit.highlights)}</blockquote>')
    media = media_types.get(doc.id, "")
    before, after, page = _context(assistant, hit) if assistant is not None else ([], [], hit.page)
    link_label = L["open_pdf"].format(page=int(page)) if media.endswith("pdf") else L["open_text"]
    parts.append(
        '<div class="pla-cite"><span class="pla-cite-text">— ' + esc(hit.citation) + "</span> "
        f'<button type="button" class="pla-copy" title="{esc(L["copy"])}">'
        f'{esc(L["copy"])}</button> '
        f'<a class="pla-src" href="{esc(file_link(doc.id, page, media))}" target="_blank" '
        f'rel="noopener noreferrer">{esc(link_label)}</a></div>'
    )
    if hit.footnotes:
        parts.append(f'<div class="pla-notes"><span class="pla-notes-label">{esc(L["notes"])}:</span><ul>')
        parts.extend(f"<li>{esc(n)}</li>" for n in hit.footnotes)
        parts.append("</ul></div>")
    if before or after:
        parts.append(f'<details class="pla-context"><summary>{esc(L["context"])}</summary>')
        for label, rows in ((L["before"], before), (L["after"], after)):
            for r in rows:
                pages = f"p. {r.page}" if r.page == r.page_end else f"pp. {r.page}-{r.page_end}"
                parts.append(f'<div class="pla-ctx"><div class="pla-ctx-label">{esc(label)} ({esc(pages)})'
                             f'</div><div class="pla-ctx-text" lang="nl">{_text_html(r.text)}</div></div>')
        parts.append("</details>")
    parts.append("</li>")
    return "".join(parts)


def render_answer(answer: "Answer", assistant: "Assistant | None" = None) -> str:
    """One chat message of HTML: the numbered quotes, their evidence, citations and links."""
    from .present import NO_ANSWER

    lang = answer.language if answer.language in LABELS else "en"
    L = LABELS[lang]
    media_types: dict[str, str] = {}
    if assistant is not None:
        for h in answer.hits:
            if h.document.id not in media_types:
                try:
                    stored = assistant.index.stored_file(h.document.id)
                except Exception:
                    stored = None
                media_types[h.document.id] = stored[1] if stored else ""
    parts = [f'<div class="pla-answer {"pla-found" if answer.answer_found else "pla-notfound"}">']
    if answer.rewritten_query and answer.rewritten_query != answer.query:
        parts.append(f'<p class="pla-rewritten">{esc(L["searched"])}: {esc(answer.rewritten_query)}</p>')
    if not answer.answer_found:
        parts.append(f'<p class="pla-noanswer">{esc(NO_ANSWER.get(lang, NO_ANSWER["en"]))}</p>')
    if not answer.hits:
        parts.append(f'<p class="pla-none">{esc(L["none"])}</p>')
    else:
        parts.append('<ol class="pla-hits">')
        parts.extend(render_hit(assistant, h, lang, media_types) for h in answer.hits)
        parts.append("</ol>")
    parts.append("</div>")
    return "".join(parts)  # one line: Markdown must see a single HTML block


def render_error(message: str, lang: str = "en") -> str:
    L = LABELS.get(lang, LABELS["en"])
    return f'<div class="pla-answer pla-error"><p><strong>{esc(L["error"])}:</strong> {esc(message)}</p></div>'


def render_user(question: str) -> str:
    return f'<div class="pla-user">{_text_html(question)}</div>'


CSS = """
.pla-answer { line-height: 1.5; }
.pla-answer ol.pla-hits { padding-left: 1.6em; margin: 0.3em 0; }
.pla-hit { margin: 0 0 1em 0; }
.pla-quote { margin: 0.2em 0 0.3em 0; padding: 0.4em 0.8em; border-left: 4px solid #2f6fb5;
  background: rgba(47, 111, 181, 0.06); font-style: normal; white-space: normal; }
.pla-weak .pla-quote { border-left-color: #a0a0a0; background: rgba(128, 128, 128, 0.07); opacity: 0.9; }
mark.pla-ev { background: #ffe58a; color: inherit; padding: 0 1px; border-radius: 2px; }
.dark mark.pla-ev { background: #7a6200; }
.pla-cite { font-size: 0.92em; color: var(--body-text-color-subdued); margin: 0.1em 0 0 0.2em; }
.pla-cite-text { font-style: italic; }
.pla-copy { font-size: 0.85em; padding: 0 0.5em; margin-left: 0.3em; border: 1px solid var(--border-color-primary);
  border-radius: 4px; background: var(--button-secondary-background-fill); cursor: pointer; }
.pla-copy:hover { background: var(--button-secondary-background-fill-hover); }
a.pla-src { margin-left: 0.4em; color: var(--link-text-color); text-decoration: underline; }
.message-content .pla-answer blockquote.pla-quote { margin: 0.2em 0 0.25em 0 !important; }
.pla-notes { font-size: 0.85em; margin: 0.2em 0 0 0.2em; color: var(--body-text-color-subdued); }
.pla-notes ul { margin: 0 0 0 1.2em; padding: 0; list-style: none; }
.pla-notes li { margin: 0; padding: 0; }
#documents td, #documents td * { font-family: var(--font) !important; }
.pla-context { font-size: 0.9em; margin-top: 0.2em; }
.pla-context summary { cursor: pointer; color: var(--link-text-color); }
.pla-ctx-label { font-weight: 700; margin-top: 0.3em; }
.pla-weak-tag { display: inline-block; font-size: 0.8em; padding: 0 0.4em; border-radius: 3px;
  background: #eee; color: #555; margin-bottom: 0.1em; }
.pla-noanswer { font-weight: 700; }
.pla-rewritten { font-size: 0.85em; color: var(--body-text-color-subdued); }
"""

# one delegated listener: the chat's HTML sanitiser removes inline handlers
HEAD = r"""
<script>
(function () {
  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
    document.body.appendChild(ta); ta.select();
    try { document.execCommand('copy'); } catch (e) {}
    document.body.removeChild(ta);
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest('.pla-copy') : null;
    if (!b) return;
    ev.preventDefault();
    var holder = b.closest('.pla-cite');
    var span = holder ? holder.querySelector('.pla-cite-text') : null;
    var text = (span ? span.textContent : '').replace(/^\s*\u2014\s*/, '').trim();
    var label = b.textContent;
    var done = function () { b.textContent = '\u2713'; setTimeout(function () { b.textContent = label; }, 1200); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  });
})();
</script>
"""


# ---------------------------------------------------------------------------------------------
# the app


def create_app(assistant: "Assistant", auth: tuple[str, str] | str | None = None,
               allowed_hosts: tuple[str, ...] | None = None) -> "fastapi.FastAPI":
    """The FastAPI app: JSON API, stored files, health check, and the Gradio chat at /.

    Every request first passes assistant.security.SecurityMiddleware (host, origin, login,
    body size, Gradio's file route, framing headers); CORS answers only the origins of the
    `cors_origins` setting. `allowed_hosts`: the Host names served (None: any).
    """
    offline_environment(Path(assistant.settings.index_dir) / ".gradio-tmp")
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.middleware.cors import CORSMiddleware

    from .security import BodyTooLarge, LoginThrottle, SecurityMiddleware, UploadLedger, cors_origins

    auth = parse_auth(auth)
    settings = assistant.settings
    max_file = int(settings.max_file_mb * 1024 * 1024)
    max_request = max_file * REQUEST_FILE_FACTOR + 1024 * 1024
    origins = cors_origins(settings.cors_origins)
    ledger = UploadLedger()

    app = FastAPI(title="policy-letter assistant", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.assistant = assistant
    app.state.upload_ledger = ledger
    app.state.login_throttle = LoginThrottle()

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(AssistantError)
    async def _assistant_error(request: Request, exc: AssistantError):
        return JSONResponse({"error": str(exc)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(x) for x in first.get("loc", []) if x not in ("body", "path", "query")]
        field = ".".join(loc) or None
        return JSONResponse({"error": f"{field or 'request'}: {first.get('msg', 'invalid')}", "field": field},
                            status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # still JSON; the traceback goes to the log
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the server's log has the details"},
                            status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and request.url.path.startswith(("/api/", "/files/")) and msg == "Not Found":
            msg = f"no such route: {request.method} {request.url.path}"
        if exc.status_code == 405:
            msg = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse({"error": msg}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    def _known_ids() -> set[str]:
        return {d.id for d in assistant.documents()}

    # -- JSON API --------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz():
        try:
            docs = assistant.documents() if assistant.index_exists else []
            return {"status": "ok", "documents": len(docs), "passages": sum(d.passages for d in docs)}
        except Exception as exc:  # still alive, but say what is wrong
            return JSONResponse({"status": "degraded", "error": str(exc)}, status_code=503)

    @app.post("/api/ask")
    async def api_ask(request: Request):
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"the request body is not valid JSON ({exc})") from None
        except RecursionError:
            raise ApiError(400, "the request body nests JSON arrays or objects too deeply; a question is one "
                                "object with strings, numbers and lists of strings") from None
        kwargs = await run_in_threadpool(validate_ask, body, _known_ids)
        answer = await run_in_threadpool(lambda: assistant.ask(**kwargs))
        out = answer.to_json()
        out["language"] = answer.language
        if not answer.answer_found:
            from .present import NO_ANSWER

            out["message"] = NO_ANSWER.get(answer.language, NO_ANSWER["en"])
        return out

    @app.get("/api/documents")
    def api_documents():
        return [d.to_json() for d in assistant.documents()]

    @app.post("/api/documents")
    async def api_upload(request: Request):
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
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
            items = [Upload(p.filename or "upload", _keep_open(p.file), p.size) for p in parts]
            results = await run_in_threadpool(ingest_uploads, assistant, items, None,
                                              replace.strip().lower() in ("true", "1", "yes"))
        finally:
            await form.close()
        return [r.to_json() for r in results]

    @app.delete("/api/documents/{doc_id}")
    async def api_remove(doc_id: str):
        removed = await run_in_threadpool(assistant.remove, doc_id)
        if not removed:
            raise ApiError(404, f"no document with id {doc_id!r} (see GET /api/documents)", "id")
        return {"id": doc_id, "status": "removed"}

    @app.get("/api/passages/{passage_id}")
    def api_passage(passage_id: str):
        if not re.fullmatch(r"\d{1,18}", passage_id):
            raise ApiError(422, f"passage_id must be a whole number, got {passage_id[:40]!r}", "passage_id")
        return passage_json(assistant, int(passage_id))

    @app.get("/files/{doc_id}")
    def files(doc_id: str):
        index = assistant.index
        doc = index.document(doc_id)
        stored = index.stored_file(doc_id) if doc else None
        if doc is None:
            raise ApiError(404, f"no document with id {doc_id!r}", "doc_id")
        if stored is None:
            raise ApiError(404, f"the stored file of {doc_id!r} is missing; ingest it again", "doc_id")
        path, media = stored
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        if media.endswith("pdf"):
            media_type = "application/pdf"
        else:  # text is shown as text, never as HTML
            media_type = "text/plain; charset=utf-8"
            headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return FileResponse(path, media_type=media_type, headers=headers, filename=doc.source,
                            content_disposition_type="inline")

    from .official.web import add_routes  # POST /api/documents/fetch, POST /api/dossiers/{nr}/follow (issue 15)

    add_routes(app, assistant)

    api_routes = [r for r in app.routes if getattr(r, "path", "").startswith(("/api/", "/files/"))]

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @app.api_route("/files/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def no_route(request: Request, rest: str = ""):
        path = request.url.path
        allowed = sorted({m for r in api_routes if r.path_regex.match(path) for m in r.methods} - {"HEAD"})
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path}; use {' or '.join(allowed)}")
        raise ApiError(404, f"no such route: {request.method} {path}")

    # -- the chat --------------------------------------------------------------------------
    import gradio as gr

    blocks = build_blocks(assistant, ledger)
    theme = gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"])
    gr.mount_gradio_app(
        app, blocks, path="/", auth=auth, theme=theme, css=CSS, head=HEAD, footer_links=[],
        max_file_size=int(max_file),
        ssr_mode=False, run_history=False, mcp_server=False,
        auth_message="The policy-letter assistant: log in with the user and password the server was started with.",
    )
    # launch() marks a Blocks as launched; mount_gradio_app does not, and until then Gradio skips
    # its check that a function's input files were uploaded (processing_utils._check_allowed):
    # any path on the server named in a request was copied into its cache and handed over
    blocks.has_launched = True
    gradio_app = next((r.app for r in app.routes if getattr(r, "path", None) in ("", "/")
                       and hasattr(getattr(r, "app", None), "tokens")), None)

    def session_ok(cookies: dict) -> bool:
        if gradio_app is None:
            return False
        for key in (f"access-token-{gradio_app.cookie_id}", f"access-token-unsecure-{gradio_app.cookie_id}"):
            if cookies.get(key) and cookies[key] in gradio_app.tokens:
                return True
        return False

    # starlette's own CORSMiddleware: Gradio then adds no CORS headers of its own (it would echo
    # any localhost origin, with credentials); the allow-list is ASSISTANT_CORS_ORIGINS
    app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_credentials=True,
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"])
    app.add_middleware(SecurityMiddleware, auth=auth, upload_bytes=max_request, trusted_origins=origins,
                       allowed_hosts=allowed_hosts, session_ok=session_ok, ledger=ledger,
                       throttle=app.state.login_throttle)
    return app


def _keep_open(fh):
    """An opener for an already open upload stream: rewinds it, and leaves it open on exit."""
    import contextlib

    @contextlib.contextmanager
    def opener():
        fh.seek(0)
        yield fh

    return opener


def passage_json(assistant: "Assistant", passage_id: int) -> dict:
    index = assistant.index
    row = index.passages([passage_id]).get(passage_id)
    if row is None:
        raise ApiError(404, f"no passage with id {passage_id}", "passage_id")
    doc = index.document(row.doc_id)
    stored = index.stored_file(row.doc_id)
    media = stored[1] if stored else ""

    def brief(r) -> dict:
        return {"id": r.id, "ordinal": r.ordinal, "text": r.text, "page": r.page, "page_end": r.page_end,
                "section": r.section, "footnotes": list(r.footnotes)}

    out = brief(row)
    out["document"] = doc.to_json() if doc else {"id": row.doc_id}
    out["char_start"], out["char_end"] = row.char_start, row.char_end
    out["neighbours"] = [brief(r) for r in index.neighbours(row.doc_id, row.ordinal) if r.id != row.id]
    out["file_url"] = file_link(row.doc_id, row.page, media) if stored else None
    out["media_type"] = media or None
    if not media.endswith("pdf"):
        pages = []
        for n in range(row.page, row.page_end + 1):
            got = index.page_text(row.doc_id, n)
            if got:
                pages.append({"page": n, "text": got[0], "footnotes": got[1]})
        out["page_text"] = pages
    return out


# ---------------------------------------------------------------------------------------------
# the Gradio Blocks


def _doc_choices(docs) -> list[tuple[str, str]]:
    out = []
    for d in docs:
        label = d.title or d.source
        if d.date:
            label += f" ({d.date})"
        out.append((label[:140], d.id))
    return out


def _doc_rows(docs) -> list[list]:
    return [[d.title or d.source, d.date or "", d.kamerstuk or (f"kenmerk {d.kenmerk}" if d.kenmerk else ""),
             d.pages, d.passages, d.id] for d in docs]


TABLE_HEADERS = ["Title", "Date", "Kamerstuk / kenmerk", "Pages", "Passages", "Id"]


def _displayable(text: str) -> str:
    """Text as it can be shown and sent as JSON: a lone surrogate becomes its escape (\\ud800)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def build_blocks(assistant: "Assistant", ledger=None):
    """The chat and corpus tabs. Handlers are plain functions of their inputs.

    `ledger` (security.UploadLedger): the chat's upload takes only files that the same browser
    session uploaded through Gradio; None checks only that they lie in Gradio's upload folder.
    The document lists start empty and are filled on page load, so a page served before login
    holds no document ids.
    """
    import gradio as gr

    from .security import foreign_uploads

    def docs_now():
        try:
            return assistant.documents()
        except AssistantError:
            return []

    def respond(question, chat, hist, doc_ids, date_from, date_to, k):
        question = (question or "").strip()
        chat = [{**m, "content": _displayable(m["content"])}
                if isinstance(m, dict) and isinstance(m.get("content"), str) else m
                for m in list(chat or [])[-(MAX_CHAT_MESSAGES - 2):]]
        hist = list(hist or [])[-MAX_HISTORY_TURNS:]
        if not question:
            return gr.update(), chat, hist
        chat.append({"role": "user", "content": render_user(_displayable(question))})
        try:
            body = {"question": question, "k": int(k) if k else None,
                    "date_from": (date_from or "").strip() or None, "date_to": (date_to or "").strip() or None,
                    "documents": list(doc_ids or []) or None}
            kwargs = validate_ask(body, lambda: {d.id for d in docs_now()})
            answer = assistant.ask(history=hist, **{k_: v for k_, v in kwargs.items() if k_ != "history"})
            content = render_answer(answer, assistant)
        except ApiError as exc:
            content = render_error(exc.message)
        except AssistantError as exc:
            content = render_error(str(exc))
        chat.append({"role": "assistant", "content": content})
        hist.append(question)
        return "", chat, hist

    def refresh(selected=None):
        """The table, both document pickers and the summary, as the index is now."""
        docs = docs_now()
        choices = _doc_choices(docs)
        ids = {d.id for d in docs}
        kept = [v for v in (selected or []) if v in ids]  # a removed document leaves the chat's filter
        return (gr.update(value=_doc_rows(docs)), gr.update(choices=choices, value=kept),
                gr.update(choices=choices, value=[]), _corpus_summary(docs))

    def upload(files, replace=False, request: gr.Request = None, progress=gr.Progress()):
        paths = [f if isinstance(f, str) else getattr(f, "name", None) for f in (files or [])]
        paths = [p for p in paths if p]
        if not paths:
            yield "Choose one or more PDF, .txt or .md files first."
            return
        refused = foreign_uploads(paths, request.headers.get("cookie", "") if request is not None else "", ledger)
        if refused:
            yield "\n".join(f"failed: {safe_filename(Path(p).name)}: was not uploaded in this browser session; "
                            "choose the file again" for p in refused)
            return
        items = [Upload.from_path(Path(p).name, Path(p)) for p in paths]
        temp_copies = [Path(p) for p in paths]
        lines: list[str] = []
        done = threading.Event()
        box: dict = {}
        lock = threading.Lock()

        def on_result(r):
            with lock:
                lines.append(r.line())

        def work():
            try:
                box["results"] = ingest_uploads(assistant, items, on_result=on_result, replace=bool(replace),
                                                 replace_hint=REPLACE_HINT_CHAT)
            except Exception as exc:  # report, never hang the progress loop
                box["error"] = exc
            finally:
                for p in temp_copies:  # Gradio's copy of the upload; the index keeps its own
                    with contextlib.suppress(OSError):
                        p.unlink()
                if ledger is not None:
                    ledger.forget([str(p) for p in temp_copies])
                done.set()

        threading.Thread(target=work, name="ingest-upload", daemon=True).start()
        n = len(items)
        progress(0, desc=f"Adding {n} file{'s' if n != 1 else ''} ...")
        shown = -1
        while not done.wait(0.25):
            with lock:
                count = len(lines)
                text = "\n".join(lines)
            if count != shown:
                shown = count
                progress(count / n, desc=f"{count} of {n} files done")
                yield text + ("\n" if text else "") + f"working: {count} of {n} files done ..."
        if "error" in box:
            yield "\n".join(lines + [f"failed: {box['error']}"])
            return
        yield "\n".join(r.line() for r in box["results"])

    def remove(doc_ids):
        ids = [doc_ids] if isinstance(doc_ids, str) else list(doc_ids or [])
        if not ids:
            return "Choose a document to remove first."
        out = []
        for d in ids:
            out.append(f"removed: {d}" if assistant.remove(d) else f"failed: {d}: no such document")
        return "\n".join(out)

    # files uploaded through the chat are removed after ingest; anything left behind goes after a day
    with gr.Blocks(title="Policy-letter assistant", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        gr.Markdown("## Policy-letter assistant\nAsk in English or Dutch; the answer is the exact Dutch passages, "
                    "each with its citation.")
        hist = gr.State([])
        with gr.Tab("Chat", id="chat-tab"):
            with gr.Row():
                with gr.Column(scale=4):
                    chatbot = gr.Chatbot(
                        elem_id="chatbot", label="Answers", height="72vh", min_height=420, sanitize_html=True,
                        render_markdown=True, latex_delimiters=[], feedback_options=None,
                        allow_file_downloads=False, buttons=[], group_consecutive_messages=False,
                        placeholder="Ask about the indexed letters, e.g. *what did the cabinet say about CSDDD?*",
                    )
                    with gr.Row():
                        question = gr.Textbox(elem_id="question", show_label=False, scale=5, lines=1, max_lines=4,
                                              placeholder="Ask a question (English or Dutch) and press Enter",
                                              autofocus=True, submit_btn=False)
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    with gr.Row():
                        clear_btn = gr.Button("New conversation", size="sm", elem_id="clear")
                    gr.Examples(EXAMPLES, inputs=[question], label="Examples")
                with gr.Column(scale=1, min_width=240):
                    doc_filter = gr.Dropdown(choices=[], multiselect=True, value=[],
                                             label="Only these documents", elem_id="doc-filter")
                    date_from = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD", elem_id="date-from")
                    date_to = gr.Textbox(label="Dated to", placeholder="YYYY-MM-DD", elem_id="date-to")
                    k = gr.Slider(1, 20, value=assistant.settings.k, step=1, label="Passages per answer",
                                  elem_id="k")
        with gr.Tab("Corpus", id="corpus-tab"):
            summary = gr.Markdown("", elem_id="corpus-summary")
            table = gr.Dataframe(value=[], headers=TABLE_HEADERS, interactive=False,
                                 datatype=["str", "str", "str", "number", "number", "str"],
                                 column_widths=["40%", "11%", "15%", "7%", "8%", "19%"],
                                 elem_id="documents", wrap=True, max_height=420)
            with gr.Row():
                with gr.Column():
                    files = gr.File(file_count="multiple", file_types=list(DOC_SUFFIXES) + [".json", ".toml"],
                                    label="Add letters (PDF, .txt, .md; several at once)", elem_id="upload")
                    replace_box = gr.Checkbox(False, label="Replace documents of the same name",
                                              info="Otherwise a file named like an indexed document with other "
                                                   "content is refused, and the document kept", elem_id="replace")
                    add_btn = gr.Button("Add to the index", variant="primary", elem_id="add")
                    results = gr.Textbox(label="Result per file", lines=4, interactive=False, elem_id="upload-results")
                with gr.Column():
                    remove_dd = gr.Dropdown(choices=[], multiselect=True, value=[],
                                            label="Remove documents", elem_id="remove-choice")
                    remove_btn = gr.Button("Remove", variant="stop", elem_id="remove")
                    removed = gr.Textbox(label="Removed", lines=2, interactive=False, elem_id="remove-results")
            from .official.web import corpus_controls  # add by identifier or URL, follow a dossier (issue 15)

            official_events = corpus_controls(assistant)

        ask_inputs = [question, chatbot, hist, doc_filter, date_from, date_to, k]
        # questions from several users run side by side (reads are safe during an ingest)
        question.submit(respond, ask_inputs, [question, chatbot, hist], api_name="ask_chat",
                        concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask")
        ask_btn.click(respond, ask_inputs, [question, chatbot, hist], api_name=False,
                      concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask")
        clear_btn.click(lambda: ([], []), None, [chatbot, hist], api_name=False)
        refresh_out = [table, doc_filter, remove_dd, summary]
        add_btn.click(upload, [files, replace_box], [results], api_name=False, concurrency_limit=1).then(
            refresh, [doc_filter], refresh_out, api_name=False).then(lambda: None, None, [files], api_name=False)
        remove_btn.click(remove, [remove_dd], [removed], api_name=False, concurrency_limit=1).then(
            refresh, [doc_filter], refresh_out, api_name=False)
        for event in official_events:
            event.then(refresh, [doc_filter], refresh_out, api_name=False)
        demo.load(refresh, [doc_filter], refresh_out, api_name=False)
    return demo


def _corpus_summary(docs) -> str:
    n = len(docs)
    p = sum(d.passages for d in docs)
    return f"{n} document{'s' if n != 1 else ''}, {p} passages indexed."


# ---------------------------------------------------------------------------------------------
# serving


def check_port(host: str, port: int) -> None:
    """Raise AssistantError when host:port cannot be listened on."""
    import socket

    if not 0 < int(port) < 65536:
        raise AssistantError(f"port {port} is not a TCP port (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AssistantError(f"cannot listen on {host!r}: {exc.strerror}; use an address of this machine") from exc
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise AssistantError(f"cannot listen on {host}:{port} ({exc.strerror}); is another server running "
                                 f"there? Choose another port with --port") from exc


def serve(settings: "Settings", host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> int:
    """Build the index when it is missing, warm the model, then serve chat and API in one process."""
    from .core import Assistant

    from .security import LOOPBACK_HOSTS, cors_origins, served_hosts

    t0 = time.perf_counter()
    creds = parse_auth(auth if auth else os.environ.get("ASSISTANT_AUTH"))
    origins = cors_origins(settings.cors_origins)  # a malformed setting stops here, not on the first request
    check_port(host, port)  # before minutes of index building, not after
    assistant = Assistant(settings)
    assistant.ensure_index(log=lambda s: print(s, flush=True))
    docs = assistant.documents()
    print(f"Index {settings.index_dir}/: {_corpus_summary(docs)}", flush=True)
    engine = assistant.embedder.prepare_question_engine(log=lambda s: print(s, flush=True))
    print(f"Questions are embedded with {engine}.", flush=True)
    try:
        assistant.ask("warm-up")  # load the model and the vectors before the first user waits for them
    except AssistantError:
        pass
    # on a loopback address only localhost names (and the allowed origins') are answered: a site
    # whose name is made to point at 127.0.0.1 (DNS rebinding) would count as the server's own origin
    loopback = host in LOOPBACK_HOSTS
    app = create_app(assistant, creds, allowed_hosts=served_hosts(host, origins))
    import uvicorn

    shown = "localhost" if host in ("127.0.0.1", "::1", "localhost") else host
    print(f"Ready in {time.perf_counter() - t0:.1f} s: http://{shown}:{port}/  (JSON API under /api/, "
          f"health at /healthz{', login required' if creds else ''})", flush=True)
    if origins:
        print(f"Other sites allowed (CORS and writes): {', '.join(origins)}", flush=True)
    if creds is None and not loopback:
        print(f"warning: listening on {host} without a login; anyone who can reach it can add and remove "
              "documents (use --auth USER:PASSWORD)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit as exc:
        print(f"error: could not serve on {host}:{port} (is the port in use? try --port)", file=sys.stderr)
        return int(exc.code or 1)
    except KeyboardInterrupt:
        pass
    if not server.started:
        print(f"error: could not serve on {host}:{port} (is the port in use? try --port)", file=sys.stderr)
        return 1
    return 0
