"""The request bodies of the JSON API: parsing and checking, with refusals that name the field.

    parse_json(raw)         bytes -> Python value; 400 for invalid or too deeply nested JSON
    AskRequest.parse(body)  the body of POST /api/ask as a pydantic model; 422 naming the field
                            (400 for text that is no text: a lone UTF-16 surrogate such as \\ud800)
    ApiError                a refusal: HTTP status, message, field

The same checks serve the chat (assistant.web.chat), so a question there is refused with the
same words.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

MAX_K = 50
MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 50  # earlier turns /api/ask accepts; only the last few are read (query.FOLLOWUP_LOOKBACK)
MAX_ANSWER_CHARS = 20_000  # an answer in the history (never read, but sent back by chat clients)
MAX_DOCUMENT_IDS = 1000
MAX_ID_CHARS = 200
HISTORY_FORMS = ("history must be a list of earlier turns: strings (questions), {\"role\": \"user\"|\"assistant\", "
                 "\"content\": str} objects or [question, answer] pairs")


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


def parse_json(raw: bytes) -> Any:
    """A request body as JSON (empty: null)."""
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"the request body is not valid JSON ({exc})") from None
    except RecursionError:
        raise ApiError(400, "the request body nests JSON arrays or objects too deeply; a question is one "
                            "object with strings, numbers and lists of strings") from None


def show(value: Any) -> str:
    """A short, safe rendering of a value for an error message (never recurses)."""
    if isinstance(value, str):
        return repr(value[:40]).encode("ascii", "backslashreplace").decode("ascii") + ("..." if len(value) > 40 else "")
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)[:40]
    kind = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else type(value).__name__
    return f"a JSON {kind}"


def _refusal(message: str, status: int = 422, field: str | None = None) -> PydanticCustomError:
    """A refusal in our words; `field` names it when pydantic cannot (a check of several fields)."""
    return PydanticCustomError("refused", "{message}", {"message": message, "status": status, "field": field})


def _text(value: str, limit: int | None, what: str) -> str:
    """`value` checked: real characters only (no lone surrogates), at most `limit` of them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start].encode("unicode_escape").decode("ascii")
        raise _refusal(f"{what} holds {bad} at character {exc.start}, half of a UTF-16 surrogate pair and no "
                       "character; send the text as UTF-8", 400) from None
    if limit is not None and len(value) > limit:
        raise _refusal(f"{what} is {len(value)} characters long; the limit is {limit}")
    return value


def _turn(turn: Any, i: int) -> None:
    """One earlier turn of a history: a question, a {"role", "content"} object or a pair."""
    where = f"history turn {i}"
    if isinstance(turn, str):
        _text(turn, MAX_QUESTION_CHARS, where)
    elif isinstance(turn, dict):
        extra = sorted(set(turn) - {"role", "content"})
        role, content = turn.get("role", "user"), turn.get("content")
        if extra or role not in ("user", "assistant") or not isinstance(content, str):
            raise _refusal(f"{where} is not {{\"role\": \"user\"|\"assistant\", \"content\": str}}"
                           + (f" (unknown key {show(extra[0])})" if extra else ""))
        _text(content, MAX_QUESTION_CHARS if role == "user" else MAX_ANSWER_CHARS, where)
    elif isinstance(turn, list):
        if not 1 <= len(turn) <= 2 or not isinstance(turn[0], str) or not all(
                x is None or isinstance(x, str) for x in turn):
            raise _refusal(f"{where} is not a [question, answer] pair of strings")
        _text(turn[0], MAX_QUESTION_CHARS, where)
        if len(turn) == 2 and turn[1] is not None:
            _text(turn[1], MAX_ANSWER_CHARS, where + " (answer)")
    else:
        raise _refusal(f"{where} is a {type(turn).__name__} ({show(turn)}); each turn must be a string, "
                       "an object or a pair")


