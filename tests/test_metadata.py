"""Metadata detection (title, date, kenmerk, Kamerstuk, kind, signatories) and sidecars."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.clean import clean_document, split_text_pages
from assistant.load import load_document
from assistant.metadata import confirmed_title, detect_metadata, parse_dutch_date
from assistant.sidecars import apply_sidecar, find_sidecar, load_sidecar, sidecar_candidates
from assistant.types import DocumentMeta, IngestError
from tests.pdfgen import make_pdf

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = ROOT / "corpus" / "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte.txt"
LETTERS = SHARED / "corpus-real" / "letters"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (it holds the real PDFs); a user's clone lacks it"
)


def detect(raw_pages: list[str]) -> DocumentMeta:
    doc = clean_document(raw_pages)
    return detect_metadata(doc.pages, raw_pages, doc.furniture)


@lru_cache(maxsize=None)
def real(rel: str):
    return load_document(LETTERS / rel)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text, iso",
    [
        ("Datum 12 mei 2025", "2025-05-12"),
        ("Den Haag, 3 maart 2021", "2021-03-03"),
        ("’s-Gravenhage,  16 oktober 2023", "2023-10-16"),
        ("(ontvangen 21 juni 2021)", "2021-06-21"),
        ("1 sept. 2020", "2020-09-01"),
        ("20-09-2021", "2021-09-20"),
        ("31 februari 2021", None),
        ("geen datum", None),
    ],
)
def test_parse_dutch_date(text, iso):
    assert parse_dutch_date(text) == iso


# ---------------------------------------------------------------- detection


def test_seed_letter_metadata_from_its_text():
    meta = detect(split_text_pages(SEED.read_text(encoding="utf-8")))
    assert meta.signatories == ["D.M. Van Weel", "Aukje de Vries"]
    assert meta.kind == "brief"
    assert meta.date is None and meta.kenmerk is None and meta.kamerstuk is None
    assert meta.title is None  # the letter's first line is a salutation, not a title


def test_ministry_letter():
    page1 = (
        "Pagina 1 van 2\nMinisterie van\nInfrastructuur en Waterstaat\nRijnstraat 8\n2515 XP Den Haag\n"
        "Kenmerk\nIENW/BSK-2023/297705\n> Retouradres Postbus 20901 2500 EX Den Haag\n"
        "De voorzitter van de Tweede Kamer\nder Staten-Generaal\nPostbus 20018\n2500 EA DEN HAAG\n"
        "Datum 18 oktober 2023\nBetreft Verzamelbrief luchtvaart\n\nGeachte voorzitter,\n\n"
        "Met deze brief informeer ik u over de voortgang."
    )
    page2 = "Pagina 2 van 2\nHoogachtend,\n\nDE MINISTER VAN INFRASTRUCTUUR EN WATERSTAAT,\n\nMark Harbers"
    meta = detect([page1, page2])
    assert meta == DocumentMeta(
        title="Verzamelbrief luchtvaart",
        date="2023-10-18",
        kenmerk="IENW/BSK-2023/297705",
        kamerstuk=None,
        kind="brief",
        signatories=["Mark Harbers"],
    )


def test_kamerstuk_brief():
    page = (
        "Tweede Kamer der Staten-Generaal\n2\nVergaderjaar 2024–2025\n"
        "29 515 Aanpak regeldruk en administratieve lasten\n"
        "Nr. 496 BRIEF VAN DE MINISTER VAN ECONOMISCHE ZAKEN\n"
        "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal\nDen Haag, 28 januari 2025\n"
        "Hierbij bied ik u het Werkprogramma 2025 aan.\nDe Minister van Economische Zaken,\nD.S. Beljaarts\n"
        "kst-29515-496\nISSN 0921 - 7371\n"
        "’s-Gravenhage 2025 Tweede Kamer, vergaderjaar 2024–2025, 29 515, nr. 496"
    )
    meta = detect([page])
    assert meta.kamerstuk == "29 515, nr. 496"
    assert meta.kind == "brief"
    assert meta.date == "2025-01-28"
    assert meta.title == "Aanpak regeldruk en administratieve lasten; Brief van de Minister van Economische Zaken"
    assert meta.signatories == ["D.S. Beljaarts"]


def test_kamervragen_answer():
    page = (
        "Tweede Kamer der Staten-Generaal\n2\nVergaderjaar 2020–2021 Aanhangsel van de Handelingen\n"
        "Vragen gesteld door de leden der Kamer, met de daarop door de\nregering gegeven antwoorden\n3235\n"
        "Vragen van de leden Van Weyenberg, Romke de Jong en Kat (allen D66)\n"
        "aan de Minister van Sociale Zaken en Werkgelegenheid over de TOZO\n(ingezonden 3 juni 2021).\n"
        "Antwoord van Minister Koolmees (Sociale Zaken en Werkgelegenheid)\n(ontvangen 21 juni 2021).\n"
        "Vraag 1\nKlopt het?\nAntwoord 1\nJa.\nah-tk-20202021-3235\nISSN 0921 - 7398\n"
        "’s-Gravenhage 2021 Tweede Kamer, vergaderjaar 2020–2021, Aanhangsel 1"
    )
    meta = detect([page])
    assert meta.kind == "kamervragen"
    assert meta.kamerstuk == "ah-tk-20202021-3235"
    assert meta.date == "2021-06-21"
    assert meta.title == "Antwoord op vragen van de leden Van Weyenberg, Romke de Jong en Kat over de TOZO"
    assert meta.signatories == ["Koolmees"]


def test_other_kinds():
    fiche = detect(["Pagina 1 van 3\nFiche 5: Herziening verordening markten\n\n1. Algemene gegevens\n"])
    assert (fiche.kind, fiche.title) == ("bnc-fiche", "Fiche 5: Herziening verordening markten")
    wob = detect(["Datum 20 september 2021\nBetreft Besluit op uw Wob-verzoek\n\nGeachte ,\n\nU vroeg om documenten."])
    assert (wob.kind, wob.date, wob.title) == ("wob-besluit", "2021-09-20", "Besluit op uw Wob-verzoek")
    cover = detect(["Regeerprogramma\nUitwerking van het hoofdlijnenakkoord\ndoor het kabinet\n13 september 2024", "Inhoud"])
    # a one-word cover title goes on in the stacked lines under it
    assert (cover.title, cover.date) == ("Regeerprogramma Uitwerking van het hoofdlijnenakkoord door het kabinet",
                                         "2024-09-13")
    empty = detect(["", ""])
    assert empty == DocumentMeta()


def test_date_under_a_datum_label_in_columns_or_on_its_own_line():
    """Forms that set labels and values in columns (a provincial council proposal) or put the value
    under its label (a municipal decision list) without a letterhead block around them."""
    proposal = detect(["Statenvoorstel nr. PS24-000439\nDatum\nGS-kenmerk\n16.07.2024\n2024-015664\n"
                       "Aan Provinciale Staten\nOnderwerp\nVaststelling windenergie 2024\n\n"
                       "Wij stellen u voor de verordening vast te stellen. " * 3])
    assert proposal.date == "2024-07-16"
    decisions = detect(["Besluitenlijst Openbaar B&W-vergadering Wassenaar\nDatum\n12-03-2024\nTijd\n9:30 - 14:47\n"
                        "Locatie\nDe Paauw\n1\nOpening\n2\nMededelingen\n"])
    assert decisions.date == "2024-03-12"
    # a 'Datum' in running text with no date after it gives none
    assert detect(["Besluitenlijst\nDatum en plaats worden later bekendgemaakt.\nGeen vergadering.\n"]).date is None


def test_memo_labels_in_lower_case_a_date_is_no_kenmerk_and_a_disclaimer_is_no_title():
    memo = detect(["Notitie\ndatum\n12 augustus 2020\ninzake\nJuridische analyse van het advies over de app\n"
                   "zaaknr\n11014156\n\nManagementsamenvatting\nDe minister heeft ons gevraagd het advies te beoordelen."])
    assert (memo.title, memo.date, memo.kenmerk) == ("Juridische analyse van het advies over de app", "2020-08-12",
                                                     "11014156")
    wob = detect(["Datum 20 oktober 2020\nOns kenmerk 20 oktober 2020\nBetreft Beslissing op uw verzoek\n\n"
                  "Geachte heer,\n\nU vroeg om documenten."])
    assert wob.kenmerk is None and wob.date == "2020-10-20"
    # a law firm's disclaimer that pypdf reads before the memo itself
    disclaimer = ("Alle werkzaamheden worden verricht op grond van een overeenkomst van opdracht met de naamloze "
                  "vennootschap Pels Rijcken & Droogleever Fortuijn N.V., gevestigd te Den Haag en ingeschreven")
    assert detect([disclaimer + "\nin het Handelsregister onder nr. 27283716.\n\nDe minister heeft ons gevraagd."]).title is None


def test_fallback_title_that_ends_open_goes_on_in_the_next_line():
    report = detect(["Sneller reizen met de bus in\nZuid-Holland\nDeze Snelstudie dient ter inspiratie.\n"])
    assert report.title == "Sneller reizen met de bus in Zuid-Holland"
    # a title that is complete stays as it is, also when the next line is capitalised
    study = detect(["Kansen voor deelfiets en deelscooter\nZuid-Holland\nDeze Snelstudie dient ter inspiratie.\n"])
    assert study.title == "Kansen voor deelfiets en deelscooter"


def test_a_place_and_date_is_no_title_and_a_stacked_cover_title_is_whole():
    """A House committee's decision list opens with "Den Haag, <date>" and names itself under
    "Document:"; a cover page stacks its title a word a line."""
    lijst = detect(["Den Haag, 28 oktober 2016\nVoortouwcommissie: vaste commissie voor Financiën\n"
                    "Document: Besluitenlijst van de procedurevergadering van woensdag 26\noktober 2016\n"
                    "1. Agendapunt: De besluitenlijst van 12 oktober 2016 wordt vastgesteld.\n"])
    assert lijst.title == "Besluitenlijst van de procedurevergadering van woensdag 26 oktober 2016"
    assert lijst.date == "2016-10-28"
    # without the label: no title rather than the place and date
    assert detect(["Den Haag, 28 oktober 2016\nVoortouwcommissie: vaste commissie voor Financiën\n"]).title is None
    # "Document: 16.1" in an inventory is no subject
    assert detect(["Inventarislijst\nDocument: 16.1 e-mail van 3 maart\n"]).title == "Inventarislijst"
    cover = detect(["Blauwdruk\nAI-geletterdheidsprogramma\nInleiding\nDit document beschrijft het programma."])
    assert cover.title == "Blauwdruk AI-geletterdheidsprogramma"
    # a title of more words does not take the next line
    assert detect(["Handreiking AI-verordening\nVersie 1.0\nInleiding\n"]).title == "Handreiking AI-verordening"


def test_a_note_that_names_itself_is_titled_by_that_name():
    """A note whose first line is its issuer's header ("Technisch Overleg Digikoppeling") names
    itself further down: "Notitie - OIN Nummer bijzondere organisaties"."""
    note = detect(["Technisch Overleg Digikoppeling Logius\nBezoekadres:\nWilhelmina v Pruisenweg 52\n"
                   "Datum\n15-09-2021\nKenmerk\nNotitie - OIN Nummer bijzondere organisaties\nInleiding\n"
                   "De OIN Nummer systematiek is aangepast voor organisaties."])
    assert note.title == "OIN Nummer bijzondere organisaties"
    assert detect(["Memo: Planning van de consultatie\nDe consultatie loopt tot 1 juni."]).title == \
        "Planning van de consultatie"
    # a note "ter beslissing" names no subject
    assert detect(["Nota ter beslissing\nAanleiding\nDe minister vroeg om advies."]).title == "Nota ter beslissing"


def test_a_word_field_error_is_no_value_and_a_letters_first_sentence_no_title():
    """A Word field that failed to update prints "Error! Unknown document property name." under
    Betreft and Kenmerk; that is no title, and neither is the letter's first sentence."""
    letter = detect(["> Retouradres Postbus 20011 2500EA Den Haag\nAan de bestuurscolleges van Bonaire\n"
                     "Ministerie van Binnenlandse Zaken\nDatum\nError! Unknown document property name.\n"
                     "Betreft\nError! Unknown document property name.\nKenmerk\nFout! Onbekende naam voor "
                     "documenteigenschap.\nGeachte bestuurders,\nHierbij meld ik u dat het ontwerp van het programma\n"
                     "ter inzage wordt gelegd."])
    assert letter.title is None and letter.kenmerk is None and letter.date is None
    assert detect(["Hierbij meld ik u dat het ontwerp van het programma\nCaribisch Nederland ter inzage ligt."]).title is None


