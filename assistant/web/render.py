"""Answers as HTML for the chat: numbered quotes with their evidence marked, citations,
links to the source at the page, footnotes and the passages around each quote.

Everything a document says (text, titles, file names) is data: it goes through `esc`, which
encodes every character HTML, Markdown or math rendering could act on, so the chat's Markdown
renderer never sees a character of it that it could interpret. Labels follow the question's
language.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..citation import pages_label

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Assistant
    from ..types import Answer, Hit

_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$:=^\"'<>"}
_ENTITIES["&"] = "&amp;"


def esc(text: Any) -> str:
    """HTML-escape, and encode every character Markdown or math rendering could act on.

    One pass: each character becomes itself or one entity, so nothing is escaped twice.
    """
    return "".join(_ENTITIES.get(ch, ch) for ch in str(text if text is not None else ""))


def _text_html(text: str, spans: list | None = None) -> str:
    """Passage text with the evidence sentences in <mark>, escaped, newlines as <br>."""
    out, pos = [], 0
    for a, b in sorted((int(a), int(b)) for a, b in (spans or [])):
        a, b = max(a, pos), min(b, len(text))
        if b <= a:
            continue
        out.append(esc(text[pos:a]))
        out.append('<mark class="pla-ev">' + esc(text[a:b]) + "</mark>")
        pos = b
    out.append(esc(text[pos:]))
    s = "".join(out)
    s = s.replace("\r\n", "\n")
    s = re.sub(r"\n{2,}", "<br><br>", s)
    return s.replace("\n", "<br>")


LABELS = {
    "en": {"copy": "Copy citation", "open_pdf": "Open the PDF at p. {page}",
           "open_text": "Open the text file", "context": "Read the text around this passage",
           "before": "Before", "after": "After", "weak": "weak match", "notes": "Footnotes",
           "footnote": "footnote", "none": "No passages found.", "searched": "Searched for", "error": "Could not answer"},
    "nl": {"copy": "Kopieer bronvermelding", "open_pdf": "Open de PDF op p. {page}",
           "open_text": "Open het tekstbestand", "context": "Lees de tekst rond deze passage",
           "before": "Ervoor", "after": "Erna", "weak": "zwakke overeenkomst", "notes": "Voetnoten",
           "footnote": "voetnoot", "none": "Geen passages gevonden.", "searched": "Gezocht naar", "error": "Geen antwoord mogelijk"},
}


def file_link(doc_id: str, page: int | None, media_type: str | None) -> str:
    from urllib.parse import quote

    url = "/files/" + quote(doc_id, safe="")
    if page and (media_type or "").endswith("pdf"):
        url += f"#page={int(page)}"
    return url


def hit_context(assistant: "Assistant", hit: "Hit") -> tuple[list, list, int]:
    """The passages just before and after a hit, and the page its evidence starts on.

    A hit may be several passages (an adjacent one merged in, or the answer to a
    Kamervragen question); "after" follows the last of them, and when the first
    highlighted sentence lies in a later one, the link opens that passage's page.
    """
    try:
        index = assistant.index
        rows = index.passages(hit.passage_ids)
        parts = [rows[i] for i in hit.passage_ids if i in rows]
        if not parts:
            return [], [], hit.page
        first, last = parts[0], parts[-1]
        shown = {r.id for r in parts}
        before = [r for r in index.passages_between(first.doc_id, first.ordinal - 1, first.ordinal - 1)
                  if r.id not in shown]
        after = [r for r in index.passages_between(last.doc_id, last.ordinal + 1, last.ordinal + 1)
                 if r.id not in shown]
        page = hit.page
        if hit.highlights:
            start, offset = min(a for a, _ in hit.highlights), 0
            for r in parts:  # the parts are joined by one space
                if start < offset + len(r.text):
                    page = r.page
                    break
                offset += len(r.text) + 1
        return before, after, page
    except Exception:  # context is a nicety; never lose the answer for it
        return [], [], hit.page


def render_hit(assistant: "Assistant | None", hit: "Hit", lang: str, media_types: dict[str, str]) -> str:
    labels = LABELS.get(lang, LABELS["en"])
    doc = hit.document
    weak = hit.weak
    parts = [f'<li class="pla-hit{" pla-weak" if weak else ""}">']
    if weak:
        parts.append(f'<span class="pla-weak-tag">{esc(labels["weak"])}</span>')
    if hit.kind == "footnote":  # the quote is a footnote's text, not the letter's body
        parts.append(f'<span class="pla-kind-tag">{esc(labels["footnote"])}</span>')
    parts.append(f'<blockquote class="pla-quote" lang="nl">{_text_html(hit.text, hit.highlights)}</blockquote>')
    media = media_types.get(doc.id, "")
    before, after, page = hit_context(assistant, hit) if assistant is not None else ([], [], hit.page)
    link_label = labels["open_pdf"].format(page=int(page)) if media.endswith("pdf") else labels["open_text"]
    parts.append(
        '<div class="pla-cite"><span class="pla-cite-text">— ' + esc(hit.citation) + "</span> "
        f'<button type="button" class="pla-copy" title="{esc(labels["copy"])}">'
        f'{esc(labels["copy"])}</button> '
        f'<a class="pla-src" href="{esc(file_link(doc.id, page, media))}" target="_blank" '
        f'rel="noopener noreferrer">{esc(link_label)}</a></div>'
    )
    if hit.footnotes:
        parts.append(f'<div class="pla-notes"><span class="pla-notes-label">{esc(labels["notes"])}:</span><ul>')
        parts.extend(f"<li>{esc(n)}</li>" for n in hit.footnotes)
        parts.append("</ul></div>")
    if before or after:
        parts.append(f'<details class="pla-context"><summary>{esc(labels["context"])}</summary>')
        for label, rows in ((labels["before"], before), (labels["after"], after)):
            for r in rows:
                parts.append(f'<div class="pla-ctx"><div class="pla-ctx-label">{esc(label)} '
                             f'({esc(pages_label(r.page, r.page_end))})'
                             f'</div><div class="pla-ctx-text" lang="nl">{_text_html(r.text)}</div></div>')
        parts.append("</details>")
    parts.append("</li>")
    return "".join(parts)


def render_answer(answer: "Answer", assistant: "Assistant | None" = None) -> str:
    """One chat message of HTML: the numbered quotes, their evidence, citations and links."""
    lang = answer.language if answer.language in LABELS else "en"
    labels = LABELS[lang]
    media_types: dict[str, str] = {}
    if assistant is not None:
        for h in answer.hits:
            if h.document.id not in media_types:
                try:
                    stored = assistant.index.stored_file(h.document.id)
                except Exception:
                    stored = None
                media_types[h.document.id] = stored.media_type if stored else ""
    parts = [f'<div class="pla-answer {"pla-found" if answer.answer_found else "pla-notfound"}">']
    if answer.rewritten_query and answer.rewritten_query != answer.query:
        parts.append(f'<p class="pla-rewritten">{esc(labels["searched"])}: {esc(answer.rewritten_query)}</p>')
    if answer.message:
        parts.append(f'<p class="pla-noanswer">{esc(answer.message)}</p>')
    if not answer.hits:
        parts.append(f'<p class="pla-none">{esc(labels["none"])}</p>')
    else:
        parts.append('<ol class="pla-hits">')
        parts.extend(render_hit(assistant, h, lang, media_types) for h in answer.hits)
        parts.append("</ol>")
    parts.append("</div>")
    return "".join(parts)  # one line: Markdown must see a single HTML block


def render_error(message: str, lang: str = "en") -> str:
    labels = LABELS.get(lang, LABELS["en"])
    return f'<div class="pla-answer pla-error"><p><strong>{esc(labels["error"])}:</strong> {esc(message)}</p></div>'


def render_user(question: str) -> str:
    return f'<div class="pla-user">{_text_html(question)}</div>'


CSS = """
.pla-answer { line-height: 1.5; }
.pla-answer ol.pla-hits { padding-left: 1.6em; margin: 0.3em 0; }
.pla-hit { margin: 0 0 1em 0; }
.pla-quote { margin: 0.2em 0 0.3em 0; padding: 0.4em 0.8em; border-left: 4px solid #2f6fb5;
  background: rgba(47, 111, 181, 0.06); font-style: normal; white-space: normal; }
