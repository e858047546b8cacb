"""Add official publications to the index: by identifier, citation or URL, by dossier, and by
following dossiers. The CLI (`add`, `follow`, `unfollow`, `sync`) and the web API use this.

    service = OfficialService(assistant)
    service.add(["kst-32545-143", "https://zoek.officielebekendmakingen.nl/ah-tk-20202021-3235.html"])
    service.add_dossier("32545")
    service.follow("32545"); service.sync(); service.unfollow("32545")

Every document gives one FileResult (added / unchanged / failed with the reason), reported
through `on_result` as soon as it is done. An identifier already in the index is
`unchanged` and nothing is downloaded for it. A document is downloaded whole into a
temporary folder in the index folder, built, and committed in one transaction, so an
interrupted run leaves whole documents only and running it again fetches what is missing.
The repository (KOOP) is asked first; for a Kamerstuk it does not have, or lists no files
for, the Tweede Kamer's open data is the second route.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from ..ingest import FileResult
from ..types import AssistantError, IngestError, LoadedDocument
from .follow import FollowStore
from .http import HttpClient
from .identifiers import Ref, parse_dossier, parse_reference
from .koop import Koop, NotFound, Record, meta_from_record, parse_metadata
from .layout import build_document
from .tk import Tk, meta_from_tk

__all__ = ["OfficialService"]

Report = Callable[[FileResult], None] | None
_KST = re.compile(r"^kst-(\d+(?:-[A-Z0-9]+)*)-(\d+)$")


class OfficialService:
    def __init__(self, assistant, client: HttpClient | None = None):
        s = assistant.settings
        self.assistant = assistant
        self.settings = s
        self.client = client or HttpClient(timeout_s=s.http_timeout_s, retries=s.http_retries,
                                           max_bytes=int(s.max_file_mb * 1024 * 1024))
        self.koop = Koop(s.koop_url, self.client)
        self.tk = Tk(s.tk_url, self.client)
        self.follows = FollowStore(Path(s.index_dir))

    def __enter__(self) -> "OfficialService":
        return self

    def __exit__(self, *exc) -> None:
        self.assistant.close()

    # -- public operations ------------------------------------------------------------------
    def add(self, given: list[str], on_result: Report = None) -> list[FileResult]:
        """Each identifier, citation or URL: added, unchanged, or failed with the reason."""
        results = []
        for item in given:
            try:
                ref = parse_reference(item)
                result = self._add_ref(ref)
            except AssistantError as exc:
                result = FileResult(str(item), "failed", str(exc))
            results.append(self._report(result, on_result))
        return results

    def add_dossier(self, dossier: str, on_result: Report = None) -> list[FileResult]:
        """Every paper of a dossier, following the repository's result pages."""
        number = parse_dossier(dossier)
        results: list[FileResult] = []
        try:
            for record in self.koop.dossier(number):
                try:
                    result = self._add_identifier(record.identifier, record=record)
                except AssistantError as exc:
                    result = FileResult(record.identifier, "failed", str(exc))
                results.append(self._report(result, on_result))
        except AssistantError as exc:  # the search itself failed: say so, keep what was added
            results.append(self._report(FileResult(f"dossier {number}", "failed", str(exc)), on_result))
            return results
        if not results:
            results.append(self._report(FileResult(
                f"dossier {number}", "failed", f"the official repository lists no papers of dossier {number}; "
                "check the number on zoek.officielebekendmakingen.nl"), on_result))
        return results

    def follow(self, dossier: str, on_result: Report = None) -> tuple[bool, list[FileResult]]:
        """Follow a dossier and fetch what of it is missing. (newly followed?, results)"""
        number = parse_dossier(dossier)
        new = self.follows.follow(number)
        return new, self._sync_one(number, on_result)

    def unfollow(self, dossier: str) -> bool:
        return self.follows.unfollow(parse_dossier(dossier))

    def followed(self):
        return self.follows.list()

    def sync(self, on_result: Report = None) -> list[FileResult]:
        """Fetch what is new in every followed dossier."""
        results: list[FileResult] = []
        for f in self.follows.list():
            results.extend(self._sync_one(f.dossier, on_result))
        return results

    # -- internals --------------------------------------------------------------------------
    def _sync_one(self, number: str, on_result: Report) -> list[FileResult]:
        results = self.add_dossier(number, on_result)
        papers = [r for r in results if not r.source.startswith("dossier ")]
        self.follows.record_sync(number, len(papers), sum(r.status == "added" for r in papers),
                                 {r.source: r.reason or "" for r in results if r.status == "failed"})
        return results

    @staticmethod
    def _report(result: FileResult, on_result: Report) -> FileResult:
        if on_result:
            on_result(result)
        return result

    def _existing(self, identifier: str) -> FileResult | None:
        if not self.assistant.index_exists:
            return None
        info = self.assistant.index.document_by_source(identifier)
        if info is None:
            return None
        return FileResult(identifier, "unchanged", doc_id=info.id, passages=info.passages, pages=info.pages)

    def _add_ref(self, ref: Ref) -> FileResult:
        if ref.kind == "koop":
            return self._add_identifier(ref.value)
        doc = self.tk.by_number(ref.value) if ref.kind == "tk-number" else self.tk.by_id(ref.value)
        identifier = self.tk.identifier(doc)
        if not identifier:
            raise AssistantError(f"{ref.value}: the Tweede Kamer document has no official identifier (it is not "
                                 "published as a parliamentary paper); download it and use `assistant ingest`")
        return self._add_identifier(identifier, tk_doc=doc)

    def _add_identifier(self, identifier: str, record: Record | None = None, tk_doc: dict | None = None) -> FileResult:
        existing = self._existing(identifier)
        if existing is not None:
            return existing
        work = Path(self.settings.index_dir) / ".downloads"
        work.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{identifier}-", dir=work))
        try:
            try:
                doc = self._fetch_koop(identifier, record, folder)
            except NotFound as missing:
                if not (tk_doc is not None or _KST.match(identifier)):
                    raise
                doc = self._fetch_tk(identifier, tk_doc, folder, missing)
            return self._ingest(doc)
        except IngestError as exc:
            return FileResult(identifier, "failed", exc.reason)
        except AssistantError as exc:
            return FileResult(identifier, "failed", _without_prefix(str(exc), identifier))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _ingest(self, doc: LoadedDocument) -> FileResult:
        results = self.assistant.ingest([doc], progress=False)
        return results[0] if results else FileResult(doc.source, "failed", "was not ingested")

    def _fetch_koop(self, identifier: str, record: Record | None, folder: Path) -> LoadedDocument:
        record = record or self.koop.lookup(identifier)
        items = record.items
        if not any(m in items for m in ("xml", "pdf", "odt", "html")):
            raise NotFound(f"{identifier}: the official repository lists no files for it (yet)")
        wanted = [m for m in ("metadata", "xml", "pdf") if m in items]
        if "xml" not in items and "pdf" not in items:
            wanted.append("odt" if "odt" in items else "html")
        for m in wanted:  # every URL is checked before anything is downloaded
            self.koop.item_url(record, m)
        files = {m: _save(folder, identifier, m, self.koop.download(record, m)) for m in wanted}
        meta = parse_metadata(files["metadata"].read_bytes(), identifier) if "metadata" in files \
            else meta_from_record(record)
        url = record.first("preferredUrl") or f"https://zoek.officielebekendmakingen.nl/{identifier}.html"
        return build_document(identifier, meta, files, self.settings, url)

    def _fetch_tk(self, identifier: str, doc: dict | None, folder: Path, missing: NotFound) -> LoadedDocument:
        try:
            if doc is None:
                m = _KST.match(identifier)
                doc = self.tk.by_dossier(m.group(1), int(m.group(2)))
        except NotFound as exc:
            raise NotFound(f"{missing}; nor does the Tweede Kamer's open data have it ({exc})") from exc
        found = self.tk.identifier(doc)
        if found and found.lower() != identifier.lower():
            raise AssistantError(f"{identifier}: the Tweede Kamer's document for it is {found}; not indexed")
        pubs = self.tk.publications(doc)
        wanted = [m for m in ("metadata", "xml", "pdf") if m in pubs] or [m for m in ("odt", "html") if m in pubs][:1]
        if any(m in pubs for m in ("xml", "pdf", "odt", "html")):
            files = {m: _save(folder, identifier, m, self.tk.resource(pubs[m], identifier)) for m in wanted}
        elif doc.get("ContentType") == "application/pdf" and doc.get("Id"):  # not published: the file itself
            files = {"pdf": _save(folder, identifier, "pdf", self.tk.document_resource(doc, identifier))}
        else:
            raise NotFound(f"{missing}; the Tweede Kamer's open data lists no files for it either")
        meta = meta_from_tk(doc, identifier)
        for name in ("metadata", "xml"):  # exact fields where the files carry them
            if name in files:
                try:
                    meta = _merge(meta, parse_metadata(files[name].read_bytes(), identifier))
                except AssistantError:
                    pass
        url = f"{self.tk.base}/Document({doc.get('Id')})"
        return build_document(identifier, meta, files, self.settings, url)


def _save(folder: Path, identifier: str, manifestation: str, data: bytes) -> Path:
    name = "metadata.xml" if manifestation == "metadata" else f"{identifier}.{manifestation}"
    path = folder / name
    path.write_bytes(data)
    return path


def _merge(base, exact):
    """Fields of `exact` (from an XML) over those of `base` (from the Document record)."""
    for name, value in vars(exact).items():
        if value:
            setattr(base, name, value)
    return base


def _without_prefix(message: str, identifier: str) -> str:
    """'kst-1-2: reason' -> 'reason' (the result line names the document already)."""
    prefix = f"{identifier}: "
    return message[len(prefix):] if message.startswith(prefix) else message