def test_a_regulations_long_title_and_a_bills_explanatory_memorandum():
    """The long title of a regulation runs over its lines up to the enacting words, past the dots
    of a date to be filled in and the issuing unit in capitals above it; a bill's title carries the
    genre below it."""
    regulation = detect(["HOOFDDIRECTIE\nBESTUURLIJKE EN\nJURIDISCHE ZAKEN\nRegeling van de Minister van "
                         "Infrastructuur en Waterstaat, van ........, nr.\nIENW/BSK-2023/PM, tot wijziging van de "
                         "Regeling kentekens en\nkentekenplaten in verband met bijzondere\nbromfietsen\n"
                         "De Minister van Infrastructuur en Waterstaat,\nGelet op artikel 36;\nBESLUIT:"])
    assert regulation.title == ("Regeling van de Minister van Infrastructuur en Waterstaat, van ........, nr. "
                                "IENW/BSK-2023/PM, tot wijziging van de Regeling kentekens en kentekenplaten in "
                                "verband met bijzondere bromfietsen")
    memorandum = detect(["Wijziging van de Opiumwet in verband met de verhoging van het wettelijk\n"
                         "strafmaximum van het aanwezig hebben van verdovende middelen\nMEMORIE VAN TOELICHTING\n"
                         "ALGEMEEN DEEL\n1. Inleiding\nDit wetsvoorstel voorziet in een verhoging."])
    assert memorandum.title == ("Wijziging van de Opiumwet in verband met de verhoging van het wettelijk "
                                "strafmaximum van het aanwezig hebben van verdovende middelen; Memorie van toelichting")
    # a sentence of the body that opens the same way is no title
    assert detect(["Wijziging van de regeling is nodig.\nDe minister besluit."]).title is None
    # a title of over 300 characters goes by the short title it ends in; a state secretary enacts
    subsidy = detect(["Regeling van de Staatssecretaris van Infrastructuur en Waterstaat, van ........,\n"
                      "nr. IENW/BSK-2023/256354, houdende vaststelling van regels voor de\n"
                      "subsidiering van de uitvoering van activiteiten ten behoeve van de aanpassing\n"
                      "van goederenlocomotieven aan of de ontwikkeling van goederenlocomotieven met\n"
                      "inachtneming van ETCS systeemversie 2.0 of hoger (Tijdelijke subsidieregeling\n"
                      "ERTMS goederenlocomotieven)\nDe Staatssecretaris van Infrastructuur en Waterstaat,\n"
                      "Gelet op artikel 4;\nBESLUIT:"])
    assert subsidy.title == "Tijdelijke subsidieregeling ERTMS goederenlocomotieven"
    # a colophon is no title
    assert detect(["Colofon\nUitgave van provincie Overijssel\noktober 2024\n"]).title is None


