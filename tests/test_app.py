"""The chat: answers and sources rendered safely, and the real app answering through its /chat endpoint."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from rag import Answer, Citation

import app


def _answer(quote: str = "Kim bertemu Krivoruchko.", title: str = "Judul", url: str | None = "https://kompas.tv/a",
            **kw) -> Answer:
    c = Citation(number=1, article_id="a", title=title, date="2024-07-19", source="kompas.tv", url=url, quote=quote,
                 start=0, end=len(quote))
    text = f"Krivoruchko, according to [1] (kompas.tv, 19 July 2024): “{quote}”"
    return Answer(question="q", text=text, refused=False, citations=[c], lead=text, language="en", **kw)


def test_format_answer_lists_sources_and_escapes_article_text():
    out = app.format_answer(_answer())
    assert "Krivoruchko" in out and "**Sources**" in out and "1. **Judul**" in out
    assert "kompas.tv" in out and "2024-07-19" in out and "(https://kompas.tv/a)" in out
    evil = app.format_answer(_answer("<script>alert(1)</script> *x*", title="<img src=x onerror=alert(1)>"))
    assert "<script>" not in evil and "<img" not in evil  # article text can never become markup
    assert "&lt;script&gt;" in evil


def test_format_answer_rejects_non_http_links_and_marks_unverified_answers():
    assert "javascript:" not in app.format_answer(_answer(url="javascript:alert(1)"))
    assert "could not be verified" in app.format_answer(_answer(mode="generative", verified=False))
    refused = Answer(question="q", text="The sources don't answer this.", refused=True, language="en")
    assert app.format_answer(refused) == "The sources don't answer this."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_app_builds_index_on_first_launch_and_answers_over_gradio_client(tmp_path):
    from gradio_client import Client

    port = _free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--index", str(tmp_path / "index"),
                             "--corpus", str(ROOT / "corpus"), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.5)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        answer = client.predict("Who did Kim meet on 18 July?", api_name="/chat")
        shown = answer.replace("\\", "")  # the reply is Markdown with article text escaped ("\\[1\\]" renders "[1]")
        assert "[1]" in shown and "Krivoruchko" in shown and "kompas.tv" in shown and "Sources" in shown
        refusal = client.predict("Berapa kapal selam yang dimiliki Indonesia?", api_name="/chat")
        assert refusal == "Sumber tidak menjawab pertanyaan ini."
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (tmp_path / "index" / "manifest.json").exists()
