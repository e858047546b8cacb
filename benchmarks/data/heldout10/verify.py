#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout10: run with /work/shared and with /work/heldout10-ref/pdfs-used)
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
    "How much did the municipality of Amsterdam contribute towards building the Holocaust Names Monument?":
        [r"(namenmonument|monument)[^.]{0,300}(€|euro|miljoen|bijdrage|subsidie van)",
         r"(€|euro|miljoen|bijdrage)[^.]{0,300}(namenmonument|holocaust)",
         r"(gemeente|amsterdam)[^.]{0,100}(draagt|droeg|betaalt|betaalde|bijgedragen)[^.]{0,100}(€|euro|miljoen)"],
    "Which rail freight operators have applied for the ERTMS subsidy for freight locomotives?":
        [r"(db cargo|lineas|captrain|rail force one|medway|crossrail|hsl logistik|rrf|rotterdam rail feeding|railtraxx|lte netherlands|husa)",
         r"(aanvragen|aanvraag|aangevraagd)[^.]{0,200}(ingediend door|door)\s+(de vervoerders|vervoerders|[A-Z][a-z]+ (Cargo|Rail|B\.V\.|N\.V\.))",
         r"(vervoerders|goederenvervoerders|eigenaren)[^.]{0,50}(zijn|namelijk|te weten)\s*:"],
    "Op welke datum treedt de Wet Met één stem meer keus in werking?":
        [r"(met één stem meer keus|kieswet)[^.]{0,300}(in werking)[^.]{0,120}\b\d{1,2}\s+(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\s+20\d\d",
         r"(in werking)[^.]{0,120}\b\d{1,2}\s+(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\s+20\d\d[^.]{0,200}(kieswet|stem)",
         r"(inwerkingtreding|treedt in werking)[^.]{0,80}(met ingang van|per|op)\s+\d{1,2}\s+\w+\s+20\d\d"],
    "How much money did mink farmers receive under the compensation scheme for the brought-forward ban on fur farming?":
        [r"(nerts|pelsdier|edelpels|nadeelcompensatie|stoppersregeling)[^.]{0,300}(€|euro|miljoen|per dier|per bedrijf|per fokteef)",
         r"(€|euro|miljoen)[^.]{0,300}(nerts|pelsdier|edelpels|nadeelcompensatie|stoppersregeling)",
         r"(nadeelcompensatie|stoppersregeling|tegemoetkoming)[^.]{0,200}(bedraagt|bedroeg|in totaal|gemiddeld)"],
    "Who chaired the administrative consultation on wind energy with Zwolle, Staphorst, Dalfsen and Zwartewaterland?":
        [r"(bestuurlijk overleg|zsdz|programmeringsafspraken)[^.]{0,200}(voorzitter|voorgezeten|chair)",
         r"(voorzitter|voorgezeten|chair)[^.]{0,150}(de bree|spaans|rietman|schuurman|carlo)",
         r"(de bree|spaans|rietman|schuurman|carlo)[^.]{0,60}\(?(voorzitter|vz\.?)\)?"],
    "Hoeveel wetten worden in totaal gewijzigd door de Verzamelwet Justitie en Veiligheid 2024?":
        [r"\b(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|zestien|zeventien|achttien|negentien|twintig|\w+entwintig|dertig)\s+(wetten|wetswijzigingen)\b",
         r"(wijzigt|wijziging van|aanpassing van)\s+(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|\w+tien|twintig)\s+(wetten|wetboeken)"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
