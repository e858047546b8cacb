"""The Gradio chat: a Chat tab (questions, filters) and a Corpus tab (list, upload, remove,
official publications), mounted at / of the FastAPI app.

The handlers are module-level functions of the assistant and their inputs (`respond`,
`refresh`, `upload`, `remove`), callable without Gradio's server; `build_blocks` lays out the
page and connects them. The document lists start empty and are filled on page load, so a page
served before the login holds no document ids.
"""
# No `from __future__ import annotations` here: Gradio reads the annotation `gr.Request` of the
# upload handler at runtime to pass it the request.
import contextlib
import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..types import AssistantError
from .api import check_documents
from .render import CSS, HEAD, render_answer, render_error, render_user
from .schema import MAX_HISTORY_TURNS, ApiError, AskRequest
from .uploads import DOC_SUFFIXES, REPLACE_HINT_CHAT, Upload, ingest_uploads, safe_filename

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Assistant
    from .security import UploadLedger

MAX_CHAT_MESSAGES = 100  # messages the chat keeps on screen (each question sends them back)
CHAT_CONCURRENCY = 8  # questions answered at once in the chat
TABLE_HEADERS = ["Title", "Date", "Kamerstuk / kenmerk", "Pages", "Passages", "Id"]
EXAMPLES = [
    "what did the cabinet say about CSDDD?",
    "Hoeveel personen zijn in Wit-Rusland door de EU gesanctioneerd?",
    "Which organisation organises dialogues between diplomats and human rights defenders?",
]


# -- the handlers -------------------------------------------------------------------------------
def current_documents(assistant: "Assistant") -> list:
    try:
        return assistant.documents()
    except AssistantError:
        return []


