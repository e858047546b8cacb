"""Sidecar files that add or correct what a document says about itself.

A sidecar `NAME.meta.json` or `NAME.meta.toml` beside the document (NAME = the file name with or
without its extension) overrides the fields `assistant.metadata.detect_metadata` found:

    {"title": "...", "date": "2025-06-30", "kind": "kabinetsreactie"}
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import fields, replace
from pathlib import Path

from assistant.types import DocumentMeta, IngestError

_SIDECAR_FIELDS = {f.name for f in fields(DocumentMeta)} - {"official"}  # official: from the repository only
SIDECAR_SUFFIXES = (".meta.json", ".meta.toml")  # NAME.meta.json beside NAME.pdf (or NAME)


def split_sidecar(name: str) -> tuple[str, str] | None:
    """'brief.pdf.meta.json' -> ('brief.pdf', '.meta.json'); None for a name that is no sidecar's."""
    for suffix in SIDECAR_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], suffix
    return None


def sidecar_candidates(document: Path) -> list[Path]:
    """Where a sidecar for `document` may lie: NAME.meta.json/.toml, NAME with or without extension."""
    names = []
    for base in (document.stem, document.name):
        for suffix in SIDECAR_SUFFIXES:
            candidate = document.with_name(base + suffix)
            if candidate not in names:
                names.append(candidate)
    return names


def find_sidecar(document: Path) -> Path | None:
    """The sidecar file beside `document`, if any; two at once is an error."""
    found = [p for p in sidecar_candidates(document) if p.is_file()]
    if len(found) > 1:
        raise IngestError(
            document.name,
            "has more than one metadata sidecar ("
            + ", ".join(p.name for p in found)
            + "); keep one and delete the others",
        )
    return found[0] if found else None


def load_sidecar(path: Path) -> dict:
    """Read and check a sidecar file; return the fields it sets (None clears a field).

    Raises IngestError naming the sidecar file for bad JSON/TOML, an unknown
    field, a wrong type or an invalid date.
    """
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(name, f"cannot read the metadata sidecar ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(name, "metadata sidecar is not UTF-8 text; save it as UTF-8") from exc
    if name.endswith(".toml"):
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise IngestError(name, f"is not valid TOML ({exc})") from exc
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(name, f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise IngestError(name, "must hold one JSON object / TOML table of fields, e.g. {\"title\": \"...\"}")
    allowed = ", ".join(sorted(_SIDECAR_FIELDS))
    out: dict = {}
    for key, value in data.items():
        if key not in _SIDECAR_FIELDS:
            raise IngestError(name, f"unknown field '{key}' (allowed: {allowed})")
        out[key] = _check_field(name, key, value)
    return out


def _check_field(name: str, key: str, value: object) -> object:
    if value is None:
        return [] if key == "signatories" else None
    if key == "signatories":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise IngestError(name, "field 'signatories' must be a list of names")
        return [v.strip() for v in value]
    if key == "date":
        if isinstance(value, _dt.datetime):
            value = value.date()
        if isinstance(value, _dt.date):
            return value.isoformat()
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise IngestError(name, f"field 'date' must be a date written YYYY-MM-DD, not {value!r}")
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError as exc:
            raise IngestError(name, f"field 'date' is not a real date: {value!r}") from exc
    if not isinstance(value, str) or not value.strip():
        raise IngestError(name, f"field '{key}' must be a non-empty string, not {value!r}")
    value = " ".join(value.split())
    return value.lower() if key == "kind" else value


def apply_sidecar(meta: DocumentMeta, overrides: dict) -> DocumentMeta:
    """`meta` with the sidecar's fields put in."""
    return replace(meta, **overrides)
