"""Chunking: section labels follow the headings a reader sees."""
from __future__ import annotations

from assistant.chunk import chunk_pages
from assistant.types import Page

BODY = ("Het kabinet bouwt meer betaalbare woningen in heel Nederland. Twee derde van de woningen moet "
        "betaalbaar zijn voor mensen met een laag of middeninkomen. Gemeenten krijgen hiervoor extra middelen. ")


def _sections(pages: list[Page]) -> dict[int, set[str | None]]:
    """The section labels of the passages that hold each page's body text."""
    out: dict[int, set[str | None]] = {}
    for p in chunk_pages(pages):
        for n in range(p.page, p.page_end + 1):
            out.setdefault(n, set()).add(p.section)
    return out


def test_chapter_number_and_title_on_their_own_lines_at_the_top_of_a_page():
    # as in the Regeerprogramma: "3a" alone, a blank line, the title over two lines
    pages = [
        Page(1, "6. Eisen naturalisatie aangescherpt\n\n" + BODY.replace("woningen", "naturalisaties") * 2),
        Page(2, "3a\n\nWonen en\nvolkshuisvesting\n"),
        Page(3, BODY * 3),
    ]
    s = _sections(pages)
    assert s[1] == {"6. Eisen naturalisatie aangescherpt"}
    assert s[3] == {"3a Wonen en volkshuisvesting"}


def test_a_number_that_starts_a_note_or_a_sentence_is_no_chapter():
    pages = [
        Page(1, "1. Inleiding\n\n" + BODY * 2),
        # a footnote number at the top of a page, then a sentence: not a heading
        Page(2, "2\n\nDat blijkt onder meer uit onderzoek.\n\n" + BODY * 2),
        # a bare number that is not the page's first line
        Page(3, BODY + "\n\n4\n\nWoningbouw\n\n" + BODY),
    ]
    s = _sections(pages)
    assert s[2] == {"1. Inleiding"} and s[3] == {"1. Inleiding"}


def test_a_numbered_sentence_that_runs_on_to_the_next_line_is_no_heading():
    # the Wob's article 11 as quoted in a decision's annex: the sentence "2. Over ... een goede en"
    # wraps at 'en'; it must not become the section of the inventory pages after it
    pages = [
        Page(1, "1. Besluit\n\n" + BODY * 2),
        Page(2, "2. Over persoonlijke beleidsopvattingen kan met het oog op een goede en\n"
                "democratische bestuursvoering informatie worden verstrekt in niet tot personen herleidbare vorm.\n\n"
                + BODY * 2),
        Page(3, "2. Inventarisatielijst\n\n" + BODY * 2),
    ]
    s = _sections(pages)
    assert s[2] == {"1. Besluit"}
    assert s[3] == {"2. Inventarisatielijst"}


def test_a_numbered_heading_that_wraps_onto_a_short_capitalised_line_is_one_heading():
    # as in the Verzamelbrief luchtvaart: the heading's second line names the other inspectorate
    pages = [
        Page(1, "1. Registratiekosten drones\n\n" + BODY * 2),
        Page(2, "2. Controles door de Nederlandse Arbeidsinspectie (NLA) en de\nInspectie Leefomgeving en Transport (ILT)\n"
                + BODY * 2),
    ]
    s = _sections(pages)
    assert s[2] == {"2. Controles door de Nederlandse Arbeidsinspectie (NLA) en de Inspectie Leefomgeving en Transport (ILT)"}


def test_a_numbered_clause_that_goes_on_in_lower_case_is_no_heading():
    pages = [
        Page(1, "1. Besluit\n\n" + BODY * 2),
        Page(2, "2. De verzoeker vermeldt bij zijn verzoek de bestuurlijke aangelegenheid of het daarop\n"
                "betrekking hebbend document, waarover hij informatie wenst te ontvangen.\n" + BODY * 2),
    ]
    assert _sections(pages)[2] == {"1. Besluit"}


def test_a_heading_that_goes_on_in_a_few_lower_case_words_is_one_heading():
    # as in a BNC fiche
    pages = [Page(1, "5. Financiële consequenties, gevolgen voor regeldruk, concurrentiekracht en\n"
                     "geopolitieke aspecten\n\n" + BODY * 2)]
    assert _sections(pages)[1] == {"5. Financiële consequenties, gevolgen voor regeldruk, concurrentiekracht en "
                                   "geopolitieke aspecten"}


