"""A local stand-in for the official services, serving the recorded responses of
../shared/corpus-official by request path (a real HTTP server on 127.0.0.1, in a thread).

    with StandIn(SHARED / "corpus-official") as s:      # s.url = "http://127.0.0.1:PORT"
        s.faults["/frbr/.../x.pdf"] = "500"               # or timeout, truncated, fout404, html200

Routes (the base URL stands for both https://repository.overheid.nl and
https://gegevensmagazijn.tweedekamer.nl):
- /sru?query=dt.identifier==ID: the recorded response that holds ID, as it was recorded
  (item URLs of a mock host, counts that are off, the broken record); an unknown ID gets
  an empty response (numberOfRecords 0).
- /sru?query=w.dossiernummer=="N" ...: pages built from the recorded records of dossier N,
  `page_size` records a page whatever maximumRecords asks, with nextRecordPosition.
- /frbr/...: the recorded files of koop/repository.overheid.nl/frbr/.
- /OData/v4/2.0/Document?$filter=...: {"value": [...]} built from the recorded Zaak records'
  Documents (matched on Volgnummer and the dossier of their ExterneIdentifier, or on
  DocumentNummer), each listing only the publications whose Resource is recorded, and from
  the recorded page of Documents (no versions: they have no KOOP identifier).
- /OData/v4/2.0/DocumentPublicatie(ID)/Resource: the recorded Resource.xml.
Every request path is kept in `requests`, its User-Agent in `agents`.
"""
from __future__ import annotations

import copy
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

SRU_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
FOUT404_PAGE = (b"<!DOCTYPE html><html><head><title>Pagina niet gevonden</title></head><body>"
                b"<h1>fout404</h1><p>De pagina die u zoekt bestaat niet (meer).</p></body></html>")


