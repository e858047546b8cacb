"""What a document says about itself: title, date, kenmerk, Kamerstuk, kind,
signatories (sidecar files that add or correct those fields: assistant/sidecars.py).

`detect_metadata` reads the cleaned pages, the raw page texts and the furniture
that cleaning removed (the letterhead's Datum/Betreft/Kenmerk, the kst- footer
of an official publication).  It recognises ministry letters, Kamerstukken
(moties, brieven, memories van toelichting, ...), answers to Kamervragen
(Aanhangsel van de Handelingen), BNC-fiches, Wob decisions and Raad van State
advice.  A field it cannot establish stays None.
"""
from __future__ import annotations

import re

from assistant.headings import OPEN_ENDINGS
from assistant.clean import FIELD_ERROR, Furniture, subject_goes_on
from assistant.dates import DATE, DATE_FORM, LEADING_DATE, date_line, first_lines, head_lines, parse_dutch_date, text_date
from assistant.types import DocumentMeta, Page

__all__ = ["detect_metadata", "parse_dutch_date", "plausible_title"]

# --------------------------------------------------------------------------
# names

_PARTICLES = r"van|de|der|den|ten|ter|te|het|von|la|le|du|d’|’t|'t"
_NAME = re.compile(
    r"^(?:(?:ir|mr|drs|dr|prof|ing|ds|ing)\.\s?)*"  # titles
    r"(?:(?:[A-Z][a-z]?\.)+\s?)?"  # initials: D.M. / Th.C.
    rf"(?:[A-ZÀ-Ý][\w’'¸´-]+|{_PARTICLES})"
    rf"(?:\s+(?:[A-ZÀ-Ý][\w’'¸´-]+|{_PARTICLES}|(?:[A-Z]\.)+))*$"
)
_ROLE_WORDS = frozenset(
    "minister staatssecretaris minister-president directeur directeur-generaal secretaris-generaal "
    "voorzitter vice-president hoofd plaatsvervangend".split()
)
_NOT_NAMES = frozenset(
    """hoogachtend bijlage bijlagen antwoord vraag nederland datum betreft kenmerk pagina
    inlichtingen contactpersoon ondertekening namens""".split()
)


def _is_name(line: str) -> bool:
    line = line.strip().rstrip(",")
    if not line or len(line) > 45 or any(c.isdigit() for c in line) or not _NAME.match(line):
        return False
    words = line.split()
    if len(words) > 6 or words[0].lower().strip(".,") in _NOT_NAMES:
        return False
    if any(len(w) >= 3 and w.isalpha() and w.isupper() for w in words):
        return False  # "DE MINISTER", "TER BESLISSING"
    if any(w.lower().strip(",") in _ROLE_WORDS for w in words):
        return False  # "Staatssecretaris Buitenlandse Handel"
    last = words[-1]
    return last[:1].isupper() and any(len(w.strip(".")) >= 2 and w[:1].isupper() for w in words)


_ROLE = re.compile(
    r"^(?:De |DE |de )?(?:[Mm]inister(?:-[Pp]resident)?|MINISTER(?:-PRESIDENT)?|[Ss]taatssecretaris|"
    r"STAATSSECRETARIS|[Vv]ice-president|VICE-PRESIDENT)\b"
)
_SKIP_BEFORE_NAME = re.compile(r"^(?:namens deze|de directeur|hoogachtend|met vriendelijke groet)", re.I)
_GREETING = re.compile(r"^(?:Hoogachtend|Met (?:vriendelijke|hoogachtende) groet(?:en)?)\b", re.I)


def _signatories(pages: list[Page]) -> list[str]:
    """Names under "De minister van ...," (or after "Hoogachtend,")."""
    lines = [line.strip() for p in pages for line in p.text.split("\n")]
    names: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        role_end = None
        if _ROLE.match(line) and len(line) <= 90:
            if line.endswith(","):
                role_end = i
            elif i + 1 < len(lines) and lines[i + 1].endswith(",") and len(lines[i + 1]) <= 60:
                role_end = i + 1
        elif _GREETING.match(line):
            role_end = i
        if role_end is None:
            i += 1
            continue
        name = _name_after(lines, role_end + 1)
        if name and name not in names:
            names.append(name)
        i = role_end + 1
    return names