def test_a_forms_label_on_its_own_line_has_its_value_below():
    form = detect(["Beleidskompasformulier voor\ninternetconsultatie\nTitel:\nVoorstel van wet tot wijziging van "
                   "de Wet op de rechterlijke organisatie in\nverband met een klokkenluidersregeling\n"
                   "Wie zijn belanghebbenden?\nDe gerechten."])
    assert form.title == ("Voorstel van wet tot wijziging van de Wet op de rechterlijke organisatie in verband met "
                          "een klokkenluidersregeling")
    # an instruction where the value should be is none
    blank = detect(["Beleidskompasformulier voor\ninternetconsultatie\nTitel:\n(Vul hier de publicatietitel in)\n"
                    "Wie zijn belanghebbenden?"])
    assert blank.title == "Beleidskompasformulier voor internetconsultatie"


def test_lines_above_a_title_that_are_not_it():
    # an organisation's name alone (the addressee), then a date before the subject on one line
    letter = detect(["Ministerie van Binnenlandse Zaken en Koninkrijksrelaties\n10-05-2026 Evaluatie NVVB "
                     "Gemeenteraadsverkiezing 2026\nGeachte Minister,\nDe verkiezingen liggen achter ons."])
    assert (letter.title, letter.date) == ("Evaluatie NVVB Gemeenteraadsverkiezing 2026", "2026-05-10")
    # a reference number, a footnote pypdf read before the body
    assert detect(["4.2020.1102.001 1\nBeschikking op Wob verzoek\nVan de Minister van Sociale Zaken\n"
                   "Aanleiding\nOp 12 oktober 2020 is een verzoek ingediend."]).title == "Beschikking op Wob verzoek"
    body = "\n".join(["Met deze wijziging van het besluit worden codes aan de bijlage toegevoegd, zodat de"] * 20)
    assert detect(["1 Besluit openbaarmaking toezichtgegevens, Stb. 2022, 456.\nNota van toelichting\n"
                   "1. Inleiding\n" + body]).title == "Nota van toelichting"
    # a date, a label, the second line of an organisation's name: no title rather than a wrong one
    assert detect(["Donderdag 11 juni 2020\nBeste bewoners,\nWe willen jullie bijpraten."]).title is None
    assert detect(["In opdracht van:\nProvincie Zuid-Holland\nProjectnummer:\n6768-R2-E\n"
                   "Programma van Eisen: Slim benutten"]).title is None
    assert detect(["191206\nRijksinstituut voor Volksgezondheid\nen Milieu\nDagelijks Cluster Rapport"]).title is None
    # a title that ends in a colon goes on in its subtitle; a short one is no label
    assert detect(["Verwerkingsregister voor VWS:\nHandleiding\nSchmits, T.\n03-08-2026\n"]
                  ).title == "Verwerkingsregister voor VWS: Handleiding"


