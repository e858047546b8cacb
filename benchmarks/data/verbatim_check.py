"""The checks every held-out set's `verify.py` runs: qa.jsonl against the PDFs in pdfs/.

Each set's `verify.py` holds its own absence terms (ABSENT: for each unanswerable question, the
regexes a true answer would have to match) and calls `main(folder, ABSENT)`. Checked: SOURCES.md
names every PDF with its sha256; each answer is 8-25 words, on its cited page only (pdftotext)
and in no other PDF, and found there by pypdf too when it is installed; no absence term matches
any page of any PDF with either extractor; with --compare-dir DIR, no PDF under DIR has the same
sha256 or file name as one of ours. Needs poppler's pdftotext/pdfinfo.
"""
import hashlib, json, os, re, subprocess, sys
from collections import Counter

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

def main(here, absent):
    pdfdir = os.path.join(here, "pdfs")
    compare = None
    if "--compare-dir" in sys.argv:
        compare = sys.argv[sys.argv.index("--compare-dir") + 1]
    pdfs = sorted(f for f in os.listdir(pdfdir) if f.lower().endswith(".pdf"))
    PT, PP, SHA = {}, {}, {}
    total_bytes = 0
    print("== PDFs")
    for f in pdfs:
        p = os.path.join(pdfdir, f)
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
    src = open(os.path.join(here, "SOURCES.md"), encoding="utf-8").read()
    for f in pdfs:
        if SHA[f] not in src or f not in src:
            problems.append(f"SOURCES.md lacks {f} or its sha256")
    if compare:
        ours_sha = {v: k for k, v in SHA.items()}
        for root, _, files in os.walk(compare):
            if os.path.abspath(root).startswith(here):
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

    qa = [json.loads(l) for l in open(os.path.join(here, "qa.jsonl"), encoding="utf-8") if l.strip()]
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
        pats = absent.get(q["q"])
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