def _name_after(lines: list[str], start: int) -> str | None:
    """The first name within a few non-blank lines after a signature role."""
    seen = 0
    for line in lines[start:]:
        if not line:
            continue
        if _is_name(line) and len(line.split()) >= 2:  # a lone word is too often a unit's name
            return line.rstrip(",")
        seen += 1
        if seen > 3 or not (_SKIP_BEFORE_NAME.match(line) or _ROLE.match(line) or len(line) <= 60):
            return None
    return None


# --------------------------------------------------------------------------
# official publications (Kamerstukken, Aanhangsel van de Handelingen)

_KST_ID = re.compile(r"^kst-(\d+)((?:-[\w]+)*)-(\d+)$", re.I)
_AH_ID = re.compile(r"^(ah-(?:tk|ek)-\d{8}-\d+)$", re.I)
_FOOTER_REF = re.compile(r"vergaderjaar \d{4}\s*[–-]\s*\d{4}, (\d{1,3} \d{3}(?: [\w-]+)?), nr\. (\d+)")
_NR_LINE = re.compile(r"^Nr\.\s*(\d+)\s+(.+)$")
_DOSSIER_LINE = re.compile(r"^(\d{1,3} \d{3})(?: ([A-Z][A-Z0-9-]*|\([^)]*\)))?\s+(.+)$")
_KST_KINDS = [
    ("MOTIE", "motie"),
    ("AMENDEMENT", "amendement"),
    ("BRIEF", "brief"),
    ("MEMORIE VAN TOELICHTING", "memorie van toelichting"),
    ("NOTA VAN TOELICHTING", "nota van toelichting"),
    ("VOORSTEL VAN WET", "wetsvoorstel"),
    ("GEWIJZIGD VOORSTEL VAN WET", "wetsvoorstel"),
    ("KONINKLIJKE BOODSCHAP", "koninklijke boodschap"),
    ("NOTA NAAR AANLEIDING VAN HET VERSLAG", "nota"),
    ("NOTA VAN WIJZIGING", "nota van wijziging"),
    ("TWEEDE NOTA VAN WIJZIGING", "nota van wijziging"),
    ("ADVIES AFDELING ADVISERING RAAD VAN STATE", "advies"),
    ("VERSLAG", "verslag"),
    ("LIJST VAN VRAGEN EN ANTWOORDEN", "lijst van vragen en antwoorden"),
    ("VERSLAG VAN EEN", "verslag"),
]


def _format_dossier(number: str) -> str:
    """"32545" -> "32 545"."""
    return f"{number[:-3]} {number[-3:]}" if len(number) > 3 else number


def _official_ids(furniture: Furniture) -> tuple[str | None, str | None]:
    """(kst id, ah id) from the removed footer of an official publication."""
    kst = ah = None
    for line in furniture.texts("official"):
        if not kst and _KST_ID.match(line):
            kst = line
        if not ah and _AH_ID.match(line):
            ah = line.lower()
    return kst, ah


def _kamerstuk_from_kst(kst_id: str) -> str:
    m = _KST_ID.match(kst_id)
    assert m is not None
    middle = " ".join(part for part in m.group(2).split("-") if part)
    dossier = _format_dossier(m.group(1)) + (f" {middle}" if middle else "")
    return f"{dossier}, nr. {int(m.group(3))}"


def _case_like_document(upper: str, text: str) -> str:
    """Sentence case for an all-caps heading, using the document's own spelling of each word."""
    spellings: dict[str, dict[str, int]] = {}
    for word in re.findall(r"[^\W\d_]+", text):
        if not word.isupper() or len(word) == 1:
            spellings.setdefault(word.lower(), {}).setdefault(word, 0)
            spellings[word.lower()][word] += 1
    out = []
    for k, word in enumerate(re.findall(r"\S+", upper)):
        core = re.sub(r"[^\w’'-]", "", word)
        forms = spellings.get(core.lower())
        if forms:
            best = max(forms.items(), key=lambda kv: kv[1])[0]
            new = word.replace(core, best)
        else:
            new = word.lower()
        out.append(new[:1].upper() + new[1:] if k == 0 else new)
    return " ".join(out)