def test_a_letterhead_read_after_the_body_gives_the_subject_and_leaves_the_body():
    """pypdf reads an Amsterdam district's side column after the letter's first page (heldout17):
    its handler's line with an e-mail address is longer than a letterhead's other lines, and it
    broke the block, so the wrapped subject was neither the title nor taken out of the body."""
    body = "\n".join(["In uw e-mail van 3 april 2020 heeft u met een beroep op de Wet openbaarheid van bestuur"] * 6)
    page = (body + "\nBezoekadres\nBuikslotermeerplein 2000\n1025 XL Amsterdam\n\nPostbus 37608\n1030 BB Amsterdam\n"
            "Telefoon 14020\namsterdam.nl\nRetouradres: Postbus 37608, 1030 BB Amsterdam\nDatum 26 juni 2020\n"
            "Ons kenmerk NO20-05670/UIT-20-12470\nUw kenmerk\n"
            "Behandeld door Wob-coördinatie, wob.coordinatie.sdn@amsterdam.nl\n"
            "Onderwerp Besluit Wob-verzoek over handhaving hondenuitlaatdiensten en handhaving\n"
            "loslopende honden thv Nieuwendammerdijk\n\nGeachte heer,\nHierbij ontvangt u mijn besluit.")
    doc = clean_document([page])
    meta = detect_metadata(doc.pages, [page], doc.furniture)
    assert meta.title == ("Besluit Wob-verzoek over handhaving hondenuitlaatdiensten en handhaving loslopende "
                          "honden thv Nieuwendammerdijk")
    # a subject typed as a sentence is cited without its full stop; an abbreviation keeps its own
    for subject, title in [("Besluit Wob-verzoek over de sloop van het Waddenwegviaduct.",
                            "Besluit Wob-verzoek over de sloop van het Waddenwegviaduct"),
                           ("Reactie op het advies van de AIV e.a.", "Reactie op het advies van de AIV e.a.")]:
        assert detect([f"Datum 2 september 2020\nOnderwerp {subject}\n\nGeachte heer,\n" + body]).title == title
    assert "Behandeld door" not in doc.pages[0].text and "Nieuwendammerdijk" not in doc.pages[0].text
    assert doc.pages[0].text.count("Wet openbaarheid van bestuur") == 6
    # a handler's line without an address or number is body text when it is long
    long_line = "Behandeld door de afdeling die de aanvragen van alle bewoners van het stadsdeel beoordeelt"
    assert long_line in clean_document([f"Datum 26 juni 2020\nOns kenmerk NO20-05670\n{long_line}"]).pages[0].text


