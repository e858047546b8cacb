"""The bilingual glossary: packaged data, parsing, user files and query expansion."""
from __future__ import annotations

import os
from collections import Counter

import pytest

from assistant.glossary import (
    ENV_VAR,
    Glossary,
    GlossaryError,
    _key,
    default_glossary,
    packaged_text,
    parse_glossary,
)
from assistant.types import AssistantError


@pytest.fixture(scope="module")
def g() -> Glossary:
    return Glossary(env=False)


def _has(terms: list[str], wanted: str) -> bool:
    return any(t.casefold() == wanted.casefold() for t in terms)


# -- the packaged file ----------------------------------------------------------------------------

def test_packaged_glossary_is_large_and_has_unique_canonicals(g):
    assert len(g) > 150
    canon = Counter(_key(c.canonical) for c in g.concepts)
    assert [k for k, n in canon.items() if n > 1] == []


def test_every_packaged_line_parses():
    text, name = packaged_text()
    content = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.strip().startswith("#")]
    concepts = parse_glossary(text, name)
    assert [c.line for c in concepts] == [i for i, _ in content]
    for c in concepts:
        assert len(c.terms) >= 2, c
        assert all(t == t.strip() and t for t in c.terms), c


def test_no_term_belongs_to_two_packaged_concepts(g):
    owners = Counter(_key(t) for c in g.concepts for t in {_key(x) for x in c.terms})
    assert [k for k, n in owners.items() if n > 1] == []


def test_header_documents_the_format():
    text, _ = packaged_text()
    header = text.split("\n\n", 1)[0]
    assert header.startswith("#")
    assert "' | '" in header or '" | "' in header
    assert "canonical" in header.lower()
    assert "=>" in header  # one-way terms


# -- expansion ------------------------------------------------------------------------------------

def test_csddd_expands_to_dutch_names(g):
    exp = g.expansions("what did the cabinet say about CSDDD?")
    assert _has(exp, "zorgplichtrichtlijn")
    assert _has(exp, "CS3D")
    assert _has(exp, "kabinet")
    assert not _has(exp, "CSDDD")  # already in the query


def test_oecd_guidelines_bring_in_oeso(g):
    exp = g.expansions("OECD guidelines")
    assert any("OESO" in t for t in exp)
    assert "OESO" in g.expand("OECD guidelines")
    assert "OESO" in g.expansions("What does the OECD say?")


def test_short_acronyms_are_case_sensitive(g):
    assert not _has(g.expansions("Hij zei un moment en ging verder."), "VN")
    assert _has(g.expansions("Wat zegt de UN over Gaza?"), "VN")
    assert _has(g.expansions("What does the UN say?"), "Verenigde Naties")
    # the same for other short acronyms that are ordinary words in lower case
    assert g.expansions("wie is er om acht uur") == []
    assert _has(g.expansions("Wat doet het OM?"), "Openbaar Ministerie")
    assert not _has(g.expansions("who decides?"), "Wereldgezondheidsorganisatie")
    assert _has(g.expansions("What did the WHO decide?"), "Wereldgezondheidsorganisatie")


def test_longer_acronyms_and_names_match_in_any_case(g):
    assert _has(g.expansions("oecd guidelines on due diligence"), "OESO-richtlijnen")
    assert _has(g.expansions("wat zegt de navo"), "NATO")
    assert _has(g.expansions("Financiën en Buitenlandse Zaken"), "Ministry of Foreign Affairs")


def test_whole_words_only(g):
    # 'EU' inside a word, 'UN' inside 'UNESCO', 'AI' inside 'AIV'
    assert not _has(g.expansions("EUropa"), "Europese Unie")
    assert not _has(g.expansions("UNESCO"), "VN")
    assert not _has(g.expansions("het AIV-advies"), "kunstmatige intelligentie")


def test_longest_phrase_wins(g):
    exp = g.expansions("European Court of Human Rights")
    assert _has(exp, "EHRM")
    assert not _has(exp, "mensenrechten")
    assert _has(g.expansions("human rights defenders"), "mensenrechtenverdedigers")
    assert not _has(g.expansions("human rights defenders"), "mensenrechten")


def test_inflected_forms_match_but_derivations_do_not(g):
    assert _has(g.expansions("Which sanction applies?"), "sancties")
    assert _has(g.expansions("welke moties zijn aangenomen"), "motion")
    assert not _has(g.expansions("Wat zegt de Raad van State over het wetsvoorstel?"), "public authorities")


def test_expansions_are_stable_unique_and_not_in_query(g):
    q = "CSDDD, CS3D and sanctions against Belarus"
    a, b = g.expansions(q), g.expansions(q)
    assert a == b
    assert len({t.casefold() for t in a}) == len(a)
    assert not _has(a, "CS3D") and not _has(a, "Belarus")
    # query order: the CSDDD concept before sanctions before Belarus
    assert a.index("zorgplichtrichtlijn") < a.index("sancties") < a.index("Wit-Rusland")