def displayable(text: str) -> str:
    """Text as it can be shown and sent as JSON: a lone surrogate becomes its escape (\\ud800)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def answer_html(assistant: "Assistant", question: str, history: list, doc_ids, date_from, date_to, k) -> str:
    """The chat's answer to a question, as HTML; a refusal (the API's words) or error as a message."""
    body = {"question": question, "k": int(k) if k else None,
            "date_from": (date_from or "").strip() or None, "date_to": (date_to or "").strip() or None,
            "documents": list(doc_ids or []) or None}
    try:
        ask = AskRequest.parse(body)
        check_documents(assistant, ask)
        answer = assistant.ask(**{**ask.ask_kwargs(), "history": history})
        return render_answer(answer, assistant)
    except ApiError as exc:
        return render_error(exc.message)
    except AssistantError as exc:
        return render_error(str(exc))


def respond(assistant: "Assistant", question, chat, history, doc_ids, date_from, date_to, k):
    """Answer a question: (the cleared question box, the chat with both messages, the history)."""
    import gradio as gr

    question = (question or "").strip()
    chat = [{**m, "content": displayable(m["content"])}
            if isinstance(m, dict) and isinstance(m.get("content"), str) else m
            for m in list(chat or [])[-(MAX_CHAT_MESSAGES - 2):]]
    history = list(history or [])[-MAX_HISTORY_TURNS:]
    if not question:
        return gr.update(), chat, history
    chat.append({"role": "user", "content": render_user(displayable(question))})
    chat.append({"role": "assistant",
                 "content": answer_html(assistant, question, history, doc_ids, date_from, date_to, k)})
    history.append(question)
    return "", chat, history


def document_choices(docs) -> list[tuple[str, str]]:
    out = []
    for d in docs:
        label = d.title or d.source
        if d.date:
            label += f" ({d.date})"
        out.append((label[:140], d.id))
    return out


def document_rows(docs) -> list[list]:
    return [[d.title or d.source, d.date or "", d.kamerstuk or (f"kenmerk {d.kenmerk}" if d.kenmerk else ""),
             d.pages, d.passages, d.id] for d in docs]


def corpus_summary(docs) -> str:
    n = len(docs)
    return f"{n} document{'s' if n != 1 else ''}, {sum(d.passages for d in docs)} passages indexed."


def refresh(assistant: "Assistant", selected=None):
    """The table, both document pickers and the summary, as the index is now."""
    import gradio as gr

    docs = current_documents(assistant)
    choices = document_choices(docs)
    ids = {d.id for d in docs}
    kept = [v for v in (selected or []) if v in ids]  # a removed document leaves the chat's filter
    return (gr.update(value=document_rows(docs)), gr.update(choices=choices, value=kept),
            gr.update(choices=choices, value=[]), corpus_summary(docs))


def upload(assistant: "Assistant", ledger: "UploadLedger | None", files, replace: bool, cookie_header: str,
           progress: Callable[..., Any] | None = None) -> Iterator[str]:
    """Ingest files uploaded through the chat, yielding the results so far (one line per file).

    Only files that this browser session (`cookie_header`) uploaded through Gradio are taken
    (`ledger`; None checks only that they lie in Gradio's upload folder)."""
    from .security import foreign_uploads

    paths = [f if isinstance(f, str) else getattr(f, "name", None) for f in (files or [])]
    paths = [p for p in paths if p]
    if not paths:
        yield "Choose one or more PDF, .txt or .md files first."
        return
    refused = foreign_uploads(paths, cookie_header, ledger)
    if refused:
        yield "\n".join(f"failed: {safe_filename(Path(p).name)}: was not uploaded in this browser session; "
                        "choose the file again" for p in refused)
        return
    items = [Upload.from_path(Path(p).name, Path(p)) for p in paths]
    lines: list[str] = []
    done = threading.Event()
    outcome: dict = {}
    lock = threading.Lock()

    def on_result(r):
        with lock:
            lines.append(r.line())

    def work():
        try:
            outcome["results"] = ingest_uploads(assistant, items, on_result=on_result, replace=bool(replace),
                                                replace_hint=REPLACE_HINT_CHAT)
        except Exception as exc:  # report, never hang the progress loop
            outcome["error"] = exc
        finally:
            for p in paths:  # Gradio's copy of the upload; the index keeps its own
                with contextlib.suppress(OSError):
                    Path(p).unlink()
            if ledger is not None:
                ledger.forget(paths)
            done.set()

    threading.Thread(target=work, name="ingest-upload", daemon=True).start()
    n = len(items)
    if progress is not None:
        progress(0, desc=f"Adding {n} file{'s' if n != 1 else ''} ...")
    shown = -1
    while not done.wait(0.25):
        with lock:
            count, text = len(lines), "\n".join(lines)
        if count != shown:
            shown = count
            if progress is not None:
                progress(count / n, desc=f"{count} of {n} files done")
            yield text + ("\n" if text else "") + f"working: {count} of {n} files done ..."
    if "error" in outcome:
        yield "\n".join(lines + [f"failed: {outcome['error']}"])
        return
    yield "\n".join(r.line() for r in outcome["results"])


def remove(assistant: "Assistant", doc_ids) -> str:
    ids = [doc_ids] if isinstance(doc_ids, str) else list(doc_ids or [])
    if not ids:
        return "Choose a document to remove first."
    return "\n".join(f"removed: {d}" if assistant.remove(d) else f"failed: {d}: no such document" for d in ids)


# -- the page -----------------------------------------------------------------------------------
def _chat_tab(gr, default_k: int) -> dict:
    with gr.Row():
        with gr.Column(scale=4):
            chatbot = gr.Chatbot(
                elem_id="chatbot", label="Answers", height="72vh", min_height=420, sanitize_html=True,
                render_markdown=True, latex_delimiters=[], feedback_options=None,
                allow_file_downloads=False, buttons=[], group_consecutive_messages=False,
                placeholder="Ask about the indexed letters, e.g. *what did the cabinet say about CSDDD?*",
            )
            with gr.Row():
                question = gr.Textbox(elem_id="question", show_label=False, scale=5, lines=1, max_lines=4,
                                      placeholder="Ask a question (English or Dutch) and press Enter",
                                      autofocus=True, submit_btn=False)
                ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
            with gr.Row():
                clear = gr.Button("New conversation", size="sm", elem_id="clear")
            gr.Examples(EXAMPLES, inputs=[question], label="Examples")
        with gr.Column(scale=1, min_width=240):
            doc_filter = gr.Dropdown(choices=[], multiselect=True, value=[], label="Only these documents",
                                     elem_id="doc-filter")
            date_from = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD", elem_id="date-from")
            date_to = gr.Textbox(label="Dated to", placeholder="YYYY-MM-DD", elem_id="date-to")
            k = gr.Slider(1, 20, value=default_k, step=1, label="Passages per answer", elem_id="k")
    return dict(chatbot=chatbot, question=question, ask=ask, clear=clear, doc_filter=doc_filter,
                date_from=date_from, date_to=date_to, k=k)


def _corpus_tab(gr) -> dict:
    summary = gr.Markdown("", elem_id="corpus-summary")
    table = gr.Dataframe(value=[], headers=TABLE_HEADERS, interactive=False,
                         datatype=["str", "str", "str", "number", "number", "str"],
                         column_widths=["40%", "11%", "15%", "7%", "8%", "19%"],
                         elem_id="documents", wrap=True, max_height=420)
    with gr.Row():
        with gr.Column():
            files = gr.File(file_count="multiple", file_types=list(DOC_SUFFIXES) + [".json", ".toml"],
                            label="Add letters (PDF, .txt, .md; several at once)", elem_id="upload")
            replace = gr.Checkbox(False, label="Replace documents of the same name",
                                  info="Otherwise a file named like an indexed document with other "
                                       "content is refused, and the document kept", elem_id="replace")
            add = gr.Button("Add to the index", variant="primary", elem_id="add")
            results = gr.Textbox(label="Result per file", lines=4, interactive=False, elem_id="upload-results")
        with gr.Column():
            to_remove = gr.Dropdown(choices=[], multiselect=True, value=[], label="Remove documents",
                                    elem_id="remove-choice")
            remove_button = gr.Button("Remove", variant="stop", elem_id="remove")
            removed = gr.Textbox(label="Removed", lines=2, interactive=False, elem_id="remove-results")
    return dict(summary=summary, table=table, files=files, replace=replace, add=add, results=results,
                to_remove=to_remove, remove=remove_button, removed=removed)


def build_blocks(assistant: "Assistant", ledger: "UploadLedger | None" = None):
    """The chat and corpus tabs, their handlers connected."""
    import gradio as gr

    from ..official.web import corpus_controls  # add by identifier or URL, follow a dossier

    def on_upload(files, replace=False, request: gr.Request = None, progress=gr.Progress()):
        cookie = request.headers.get("cookie", "") if request is not None else ""
        yield from upload(assistant, ledger, files, replace, cookie, progress)

    on_refresh = functools.partial(refresh, assistant)
    # files uploaded through the chat are removed after ingest; anything left behind goes after a day
    with gr.Blocks(title="Policy-letter assistant", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        gr.Markdown("## Policy-letter assistant\nAsk in English or Dutch; the answer is the exact Dutch passages, "
                    "each with its citation.")
        history = gr.State([])
        with gr.Tab("Chat", id="chat-tab"):
            chat = _chat_tab(gr, assistant.settings.k)
        with gr.Tab("Corpus", id="corpus-tab"):
            corpus = _corpus_tab(gr)
            official_events = corpus_controls(assistant)

        ask_inputs = [chat["question"], chat["chatbot"], history, chat["doc_filter"], chat["date_from"],
                      chat["date_to"], chat["k"]]
        ask_outputs = [chat["question"], chat["chatbot"], history]
        on_respond = functools.partial(respond, assistant)
        # questions from several users run side by side (reads are safe during an ingest)
        chat["question"].submit(on_respond, ask_inputs, ask_outputs, api_name="ask_chat",
                                concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask")
        chat["ask"].click(on_respond, ask_inputs, ask_outputs, api_name=False,
                          concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask")
        chat["clear"].click(lambda: ([], []), None, [chat["chatbot"], history], api_name=False)
        refresh_out = [corpus["table"], chat["doc_filter"], corpus["to_remove"], corpus["summary"]]
        corpus["add"].click(on_upload, [corpus["files"], corpus["replace"]], [corpus["results"]], api_name=False,
                            concurrency_limit=1).then(
            on_refresh, [chat["doc_filter"]], refresh_out, api_name=False).then(
            lambda: None, None, [corpus["files"]], api_name=False)
        corpus["remove"].click(functools.partial(remove, assistant), [corpus["to_remove"]], [corpus["removed"]],
                               api_name=False, concurrency_limit=1).then(
            on_refresh, [chat["doc_filter"]], refresh_out, api_name=False)
        for event in official_events:
            event.then(on_refresh, [chat["doc_filter"]], refresh_out, api_name=False)
        demo.load(on_refresh, [chat["doc_filter"]], refresh_out, api_name=False)
    return demo


def mount_chat(app, assistant: "Assistant", ledger: "UploadLedger", auth: tuple[str, str] | None,
               max_file_bytes: int) -> None:
    """Mount the chat at / of `app` (with Gradio's login when `auth` is set)."""
    import gradio as gr

    blocks = build_blocks(assistant, ledger)
    theme = gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"])
    gr.mount_gradio_app(
        app, blocks, path="/", auth=auth, theme=theme, css=CSS, head=HEAD, footer_links=[],
        max_file_size=int(max_file_bytes), ssr_mode=False, run_history=False, mcp_server=False,
        auth_message="The policy-letter assistant: log in with the user and password the server was started with.",
    )
    # launch() marks a Blocks as launched; mount_gradio_app does not, and until then Gradio skips
    # its check that a function's input files were uploaded (processing_utils._check_allowed):
    # any path on the server named in a request was copied into its cache and handed over
    blocks.has_launched = True