def test_an_organisations_name_wrapped_over_two_lines_is_no_title():
    """A Wob decision whose first page is a scan: its second page opens with the directorate's
    name over two lines, and the second line was taken for the title."""
    page = ("Pagina 2 van 7\nDirectoraat-generaal Natuur,\nVisserij en Landelijk gebied\n\nDGNVLG / 21211984\n"
            "te ontvangen. Tevens heeft u gevraagd daarbij voorrang te geven aan het deel van uw verzoek.")
    meta = detect(["", page])
    assert meta.title is None
    assert "Visserij en Landelijk gebied" not in clean_document(["", page]).pages[1].text


def test_the_pdfs_own_title_when_its_text_names_none(tmp_path):
    import io

    import pypdf

    def pdf_with_info_title(title: str) -> bytes:
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf([[
            "Colofon", "Uitgave van provincie Overijssel", "oktober 2024",
            "De provincie werkt aan de energietransitie met gemeenten en netbeheerders."]]))))
        writer.add_metadata({"/Title": title})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    (tmp_path / "a.pdf").write_bytes(pdf_with_info_title("Provinciaal Programma Energiestrategie"))
    assert load_document(tmp_path / "a.pdf").meta.title == "Provinciaal Programma Energiestrategie"
    # a file or template name, a code, one word: not a title
    for name in ("Microsoft Word - 20110301_draagmoederschap.doc", "RO_PUBL_030_A4_Informatieblad", "6768-R2-E",
                 "Omschrijving", "T W E E D E   K A M E R"):
        (tmp_path / "b.pdf").write_bytes(pdf_with_info_title(name))
        assert load_document(tmp_path / "b.pdf").meta.title is None, name
    # the text's own title comes first
    (tmp_path / "c.pdf").write_bytes(make_pdf([["Werkinstructie Weerbulletin", "Het bulletin verschijnt dagelijks."]]))
    assert load_document(tmp_path / "c.pdf").meta.title == "Werkinstructie Weerbulletin"


def test_the_pdfs_own_title_wins_when_its_first_page_shows_it(tmp_path):
    """A standard printed from a web page opens with the site's header ("Logius - Standaard"); its
    document information names the title that stands as a line below it. A title the page does
    not show as a line of its own does not replace the text's."""
    import io

    import pypdf

    def with_info_title(lines: list[str], title: str) -> bytes:
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf([lines]))))
        writer.add_metadata({"/Title": title})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    page = ["Logius - Standaard", "1. Inleiding", "2. Beheer", "Beheermodel API Design Rules 1.0",
            "Dit document beschrijft hoe de standaard wordt beheerd en doorontwikkeld."]
    (tmp_path / "a.pdf").write_bytes(with_info_title(page, "Beheermodel API Design Rules 1.0"))
    assert load_document(tmp_path / "a.pdf").meta.title == "Beheermodel API Design Rules 1.0"
    (tmp_path / "b.pdf").write_bytes(with_info_title(page, "Beheermodel API Design Rules"))  # not a whole line
    assert load_document(tmp_path / "b.pdf").meta.title == "Logius - Standaard"
    assert confirmed_title("Microsoft Word - beheer.docx", "Microsoft Word - beheer.docx") is None


