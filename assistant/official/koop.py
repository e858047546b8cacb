"""The official repository of KOOP (repository.overheid.nl): SRU search, metadata.xml and files.

    koop = Koop(base_url, client)
    record = koop.lookup("kst-32545-143")            # SRU: query=dt.identifier==ID, recordSchema gzd
    for record in koop.dossier("32545"): ...         # SRU: w.dossiernummer==..., following the pages
    data = koop.download(record, "pdf")              # checked: is it a PDF, whole, of this document?
    meta = parse_metadata(koop.download(record, "metadata"))

The records are read as they come: namespaces are matched by local name, counts
(numberOfRecords) are not trusted (the next page is wherever nextRecordPosition says,
and a page that repeats itself ends the paging), and item URLs are taken as paths under
/frbr/ of the configured repository (ASSISTANT_KOOP_URL), whatever host the record names;
an item URL that is not http(s), or that belongs to another document, is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlencode, urlsplit

from ..types import AssistantError
from .http import FetchError, HttpClient

__all__ = ["Koop", "OfficialMeta", "Record", "parse_metadata", "parse_sru", "xml_root"]

PAGE_SIZE = 100  # records asked per SRU page (the service gives at most 1000)
MAX_PAGES = 500
# what each manifestation's bytes must look like
_EXPECT = {"pdf": "a PDF", "xml": "an XML document", "metadata": "an XML document", "odt": "an ODT document",
           "html": "a web page"}


class NotFound(AssistantError):
    """The repository has no such document (or not that file of it)."""


@dataclass
class Record:
    """One SRU record: the identifier, the files (manifestation -> URL as the record gives it)
    and the metadata fields of the record itself (tpmeta, owmskern, owmsmantel)."""

    identifier: str
    items: dict[str, str] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


@dataclass
class SruPage:
    records: list[Record]
    total: int | None
    next_position: int | None


def xml_root(data: bytes, what: str):
    """Parse XML without entities or network access; AssistantError when it is not XML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise AssistantError(f"{what} is not well-formed XML ({exc}); the file is damaged or cut off") from exc


