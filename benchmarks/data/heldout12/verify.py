#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout12: run with /work/shared and with /work/heldout12-ref/pdfs-used)
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
    "How many people were searched during Amsterdam's preventive stop-and-search pilot?":
        [r"\d[\d.]*\s+(personen|mensen|gefouilleerden|fouilleringen|burgers)",
         r"(aantal|totaal van)\s+(gefouilleerden|fouilleringen)\s+(bedroeg|was|is)",
         r"(gefouilleerd|fouilleringen)[^.]{0,40}\b(in totaal|totaal)\s+\d"],
    "What disciplinary measures did the prison service take against staff after the detainee's photo appeared on Facebook?":
        [r"\b(berisping|strafontslag|schorsing van (de |een )?(medewerker|personeelslid|ambtenaar)|disciplinaire straf|officiële waarschuwing)",
         r"disciplinaire maatregel(en)?[^.]{0,80}(opgelegd|genomen|getroffen|gekregen)",
         r"(medewerker|personeelslid|ambtenaar)[^.]{0,80}(geschorst|berispt|ontslagen|gewaarschuwd)"],
    "Hoeveel leerlingen zitten er in de Internationale Taalklas in Wassenaar?":
        [r"\d+\s+(leerlingen|kinderen|nieuwkomers|scholieren)",
         r"(leerlingen|kinderen|nieuwkomers)[^.]{0,60}(aantal|telt|tellen)",
         r"(ITK|taalklas)[^.]{0,120}(leerlingen|kinderen|nieuwkomers)"],
    "How many accessibility findings did the audit report for the iOS version of CoronaCheck 1.4.0?":
        [r"\biOS\b",
         r"\b(iPhone|iPad|VoiceOver)\b",
         r"CoronaCheck[^.]{0,40}\(Apple"],
    "What purchase price did Wassenaar agree for the Duindigt harness-racing track?":
        [r"(koopprijs|aankoopprijs|aankoopbedrag|koopsom|verkoopprijs)",
         r"(Duindigt|Renbaan|SBRD)[^.]{0,200}(€|euro\b|miljoen)",
         r"(€|euro\b|miljoen)[^.]{0,200}(Duindigt|Renbaan|SBRD)"],
    "Welk taalmodel gebruikt de RAG-pipeline voor de Kamervragen van JenV?":
        [r"\b(GPT|ChatGPT|Llama|Mistral|Mixtral|Gemini|Claude|Falcon|GEITje|BLOOM|Qwen|Phi-\d|OpenAI|Azure OpenAI)\b",
         r"(taalmodel|LLM|embeddingsmodel)\s+(van|genaamd|namelijk|zoals)\s+[A-Z]",
         r"(gebruiken|maken gebruik van|kiezen voor)\s+(het\s+)?(model|taalmodel)\s+[A-Z]"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