def test_dates_on_cover_pages_and_in_first_lines():
    assert detect(["Kader voor inzet van generatieve AI\nMaandag 26 mei 2025\n\nInleiding\nHet kader."]).date == "2025-05-26"
    assert detect(["Programma van Eisen\nVersie 0.5, 19 mei 2020\n\nDit document beschrijft de eisen."]).date == "2020-05-19"
    assert detect(["Verslag bestuurlijk overleg\nWoensdag 10 juli 2024 10.00 – 11.00 uur\nLocatie: Almelo\n"
                   "Aanwezig: de gedeputeerde."]).date == "2024-07-10"
    assert detect(["Besluitenlijst raadsvergadering 29 juni 2015 aanvang 17.00 uur\n1. Opening\n"]).date == "2015-06-29"
    assert detect(["Besluit op Wob-verzoek\nDatum: Uitsluitend verstuurd per mail op 14 juni 2021\n"
                   "Geachte heer,\nU vroeg om documenten."]).date == "2021-06-14"
    # a date stamp read before its label on a scanned letter; an OCR misread in the future is none
    assert detect(["Ministerie van Binnenlandse Zaken\n09MRT2021Datum\nBetreft Beslissing op uw Wob verzoek\n"
                   "Bij brief van 19 oktober 2020 heeft u bij mijn ministerie een verzoek ingediend als bedoeld."
                   ]).date == "2021-03-09"
    assert parse_dutch_date("4 SEP, 2021") == "2021-09-04" and parse_dutch_date("0 4 SEP, 2098") is None
    # a date alone in figures on a cover
    assert detect(["Verwerkingsregister voor VWS:\nHandleiding\nSchmits, T.\n03-08-2026\nInleiding\nDit is."]
                  ).date == "2026-08-03"
    # a first line that is a sentence gives no date
    assert detect(["Bij brief van 19 oktober 2020 heeft u bij mijn ministerie een verzoek ingediend als bedoeld "
                   "in artikel 3.\nIk heb de ontvangst bevestigd."]).date is None
    # a date in running text further down is no document date
    assert detect(["Verslag\nHet overleg ging over de brief.\nIn de vergadering van 3 maart 2021 is dit besproken.\n"
                   ]).date is None


def test_a_versions_date_in_the_running_header_dates_the_document():
    """KNMI work instructions print "Versie 5.2, 10 januari 2022" at the top of every page;
    cleaning removes it as a running header, and the date was lost with it."""
    doc = load_document(ROOT / "benchmarks/data/heldout6/pdfs/knmi-werkinstructie-weerbulletin.pdf")
    assert "Versie 5.2" not in doc.pages[0].text
    assert (doc.meta.title, doc.meta.date) == ("Werkinstructie Weerbulletin", "2022-01-10")


def test_a_labelled_subject_outside_a_letterhead_is_the_title():
    memo = detect(["172697\nAan: Doc-19\nDatum: 7 september\nOpsteller: Psc-19\n"
                   "Titel: inventarisatie van regionale en landelijke maatregelen behorend bij\n"
                   "escalatieladder (‘gereedschapskist)\nInleiding\nDe lessons learned zijn verstuurd."])
    assert memo.title == ("inventarisatie van regionale en landelijke maatregelen behorend bij "
                          "escalatieladder (‘gereedschapskist)")
    scan = detect(["0 4 SEP, 2028 Datum:\nBetreft: Besluit op uw Wob-verzoek\nGeachte\nDirectie Wetgeving\n"
                   "In uw brief van 9 juni 2020 heeft u verzocht om informatie."])
    assert scan.title == "Besluit op uw Wob-verzoek"


def test_a_letterhead_subject_that_wraps_or_stands_below_its_label():
    """The subject of a letterhead goes on after a line that ends in an open word, also when the
    next line is capitalised; a subject alone under its label may be longer than the block's
    short lines (real Wob decisions and an AP advice). Both leave the body."""
    pages = ["> Retouradres Postbus 20201 2500 EE Den Haag\nOns kenmerk\n2021-0000153234\nDatum\n"
             "18 augustus 2021\nBetreft Beslissing op uw Wob-verzoek inzake het tussen\n"
             "Nederland en Duitsland afgesloten Belastingverdrag\nGeachte\n"
             "In uw brief van 5 november 2020 heeft u verzocht om informatie over het verdrag."]
    treaty = detect(pages)
    assert treaty.title == ("Beslissing op uw Wob-verzoek inzake het tussen Nederland en Duitsland afgesloten "
                            "Belastingverdrag")
    assert clean_document(pages).pages[0].text.startswith("Geachte")
    advice = detect(["De Minister van Volksgezondheid, Welzijn en Sport\nPostbus 20350\n2500 EJ Den Haag\n\n"
                     "Datum\n06 augustus 2020\nOns kenmerk\nz2020-11824\nContactpersoon\n070 8888 500\n\n"
                     "Onderwerp\nAdvies op voorafgaande raadpleging COVID19 notificatie-app\n\nSamenvatting\n"
                     "De Autoriteit Persoonsgegevens heeft op 7 juli 2020 een verzoek ontvangen."])
    assert advice.title == "Advies op voorafgaande raadpleging COVID19 notificatie-app"
    # a complete subject stays as it is when the next line is capitalised body text
    done = detect(["Datum 3 maart 2021\nOns kenmerk BZ-2021/1234\nBetreft Verzamelbrief luchtvaart\n"
                   "Hierbij stuur ik u de verzamelbrief.\nGeachte voorzitter,"])
    assert done.title == "Verzamelbrief luchtvaart"