def _kst_header(first_page: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(dossier number, dossier title, document number, document type) from page 1."""
    lines = [line.strip() for line in first_page.split("\n")][:15]
    for k, line in enumerate(lines):
        m = _DOSSIER_LINE.match(line)
        if not m:
            continue
        dossier = m.group(1) + (f" {m.group(2)}" if m.group(2) else "")
        title = m.group(3)
        j = k + 1
        while j < len(lines) and not _NR_LINE.match(lines[j]) and j - k <= 4:
            title += " " + lines[j]
            j += 1
        if j < len(lines) and _NR_LINE.match(lines[j]):
            nr = _NR_LINE.match(lines[j])
            assert nr is not None
            kind = nr.group(2)
            if j + 1 < len(lines) and lines[j + 1].isupper() and len(lines[j + 1]) < 60:
                kind += " " + lines[j + 1]  # a wrapped heading
            kind = re.sub(r"\d+$", "", kind.strip())  # a footnote mark
            return dossier, title.strip(), nr.group(1), kind
    return None, None, None, None


def _kst_kind(heading: str | None) -> str | None:
    if not heading:
        return None
    upper = heading.upper()
    best = None
    for prefix, kind in _KST_KINDS:
        if upper.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, kind)
    return best[1] if best else heading.split()[0].lower()


_QUESTIONS = re.compile(
    r"Vragen van (?P<who>.+?) aan (?:de |het )?(?P<to>.+?) over (?P<what>.+?)\s*\(ingezonden (?P<sent>[^)]*)\)",
    re.S,
)
_ANSWER = re.compile(r"(?P<how>Antwoord|Mededeling) van (?P<who>.+?)\(ontvangen (?:\(ontvangen )?(?P<date>[^)]*)\)", re.S)
_ANSWERER = re.compile(
    r"(?:Minister(?:-president)?|Staatssecretaris)\s+"
    rf"((?:[A-ZÀ-Ý][\w’'¸´-]*)(?:[ -](?:[A-ZÀ-Ý][\w’'¸´-]*|{_PARTICLES}))*)\s*\("
)
_PARTY = re.compile(r"\s*\((?:allen\s+|beiden\s+)?[^()]{1,40}\)")


def _kamervragen(text: str) -> tuple[str | None, str | None, list[str]]:
    """(title, date answered, answering ministers) of an Aanhangsel document."""
    flat = " ".join(text.split())
    title = date = None
    names: list[str] = []
    q = _QUESTIONS.search(flat)
    a = _ANSWER.search(flat)
    if q:
        who = _PARTY.sub("", q.group("who")).strip()
        what = q.group("what").strip()
        if a and a.group("how") == "Antwoord":
            title = f"Antwoord op vragen van {who} over {what}"
        else:
            title = f"Vragen van {who} over {what}"
    if a:
        date = parse_dutch_date(a.group("date"))
        names = [n.strip() for n in _ANSWERER.findall(a.group("who"))]
    if not date and q:
        date = parse_dutch_date(q.group("sent"))
    return title, date, names


def _motie_submitters(text: str) -> list[str]:
    lines = [line.strip() for line in text.split("\n")]
    for k, line in enumerate(lines):
        if line.startswith("en gaat over tot de orde van de dag"):
            return [x for x in lines[k + 1 : k + 12] if x and _is_name(x)]
    return []


# --------------------------------------------------------------------------
# detection


LETTERHEAD_PAGES = 3  # a document's own letterhead is on one of its first pages
_KENMERK_LABELS = ("Kenmerk", "Ons kenmerk", "Onze referentie", "Ons nummer", "Referentie", "Zaaknr", "Zaaknummer")
_RVS_NUMBER = re.compile(r"^No\.\s*(W\d{2}\.\d{2}\.\d{4,5}/[IVX]+)", re.M)
_FICHE = re.compile(r"^(Fiche\s+\d+\s*:\s*.+)$", re.M)


def _valid_kenmerk(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if len(value) > 40 or len(value.split()) > 4 or not any(c.isdigit() for c in value):
        return None
    if "postbus" in value.lower() or parse_dutch_date(value):
        return None  # an address, or a date set in the kenmerk's column
    return value


_SECTION_WORDS = frozenset(
    """overwegingen besluit inleiding samenvatting aanleiding toelichting inhoud inhoudsopgave
    bijlage bijlagen voorwoord conclusie conclusies procedure colofon""".split()
)


# a line that only places and dates the document ("Den Haag, 28 oktober 2016") is no title
_PLACE_AND_DATE = re.compile(r"[’'‘`]?[A-Za-z]?-?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,2},\s+(?i:" + DATE_FORM + ")")
# a form's field ("Voortouwcommissie: vaste commissie voor Financiën") is no title either
_FIELD_LINE = re.compile(r"^[\w()/.-]+\s*:\s+\S")


def _title_line(line: str) -> bool:
    """A short line of words that can go on a title: no sentence, label or section heading."""
    words = line.split()
    return (0 < len(words) <= 8 and not line.endswith((".", ":", ";", ",")) and ":" not in line
            and sum(c.isalpha() for c in line) >= 0.6 * len(line.replace(" ", ""))
            and line.lower() not in _SECTION_WORDS and not DATE.search(line))


# an organisation's unit in capitals above the text ("HOOFDDIRECTIE" / "BESTUURLIJKE EN" /
# "JURIDISCHE ZAKEN") names who wrote it, not what it is
_UNIT = re.compile(r"^(?:HOOFDDIRECTIE|DIRECTORAAT|DIRECTIE|AFDELING|MINISTERIE|INSPECTIE|DIENST)\b")
# the long title of a regulation, decree or bill: "Regeling van de Minister van ..., van ...., nr.
# ..., tot wijziging van ..." or "Wijziging van de Opiumwet in verband met ...", over a few lines
_LONG_TITLE = re.compile(r"^(?:Regeling|Besluit|Wijziging|Wet|Rijkswet|Voorstel van wet)\s+(?:van|tot|houdende)\s")
# what ends it: the genre of the text below it, the enacting words, a numbered heading
_LONG_TITLE_END = re.compile(r"^(?:De (?:[Mm]inister|[Ss]taatssecretaris)|Wij |Gelet op|Op de voordracht|Alles overwogen|BESLUIT|"
                             r"Artikel|Hoofdstuk|\d+\.?\s|[IVX]+\.?\s)")
_GENRES = ("memorie van toelichting", "nota van toelichting", "voorstel van wet", "nota van wijziging")


def _is_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _long_title(lines: list[str]) -> str | None:
    """A regulation's, decree's or bill's own long title from its first line, with the genre that
    follows it ("...; Memorie van toelichting"); None when it runs into the body. A title of more
    than 300 characters that ends in its short title ("... (Tijdelijke subsidieregeling ERTMS
    goederenlocomotieven)") goes by that."""
    title, genre = lines[0], ""
    for nxt in lines[1:8]:
        if _is_capitals(nxt) or _LONG_TITLE_END.match(nxt) or nxt.lower() in _GENRES:
            if nxt.lower() in _GENRES:
                genre = "; " + nxt[:1].upper() + nxt[1:].lower()
            break
        title += " " + nxt
    else:
        return None
    short = re.search(r"\(([A-Z][^()]{10,120})\)$", title)
    if len(title) > 300 and short:
        title = short.group(1)
    return None if len(title) > 300 or title.endswith((".", "?", "!", ",")) else title + genre


def _fallback_title(pages: list[Page]) -> str | None:
    """The first line of the first page with text, when it reads like a title.

    Not a sentence, a section heading ("Overwegingen") or a form's field, mostly letters; a
    place and date before it is passed over. A title wrapped over two or three lines continues
    in lower case, after an open word, or, on a cover page that stacks it, after a one-word line.
    A regulation's or bill's long title runs to the line that ends it (`_long_title`).
    """
    lines = first_lines(pages, 20)
    if lines and _UNIT.match(lines[0]) and _is_capitals(lines[0]):
        while lines and _is_capitals(lines[0]):
            lines = lines[1:]
    for k, line in enumerate(lines[:3]):
        if (re.match(r"^(?:Aan de|Aan het|AAN DE|Intern gebruik|No\.|Nr\.)", line) or _PLACE_AND_DATE.fullmatch(line)
                or date_line(line) or _ORGANISATION.fullmatch(line) or _FOOTNOTE_LINE.match(line)
                or _REFERENCE_LINE.fullmatch(line)):
            continue
        line = LEADING_DATE.sub("", line).strip()  # "10-05-2026 Evaluatie NVVB Gemeenteraadsverkiezing 2026"
        if line[:1].islower() or _LABEL.fullmatch(line):
            return None  # a line that goes on from one above it, or a label ("In opdracht van:")
        if _LONG_TITLE.match(line):
            return _long_title(lines[k:])
        if re.search(r"\b(?:[Ii]k|[Ww]ij|[Ww]e|Hierbij)\b", line):
            return None  # a letter's first sentence ("Hierbij meld ik u dat ..."), not a title
        if len(line) > 120:
            return None  # a line of running text (a firm's disclaimer read first), not a title
        letters = sum(c.isalpha() for c in line)
        if letters < 4 or letters < 0.6 * len(line.replace(" ", "")) or not line[:1].isalnum():
            return None
        if line.lower().rstrip(":") in _SECTION_WORDS or _GREETING_OR_SALUTATION.match(line):
            return None
        if _FIELD_LINE.match(line):
            return None  # a form's field ("Voortouwcommissie: vaste commissie voor Financiën")
        title = line
        for nxt in lines[k + 1 : k + 3]:
            # a cover page stacks a title one word a line ("Blauwdruk" / "AI-geletterdheidsprogramma")
            stacked = (" " not in title or title.endswith(":")) and _title_line(nxt)  # or a subtitle
            if (nxt[:1].islower() or _ends_open(title) or stacked) and len(title) < 160:
                title += " " + nxt
            else:
                break
        if title.endswith((".", "?", "!", ";", ",")) or len(title) > 200:
            return None  # a sentence of the body, not a title
        return title.rstrip(" :")
    return None


# lines above a title that are not it: a date ("Donderdag 11 juni 2020"), an organisation's name
# alone ("Ministerie van Binnenlandse Zaken en Koninkrijksrelaties", "Provincie Zuid-Holland"), a
# footnote pypdf read first ("1 Besluit openbaarmaking ..., Stb. 2022, 456."), a reference number
# ("4.2020.1102.001 1", "191206")
_ORGANISATION = re.compile(
    r"(?:Ministerie|Provincie|Gemeente|Rijksinstituut|Rijksdienst|Waterschap|Hoogheemraadschap|Inspectie|Dienst)"
    r"(?:\s+(?:[A-Z][\w’'.,-]*|van|voor|en|der|de|het))*")
_FOOTNOTE_LINE = re.compile(r"^\d{1,2}\s+[A-Z].*\.$")
_REFERENCE_LINE = re.compile(r"[\d./-]{5,}(?:\s+\d{1,3})?")
_LABEL = re.compile(r"\S+:|.*\s(?:van|door|aan|voor|bij|namens):", re.I)  # "Projectnummer:", "In opdracht van:"


def plausible_title(value: str | None) -> str | None:
    """A title from a file's own properties (a PDF's document information) when it reads like
    one: two words or more of letters, no file or template name ("Microsoft Word - 2011.doc",
    "RO_PUBL_030_A4_Informatieblad"), no code ("6768-R2-E"), no letters spaced out."""
    value = " ".join((value or "").split())
    words = re.findall(r"[^\W\d_]{3,}", value)
    if not value or len(value) > 200 or len(words) < 2 or "_" in value:
        return None
    if sum(c.isalpha() for c in value) < 0.6 * len(value.replace(" ", "")):
        return None
    if re.search(r"(?i)^(?:microsoft|word\s*-)|\.(?:docx?|pdf|xml|odt|indd|rtf|pptx?|xlsx?)\b|\b(?:untitled|naamloos)\b", value):
        return None
    return value


def confirmed_title(info_title: str | None, first_page: str) -> str | None:
    """A PDF's own title (its document information) when it reads like one and is also a whole
    line of the first page's text ("Beheermodel API Design Rules 1.0" below a web page's header
    "Logius - Standaard"): the title the reader sees, which a first-line guess can miss."""
    title = plausible_title(info_title)
    if not title:
        return None
    want = title.lower()
    lines = first_page.splitlines()[:40]
    return title if any(" ".join(line.split()).lower() == want for line in lines) else None


def _ends_open(line: str) -> bool:
    """A title line that goes on in the next: "Sneller reizen met de bus in" / "Zuid-Holland"."""
    words = line.split()
    return len(words) >= 2 and words[-1] in OPEN_ENDINGS


_GREETING_OR_SALUTATION = re.compile(r"^(?:Zeer |Hoog)?(?:[Gg]eachte|Beste|Dear)\b")


def detect_metadata(pages: list[Page], raw_pages: list[str], furniture: Furniture) -> DocumentMeta:
    """Title, date, kenmerk, Kamerstuk, kind and signatories of a cleaned document.

    `pages` and `furniture` come from assistant.clean.clean_document(raw_pages);
    `raw_pages` is the text as extracted, for what cleaning removed.
    """
    text = "\n".join(p.text for p in pages)
    first = next((p.text for p in pages if p.text.strip()), "")
    meta = DocumentMeta()

    # letterhead fields, on the first pages: a letterhead further on is that of a letter appended
    # to the document (a 2017 memo behind a 2005 enforcement agreement)
    meta.title = furniture.field("Betreft", "Onderwerp", "Inzake", last_page=LETTERHEAD_PAGES)
    meta.date = parse_dutch_date(furniture.field("Datum", last_page=LETTERHEAD_PAGES) or "")
    for label in _KENMERK_LABELS:
        kenmerk = _valid_kenmerk(furniture.field(label, last_page=LETTERHEAD_PAGES))
        if kenmerk:
            meta.kenmerk = kenmerk
            break

    if not meta.kenmerk and raw_pages:
        meta.kenmerk = _row_kenmerk(raw_pages[0])

    kst, ah = _official_ids(furniture)
    official = " ".join(furniture.texts("official"))
    if ah or "Aanhangsel van de Handelingen" in official:
        meta.kind = "kamervragen"
        meta.kamerstuk = ah
        title, date, names = _kamervragen(first)
        meta.title = meta.title or title
        meta.date = meta.date or date
        meta.signatories = names
    else:
        dossier, dossier_title, number, heading = _kst_header(first)
        if kst:
            meta.kamerstuk = _kamerstuk_from_kst(kst)
        elif dossier and number:
            meta.kamerstuk = f"{dossier}, nr. {int(number)}"
        else:
            footer = _FOOTER_REF.search(official)
            if footer:
                meta.kamerstuk = f"{footer.group(1)}, nr. {int(footer.group(2))}"
        if heading:
            meta.kind = _kst_kind(heading)
            nice = _case_like_document(heading, text)
            meta.title = meta.title or (f"{dossier_title}; {nice}" if dossier_title else nice)

    if not meta.kind:
        meta.kind = _guess_kind(meta, pages, furniture)
    if meta.kind == "bnc-fiche" and not meta.title:
        fiche = _FICHE.search(first)
        meta.title = fiche.group(1).strip() if fiche else None
    rvs = _RVS_NUMBER.search(first)
    if rvs:
        meta.kenmerk = meta.kenmerk or rvs.group(1)
        meta.title = meta.title or f"Advies Afdeling advisering Raad van State {rvs.group(1)}"

    if not meta.date:
        meta.date = text_date(pages, first, raw_pages[:1])
    if not meta.signatories:
        meta.signatories = _motie_submitters(first) if meta.kind == "motie" else []
    if not meta.signatories:
        meta.signatories = _signatories(pages)
    if not meta.title:
        meta.title = _labelled_subject(raw_pages[0] if raw_pages else first) or _fallback_title(pages)
    meta.title = _without_full_stop(meta.title)
    return meta


def _without_full_stop(title: str | None) -> str | None:
    """A subject typed as a sentence ("Besluit Wob-verzoek over de sloop van het Waddenwegviaduct.")
    is cited without its full stop, which would stand before the citation's comma; an abbreviation
    ("e.a.") and an ellipsis keep theirs."""
    if not title:
        return title
    last = title.split()[-1]
    return title[:-1].rstrip() if last.endswith(".") and "." not in last[:-1] else title


_LABEL_ROW = re.compile(r"^Datum\s+(?:[\w.]+-)?(?:ons\s+)?kenmerk\b", re.I)
_LEADING_DATE = re.compile(r"^(?:" + DATE_FORM + r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})\s+(?P<value>\S+)", re.I)