.pla-weak .pla-quote { border-left-color: #a0a0a0; background: rgba(128, 128, 128, 0.07); opacity: 0.9; }
mark.pla-ev { background: #ffe58a; color: inherit; padding: 0 1px; border-radius: 2px; }
.dark mark.pla-ev { background: #7a6200; }
.pla-cite { font-size: 0.92em; color: var(--body-text-color-subdued); margin: 0.1em 0 0 0.2em; }
.pla-cite-text { font-style: italic; }
.pla-copy { font-size: 0.85em; padding: 0 0.5em; margin-left: 0.3em; border: 1px solid var(--border-color-primary);
  border-radius: 4px; background: var(--button-secondary-background-fill); cursor: pointer; }
.pla-copy:hover { background: var(--button-secondary-background-fill-hover); }
a.pla-src { margin-left: 0.4em; color: var(--link-text-color); text-decoration: underline; }
.message-content .pla-answer blockquote.pla-quote { margin: 0.2em 0 0.25em 0 !important; }
.pla-notes { font-size: 0.85em; margin: 0.2em 0 0 0.2em; color: var(--body-text-color-subdued); }
.pla-notes ul { margin: 0 0 0 1.2em; padding: 0; list-style: none; }
.pla-notes li { margin: 0; padding: 0; }
#documents td, #documents td * { font-family: var(--font) !important; }
.pla-context { font-size: 0.9em; margin-top: 0.2em; }
.pla-context summary { cursor: pointer; color: var(--link-text-color); }
.pla-ctx-label { font-weight: 700; margin-top: 0.3em; }
.pla-weak-tag, .pla-kind-tag { display: inline-block; font-size: 0.8em; padding: 0 0.4em; border-radius: 3px;
  background: #eee; color: #555; margin-bottom: 0.1em; }
.pla-noanswer { font-weight: 700; }
.pla-rewritten { font-size: 0.85em; color: var(--body-text-color-subdued); }
"""

# one delegated listener: the chat's HTML sanitiser removes inline handlers
HEAD = r"""
<script>
(function () {
  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
    document.body.appendChild(ta); ta.select();
    try { document.execCommand('copy'); } catch (e) {}
    document.body.removeChild(ta);
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest('.pla-copy') : null;
    if (!b) return;
    ev.preventDefault();
    var holder = b.closest('.pla-cite');
    var span = holder ? holder.querySelector('.pla-cite-text') : null;
    var text = (span ? span.textContent : '').replace(/^\s*\u2014\s*/, '').trim();
    var label = b.textContent;
    var done = function () { b.textContent = '\u2713'; setTimeout(function () { b.textContent = label; }, 1200); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  });
})();
</script>
"""
