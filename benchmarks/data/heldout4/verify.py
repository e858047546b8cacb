#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout4: run with /work/shared and with /work/heldout4-ref/pdfs-used)
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
    "How many SIGMET warnings did KNMI issue for the Amsterdam FIR in 2022?":
        [r"sigmet[^.]{0,80}(per\s+(jaar|maand)|jaarlijks)", r"(per\s+(jaar|maand)|jaarlijks)[^.]{0,80}sigmet",
         r"aantal\s+(uitgegeven\s+)?sigmets?", r"\b\d+\s+sigmets\b", r"in\s+202[0-2][^.]{0,80}sigmet", r"sigmets?[^.]{0,80}in\s+202[0-2]"],
    "Hoeveel kost de inhuur van de externe artsen voor de PI Haaglanden per jaar?":
        [r"(€|euro)[^.]{0,100}(arts|inhuur)", r"(arts|inhuur)[^.]{0,100}(€|euro)", r"uurtarief", r"per\s+uur",
         r"kosten\s+van\s+de\s+(inhuur|artsen)"],
    "Hoeveel bezwaarschriften behandelde de Wassenaarse commissie bezwaarschriften in 2024?":
        [r"\b\d+\s+bezwaarschriften", r"aantal\s+(ingediende\s+|behandelde\s+|ontvangen\s+)?bezwaar", r"\b\d+\s+(bezwaren|zaken|beroepen)\b", r"(behandelde|ontving|ontvangen)[^.]{0,40}\b\d+\b[^.]{0,20}bezwaar"],
    "What prison or community sentence did prosecutors demand against the farmers arrested after the Wijster protest?":
        [r"\b(eis|eiste|geëist|gevorderd|vordering)\b", r"taakstraf", r"\bboetes?\b", r"gevangenisstraf", r"celstraf", r"veroordee?l",
         r"strafzaak", r"(dagvaarding|gedagvaard|zitting|politierechter)"],
    "How many pig farms were covered by the inspection reports the food safety authority released?":
        [r"\b\d+\s+(varkens)?(bedrijven|ondernemingen|varkenshouderijen|rapporten|inspecties)",
         r"aantal\s+(varkens)?(bedrijven|ondernemingen|varkenshouderijen|rapporten|inspecties)"],
    "Wat kostte het beheer van de OV-standaarden door Connekt volgens het rapport 'Kostenmonitor'?":
        [r"connekt[^.]{0,150}(€|euro|miljoen|kosten\s+van|bedrag)", r"(€|euro|miljoen|bedrag)[^.]{0,150}connekt",
         r"kostenmonitor[^.]{0,150}(€|euro|miljoen|bedr)", r"beheer\s+ov-standaarden[^.]{0,100}(€|euro|miljoen|kost)"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