def test_a_numbered_sentence_whose_second_line_ends_a_sentence_is_no_heading():
    # as in the Regeerprogramma: a numbered point of a narrow column, not a heading
    pages = [
        Page(1, "1. Arbeidsmarktkrapte\n\n" + BODY * 2),
        Page(2, "4. Het kabinet blijft zich inzetten om de duurzame\narbeidsparticipatie verhogen. Enerzijds doet het\n"
                "kabinet dit door het onbenut arbeidspotentieel aan te spreken.\n" + BODY * 2),
    ]
    assert _sections(pages)[2] == {"1. Arbeidsmarktkrapte"}


def test_entries_of_a_table_of_contents_are_no_headings():
    # as in a provincial study: the contents, then the summary, which is no part of chapter 5
    pages = [
        Page(1, "Inhoud\nSamenvatting 3\n1. Aanleiding, doel & onderzoeksopzet 4\n2. Ontwerpprincipes 6\n"
                "3. Afstand naar de halte en de\nreistijd van de bus 9\n5. Conclusies & aanbevelingen 15\n"),
        Page(2, "Samenvatting\n" + BODY * 2),
        Page(3, "1. Aanleiding, doel & onderzoeksopzet\n\n" + BODY * 2),
    ]
    s = _sections(pages)
    assert not any(label and label[-1].isdigit() for label in s[2]), s[2]  # no "... 15" entry
    assert s[3] == {"1. Aanleiding, doel & onderzoeksopzet"}
    # Kamervragen whose questions end in a note mark are no contents: they stay headings
    questions = [Page(1, "Vraag 1\nBent u bekend met het artikel? 1\nAntwoord 1\nJa. 2\n" + BODY * 2 +
                         "\nVraag 2\nKunt u dat uitleggen? 3\nAntwoord 2\n" + BODY * 2)]
    assert {p.section for p in chunk_pages(questions)} == {"Vraag 1", "Vraag 2"}


def test_unnumbered_headings_of_a_decision_label_their_sections():
    # as in a Wob decision: plain headings, each used once or twice
    pages = [
        Page(1, "Geachte heer,\n\n" + BODY * 2 + "\nProcedure\n" + BODY.replace("woningen", "brieven") * 2),
        Page(2, "Overwegingen\n" + BODY.replace("woningen", "documenten") * 2),
    ]
    s = _sections(pages)
    assert s[2] == {"Overwegingen"} and "Procedure" in s[1]
    # a label every item of a decision list carries is no heading; under a numbered heading a
    # plain one does not replace it
    items = [Page(1, "".join(f"{n}. Onderwerp {n}\nBesluit\nHet college stemt in met voorstel {n}. " + BODY
                             for n in range(1, 4))),
             Page(2, "4. Verbod korte vluchten\n" + BODY + "\nConclusie\n" + BODY.replace("woningen", "vluchten"))]
    s = _sections(items)
    assert "Besluit" not in s[1] and s[2] == {"4. Verbod korte vluchten"}


def test_a_numbered_clause_that_opens_a_list_is_no_heading_an_annex_letter_is():
    # the Wob's article 10 as quoted in a decision's annex
    pages = [
        Page(1, "Bijlage 1\n\n" + BODY * 2),
        Page(2, "1. Het verstrekken van informatie ingevolge deze wet blijft achterwege voor zover dit:\n"
                "a. de eenheid van de Kroon in gevaar zou kunnen brengen;\n" + BODY * 2),
        Page(3, "2. Conclusie:\n" + BODY * 2),
        # an annex lettered or numbered in roman is a section of its own
        Page(4, "Bijlage B bij 2020-259648\nTabel 2013: box 3-vermogen\n" + BODY * 2),
        Page(5, "Bijlage IV\n" + BODY * 2),
    ]
    s = _sections(pages)
    assert s[2] == {"Bijlage 1"} and s[3] == {"2. Conclusie:"}
    assert s[4] == {"Bijlage B"} and s[5] == {"Bijlage IV"}


