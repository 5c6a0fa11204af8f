"""Learned fusion: a small linear model over per-candidate features, trained on FacQA *train* (bench/train_ranker.py).

Why: reciprocal-rank fusion only sees two ranks. It cannot tell that a passage containing every rare word of the
question, or the question's names and numbers, is likelier to answer it than one that shares a single frequent
word. These features say that, in a dozen numbers per candidate; the weights live in `rag/ranker.json`
(plain JSON, no pickle) and scoring is a dot product.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import Bm25Index, Tokenizer
from .dates import MONTH_NAMES_EN, MONTH_NAMES_ID
from .query import answer_type, keyword_query, language_neutral_terms

DEFAULT_MODEL = Path(__file__).with_name("ranker.json")

FEATURES = (
    "dense", "dense_gap", "bm25_rel", "inv_rank_dense", "inv_rank_bm25", "rrf",
    "idf_coverage", "neutral_coverage", "missing_idf", "log_len",
    "is_en", "is_en_x_dense_gap", "is_en_x_bm25_rel",
    # answer-type evidence: the passage holds the kind of phrase the question asks for, beyond the question's own
    "who_x_new_names", "where_x_new_names", "when_x_date", "number_x_new_numbers", "other_x_new_names",
)

_WORD = re.compile(r"\w+")
_DAY_MONTH = re.compile(r"\b\d{1,2}/\d{1,2}\b")
_MONTH_WORDS = frozenset(m.lower() for m in MONTH_NAMES_ID + MONTH_NAMES_EN)


@dataclass
class QueryTerms:
    """What of the question a passage should contain: stemmed terms with IDF, language-neutral terms, bigrams."""

    language: str
    idf: dict[str, float]
    neutral: set[str]
    answer_type: str = "other"
    words: frozenset[str] = frozenset()  # the question's words, lowercased, to tell new names/numbers apart
    head: frozenset[str] = frozenset()  # stems of the category a which/what question asks for (query.head_terms)
    analysis: str = ""  # the question as the evidence stages read it (query.analysis_text); "" = not computed

    @classmethod
    def build(cls, query: str, language: str, tokenizer: Tokenizer, bm25: Bm25Index) -> QueryTerms:
        tokens = tokenizer(keyword_query(query, language))
        neutral = set(tokenizer(language_neutral_terms(query)))
        words = frozenset(w.lower() for w in _WORD.findall(query))
        return cls(language, bm25.idf(list(dict.fromkeys(tokens))), neutral, answer_type(query), words)


def answer_evidence(terms: QueryTerms, text: str) -> tuple[float, float, float]:
    """(new names, new numbers, has a date) in a passage: log-counts of capitalised words and numbers that are
    not in the question, and whether a date-like phrase occurs."""
    names = numbers = 0
    has_date = False
    for word in _WORD.findall(text):
        lower = word.lower()
        if word[0].isdigit():
            numbers += lower not in terms.words
            has_date = has_date or (len(word) == 4 and word[:2] in ("19", "20"))
        elif word[0].isupper():
            names += lower not in terms.words
            has_date = has_date or lower in _MONTH_WORDS
    has_date = has_date or bool(_DAY_MONTH.search(text))
    return math.log1p(names), math.log1p(numbers), 1.0 if has_date else 0.0


def candidate_features(terms: QueryTerms, bm25: Bm25Index, passage_texts: Sequence[str],
                       dense: Mapping[str, float], keyword: Mapping[str, float], ids: Sequence[str]) -> np.ndarray:
    """Feature matrix (len(ids) x len(FEATURES)); `passage_texts[i]` is the text of candidate ids[i].

    Which candidates contain which question terms comes from the BM25 postings, so nothing is re-tokenised
    at query time."""
    d_rank = {cid: r for r, cid in enumerate(sorted(dense, key=lambda c: -dense[c]), 1)}
    k_rank = {cid: r for r, cid in enumerate(sorted(keyword, key=lambda c: -keyword[c]), 1)}
    d_max = max(dense.values(), default=0.0)
    k_max = max(keyword.values(), default=0.0)
    positions = np.array([bm25.position.get(cid, -1) for cid in ids], dtype=np.int64)
    covered = np.zeros(len(ids))
    for token, weight in terms.idf.items():
        if weight > 0:
            covered += weight * bm25.contains(token, positions)
    neutral_hits = np.zeros(len(ids))
    for token in terms.neutral:
        neutral_hits += bm25.contains(token, positions)
    idf_total = sum(terms.idf.values()) or 1.0
    lengths = np.where(positions >= 0, bm25.lengths[np.maximum(positions, 0)], 0)
    is_en = 1.0 if terms.language != "id" else 0.0
    t = terms.answer_type
    rows = []
    for i, (cid, text) in enumerate(zip(ids, passage_texts)):
        names, numbers, has_date = answer_evidence(terms, text)
        d = dense.get(cid, 0.0)
        gap = d - d_max
        k_rel = keyword.get(cid, 0.0) / k_max if k_max > 0 else 0.0
        rd, rk = d_rank.get(cid, 1000), k_rank.get(cid, 1000)
        rows.append([
            d, gap, k_rel, 1.0 / rd, 1.0 / rk, 1.0 / (10 + rd) + 1.0 / (10 + rk),
            covered[i] / idf_total,
            neutral_hits[i] / len(terms.neutral) if terms.neutral else 1.0,
            idf_total - covered[i] if terms.idf else 0.0,
            math.log1p(lengths[i]),
            is_en, is_en * gap, is_en * k_rel,
            names * (t == "who"), names * (t == "where"), has_date * (t == "when"), numbers * (t == "number"),
            names * (t == "other"),
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(ids), len(FEATURES))


class LinearRanker:
    """score = features · weights + bias, after standardisation with the training means/scales.

    Subclasses (rag/evidence.py's SentenceScorer) name their own features, model file and training script."""

    FEATURE_NAMES: tuple[str, ...] = FEATURES
    MODEL_PATH: Path = DEFAULT_MODEL
    TRAINED_BY = "bench/train_ranker.py"

    def __init__(self, weights: Sequence[float], bias: float, mean: Sequence[float], scale: Sequence[float],
                 features: Sequence[str] | None = None, info: Mapping[str, object] | None = None) -> None:
        if features is not None and tuple(features) != self.FEATURE_NAMES:
            raise ValueError(f"{type(self).__name__} was trained on other features; retrain with {self.TRAINED_BY}")
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.info = dict(info or {})

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def save(self, path: Path | None = None) -> None:
        data = {"features": list(self.FEATURE_NAMES), "weights": self.weights.tolist(), "bias": self.bias,
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "info": self.info}
        Path(path or self.MODEL_PATH).write_text(json.dumps(data, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None):  # -> an instance of cls
        raw = json.loads(Path(path or cls.MODEL_PATH).read_text(encoding="utf-8"))
        return cls(raw["weights"], raw["bias"], raw["mean"], raw["scale"], raw["features"], raw.get("info"))
