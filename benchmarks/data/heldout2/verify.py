#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]
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
    "How many new homes are planned in the Sixhaven area of Amsterdam-Noord?":
        [r"\d[\d.]*\s+(nieuwe\s+|sociale\s+)?(woningen|wooneenheden|appartementen)", r"aantal\s+woningen"],
    "Hoeveel ziekenhuizen kregen geen goedkeurende accountantsverklaring bij hun jaarrekening over 2013?":
        [r"\d+\s+ziekenhuizen", r"ziekenhuizen\s+\(\d"],
    "Which colour code did the Dutch foreign ministry give its travel advice for China in February 2020?":
        [r"\boranje\b", r"\brood\b", r"kleurcode", r"code\s+(geel|groen)", r"noodzakelijke\s+reizen", r"niet\s+reizen"],
    "How many patients absconded from the Fivoor clinics in Den Dolder between September 2019 and June 2020?":
        [r"\d+\s+(patiënten|gedetineerden|onttrekkingen|meldingen|ontvluchtingen)", r"ontvlucht", r"ontsnap", r"\d+\s+(keer|maal)\b"],
    "Hoeveel reizigers testten positief in de teststraat voor reizigers uit risicogebieden op Schiphol?":
        [r"positief", r"positieve\s+(test|uitslag)", r"uitslag", r"besmet", r"\d[\d.]*\s+(reizigers|passagiers)"],
    "Wat kost de herbestemming van cultureel centrum de Warenar in Wassenaar?":
        [r"warenar.{0,300}(€|euro|kosten|bedrag)", r"(€|euro|kosten|bedrag).{0,300}warenar"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
