"""Learned fusion: a small linear model over per-candidate features, trained on FacQA *train* (bench/train_ranker.py).

Why: reciprocal-rank fusion only sees two ranks. It cannot tell that a passage containing every rare word of the
question, or the question's names and numbers, is likelier to answer it than one that shares a single frequent
word. These features say that, in a dozen numbers per candidate; the weights live in `rag/ranker.json`
(plain JSON, no pickle) and scoring is a dot product.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import Bm25Index, Tokenizer
from .query import keyword_query, language_neutral_terms

DEFAULT_MODEL = Path(__file__).with_name("ranker.json")

FEATURES = (
    "dense", "dense_gap", "bm25_rel", "inv_rank_dense", "inv_rank_bm25", "rrf",
    "idf_coverage", "neutral_coverage", "bigram_coverage", "missing_idf", "log_len",
    "is_en", "is_en_x_dense_gap", "is_en_x_bm25_rel",
)


@dataclass
class QueryTerms:
    """What of the question a passage should contain: stemmed terms with IDF, language-neutral terms, bigrams."""

    language: str
    idf: dict[str, float]
    neutral: set[str]
    bigrams: set[tuple[str, str]]

    @classmethod
    def build(cls, query: str, language: str, tokenizer: Tokenizer, bm25: Bm25Index) -> "QueryTerms":
        tokens = tokenizer(keyword_query(query, language))
        neutral = set(tokenizer(language_neutral_terms(query)))
        return cls(language, bm25.idf(list(dict.fromkeys(tokens))), neutral, set(zip(tokens, tokens[1:])))


def candidate_features(terms: QueryTerms, passage_tokens: Sequence[str], dense: Mapping[str, float],
                       keyword: Mapping[str, float], ids: Sequence[str]) -> np.ndarray:
    """Feature matrix (len(ids) x len(FEATURES)); `passage_tokens[i]` are the tokens of candidate ids[i]."""
    d_rank = {cid: r for r, cid in enumerate(sorted(dense, key=lambda c: -dense[c]), 1)}
    k_rank = {cid: r for r, cid in enumerate(sorted(keyword, key=lambda c: -keyword[c]), 1)}
    d_max = max(dense.values(), default=0.0)
    k_max = max(keyword.values(), default=0.0)
    idf_total = sum(terms.idf.values()) or 1.0
    is_en = 1.0 if terms.language != "id" else 0.0
    rows = []
    for cid, toks in zip(ids, passage_tokens):
        present = set(toks)
        pairs = set(zip(toks, toks[1:]))
        d = dense.get(cid, 0.0)
        gap = d - d_max
        k_rel = keyword.get(cid, 0.0) / k_max if k_max > 0 else 0.0
        rd, rk = d_rank.get(cid, 1000), k_rank.get(cid, 1000)
        covered = sum(w for t, w in terms.idf.items() if t in present)
        rows.append([
            d, gap, k_rel, 1.0 / rd, 1.0 / rk, 1.0 / (10 + rd) + 1.0 / (10 + rk),
            covered / idf_total,
            (len(terms.neutral & present) / len(terms.neutral)) if terms.neutral else 1.0,
            (len(terms.bigrams & pairs) / len(terms.bigrams)) if terms.bigrams else 0.0,
            idf_total - covered if terms.idf else 0.0,
            math.log1p(len(toks)),
            is_en, is_en * gap, is_en * k_rel,
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(ids), len(FEATURES))


class LinearRanker:
    """score = features · weights + bias, after standardisation with the training means/scales."""

    def __init__(self, weights: Sequence[float], bias: float, mean: Sequence[float], scale: Sequence[float],
                 features: Sequence[str] = FEATURES, info: Mapping[str, object] | None = None) -> None:
        if tuple(features) != FEATURES:
            raise ValueError("ranker was trained on other features; retrain with bench/train_ranker.py")
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.info = dict(info or {})

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def save(self, path: Path = DEFAULT_MODEL) -> None:
        path.write_text(json.dumps({"features": list(FEATURES), "weights": self.weights.tolist(), "bias": self.bias,
                                    "mean": self.mean.tolist(), "scale": self.scale.tolist(), "info": self.info},
                                   indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> "LinearRanker":
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(raw["weights"], raw["bias"], raw["mean"], raw["scale"], raw["features"], raw.get("info"))
