#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: verbatim_check.py in the folder above).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout13: run with /work/shared and with /work/heldout13-ref/pdfs-used)
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
    "How much money has the province of Zeeland set aside for building its content publication system?":
        [r"€\s*\d", r"\d[\d.,]*\s*(euro|EUR|miljoen|duizend)\b",
         r"\b(budget|begroting|aanneemsom|contractwaarde|opdrachtwaarde|investering)\b"],
    "What penalty does the province of North Holland impose when a contractor's waterway depth survey does not meet its requirements?":
        [r"\b(boete|boetes|korting|kortingen|sanctie|sancties|dwangsom|schadevergoeding|gebreke)\b",
         r"(opgelegd|verrekend|ingehouden)\s+(aan|op|van)\s+de\s+opdrachtnemer"],
    "Hoeveel overheidsorganisaties passen de API Design Rules inmiddels toe?":
        [r"\d[\d.]*\s+(organisaties|overheden|overheidsorganisaties|gemeenten|ministeries|API'?s|implementaties|toepassingen|gebruikers)\b",
         r"(aantal|totaal)\s+(van\s+)?(\d|tientallen|honderden)",
         r"(wordt|worden)\s+(al\s+)?(door|bij)\s+\d"],
    "What are the monthly Azure hosting costs of Zeeland's content publication system?":
        [r"€\s*\d", r"\d[\d.,]*\s*(euro|EUR|dollar|USD|\$)", r"\$\s*\d",
         r"(per maand|maandelijks|maandelijkse|kosten per|hostingkosten|licentiekosten)"],
    "Which commercial API gateway product did the API architecture working group recommend to government bodies?":
        [r"\b(Kong|Apigee|Tyk|WSO2|MuleSoft|3scale|Gravitee|Axway|Layer7|Azure API Management|Gloo|KrakenD|NGINX)\b",
         r"(aanbevolen|adviseren|advies)[^.]{0,60}(product|leverancier|gateway)"],
    "Hoeveel medewerkers telt het Beheerteam Digikoppeling van Logius?":
        [r"\d+\s+(medewerkers|fte|personen|leden|mensen)\b",
         r"Beheerteam[^.]{0,80}\b(bestaat uit|telt)\b"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
