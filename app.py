"""Web chat (Gradio): a thin door over `rag.NewsQA` — no retrieval or answer logic lives here.

The chat streams a grounded answer (`NewsQA.ask_stream`): a short direct answer with verbatim quotes numbered
[n], or "the sources don't answer this"; under it, the cited sources with title, outlet, date and link, so every
line a reader sees can be checked. All article and model text is escaped before it is rendered.

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

from rag import Answer, NewsQA  # noqa: E402

HERE = Path(__file__).resolve().parent


def format_answer(answer: Answer) -> str:
    """Markdown: the answer (escaped), then its cited sources; a fallback or unverified answer says so."""
    lines = [_esc_lines(answer.text)]
    if answer.citations:
        lines += ["", "**Sources**" if answer.language == "en" else "**Sumber**"]
        for c in answer.citations:
            meta = " · ".join(_esc(x) for x in (c.source, c.date) if x)
            link = f" — [link]({_esc_url(c.url)})" if c.url else ""
            lines.append(f"{c.number}. **{_esc(c.title or c.article_id)}** ({meta}){link}  ")
            lines.append(f"   > {_esc(c.quote)}")
    if answer.mode == "generative" and not answer.verified:
        lines += ["", "_Some generated sentences could not be verified against the sources and were removed._"]
    return "\n".join(lines)


def _esc_lines(text: str) -> str:
    return "  \n".join(_esc(line) for line in text.splitlines())


def _esc(text: str | None) -> str:
    """HTML-escape and neutralise Markdown control characters so article text renders as plain text."""
    out = html.escape(text or "", quote=False)  # quotes are harmless in text (never in an attribute)
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

    def chat(message: str, history: list[dict]):
        """Stream the verified pieces, then the whole answer with its sources."""
        stream = qa.ask_stream(message, history=history)
        shown = ""
        for piece in stream:
            shown += piece
            yield _esc_lines(shown)
        assert stream.answer is not None
        yield format_answer(stream.answer)

    status = qa.status()
    mode = {"none": "answers without an LLM (quotes)", "local": "local LLM", "openai": "LLM server"}.get(
        qa.config.llm, qa.config.llm)
    problem = f" ⚠ {qa.llm_problem}" if getattr(qa, "llm_problem", "") else ""
    return gr.ChatInterface(
        chat,
        title="News QA",
        description=(f"{status['articles']} articles indexed · embedder {status['embedder']} · {mode}.{problem} "
                     "Ask in English or Indonesian; every claim cites [n]."),
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
    qa.answerer.warm()  # and the LLM with its shared prompt prefix, when one is configured
    build_ui(qa).launch(server_name=args.host, server_port=args.port, share=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
