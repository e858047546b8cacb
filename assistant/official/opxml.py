"""The structure of an official publication's XML (officiele-publicatie, KOOP's OP schema).

    blocks, signatories = read_structure(xml_bytes, identifier)

Each Block is a paragraph in reading order: its text (a footnote's mark glued after the
word that refers to it), its footnotes, and whether it is a heading (with its section
label). What the XML marks is used as it is:
- headings: <kop> (label, nr, titel), <tussenkop>, and the "Vraag 3" / "Antwoord 3" numbers
  of Kamervragen (<vraag>, <antwoord>, <mededeling>), so each question and each answer is
  a passage of its own;
- footnotes: <noot> (noot.nr, noot.al) where its mark stands;
- lists (li.nr + text), tables (row by row: cells separated by " | ");
- signatories: the names under <ondertekening>, the submitters' names that close a motion
  (the last <al-groep> after "en gaat over tot de orde van de dag"), and the answering
  minister named in a Kamervragen reply's heading.
Headers (kamerstukkop, kamervraagkop) and the metadata block are left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .koop import _local, xml_root

__all__ = ["Block", "read_structure"]

_SKIP = {"metadata", "kamerstukkop", "kamervraagkop", "meta", "noot", "inhoudsopgave", "colofon"}
_QA = {"vraag", "antwoord", "mededeling"}
_FUNCTION_WORDS = re.compile(r"\b(?:minister|staatssecretaris|voorzitter|griffier|directeur|namens|de|van|het)\b", re.I)


@dataclass
class Block:
    """A paragraph: text pieces and footnotes ((mark, note text) where the mark stands), in order."""

    segments: list = field(default_factory=list)  # str | tuple[str, str]
    heading: str | None = None  # the section label when the block is a heading

    @property
    def text(self) -> str:
        return " ".join("".join(s if isinstance(s, str) else s[0] for s in self.segments).split())

    @property
    def notes(self) -> list[tuple[str, str]]:
        return [s for s in self.segments if isinstance(s, tuple)]


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.signatories: list[str] = []
        self._motion_closed = False

    # -- inline text -------------------------------------------------------------------------
    def inline(self, el, block: Block) -> None:
        """Text of `el` and its children into block.segments, footnotes where their marks stand."""
        block.segments.append(el.text or "")
        for child in el:
            name = _local(child)
            if name == "noot":
                mark = next((_text(c) for c in child if _local(c) == "noot.nr"), "") or "*"
                note = " ".join(_text(c) for c in child if _local(c) != "noot.nr")
                block.segments.append((mark, note))
            elif name == "br":
                block.segments.append(" ")
            elif name:  # nadruk, extref, naam, datum, ...; a processing instruction has no name
                self.inline(child, block)
            block.segments.append(child.tail or "")

    def paragraph(self, el, prefix: str = "", heading: str | None = None) -> Block | None:
        block = Block([prefix + " "] if prefix else [])
        self.inline(el, block)
        if not block.text:
            return None
        block.heading = " ".join(heading.split()) if heading else None
        self.blocks.append(block)
        return block

    # -- blocks ------------------------------------------------------------------------------
    def walk(self, el) -> None:
        name = _local(el)
        if not name or name in _SKIP:
            return
        handler = getattr(self, "_" + name.replace("-", "_").replace(".", "_"), None)
        if handler is not None:
            handler(el)
        elif any(_local(c) for c in el) and not _has_text(el):
            for child in el:
                self.walk(child)
        elif _text(el):
            self.paragraph(el)

    def _al(self, el) -> None:
        block = self.paragraph(el)
        if block is not None and block.text.lower().startswith("en gaat over tot de orde van de dag"):
            self._motion_closed = True

    def _al_groep(self, el) -> None:
        lines = [c for c in el if _local(c) == "al"]
        names = [_text(c) for c in lines]
        if self._motion_closed and names and all(_looks_like_name(n) for n in names):
            self.signatories = names
        for child in el:
            self.walk(child)

    def _tussenkop(self, el) -> None:
        self.paragraph(el, heading=_text(el))

    def _kop(self, el) -> None:
        label = " ".join(_text(c) for c in el if _local(c) in ("label", "nr", "titel")) or _text(el)
        self.paragraph(el, heading=label)

    def _titel(self, el) -> None:  # a title outside a kop (the stuk's or the dossier's): plain text
        self.paragraph(el)

    def _nr(self, el) -> None:
        parent = el.getparent()
        self.paragraph(el, heading=_text(el) if parent is not None and _local(parent) in _QA else None)

    def _dossier(self, el) -> None:
        number = " ".join(_text(c) for c in el.iter() if _local(c) == "dossiernr")
        title = next((_text(c) for c in el if _local(c) == "titel"), "")
        if number or title:
            self.blocks.append(Block([f"{number} {title}"]))

    def _li(self, el) -> None:
        mark = next((_text(c) for c in el if _local(c) == "li.nr"), "")
        first = True
        for child in el:
            name = _local(child)
            if name == "al" and first:
                self.paragraph(child, prefix=mark)
                first = False
            elif name and name != "li.nr":
                self.walk(child)

    def _row(self, el) -> None:
        cells = [_text(c) for c in el if _local(c) == "entry"]
        text = " | ".join(c for c in cells if c)
        if text:
            self.blocks.append(Block([text]))

    def _ondertekening(self, el) -> None:
        for child in el:
            self.walk(child)
        names = [_text(c) for c in el.iter() if _local(c) == "naam"]
        if not names:
            names = [_text(c) for c in el.iter() if _local(c) == "al" and _looks_like_name(_text(c))]
        self.signatories.extend(n for n in names if n and n not in self.signatories)

    def _kamervraagomschrijving(self, el) -> None:
        self.paragraph(el)
        if el.get("type") == "antwoord":
            names = [" ".join(_text(c) for c in n if _local(c) in ("voornaam", "achternaam")) or _text(n)
                     for n in el.iter() if _local(n) == "naam"]
            self.signatories.extend(n for n in names if n and n not in self.signatories)

    def _kamervraagnummer(self, el) -> None:
        return  # the Aanhangsel number is in the citation, not the text


def _text(el) -> str:
    return " ".join("".join(t for t in _texts(el)).split())


def _texts(el):
    """Text of an element without its footnotes."""
    yield el.text or ""
    for child in el:
        if _local(child) != "noot" and _local(child):
            yield from _texts(child)
        yield child.tail or ""


def _has_text(el) -> bool:
    return bool((el.text or "").strip()) or any((c.tail or "").strip() for c in el)


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 5 and not re.search(r"[.;:,]$", text) and text[:1].isupper() \
        and not all(_FUNCTION_WORDS.fullmatch(w) for w in words)


def read_structure(data: bytes, identifier: str) -> tuple[list[Block], list[str]]:
    """The blocks and signatories of an official publication's XML."""
    root = xml_root(data, f"the XML of {identifier}")
    reader = _Reader()
    for child in root:
        reader.walk(child)
    return reader.blocks, reader.signatories
