"""Sync the store with a set of articles: add new, re-embed changed, delete removed, leave unchanged untouched.

Only changed articles are chunked and embedded. Vectors already in Chroma under the same content-addressed id
(left by an interrupted run) are reused, so a rerun after kill -9 continues instead of starting over.
Chunks are embedded shortest-first in batches; long runs commit a checkpoint every `checkpoint_every` articles.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from llama_index.core.base.embeddings.base import BaseEmbedding
from tqdm import tqdm

from .bm25 import Bm25Index, Tokenizer
from .chunking import article_byline, article_fingerprint, build_embed_text, chunk_article
from .config import Config
from .embeddings import embedder_id
from .records import Article, Chunk, IndexReport
from .store import ArticleEntry, IndexStore, Manifest

Progress = Callable[[int, int, str], None]  # (done, total, message)


@dataclass
class Plan:
    """What a sync will do, decided from content hashes alone (no embedding yet)."""

    new: list[Article] = field(default_factory=list)
    changed: list[Article] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    relocated: dict[str, str] = field(default_factory=dict)  # unchanged article id -> its file's new path

    @property
    def to_embed(self) -> list[Article]:
        return self.new + self.changed


def plan_sync(manifest: Manifest, articles: Sequence[Article], remove_missing: bool,
              keep: Sequence[str] = ()) -> Plan:
    """`keep`: ids never removed even if absent (their file failed to load this time)."""
    plan = Plan()
    seen: set[str] = set(keep)
    for article in articles:
        seen.add(article.id)
        entry = manifest.articles.get(article.id)
        if entry is None:
            plan.new.append(article)
        elif entry.version != article_fingerprint(article):
            plan.changed.append(article)
        else:
            plan.unchanged.append(article.id)
            path = article_path(article)
            if path is not None and entry.path != path:
                plan.relocated[article.id] = path
    if remove_missing:
        plan.removed = sorted(aid for aid in manifest.articles if aid not in seen)
    return plan


def article_path(article: Article) -> str | None:
    """The article's file as an absolute path (the manifest matches files that failed to load against it)."""
    path = article.metadata.get("path")
    return os.path.abspath(path) if path else None


def date_as_int(iso: str | None) -> int:
    """'2024-07-19' -> 20240719 (Chroma compares numbers, not strings); unknown -> 0."""
    try:
        d = dt.date.fromisoformat(iso) if iso else None
    except ValueError:
        d = None
    return d.year * 10000 + d.month * 100 + d.day if d else 0


def chunk_metadata(article: Article, chunk: Chunk, version: str) -> dict[str, object]:
    return {
        "article_id": article.id,
        "version": version,
        "index": chunk.index,
        "title": article.title,
        "source": article.source or "",
        "url": article.url or "",
        "date": article.date or "",
        "date_int": date_as_int(article.date),
        "start": chunk.start,
        "end": chunk.end,
        "dates": ",".join(chunk.dates),
        **article_byline(article),  # author, editor, credit: for questions about the article itself
    }


