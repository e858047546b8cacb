#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout11: run with /work/shared and with /work/heldout11-ref/pdfs-used)
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
    "How much did municipalities spend on couriers to deliver polling cards for the March 2026 municipal elections?":
        [r"koerier[^.]{0,200}(€|euro|miljoen|duizend)",
         r"(€|euro|miljoen)[^.]{0,200}koerier",
         r"(bezorging|stempassen)[^.]{0,200}(kostte|kosten van|bedroeg)[^.]{0,40}(€|euro|\d)"],
    "How much subsidy has the province of South Holland set aside for home-working hubs?":
        [r"(subsidie|budget|subsidieplafond|reserveert|trekt)[^.]{0,150}(€|euro|miljoen)[^.]{0,150}(thuiswerkhub|provincie)",
         r"(provincie)[^.]{0,100}(subsidie|budget)[^.]{0,100}(€|euro|miljoen)",
         r"(€|euro|miljoen)[^.]{0,100}(subsidie|budget)[^.]{0,100}thuiswerkhub"],
    "Wie diende het Wob-verzoek over de Catshuis-notities van minister Koolmees in?":
        [r"(verzoek|verzoeker)[^.]{0,80}(ingediend door|namens)\s+[A-Z]",
         r"\b(journalist|NOS|RTL|Follow the Money|Volkskrant|NRC|Trouw|Parool|Telegraaf|Open State)\b",
         r"(verzoeker|verzoekster)\s*,?\s*(de heer|mevrouw|dhr\.|mw\.)\s+[A-Z]"],
    "How much did the Ministry of Finance pay NautaDutilh for the Broedkamer information-security investigation?":
        [r"nautadutilh[^.]{0,200}(€|euro|\d+\.\d{3},|\d+,\d{2}\b)",
         r"(€|euro)[^.]{0,200}nautadutilh",
         r"(rekening|factuur|kosten van het onderzoek)[^.]{0,120}(bedr(aagt|oeg)|€|euro)"],
    "Which company was selected to operate the shared bikes of the Wisselfiets pilot at Leiden Central station?":
        [r"(gegund aan|gekozen aanbieder|winnende aanbieder)",
         r"(wisselfiets|deelfiets)[^.]{0,150}(geselecteerd|gekozen als|gegund)",
         r"\b(Donkey Republic|Swapfiets|Mobike|Lime|Cargoroo|Hely|Urbee|Felyx|Go About|Keobike|Nextbike|Vanmoof|Dott|Tier)\b"],
    "Op welke datum moet de generieke functie Adressering landelijk in gebruik worden genomen?":
        [r"(ingebruikname|livegang|in productie|landelijke uitrol|in gebruik (ge)?nomen)[^.]{0,150}20\d\d",
         r"20\d\d[^.]{0,150}(ingebruikname|livegang|in productie genomen|landelijke uitrol)",
         r"(adressering)[^.]{0,100}(beschikbaar|operationeel)\s+(per|vanaf|op)\s+\d"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
