"""The web chat's own logic (filters, history, login) and the real app answering through its /chat endpoint."""
from __future__ import annotations

import pytest
from app_server import start_app, stop_app

import app


def test_make_filters_maps_ui_values_and_ignores_empty_ones():
    assert app.make_filters([], "", None) == {}
    assert app.make_filters(["kompas.tv"], " 2024-07-01 ", "2024-07-31") == {
        "source": ["kompas.tv"], "date_from": "2024-07-01", "date_to": "2024-07-31"}


def test_plain_history_accepts_text_and_content_blocks():
    messages = [{"role": "user", "content": "Who did Kim meet?"},
                {"role": "assistant", "content": [{"type": "text", "text": "Krivoruchko [1]"}]},
                {"role": "system", "content": "ignored"}]
    assert app.plain_history(messages) == [{"role": "user", "content": "Who did Kim meet?"},
                                           {"role": "assistant", "content": "Krivoruchko [1]"}]
    assert app.plain_history(None) == []


def test_parse_auth():
    assert app.parse_auth("ana:s3cret:x") == ("ana", "s3cret:x")
    assert app.parse_auth("") is None
    with pytest.raises(SystemExit, match="user:password"):
        app.parse_auth("no-colon")


@pytest.mark.slow
def test_chat_endpoint_answers_with_the_krivoruchko_citation(news_app):
    from gradio_client import Client

    client = Client(news_app.url, verbose=False)
    result = client.predict("Who did Kim meet on 18 July?", api_name="/chat")
    assert result["refused"] is False and "Krivoruchko" in result["answer"]
    first = result["citations"][0]
    assert first["number"] == 1 and first["source"] == "kompas.tv" and first["date"] == "2024-07-19"
    assert "Krivoruchko" in first["quote"] and "Pyongyang" in first["quote"]
    assert first["end"] - first["start"] == len(first["quote"])


@pytest.mark.slow
def test_chat_endpoint_filters_and_follow_ups(news_app):
    from gradio_client import Client

    client = Client(news_app.url, verbose=False)
    elsewhere = client.predict("Who did Kim meet on 18 July?", None, ["tempo.co"], api_name="/chat")
    assert elsewhere["refused"] is True and elsewhere["citations"] == []
    assert elsewhere["answer"] == "The sources don't answer this."
    later = client.predict("Siapa yang membuka Festival Budaya Solo?", None, None, "2024-08-01", api_name="/chat")
    assert later["refused"] is True
    history = [{"role": "user", "content": "Who did Kim meet on 18 July?"},
               {"role": "assistant", "content": "Aleksey Krivoruchko [1]"}]
    follow = client.predict("Where did they meet?", history, api_name="/chat")
    assert follow["refused"] is False and "Pyongyang" in " ".join(c["quote"] for c in follow["citations"])
    with pytest.raises(Exception, match="date"):
        client.predict("Who did Kim meet?", None, None, "18 July", api_name="/chat")


@pytest.mark.slow
def test_chat_endpoint_answers_who_wrote_the_article_from_its_byline(news_app):
    from gradio_client import Client

    client = Client(news_app.url, verbose=False)
    history = [{"role": "user", "content": "Who did Kim meet on 18 July?"},
               {"role": "assistant", "content": "Aleksey Krivoruchko [1]"}]
    result = client.predict("Who wrote this article?", history, api_name="/chat")
    assert result["refused"] is False and result["mode"] == "byline" and result["short_answer"] == "Haryo Jati"
    (byline,) = result["citations"]
    assert byline["kind"] == "byline" and byline["quote"] == "Author: Haryo Jati" and byline["source"] == "kompas.tv"
    assert client.predict("Who wrote this article?", api_name="/chat")["refused"] is True  # which of the three?


@pytest.mark.slow
def test_login_is_required_when_auth_is_set(tmp_path):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    running = start_app(tmp_path, "--auth", "editor:kata-sandi")
    try:
        with pytest.raises(AuthenticationError, match="login"):
            Client(running.url, verbose=False).predict("Who did Kim meet on 18 July?", api_name="/chat")
        client = Client(running.url, auth=("editor", "kata-sandi"), verbose=False)
        assert "Krivoruchko" in client.predict("Who did Kim meet on 18 July?", api_name="/chat")["answer"]
    finally:
        stop_app(running)
