"""Rank fusion of dense and keyword results: small pure functions, trivially unit-tested.

Both take {candidate id: score} maps (higher is better) and return ids best-first.
"""
from __future__ import annotations

from collections.abc import Mapping


def reciprocal_rank(score_maps: list[Mapping[str, float]], k: int = 60,
                    weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion (Cormack et al. 2009): sum of w / (k + rank); a list a candidate is absent from
    adds nothing."""
    weights = weights or [1.0] * len(score_maps)
    fused: dict[str, float] = {}
    for scores, w in zip(score_maps, weights):
        ranked = sorted(scores, key=lambda cid: -scores[cid])
        for rank, cid in enumerate(ranked, start=1):
            fused[cid] = fused.get(cid, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale to [0, 1] over the candidate set (all equal -> all 1, so a flat list neither helps nor hurts)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-12:
        return {cid: 1.0 for cid in scores}
    return {cid: (s - lo) / (hi - lo) for cid, s in scores.items()}


def weighted(score_maps: list[Mapping[str, float]], weights: list[float]) -> list[tuple[str, float]]:
    """Convex combination of min-max normalised scores. Every candidate should be scored by every retriever
    (the hybrid retriever fills in the missing scores exactly), otherwise a missing score counts as the minimum."""
    normalised = [min_max(s) for s in score_maps]
    ids = set().union(*[set(s) for s in score_maps]) if score_maps else set()
    fused = {cid: sum(w * n.get(cid, 0.0) for n, w in zip(normalised, weights)) for cid in ids}
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