def test_expand_appends(g):
    assert g.expand("Belarus") == "Belarus Wit-Rusland"
    assert g.expand("nothing to see here") == "nothing to see here"


def test_accents_are_ignored(g):
    assert _has(g.expansions("Oekraine"), "Ukraine")
    assert _has(g.expansions("Ukraine"), "Oekraïne")


# -- user files and errors ------------------------------------------------------------------------

def test_user_file_from_environment_extends_and_merges(tmp_path, monkeypatch):
    f1 = tmp_path / "a.tsv"
    f1.write_text("# mine\nblauwe boekjes | blue books\nBelarus | Republiek Belarus\n", encoding="utf-8")
    f2 = tmp_path / "b.tsv"
    f2.write_text("koffiepot | coffee pot\n", encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(f1), str(f2)]))
    g = Glossary()
    assert _has(g.expansions("the blue books"), "blauwe boekjes")
    assert _has(g.expansions("a coffee pot"), "koffiepot")
    exp = g.expansions("Belarus")
    assert _has(exp, "Wit-Rusland") and _has(exp, "Republiek Belarus")
    assert len(g) == len(Glossary(env=False)) + 2


def test_default_glossary_is_cached(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    default_glossary.cache_clear()
    try:
        assert default_glossary() is default_glossary()
        assert _has(default_glossary().expansions("CSDDD"), "zorgplichtrichtlijn")
    finally:
        default_glossary.cache_clear()


@pytest.mark.parametrize(
    "bad",
    [
        "only-one-term",
        "a |  | b",
        "a | b |",
        "a\tb",
        "a | ---",
        "a | b | a",
        "a => b => c",
        "a | b =>",
        "=> a | b",
    ],
)
def test_malformed_user_glossary_names_file_and_line(tmp_path, monkeypatch, bad):
    f = tmp_path / "mine.tsv"
    f.write_text(f"# header\n\ngoed | good\n{bad}\n", encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(f))
    with pytest.raises(ValueError) as ei:
        Glossary()
    msg = str(ei.value)
    assert str(f) in msg and ":4:" in msg
    assert isinstance(ei.value, GlossaryError) and isinstance(ei.value, AssistantError)
    assert ei.value.line == 4


def test_duplicate_canonical_in_one_file_is_an_error(tmp_path):
    f = tmp_path / "dup.tsv"
    f.write_text("a | b\nc | d\nA | e\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dup\.tsv:3:.*line 1"):
        Glossary([f], packaged=False, env=False)


def test_missing_user_file_is_named(tmp_path):
    missing = tmp_path / "nope.tsv"
    with pytest.raises(ValueError, match="nope.tsv"):
        Glossary([missing], packaged=False, env=False)


def test_from_text():
    g = Glossary.from_text("fiets | bicycle | bike\n")
    assert g.expansions("my bikes") == ["fiets", "bicycle"]


# -- one-way terms ------------------------------------------------------------------------------

def test_one_way_terms_are_added_but_never_expand():
    g = Glossary.from_text("debat | debate => behandeling | plenaire behandeling\n")
    (c,) = g.concepts
    assert c.terms == ("debat", "debate", "behandeling", "plenaire behandeling")
    assert c.one_way == ("behandeling", "plenaire behandeling")
    assert g.expansions("When will the bill be debated?") == ["behandeling", "plenaire behandeling"]
    assert _has(g.expansions("wanneer is het debat?"), "behandeling")
    assert g.matches("de behandeling van asielaanvragen") == []
    assert g.expansions("de plenaire behandeling van het wetsvoorstel") == []


def test_a_later_two_way_line_makes_a_one_way_term_two_way():
    g = Glossary.from_text("debat | debate => behandeling\n")
    g.add(parse_glossary("debat | behandeling\n"))
    assert g.concepts[0].one_way == ()
    assert _has(g.expansions("de behandeling"), "debate")
    # and a one-way line does not demote a term that is already two-way
    g2 = Glossary.from_text("debat | debate | behandeling\n")
    g2.add(parse_glossary("debat => behandeling\n"))
    assert _has(g2.expansions("de behandeling"), "debate")


def test_packaged_one_way_terms(g):
    assert _has(g.expansions("When will the bill be debated?"), "behandeling")
    assert _has(g.expansions("plenary debate on the budget"), "plenaire behandeling")
    assert not _has(g.expansions("de medische behandeling van asielzoekers"), "debate")
    assert _has(g.expansions("When does the directive enter into force?"), "inwerkingtreding")
    # everyday policy words: English finds the Dutch word, Dutch gets no English added
    assert _has(g.expansions("Which authority supervises the banks?"), "toezicht")
    assert _has(g.expansions("Does the Netherlands support the proposal?"), "steun")
    assert g.matches("Hoe is het toezicht op de steun geregeld?") == []