def _row_kenmerk(page: str) -> str | None:
    """The kenmerk of a letterhead set as a row of labels over a row of values: "Datum GS-kenmerk
    Inlichtingen bij" / "16.07.2024 2024-015664" (the value after the date)."""
    lines = head_lines(page)
    for label, values in zip(lines, lines[1:]):
        if _LABEL_ROW.match(label):
            m = _LEADING_DATE.match(values)
            after = values[m.start("value"):][:20] if m else ""
            if m and parse_dutch_date(values) and len(m["value"]) >= 4 and not parse_dutch_date(after):
                return _valid_kenmerk(m["value"])  # the value after the date, never a second date
    return None


# "Document:" heads the House committees' decision lists ("Document: Besluitenlijst van de
# procedurevergadering van woensdag 26 oktober 2016"); its value must be words, not a number
_SUBJECT_LABEL = re.compile(r"^\s*(?:Betreft|Onderwerp|Titel|Inzake|Document(?=\s*:\s*[A-Z][a-z]))\s*:\s*(\S.{2,150})$"
                            # a note or memo that names itself: "Notitie - OIN Nummer bijzondere organisaties"
                            r"|^\s*(?:Notitie|Memo|Memorandum)\s*(?::|\s[-–])\s*([A-Z].{2,150})$")


