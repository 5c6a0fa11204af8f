"""Articles -> sentence-aligned chunks with character offsets into the article text.

Why sentence-aligned: a citation quotes and highlights whole sentences, so a chunk boundary must never cut one.
Why offsets: `chunk.text == article.text[chunk.start:chunk.end]`, so the UI can highlight the exact span.
Why an `embed_text` apart from `text`: the embedder and BM25 also see the article's title and date, and every
date the chunk mentions written out in both languages ("Kamis (18/7/2024)" -> "Kamis 18 Juli 2024 Thursday
18 July 2024"), so "who did Kim meet on 18 July?" can match a sentence that only says "Kamis (18/7/2024)".
Relative dates count too, read against the article's date: "kemarin" in a story of 19 July 2024 adds the words of
18 July 2024, "bulan lalu" those of June 2024 (rag.dates.find_relative_dates; bench/dates.py measures it).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from .dates import MONTH_NAMES_ID, find_dates, find_relative_dates, iso_day, period_words
from .records import Article, Chunk

# Bump when chunk boundaries or embed_text change: every article is then re-embedded on the next rebuild.
CHUNKING_VERSION = "1"
# Marks the fingerprint of an article that has relative dates (see article_fingerprint).
RELATIVE_DATES_VERSION = "relative-dates-1"
# Chunks carry the byline (author, editor, credited source) since this marker: an article that has one is re-stored
BYLINE_VERSION = "byline-1"

# Indonesian abbreviations that end with a period but do not end a sentence (Punkt learns these from data;
# we have no Indonesian model, so we hand it the common ones).
_ABBREVIATIONS = {
    "dr", "drs", "dra", "ir", "prof", "h", "hj", "kh", "st", "sh", "se", "mm", "mt", "mh", "msi", "spd",
    "no", "nomor", "hlm", "dll", "dsb", "dst", "tsb", "yth", "jl", "jln", "kec", "kab", "kel", "rp", "sdr",
    "bpk", "ibu", "tn", "ny", "pt", "cv", "tbk", "u.s", "mr", "mrs", "ms", "jr", "sr", "vs", "etc", "e.g", "i.e",
    "a.n", "u.p", "s.d", "kol", "brigjen", "mayjen", "letjen", "jend", "kapt", "lettu", "serma", "kompol",
    "akbp", "kombes", "irjen", "komjen", "aipda", "bripka", "briptu", "ipda", "iptu", "akp",
}


def _make_sentence_tokenizer() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


_TOKENIZER = _make_sentence_tokenizer()  # immutable after construction; safe to share
_PARAGRAPH = re.compile(r"[^\n]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence; a line break always ends a sentence (news paragraphs are lines)."""
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(text):
        base = para.start()
        for s, e in _TOKENIZER.span_tokenize(para.group()):
            piece = text[base + s : base + e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if base + s + lead < base + e - trail:
                spans.append((base + s + lead, base + e - trail))
    return spans


def article_fingerprint(article: Article) -> str:
    """Content hash of everything that shapes an article's chunks; unchanged hash => nothing to re-embed.

    Relative dates ("kemarin", "Kamis lalu") joined the date words in RELATIVE_DATES_VERSION; only articles that
    have some carry the marker, so an index built before re-embeds just those. The byline joined the chunk
    metadata in BYLINE_VERSION: likewise only articles with an author, editor or credited source carry it."""
    fields: list[object] = [CHUNKING_VERSION, article.title, article.text, article.date, article.source, article.url,
                            article.author]
    if find_relative_dates(article.text, iso_day(article.date)):
        fields.append(RELATIVE_DATES_VERSION)
    if byline := article_byline(article):
        fields.append([BYLINE_VERSION, byline])
    payload = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def article_byline(article: Article) -> dict[str, str]:
    """Author, editor and credited source ("Sumber : ...") of an article, those it has."""
    values = {"author": article.author, "editor": article.metadata.get("editor"),
              "credit": article.metadata.get("credited_source")}
    return {k: str(v).strip() for k, v in values.items() if v and str(v).strip()}


def chunk_article(article: Article, max_chars: int = 700, overlap_sentences: int = 0) -> list[Chunk]:
    """Greedy packing of whole sentences up to `max_chars` (a longer sentence becomes its own chunk)."""
    version = article_fingerprint(article)
    reference = iso_day(article.date)
    # explicit dates ("Kamis (18/7/2024)") and relative ones read against the article date ("kemarin")
    explicit = find_dates(article.text, reference)
    mentions = [(m.start, m.end, m.iso) for m in explicit]
    mentions += [(r.start, r.end, r.value) for r in find_relative_dates(article.text, reference, explicit)]
    chunks: list[Chunk] = []
    for index, (start, end) in enumerate(_pack(sentence_spans(article.text), max_chars, overlap_sentences)):
        dates = sorted({value for s, e, value in mentions if s >= start and e <= end})
        chunks.append(
            Chunk(
                id=f"{article.id}::{version}::{index}",
                article_id=article.id,
                index=index,
                text=article.text[start:end],
                start=start,
                end=end,
                embed_text=build_embed_text(article, article.text[start:end], dates),
                dates=dates,
            )
        )
    return chunks


def build_embed_text(article: Article, text: str, dates: list[str]) -> str:
    """Title and publication date as a short header, then the passage, then its dates in both languages."""
    header = article.title.strip()
    if article.date:
        header = f"{header} ({_short_date(article.date)})" if header else _short_date(article.date)
    parts = [header, text] if header else [text]
    if dates:
        parts.append(" ".join(period_words(d) for d in dates))
    return "\n".join(parts)


def _pack(spans: list[tuple[int, int]], max_chars: int, overlap: int) -> Iterator[tuple[int, int]]:
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= max_chars:
            j += 1
        yield spans[i][0], spans[j - 1][1]
        i = j if j >= len(spans) else max(i + 1, j - overlap)


def _short_date(iso: str) -> str:
    """'2024-07-19' -> '19 Juli 2024' (the language of the corpus; full bilingual words go with mentions)."""
    d = iso_day(iso)
    if d is None:
        return iso
    return f"{d.day} {MONTH_NAMES_ID[d.month - 1]} {d.year}"

