"""Show answers: citations as a user quotes them, plain text and JSON."""
from __future__ import annotations

import json

from .types import Answer, DocumentInfo, Hit

_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"]


def dutch_date(iso: str | None) -> str | None:
    """'2025-05-12' -> '12 mei 2025' (partial dates are returned as they are)."""
    if not iso:
        return None
    parts = iso.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {int(parts[0])}"
    except (ValueError, IndexError):
        pass
    return iso


def pages_label(page: int, page_end: int) -> str:
    return f"p. {page}" if page_end == page else f"pp. {page}-{page_end}"


def document_reference(doc: DocumentInfo) -> str:
    """Title, then Kamerstuk or kenmerk, then date: what identifies the document."""
    parts = [doc.title or doc.source]
    if doc.kamerstuk and doc.kamerstuk not in parts[0]:
        ks = doc.kamerstuk
        parts.append(ks if ks.lower().startswith(("kamerstuk", "aanhangsel", "ah-", "bijlage")) else f"Kamerstuk {ks}")
    elif doc.kenmerk:
        parts.append(f"kenmerk {doc.kenmerk}")
    d = dutch_date(doc.date)
    if d:
        parts.append(d)
    return ", ".join(parts)


def citation(hit: Hit) -> str:
    """E.g. "Kabinetsreactie op het AIV-advies ..., p. 7, Aanbeveling 8"."""
    parts = [document_reference(hit.document), pages_label(hit.page, hit.page_end)]
    if hit.section:
        parts.append(hit.section)
    return ", ".join(parts)


NO_ANSWER = {
    "en": "No passage in the indexed letters clearly answers this question. The closest passages are shown "
          "below as weak matches.",
    "nl": "Geen passage in de geïndexeerde brieven beantwoordt deze vraag duidelijk. Hieronder staan de "
          "passages die er het dichtst bij komen, als zwakke overeenkomsten.",
}


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
    if not answer.answer_found:
        lines.append(NO_ANSWER.get(answer.language, NO_ANSWER["en"]))
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
