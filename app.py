"""Web chat (Gradio Blocks): a thin door over `rag.NewsQA` — no retrieval or answer logic lives here.

Left: the chat (answers stream in; [n] markers link to their source; "new chat" resets). Right: the source panel
(title, outlet, date, link, and the passage with the quoted sentence highlighted). Below: filters (outlets, date
range) applied to retrieval, and "add articles" (upload, indexed with a progress bar, per-file results).
Programs call `/chat` through gradio_client and get the answer with its citations as JSON.

    python app.py [--index index] [--corpus corpus] [--host 127.0.0.1] [--port 7860] [--auth user:password]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()  # before the heavy imports: "Ready in" counts them

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import NewsQA
from rag.render import (
    answer_markdown,
    answer_record,
    escape_markdown,
    partial_markdown,
    reading_html,
    sources_html,
    status_line,
)
from rag.uploads import UploadLimits, accept_uploads, summary_line, upload_report, upload_warnings

HERE = Path(__file__).resolve().parent
MODES = {"none": "answers without an LLM (quotes)", "local": "local LLM", "openai": "LLM server"}
PENDING = '<div class="src-empty src-pending">Searching the sources…</div>'
EXAMPLES = ["Who did Kim meet on 18 July?", "Siapa yang memimpin delegasi Rusia?"]

CSS = """
.src-list { max-height: 72vh; overflow-y: auto; padding-right: 4px; }
@media (max-width: 700px) { .src-list { max-height: none; overflow: visible; } }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
            margin-bottom: 10px; transition: box-shadow .2s, border-color .2s; }