def _local(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def parse_sru(data: bytes) -> SruPage:
    """Records, the announced total and the next start position of one SRU response."""
    root = xml_root(data, "the SRU response")
    for el in root.iter():
        if _local(el) == "diagnostic":
            message = next((_text(c) for c in el.iter() if _local(c) == "message"), "") or _text(el)
            raise AssistantError(f"the repository refused the search: {message}")
    total = next_position = None
    for el in root:
        name = _local(el)
        if name == "numberOfRecords" and _text(el).isdigit():
            total = int(_text(el))
        elif name == "nextRecordPosition" and _text(el).isdigit():
            next_position = int(_text(el))
    records = [r for r in (_record(el) for el in root.iter() if _local(el) == "record") if r is not None]
    return SruPage(records, total, next_position)


def _record(el) -> Record | None:
    fields: dict[str, list[str]] = {}
    items: dict[str, str] = {}
    for child in el.iter():
        name = _local(child)
        if name == "itemUrl" and child.get("manifestation"):
            items.setdefault(child.get("manifestation"), _text(child))
        elif name and len(child) == 0 and _text(child):
            fields.setdefault(name, []).append(_text(child))
    identifier = (fields.get("identifier") or [None])[0]
    return Record(identifier, items, fields) if identifier else None


@dataclass
class OfficialMeta:
    """The fields of a metadata.xml (or, without one, of the SRU record)."""

    identifier: str
    title: str | None = None  # DC.title (dossier title; kind; document title)
    document_title: str | None = None
    dossier: str | None = None
    dossier_title: str | None = None
    number: str | None = None  # ondernummer
    session: str | None = None  # vergaderjaar, "2020-2021"
    date: str | None = None  # issued (or available)
    submitters: list[str] = field(default_factory=list)  # indiener
    recipients: list[str] = field(default_factory=list)  # ontvanger (Kamervragen)
    doctype: str | None = None  # Motie, Brief, Antwoord, Bijlage ...
    publication: str | None = None  # Kamerstuk, Kamervragen (Aanhangsel), ...
    main_document: str | None = None  # hoofddocument of a bijlage
    aanhangsel_number: str | None = None


def parse_metadata(data: bytes, identifier: str) -> OfficialMeta:
    """metadata.xml: <metadata name=... content=...> pairs; the identifier must match."""
    root = xml_root(data, f"metadata.xml of {identifier}")
    values: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    for el in root.iter():
        name, content = el.get("name"), " ".join((el.get("content") or "").split())
        if _local(el) in ("metadata", "meta") and name and content:
            values.setdefault(name, []).append(content)
            if name == "DC.type" and el.get("scheme"):
                typed[el.get("scheme")] = content
    if not values:
        raise AssistantError(f"metadata.xml of {identifier} holds no metadata fields; the repository sent "
                             "something else")
    found = (values.get("DC.identifier") or [identifier])[0]
    if found.lower() != identifier.lower():
        raise AssistantError(f"the metadata.xml given for {identifier} describes {found}; not indexed")

    def one(name: str) -> str | None:
        return (values.get(name) or [None])[0]

    doctype = next((v for k, v in typed.items() if k.endswith(("KamerstukTypen", "AanhangselTypen"))), None)
    return OfficialMeta(
        identifier=found, title=one("DC.title"), document_title=one("OVERHEIDop.documenttitel"),
        dossier=one("OVERHEIDop.dossiernummer"), dossier_title=one("OVERHEIDop.dossiertitel"),
        number=one("OVERHEIDop.ondernummer"), session=one("OVERHEIDop.vergaderjaar"),
        date=one("DCTERMS.issued") or one("DCTERMS.available"),
        submitters=values.get("OVERHEIDop.indiener", []), recipients=values.get("OVERHEIDop.ontvanger", []),
        doctype=doctype or typed.get("OVERHEIDop.Parlementair"), publication=one("OVERHEIDop.publicationName"),
        main_document=one("OVERHEIDop.hoofddocument"), aanhangsel_number=one("OVERHEIDop.aanhangselNummer"))


def meta_from_record(record: Record) -> OfficialMeta:
    """The same fields from the SRU record, for a document without a metadata.xml."""
    f = record.first
    return OfficialMeta(
        identifier=record.identifier, title=f("title"), document_title=f("documenttitel"), dossier=f("dossiernummer"),
        dossier_title=f("dossiertitel"), number=f("ondernummer"), session=f("vergaderjaar"),
        date=f("issued") or f("date") or f("available"), submitters=record.fields.get("indiener", []),
        recipients=record.fields.get("ontvanger", []), doctype=f("subrubriek") or f("type"),
        publication=f("publicatienaam"), main_document=f("hoofddocument"))


class Koop:
    """SRU look-ups and downloads against the configured repository."""

    def __init__(self, base_url: str, client: HttpClient):
        self.base = base_url.rstrip("/")
        self.client = client

    def _search(self, query: str, start: int = 1, size: int = PAGE_SIZE) -> SruPage:
        params = {"operation": "searchRetrieve", "version": "2.0", "query": query, "recordSchema": "gzd",
                  "startRecord": start, "maximumRecords": size}
        resp = self.client.get(f"{self.base}/sru?{urlencode(params)}", accept="application/xml",
                               what="the repository's search (SRU)")
        return parse_sru(resp.body)

    def lookup(self, identifier: str) -> Record:
        """The record of one identifier (the service may send others: only this one counts)."""
        page = self._search(f"dt.identifier=={identifier}", size=10)
        for record in page.records:
            if record.identifier.lower() == identifier.lower():
                return record
        raise NotFound(f"{identifier}: the official repository does not know this identifier; check it on "
                       "zoek.officielebekendmakingen.nl (a very new document may not be published yet)")

    def dossier(self, number: str, size: int = PAGE_SIZE) -> Iterator[Record]:
        """Every record of a dossier, page after page; each identifier once."""
        query = f'w.dossiernummer=="{number}" and c.product-area=="officielepublicaties"'
        start, seen, pages = 1, set(), 0
        while pages < MAX_PAGES:
            page = self._search(query, start=start, size=size)
            pages += 1
            new = [r for r in page.records if r.identifier not in seen]
            for record in new:
                seen.add(record.identifier)
                yield record
            nxt = page.next_position
            if not new or nxt is None or nxt <= start:
                return
            start = nxt

    def item_url(self, record: Record, manifestation: str) -> str:
        """The URL to fetch a file of the record from: its path under /frbr/ on the configured repository."""
        given = record.items.get(manifestation)
        if not given:
            raise NotFound(f"{record.identifier}: the repository lists no {manifestation} file for it")
        parts = urlsplit(given)
        if parts.scheme.lower() not in ("http", "https"):
            raise AssistantError(f"{record.identifier}: the repository's record gives a broken address for its "
                                 f"{manifestation} file ({given!r}); not indexed, try again later")
        path = parts.path
        if "/frbr/" not in path:
            raise AssistantError(f"{record.identifier}: the {manifestation} file's address {given!r} is not in the "
                                 "repository (no /frbr/ path); not indexed")
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if f"/{record.identifier.lower()}/" not in path.lower() and not name.lower().startswith(
                record.identifier.lower() + "."):
            other = re.search(r"/((?:kst|ah|blg|h|kv|stb|stcrt)-[\w-]+?)/\d+/", path)
            raise AssistantError(f"{record.identifier}: the repository's record lists the {manifestation} file of "
                                 f"another document ({other.group(1) if other else given}); not indexed")
        return self.base + path[path.index("/frbr/"):]

    def download(self, record: Record, manifestation: str) -> bytes:
        """A file of the record, checked to be what its name says and whole."""
        url = self.item_url(record, manifestation)
        resp = self.client.get(url, what=f"the {manifestation} file of {record.identifier}")
        check_body(resp.body, manifestation, record.identifier, url)
        return resp.body


def check_body(body: bytes, manifestation: str, identifier: str, url: str) -> None:
    """Refuse a fout404 page, an empty or cut-off file, and a body that is not what its name says."""
    label = f"the {manifestation} file of {identifier}"
    head = body[:2048].lstrip().lower()
    is_html = head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:300]
    if b"fout404" in body[:65536].lower() or (is_html and manifestation != "html"):
        kind = "not-found-page" if b"fout404" in body[:65536].lower() or b"niet gevonden" in body[:65536].lower() \
            else "wrong-type"
        message = (f"{label}: the repository answered with its 'not found' page instead of the file ({url}); "
                   "the document is not (or no longer) there") if kind == "not-found-page" else (
            f"{label} is a web page, not {_EXPECT.get(manifestation, 'the file')} ({url}); not indexed")
        raise FetchError(url, kind, message)
    if not body:
        raise FetchError(url, "truncated", f"{label} is empty ({url}); try again")
    if manifestation == "pdf":
        if b"%PDF-" not in body[:1024]:
            raise FetchError(url, "wrong-type", f"{label} is not a PDF (it does not start with %PDF) ({url})")
        if b"%%EOF" not in body[-2048:]:
            raise FetchError(url, "truncated", f"{label} is cut off: {len(body)} bytes and no end-of-file marker "
                                               f"({url}); try again")
    elif manifestation in ("xml", "metadata"):
        try:
            xml_root(body, label)
        except AssistantError as exc:
            raise FetchError(url, "truncated" if b"<" in body[:100] else "wrong-type", f"{exc} ({url})") from exc
    elif manifestation == "odt" and not body.startswith(b"PK"):
        raise FetchError(url, "wrong-type", f"{label} is not an ODT document (no ZIP package) ({url})")
