#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: verbatim_check.py in the folder above).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout15: run with /work/shared and with /work/heldout15-ref/pdfs-used)
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
    "How many room-letting conversion permits had Amsterdam already granted in the Elzenhagen neighbourhood by May 2020?":
        [r"\d+\s+(omzettingsvergunningen|vergunningen|kamerverhuurvergunningen)\s+(zijn\s+)?(al\s+|reeds\s+)?(verleend|afgegeven|vergeven)",
         r"(zijn|werden)\s+(er\s+)?(al\s+|reeds\s+)?\d+\s+(omzettings)?vergunningen",
         r"(nog|resteren|resterende)\s+\d+\s+(vergunningen|plekken|plaatsen)"],
    "Hoeveel heeft de ontwikkeling en het beheer van de CoronaMelder-app gekost?":
        [r"CoronaMelder[^.]{0,100}(kost|kosten|euro|€|miljoen euro|budget)",
         r"(kost|kosten|euro|€|budget)[^.]{0,100}CoronaMelder",
         r"\b(ontwikkelkosten|beheerkosten|bouwkosten)\b"],
    "What is the daytime speed limit on Dutch motorways?":
        [r"\b(auto)?snelweg(en)?\b", r"\b1[023]0\s*km", r"\bautoweg(en)?\b", r"\bA\d{1,2}\b[^.]{0,30}km/u"],
    "What fine did the health inspectorate impose on the pharmacies that dispensed medicines on foreign online prescriptions?":
        [r"\bboetes?\b", r"bestuurlijke\s+boete", r"\b(dwangsom|dwangsommen|sanctie|sancties)\b",
         r"(apothe[ek]\w*)[^.]{0,80}(opgelegd|beboet|bestraft)"],
    "Hoeveel leveranciers van plansoftware namen deel aan de werkgroep voor het JR-TR-koppelvlak?":
        [r"\b\d+\s+(leveranciers|deelnemers|werkgroepleden|softwareleveranciers|aanwezigen)\b",
         r"\b(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\s+(leveranciers|deelnemers|werkgroepleden|softwareleveranciers)\b",
         r"werkgroep[^.]{0,60}\b(bestaat uit|telt)\b"],
    "How many new caravan pitches will Wassenaar create under its plan to expand caravan sites?":
        [r"\b\d+\s+(extra\s+|nieuwe\s+)?(woonwagens|standplaatsen|woonwagenstandplaatsen|woonwagenplekken|woonwagenplaatsen)\b",
         r"\bstandplaats(en)?\b",
         r"woonwagenlocaties?\s+(met|van)\s+\d+"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
