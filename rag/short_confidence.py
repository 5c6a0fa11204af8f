"""How likely a what/which, where or who short answer is right, so a likely-wrong one is not the answer's headline.

Why: the extractor always returns its best candidate, and for what/which questions that is often a guess. On
FacQA and news *train* (whole pipeline, session 31) a "phrase" candidate (the words after the question's own) held
the gold about half the time, while the quoted sentence it came from held it 80% of the time: a wrong phrase
stated before a right quote misleads. The extractor's scores rank one sentence's candidates but are not calibrated
across questions (rag/extraction.py), so a small logistic model per answer type over the candidate's origin, its
score and its lead over the runner-up turns them into a probability (weights in rag/short_confidence_<type>.json,
trained by bench/short_confidence.py). Below the threshold the answer leads with its quote instead. Models ship for
what/which ("other") and where questions, and for Indonesian who questions (fitted on English ones too, it withheld
more right English names than wrong ones); when and how-many short answers are right more often, and a model for
them withheld about as many right ones as wrong ones (bench/RESULTS.md).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .ranking import LinearRanker

if TYPE_CHECKING:  # the extractor loads its lexicon and country names: import it where answers are built
    from .extraction import ShortAnswer

KINDS = ("other", "where", "who")

_SOURCES = ("name", "name_part", "name_pair", "paren", "phrase", "object", "locative")
FEATURES = tuple(f"source_{s}" for s in _SOURCES) + ("score", "margin", "log_candidates", "off_category")
_MAX_MARGIN = 5.0  # a lone candidate's lead over a runner-up that does not exist


def short_features(found: Sequence[ShortAnswer]) -> list[float]:
    """FEATURES of the best candidate in `found` (a sentence's candidates, best first; not empty)."""
    top = found[0]
    source = "name" if top.source == "name_core" else top.source
    margin = min(top.score - found[1].score, _MAX_MARGIN) if len(found) > 1 else _MAX_MARGIN
    return [float(source == s) for s in _SOURCES] + [top.score, margin, math.log(len(found)),
                                                     float(top.off_category)]


def model_path(kind: str) -> Path:
    return Path(__file__).with_name(f"short_confidence_{kind}.json")


class ShortConfidence(LinearRanker):
    """Logistic model: P(the best candidate of one answer type is right) from FEATURES (standardised)."""

    FEATURE_NAMES = FEATURES
    MODEL_PATH = model_path("other")
    TRAINED_BY = "bench/short_confidence.py"

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.score(np.atleast_2d(x))))

    @property
    def threshold(self) -> float:
        return float(self.info.get("threshold", 0.5))

    @property
    def languages(self) -> frozenset[str]:
        """The question languages it was fitted on and judges ("id", "en")."""
        return frozenset(self.info.get("languages", ("id", "en")))

    def shown(self, found: Sequence[ShortAnswer]) -> bool:
        """Should the best of `found` lead the answer?"""
        return bool(self.probability(np.array(short_features(found)))[0] >= self.threshold)


def load_models() -> dict[str, ShortConfidence]:
    """The shipped models by answer type (those whose file exists)."""
    return {kind: ShortConfidence.load(model_path(kind)) for kind in KINDS if model_path(kind).exists()}
