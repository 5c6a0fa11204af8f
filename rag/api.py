"""`NewsQA`: the one facade the web chat, the CLI and other programs use.

Opening is cheap and lazy: the embedder, Chroma and BM25 load on first use, so `NewsQA("index")` costs
milliseconds and a UI can start before the model is warm.
"""
from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock
from llama_index.core.base.embeddings.base import BaseEmbedding

from .answering import Answer, Answerer, AnswerStream, History
from .articles import article_from_record, load_articles, split_location
from .bm25 import Tokenizer
from .config import Config
from .embeddings import embedder_id, make_embedder, spec_embedder_id
from .indexing import Indexer, Progress
from .records import Article, Hit, IndexReport
from .ranking import DEFAULT_MODEL, LinearRanker
from .retrieval import HybridRetriever
from .store import IndexStore

ArticleInput = Article | Mapping[str, Any] | str | Path


class NewsQA:
    """Index, search (and later answer over) a folder of news articles.

    >>> qa = NewsQA("index")
    >>> qa.rebuild("corpus/").summary()
    >>> qa.search("Krivoruchko", k=5, filters={"source": "kompas.tv"})
    """

    def __init__(self, index_dir: str | Path = "index", config: Config | None = None,
                 embedder: BaseEmbedding | None = None, chroma_url: str | None = None, **overrides: Any) -> None:
        """chroma_url: keep the vectors on a Chroma server (`chroma run --path DIR --port N`) instead of in
        INDEX_DIR/chroma; None keeps the config's (RAG_CHROMA_URL), "" forces the embedded store."""
        if chroma_url is not None:
            overrides["chroma_url"] = chroma_url
        self.config = (config or Config.from_env()).with_(index_dir=Path(index_dir), **overrides)
        self._embedder = embedder
        self._embedder_name = embedder_id(embedder) if embedder is not None else spec_embedder_id(
            self.config.embedder)
        self.store = IndexStore(self.config.index_dir, self.config)
        self.store.check_embedder(self._embedder_name)
        self.tokenizer = Tokenizer()
        self._retriever: HybridRetriever | None = None
        self._answerer: Answerer | None = None
        self.llm_problem = ""  # set when a configured LLM could not be loaded

    # ---- components (lazy) -----------------------------------------------------------------------------------
    @property
    def embedder(self) -> BaseEmbedding:
        if self._embedder is None:
            self._embedder = make_embedder(self.config.embedder, self.config.embed_threads, self.config.batch_size)
        return self._embedder

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retokenize_if_stale()
            ranker = LinearRanker.load() if self.config.fusion == "learned" and DEFAULT_MODEL.exists() else None
            self._retriever = HybridRetriever(self.store, self.embedder, self.tokenizer, self.config, ranker)
        return self._retriever

    @property
    def answerer(self) -> Answerer:
        """Evidence, answerability and (when RAG_LLM is set) the generator; the LLM loads on first use."""
        if self._answerer is None:
            self._answerer = Answerer(self.retriever, self.tokenizer, generator=self._generator(),
                                      max_tokens=self.config.llm_max_tokens,
                                      llm_evidence_chars=self.config.llm_evidence_chars,
                                      llm_retry_after=self.config.llm_retry_after)
        return self._answerer

    def _generator(self):  # -> rag.llm.Generator | None
        """The configured LLM; if it cannot be loaded (model or llama-cpp-python missing), answer without it and
        say so in `llm_problem` (the chat shows it) instead of failing every question."""
        from .llm import ModelUnavailableError, make_generator

        self.llm_problem = ""
        try:
            return make_generator(self.config)
        except (ModelUnavailableError, ValueError) as exc:  # ValueError: e.g. RAG_LLM=openai without a usable URL
            self.llm_problem = f"LLM unavailable ({exc}); answering without it."
            warnings.warn(self.llm_problem, stacklevel=3)
            return None

    # ---- indexing --------------------------------------------------------------------------------------------
    def rebuild(self, folder: str | Path, progress: Progress | None = None,
                show_progress: bool = False) -> IndexReport:
        """Sync the index with a folder: add new, re-embed changed, delete removed, keep unchanged.

        An article whose file failed to load this time is *kept* in its last good version (reported, not lost).
        Given a single file, only the articles that came from that file are synced (nothing else is removed).
        """
        folder = Path(folder)
        if not folder.exists():
            raise FileNotFoundError(f"corpus folder not found: {folder}")
        loaded = load_articles([folder])
        report = IndexReport(failed=list(loaded.failed), warnings=list(loaded.warnings))
        failed_paths = {os.path.abspath(split_location(p)[0]) for p, _ in loaded.failed}
        with self._lock():
            self.store.refresh()
            keep = [aid for aid, entry in self.store.manifest.articles.items()
                    if entry.path and _failed(os.path.abspath(entry.path), failed_paths)]
            if not folder.is_dir():  # one file: sync that file's articles, never remove the rest of the index
                this = os.path.abspath(folder)
                keep += [aid for aid, entry in self.store.manifest.articles.items()
                         if not entry.path or os.path.abspath(entry.path) != this]
            self._indexer().sync(loaded.articles, remove_missing=True, report=report, progress=progress,
                                 show_progress=show_progress, keep=keep)
        return report

    def add(self, items: Iterable[ArticleInput], progress: Progress | None = None,
            show_progress: bool = False) -> IndexReport:
        """Add or update articles given as dicts, `Article`s or file/folder paths; nothing is removed."""
        articles: list[Article] = []
        failed: list[tuple[str, str]] = []
        paths: list[Path] = []
        for n, item in enumerate(items):
            if isinstance(item, Article):
                articles.append(item)
            elif isinstance(item, (str, Path)):
                paths.append(Path(item))
            elif isinstance(item, Mapping):
                try:
                    articles.append(article_from_record(dict(item), origin=f"<item {n}>"))
                except ValueError as exc:
                    failed.append((f"<item {n}>", str(exc)))
            else:
                failed.append((f"<item {n}>", f"unsupported item type {type(item).__name__}"))
        warned: list[tuple[str, str]] = []
        if paths:
            loaded = load_articles(paths)
            articles.extend(loaded.articles)
            failed.extend(loaded.failed)
            warned.extend(loaded.warnings)
        report = IndexReport(failed=failed, warnings=warned)
        with self._lock():
            self.store.refresh()
            self._indexer().sync(articles, remove_missing=False, report=report, progress=progress,
                                 show_progress=show_progress)
        return report

    def reset(self) -> None:
        """Delete the whole index and start empty (same embedder; `index --fresh` handles a changed one). With a
        Chroma server, the index's collection there is deleted too (first: if the server is down, nothing is)."""
        with self._lock():
            self.store.drop()
            self.store = IndexStore(self.config.index_dir, self.config)
            self._retriever = None
            self._answerer = None

    # ---- search ----------------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, filters: Mapping[str, Any] | None = None,
               mode: str = "hybrid") -> list[Hit]:
        """Hybrid (dense + BM25) search in English or Indonesian; filters: source, date_from, date_to."""
        return self.retriever.search(query, k=k, filters=filters, mode=mode)

    # ---- answers ---------------------------------------------------------------------------------------------
    def ask(self, question: str, history: History | None = None, filters: Mapping[str, Any] | None = None,
            generate: bool = True, asked_on: dt.date | None = None) -> Answer:
        """A grounded answer with citations, or a refusal when the sources don't answer (see rag/answering.py).

        history: earlier turns as (role, text) pairs or {"role", "content"} dicts, for follow-up questions.
        generate=False forces the LLM-free answer even when an LLM is configured.
        asked_on: the day the question's "kemarin" / "yesterday" / "bulan lalu" are read against; today unless
        given (pass the day an archived question was asked)."""
        return self.answerer.answer(question, history, filters, generate, asked_on or dt.date.today())

    def ask_stream(self, question: str, history: History | None = None, filters: Mapping[str, Any] | None = None,
                   generate: bool = True, asked_on: dt.date | None = None) -> AnswerStream:
        """Like ask, but iterate for text pieces as they are verified; `.answer` is the final Answer."""
        return self.answerer.stream(question, history, filters, generate, asked_on or dt.date.today())

    def status(self) -> dict[str, Any]:
        m = self.store.manifest
        return {
            "index_dir": str(self.config.index_dir),
            "articles": len(m.articles),
            "chunks": sum(e.chunks for e in m.articles.values()),
            "sources": sorted({e.source for e in m.articles.values() if e.source}),
            "last_rebuild": m.updated_at,
            "embedder": m.embedder or self._embedder_name,
        }

    def close(self) -> None:
        """Release the index's open files (Chroma's database, ~10 descriptors per index). A process that opens many
        indexes should close them; using the object again reopens them."""
        self.store.close()

    def __enter__(self) -> NewsQA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def origins(self) -> dict[str, str | None]:
        """article id -> the file it was loaded from (None for articles given as records/objects)."""
        return {aid: entry.path for aid, entry in self.store.manifest.articles.items()}

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _retokenize_if_stale(self) -> None:
        """An index whose keyword tokens another tokenizer made (an older version of this package) would match
        queries against the wrong stems, silently. Redo its keyword index from the stored chunk texts, once, before
        the first search: seconds per thousand articles, nothing re-embedded."""
        built = self.store.manifest.tokenizer
        if not self.store.manifest.articles or built == self.tokenizer.version:
            return
        warnings.warn(f"the keyword index in {self.config.index_dir} was made by tokenizer {built!r}; redoing it "
                      f"with {self.tokenizer.version!r} (no re-embedding)", stacklevel=3)
        with self._lock():
            self.store.refresh()
            self._indexer().sync([], remove_missing=False, report=IndexReport())

    def _indexer(self) -> Indexer:
        return Indexer(self.store, self.embedder, self.tokenizer, self.config)

    def _lock(self) -> FileLock:
        return FileLock(str(self.config.index_dir / ".lock"))


def _failed(path: str, failed_paths: set[str]) -> bool:
    """Did this article's file fail to load this time — itself, or a folder above it that could not be read?"""
    return path in failed_paths or any(path.startswith(f + os.sep) for f in failed_paths)
