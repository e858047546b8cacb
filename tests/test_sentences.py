"""Sentences (one rule for the chunker and the highlights) and the evidence highlighted in a hit."""
from __future__ import annotations

from assistant.highlight import evidence_units, highlight, term_weights
from assistant.lexical import analyze
from assistant.sentences import sentence_bounds, sentence_spans


def pieces(text: str, spans) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_a_sentence_ends_at_a_stop_before_a_capital_unless_the_word_is_an_abbreviation():
    text = ("Zie Kamerstuk 32 735, nr. 370 en o.a. de brief van 3 mei. Het kabinet stuurt € 100.000 naar de "
            "‘Digital Defenders Partnership’. Klopt dat? Ja! 1. Inleiding volgt.")
    assert pieces(text, sentence_spans(text)) == [
        "Zie Kamerstuk 32 735, nr. 370 en o.a. de brief van 3 mei.",
        "Het kabinet stuurt € 100.000 naar de ‘Digital Defenders Partnership’.",
        "Klopt dat?", "Ja!", "1. Inleiding volgt."]
    bounds = sentence_bounds(text)  # they cover the text: only the spaces between sentences are left out
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(text[b:c].isspace() for (_, b), (c, _) in zip(bounds, bounds[1:]))
    assert sentence_spans("") == [] and sentence_spans("• ") == []


def test_clauses_and_short_pieces_are_evidence_units():
    motion = ("constaterende dat veel instellingen een negatieve spaarrente hanteren; verzoekt de regering een "
              "grens te stellen, en gaat over tot de orde van de dag. Inge van Dijk Grinwis")
    assert pieces(motion, evidence_units(motion)) == [
        "constaterende dat veel instellingen een negatieve spaarrente hanteren;",
        "verzoekt de regering een grens te stellen, en gaat over tot de orde van de dag. Inge van Dijk Grinwis"]
    asked = "Is dat zo? Ja. Het kabinet bevestigt dat de regeling per 1 januari ingaat."
    assert pieces(asked, evidence_units(asked)) == [
        "Is dat zo?", "Ja. Het kabinet bevestigt dat de regeling per 1 januari ingaat."]


def test_highlight_marks_the_sentences_holding_the_question_words():
    text = ("Het kabinet werkt aan de begroting. De EU heeft 310 personen in Wit-Rusland gesanctioneerd. "
            "Daarnaast zijn 50 organisaties op de lijst gezet.")
    units = [[frozenset(analyze("gesanctioneerd"))], [frozenset(analyze("Wit-Rusland"))]]
    weights = term_weights(units, [2.0, 1.0])
    country = analyze("Wit-Rusland")  # witrusland, wit, rusland: one alternative, its weight shared
    assert weights == {analyze("gesanctioneerd")[0]: 2.0, **{t: 1.0 / len(country) for t in country}}
    assert pieces(text, highlight(text, weights)) == [
        "De EU heeft 310 personen in Wit-Rusland gesanctioneerd."]
    # a cognate or compound counts for less ("sanctie" in the question, "sanctielijst" in the text)
    listed = "Zij staan sinds vorig jaar op de sanctielijst. Hun familieleden in het buitenland niet."
    assert pieces(listed, highlight(listed, {analyze("sancties")[0]: 1.0})) == [
        "Zij staan sinds vorig jaar op de sanctielijst."]
    # a date counts for a 'when' question; with no word in common, nothing is marked
    dated = "De werkgroep bereidt de wet voor. De werkgroep kwam in de zomer van 2024 bijeen."
    werkgroep = {t: 1.0 for t in analyze("werkgroep")}
    assert len(highlight(dated, werkgroep)) == 2
    assert pieces(dated, highlight(dated, werkgroep, date_w=1.0)) == [
        "De werkgroep kwam in de zomer van 2024 bijeen."]
    assert highlight(dated, {"fiets": 1.0}) == []


def test_with_no_word_in_common_the_nearest_sentence_by_embedding():
    import numpy as np

    from assistant.encoders import HashingEmbedder

    e = HashingEmbedder()
    text = "Het kabinet steunt boeren. De provincie bouwt fietspaden."
    qvec = e.embed_query("provincie fietspaden bouwt")
    assert pieces(text, highlight(text, {"onbekend": 1.0}, qvec=qvec, embed=e.embed_passages_quick)) == [
        "De provincie bouwt fietspaden."]
    assert highlight(text, {"onbekend": 1.0}, qvec=np.zeros(256, dtype=np.float32)) == []  # no embedder: none
