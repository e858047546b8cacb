"""Scripts and automatic actions out of the copy of a PDF that the index stores and serves.

A PDF opened from a source link runs in the browser's PDF viewer: JavaScript, /OpenAction,
/AA (automatic actions of the document, pages, links and form fields), /Names /JavaScript,
XFA forms, and launch, submit and import actions are removed (links to web pages stay; a PDF
without any is stored byte for byte). Runs in the PDF helper process (assistant/pdfhelper.py)
on the reader that extracted the text. Nothing here imports pypdf at module level.
"""
from __future__ import annotations

# actions that run code, start programs or send data; /URI and /GoTo links are kept
SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition",
                            "/RichMediaExecute", "/GoToE"})


def _resolve(obj):
    try:
        return obj.get_object() if obj is not None else None
    except Exception:  # noqa: BLE001 - a damaged reference is no script
        return None


def _runs_code(action, limit: int = 64) -> bool:
    """Whether an action dictionary, or one chained after it with /Next, runs code."""
    todo, seen = [action], 0
    while todo and seen < limit:
        a = _resolve(todo.pop())
        seen += 1
        if hasattr(a, "get") and not hasattr(a, "get_data"):
            if str(a.get("/S", "")) in SCRIPT_ACTIONS or "/JS" in a:
                return True
            nxt = _resolve(a.get("/Next"))
            if isinstance(nxt, list):
                todo.extend(nxt)
            elif nxt is not None:
                todo.append(nxt)
        elif isinstance(a, list):
            todo.extend(a)
    return False


def _active_content(doc, fix: bool) -> list[str]:
    """Where `doc` (a PdfReader, or a PdfWriter when `fix`) holds scripts or automatic actions.

    Looks where a viewer finds them: the catalog's /OpenAction, /AA and /Names /JavaScript,
    the /AcroForm (its /XFA and each field's actions), the outline items' actions, and each page's
    and annotation's /AA and /A. With `fix`, removes them in place. Returns what it found, e.g.
    ['/OpenAction', '/AA', '/Names /JavaScript'].
    """
    found: list[str] = []

    def note(what: str) -> None:
        if what not in found:
            found.append(what)

    def clean(d, where: str) -> None:
        if not hasattr(d, "get"):
            return
        if "/AA" in d:
            note("/AA")
            if fix:
                del d["/AA"]
        if "/A" in d and _runs_code(d.get("/A")):
            note(f"{where} /A")
            if fix:
                del d["/A"]
        if "/JS" in d:
            note("/JS")
            if fix:
                del d["/JS"]

    root = doc.root_object
    if "/OpenAction" in root:
        action = _resolve(root.get("/OpenAction"))
        # an open action that only shows a page (a destination or /GoTo) is harmless and kept,
        # unless the file is being cleaned anyway
        if hasattr(action, "get") and (_runs_code(action) or str(action.get("/S", "")) != "/GoTo"):
            note("/OpenAction")
    clean(root, "catalog")
    names = _resolve(root.get("/Names"))
    if hasattr(names, "get") and "/JavaScript" in names:
        note("/Names /JavaScript")
        if fix:
            del names["/JavaScript"]
    form = _resolve(root.get("/AcroForm"))
    if hasattr(form, "get"):
        if "/XFA" in form:
            note("/XFA")
            if fix:
                del form["/XFA"]
        todo = list(_resolve(form.get("/Fields")) or [])
        steps = 0
        while todo and steps < 100_000:
            steps += 1
            field = _resolve(todo.pop())
            if hasattr(field, "get"):
                clean(field, "form field")
                todo.extend(_resolve(field.get("/Kids")) or [])
    outlines = _resolve(root.get("/Outlines"))
    todo = [_resolve(outlines.get("/First"))] if hasattr(outlines, "get") else []
    steps = 0
    while todo and steps < 100_000:
        steps += 1
        item = todo.pop()
        if hasattr(item, "get"):
            clean(item, "outline item")
            for key in ("/First", "/Next"):
                if key in item:
                    todo.append(_resolve(item.get(key)))
    for page in doc.pages:
        clean(page, "page")
        for annot in _resolve(page.get("/Annots")) or []:
            clean(_resolve(annot), "annotation")
    if fix and "/OpenAction" in root:  # cleaning anyway: no action of any kind at opening
        del root["/OpenAction"]
    return found


def strip_pdf_scripts(reader) -> tuple[bytes | None, list[str]]:
    """(a copy of the PDF without its scripts and automatic actions, what was removed), or
    (None, []) when it has none: then the file is stored as it came.

    Runs in the PDF helper process (memory and time limits), on the reader that extracted the text.
    """
    import io

    from pypdf import PdfWriter

    found = _active_content(reader, fix=False)
    if not found:
        return None, []
    writer = PdfWriter(clone_from=reader)
    _active_content(writer, fix=True)
    left = _active_content(writer, fix=False)
    if left:
        raise ValueError(f"could not remove {', '.join(left)}")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), found