class Indexer:
    """Applies a Plan to an IndexStore with a given embedder and tokenizer (all passed in, nothing global)."""

    def __init__(self, store: IndexStore, embedder: BaseEmbedding, tokenizer: Tokenizer, config: Config,
                 checkpoint_every: int = 2000) -> None:
        self.store = store
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.config = config
        self.checkpoint_every = checkpoint_every

    def sync(self, articles: Sequence[Article], remove_missing: bool, report: IndexReport,
             progress: Progress | None = None, show_progress: bool = False,
             keep: Sequence[str] = ()) -> IndexReport:
        name = embedder_id(self.embedder)
        self.store.check_embedder(name)
        plan = plan_sync(self.store.manifest, articles, remove_missing, keep)
        report.unchanged.extend(plan.unchanged)
        same_tokenizer = (self.store.manifest.tokenizer == self.tokenizer.version
                          or not self.store.manifest.articles)
        if not plan.to_embed and not plan.removed and not plan.relocated and same_tokenizer:
            if self.store.needs_sweep():
                self.store.sweep_orphans(keep=set())
                self.store.finish()
            return report

        chunked = [(a, article_fingerprint(a), chunk_article(a, self.config.chunk_max_chars,
                                                            self.config.chunk_overlap_sentences))
                   for a in plan.to_embed]
        wanted = {c.id for _, _, chunks in chunked for c in chunks}
        if self.store.needs_sweep():
            self.store.sweep_orphans(keep=wanted)
        self.store.begin()

        tokens = self.store.tokens_by_chunk() if same_tokenizer else self._retokenize()
        manifest = Manifest(embedder=name, dim=self.store.manifest.dim, tokenizer=self.tokenizer.version,
                            articles=dict(self.store.manifest.articles))
        for aid in plan.removed:
            manifest.articles.pop(aid, None)
        for aid, path in plan.relocated.items():
            manifest.articles[aid] = replace(manifest.articles[aid], path=path)
        changed_ids = {a.id for a in plan.changed}

        total_chunks = sum(len(c) for _, _, c in chunked)
        bar = tqdm(total=total_chunks, unit="chunk", desc="embedding", disable=not show_progress)
        done = 0
        for start in range(0, max(len(chunked), 1), self.checkpoint_every):
            batch = chunked[start : start + self.checkpoint_every]
            dim = self._embed_and_store(batch, bar, progress, done, total_chunks)
            done += sum(len(c) for _, _, c in batch)
            manifest.dim = manifest.dim or dim
            for article, version, chunks in batch:
                manifest.articles[article.id] = ArticleEntry(
                    version=version, chunks=len(chunks), title=article.title, source=article.source,
                    date=article.date, url=article.url, path=article_path(article))
                for c in chunks:
                    tokens[c.id] = self.tokenizer(c.embed_text)
                (report.updated if article.id in changed_ids else report.added).append(article.id)
            is_last = start + self.checkpoint_every >= len(chunked)
            if is_last:
                report.removed.extend(plan.removed)
            else:  # a checkpoint: publish what is done, keep removals for the final commit
                for aid in plan.removed:
                    if aid in self.store.manifest.articles:
                        manifest.articles[aid] = self.store.manifest.articles[aid]
            self._commit(manifest, tokens)
            manifest = Manifest(embedder=name, dim=manifest.dim, tokenizer=self.tokenizer.version,
                                articles=dict(manifest.articles))
            if not is_last:
                for aid in plan.removed:
                    manifest.articles.pop(aid, None)
        bar.close()
        self.store.finish()
        return report

    def _embed_and_store(self, batch: list[tuple[Article, str, list[Chunk]]], bar: tqdm,
                         progress: Progress | None, done: int, total: int) -> int | None:
        rows = [(a, v, c) for a, v, chunks in batch for c in chunks]
        have = self.store.chroma.existing([c.id for _, _, c in rows])
        todo = [r for r in rows if r[2].id not in have]
        bar.update(len(rows) - len(todo))
        todo.sort(key=lambda r: len(r[2].embed_text))  # similar lengths together: steady batches
        dim = None
        size = self.config.batch_size
        for i in range(0, len(todo), size):
            part = todo[i : i + size]
            vectors = self.embedder.get_text_embedding_batch([c.embed_text for _, _, c in part])
            dim = dim or len(vectors[0])
            self.store.chroma.upsert(
                ids=[c.id for _, _, c in part], embeddings=vectors, documents=[c.text for _, _, c in part],
                metadatas=[chunk_metadata(a, c, v) for a, v, c in part])
            bar.update(len(part))
            if progress:
                progress(done + len(rows) - len(todo) + i + len(part), total, "embedding")
        return dim

    def _retokenize(self) -> dict[str, list[str]]:
        """Tokens for every live chunk from its stored text and metadata (after a tokenizer change)."""
        ids = sorted(self.store.manifest.live_chunk_ids())
        tokens: dict[str, list[str]] = {}
        for i in range(0, len(ids), 2000):
            for cid, row in self.store.chroma.get(ids[i : i + 2000]).items():
                meta = row["meta"]
                context = Article(id=str(meta["article_id"]), title=str(meta.get("title") or ""), text="",
                                  date=meta.get("date") or None)
                dates = [d for d in str(meta.get("dates") or "").split(",") if d]
                tokens[cid] = self.tokenizer(build_embed_text(context, row["text"], dates))
        return tokens

    def _commit(self, manifest: Manifest, tokens: dict[str, list[str]]) -> None:
        live = sorted(manifest.live_chunk_ids())
        meta: dict[str, tuple[str, int]] = {}
        for aid, entry in manifest.articles.items():
            for cid in entry.chunk_ids(aid):
                meta[cid] = (entry.source or "", date_as_int(entry.date))
        live_tokens = [tokens[cid] for cid in live]
        bm25 = Bm25Index.build(live, live_tokens, [meta[c][0] for c in live], [meta[c][1] for c in live])
        self.store.commit(manifest, bm25, live_tokens)
