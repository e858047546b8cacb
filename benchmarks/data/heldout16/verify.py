#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: verbatim_check.py in the folder above).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout16: run with /work/shared and with /work/heldout16-ref/pdfs-used)
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
    "Wat gaat de ontwikkeling van de rekentool voor het bedrag ineens de overheid kosten?":
        [r"\b(tool|rekentool|keuzehulp)\b[^.]{0,120}(€|euro|miljoen|ontwikkelkosten|kost\b|kosten\b)",
         r"(€|euro|miljoen|ontwikkelkosten|kosten)[^.]{0,120}\b(tool|rekentool|keuzehulp)\b",
         r"\bbudget\b[^.]{0,80}\b(tool|keuzehulp)\b"],
    "How many members sit on UWV's Central Client Council?":
        [r"\b\d+\s+(leden|zetels|raadsleden|cliëntenraadsleden|vrijwilligers)\b",
         r"\b(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien)\s+(leden|zetels|vrijwilligers)\b",
         r"cliëntenraad[^.]{0,60}\b(bestaat uit|telt)\b"],
    "How much will the renovation and restoration of Wassenaar's town hall De Paauw cost?":
        [r"(renovatie|restauratie|verbouwing)[^.]{0,120}(€|euro|miljoen)",
         r"(€|euro|miljoen)[^.]{0,120}(renovatie|restauratie)",
         r"De Paauw[^.]{0,80}(€|euro|miljoen)"],
    "On what date will the Education ministry issue its second partial decision on the schools requests?":
        [r"tweede deelbesluit[^.]{0,120}\b(\d{1,2}\s+(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)|uiterlijk|binnen\s+\d+\s+weken|verwacht)",
         r"(uiterlijk|verwacht|naar verwachting)[^.]{0,80}\b(volgende|tweede|laatste)\s+deelbesluit",
         r"\b(volgende|tweede)\s+deelbesluit[^.]{0,60}\b(20\d\d)\b"],
    "Hoeveel documenten over scenario's en maatregelen uit maart 2020 heeft VWS gevonden?":
        [r"\b\d+\s+(documenten|stukken)\b[^.]{0,120}(scenario|maart 2020)",
         r"(scenario|maart 2020)[^.]{0,160}\b\d+\s+(documenten|stukken)\b",
         r"(in totaal|totaal van)\s+\d+\s+(documenten|stukken)[^.]{0,60}(categorie|deelonderwerp)"],
    "What vaccination rate did Wassenaar report for the 2024 reporting year?":
        [r"vaccinatiegraad[^.]{0,100}\d+([.,]\d+)?\s*(%|procent)",
         r"\d+([.,]\d+)?\s*(%|procent)[^.]{0,80}(gevaccineerd|vaccinatie|ingeënt)",
         r"(gevaccineerd|ingeënt)[^.]{0,80}\d+([.,]\d+)?\s*(%|procent)"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
