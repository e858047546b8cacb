#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: verbatim_check.py in the folder above).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout17: run with /work/shared and with /work/heldout17-ref/pdfs-used)
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
    "How much are Amsterdam's three largest ICT contracts worth in total?":
        [r"(contract|overeenkomst)[^.]{0,120}(€|euro|miljoen)",
         r"(€|euro|miljoen)[^.]{0,120}(contract|overeenkomst)",
         r"(contractwaarde|totale waarde|opdrachtwaarde|waarde van (de|het|deze) (contract|overeenkomst))"],
    "When is the Waddenweg viaduct in Amsterdam-Noord scheduled to be demolished?":
        [r"(sloop|gesloopt|afgebroken|ontmanteld)[^.]{0,80}\b(gepland|voorzien|verwacht|start|begint)",
         r"(gepland|voorzien|verwacht)[^.]{0,80}(sloop|gesloopt|afgebroken)",
         r"viaduct[^.]{0,80}\b(wordt|zal worden|werd|is)\s+(gesloopt|afgebroken)"],
    "Hoeveel Nederlandse vissersschepen waren actief in de wateren rond de Faeröer?":
        [r"\b\d+\s+(schepen|trawlers|vaartuigen|vissersschepen|vriestrawlers)\b",
         r"\b(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\s+(schepen|trawlers|vaartuigen|vissersschepen|vriestrawlers)\b",
         r"(schepen|trawlers|vaartuigen|vloot)[^.]{0,60}\b\d+\s+(stuks|schepen)"],
    "What annual turnover did the food business inspected by the NVWA report?":
        [r"(omzet|jaaromzet|omzetcijfer)[^.]{0,100}(€|euro|\d)",
         r"(€|euro)\s*[\d.,]+[^.]{0,100}(omzet|jaaromzet)",
         r"(omzet|jaaromzet)\s+(bedraagt|bedroeg|van)\b"],
    "How many mental-health providers were found to have engaged in upcoding?":
        [r"\b\d+\s+(zorgaanbieders|aanbieders|instellingen|ggz-aanbieders|ggz-instellingen|zorginstellingen)\b",
         r"(zorgaanbieders|aanbieders|instellingen)[^.]{0,80}\b\d+([.,]\d+)?\s*(%|procent)",
         r"(zorgaanbieders|aanbieders|instellingen)[^.]{0,80}\b(betrapt|schuldig gemaakt|vastgesteld|bleken)\b"],
    "Hoeveel boetes zijn er in Amsterdam-Noord uitgedeeld voor loslopende honden?":
        [r"\b\d+\s+(boetes|bekeuringen|processen-verbaal|pv's|waarschuwingen|bestuurlijke strafbeschikkingen)\b",
         r"(boetes|bekeuringen|strafbeschikkingen)[^.]{0,80}\b\d+\s*(keer|maal|stuks)?\b[^.]{0,40}(hond|honden)",
         r"(hond|honden)[^.]{0,80}\b\d+\s+(boetes|bekeuringen|processen-verbaal)"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
