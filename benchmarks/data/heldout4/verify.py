#!/usr/bin/env python3
"""Check qa.jsonl against the PDFs in pdfs/.

Needs poppler's pdftotext/pdfinfo; uses pypdf as a second extractor when it is installed.
Usage: python3 verify.py [--compare-dir DIR]   (heldout4: run with /work/shared and with /work/heldout4-ref/pdfs-used)
  --compare-dir DIR  also report any PDF under DIR (this folder excluded) that has the
                     same sha256 or the same file name as one of ours.
"""
import hashlib, json, os, re, subprocess, sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PDFDIR = os.path.join(HERE, "pdfs")

# Unanswerable questions: regexes (case-insensitive) that a true answer would have to match.
# Each must match nowhere in any page of any PDF, with either extractor.
ABSENT = {
    "How many SIGMET warnings did KNMI issue for the Amsterdam FIR in 2022?":
        [r"sigmet[^.]{0,80}(per\s+(jaar|maand)|jaarlijks)", r"(per\s+(jaar|maand)|jaarlijks)[^.]{0,80}sigmet",
         r"aantal\s+(uitgegeven\s+)?sigmets?", r"\b\d+\s+sigmets\b", r"in\s+202[0-2][^.]{0,80}sigmet", r"sigmets?[^.]{0,80}in\s+202[0-2]"],
    "Hoeveel kost de inhuur van de externe artsen voor de PI Haaglanden per jaar?":
        [r"(€|euro)[^.]{0,100}(arts|inhuur)", r"(arts|inhuur)[^.]{0,100}(€|euro)", r"uurtarief", r"per\s+uur",
         r"kosten\s+van\s+de\s+(inhuur|artsen)"],
    "Hoeveel bezwaarschriften behandelde de Wassenaarse commissie bezwaarschriften in 2024?":
        [r"\b\d+\s+bezwaarschriften", r"aantal\s+(ingediende\s+|behandelde\s+|ontvangen\s+)?bezwaar", r"\b\d+\s+(bezwaren|zaken|beroepen)\b", r"(behandelde|ontving|ontvangen)[^.]{0,40}\b\d+\b[^.]{0,20}bezwaar"],
    "What prison or community sentence did prosecutors demand against the farmers arrested after the Wijster protest?":
        [r"\b(eis|eiste|geëist|gevorderd|vordering)\b", r"taakstraf", r"\bboetes?\b", r"gevangenisstraf", r"celstraf", r"veroordee?l",
         r"strafzaak", r"(dagvaarding|gedagvaard|zitting|politierechter)"],
    "How many pig farms were covered by the inspection reports the food safety authority released?":
        [r"\b\d+\s+(varkens)?(bedrijven|ondernemingen|varkenshouderijen|rapporten|inspecties)",
         r"aantal\s+(varkens)?(bedrijven|ondernemingen|varkenshouderijen|rapporten|inspecties)"],
    "Wat kostte het beheer van de OV-standaarden door Connekt volgens het rapport 'Kostenmonitor'?":
        [r"connekt[^.]{0,150}(€|euro|miljoen|kosten\s+van|bedrag)", r"(€|euro|miljoen|bedrag)[^.]{0,150}connekt",
         r"kostenmonitor[^.]{0,150}(€|euro|miljoen|bedr)", r"beheer\s+ov-standaarden[^.]{0,100}(€|euro|miljoen|kost)"],
}

def norm(t):
    return " ".join(t.split())

def pages_pdftotext(path):
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [norm(subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), path, "-"],
                                capture_output=True, text=True).stdout) for i in range(1, n + 1)]

def pages_pypdf(path):
    try:
        import logging
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        from pypdf import PdfReader
    except ImportError:
        return None
    return [norm(p.extract_text() or "") for p in PdfReader(path).pages]

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

