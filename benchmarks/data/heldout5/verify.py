#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout5: run with /work/shared and with /work/heldout5-ref/pdfs-used)
  --compare-dir DIR  also report any PDF under DIR (this folder excluded) that has the
                     same sha256 or the same file name as one of ours.
"""
import os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from verbatim_check import main  # noqa: E402

# Unanswerable questions: regexes (case-insensitive) that a true answer would have to match.
# Each must match nowhere in any page of any PDF, with either extractor.
ABSENT = {
    "How many people had downloaded the CoronaMelder notification app according to the data protection authority's advice?":
        [r"\b(is|werd|zijn|keer)\s+gedownload", r"\bgedownload\s+door", r"\b\d[\d.,]*\s*(miljoen\s+|duizend\s+)?(downloads|installaties)\b",
         r"(app|coronamelder)[^.]{0,100}\b\d[\d.,]*\s*(miljoen|duizend)?\s*(gebruikers|mensen|personen)",
         r"aantal\s+(gebruikers|installaties)"],
    "What was the value of the contracts Dutch companies signed during the March 2020 trade mission to Qatar?":
        [r"handelsmissie[^.]{0,200}(€|\beuro\b|miljoen|contract)", r"(€|\beuro\b|miljoen)[^.]{0,200}(handelsmissie|qatar)",
         r"qatar[^.]{0,200}(€|\beuro\b|miljoen)", r"contract(en)?\s+(ter\s+waarde|getekend|gesloten|afgesloten)", r"orders?\s+ter\s+waarde"],
    "Hoeveel vrijwillige brandweerlieden telt Nederland volgens het Wob-besluit van het ministerie van Justitie en Veiligheid?":
        [r"\b\d[\d.]*\s*(brandweer)?(vrijwilligers|brandweerlieden|brandweermensen)", r"aantal\s+(brandweer)?(vrijwilligers|brandweerlieden)",
         r"(duizend|miljoen)\s+(vrijwillige|brandweer)"],
    "What archaeological finds were made at the Clingendael command post site in The Hague?":
        [r"vondst", r"scherven", r"(resten|sporen|objecten|artefacten)\s+(aangetroffen|gevonden)", r"(aangetroffen|gevonden)\s+(resten|sporen|objecten|artefacten)",
         r"archeologische\s+(resten|sporen|waarden)\s+(zijn|werden)", r"fundering"],
    "How much did Logius estimate the move from ebMS2 to ebMS3/AS4 would cost the stakeholders?":
        [r"ebms[^.]{0,150}(€|\beuro\b|miljoen)", r"(€|\beuro\b|miljoen)[^.]{0,150}(ebms|digikoppeling|koppelvlak)",
         r"(digikoppeling|koppelvlak|migratie|overgang|modernisering)[^.]{0,150}(€|\beuro\b|miljoen)", r"kosten\s+(van|bedragen|worden\s+geschat)[^.]{0,60}\d"],
    "Welke straf kreeg de maker van het tv-programma Ontvoerd?":
        [r"ontvoerd[^.]{0,200}(veroordeel|straf|boete|vervolg)", r"(veroordeel|straf|boete|vervolg)[^.]{0,200}ontvoerd",
         r"simpel\s+media[^.]{0,200}(veroordeel|straf|boete|vervolg)", r"(veroordeel|straf|boete|vervolg)[^.]{0,200}simpel\s+media"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
