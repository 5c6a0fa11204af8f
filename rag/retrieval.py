"""Hybrid search: dense (Chroma HNSW) + BM25, fused, with source/date filters.

Every fused candidate is scored by *both* retrievers (BM25 scores come for free from the full score vector;
dense scores of keyword-only candidates are computed from their stored vectors), so fusion compares like with
like instead of guessing a score for the list a candidate was missing from. The candidates are then ordered by
the learned ranker (rag/ranking.py) or, if configured, by reciprocal-rank or weighted fusion (rag/fusion.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from . import fusion
from .bm25 import Tokenizer
from .config import Config
from .indexing import date_as_int
from .query import detect_language, keyword_query
from .ranking import LinearRanker, QueryTerms, candidate_features
from .records import Hit
from .store import IndexStore, split_chunk_id

FILTER_KEYS = {"source", "date_from", "date_to"}


def parse_filters(filters: Mapping[str, Any] | None) -> tuple[list[str], int | None, int | None]:
    """Validate {"source": str | [str], "date_from": "yyyy-mm-dd", "date_to": ...}; bad input -> ValueError."""
    filters = dict(filters or {})
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ValueError(f"unknown filter(s) {sorted(unknown)}; allowed: {sorted(FILTER_KEYS)}")
    source = filters.get("source") or []
    sources = [source] if isinstance(source, str) else source
    if not isinstance(sources, (list, tuple)) or not all(isinstance(x, str) for x in sources):
        raise ValueError(f"filter source must be an outlet name or a list of them, got {source!r}")
    sources = list(sources)
    bounds = []
    for key in ("date_from", "date_to"):
        value = filters.get(key)
        if value in (None, ""):
            bounds.append(None)
            continue
        try:
            bounds.append(date_as_int(dt.date.fromisoformat(str(value)).isoformat()))
        except ValueError:
            raise ValueError(f"filter {key} must be an ISO date (yyyy-mm-dd), got {value!r}") from None
    return sources, bounds[0], bounds[1]


def chroma_where(sources: list[str], date_from: int | None, date_to: int | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if sources:
        clauses.append({"source": {"$in": sources}})
    if date_from is not None:
        clauses.append({"date_int": {"$gte": date_from}})
    if date_to is not None:
        clauses.append({"date_int": {"$lte": date_to}})
        clauses.append({"date_int": {"$gt": 0}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class Candidates:
    """Per-retriever scores of the candidate chunks (higher is better) and the rows fetched so far."""

    language: str = "id"
    dense: dict[str, float] = field(default_factory=dict)
    keyword: dict[str, float] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


class HybridRetriever:
    """Dense + BM25 over one IndexStore; components are passed in explicitly."""

    def __init__(self, store: IndexStore, embedder: BaseEmbedding, tokenizer: Tokenizer, config: Config,
                 ranker: LinearRanker | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.config = config
        self.ranker = ranker

    def search(self, query: str, k: int = 5, filters: Mapping[str, Any] | None = None,
               mode: str = "hybrid") -> list[Hit]:
        """mode: "hybrid" (default), "dense" or "bm25" (the latter two are baselines for benchmarks)."""
        parse_filters(filters)  # bad filters are an error even when there is nothing to search
        if not query.strip() or not self.store.manifest.articles:
            return []
        cands = self.candidates(query, max(self.config.candidates, k), filters, mode)
        if mode == "hybrid":
            ranked = self.rank(query, cands)
        else:
            scores = cands.dense if mode == "dense" else cands.keyword
            ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        top_ids = [cid for cid, _ in ranked[:k]]
        rows = cands.rows
        rows.update(self.store.chroma.get([cid for cid in top_ids if cid not in rows]))
        scores = dict(ranked)
        return [_to_hit(rows[cid], scores[cid], cands.dense.get(cid), cands.keyword.get(cid))
                for cid in top_ids if cid in rows]

    def candidates(self, query: str, n: int, filters: Mapping[str, Any] | None = None,
                   mode: str = "hybrid") -> Candidates:
        """Top-n of each retriever; in hybrid mode every candidate gets both scores.

        Two Chroma calls per query: an ids-and-distances search, then one fetch of the rows (text, metadata,
        and the vectors of keyword-only candidates) for the union."""
        sources, date_from, date_to = parse_filters(filters)
        out = Candidates(language=detect_language(query))
        q = None
        if mode in ("hybrid", "dense"):
            q = np.asarray(self.embedder.get_query_embedding(query), dtype=np.float32)
            nearest = self.store.chroma.nearest(q.tolist(), n, chroma_where(sources, date_from, date_to))
            out.dense = {cid: sim for cid, sim in nearest.items() if self._is_live(cid)}
        if mode in ("hybrid", "bm25"):
            bm25 = self.store.bm25
            all_scores = bm25.scores(self.tokenizer(keyword_query(query, out.language)))
            mask = bm25.mask(sources, date_from, date_to)
            if mask is not None:
                all_scores = np.where(mask, all_scores, 0.0)
            out.keyword = {bm25.chunk_ids[i]: float(all_scores[i]) for i in _top_positive(all_scores, n)}
        if mode == "hybrid":
            for cid in out.dense:  # exact BM25 score for dense candidates
                pos = bm25.position.get(cid)
                out.keyword.setdefault(cid, float(all_scores[pos]) if pos is not None else 0.0)
            out.rows = self.store.chroma.get(list(out.keyword), with_embeddings=True)
            for cid, row in out.rows.items():  # exact dense score for keyword-only candidates
                if cid not in out.dense:
                    out.dense[cid] = float(np.dot(np.asarray(row["embedding"], dtype=np.float32), q))
        return out

    def rank(self, query: str, cands: Candidates) -> list[tuple[str, float]]:
        """Order hybrid candidates: the learned ranker when configured and available, else plain fusion."""
        if self.config.fusion != "learned" or self.ranker is None:
            return self.fuse(cands.dense, cands.keyword, cands.language)
        ids, x = self.features(query, cands)
        if not ids:
            return []
        return sorted(zip(ids, self.ranker.score(x).tolist()), key=lambda kv: (-kv[1], kv[0]))

    def features(self, query: str, cands: Candidates) -> tuple[list[str], np.ndarray]:
        """The learned ranker's inputs: candidate chunk ids and their feature matrix (also used to train it)."""
        ids = sorted(set(cands.dense) | set(cands.keyword))
        terms = QueryTerms.build(query, cands.language, self.tokenizer, self.store.bm25)
        texts = [_title_and_text(cands.rows[cid]) if cid in cands.rows else "" for cid in ids]
        return ids, candidate_features(terms, self.store.bm25, texts, cands.dense, cands.keyword, ids)

    def fuse(self, dense: dict[str, float], keyword: dict[str, float], language: str = "id") -> list[tuple[str, float]]:
        """Fuse per the config; non-Indonesian questions weigh the (multilingual) dense retriever more."""
        w = self.config.dense_weight if language == "id" else self.config.dense_weight_other
        if self.config.fusion == "weighted":
            return fusion.weighted([dense, keyword], [w / (1.0 + w), 1.0 / (1.0 + w)])
        return fusion.reciprocal_rank([dense, keyword], k=self.config.rrf_k, weights=[w, 1.0])  # also the
        # fallback of "learned" when rag/ranker.json is missing

    def _is_live(self, chunk_id: str) -> bool:
        """Only chunks of the version the manifest names are searchable (see store.py: crash safety)."""
        article_id, version = split_chunk_id(chunk_id)
        entry = self.store.manifest.articles.get(article_id)
        return entry is not None and entry.version == version


def _title_and_text(row: Mapping[str, Any]) -> str:
    return f"{row['meta'].get('title') or ''}\n{row['text']}"


def _top_positive(scores: np.ndarray, n: int) -> list[int]:
    if scores.size == 0:
        return []
    n = min(n, scores.size)
    idx = np.argpartition(-scores, n - 1)[:n]
    idx = idx[scores[idx] > 0]
    return idx[np.argsort(-scores[idx], kind="stable")].tolist()


def _to_hit(row: Mapping[str, Any], score: float, dense: float | None = None, keyword: float | None = None) -> Hit:
    meta = row["meta"]
    return Hit(
        article_id=str(meta["article_id"]),
        chunk_id=row["id"],
        title=str(meta.get("title") or ""),
        date=meta.get("date") or None,
        source=meta.get("source") or None,
        url=meta.get("url") or None,
        text=row["text"],
        score=float(score),
        start=int(meta["start"]),
        end=int(meta["end"]),
        dense_score=dense,
        keyword_score=keyword,
        author=meta.get("author") or None,
        editor=meta.get("editor") or None,
        credit=meta.get("credit") or None,
    )