class AskRequest(BaseModel):
    """POST /api/ask: {"question", "k", "history", "documents", "date_from", "date_to"}."""

    model_config = ConfigDict(extra="forbid")

    question: str
    k: int | None = None
    history: list | None = None
    documents: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, v: Any) -> str:
        if not isinstance(v, str):
            raise _refusal(f"question must be a string, got {type(v).__name__}")
        _text(v, None, "question")
        if not v.strip():
            raise _refusal("question must not be empty")
        if len(v) > MAX_QUESTION_CHARS:
            raise _refusal(f"question is {len(v)} characters long; the limit is {MAX_QUESTION_CHARS}")
        return v.strip()

    @field_validator("k", mode="before")
    @classmethod
    def _k(cls, v: Any) -> int | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise _refusal(f"k must be a whole number from 1 to {MAX_K}, got {show(v)}")
        if not 1 <= v <= MAX_K:
            raise _refusal(f"k must be from 1 to {MAX_K}, got {v}")
        return v

    @field_validator("history", mode="before")
    @classmethod
    def _history(cls, v: Any) -> list | None:
        """At most MAX_HISTORY_TURNS turns, each of a known form and bounded length; nothing
        nested deeper than a pair."""
        if v is None:
            return None
        if not isinstance(v, list):
            raise _refusal(HISTORY_FORMS)
        if len(v) > MAX_HISTORY_TURNS:
            raise _refusal(f"history has {len(v)} turns; the limit is {MAX_HISTORY_TURNS} (only the last few are "
                           "used: send the latest turns)")
        for i, turn in enumerate(v):
            _turn(turn, i)
        return v

    @field_validator("documents", mode="before")
    @classmethod
    def _documents(cls, v: Any) -> list[str] | None:
        if v is None:
            return None
        if not isinstance(v, list) or not all(isinstance(d, str) for d in v):
            raise _refusal("documents must be a list of document ids (see GET /api/documents)")
        if len(v) > MAX_DOCUMENT_IDS:
            raise _refusal(f"documents lists {len(v)} ids; the limit is {MAX_DOCUMENT_IDS}")
        for doc_id in v:
            _text(doc_id, MAX_ID_CHARS, "a document id")
        return v or None

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _date(cls, v: Any, info) -> str | None:
        if v is None or v == "":
            return None
        name = info.field_name
        if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
            raise _refusal(f"{name} must be a date written YYYY-MM-DD, got {show(v)}")
        try:
            date.fromisoformat(v.strip())
        except ValueError:
            raise _refusal(f"{name} is not a real date: {show(v)}") from None
        return v.strip()

    @model_validator(mode="after")
    def _date_order(self) -> "AskRequest":
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise _refusal(f"date_from ({self.date_from}) is after date_to ({self.date_to})", field="date_from")
        return self

    @classmethod
    def parse(cls, body: Any) -> "AskRequest":
        """`body` (parsed JSON) checked; raises ApiError naming the first field at fault."""
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object such as {\"question\": \"...\"}")
        unknown = sorted(set(body) - set(cls.model_fields))  # before pydantic, which reads names as UTF-8
        if unknown:
            field = unknown[0][:100].encode("utf-8", "backslashreplace").decode("utf-8")
            raise ApiError(422, f"unknown field {show(unknown[0])}; the fields are {', '.join(cls.model_fields)}",
                           field)
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            raise _api_error(exc) from None

    def ask_kwargs(self) -> dict:
        """The keyword arguments of Assistant.ask."""
        return self.model_dump()


def _api_error(exc: ValidationError) -> ApiError:
    """The first refusal of a validation, in field order (the dates' order comes last)."""
    fields = list(AskRequest.model_fields)

    def order(err: dict) -> int:
        loc = err.get("loc") or ()
        return fields.index(loc[0]) if loc and loc[0] in fields else len(fields)

    err = min(exc.errors(include_url=False), key=order)
    loc = err.get("loc") or ()
    name = str(loc[0]) if loc else None
    if err["type"] == "missing":
        return ApiError(422, f"{name} is required: a non-empty string", name)
    ctx = err.get("ctx") or {}
    if err["type"] == "refused":
        return ApiError(int(ctx["status"]), ctx["message"], ctx.get("field") or name)
    return ApiError(422, f"{name or 'request'}: {err.get('msg', 'invalid')}", name)
