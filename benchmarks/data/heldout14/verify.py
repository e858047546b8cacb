#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: verbatim_check.py in the folder above).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout14: run with /work/shared and with /work/heldout14-ref/pdfs-used)
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
    "How much would the nationwide nitrogen monitoring programme recommended by TNO cost?":
        [r"\d[\d.,]*\s*(euro|EUR|miljard)\b", r"€\s*\d[^.]{0,80}(monitoring|meetnet|meetprogramma)",
         r"(kosten|kost|begroting|budget|investering)[^.]{0,80}(monitoringsprogramma|meetnet|meetprogramma)",
         r"(monitoringsprogramma|meetnet|meetprogramma)[^.]{0,80}(kosten|kost|begroting|budget)\b"],
    "Hoeveel dagen moeten nauwe contacten van iemand met corona volgens de GGD in quarantaine?":
        [r"quarantaine", r"in\s+isolatie", r"blijf\s+(dan\s+)?thuis", r"\bthuisblijven\b",
         r"\d+\s+dagen\s+(lang\s+)?(thuis|binnen)"],
    "How large was the subsidy in euros that VNG received for the FTV access-control project?":
        [r"(subsidie|subsidiebedrag|beschikking)[^.]{0,80}(€|euro)", r"(€|euro)[^.]{0,80}(subsidie|beschikking)",
         r"\d[\d.,]*\s*(euro|EUR)\b"],
    "Which company won the tender to build the new municipal software catalogue?":
        [r"\b(gegund|gunning aan|winnaar|gewonnen|geselecteerde inschrijver is|opdracht is verleend)\b",
         r"\b[BN]\.V\.(?!t)", r"(?-i:\bBV\b)"],
    "What fee does Logius charge government organisations for connecting to Digikoppeling or obtaining an OIN?":
        [r"(€|\beuro\b)[^.]{0,80}(Digikoppeling|OIN|aansluit)", r"(Digikoppeling|OIN|aansluit)[^.]{0,80}(€|\beuro\b)",
         r"\b(kosteloos|gratis)\b", r"\b(tarief|tarieven|abonnementskosten|aansluitkosten)\b"],
    "Wat is de huidige AOW-leeftijd in Nederland?":
        [r"\bAOW", r"pensioen", r"\d{2}\s+jaar\s+en\s+\d+\s+maanden"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
