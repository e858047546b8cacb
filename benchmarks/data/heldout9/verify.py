#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout9: run with /work/shared and with /work/heldout9-ref/pdfs-used)
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
    "Which ministries supplied policy for the spatial agenda of the Caribbean Netherlands programme?":
        [r"(ruimtelijke agenda|spatial agenda|uitvraag|survey was made)[^.]{0,300}(infrastructuur|landbouw|economische zaken|klimaat|volksgezondheid|defensie|onderwijs|sociale zaken|\bienw\b|\blnv\b|\bezk\b|\bvws\b|\bocw\b|\bszw\b|agriculture|infrastructure|economic affairs|health)",
         r"(infrastructuur|landbouw|economische zaken|volksgezondheid|defensie|\bienw\b|\blnv\b|\bezk\b|agriculture|infrastructure|economic affairs)[^.]{0,300}(ruimtelijke agenda|spatial agenda|ro cn)",
         r"(betrokken|involved)\s+(ministeries|ministries)\s*(:|zijn|were|are|,\s*(namelijk|te weten|namely))"],
    "Why does the Netherlands Association for the Judiciary object to the proposed whistleblower scheme for the courts?":
        [r"(nvvr|vereniging voor rechtspraak)[^.]{0,250}(bezwaar|bezwaren|kritiek|kritisch|bezorgd|zorgen|oneens|tegenstander|wijst .{0,40} af|omdat|vanwege)",
         r"(bezwaar|bezwaren|kritiek|kritisch|bezorgd|zorgen|oneens)[^.]{0,250}(nvvr|vereniging voor rechtspraak)",
         r"(object|objection|opposes|critic)[^.]{0,200}(association for the judiciary|nvvr)"],
    "Hoeveel documenten heeft het ministerie van Financiën in totaal aangetroffen over de campagneactiviteiten van de minister?":
        [r"campagne[^.]{0,300}\b(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|\w+tig|honderd)\s+(documenten|stukken|e-mails|documents)\b",
         r"\b(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|\w+tig|honderd)\s+(documenten|stukken|e-mails)\b[^.]{0,300}campagne",
         r"(in totaal|totaal van)\s+\d+\s+documenten[^.]{0,300}(financi|campagne|cda)",
         r"(financi|campagne|c ?da)[^.]{0,300}(in totaal|totaal van)\s+\d+\s+documenten"],
    "What fine does a rider face for using a special moped without a licence plate?":
        [r"(boete|geldboete|sanctie|bekeuring|fine)[^.]{0,200}(kenteken|bromfiets|moped)",
         r"(kenteken|bromfiets|moped)[^.]{0,200}(boete|geldboete|bekeuring|\bfine\b)",
         r"(zonder|geen)\s+kenteken[^.]{0,150}(€|euro)"],
    "Which research firm carried out the study of how municipalities conduct integrity risk assessments of candidate aldermen?":
        [r"(onderzoek|inventarisatie)[^.]{0,200}(uitgevoerd|verricht|opgesteld)\s+door",
         r"(in opdracht van)[^.]{0,150}(binnenlandse zaken|bzk|ministerie)[^.]{0,150}(risicoanalyse|integriteit)",
         r"(risicoanalyse|integriteit)[^.]{0,300}(berenschot|andersson elffers|ecorys|kpmg|pwc|deloitte|significant|twynstra|rebel|ape\b|instituut|universiteit|hogeschool|onderzoeksbureau)"],
    "Op welke datum treedt de nieuwe Archiefregeling in werking?":
        [r"archiefregeling[^.]{0,250}(in werking|inwerkingtreding|van kracht)[^.]{0,120}\b(19|20)\d\d",
         r"(in werking|inwerkingtreding|van kracht)[^.]{0,120}archiefregeling[^.]{0,120}\b(19|20)\d\d",
         r"archiefregeling[^.]{0,150}(per|vanaf|met ingang van)\s+(1\s|\d{1,2}\s+\w+\s+20\d\d)",
         r"(archiefwet|archiefbesluit|archiefregeling)\s+20(2[2-9]|3\d)"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