def test_a_letterhead_far_into_a_document_is_that_of_an_appended_letter():
    """A 2005 enforcement agreement with a 2017 memo appended on its last page: the memo's
    'Datum' and kenmerk are not the document's. A letterhead on page 2 (after a cover) still is."""
    body = "De handhaving van de Meststoffenwet is een gezamenlijke taak van de diensten.\n" * 3
    cover = "Handhavingsdocument\nMeststoffenwet\n2006 - 2009\n"
    memo = ("Aan:\nUitvoeringsoverleg\nRijksdienst voor Ondernemend Nederland\nwww.rvo.nl\n"
            "Ons kenmerk\nRVO-2017/0815\nDatum\n28 november 2017\n"
            "Met dit document informeer ik u over het strikter handhaven.\n")
    agreement = detect([cover] + [body] * 5 + [memo])
    assert (agreement.date, agreement.kenmerk) == (None, None)
    letter = detect([cover, memo + body, body])
    assert (letter.date, letter.kenmerk) == ("2017-11-28", "RVO-2017/0815")


def test_a_row_of_labels_over_a_row_of_values_gives_the_kenmerk():
    proposal = detect(["Statenvoorstel nr. PS24-000439\nDatum GS-kenmerk Inlichtingen bij Gedeputeerde(n)\n"
                       "16.07.2024 2024-015664\nT.A. de Bree\nAan Provinciale Staten\nWij stellen u voor."])
    assert (proposal.date, proposal.kenmerk) == ("2024-07-16", "2024-015664")
    letter = detect(["Datum Ons kenmerk\n3 maart 2021 BZ-2021/1234\nGeachte voorzitter,\nHierbij."])
    assert letter.kenmerk == "BZ-2021/1234"
    # a value row without a date in front, or a date that follows, gives none
    assert detect(["Datum Kenmerk\nzie hieronder\nGeachte heer,\nHierbij."]).kenmerk is None
    assert detect(["Datum Kenmerk\n3 maart 2021 12 maart 2021\nGeachte heer,\nHierbij."]).kenmerk is None


def test_pdf_letter_end_to_end(tmp_path):
    path = tmp_path / "brief.pdf"
    path.write_bytes(
        make_pdf(
            [
                ["Pagina 1 van 1", "Ons kenmerk", "5687928/11", "Datum 1 maart 2011", "Onderwerp Draagmoederschap",
                 "Draagmoederschap is een complex onderwerp.", "De Staatssecretaris van Veiligheid en Justitie,",
                 "F. Teeven"],  # fmt: skip
            ]
        )
    )
    meta = load_document(path).meta
    assert (meta.title, meta.date, meta.kenmerk, meta.signatories) == (
        "Draagmoederschap", "2011-03-01", "5687928/11", ["F. Teeven"]
    )  # fmt: skip


# ---------------------------------------------------------------- sidecars


def test_sidecar_overrides_detected_fields(tmp_path):
    doc = tmp_path / "brief.txt"
    doc.write_text("Geachte voorzitter,\n\nTekst.\n", encoding="utf-8")
    assert find_sidecar(doc) is None
    (tmp_path / "brief.meta.json").write_text(
        json.dumps({"title": "Een titel", "date": "2025-06-30", "kind": "Kabinetsreactie", "signatories": "A. Minister"}),
        encoding="utf-8",
    )
    meta = load_document(doc).meta
    assert (meta.title, meta.date, meta.kind, meta.signatories) == ("Een titel", "2025-06-30", "kabinetsreactie", ["A. Minister"])


