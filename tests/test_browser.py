"""The web chat in a real headless browser (Debian chromium driven by Playwright) against the real app.

Screenshots go to tests/artifacts/ (a CI artefact); with NEWSQA_SCREENSHOTS=docs they also refresh the README's
pictures in docs/.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from app_server import XSS_SCRIPT, start_app, stop_app
from conftest import ROOT
from fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps"]
ANSWER_TIMEOUT_MS = 120_000
MESSAGES = "#chat [data-testid=user], #chat [data-testid=bot]"
ANSWERS = "#chat [data-testid=bot]"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page_at(browser, news_app):
    """A fresh page on the running app, at a given viewport; collects JS errors and dialogs (an alert = XSS)."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        page.dialogs, page.external = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                else page.external.append(r.url))
        page.goto(news_app.url, wait_until="networkidle")
        page.wait_for_selector("#question textarea")
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def ask(page, question: str) -> None:
    """Type a question, send it, and wait for the final answer: the app shows a pending note in the source panel
    in the same update that adds the question to the chat, and replaces it with the sources at the end."""
    before = page.locator(MESSAGES).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n + 2"
        " && !document.querySelector('#sources .src-pending')", arg=[MESSAGES, before], timeout=ANSWER_TIMEOUT_MS)


def screenshot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("NEWSQA_SCREENSHOTS") == "docs" and name.startswith("chat-"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(path, ROOT / "docs" / name)
    return path


def test_seed_question_answer_cites_and_highlights_the_krivoruchko_sentence(page_at):
    page = page_at(1280, 900)
    ask(page, "Who did Kim meet on 18 July?")
    answer = page.locator(ANSWERS).last
    assert "Krivoruchko" in answer.inner_text()
    cite = answer.locator("a.cite").first
    assert cite.inner_text() == "[1]"
    card = page.locator("#src-1")
    assert "Kompas" in card.inner_text() or "kompas" in card.inner_text().lower()
    highlighted = card.locator("mark").inner_text()
    assert "Krivoruchko" in highlighted and "Pyongyang" in highlighted
    cite.click()
    page.wait_for_function("() => document.querySelector('#src-1').classList.contains('active')")
    shot = screenshot(page, "chat-desktop.png")
    assert shot.stat().st_size > 10_000
    assert not page.dialogs
    assert page.external == []  # air-gapped: no fonts, scripts or analytics fetched from the internet


def test_phone_view_shows_the_answer_and_its_sources(page_at):
    page = page_at(420, 900)
    ask(page, "Siapa yang memimpin delegasi Rusia?")
    assert "Krivoruchko" in page.locator("#src-1 mark").inner_text()
    page.locator("#chat a.cite").first.click()  # on a phone the panel sits below the chat: [1] scrolls to it
    page.wait_for_function("() => { const r = document.querySelector('#src-1').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }")
    screenshot(page, "chat-phone.png", full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 440, f"page scrolls sideways on a phone ({width}px)"


def test_article_markup_shows_as_text_and_never_runs(page_at):
    page = page_at(1280, 900)
    ask(page, "Siapa yang membuka Festival Budaya Solo?")
    panel = page.locator("#sources")
    assert "Teguh Prakosa" in panel.inner_text()
    assert XSS_SCRIPT in panel.inner_text()  # visible, as text
    assert "onerror" in panel.inner_text()
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator("#sources img, #chat img[src='x'], #sources script").count() == 0
    assert page.locator("#sources a[href^='javascript']").count() == 0
    screenshot(page, "xss.png")
    assert not page.dialogs


def test_outlet_filter_turns_the_answer_into_a_refusal(page_at):
    page = page_at()
    page.click("#filters button")  # open the accordion
    page.click("#outlets input")
    page.locator("#outlets input").fill("tempo")
    page.locator("[role=option]", has_text="tempo.co").first.click()
    page.keyboard.press("Escape")
    ask(page, "Who did Kim meet on 18 July?")
    assert page.locator(ANSWERS).last.inner_text().strip() == "The sources don't answer this."
    assert "No passage in the sources answers this question" in page.locator("#sources").inner_text()
    assert page.locator("#sources .src-card").count() == 0


def test_new_chat_clears_the_conversation_and_the_sources(page_at):
    page = page_at()
    ask(page, "Who did Kim meet on 18 July?")
    page.click("#new-chat")
    page.wait_for_function("sel => document.querySelectorAll(sel).length === 0", arg=MESSAGES)
    assert page.locator("#sources .src-card").count() == 0


def test_upload_indexes_the_good_file_and_reports_the_broken_one(page_at, tmp_path):
    good = tmp_path / "gempa.json"
    good.write_text(json.dumps({
        "id": "antara-gempa-2024", "title": "Gempa Magnitudo 5,1 Guncang Sumedang", "source": "antaranews.com",
        "date": "2024-07-22", "text": ("Gempa bermagnitudo 5,1 mengguncang Kabupaten Sumedang, Senin (22/7/2024). "
                                       "BMKG mencatat pusat gempa berada di kedalaman 10 kilometer.")}),
        encoding="utf-8")
    broken = tmp_path / "rusak.json"
    broken.write_text('{"title": "Tanpa akhir", "text": "kalimat', encoding="utf-8")
    page = page_at()
    page.click("#add-articles button")  # open the accordion
    page.set_input_files("#upload input[type=file]", [str(good), str(broken)])
    page.click("#index-files")
    result = page.locator("#upload-result")
    result.locator("text=added").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    text = result.inner_text()
    assert "gempa.json" in text and "rusak.json" in text
    assert "1 added" in text
    row = next(line for line in text.splitlines() if "rusak.json" in line)
    assert "rejected" in row or "failed" in row
    assert "JSON" in row  # the reason names what is wrong
    ask(page, "Berapa magnitudo gempa di Sumedang?")
    assert "5,1" in page.locator(ANSWERS).last.inner_text()
    assert "Sumedang" in page.locator("#src-1").inner_text()


def test_sources_show_while_the_llm_writes_and_the_answer_replaces_them(browser, tmp_path):
    """Generative mode (an OpenAI-compatible server that takes 3 s to start answering): the quotes the model reads
    are in the source panel, marked pending, long before its first verified sentence; then the final answer and
    the sources it cites."""
    with FakeOpenAI() as llm:
        llm.pings, llm.ping_every = 30, 0.1
        llm.pieces = ["Kim Jong-un met Aleksey Krivoruchko ", "in Pyongyang [1]."]
        app = start_app(tmp_path, env={"RAG_LLM": "openai", "RAG_LLM_URL": llm.url, "RAG_LLM_MODEL": "m"})
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = ctx.new_page()
            page.goto(app.url, wait_until="networkidle")
            page.fill("#question textarea", "Who did Kim meet on 18 July?")
            page.press("#question textarea", "Enter")
            page.wait_for_selector("#sources .src-pending .src-card", timeout=ANSWER_TIMEOUT_MS)
            assert "Writing the answer from these sources" in page.locator("#sources").inner_text()
            assert "Krivoruchko" in page.locator("#sources").inner_text()
            assert "Krivoruchko" not in page.locator(ANSWERS).last.inner_text()  # the model has not answered yet
            screenshot(page, "reading.png")
            page.wait_for_function("() => !document.querySelector('#sources .src-pending')", timeout=ANSWER_TIMEOUT_MS)
            assert "Krivoruchko" in page.locator(ANSWERS).last.inner_text()
            assert "Krivoruchko" in page.locator("#src-1 mark").inner_text()
            assert page.locator("#sources .src-card").count() == 1  # only what the verified answer cites
        finally:
            ctx.close()
            stop_app(app)
