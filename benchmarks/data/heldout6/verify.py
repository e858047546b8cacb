#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout6: run with /work/shared and with /work/heldout6-ref/pdfs-used)
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
    "What weaknesses did the penetration test of the Electoral Council's Abacus software find?":
        [r"kwetsba", r"(abacus|pentest|hackdefense|beveiliging|uitslagprogrammatuur)[^.]{0,150}bevinding", r"bevinding[^.]{0,150}(abacus|pentest|hackdefense|beveiliging|uitslagprogrammatuur)", r"hackdefense[^.]{0,200}(gevonden|vond|constateer|aangetroffen|risico)", r"pentest[^.]{0,200}(gevonden|vond|constateer|aangetroffen|risico)",
         r"(lek|lekken|zwakheden|zwakke plekken)\b"],
    "Hoeveel windturbines wil de provincie Overijssel met het Provinciaal Programma Energiestrategie realiseren?":
        [r"turbine", r"windmolen", r"\d[\d.,]*\s*(mw|megawatt|twh|terawattuur|gwh)\b", r"aantal\s+(wind|molens)"],
    "How many visitors attended the reptile fair in Houten that the MP asked about?":
        [r"bezoekers", r"(beurs|houten)[^.]{0,150}\b\d[\d.]*\s*(mensen|personen|deelnemers)", r"\b\d[\d.]*\s*(mensen|personen|deelnemers)[^.]{0,150}(beurs|houten)"],
    "What fine or penalty was imposed on the livestock farm in the food safety authority's freedom-of-information decision?":
        [r"boete", r"strafbeschikking", r"dwangsom", r"sanctie", r"veroordeel", r"(€|\beuro\b)[^.]{0,150}(veehouder|veebedrijf|landbouwonderneming|overtreding|dierenhouder)",
         r"(veehouder|veebedrijf|landbouwonderneming|overtreding|dierenhouder)[^.]{0,150}(€|\beuro\b)"],
    "By what date does Logius plan to end support for ebMS2 in Digikoppeling?":
        [r"ebms2?[^.]{0,150}\b20\d\d\b", r"\b20\d\d\b[^.]{0,150}ebms", r"einddatum[^.]{0,100}(ebms|wus|digikoppeling|ondersteuning|koppelvlak)", r"(uitfaser|uitgefaseerd)[^.]{0,100}(per|in|op|voor)\s+\d", r"end[- ]of[- ]life"],
    "Hoeveel leerlingen maken gebruik van het leerling- en doelgroepenvervoer?":
        [r"\b\d[\d.]*\s+(leerlingen|jongeren|kinderen|gebruikers)[^.]{0,100}vervoer", r"(leerling|doelgroepen)(en)?-?\s*(en\s+doelgroepen)?vervoer[^.]{0,150}\b\d[\d.]*\s+(leerlingen|jongeren|kinderen|gebruikers)",
         r"aantal\s+(leerlingen|jongeren|kinderen|gebruikers)[^.]{0,60}vervoer"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
