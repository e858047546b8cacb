"""The Tweede Kamer's open data (OData v4, gegevensmagazijn.tweedekamer.nl): the second route,
for documents the official repository does not have yet.

    tk = Tk(base_url, client)
    doc = tk.by_dossier("19637", 3384)         # Document by Kamerstukdossier number and volgnummer
    doc = tk.by_number("2025D06779")           # Document by its TK document number (tweedekamer.nl &did=)
    doc = tk.by_id("3ccf529a-...")             # Document by id (tweedekamer.nl/downloads/document?id=)
    tk.identifier(doc)                          # DocumentVersie.ExterneIdentifier: the KOOP identifier
    tk.publications(doc)                        # {"xml": {...}, "pdf": {...}} of the current version
    data = tk.resource(publication)             # DocumentPublicatie(id)/Resource, checked
    data = tk.document_resource(doc)            # Document(id)/Resource: the file itself, without publications

Each Document comes with its current version and that version's publications
($expand=HuidigeDocumentVersie($expand=DocumentPublicatie,DocumentPublicatieMetadata)).
Deleted documents (Verwijderd) are never used.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

from ..types import AssistantError
from .http import FetchError, HttpClient
from .koop import NotFound, OfficialMeta, check_body

__all__ = ["Tk", "meta_from_tk"]

_EXPAND = "HuidigeDocumentVersie($expand=DocumentPublicatie,DocumentPublicatieMetadata)"
_KINDS = {"Xml": "xml", "Pdf": "pdf", "Html": "html", "Odt": "odt", "Metadata": "metadata"}


class Tk:
    def __init__(self, base_url: str, client: HttpClient):
        self.base = base_url.rstrip("/") + "/OData/v4/2.0"
        self.client = client

    def _documents(self, flt: str, what: str) -> list[dict]:
        params = {"$filter": f"{flt} and Verwijderd eq false", "$expand": _EXPAND, "$top": "5"}
        resp = self.client.get(f"{self.base}/Document?{urlencode(params, quote_via=quote)}",
                               accept="application/json", what=f"the Tweede Kamer's open data ({what})")
        try:
            body = json.loads(resp.body)
        except ValueError as exc:
            raise AssistantError(f"the Tweede Kamer's open data answered {what} with something that is not "
                                 f"JSON ({exc})") from exc
        docs = body.get("value") if isinstance(body, dict) else None
        if not isinstance(docs, list):
            raise AssistantError(f"the Tweede Kamer's open data answered {what} without a list of documents")
        return [d for d in docs if isinstance(d, dict) and not d.get("Verwijderd")]

    def by_dossier(self, dossier: str, number: int) -> dict:
        main = re.match(r"^\d+", dossier)
        flt = f"Kamerstukdossier/any(d: d/Nummer eq {main.group() if main else dossier}) and Volgnummer eq {number}"
        return self._one(self._documents(flt, f"dossier {dossier}, nr. {number}"), f"kst-{dossier}-{number}")

    def by_number(self, number: str) -> dict:
        return self._one(self._documents(f"DocumentNummer eq '{number}'", number), number)

    def by_id(self, guid: str) -> dict:
        return self._one(self._documents(f"Id eq {guid}", guid), guid)

    @staticmethod
    def _one(docs: list[dict], label: str) -> dict:
        if not docs:
            raise NotFound(f"{label}: the Tweede Kamer's open data has no such document")
        return docs[0]

    @staticmethod
    def identifier(doc: dict) -> str | None:
        version = doc.get("HuidigeDocumentVersie") or {}
        ident = version.get("ExterneIdentifier")
        return ident.strip() if isinstance(ident, str) and ident.strip() else None

    @staticmethod
    def publications(doc: dict) -> dict[str, dict]:
        version = doc.get("HuidigeDocumentVersie") or {}
        out: dict[str, dict] = {}
        for pub in (version.get("DocumentPublicatie") or []) + (version.get("DocumentPublicatieMetadata") or []):
            kind = _KINDS.get(pub.get("DocumentType"))
            if kind and not pub.get("Verwijderd") and pub.get("Id"):
                out.setdefault(kind, pub)
        return out

    def document_resource(self, doc: dict, identifier: str) -> bytes:
        """The Document's own file (Document(id)/Resource), for a paper with no publications: a PDF."""
        url = f"{self.base}/Document({doc['Id']})/Resource"
        resp = self.client.get(url, what=f"the file of {identifier} (Tweede Kamer)")
        check_body(resp.body, "pdf", identifier, url)
        return resp.body

    def resource(self, pub: dict, identifier: str) -> bytes:
        kind = _KINDS.get(pub.get("DocumentType"), "file")
        url = f"{self.base}/DocumentPublicatie({pub['Id']})/Resource"
        resp = self.client.get(url, what=f"the {kind} file of {identifier} (Tweede Kamer)")
        expected = pub.get("ContentLength")
        if isinstance(expected, int) and 0 < len(resp.body) < expected:
            raise FetchError(url, "truncated", f"the {kind} file of {identifier} was cut off: {len(resp.body)} of "
                                               f"{expected} bytes ({url}); try again")
        check_body(resp.body, kind, identifier, url)
        return resp.body


def meta_from_tk(doc: dict, identifier: str) -> OfficialMeta:
    """Metadata from the Document's own fields (used where the XML embeds none)."""
    m = re.match(r"^kst-(\d+(?:-[A-Z0-9]+)*)-(\d+)$", identifier)
    date = (doc.get("Datum") or "")[:10] or None
    return OfficialMeta(
        identifier=identifier, title=doc.get("Titel"), document_title=doc.get("Onderwerp"),
        dossier=m.group(1) if m else None, dossier_title=doc.get("Titel"),
        number=str(doc.get("Volgnummer")) if doc.get("Volgnummer") is not None else None,
        session=doc.get("Vergaderjaar"), date=date, doctype=doc.get("Soort"), publication="Kamerstuk" if m else None)
