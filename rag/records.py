"""Plain records that flow through the pipeline (articles -> chunks -> hits).

They are dataclasses, not llama-index nodes, so every stage can be tested without the framework and the
public API stays stable when the framework changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Article:
    """One news article as loaded from a file or given to the API.

    `text` is the cleaned body that gets indexed (boilerplate such as "Baca Juga:" lines removed);
    every character offset elsewhere in the system points into this string.
    """

    id: str
    title: str
    text: str
    date: str | None = None  # ISO yyyy-mm-dd
    source: str | None = None  # outlet, e.g. "kompas.tv"
    url: str | None = None
    author: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # editor, category, extra json fields, path...


@dataclass
class Chunk:
    """A sentence-aligned slice of an article: `text == article.text[start:end]`."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int
    embed_text: str  # what the embedder and BM25 see: title/date context + text + normalised date words
    dates: list[str] = field(default_factory=list)  # ISO dates mentioned in this chunk


@dataclass
class Hit:
    """A search result: one chunk with its article's metadata and offsets into the article text."""

    article_id: str
    chunk_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    text: str
    score: float
    start: int
    end: int
    dense_score: float | None = None  # cosine similarity to the question (hybrid and dense search)
    keyword_score: float | None = None  # BM25 score (hybrid and keyword search)
    # the article's byline, not part of its indexed text (questions about the article itself: rag/byline.py)
    author: str | None = None
    editor: str | None = None
    credit: str | None = None  # the source it credits ("Sumber : Korea JongAng Daily")


@dataclass
class IndexReport:
    """What a rebuild/add did. `failed` holds (path or id, reason) pairs; `warnings` (path, note) pairs for
    articles indexed with something left out (e.g. an unparseable date)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # indexed, with something left out or repaired

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, failed {len(self.failed)}"
        )