def _labelled_subject(page: str) -> str | None:
    """The value of a "Betreft:" / "Onderwerp:" / "Titel:" / "Document:" line in the first 40 lines of a page
    where no letterhead block was recognised (a scan's text layer, a memo), with its next line
    when it wraps: "Titel: inventarisatie van regionale en landelijke maatregelen behorend bij" /
    "escalatieladder (‘gereedschapskist)"."""
    lines = head_lines(page)
    for i, line in enumerate(lines):
        m = _SUBJECT_LABEL.match(line)
        if m:
            value = (m.group(1) or m.group(2)).strip()
        elif _LONE_LABEL.match(line) and i + 1 < len(lines) and _value_line(lines[i + 1]):
            # a form's label on a line of its own, its value below ("Titel:" / "Voorstel van wet ...")
            i += 1
            value = lines[i]
        else:
            continue
        if FIELD_ERROR.match(value):
            continue
        for nxt in lines[i + 1 : i + 3]:
            if not (subject_goes_on(value, nxt) and ":" not in nxt):
                break
            value = f"{value} {nxt}"
        return value.rstrip(" :")
    return None


_LONE_LABEL = re.compile(r"^(?:Betreft|Onderwerp|Titel|Inzake)\s*:$")


def _value_line(line: str) -> bool:
    """A line that can be a label's value: no instruction in brackets ("(Vul hier de titel in)"),
    question, bullet or other label."""
    return line[:1].isalnum() and not line.endswith("?") and not _FIELD_LINE.match(line) and not _LONE_LABEL.match(line)


