#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/ (the checks: ../verbatim_check.py).

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout8: run with /work/shared and with /work/heldout8-ref/pdfs-used)
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
    "How many tonnes of granulite were dumped in the sand-extraction lake, according to the infrastructure ministry's decision?":
        [r"\bton(nen)?\b", r"\bkuub\b", r"\bm3\b", r"kubieke", r"\bkilo", r"(granuliet|zandwinplas|plas)[^.]{0,150}\b\d[\d.,]*\s*(ton|kg|m³)",
         r"\b\d[\d.,]*\s*(ton|kg|m³)[^.]{0,150}(granuliet|zandwinplas|plas)"],
    "How many prisoners at PI Zwolle tested positive for the coronavirus in 2020?":
        [r"\b\d+\s+(gedetineerden|bewoners|medewerkers|inmates|prisoners|residents)[^.]{0,120}(positief|besmet|positive|infected)",
         r"(positief|besmet|positive|infected)[^.]{0,120}\b\d+\s+(gedetineerden|bewoners|medewerkers|inmates|prisoners|residents)",
         r"aantal\s+(besmettingen|besmette|positieve)[^.]{0,60}\b\d", r"tested positive"],
    "Welk percentage van de inwoners heeft zelf burenhulp ontvangen in de afgelopen twaalf maanden?":
        [r"(ontving|ontvangen|ontvangt|kregen|kreeg|gekregen)[^.]{0,80}burenhulp", r"burenhulp[^.]{0,80}(ontvangen|gekregen|ontving|kreeg)",
         r"\d+\s*%[^.]{0,80}(hulp|steun) (van|door) (de |hun )?buren", r"(hulp|steun) (van|door) (de |hun )?buren[^.]{0,80}\d+\s*%"],
    "Which large language model did the Logius intern use for the BOMOS helpdesk chatbot demo?":
        [r"gpt", r"llama", r"mistral", r"claude", r"gemini", r"openai", r"copilot", r"\bbert\b", r"(taalmodel|llm)\s+(van|genaamd|is|was)\b"],
    "Why did the municipality of Westland take part in the data science project on vulnerable residents?":
        [r"westland[^.]{0,200}(omdat|reden|wil|wilde|doel|hoopt|vanwege)", r"(omdat|reden|wil|wilde|doel|hoopt|vanwege)[^.]{0,150}westland",
         r"gemeente westland"],
    "Vanaf welke datum is versie 2.0 van de API Design Rules verplicht voor overheidsorganisaties?":
        [r"verplicht[^.]{0,80}(per|vanaf|met ingang van|sinds)\s+\d", r"(per|vanaf|met ingang van|sinds)\s+\d{1,2}\s+\w+\s+20\d\d[^.]{0,120}verplicht",
         r"(lijst|status)[^.]{0,60}verplicht[^.]{0,60}20\d\d", r"pas[- ]toe[- ]of[- ]leg[- ]uit[^.]{0,150}(per|vanaf|sinds)\s+\d"],
}

if __name__ == "__main__":
    sys.exit(main(HERE, ABSENT))
