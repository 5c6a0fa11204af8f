"""Gradient-boosted trees as plain arrays: sklearn's GradientBoostingClassifier exported to JSON, scored with NumPy.

Why not pickle the sklearn model: JSON loads without scikit-learn's version pinning (a pickle from another version
may fail or, worse, load and score differently), and the arrays are all a binary log-loss model needs. Used by the
answerability trees (rag/answerability.py); any other boosted model the project ships can reuse it.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Tree = dict[str, np.ndarray]  # "left", "right", "feature", "threshold", "value" (sklearn's node arrays)


def raw_scores(trees: Sequence[Tree], init: float, learning_rate: float, x: np.ndarray) -> np.ndarray:
    """The log-odds the trees give each row of x (n x features, in the columns the trees were fitted on)."""
    # sklearn's trees compare float32 inputs (it casts X) with float64 thresholds: read x as it did, or a value
    # between two float32 neighbours of a threshold takes the other branch
    x = np.atleast_2d(np.asarray(x, dtype=np.float64)).astype(np.float32).astype(np.float64)
    rows = np.arange(len(x))
    raw = np.full(len(x), float(init))
    for t in trees:
        node = np.zeros(len(x), dtype=np.int64)
        left, right, feat, thr, value = t["left"], t["right"], t["feature"], t["threshold"], t["value"]
        for _ in range(64):
            inner = left[node] >= 0
            if not inner.any():
                break
            go_left = x[rows, np.maximum(feat[node], 0)] <= thr[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        raw += learning_rate * value[node]
    return raw


def probabilities(trees: Sequence[Tree], init: float, learning_rate: float, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-raw_scores(trees, init, learning_rate, x)))


def from_sklearn(model) -> tuple[list[Tree], float, float]:
    """(trees, init log-odds, learning rate) of a fitted binary sklearn GradientBoostingClassifier (log-loss)."""
    trees = []
    for est in model.estimators_[:, 0]:
        t = est.tree_
        trees.append({"left": t.children_left, "right": t.children_right, "feature": t.feature,
                      "threshold": t.threshold, "value": t.value[:, 0, 0]})
    prior = float(model.init_.class_prior_[1])
    return trees, math.log(prior / (1 - prior)), float(model.learning_rate)


def as_arrays(trees: Sequence[Mapping[str, Any]]) -> list[Tree]:
    """Trees read from JSON lists."""
    return [{k: np.asarray(v) for k, v in t.items()} for t in trees]


def as_lists(trees: Sequence[Tree]) -> list[dict[str, list]]:
    """Trees as JSON-ready lists."""
    return [{k: np.asarray(v).tolist() for k, v in t.items()} for t in trees]