def test_sidecar_toml_with_full_name_and_null(tmp_path):
    doc = tmp_path / "brief.txt"
    doc.write_text("Tekst.\n", encoding="utf-8")
    side = tmp_path / "brief.txt.meta.toml"
    side.write_text('kamerstuk = "32 545, nr. 143"\ndate = 2021-07-06\n', encoding="utf-8")
    assert find_sidecar(doc) == side
    assert load_sidecar(side) == {"kamerstuk": "32 545, nr. 143", "date": "2021-07-06"}
    assert apply_sidecar(DocumentMeta(title="x", kind="brief"), {"kind": None}).kind is None
    assert [p.name for p in sidecar_candidates(doc)] == [
        "brief.meta.json", "brief.meta.toml", "brief.txt.meta.json", "brief.txt.meta.toml"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.meta.json", '{"titel": "x"}', r"unknown field 'titel' \(allowed: date, kamerstuk, kenmerk, kind, signatories, title\)"),
        ("a.meta.json", '{"title": "x",}', r"is not valid JSON \(.* at line 1, column"),
        ("a.meta.json", '["title"]', "must hold one JSON object"),
        ("a.meta.json", '{"date": "12 mei 2025"}', "must be a date written YYYY-MM-DD"),
        ("a.meta.json", '{"date": "2025-02-30"}', "is not a real date"),
        ("a.meta.json", '{"signatories": [1]}', "must be a list of names"),
        ("a.meta.json", '{"title": ""}', "must be a non-empty string"),
        ("a.meta.toml", 'title = "x', "is not valid TOML"),
    ],
)
def test_invalid_sidecars_name_the_file_and_the_problem(tmp_path, name, content, message):
    side = tmp_path / name
    side.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=message) as e:
        load_sidecar(side)
    assert e.value.source == name


def test_invalid_sidecar_stops_loading_its_document(tmp_path):
    (tmp_path / "a.txt").write_text("Tekst.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"datum": "2025-01-01"}', encoding="utf-8")
    with pytest.raises(IngestError, match="unknown field 'datum'") as e:
        load_document(tmp_path / "a.txt")
    assert e.value.source == "a.meta.json"
    (tmp_path / "a.txt.meta.toml").write_text('title = "x"\n', encoding="utf-8")
    with pytest.raises(IngestError, match="more than one metadata sidecar"):
        load_document(tmp_path / "a.txt")


def test_seed_sidecar_is_valid():
    side = SEED.with_name(SEED.stem + ".meta.json")
    data = load_sidecar(side)
    assert data["kind"] == "kabinetsreactie"
    assert data["title"] == (
        "Kabinetsreactie op het AIV-advies 'Krimpende maatschappelijke ruimte: vrijheid en veiligheid onder druk'"
    )
    assert "date" not in data and "kenmerk" not in data  # the letter states neither


# ---------------------------------------------------------------- real documents


def _official(rel: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in ET.parse(LETTERS / rel).getroot():
        out.setdefault(el.get("name"), []).append(el.get("content"))
    return out


@needs_shared
def test_motie_matches_official_metadata():
    meta = real("kst-32545-143/kst-32545-143.pdf").meta
    official = _official("kst-32545-143/metadata.xml")
    dossier, nr = official["OVERHEIDop.dossiernummer"][0], official["OVERHEIDop.ondernummer"][0]
    assert meta.kamerstuk == f"{dossier[:2]} {dossier[2:]}, nr. {nr}" == "32 545, nr. 143"
    assert meta.date == official["DCTERMS.issued"][0] == "2021-07-06"
    assert meta.kind == official["DC.type"][-2].lower() == "motie"
    assert meta.title == "Wet- en regelgeving financiële markten; Motie van de leden Inge van Dijk en Grinwis"
    assert official["OVERHEIDop.dossiertitel"][0] in meta.title
    assert meta.signatories == ["Inge van Dijk", "Grinwis"]
    for name, indiener in zip(meta.signatories, official["OVERHEIDop.indiener"]):
        assert name.split()[-1].lower() in indiener.lower()


@needs_shared
def test_kamervragen_match_official_metadata():
    meta = real("ah-tk-20202021-3235/ah-tk-20202021-3235.pdf").meta
    official = _official("ah-tk-20202021-3235/metadata.xml")
    assert meta.kamerstuk == official["DC.identifier"][0] == "ah-tk-20202021-3235"
    assert meta.date == official["OVERHEIDop.datumOntvangst"][0]
    assert meta.kind == "kamervragen"
    assert meta.title.lower().startswith(official["DC.title"][0].lower())
    assert meta.signatories == ["Koolmees"] and "Koolmees" in official["OVERHEIDop.ontvanger"][0]


@needs_shared
def test_real_letters():
    luchtvaart = real("verzamelbrief-luchtvaart.pdf").meta
    assert (luchtvaart.title, luchtvaart.date, luchtvaart.kenmerk, luchtvaart.kind, luchtvaart.signatories) == (
        "Verzamelbrief luchtvaart", "2023-10-18", "IENW/BSK-2023/297705", "brief", ["Mark Harbers"]
    )  # fmt: skip
    mvt = real("36450-instellingswet-atr/memorie-van-toelichting.pdf").meta
    assert (mvt.kamerstuk, mvt.kind) == ("36 450, nr. 3", "memorie van toelichting")
    assert re.match(r"Regels omtrent de instelling van het Adviescollege toetsing regeldruk .*; Memorie van toelichting$", mvt.title)
    draag = real("20110301-draagmoederschap.pdf").meta
    assert (draag.title, draag.date, draag.kenmerk, draag.signatories) == (
        "Draagmoederschap", "2011-03-01", "5687928/11", ["F. Teeven"]
    )  # fmt: skip
