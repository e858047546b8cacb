"""Finding and loading documents, and refusing bad input with a clear reason."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from assistant import pdfhelper
from assistant.config import Settings
from assistant.load import find_documents, garbled_pages, load_document
from assistant.types import IngestError
from tests.pdfgen import Line, build_pdf, deflate_bomb, make_pdf, page_tree_bomb

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (it holds the real PDFs); a user's clone lacks it"
)

LETTER = [
    [
        Line("Pagina 1 van 2", y=810),
        "Datum 3 maart 2021",
        "Betreft Proef met een brief",
        "",
        "Geachte voorzitter,",
        "Het kabinet steunt de maatschappelijke organisaties. De maatschap-",
        "pelijke ruimte krimpt wereldwijd.1",
        Line("1 Kamerstuk 32 735 nr. 370", y=60, size=8),
    ],
    [
        Line("Pagina 2 van 2", y=810),
        "De minister van Buitenlandse Zaken,",
        "",
        "D.M. Van Weel",
    ],
]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def reason(excinfo: pytest.ExceptionInfo[IngestError]) -> str:
    return excinfo.value.reason


# ---------------------------------------------------------------- finding files


def test_find_documents_expands_folders(tmp_path):
    for rel in ["b.pdf", "a.txt", "sub/c.md", "sub/c.meta.json", "sub/c.md.meta.toml", ".hidden.pdf",
                ".git/x.pdf", "notes.rtf", "d.PDF", "b.html", "e.docx"]:  # fmt: skip
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    found = find_documents([tmp_path])
    # b.html is the same document as b.pdf beside it: the folder gives the PDF only
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b.pdf", "d.PDF", "e.docx", "sub/c.md"]
    assert find_documents([tmp_path / "a.txt", tmp_path, tmp_path / "a.txt"])[0] == tmp_path / "a.txt"
    assert len(find_documents([tmp_path / "a.txt", tmp_path])) == 5  # no duplicates
    assert find_documents([tmp_path / "b.html"]) == [tmp_path / "b.html"]  # named explicitly: taken


def test_find_documents_refuses_what_it_cannot_use(tmp_path):
    (tmp_path / "notes.rtf").write_text("x")
    (tmp_path / "a.meta.json").write_text("{}")
    with pytest.raises(IngestError, match="no such file or folder") as e:
        find_documents([tmp_path / "missing.pdf"])
    assert e.value.source.endswith("missing.pdf")
    with pytest.raises(IngestError, match=r"unsupported file type '\.rtf'") as e:
        find_documents([tmp_path / "notes.rtf"])
    assert e.value.source == "notes.rtf"
    with pytest.raises(IngestError, match="sidecar"):
        find_documents([tmp_path / "a.meta.json"])


# ---------------------------------------------------------------- loading


def test_load_generated_pdf(tmp_path):
    data = make_pdf(LETTER)
    doc = load_document(write(tmp_path, "brief.pdf", data))
    assert doc.source == "brief.pdf" and doc.path.endswith("brief.pdf")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.media_type == "application/pdf"
    assert [p.number for p in doc.pages] == [1, 2]
    p1, p2 = doc.pages
    assert p1.text.startswith("Geachte voorzitter,")
    assert "maatschappelijke ruimte krimpt wereldwijd.1" in p1.text
    assert p1.footnotes == {"1": "Kamerstuk 32 735 nr. 370"}
    assert "Pagina" not in p1.text + p2.text
    assert doc.meta.date == "2021-03-03"
    assert doc.meta.title == "Proef met een brief"
    assert doc.meta.signatories == ["D.M. Van Weel"]


def test_load_seed_letter_with_its_sidecar():
    doc = load_document(SEED)
    assert doc.media_type == "text/plain"
    assert len(doc.pages) == 8
    assert doc.meta.kind == "kabinetsreactie"
    assert doc.meta.title.startswith("Kabinetsreactie op het AIV-advies")
    assert doc.meta.date is None and doc.meta.kenmerk is None  # the letter gives neither
    assert doc.meta.signatories == ["D.M. Van Weel", "Aukje de Vries"]


def test_type_is_decided_by_content(tmp_path):
    doc = load_document(write(tmp_path, "eigenlijk-pdf.txt", make_pdf([["Een PDF met een verkeerde naam."]])))
    assert doc.media_type == "application/pdf" and doc.pages[0].text == "Een PDF met een verkeerde naam."
    with pytest.raises(IngestError, match="is not a PDF although its name ends in .pdf") as e:
        load_document(write(tmp_path, "tekst.pdf", "Gewone tekst.\n"))
    assert "plain text" in reason(e)
    with pytest.raises(IngestError, match="web page"):
        load_document(write(tmp_path, "pagina.pdf", "<!DOCTYPE html><html><body>404</body></html>"))


def test_markdown_and_text(tmp_path):
    doc = load_document(write(tmp_path, "notitie.md", "# Notitie\n\nDe maatschappelijke ruimte.\n"))
    assert doc.media_type == "text/markdown" and doc.pages[0].text.startswith("# Notitie")
    doc = load_document(write(tmp_path, "bom.txt", b"\xef\xbb\xbfMet BOM.\fTweede pagina."))
    assert [p.text for p in doc.pages] == ["Met BOM.", "Tweede pagina."]


def test_bad_text_files(tmp_path):
    with pytest.raises(IngestError, match=r"is empty \(0 bytes\)"):
        load_document(write(tmp_path, "leeg.txt", b""))
    with pytest.raises(IngestError, match="contains no text"):
        load_document(write(tmp_path, "wit.md", " \n\t\n"))
    with pytest.raises(IngestError, match=r"is not UTF-8 text \(byte 0xe9 at position 3.*iconv"):
        load_document(write(tmp_path, "latin1.txt", "Caf\xe9 au lait".encode("latin-1")))
    with pytest.raises(IngestError, match="binary file"):
        load_document(write(tmp_path, "bin.txt", b"\x00\x01\x02abc"))


def test_bad_pdfs(tmp_path):
    with pytest.raises(IngestError, match="truncated or damaged .only 9 bytes") as e:
        load_document(write(tmp_path, "kapot.pdf", b"%PDF-1.6\n"))
    assert e.value.source == "kapot.pdf" and "download or export it again" in reason(e)
    damaged = make_pdf([["tekst"]])[:-200] + b"\x00garbage"
    with pytest.raises(IngestError, match="truncated or damaged|damaged"):
        load_document(write(tmp_path, "half.pdf", damaged[:300]))
    with pytest.raises(IngestError, match=r"has no text layer \(2 pages of images: a scan\).*ocrmypdf -l nld"):
        load_document(write(tmp_path, "scan.pdf", build_pdf([b"", b""])))


def test_garbled_text_is_refused(tmp_path):
    garbage = "3A=B?/2?3@ &=@A0B@ 	 -D=::3 /AB; =9A=03? 3A?34A 3@:B7A => BD ,=0C3?G=39 &/57</ C/<"
    pdf = make_pdf([[garbage] * 12, [garbage] * 12, ["Een leesbare pagina met gewone woorden en zinnen."]])
    with pytest.raises(IngestError, match=r"unusable on pages 1-2 of 3: unreadable characters \(a broken font encoding\)"):
        load_document(write(tmp_path, "garbled.pdf", pdf))
    assert garbled_pages([garbage * 3, "De maatschappelijke ruimte is van het grootste belang voor de rechtsstaat."]) == [1]
    assert garbled_pages(["Tabel 2021 2022 2023\n12,5 13,1 14,0 % 15,2 € 1.000 2.000 3.000 4.000 5.000 6.000 7.000"]) == []


def test_encrypted_pdfs(tmp_path):
    from pypdf import PdfReader, PdfWriter

    def encrypt(user_password: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Geheime tekst van het kabinet."]]))))
        writer.encrypt(user_password=user_password, owner_password="eigenaar", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    doc = load_document(write(tmp_path, "open.pdf", encrypt("")))  # opens with an empty password
    assert doc.pages[0].text == "Geheime tekst van het kabinet."
    with pytest.raises(IngestError, match="password-protected.*qpdf --decrypt"):
        load_document(write(tmp_path, "dicht.pdf", encrypt("geheim")))


def test_limits(tmp_path):
    path = write(tmp_path, "groot.pdf", make_pdf([["tekst"]] * 3))
    with pytest.raises(IngestError, match="more than the limit of 0.001 MB.*ASSISTANT_MAX_FILE_MB"):
        load_document(path, Settings(max_file_mb=0.001))
    with pytest.raises(IngestError, match="has 3 pages, more than the limit of 2.*ASSISTANT_MAX_PAGES"):
        load_document(path, Settings(max_pages=2))


def test_decompression_bomb_and_timeout(tmp_path):
    bomb = write(tmp_path, "bom.pdf", deflate_bomb(120))  # inflates past pypdf's 75 MB limit
    with pytest.raises(IngestError, match="safety limit of the PDF reader.*decompression"):
        load_document(bomb)
    tree = write(tmp_path, "boom.pdf", page_tree_bomb(40))  # 2**40 pages from 45 objects
    with pytest.raises(IngestError, match="safety limit of the PDF reader .*page tree"):
        load_document(tree, Settings(max_pages=10**9))
    with pytest.raises(IngestError, match="has 4096 pages, more than the limit of 2000"):
        load_document(write(tmp_path, "boompje.pdf", page_tree_bomb(12)))
    slow = write(tmp_path, "traag.pdf", deflate_bomb(40))
    with pytest.raises(IngestError, match=r"took longer than 0.05 s to read and was stopped"):
        load_document(slow, Settings(parse_timeout_s=0.05))
    # the helper process is replaced after a timeout: the next file loads normally
    assert load_document(write(tmp_path, "ok.pdf", make_pdf([["Weer gewoon."]]))).pages[0].text == "Weer gewoon."


def test_memory_limit_of_the_helper_process():
    helper = pdfhelper._Helper(memory=150 * 1024**2)
    try:
        assert helper.run(deflate_bomb(50), 10, 60, "bom.pdf")["error"] == "memory"
        again = helper.run(make_pdf([["Daarna gaat het weer goed."]]), 10, 60, "ok.pdf")
        assert again["pages"] == ["Daarna gaat het weer goed."]
    finally:
        helper.stop()


def test_helper_process_is_reused(tmp_path):
    # how cheap that makes a file is measured in benchmarks/bench_ingest.py, not here
    path = write(tmp_path, "een.pdf", make_pdf([["Eén pagina."]]))
    load_document(path)
    pid = pdfhelper._pool.proc.pid
    for _ in range(5):
        assert load_document(path).pages[0].text == "Eén pagina."
    assert pdfhelper._pool.proc.pid == pid


# ---------------------------------------------------------------- real files


BAD_INPUT = {
    "truncated-9-bytes.pdf": "truncated or damaged",
    "not-a-pdf-named-pdf.pdf": "is not a PDF although its name ends in .pdf",
    "scanned-no-text-layer-amsterdam.pdf": "has no text layer",
    "scanned-no-text-layer-blg-1007826.pdf": "has no text layer",
    "garbled-font-encoding-cites-uromastyx.pdf": "unusable on pages 1-3 of 8: unreadable characters",
    "garbled-font-encoding-wob-204.pdf": "unusable on pages 1-2 of 4: unreadable characters",
}


@needs_shared
@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_every_bad_input_gives_a_clear_error(name):
    with pytest.raises(IngestError) as e:
        load_document(SHARED / "corpus-real" / "bad-input" / name)
    assert e.value.source == name
    assert BAD_INPUT[name] in e.value.reason
    assert str(e.value).startswith(f"{name}: ")


@needs_shared
def test_bad_input_folder_is_fully_covered():
    names = {p.name for p in find_documents([SHARED / "corpus-real" / "bad-input"])}
    assert names == set(BAD_INPUT)


@needs_shared
def test_every_real_pdf_loads():
    folders = [SHARED / "corpus-real" / f for f in ("letters", "kamervragen", "wob-besluiten")]
    files = find_documents(folders)
    assert len(files) == 47
    for path in files:
        doc = load_document(path)
        assert doc.pages and sum(len(p.text) for p in doc.pages) > 500, path.name
