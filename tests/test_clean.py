"""Cleaning of extracted page text: page recovery, furniture, footnotes, word repairs."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.clean import (
    accounted_text,
    clean_document,
    clean_pages,
    normalize_text,
    split_text_pages,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (it holds the real PDFs); a user's clone lacks it"
)


@lru_cache(maxsize=1)
def seed_doc():
    return clean_document(split_text_pages(SEED.read_text(encoding="utf-8")))


def page_with(pages, needle: str) -> int:
    hits = [p.number for p in pages if needle in p.text]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


# ---------------------------------------------------------------- seed letter


def test_seed_letter_splits_into_its_eight_pages():
    raw = split_text_pages(SEED.read_text(encoding="utf-8"))
    assert len(raw) == 8
    assert raw[0].startswith(" Geachte voorzitter,")
    assert raw[1].startswith(" minister van")  # (a no-break space follows in the source)


def test_seed_letter_pages_and_citations():
    pages = seed_doc().pages
    assert [p.number for p in pages] == list(range(1, 9))
    assert page_with(pages, "voornemens de CS3D lastenluw te implementeren") == 7
    assert pages[0].text.startswith("Geachte voorzitter,")


def test_seed_letter_footnote_one_and_its_reference():
    page2 = seed_doc().pages[1]
    assert page2.footnotes == {"1": "Kamerstuk 32 735 nr. 370"}
    assert "Kamerstuk 32 735" not in page2.text  # moved out of the body
    (offset, mark), = page2.refs
    assert mark == "1" and page2.text[offset] == "1"
    assert page2.text[offset - len("Rechtsorde’") : offset] == "Rechtsorde’"


def test_seed_letter_all_footnotes():
    pages = seed_doc().pages
    notes = {(p.number, m): t for p in pages for m, t in p.footnotes.items()}
    assert notes[(3, "2")] == "Kamerstuk 36 180 nr. 168"
    assert notes[(3, "3")].endswith("Directie Internationaal Onderzoek en Beleidsevaluatie (IOB)")
    assert notes[(6, "4")] == "CM/Rec(2007)14."
    assert notes[(8, "7")] == "Kamerstuk 36 600-IX nr. 39"
    assert sorted(int(m) for _, m in notes) == list(range(1, 8))
    for page in pages:  # every footnote has its reference on the page, pointing at the mark
        assert {m for _, m in page.refs} == set(page.footnotes)
        for offset, mark in page.refs:
            assert page.text[offset : offset + len(mark)] == mark
    page6 = pages[5]
    assert any(page6.text[o - 13 : o] == "organisaties." for o, m in page6.refs if m == "4")


def test_seed_letter_keeps_line_structure_and_headings():
    pages = seed_doc().pages
    page5 = pages[4]
    assert page5.text.split("\n")[0].startswith("Aanbeveling 5: Maak de inzet")
    for page in pages:
        assert "\n\n\n" not in page.text
        assert not page.text.startswith("\n") and not page.text.endswith("\n")
    text = "\n".join(p.text for p in pages)
    assert re.search(r"^Aanbeveling 8:", text, re.M)
    assert "IMVO-wetgeving" in text  # hyphen at a line end after an acronym: kept and joined
    assert "OESO-richtlijnen voor multinationale" in text
    assert "binnen- en buitenland" in text  # a suspended hyphen is left alone


def test_seed_letter_loses_nothing():
    raw = split_text_pages(SEED.read_text(encoding="utf-8"))
    doc = clean_document(raw)
    assert _chars("".join(raw)) == _chars(accounted_text(doc))
    assert doc.furniture.lines == []  # the seed has no page furniture


# ---------------------------------------------------------------- text files


def test_plain_text_is_one_page_or_split_on_form_feeds():
    assert split_text_pages("Een brief.\nTweede regel.\n") == ["Een brief.\nTweede regel.\n"]
    assert split_text_pages("pagina een\fpagina twee\f") == ["pagina een", "pagina twee"]
    # one-space lines close together (e.g. indented Markdown) are not page breaks
    text = "Titel\n item een\n item twee\nmeer\n"
    assert split_text_pages(text) == [text]
    assert split_text_pages("") == [""]


# ---------------------------------------------------------------- furniture


LETTER_P1 = """\
 P agina 1 van 3
Ministerie van
Infrastructuur en
Waterstaat
Rijnstraat 8
2515 XP Den Haag
Kenmerk
IENW/BSK-2023/297705
> Retouradres Postbus 20901 2500 EX Den Haag
De voorzitter van de Tweede Kamer
der Staten-Generaal
Postbus 20018
2500 EA DEN HAAG
Datum 18 oktober 2023
Betreft Verzamelbrief luchtvaart

Geachte voorzitter,

Met deze brief informeer ik u over de maatschappelijke gevolgen van de
drukte op Schiphol.1 De Nederlandse Arbeidsinspectie houdt toezicht.

