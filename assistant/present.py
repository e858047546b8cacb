"""Show answers on the command line: plain text (highlights marked) and JSON lines.

The answer itself (hits, citations, the no-answer message) comes from search; the web's
HTML is rendered in assistant/web/render.py.
"""
from __future__ import annotations

import json

from .types import NO_ANSWER, Answer

__all__ = ["NO_ANSWER", "format_text", "mark_highlights", "to_json_line"]


def mark_highlights(text: str, spans: list[tuple[int, int]], start: str = "[[", end: str = "]]") -> str:
    """Wrap the highlighted spans in markers (plain-text output)."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(text[pos:a])
        out.append(start + text[a:b] + end)
        pos = b
    out.append(text[pos:])
    return "".join(out)


def format_text(answer: Answer, color: bool = False) -> str:
    """Numbered passages, each followed by its citation."""
    lines: list[str] = []
    if answer.rewritten_query and answer.rewritten_query != answer.query:
        lines.append(f"(searched for: {answer.rewritten_query})")
    if answer.message:
        lines.append(answer.message)
    if not answer.hits:
        lines.append("No passages found.")
    hl_start, hl_end = ("\033[1m", "\033[0m") if color else ("[[", "]]")
    for h in answer.hits:
        weak = (" (footnote)" if h.kind == "footnote" else "") + (" (weak match)" if h.weak else "")
        lines.append("")
        lines.append(f"{h.rank}.{weak} {mark_highlights(h.text, h.highlights, hl_start, hl_end)}")
        lines.append(f"   — {h.citation}")
        for note in h.footnotes:
            lines.append(f"   footnote {note}")
    return "\n".join(lines)


def to_json_line(answer: Answer) -> str:
    return json.dumps(answer.to_json(), ensure_ascii=False)
