#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout7: run with /work/shared and with /work/heldout7-ref/pdfs-used)
  --compare-dir DIR  also report any PDF under DIR (this folder excluded) that has the
                     same sha256 or the same file name as one of ours.
"""
import os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the shared checks: ../verbatim_check.py
from verbatim_check import main  # noqa: E402

# Unanswerable questions: regexes (case-insensitive) that a true answer would have to match.
# Each must match nowhere in any page of any PDF, with either extractor.
ABSENT = {
    "How much money did the health ministry set aside for scaling up intensive-care capacity in the subsidy scheme discussed with hospitals and insurers?":
        [r"€", r"\beuro\b", r"(\bic\b|ic-|opschaling|subsidie|bedden|zorgverzeker|normbedrag)[^.]{0,120}\d[\d.,]*\s*(miljoen|mln|miljard|mld)\b",
         r"\d[\d.,]*\s*(miljoen|mln|miljard|mld)\b[^.]{0,120}(\bic\b|ic-|opschaling|subsidie|bedden|zorgverzeker)", r"normbedrag[^.]{0,80}\b\d"],
    "How many informal carers are there in the Netherlands in absolute numbers, according to the VNG citizen survey?":
        [r"\b\d[\d.,]*\s*(miljoen|duizend)?\s*(mantelzorgers|naastenzorgers|informele zorgverleners)", r"(mantelzorgers|naastenzorgers)[^.]{0,80}\b\d[\d.,]*\s*(miljoen|duizend)",
         r"\d[\d.,]*\s*miljoen\s+(nederlanders|inwoners|mensen|volwassenen)"],
    "Welke boete legde de Autoriteit Persoonsgegevens de Belastingdienst op voor de Fraude Signalering Voorziening?":
        [r"boete", r"autoriteit persoonsgegevens", r"\bAP\b[^.]{0,100}(belastingdienst|fsv)", r"sanctie", r"dwangsom", r"fraude\s*signalering"],
    "What was the insured amount of the export credit insurance for the Mozambique LNG project?":
        [r"(ekv|exportkrediet|dekking|polis|verzeker)[^.]{0,120}(€|\beuro\b|\busd\b|dollar|\$|\d[\d.,]*\s*(miljoen|mln|miljard|mld)\b)",
         r"(€|\beuro\b|\busd\b|dollar|\$|\d[\d.,]*\s*(miljoen|mln|miljard|mld)\b)[^.]{0,120}(ekv|exportkrediet|dekking|polis|verzeker)"],
    "How many kilometres long is the planned Zuid-West 380 kV East high-voltage line?":
        [r"\d[\d.,]*\s*(km|kilometer)\b[^.]{0,120}(verbinding|tracé|trace|hoogspanning|380)", r"(verbinding|tracé|trace|hoogspanning|380)[^.]{0,120}\d[\d.,]*\s*(km|kilometer)\b", r"kilometer", r"(lengte|lang)[^.]{0,80}(verbinding|tracé|trace|hoogspanning)", r"(verbinding|tracé|trace|hoogspanning)[^.]{0,80}\b(lengte|lang)\b"],
    "Hoeveel OIN-hoofdnummers heeft Logius al uitgegeven aan organisaties in het Caribisch deel van het Koninkrijk?":
        [r"\b\d+\s+(oin|oin's|oins|hoofdnummers|nummers|organisaties|aanvragen)\b", r"(uitgegeven|verstrekt|toegekend)[^.]{0,80}\b\d+\s+(keer|maal|stuks)",
         r"(aantal|totaal)[^.]{0,60}(oin|hoofdnummer|organisaties)[^.]{0,60}\b\d"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
