"""OCR of scanned PDFs, where tesseract with Dutch is installed (./run test installs it as root)."""
from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.load import load_document
from assistant.ocr import available
from assistant.types import IngestError

from .conftest import SHARED, needs_shared

SCAN = SHARED / "corpus-real" / "bad-input" / "scanned-no-text-layer-blg-1007826.pdf"
needs_tesseract = pytest.mark.skipif(not available(), reason="pdftoppm/tesseract with Dutch (nld) not installed")


@needs_shared
def test_scan_without_ocr_says_what_to_do():
    with pytest.raises(IngestError) as exc:
        load_document(SCAN, Settings())
    assert "no text layer" in exc.value.reason and "OCR" in exc.value.reason.upper()


@needs_shared
@needs_tesseract
def test_scan_is_read_with_ocr_and_keeps_its_pages():
    doc = load_document(SCAN, Settings(ocr=True))
    assert [p.number for p in doc.pages] == [1, 2]
    text = " ".join(p.text for p in doc.pages)
    assert "Nitraatrichtlijn" in text and "mestbeleid" in text