def test_a_footnote_that_lists_names_in_a_sentence_is_quoted_a_title_is_not():
    from assistant.chunk import is_quoted_footnote

    names = ("Aan deze proef doen de volgende (publiekelijke) rechtspersonen mee: de GGD Drenthe; de GGD "
             "Gelderland-Zuid; GGD IJsselland; de GGD Noord- en Oost-Gelderland; de Regio Twente.")
    assert is_quoted_footnote(names)
    assert not is_quoted_footnote("Evaluatie van het Nederlandse Mensenrechtenbeleid | Resultaten | Directie "
                                  "Internationaal Onderzoek en Beleidsevaluatie | Ministerie van Buitenlandse Zaken")
    assert not is_quoted_footnote("Kamerbrief van 16 juli 2020, «Landelijke introductie Coronamelder», kenmerk "
                                  "1722926-208233- DICIO, p. 2.")


def test_a_numbered_line_with_a_web_address_is_a_note_not_a_heading():
    """A note at the foot of a page of an FAQ, read as a line of its own: it holds a web address,
    so it is no heading for the pages after it."""
    pages = [
        Page(1, "1. Inleiding\n\n" + BODY * 2 + "\n1 De AI-verordening is te raadplegen via: "
                "https://eur-lex.europa.eu/legal-content/NL/\n"),
        Page(2, BODY * 3),
    ]
    s = _sections(pages)
    assert s[2] == {"1. Inleiding"}, s


def test_a_decision_lists_items_numbered_apart_from_their_full_stop_are_sections_not_footnotes():
    """The House committees' decision lists number their items "18 . Agendapunt: ..." (the full stop
    set apart) and name their subject at any length. Each item labels its section, including one at
    the foot of a page after a body that says "agendapunt 11"; and "1 Maart 2021" in an inventory
    row is a date, not section 1."""
    from assistant.clean import clean_pages

    def item(minister: str, subject: str, committee: str) -> str:
        return (f"Zaak: Brief regering - minister van {minister}\n"
                f"Besluit: Agenderen voor een algemeen overleg over {subject}.\n"
                f"Besluit: De minister van {minister} verzoeken om voor dat overleg een brief te sturen over\n"
                f"de kosten van {subject} en de planning van de evaluatie die de Kamer eerder heeft gevraagd.\n"
                f"Volgcommissie(s): {committee}\n")

    raw = [
        "10 . Agendapunt: De risico's van buitenlandse financiering van moskeeën\n"
        + item("Binnenlandse Zaken", "de financiering van moskeeën", "WWI") + "Noot: zie ook agendapunt 11\n"
        + "11 . Agendapunt: Beantwoording Kamervraag over het stoppen met de pilot\n"
        + item("Justitie", "de politieopleiding", "JUST"),
        "12 . Agendapunt: Elektronisch inzamelen van handtekeningen\n"
        + item("Binnenlandse Zaken en Koninkrijksrelaties", "het raadgevend referendum", "BZK"),
        "29 . Agendapunt: Antwoord Europese commissie op brief Staten-Generaal over subsidiariteit richtlijn\n"
        "gelijke behandeling\n" + item("Sociale Zaken", "de richtlijn gelijke behandeling", "SZW"),
        "Bijlage 2 Inventarislijst\nNummer Datum Onderwerp Beoordeling\n1 Maart\n2021\n"
        "Tijdlijn Zuid-West 380 kV Oost, met links naar relevante documenten\nOpenbaar EZK\n",
    ]
    pages = clean_pages(raw)
    assert [p.footnotes for p in pages] == [{}, {}, {}, {}]
    labels = {p.section for p in chunk_pages(pages)}
    assert {"10. Agendapunt: De risico's van buitenlandse financiering van moskeeën",
            "11. Agendapunt: Beantwoording Kamervraag over het stoppen met de pilot",
            "12. Agendapunt: Elektronisch inzamelen van handtekeningen",
            # an agenda item's subject may be long
            "29. Agendapunt: Antwoord Europese commissie op brief Staten-Generaal over subsidiariteit richtlijn"} <= labels
    assert not any(s and "Maart" in s for s in labels)