1 Kamerstuk 36200-XII-60
"""
LETTER_P2 = """\
Kenmerk
IENW/BSK-2023/297705
P agina 2 van 3

De A rbeidsinspectie heeft in 2022 controles uitgevoerd bij de maatschap-
pelijke partners.2 Zij keek ook naar de OESO-
richtlijnen en de mensenrechten-
en milieunormen.

2 Toezegging TZ202309-010
"""
LETTER_P3 = """\
Kenmerk
IENW/BSK-2023/297705
P agina 3 van 3

Hoogachtend,

DE MINISTER VAN INFRASTRUCTUUR EN WATERSTAAT,

Mark Harbers
"""


def test_letter_furniture_is_removed_and_kept_for_metadata():
    doc = clean_document([LETTER_P1, LETTER_P2, LETTER_P3])
    body = "\n".join(p.text for p in doc.pages)
    for furniture in ("agina", "Kenmerk", "IENW/BSK", "Postbus", "Rijnstraat", "Retouradres", "Datum", "Betreft"):
        assert furniture not in body, furniture
    assert doc.pages[0].text.startswith("Geachte voorzitter,")
    assert doc.furniture.field("Datum") == "18 oktober 2023"
    assert doc.furniture.field("Betreft") == "Verzamelbrief luchtvaart"
    assert doc.furniture.field("Kenmerk") == "IENW/BSK-2023/297705"
    assert "P agina 2 van 3" in doc.furniture.texts()
    assert _chars("".join([LETTER_P1, LETTER_P2, LETTER_P3])) == _chars(accounted_text(doc))


def test_a_return_address_alone_and_fields_that_failed_to_update_are_letterhead():
    """A letter whose Word fields failed to update ("Datum Error! Unknown document property name.")
    and whose return address stands alone above a long addressee line: both are furniture, and no
    field error is taken for a value."""
    page = ("> Retouradres Postbus 20011 2500EA  Den Haag\n"
            "Aan de bestuurscolleges van Bonaire, Saba en Sint Eustatius, per mail\n"
            "Datum Error! Unknown document property name.\n"
            "Betreft Error! Unknown document property name.\n"
            "Ministerie van Binnenlandse Zaken\nTurfmarkt 147\nPostbus 20011\n2500EA  Den Haag\n"
            "Kenmerk\nError! Unknown document\nproperty name.\n"
            "Geachte bestuurders,\nHierbij meld ik u dat het ontwerp ter inzage ligt.")
    doc = clean_document([page])
    body = doc.pages[0].text
    assert "Retouradres" not in body and "Error!" not in body and "Turfmarkt" not in body
    assert "Aan de bestuurscolleges" in body and "Hierbij meld ik u" in body
    assert doc.furniture.field("Datum") is None and doc.furniture.field("Betreft") is None
    assert doc.furniture.field("Kenmerk") is None
    assert _chars(page) == _chars(accounted_text(doc))


def test_letter_repairs_words_and_finds_footnotes():
    doc = clean_document([LETTER_P1, LETTER_P2, LETTER_P3])
    p1, p2, p3 = doc.pages
    assert p1.footnotes == {"1": "Kamerstuk 36200-XII-60"}
    assert p2.footnotes == {"2": "Toezegging TZ202309-010"}
    assert "De Arbeidsinspectie heeft" in p2.text  # "A rbeidsinspectie": the word occurs on page 1
    assert "maatschappelijke partners.2" in p2.text  # hyphenation joined: the word occurs on page 1
    assert "OESO-richtlijnen en de mensenrechten-\nen milieunormen." in p2.text
    assert doc.furniture.dropped == "-"
    assert p3.text.endswith("Mark Harbers")


OFFICIAL_P1 = """\
Tweede Kamer der Staten-Generaal
2
Vergaderjaar 2020–2021
32 545 Wet- en regelgeving financiële markten
Nr. 143 MOTIE VAN DE LEDEN INGE VAN DIJK EN GRINWIS
Voorgesteld 6 juli 2021
De Kamer,
gehoord de beraadslaging,
en gaat over tot de orde van de dag.
Inge van Dijk
Grinwis
kst-32545-143
ISSN 0921 - 7371
’s-Gravenhage 2021 Tweede Kamer, vergaderjaar 2020–2021, 32 545, nr. 143"""


def test_official_publication_header_and_footer():
    doc = clean_document([OFFICIAL_P1])
    text = doc.pages[0].text
    assert text.startswith("32 545 Wet- en regelgeving financiële markten")
    assert text.endswith("Grinwis")
    assert "kst-32545-143" in doc.furniture.texts("official")
    assert "ISSN" not in text and "Vergaderjaar" not in text


def test_running_footer_with_page_number_is_removed_but_footnotes_citing_it_stay():
    pages = [
        f"Tekst op pagina {n} over de regeldruk voor ondernemers.{n}\n"
        f"{n} Tweede Kamer, vergaderjaar 2017–2018, 26 485, nr. {260 + n}\n"
        f"Tweede Kamer, vergaderjaar 2023–2024, 36 450, nr. 3 {n}"
        for n in range(1, 5)
    ]
    doc = clean_document(pages)
    for n, page in enumerate(doc.pages, start=1):
        assert page.footnotes == {str(n): f"Tweede Kamer, vergaderjaar 2017–2018, 26 485, nr. {260 + n}"}
        assert "36 450" not in page.text


def test_repeated_side_column_lines_are_running_furniture():
    pages = [
        f"Kantoor Groningen\nZakelijke belastingen\n\n{body}"
        for body in ("Het besluit.", "De motivering.", "Het bezwaar.", "De bijlage.")
    ]
    doc = clean_document(pages)
    assert [p.text for p in doc.pages] == ["Het besluit.", "De motivering.", "Het bezwaar.", "De bijlage."]
    assert doc.furniture.texts("running").count("Kantoor Groningen") == 4


def test_lone_page_number_below_running_lines_is_removed():
    # a report's footer read first, twice, above the printed page number (PDF page n prints n - 2)
    bodies = ["Inleiding\nDeelfietsen staan bij stations.", "Vergunningen\nGemeenten geven vergunningen af.",
              "Gebruik\nHet gebruik groeit snel.", "Scooters\nScooters rijden elektrisch.",
              "Beleid\nDe provincie stimuleert dit.", "Bijlage 1: aanbieders\nDonkey Republic en Felyx."]
    pages = [f"Elke dag beter. Zuid Holland.\nElke dag beter. Zuid Holland.\n\n{max(n - 2, 1)}\n\n{body}"
             for n, body in enumerate(bodies, start=1)]
    doc = clean_document(pages)
    assert [p.text for p in doc.pages] == bodies
    assert doc.furniture.texts("page-number") == [str(max(n - 2, 1)) for n in range(1, 7)]


def test_headings_repeated_on_a_few_pages_are_not_furniture():
    pages = [("Antwoord\n" if n % 4 == 0 else "") + f"De regering antwoordt op vraag {n} als volgt." for n in range(12)]
    doc = clean_document(pages)
    assert sum(p.text.startswith("Antwoord") for p in doc.pages) == 3


# ---------------------------------------------------------------- footnotes


def test_footnote_numbering_continues_across_pages():
    pages = [
        "Eerste bewering.1 Tweede bewering.2\n\n1 Kamerstuk 1\n2 Kamerstuk 2",
        "Meer tekst over iets (mvo). 3 Sinds\n1 januari 2022 geldt een nieuwe regel.\n3 Zie www.example.nl",
    ]
    p1, p2 = clean_pages(pages)
    assert p1.footnotes == {"1": "Kamerstuk 1", "2": "Kamerstuk 2"}
    assert p2.footnotes == {"3": "Zie www.example.nl"}
    assert "1 januari 2022 geldt" in p2.text  # a body line starting with a number stays
    assert p2.refs == [(p2.text.index(" 3 Sinds") + 1, "3")]


def test_numbered_table_rows_are_not_footnotes():
    page = (
        "Nr. Omschrijving\n1 Brief inz. offerte\n2 Brief inz. offerte (2)\n3 Overeenkomst\n"
        "4 Mail inz. campagne\nBijlage B Inventarislijst"
    )
    (p,) = clean_pages([page])
    assert p.footnotes == {} and "1 Brief inz. offerte" in p.text


def test_multi_line_footnote_and_spaced_reference():
    page = (
        "Bent u bekend met het bericht «Kritiek op besluit»? 1 Wat is uw reactie?\n"
        "Antwoord 1\nJa.\n"
        "1 NOS, d.d. 1 maart 2024, «Kritiek op besluit provincie Friesland»,\n"
        "https://nos.nl/artikel/2510977-kritiek"
    )
    (p,) = clean_pages([page])
    assert p.footnotes == {"1": "NOS, d.d. 1 maart 2024, «Kritiek op besluit provincie Friesland», https://nos.nl/artikel/2510977-kritiek"}
    ((offset, mark),) = p.refs
    assert p.text[offset - 3 : offset + 1] == "»? 1"


# ---------------------------------------------------------------- word repairs


def test_hyphen_repair_uses_the_document_as_evidence():
    pages = [
        "De maatschappelijke ruimte krimpt.\nHet maatschap-\npelijke middenveld en de drone-exploitanten.\n"
        "Nieuwe drone-\nexploitanten en een zee-\negel, de EU-\nrecht-regels, en het regeer -\nprogramma; het regeerprogramma.\n"
        "Voor de kosten -\nwaaronder reizen.",
    ]
    doc = clean_document(pages)
    text = doc.pages[0].text
    assert "Het maatschappelijke middenveld" in text
    assert "Nieuwe drone-exploitanten en een zee-egel, de EU-recht-regels, en het regeerprogramma;" in text
    assert "kosten -\nwaaronder" in text  # a dash between words: no evidence, left alone
    assert doc.furniture.dropped == "--"


def test_letter_spacing_repair_needs_evidence():
    text = "De A rbeidsinspectie en de Arbeidsinspectie.\nU ontvangt een brief. U kunt bellen.\nDe A P U en de APU."
    (p,) = clean_pages([text])
    assert p.text.startswith("De Arbeidsinspectie en de Arbeidsinspectie.")
    assert "U ontvangt een brief. U kunt bellen." in p.text
    assert "De APU en de APU." in p.text


def test_empty_and_furniture_only_pages_keep_their_number():
    pages = clean_pages(["", "Pagina 2 van 3", "Tekst op de derde pagina."])
    assert [(p.number, p.text) for p in pages] == [(1, ""), (2, ""), (3, "Tekst op de derde pagina.")]
    assert clean_pages([]) == []


def test_normalize_text_unifies_whitespace_and_ligatures():
    assert normalize_text("of\ufb01ce\r\nA\u00a0B\u200bC\x0cD") == "office\nA BC\nD"


# ---------------------------------------------------------------- properties


def _chars(text: str) -> Counter:
    """Non-space characters, after the same normalisation cleaning applies."""
    return Counter(c for c in normalize_text(text) if not c.isspace() and c != "\u00ad")


_WORDS = [
    "de", "het", "maatschap-", "pelijke", "maatschappelijke", "Pagina 2 van 5", "P agina 3 van 5",
    "Kenmerk", "Datum 3 maart 2021", "Betreft Brief", "Postbus 20018", "2500 EA Den Haag", "www.rijksoverheid.nl",
    "kst-32545-143", "ISSN 0921 - 7371", "Tweede Kamer, vergaderjaar 2020–2021, 32 545, nr. 1 2",
    "Geachte voorzitter,", "1 Kamerstuk 32 735 nr. 370", "2 Zie", "Rechtsorde’1", "organisaties.4", "A rbeid",
    "Arbeid", "U", "ontvangt", "OESO-", "richtlijnen", "en", "-", " -", "\xad", "ﬁ", "(", ")", "»?", "1", "2", "12",
    "Antwoord", "Vraag 3", "’s-Gravenhage 2021", "Tweede Kamer der Staten-Generaal", "\t", "\x0c", "\x00", "é",
]
_page = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.text(max_size=12)),
    max_size=60,
).map(lambda parts: "".join(p + ("\n" if i % 3 == 0 else " ") for i, p in enumerate(parts)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_page, max_size=6))
@example(["organisaties.4\n4)0 "])  # a footnote marked "4)": its ")" was lost
@example(["organisaties.4\n04)0 "])  # and the "0" of one marked "04"
def test_cleaning_never_fails_and_loses_no_character(raw_pages):
    doc = clean_document(raw_pages)
    assert [p.number for p in doc.pages] == list(range(1, len(raw_pages) + 1))
    assert _chars("".join(raw_pages)) == _chars(accounted_text(doc))
    for page in doc.pages:
        for offset, mark in page.refs:
            assert page.text[offset : offset + len(mark)] == mark
        assert set(m for _, m in page.refs) <= set(page.footnotes)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_split_text_pages_keeps_all_text(text):
    pages = split_text_pages(text)
    assert pages
    assert _chars("".join(pages)) == _chars(text.replace("\f", ""))


# ---------------------------------------------------------------- real documents


@needs_shared
def test_verzamelbrief_luchtvaart_pages_furniture_and_footnotes():
    import io

    import pypdf

    data = (SHARED / "corpus-real/letters/verzamelbrief-luchtvaart.pdf").read_bytes()
    raw = [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    doc = clean_document(raw)
    pages = doc.pages
    assert page_with(pages, "tilhulp") == 5
    body = "\n".join(p.text for p in pages)
    assert "agina" not in body.replace("pagina 4 en 5", "")
    assert "IENW/BSK-2023/297705" not in body
    marks = [int(m) for p in pages for m in p.footnotes]
    assert marks == list(range(1, 14))
    assert pages[1].footnotes["6"].startswith("Jaarverslag Nederlandse Arbeidsinspectie, hoofdstuk Cijfers")
    assert pages[3].footnotes["10"] == "Auxiliary power unit (APU)."
    assert "registratiesysteem voor drone-exploitanten." in body
    assert doc.furniture.field("Kenmerk") == "IENW/BSK-2023/297705"
    assert _chars("".join(raw)) == _chars(accounted_text(doc))
