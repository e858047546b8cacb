"""What a user gives `assistant add`: an official identifier, a citation, or a URL.

    parse_reference("kst-36450-3")                               -> Ref("koop", "kst-36450-3")
    parse_reference("Kamerstuk 36 450, nr. 3")                   -> Ref("koop", "kst-36450-3")
    parse_reference("https://zoek.officielebekendmakingen.nl/ah-tk-20202021-3235.html")
    parse_reference("https://repository.overheid.nl/frbr/officielepublicaties/kst/32545/kst-32545-143/1/pdf/...")
    parse_reference("https://www.tweedekamer.nl/kamerstukken/moties/detail?id=2021Z12345&did=2021D28716")
                                                                 -> Ref("tk-number", "2021D28716")
    parse_dossier("36 450") -> "36450";  parse_dossier("35300-x") -> "35300-X"

Anything else raises AssistantError naming what was given and what would work: a
malformed identifier ("kst-36450" lacks the document number), a URL of another site.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from ..types import AssistantError

__all__ = ["Ref", "parse_dossier", "parse_reference", "ReferenceError"]

# the publication series of the official repository (officielepublicaties)
_SERIES = ("kst", "ah-tk", "ah-ek", "blg", "h-tk", "h-ek", "kv-tk", "kv-ek", "stb", "stcrt", "trb", "gmb", "prb",
           "wsb", "bgr", "ag-tk", "ag-ek", "ag-vv", "nds", "sc")
_IDENT = re.compile(
    r"^(?:kst-\d{1,6}(?:-[A-Z0-9]{1,8})*-\d{1,5}"  # kst-36450-3, kst-35300-X-63
    r"|ah-(?:tk|ek)-\d{8}-\d{1,5}"  # ah-tk-20202021-3235
    r"|blg-\d{3,8}"  # blg-1007826
    r"|h-(?:tk|ek)-\d{8}-\d{1,4}(?:-\d{1,4}){0,3}(?:-n\d)?"  # h-tk-20202021-12-3
    r"|kv-(?:tk|ek)-(?:\d{4}Z\d{5}|\d{8}-\d{1,5})"  # kv-tk-2021Z09739
    r"|(?:stb|stcrt|trb|gmb|prb|wsb|bgr)-\d{4}-\d{1,7}"  # stb-2020-118
    r"|(?:ag-(?:tk|ek|vv)|nds(?:-[a-z]{2,6})?|sc)-\d{4}-\d{1,7})$"
)
_LOOSE = re.compile(r"^(?P<series>[a-z]{1,5}(?:-[a-z]{2})?)-(?P<rest>[\w-]+)$", re.I)
_CITATION = re.compile(
    r"^(?:kamerstuk(?:ken)?\s*(?:i{1,2}\s*)?(?:\d{4}/\d{2,4},?\s*)?)?"
    r"(?P<dossier>\d{1,3}\s?\d{3})(?:[\s-]+(?P<suffix>[A-Z]{1,6}|[IVXL]{1,6}))?\s*,?\s*nr\.?\s*(?P<nr>\d{1,5})$",
    re.I,
)
_AH_CITATION = re.compile(
    r"^aanhangsel\s+(?:van\s+de\s+)?handelingen\s+(?P<kamer>I{1,2})\s+(?P<y1>\d{4})\s*[/-]\s*(?P<y2>\d{2,4})\s*,?\s*"
    r"nr\.?\s*(?P<nr>\d{1,5})$", re.I)
_DOSSIER = re.compile(r"^(?P<nr>\d{1,3}\s?\d{3})(?:[\s-]+(?P<suffix>[A-Za-z]{1,6}|[IVXLivxl]{1,6}))?$")
_TK_NUMBER = re.compile(r"^\d{4}D\d{4,6}$", re.I)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
KOOP_HOSTS = ("zoek.officielebekendmakingen.nl", "officielebekendmakingen.nl", "www.officielebekendmakingen.nl",
              "repository.overheid.nl", "repository.officiele-overheidspublicaties.nl")
TK_HOSTS = ("www.tweedekamer.nl", "tweedekamer.nl", "gegevensmagazijn.tweedekamer.nl")
WHAT_WORKS = ("give an identifier such as kst-36450-3, ah-tk-20202021-3235 or blg-1007826, a citation such as "
              "'Kamerstuk 36 450, nr. 3', or a URL of zoek.officielebekendmakingen.nl, repository.overheid.nl "
              "or tweedekamer.nl")


class ReferenceError(AssistantError):  # noqa: A001 - a domain name, not the builtin
    """Something given to `add` that names no official document."""

    def __init__(self, given: str, problem: str):
        self.given = given
        super().__init__(f"{given!r} {problem}")


@dataclass(frozen=True)
class Ref:
    """A document to fetch: `koop` (an identifier of the official repository), `tk-number`
    (a Tweede Kamer document number, 2021D28716) or `tk-id` (a Tweede Kamer document id)."""

    kind: str
    value: str

    def __str__(self) -> str:
        return self.value


def normalise_identifier(text: str) -> str:
    """kst-36450-3 stays; KST-35300-x-63 -> kst-35300-X-63 (series lower case, dossier suffix upper)."""
    text = text.strip()
    m = _LOOSE.match(text)
    if not m:
        return text
    series, rest = m.group("series").lower(), m.group("rest")
    if series == "kst":
        return f"kst-{rest.upper()}"
    if series in ("kv-tk", "kv-ek"):
        return f"{series}-{rest.upper()}"
    return f"{series}-{rest.lower()}"


def parse_reference(given: str) -> Ref:
    """The document that `given` names; ReferenceError says what is wrong with it."""
    text = " ".join(str(given).split())
    if not text:
        raise ReferenceError(given, f"is empty; {WHAT_WORKS}")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I) or text.lower().startswith(("www.", "zoek.", "repository.")):
        return _from_url(text if "://" in text else "https://" + text)
    ident = normalise_identifier(text)
    if _IDENT.match(ident):
        return Ref("koop", ident)
    for pattern, build in ((_CITATION, _from_citation), (_AH_CITATION, _from_ah_citation)):
        m = pattern.match(text)
        if m:
            return Ref("koop", build(m))
    if _TK_NUMBER.match(text):
        return Ref("tk-number", text.upper())
    raise ReferenceError(given, _malformed(ident))


def _malformed(ident: str) -> str:
    m = _LOOSE.match(ident)
    if m and m.group("series").lower() in _SERIES:
        series = m.group("series").lower()
        shapes = {"kst": "kst-DOSSIER-NUMBER (kst-36450-3)", "blg": "blg-NUMBER (blg-1007826)",
                  "ah-tk": "ah-tk-YYYYYYYY-NUMBER with the meeting year (ah-tk-20202021-3235)"}
        shape = shapes.get(series, f"{series}-... as on zoek.officielebekendmakingen.nl")
        return f"is not a well-formed identifier of the series '{series}': expected {shape}"
    return f"is not an official identifier, citation or URL; {WHAT_WORKS}"


def _from_citation(m: re.Match) -> str:
    suffix = f"-{m.group('suffix').upper()}" if m.group("suffix") else ""
    return f"kst-{m.group('dossier').replace(' ', '')}{suffix}-{int(m.group('nr'))}"


def _from_ah_citation(m: re.Match) -> str:
    y1 = int(m.group("y1"))
    house = "tk" if m.group("kamer").upper() == "II" else "ek"
    return f"ah-{house}-{y1}{y1 + 1}-{int(m.group('nr'))}"


def _from_url(url: str) -> Ref:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise ReferenceError(url, f"is not a valid URL ({exc}); {WHAT_WORKS}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise ReferenceError(url, f"is not an http(s) URL; {WHAT_WORKS}")
    path = unquote(parts.path)
    if host in KOOP_HOSTS:
        for piece in reversed([p for p in re.split(r"[/?#&=]", path) if p]):
            stem = re.sub(r"\.(?:html?|pdf|xml|odt)$", "", piece, flags=re.I)
            ident = normalise_identifier(stem)
            if _IDENT.match(ident):
                return Ref("koop", ident)
        raise ReferenceError(url, "is a page of the official publications site that names no document "
                                  "(a search or an overview page?); open the document and copy its address, "
                                  "or give its identifier (e.g. kst-36450-3)")
    if host in TK_HOSTS or host.endswith(".tweedekamer.nl"):
        query = {k.lower(): v[0] for k, v in parse_qs(parts.query).items() if v}
        did = query.get("did") or query.get("documentnummer")
        if did and _TK_NUMBER.match(did):
            return Ref("tk-number", did.upper())
        m = re.search(r"(?:document\(|/document/|[?&]id=)([0-9a-f-]{36})", url, re.I)
        if m and _GUID.match(m.group(1)):
            return Ref("tk-id", m.group(1).lower())
        raise ReferenceError(url, "is a tweedekamer.nl page without a document number (did=...); open the "
                                  "document itself (its address has &did=2021D12345) or give its identifier")
    raise ReferenceError(url, f"is a URL of {host or 'an unknown site'}, not of the official publications; "
                              f"{WHAT_WORKS}")


def parse_dossier(given: str) -> str:
    """A dossier number as the repository writes it: '36 450' -> '36450', '35300 x' -> '35300-X'."""
    text = " ".join(str(given).split())
    m = _DOSSIER.match(text)
    if not m:
        raise ReferenceError(given, "is not a dossier number; give the number of a Kamerstuk dossier, e.g. 36450 "
                                    "or '36 450' (with a suffix: 35300-X)")
    nr = m.group("nr").replace(" ", "")
    return nr + (f"-{m.group('suffix').upper()}" if m.group("suffix") else "")