class StandIn:
    def __init__(self, root: Path, page_size: int = 1):
        self.root = Path(root)
        self.page_size = page_size
        self.faults: dict[str, str] = {}
        self.requests: list[str] = []
        self.agents: list[str] = []  # the User-Agent of every request
        self.hang_s = 3.0
        self.active = self.max_active = 0  # requests of the 'slow' fault being worked on at once
        self._count = threading.Lock()
        self._records = self._load_records()
        self._documents = self._load_documents()

    # -- recorded data -----------------------------------------------------------------------
    def _load_records(self):
        from lxml import etree

        out = []  # (identifier, dossier, file, record element)
        for f in sorted((self.root / "koop" / "sru").glob("*.xml")):
            root = etree.parse(str(f)).getroot()
            records = root.iter(f"{{{SRU_NS}}}record") if root.tag != f"{{{SRU_NS}}}record" else [root]
            for rec in records:
                ident = next((e.text for e in rec.iter() if str(e.tag).endswith("}identifier")), None)
                dossier = next((e.text for e in rec.iter() if str(e.tag).endswith("}dossiernummer")), None)
                if ident:
                    out.append((ident.strip(), (dossier or "").strip(), f, rec))
        return out

    def _load_documents(self):
        docs = []
        resources = {p.name for p in (self.root / "tk" / "odata" / "DocumentPublicatie").iterdir()}
        for f in sorted((self.root / "tk" / "odata").glob("Zaak-*.json")):
            for doc in json.loads(f.read_text()).get("Document", []):
                doc = copy.deepcopy(doc)
                version = doc.get("HuidigeDocumentVersie") or {}
                version["DocumentPublicatie"] = [p for p in version.get("DocumentPublicatie", [])
                                                 if p["Id"] in resources]
                version["DocumentPublicatieMetadata"] = []
                docs.append(doc)
        page = self.root / "tk" / "odata" / "Document-page-100.value-array.json"  # Documents without expansions
        docs.extend(d for d in json.loads(page.read_text()) if not d.get("Verwijderd"))
        return docs

    # -- responses ---------------------------------------------------------------------------
    def sru(self, query: dict) -> bytes:
        q = (query.get("query") or [""])[0]
        m = re.search(r"dt\.identifier==\"?([\w-]+)", q)
        if m:
            for ident, _d, f, _r in self._records:
                if ident == m.group(1) and f.name != "sru-record-only-blg-936562.xml":
                    return f.read_bytes()
            return self._envelope([], 0, None)
        m = re.search(r"w\.dossiernummer==\"?([\w-]+)\"?", q)
        if m:
            seen, recs = set(), []
            for ident, dossier, _f, rec in self._records:
                if dossier == m.group(1) and ident not in seen:
                    seen.add(ident)
                    recs.append(rec)
            start = int((query.get("startRecord") or ["1"])[0])
            page = recs[start - 1:start - 1 + self.page_size]
            nxt = start + len(page) if start - 1 + self.page_size < len(recs) else None
            return self._envelope(page, len(recs), nxt)
        return self._envelope([], 0, None)

    @staticmethod
    def _envelope(records, total: int, nxt: int | None) -> bytes:
        from lxml import etree

        root = etree.Element(f"{{{SRU_NS}}}searchRetrieveResponse", nsmap={"sru": SRU_NS})
        etree.SubElement(root, f"{{{SRU_NS}}}version").text = "2.0"
        etree.SubElement(root, f"{{{SRU_NS}}}numberOfRecords").text = str(total)
        holder = etree.SubElement(root, f"{{{SRU_NS}}}records")
        for rec in records:
            holder.append(copy.deepcopy(rec))
        if nxt is not None:
            etree.SubElement(root, f"{{{SRU_NS}}}nextRecordPosition").text = str(nxt)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def odata_documents(self, query: dict) -> bytes:
        flt = (query.get("$filter") or [""])[0]
        out = []
        for doc in self._documents:
            ident = (doc.get("HuidigeDocumentVersie") or {}).get("ExterneIdentifier") or ""
            vol = re.search(r"Volgnummer eq (\d+)", flt)
            dossier = re.search(r"d/Nummer eq (\d+)", flt)
            number = re.search(r"DocumentNummer eq '([^']+)'", flt)
            if number and doc.get("DocumentNummer") == number.group(1):
                out.append(doc)
            elif vol and dossier and doc.get("Volgnummer") == int(vol.group(1)) and \
                    ident.startswith(f"kst-{dossier.group(1)}-"):
                out.append(doc)
        return json.dumps({"value": out}).encode()

    def file_for(self, path: str) -> Path | None:
        if path.startswith("/frbr/"):
            f = self.root / "koop" / "repository.overheid.nl" / path.lstrip("/")
            return f if f.is_file() else None
        m = re.match(r"^/OData/v4/2\.0/DocumentPublicatie\(([0-9a-f-]{36})\)/Resource$", path)
        if m:
            f = self.root / "tk" / "odata" / "DocumentPublicatie" / m.group(1) / "Resource.xml"
            return f if f.is_file() else None
        return None

    # -- serving -----------------------------------------------------------------------------
    def __enter__(self) -> "StandIn":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                stand_in.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="stand-in", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        self.requests.append(h.path)
        self.agents.append(h.headers.get("User-Agent", ""))
        fault = self.faults.get(path)
        if fault == "500":
            return self._send(h, 500, b"internal error", "text/plain")
        if fault == "timeout":
            time.sleep(self.hang_s)
            return self._send(h, 504, b"too late", "text/plain")
        if fault == "slow":  # counts the requests being worked on at once (before any answer is sent)
            with self._count:
                self.active += 1
                self.max_active = max(self.max_active, self.active)
            time.sleep(0.2)
            with self._count:
                self.active -= 1
        if fault == "fout404":
            h.send_response(302)
            h.send_header("Location", f"{self.url}/fout404?url={parts.path}")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return None
        if fault == "html200":
            return self._send(h, 200, FOUT404_PAGE, "text/html")
        if path == "/fout404":
            return self._send(h, 200, FOUT404_PAGE, "text/html")
        if path == "/sru":
            return self._send(h, 200, self.sru(query), "application/xml")
        if path == "/OData/v4/2.0/Document":
            return self._send(h, 200, self.odata_documents(query), "application/json")
        f = self.file_for(path)
        if f is None:
            return self._send(h, 404, b"not found", "text/plain")
        body = f.read_bytes()
        if fault == "truncated":
            h.send_response(200)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        return self._send(h, 200, body, "application/octet-stream")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
