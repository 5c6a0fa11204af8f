"""Answers as a reader sees them: the chat message, the source panel and the API record.

Pure functions (no Gradio) so the web chat stays a thin door and the escaping can be tested on its own. The one
rule: article and model text is *always* escaped here; only markup written in this module reaches the page.
[n] markers become links to the matching card of the source panel (`#src-n`), so a claim is one click from its
quote.
"""
from __future__ import annotations

import html
import re
from typing import Any

from .answering import Answer, Citation, format_date
from .records import Hit

REFUSAL_NOTE = {
    "en": "No passage in the sources answers this question ({n} searched).",
    "id": "Tidak ada bagian sumber yang menjawab pertanyaan ini ({n} dicari).",
}
UNVERIFIED_NOTE = {
    "en": "Some generated sentences could not be verified against the sources and were removed.",
    "id": "Beberapa kalimat hasil model tidak dapat diverifikasi dengan sumber dan dihapus.",
}
READING_NOTE = {
    "en": "Writing the answer from these sources. Each sentence is checked against them before it is shown.",
    "id": "Jawaban sedang ditulis dari sumber ini. Setiap kalimat diperiksa terhadap sumber sebelum ditampilkan.",
}
PASSAGE_WINDOW = 280  # characters of the passage shown either side of the quote
_MARKER = re.compile(r"\\\[(\d{1,2})\\\]")  # an escaped "[n]" (see escape_markdown)


def escape_markdown(text: str | None) -> str:
    """HTML-escape and neutralise Markdown control characters, so any text renders as itself."""
    out = html.escape(text or "", quote=False)  # quotes are harmless in text, and "&#x27;" would show literally
    for ch in "\\`*_[]#|~":
        out = out.replace(ch, "\\" + ch)
    return out


def answer_markdown(answer: Answer) -> str:
    """The chat message: the answer's lines escaped, each [n] a link to source card n."""
    known = {c.number for c in answer.citations}
    lines = [escape_markdown(line) for line in answer.text.splitlines()]
    body = "  \n".join(_MARKER.sub(lambda m: _cite_link(int(m.group(1)), known, m.group(0)), line)
                       for line in lines)
    if answer.mode == "generative" and not answer.verified:  # a fallback says so in its own text
        body += f"\n\n_{escape_markdown(UNVERIFIED_NOTE.get(answer.language, UNVERIFIED_NOTE['en']))}_"
    return body


def partial_markdown(text: str) -> str:
    """A streamed, not yet final answer: escaped, markers left as text (the cards arrive with the final answer)."""
    return "  \n".join(escape_markdown(line) for line in text.splitlines())


def _cite_link(n: int, known: set[int], original: str) -> str:
    if n not in known:
        return original
    return f'<a class="cite" href="#src-{n}" data-n="{n}" title="Show source {n}">[{n}]</a>'


def sources_html(answer: Answer | None) -> str:
    """The source panel: one card per citation (title, outlet, date, link, passage with the quote marked)."""
    if answer is None:
        return '<div class="src-empty">Sources of the latest answer appear here.</div>'
    if not answer.citations:
        note = REFUSAL_NOTE.get(answer.language, REFUSAL_NOTE["en"]).format(n=len(answer.hits))
        return f'<div class="src-empty">{html.escape(note)}</div>'
    return f'<div class="src-list">{_cards(answer.citations, answer.hits, answer.language)}</div>'


def reading_html(citations: list[Citation], hits: list[Hit], language: str) -> str:
    """The source panel while the LLM writes: the numbered evidence it was given, marked as pending (the final
    answer's panel replaces it with the sources its verified sentences cite, under the same numbers)."""
    note = html.escape(READING_NOTE.get(language, READING_NOTE["en"]))
    cards = _cards(citations, hits, language)
    return f'<div class="src-list src-pending"><div class="src-empty">{note}</div>\n{cards}</div>'


def _cards(citations: list[Citation], hits: list[Hit], language: str) -> str:
    """One card per citation, each with the passage of the hit it was quoted from."""
    by_chunk = {h.chunk_id: h for h in hits}
    return "\n".join(source_card(c, by_chunk.get(c.chunk_id), language) for c in citations)


def source_card(c: Citation, hit: Hit | None, language: str) -> str:
    esc = html.escape
    meta = [esc(x) for x in (c.source, format_date(c.date, language) if c.date else None) if x]
    if c.url and c.url.startswith(("http://", "https://")):
        label = "open article" if language == "en" else "buka artikel"
        meta.append(f'<a href="{esc(c.url, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>')
    return (
        f'<div class="src-card" id="src-{c.number}" data-n="{c.number}">'
        f'<div class="src-title"><span class="src-n">[{c.number}]</span> {esc(c.title or c.article_id)}</div>'
        f'<div class="src-meta">{" · ".join(meta)}</div>'
        f'<p class="src-passage">{passage_html(c, hit)}</p></div>'
    )


def passage_html(c: Citation, hit: Hit | None, window: int = PASSAGE_WINDOW) -> str:
    """The passage the quote came from, escaped, with the quoted sentence in <mark>.

    Uses the hit's chunk and the citation's article offsets when they line up (clipped to about `window`
    characters either side, at a word boundary); else the quote's own context."""
    if hit is not None and hit.start <= c.start < c.end <= hit.end:
        a, b = c.start - hit.start, c.end - hit.start
        if hit.text[a:b] == c.quote:
            return _marked(hit.text[:a], c.quote, hit.text[b:], window)
    context = c.context or c.quote
    i = context.find(c.quote)
    if i < 0:
        return f"<mark>{html.escape(c.quote)}</mark>"
    return _marked(context[:i], c.quote, context[i + len(c.quote):], window)


def _marked(before: str, quote: str, after: str, window: int) -> str:
    if len(before) > window:
        cut = before.find(" ", len(before) - window)
        before = "… " + before[cut + 1:] if cut >= 0 else before
    if len(after) > window:
        cut = after.rfind(" ", 0, window)
        after = after[:cut] + " …" if cut > 0 else after
    esc = html.escape
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


def answer_record(answer: Answer) -> dict[str, Any]:
    """The answer for programs (the /chat API): plain text, flags and citations with offsets."""
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "tentative": answer.tentative,
        "language": answer.language,
        "mode": answer.mode,
        "verified": answer.verified,
        "short_answer": answer.short_answer,
        "citations": [
            {"number": c.number, "article_id": c.article_id, "title": c.title, "source": c.source, "date": c.date,
             "url": c.url, "quote": c.quote, "start": c.start, "end": c.end, "kind": c.kind}
            for c in answer.citations
        ],
    }


def status_line(status: dict[str, Any], mode: str, problem: str = "") -> str:
    """'12 articles · 40 chunks · last rebuild … · embedder …' for the header."""
    parts = [f"{status['articles']} articles", f"{status['chunks']} chunks",
             f"last rebuild {status.get('last_rebuild') or 'never'}", f"embedder {status['embedder']}", mode]
    line = " · ".join(escape_markdown(str(p)) for p in parts)
    return line + (f" · ⚠ {escape_markdown(problem)}" if problem else "")
