#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout3: run with /work/shared and with /work/heldout2)
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
    "Hoe vaak is de CoronaMelder-app in totaal gedownload?":
        [r"coronamelder[^.]{0,120}(gedownload|downloads?\b|geïnstalleerd|installaties)",
         r"(gedownload|downloads?\b|geïnstalleerd|installaties)[^.]{0,120}coronamelder",
         r"\bapp\b[^.]{0,80}(gedownload|downloads?\b|geïnstalleerd)",
         r"\d[\d.,]*\s*(miljoen\s+)?(keer\s+)?(gedownload|downloads)",
         r"miljoen\s+(gebruikers|mensen|nederlanders|keer)"],
    "Hoeveel gemeenten deden mee aan de Burgerpeiling van 2023?":
        [r"\b\d+\s+gemeenten", r"(aantal|tal)\s+(deelnemende\s+)?gemeenten",
         r"burgerpeiling[^.]{0,120}\d+\s+\w*\s*gemeenten", r"gemeenten\s+(deden|namen|doen|nemen)\s+(mee|deel)"],
    "What hourly rate does the state's lawyer charge the health ministry for its legal advice?":
        [r"uurtarief", r"per\s+(declarabel\s+)?uur\s+(€|euro)", r"(€|euro)\s*[\d.,]+\s*per\s+uur", r"honorari", r"declar"],
    "What fine can be imposed on an employer who forces staff to use the notification app?":
        [r"boete", r"hechtenis", r"gevangenisstraf", r"dwangsom", r"strafbaar"],
    "How much did Amsterdam pay KLM to take part in the corporate biofuel programme?":
        [r"biofuel[^.]{0,150}(€|euro|\beur\b)", r"(€|euro)[^.]{0,150}(klm|biofuel)", r"bijdrage[^.]{0,40}klm", r"betaal[^.]{0,60}klm"],
    "Wat betaalde de Kiesraad aan Veritas voor het beveiligingsonderzoek naar Abacus?":
        [r"veritas[^.]{0,150}(€|euro|kosten|betaald|offerte|opdrachtwaarde)", r"(€|euro|kosten)[^.]{0,150}veritas"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