def main():
    compare = None
    if "--compare-dir" in sys.argv:
        compare = sys.argv[sys.argv.index("--compare-dir") + 1]
    pdfs = sorted(f for f in os.listdir(PDFDIR) if f.lower().endswith(".pdf"))
    PT, PP, SHA = {}, {}, {}
    total_bytes = 0
    print("== PDFs")
    for f in pdfs:
        p = os.path.join(PDFDIR, f)
        PT[f] = pages_pdftotext(p)
        PP[f] = pages_pypdf(p)
        SHA[f] = sha256(p)
        total_bytes += os.path.getsize(p)
        words = sum(len(t.split()) for t in PT[f])
        print(f"{f:58s} pages={len(PT[f]):3d} words={words:6d} sha256={SHA[f][:16]}...")
    print(f"{len(pdfs)} PDFs, {total_bytes/1e6:.1f} MB in total")
    if PP[pdfs[0]] is None:
        print("(pypdf not installed: second-extractor checks skipped)")

    problems = []
    src = open(os.path.join(HERE, "SOURCES.md"), encoding="utf-8").read()
    for f in pdfs:
        if SHA[f] not in src or f not in src:
            problems.append(f"SOURCES.md lacks {f} or its sha256")
    if compare:
        ours_sha = {v: k for k, v in SHA.items()}
        for root, _, files in os.walk(compare):
            if os.path.abspath(root).startswith(HERE):
                continue
            for g in files:
                if not g.lower().endswith(".pdf"):
                    continue
                gp = os.path.join(root, g)
                s = sha256(gp)
                if s in ours_sha:
                    problems.append(f"duplicate by sha256: {ours_sha[s]} == {gp}")
                if g in SHA:
                    problems.append(f"duplicate file name: {gp}")
        print(f"compared against every PDF under {compare}: "
              f"{'no duplicates' if not any('duplicate' in x for x in problems) else 'DUPLICATES FOUND'}")

    qa = [json.loads(l) for l in open(os.path.join(HERE, "qa.jsonl"), encoding="utf-8") if l.strip()]
    print("\n== Answerable questions (page text = pdftotext per page, whitespace folded)")
    per_pdf, kinds, langs = Counter(), Counter(), Counter()
    pypdf_ok = 0
    n_ans = 0
    for i, q in enumerate(qa, 1):
        langs[(q["lang"], bool(q.get("unanswerable")))] += 1
        if q.get("unanswerable"):
            continue
        n_ans += 1
        tag = f"Q{i:02d}"
        match = [f for f in pdfs if q["doc"].lower() in f.lower()]
        if len(match) != 1:
            problems.append(f"{tag}: doc '{q['doc']}' matches {len(match)} PDFs")
            continue
        f = match[0]
        per_pdf[f] += 1
        kinds[q.get("kind", "body")] += 1
        ans = norm(q["answer"])
        nw = len(ans.split())
        if not 8 <= nw <= 25:
            problems.append(f"{tag}: answer has {nw} words")
        pages = [k + 1 for k, t in enumerate(PT[f]) if ans in t]
        if pages != [q["page"]]:
            problems.append(f"{tag}: answer found on pages {pages}, cited page {q['page']}")
        elsewhere = [g for g in pdfs if g != f and any(ans in t for t in PT[g])]
        pp_note = "pypdf:n/a"
        if PP[f] is not None:
            pp_pages = [k + 1 for k, t in enumerate(PP[f]) if ans in t]
            ok = pp_pages == [q["page"]]
            pypdf_ok += ok
            pp_note = "pypdf:same-page" if ok else f"pypdf:pages={pp_pages}"
        print(f"{tag} {q['lang']} {q.get('kind','body'):8s} p{q['page']:<3d} words={nw:2d} "
              f"pdftotext:{'only-cited-page' if pages == [q['page']] else pages} {pp_note} "
              f"other-pdfs:{len(elsewhere)}  [{f}]")
    print("\n== Unanswerable questions (terms searched in every page of every PDF, both extractors)")
    for i, q in enumerate(qa, 1):
        if not q.get("unanswerable"):
            continue
        pats = ABSENT.get(q["q"])
        if not pats:
            problems.append(f"Q{i:02d}: unanswerable question has no absence terms in verify.py")
            continue
        hits = []
        for f in pdfs:
            for ex in (PT[f], PP[f] or []):
                for t in ex:
                    for pat in pats:
                        if re.search(pat, t, re.I):
                            hits.append((f, pat))
        print(f"Q{i:02d} {q['lang']} searched {pats}: {'absent' if not hits else 'FOUND ' + str(sorted(set(hits)))}")
        if hits:
            problems.append(f"Q{i:02d}: absence terms found")

    print("\n== Summary")
    n_un = sum(1 for q in qa if q.get("unanswerable"))
    en = sum(1 for q in qa if q["lang"] == "en")
    print(f"questions: {len(qa)} ({n_ans} answerable, {n_un} unanswerable); "
          f"English {en} ({100*en/len(qa):.0f}%), Dutch {len(qa)-en} ({100*(len(qa)-en)/len(qa):.0f}%)")
    print(f"answer location: {dict(kinds)}")
    sp = Counter((q.get("split", "?"), "unanswerable" if q.get("unanswerable") else "answerable") for q in qa)
    print("split: " + ", ".join(f"{k[0]} {k[1]} {v}" for k, v in sorted(sp.items())))
    print(f"PDFs with questions: {len(per_pdf)} of {len(pdfs)}; most questions on one PDF: {max(per_pdf.values())}")
    if PP[pdfs[0]] is not None:
        print(f"answers also found on the cited page (and only there) by pypdf: {pypdf_ok} of {n_ans}")
    if max(per_pdf.values()) > 5:
        problems.append("a PDF has more than 5 questions")
    print("problems:", "none" if not problems else "")
    for p in problems:
        print("  -", p)
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