.src-card.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.src-title { font-weight: 600; }
.src-n { color: var(--color-accent); margin-right: 4px; }
.src-meta { font-size: .85em; opacity: .8; margin: 2px 0 6px; }
.src-passage { margin: 0; line-height: 1.45; }
.src-passage mark { background: #ffe58a; color: #000; padding: 0 2px; border-radius: 2px; }
.src-empty { opacity: .7; font-style: italic; }
a.cite { font-weight: 600; text-decoration: none; cursor: pointer; }
"""

# Clicking or hovering [n] in an answer brings source card n forward (scrolls it into view and outlines it).
HEAD = """<script>
(() => {
  const show = (el, scroll) => {
    const a = el && el.closest && el.closest('a.cite');
    if (!a) return null;
    const n = a.dataset.n || (a.getAttribute('href') || '').replace('#src-', '');
    const card = document.getElementById('src-' + n);
    if (!card) return a;
    document.querySelectorAll('.src-card.active').forEach(c => c.classList.remove('active'));
    card.classList.add('active');
    if (scroll) card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    return a;
  };
  document.addEventListener('click', e => { if (show(e.target, true)) { e.preventDefault(); e.stopPropagation(); } },
                            true);
  document.addEventListener('mouseover', e => { show(e.target, false); }, true);
})();
</script>"""


def plain_history(messages: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Chatbot messages -> {"role", "content"} with text content (Gradio may hand content over as blocks)."""
    out = []
    for m in messages or []:
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        if isinstance(content, str) and m.get("role") in ("user", "assistant"):
            out.append({"role": m["role"], "content": content})
    return out


def make_filters(outlets: list[str] | None, date_from: str | None, date_to: str | None) -> dict[str, Any]:
    """UI values -> NewsQA filters (empty values mean no filter; bad dates are rejected by NewsQA)."""
    filters: dict[str, Any] = {}
    if outlets:
        filters["source"] = list(outlets)
    if date_from and date_from.strip():
        filters["date_from"] = date_from.strip()
    if date_to and date_to.strip():
        filters["date_to"] = date_to.strip()
    return filters


def ensure_index(qa: NewsQA, corpus: Path) -> None:
    """First launch: build the index from the bundled corpus, with progress in the terminal."""
    if qa.status()["articles"] == 0 and corpus.exists():
        print(f"Building the index from {corpus} (first launch)...", flush=True)
        report = qa.rebuild(corpus, show_progress=True)
        print(report.summary(), flush=True)
        for path, reason in report.failed:
            print(f"  failed: {path}: {reason}", flush=True)


def build_ui(qa: NewsQA, uploads_dir: Path, limits: UploadLimits = UploadLimits()):
    import gradio as gr

    mode = MODES.get(qa.config.llm, qa.config.llm)

    def header() -> str:
        return status_line(qa.status(), mode, getattr(qa, "llm_problem", ""))

    def outlet_choices() -> list[str]:
        return qa.status()["sources"]

    def respond(message: str, messages: list[dict], outlets: list[str], date_from: str, date_to: str):
        """Stream the verified pieces into the chat, then the final answer and its source cards."""
        message = (message or "").strip()
        if not message:
            yield messages, gr.skip(), ""
            return
        try:
            filters = make_filters(outlets, date_from, date_to)
            stream = qa.ask_stream(message, history=plain_history(messages), filters=filters)
        except ValueError as exc:  # a bad filter value: say so, keep the conversation
            raise gr.Error(str(exc)) from exc
        messages = list(messages or []) + [{"role": "user", "content": message},
                                           {"role": "assistant", "content": "…"}]
        yield messages, PENDING, ""  # "searching" until the sources are known: as the LLM starts, or at the end
        shown = ""
        for piece in stream:
            if not piece:  # generative mode: the evidence is chosen and the model starts writing from it
                yield messages, reading_html(stream.reading, stream.hits, stream.language), ""
                continue
            shown += piece
            messages[-1] = {"role": "assistant", "content": partial_markdown(shown)}
            yield messages, gr.skip(), ""
        assert stream.answer is not None
        messages[-1] = {"role": "assistant", "content": answer_markdown(stream.answer)}
        yield messages, sources_html(stream.answer), ""

    def add_files(files: list[str] | None, progress=gr.Progress()):
        """Upload -> checked copies in the uploads folder -> indexed; a per-file report."""
        if not files:
            return "No files chosen.", header(), gr.update()
        intake = accept_uploads([(Path(f).name, Path(f)) for f in files], uploads_dir, limits)
        report = None
        if intake.saved:
            progress(0, desc="indexing")
            report = qa.add(intake.paths,
                            progress=lambda done, total, what: progress((done, max(total, 1)), desc=what))
        rows = upload_report(intake, report, qa.origins())
        table = ["| file | result | detail |", "|---|---|---|"]
        table += [f"| {_cell(name)} | {status} | {_cell(detail)} |" for name, status, detail in rows]
        notes = [f"- warning: {_cell(name)}: {_cell(note)}" for name, note in upload_warnings(intake, report)]
        text = f"**{summary_line(rows)}**\n\n" + "\n".join(table) + ("\n\n" + "\n".join(notes) if notes else "")
        return text, header(), gr.update(choices=outlet_choices())

    def api_chat(question: str, history: list[dict] | None = None, outlets: list[str] | None = None,
                 date_from: str | None = None, date_to: str | None = None) -> dict:
        """Answer a question over the indexed news: the answer text, whether it was refused, and its citations
        (number, title, source, date, url, verbatim quote, offsets). history: earlier {"role", "content"} turns."""
        try:
            answer = qa.ask(question, history=plain_history(history),
                            filters=make_filters(outlets, date_from, date_to))
        except ValueError as exc:  # a bad filter value: the caller gets the reason, not a generic error
            raise gr.Error(str(exc)) from exc
        return answer_record(answer)

    with gr.Blocks(title="News QA") as demo:
        gr.Markdown("## News QA\nAsk in English or Indonesian. Every claim cites [n]; click it to see the quote.")
        status = gr.Markdown(header(), elem_id="status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(elem_id="chat", height=520, label="Chat", buttons=["copy"],
                                     feedback_options=None)
                with gr.Row():
                    box = gr.Textbox(placeholder="Who did Kim meet on 18 July?", show_label=False, scale=5,
                                     elem_id="question", autofocus=True, submit_btn=True)
                with gr.Row():
                    new_chat = gr.Button("New chat", elem_id="new-chat", size="sm", variant="secondary")
                    gr.Examples(EXAMPLES, inputs=box, label=None)
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Sources")
                panel = gr.HTML(sources_html(None), elem_id="sources")
        with gr.Accordion("Filters", open=False, elem_id="filters"):
            with gr.Row():
                outlets = gr.Dropdown(outlet_choices(), value=[], multiselect=True, label="Outlets (none = all)",
                                      elem_id="outlets", allow_custom_value=False)
                date_from = gr.Textbox(label="From (YYYY-MM-DD)", placeholder="2024-07-01", elem_id="date-from")
                date_to = gr.Textbox(label="To (YYYY-MM-DD)", placeholder="2024-07-31", elem_id="date-to")
        with gr.Accordion("Add articles", open=False, elem_id="add-articles"):
            files = gr.File(file_count="multiple", file_types=list(limits.suffixes), type="filepath",
                            label=f"Articles ({', '.join(limits.suffixes)}; up to {limits.max_files} files, "
                                  f"{limits.max_bytes // (1024 * 1024)} MB each)", elem_id="upload")
            add = gr.Button("Index these files", elem_id="index-files", variant="primary")
            upload_result = gr.Markdown(elem_id="upload-result")

        # One concurrency group for everything that reads or writes the index: an answer never sees a half-done
        # upload, and the LLM (when configured) is never asked twice at once on 2 cores.
        box.submit(respond, [box, chatbot, outlets, date_from, date_to], [chatbot, panel, box],
                   concurrency_id="qa", api_visibility="private")
        new_chat.click(lambda: ([], sources_html(None), ""), None, [chatbot, panel, box], api_visibility="private")
        add.click(add_files, [files], [upload_result, status, outlets], concurrency_id="qa",
                  api_visibility="private")
        gr.api(api_chat, api_name="chat", concurrency_id="qa")
    return demo


def theme():
    """Gradio's default theme loads its fonts from Google: on an air-gapped machine the page would wait on them and
    fall back badly. System fonts only."""
    import gradio as gr

    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                                   "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"])