def test_the_real_decision_list_has_its_agenda_items_as_sections_and_no_footnotes(tmp_path):
    """A real House committee decision list (2009, in benchmarks/data/heldout7): its items 10 to 36
    were footnotes ("voetnoot 11": ". Agendapunt: Beantwoording Kamervraag ...") or fell under
    item 9 or under "3. Jeugdzorg" of an appended meeting plan."""
    from pathlib import Path

    from assistant.config import Settings
    from assistant.ingest import prepare

    pdf = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "heldout7" / "pdfs" / \
        "tk-besluitenlijst-procedurevergadering-bzk-2009.pdf"
    _, passages, _ = prepare(pdf, Settings.from_env(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache"))
    assert [p for p in passages if p.kind == "footnote"] == []
    by_page = {}
    for p in passages:
        by_page.setdefault(p.page, set()).add(p.section)
    assert any(s and s.startswith("19. Agendapunt: Maartcirculaire gemeentefonds") for s in by_page[5])
    assert any(s and s.startswith("34. Agendapunt: Nulmeting interbestuurlijke lasten") for s in by_page[9])


def test_an_annex_heading_below_a_letterhead_ends_the_wob_articles_section():
    """A Woo decision's annex of Wob articles ends in "Artikel 11"; the next page, under the side
    column of the letterhead, opens "Bijlage 2 – Inventarislijst" above the table's column labels
    (Datum, Onderwerp, ...). That heading was taken into the letterhead and removed, so the
    inventory was cited as "Artikel 11". An annex named without a number ("Bijlage –
    Inventarisatielijst") is a heading too."""
    from assistant.clean import clean_pages

    law = ("Artikel 11\n1. In geval van een verzoek om informatie uit documenten, opgesteld ten behoeve van intern\n"
           "beraad, wordt geen informatie verstrekt over daarin opgenomen persoonlijke beleidsopvattingen.\n"
           "2. Over persoonlijke beleidsopvattingen kan met het oog op een goede en democratische\n"
           "bestuursvoering informatie worden verstrekt in niet tot personen herleidbare vorm.\n")
    rows = ("1 30-03-2016 Brief Gespreksnotitie met de gemeente Halderberge over het tracé Deels openbaar 10.2.e\n"
            "2 20-09-2018 E-mail over het bedrijventerrein Borchwerf en de voorkeursvariant Deels openbaar 10.2.e\n"
            "3 14-04-2020 E-mail met het ingediende voorstel voor het tracé langs Borchwerf Openbaar\n"
            "4 16-04-2019 Collegebesluit over de gemeentelijke afweging van de varianten Openbaar\n")
    inventory = ("Pagina 2 van 3\nDirectoraat-generaal Klimaat\nen Energie\nDirectie Warmte en Ondergrond\n"
                 "Ons kenmerk\nDGKE-WO / 21078921\nBijlage 2 – Inventarislijst Nummer\nDatum\nSoort\ndocument\n"
                 "Onderwerp\nBeoordeling\nWob\n" + rows)
    named = "Bijlage – Inventarisatielijst\nID Datum Documentnaam Beoordeling\n" + rows.replace("Borchwerf", "Roosendaal")
    pages = clean_pages([law, inventory, named])
    assert "Bijlage 2 – Inventarislijst" in pages[1].text
    sections = _sections(pages)
    assert sections[1] == {"Artikel 11"}
    assert sections[2] == {"Bijlage 2"} and sections[3] == {"Bijlage – Inventarisatielijst"}


def test_a_law_article_quoted_in_an_annex_is_not_the_section_of_the_documents_behind_it():
    """A Woo decision quotes the Wob's articles in an annex that ends in "Artikel 11"; the released
    documents follow on later pages under headings the chunker does not see. They were all cited
    as "Artikel 11". An article runs over one page break at most; a heading it had hidden (a plain
    "Aanleiding", a regulation's "TOELICHTING") is seen again."""
    law = ("Artikel 11\n1. In geval van een verzoek om informatie uit documenten, opgesteld ten behoeve van intern\n"
           "beraad, wordt geen informatie verstrekt over daarin opgenomen persoonlijke beleidsopvattingen.\n")
    rest = "2. Over persoonlijke beleidsopvattingen kan informatie worden verstrekt in niet herleidbare vorm.\n"
    memo = "Aanleiding\n" + BODY * 3
    pages = [Page(1, law), Page(2, rest), Page(3, BODY * 3), Page(4, memo)]
    sections = _sections(pages)
    assert sections[1] == {"Artikel 11"} and sections[2] == {"Artikel 11"}  # over one page break
    assert sections[3] == {None} and sections[4] == {"Aanleiding"}


def test_the_rows_of_a_version_history_are_no_headings():
    """A specification's version history ("2.4 Mrt 2014 Aanpassingen ...", "1.0 12-03-2019
    Vastgesteld") numbers its rows like sections, but each opens with a date: the passages after
    it stay in the section of the heading above it. A section whose title only starts like a
    month ("3.2 Oktoberfeest") or with a name ("2.1 Jan Peters") is still a section."""
    history = ("Versiebeheer\n\nVersie Datum Wijziging\n1.0 12-03-2019 Vastgesteld door het college\n"
               "2.3 Jan 2014 Aanpassingen na consultatie\n2.4 Mrt 2014 Aanpassingen nav contract Kop van Noord-Holland\n"
               "3.0 Sept. 2019 Definitieve versie\n\n")
    pages = [
        Page(1, "1. Inleiding\n\n" + BODY * 2 + "\n\n" + history + BODY * 2),
        Page(2, BODY * 3),
        Page(3, "3.2 Oktoberfeest\n\n" + BODY * 2 + "\n\n2.1 Jan Peters over de aanpak\n\n" + BODY * 2),
    ]
    s = _sections(pages)
    assert s[1] == {"1. Inleiding"} and s[2] == {"1. Inleiding"}, s
    assert s[3] >= {"3.2 Oktoberfeest", "2.1 Jan Peters over de aanpak"}, s


def test_a_form_field_numbered_zero_and_an_inventory_row_with_a_date_are_no_headings():
    """An inspection report appended to a Woo decision has form fields "Antwoord 0", and the
    decision's inventory numbers its rows like sections ("3.1 Bijlage: verslag overleg GGZ
    25-1-2015 ..."): neither heads the pages after it. "Antwoord 3" and "2.3 Reactie van het
    kabinet" still do."""
    pages = [
        Page(1, "2.3 Reactie van het kabinet\n\n" + BODY * 2 + "\n\nAntwoord 0\n\n" + BODY
             + "\n\n3.1 Bijlage: verslag overleg GGZ 25-1-2015 Komt overeen met doc. 3.2\n\n" + BODY),
        Page(2, BODY * 3),
        Page(3, "Antwoord 3\n\n" + BODY * 3),
    ]
    s = _sections(pages)
    assert s[1] == {"2.3 Reactie van het kabinet"} and s[2] == {"2.3 Reactie van het kabinet"}, s
    assert "Antwoord 3" in s[3], s


def test_a_page_whose_counter_starts_again_opens_a_document_not_under_the_last_heading():
    """A Woo decision with inspection reports behind it (heldout17): each report's pages count
    "Pagina 1 van 4" again, and the decision's last heading ("Bezwaarmogelijkheid") went on over
    28 pages of reports (pypdf read the counter of the first as "P agina 1 van 4"). A page that
    goes on counting stays under it; a heading on the new page is its section."""
    from assistant.clean import clean_document

    body = [f"De {town} vraagt om meer woningen voor starters en ouderen. " + BODY * 2
            for town in ("gemeente Utrecht", "provincie Drenthe", "inspecteur in Almere", "wethouder van Zwolle",
                         "raad van Emmen")]
    raw = ["Bezwaarmogelijkheid\n\n" + body[0],
           "Pagina 2 van 7\n\n" + body[1],
           "282900646 P agina 1 van 4\n\n" + body[2],
           "282900646 Pagina 2 van 4\n\n" + body[3],
           "Pagina 1 van 3\n\nOverwegingen\n\n" + body[4]]
    s = _sections(clean_document(raw).pages)
    assert s[1] == {"Bezwaarmogelijkheid"} and s[2] == {"Bezwaarmogelijkheid"}, s
    assert s[3] == {None} and s[4] == {None}, s
    assert s[5] == {"Overwegingen"}, s
    # a counter that starts at 0 goes on at 1 (a Woo decision of heldout4)
    s = _sections(clean_document(["Pagina 0 van 2\n\nProcedure\n\n" + body[0], "Pagina 1 van 2\n\n" + body[1]]).pages)
    assert s[2] == {"Procedure"}, s