def _guess_kind(meta: DocumentMeta, pages: list[Page], furniture: Furniture) -> str | None:
    head = "\n".join(p.text for p in pages[:3])
    title = meta.title or ""
    furn = " ".join(furniture.texts())
    if _FICHE.search(head) and "Fiche" in head[:400]:
        return "bnc-fiche"
    if re.search(r"\bWob\b|Wob-verzoek|Wet openbaarheid van bestuur", title + "\n" + head):
        return "wob-besluit"
    if re.search(r"\bWoo\b|Woo-verzoek|Wet open overheid", title + "\n" + head):
        return "woo-besluit"
    if _RVS_NUMBER.search(head) or re.search(r"^AAN DE KONING$", furn + "\n" + head, re.M):
        return "advies"
    if re.search(r"TER BESLISSING|TER INFORMATIE|Beslisnota", furn + "\n" + head):
        return "beslisnota"
    if re.match(r"^\s*Besluit van\b", head):
        return "besluit"
    if title.lower().startswith("kabinetsreactie") or re.match(r"^\s*Kabinetsreactie\b", head):
        return "kabinetsreactie"
    if re.search(r"^(?:Zeer )?[Gg]eachte (?:voorzitter|Voorzitter)", head, re.M) or re.search(
        r"[Vv]oorzitter van de (?:Tweede|Eerste) Kamer", furn
    ):
        return "brief"
    if meta.title and re.search(r"\bGeachte\b", head):
        return "brief"
    return None