def _cell(text: str) -> str:
    """A Markdown table cell showing `text` literally."""
    return escape_markdown(text).replace("\n", " ")


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:password' -> (user, password); empty -> None; anything else is a usage error."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise SystemExit("--auth / RAG_AUTH must look like user:password")
    return user, password


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="News QA web chat")
    p.add_argument("--index", default=os.environ.get("RAG_INDEX_DIR", str(HERE / "index")))
    p.add_argument("--corpus", default=str(HERE / "corpus"),
                   help="articles to index on first launch; uploads are stored in CORPUS/uploads")
    p.add_argument("--host", default=os.environ.get("RAG_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("RAG_PORT", "7860")))
    p.add_argument("--auth", default=os.environ.get("RAG_AUTH"), help="require a login: user:password")
    args = p.parse_args(argv)
    auth = parse_auth(args.auth)
    qa = NewsQA(args.index)
    corpus = Path(args.corpus)
    ensure_index(qa, corpus)
    qa.search("warm up", k=1)  # load the embedder and indexes before the first user waits
    qa.answerer.warm()  # and the LLM with its shared prompt prefix, when one is configured
    limits = UploadLimits()
    demo = build_ui(qa, corpus / "uploads", limits)
    demo.queue(default_concurrency_limit=1)
    demo.launch(server_name=args.host, server_port=args.port, share=False, auth=auth, css=CSS, head=HEAD,
                theme=theme(), max_file_size=limits.max_bytes, footer_links=["api"], prevent_thread_lock=True)
    print(f"Ready in {time.perf_counter() - STARTED:.1f} s", flush=True)
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
