"""ODT, DOCX and HTML (assistant.formats): pages, headings and footnotes as far as each format
holds them, through load_document and the whole ingest; clear per-file errors. The files are
generated here (python-docx, a hand-made DOCX package with footnotes, odfdo), plus the
repository's recorded ODT and HTML manifestations when ../shared is there.
"""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.conftest import SHARED, needs_shared

FRBR = SHARED / "corpus-official" / "koop" / "repository.overheid.nl" / "frbr" / "officielepublicaties"
BODY = ("Het kabinet investeert de komende jaren in de versterking van dijken langs de grote rivieren. "
        "De waterschappen voeren de werken uit en rapporteren jaarlijks over de voortgang. ")


def _load(tmp_path, name: str, data: bytes):
    from assistant.load import load_document

    path = tmp_path / name
    path.write_bytes(data)
    return load_document(path)


# -- DOCX -------------------------------------------------------------------------------------


def _python_docx() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = "Voortgangsbrief dijkversterking"
    d.add_heading("Inleiding", level=1)
    d.add_paragraph(BODY * 2)
    d.add_page_break()
    d.add_heading("Financiën", level=2)
    d.add_paragraph(BODY)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Jaar", "Budget"
    table.cell(1, 0).text, table.cell(1, 1).text = "2026", "120 miljoen"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _docx_with_footnotes() -> bytes:
    """A DOCX as Word saves it: rendered page breaks and a footnotes part."""
    ct = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'wordprocessingml.document.main+xml"/>'
          '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'wordprocessingml.footnotes+xml"/></Types>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>')
    doc_rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    para = '<w:p>{ppr}<w:r>{pre}<w:t xml:space="preserve">{text}</w:t></w:r>{post}</w:p>'
    ref = '<w:r><w:footnoteReference w:id="{id}"/></w:r><w:r><w:t xml:space="preserve"> {tail}</w:t></w:r>'
    body = "".join([
        para.format(ppr='<w:pPr><w:outlineLvl w:val="0"/></w:pPr>', pre="", text="Aanleiding", post=""),
        para.format(ppr="", pre="", text="De Kamer vroeg om een overzicht van de maatregelen.",
                    post=ref.format(id=2, tail=BODY)),
        para.format(ppr="", pre="<w:lastRenderedPageBreak/>", text="Op de tweede pagina staat het vervolg.",
                    post=ref.format(id=3, tail="Daarmee is de vraag beantwoord.")),
    ])
    document = f'<?xml version="1.0"?><w:document {W} {R}><w:body>{body}<w:sectPr/></w:body></w:document>'
    notes = (f'<?xml version="1.0"?><w:footnotes {W}>'
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="2"><w:p><w:r><w:t>Kamerstuk 36 450, nr. 3</w:t></w:r></w:p></w:footnote>'
             '<w:footnote w:id="3"><w:p><w:r><w:t>Zie de bijlage.</w:t></w:r></w:p></w:footnote></w:footnotes>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/_rels/document.xml.rels", doc_rels)
        z.writestr("word/document.xml", document)
        z.writestr("word/footnotes.xml", notes)
    return buf.getvalue()


def test_docx_headings_page_breaks_and_table(tmp_path):
    from assistant.chunk import chunk_pages

    doc = _load(tmp_path, "brief.docx", _python_docx())
    assert doc.meta.title == "Voortgangsbrief dijkversterking"
    assert doc.media_type.endswith("wordprocessingml.document")
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.pages[0].headings == [(0, "Inleiding")] and doc.pages[1].headings == [(0, "Financiën")]
    assert "Jaar | Budget" in doc.pages[1].text and "2026 | 120 miljoen" in doc.pages[1].text
    passages = chunk_pages(doc.pages, 10, 200)
    assert [(p.page, p.section) for p in passages] == [(1, "Inleiding"), (2, "Financiën")]


def test_docx_footnotes_and_rendered_pages(tmp_path):
    from assistant.chunk import chunk_pages

    doc = _load(tmp_path, "notities.docx", _docx_with_footnotes())
    p1, p2 = doc.pages
    assert p1.headings == [(0, "Aanleiding")]
    assert p1.footnotes == {"1": "Kamerstuk 36 450, nr. 3"} and p2.footnotes == {"2": "Zie de bijlage."}
    offset, mark = p1.refs[0]
    assert mark == "1" and p1.text[offset - 11:offset + 1] == "maatregelen.1"[-12:]
    assert p2.text.startswith("Op de tweede pagina staat het vervolg.2 Daarmee")
    passages = chunk_pages(doc.pages, 5, 200)
    assert passages[0].footnotes == ["1 Kamerstuk 36 450, nr. 3"] and passages[-1].page == 2


@pytest.mark.parametrize("data, says", [
    (b"%PDF-1.4 not really", None),  # PDF bytes are read as a PDF whatever the name (then fail as one)
    (b"PK\x03\x04" + b"\x00" * 60, "is truncated or damaged"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "password-protected Word file"),
    (b"Gewoon tekst, geen Word.", "is not a Word document (.docx) although its name says so"),
])
def test_docx_errors_name_the_file(tmp_path, data, says):
    from assistant.types import IngestError

    with pytest.raises(IngestError) as e:
        _load(tmp_path, "kapot.docx", data)
    assert e.value.source == "kapot.docx"
    if says:
        assert says in e.value.reason


def test_zip_without_document_and_zip_bomb(tmp_path):
    from assistant.formats import extract
    from assistant.config import Settings
    from assistant.types import IngestError

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("foto.jpg", b"x")
    with pytest.raises(IngestError, match="ZIP file but not a Word document"):
        extract(buf.getvalue(), ".docx", "a.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("content.xml", b"<a/>" + b" " * (3 * 1024 * 1024))
    with pytest.raises(IngestError, match="ZIP bomb"):
        extract(buf.getvalue(), ".odt", "bom.odt", Settings(max_file_mb=0.05))


# -- ODT --------------------------------------------------------------------------------------


def _odt() -> bytes:
    from odfdo import Document, Element, Header, Note, Paragraph

    doc = Document("text")
    body = doc.body
    body.clear()
    body.append(Header(1, "Inleiding"))
    p = Paragraph(BODY)
    p.append(Note(note_class="footnote", note_id="ftn1", citation="1", body="Kamerstuk 35 334, nr. 82"))
    p.append(" Daarover later meer.")
    body.append(p)
    body.append(Element.from_tag("<text:soft-page-break/>"))
    body.append(Header(2, "Vervolg"))
    body.append(Paragraph(BODY))
    doc.meta.set_title("Brief over dijken")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_odt_headings_footnotes_and_soft_page_breaks(tmp_path):
    from assistant.chunk import chunk_pages

    doc = _load(tmp_path, "brief.odt", _odt())
    assert doc.meta.title == "Brief over dijken" and len(doc.pages) == 2
    p1, p2 = doc.pages
    assert p1.headings == [(0, "Inleiding")] and p2.headings == [(0, "Vervolg")]
    assert p1.footnotes == {"1": "Kamerstuk 35 334, nr. 82"}
    assert p1.text[p1.refs[0][0] - 1:p1.refs[0][0] + 1] == " 1" or p1.text[p1.refs[0][0]] == "1"
    passages = chunk_pages(doc.pages, 10, 200)
    assert [(p.page, p.section) for p in passages] == [(1, "Inleiding"), (2, "Vervolg")]
    assert passages[0].footnotes == ["1 Kamerstuk 35 334, nr. 82"]


def test_odt_spreadsheet_is_refused(tmp_path):
    from odfdo import Document

    from assistant.types import IngestError

    buf = io.BytesIO()
    Document("spreadsheet").save(buf)
    with pytest.raises(IngestError, match="is an OpenDocument spreadsheet"):
        _load(tmp_path, "tabel.odt", buf.getvalue())


@needs_shared
def test_recorded_odt_and_html_manifestations(tmp_path):
    from assistant.chunk import chunk_pages

    odt = _load(tmp_path, "ah.odt", (FRBR / "ah-tk/20202021/ah-tk-20202021-3235/1/odt/ah-tk-20202021-3235.odt")
                .read_bytes())
    assert odt.meta.title == "Antwoord op vragen van de leden Van Weyenberg, Romke de Jong en Kat over de Tozo"
    assert "ah-tk-20202021-3235" not in odt.pages[0].text  # the letterhead frame is left out
    sections = [p.section for p in chunk_pages(odt.pages)]
    assert "Vraag 1" in sections and "Antwoord 9" in sections
    html = _load(tmp_path, "kst.html", (FRBR / "kst/32545/kst-32545-143/1/html/kst-32545-143.html").read_bytes())
    assert html.meta.title == ("Motie van de leden Inge van Dijk en Grinwis over het definiëren van een "
                               "grensspaarsaldo voor negatieve spaarrente")
    assert html.meta.date == "2021-07-06" and html.media_type == "text/html"
    text = html.pages[0].text
    assert "verzoekt de regering, om een grensspaarsaldo te definiëren" in text and "enablePopup" not in text


# -- HTML -------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>Brief | Rijksoverheid</title>
<meta name="DC.title" content="Kamerbrief over de dijkversterking"><meta name="DCTERMS.issued" content="2026-03-02">
<style>p {{color: red}}</style><script>var tracker = 1;</script></head>
<body><nav>Home &gt; Documenten</nav><header>Rijksoverheid</header>
<main><h1>Kamerbrief over de dijkversterking</h1><p>{body}<sup><a href="#fn1" id="r1">1</a></sup> Verder.</p>
<h2>Kosten</h2><p>{body}</p><ul><li>eerste punt</li><li>tweede punt</li></ul></main>
<section class="footnotes" role="doc-endnotes"><ol><li id="fn1">Kamerstuk 36 450, nr. 3 <a href="#r1">↩</a></li>
</ol></section><footer>Contact</footer></body></html>"""


def test_html_headings_footnotes_and_no_page_furniture(tmp_path):
    from assistant.chunk import chunk_pages

    doc = _load(tmp_path, "brief.html", PAGE.format(body=BODY).encode())
    (page,) = doc.pages
    assert doc.meta.title == "Kamerbrief over de dijkversterking" and doc.meta.date == "2026-03-02"
    assert [label for _, label in page.headings] == ["Kamerbrief over de dijkversterking", "Kosten"]
    assert page.footnotes == {"1": "Kamerstuk 36 450, nr. 3"}
    for junk in ("tracker", "color: red", "Home", "Contact", "↩"):
        assert junk not in page.text
    assert "eerste punt" in page.text
    passages = chunk_pages(doc.pages, 10, 200)
    assert passages[0].footnotes == ["1 Kamerstuk 36 450, nr. 3"]
    assert [p.section for p in passages] == ["Kamerbrief over de dijkversterking", "Kosten"]


def test_html_errors(tmp_path):
    from assistant.types import IngestError

    with pytest.raises(IngestError, match="is not a web page although its name ends in .html"):
        _load(tmp_path, "x.html", b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(IngestError, match="contains no text"):
        _load(tmp_path, "leeg.html", b"<html><body><script>x()</script></body></html>")


def test_new_formats_through_ingest(tmp_path, seed_assistant):
    """A folder with all three is ingested, one line per file; a rerun finds them unchanged."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.docx").write_bytes(_python_docx())
    (folder / "b.odt").write_bytes(_odt())
    (folder / "c.html").write_bytes(PAGE.format(body=BODY).encode())
    (folder / "d.docx").write_bytes(b"PK\x03\x04broken")
    results = seed_assistant.ingest([folder])
    assert [(r.source, r.status) for r in results] == [("a.docx", "added"), ("b.odt", "added"), ("c.html", "added"),
                                                      ("d.docx", "failed")]
    assert "truncated or damaged" in results[3].reason
    assert [r.status for r in seed_assistant.ingest([folder])][:3] == ["unchanged"] * 3
    hit = seed_assistant.ask("Wie voeren de werken aan de dijken uit?", documents=["b"]).hits[0]
    assert hit.document.source == "b.odt" and re.match(r"Brief over dijken, pp?\. [12]", hit.citation)
