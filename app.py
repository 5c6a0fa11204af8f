"""Web chat (Gradio): a thin door over `rag.NewsQA` — no retrieval or answer logic lives here.

This first chat answers with the top passages, each numbered [n] with its title, outlet and date, so every line
a reader sees can be checked against its source. Grounded short answers come with the answering module.

    python app.py [--index index] [--corpus corpus] [--host 127.0.0.1] [--port 7860]
"""
from __future__ import annotations

import argparse
import html
import os
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import Hit, NewsQA  # noqa: E402

HERE = Path(__file__).resolve().parent


def format_hits(question: str, hits: list[Hit]) -> str:
    """Markdown: the passages that best match, numbered; all article text escaped (it is untrusted input)."""
    if not hits:
        return "No passage in the indexed articles matches this question. / Tidak ada bagian artikel yang cocok."
    lines = ["Top passages from the indexed articles:", ""]
    for n, h in enumerate(hits, 1):
        meta = " · ".join(_esc(x) for x in (h.source, h.date) if x)
        title = _esc(h.title or h.article_id)
        link = f" — [link]({_esc_url(h.url)})" if h.url else ""
        lines.append(f"**[{n}] {title}** ({meta}){link}")
        lines.append(f"> {_esc(h.text)}")
        lines.append("")
    return "\n".join(lines)


def _esc(text: str | None) -> str:
    """HTML-escape and neutralise Markdown control characters so article text renders as plain text."""
    out = html.escape(text or "", quote=True)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")


def _esc_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else "#"


def ensure_index(qa: NewsQA, corpus: Path) -> None:
    """First launch: build the index from the bundled corpus, with progress in the terminal."""
    if qa.status()["articles"] == 0 and corpus.exists():
        print(f"Building the index from {corpus} (first launch)...", flush=True)
        report = qa.rebuild(corpus, show_progress=True)
        print(report.summary(), flush=True)
        for path, reason in report.failed:
            print(f"  failed: {path}: {reason}", flush=True)


def build_ui(qa: NewsQA):
    import gradio as gr

    def chat(message: str, history: list[dict]) -> str:
        return format_hits(message, qa.search(message, k=4))

    status = qa.status()
    return gr.ChatInterface(
        chat,
        title="News QA",
        description=(f"{status['articles']} articles indexed · embedder {status['embedder']}. "
                     "Ask in English or Indonesian."),
        examples=["Who did Kim meet on 18 July?", "Siapa yang memimpin delegasi Rusia?"],
        api_name="chat",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="News QA web chat")
    p.add_argument("--index", default=os.environ.get("RAG_INDEX_DIR", str(HERE / "index")))
    p.add_argument("--corpus", default=str(HERE / "corpus"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("RAG_PORT", "7860")))
    args = p.parse_args(argv)
    qa = NewsQA(args.index)
    ensure_index(qa, Path(args.corpus))
    qa.search("warm up", k=1)  # load the embedder and indexes before the first user waits
    build_ui(qa).launch(server_name=args.host, server_port=args.port, share=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
