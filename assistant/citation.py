"""How a passage is cited, as a user quotes it: "Title, Kamerstuk 36 450, nr. 3, 12 mei 2025, p. 7, Aanbeveling 8".

Part of the answer (every Hit carries its citation), so search fills it; the plain text,
JSON and HTML renderings only show it.
"""
from __future__ import annotations

from .types import DocumentInfo, Hit

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
    date = dutch_date(doc.date)
    if date:
        parts.append(date)
    return ", ".join(parts)


def citation(hit: Hit) -> str:
    """E.g. "Kabinetsreactie op het AIV-advies ..., p. 7, Aanbeveling 8"."""
    parts = [document_reference(hit.document), pages_label(hit.page, hit.page_end)]
    if hit.section:
        parts.append(hit.section)
    return ", ".join(parts)
