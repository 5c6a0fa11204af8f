"""rag/short_confidence.py: the features of a what/which short answer and the shipped model that decides whether it
leads the answer (its training and valid numbers: bench/short_confidence.py, bench/RESULTS.md)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rag.extraction import ShortAnswer, short_answers
from rag.short_confidence import FEATURES, MODEL_PATH, ShortConfidence, short_features

PHRASE = ShortAnswer("terus memberikan ancaman", 0, 24, "other", 1.0, "phrase")
NAME = ShortAnswer("Korea JoongAng Daily", 0, 20, "other", 6.0, "name")


def test_features_of_a_lone_candidate_and_of_one_with_runner_ups():
    lone = dict(zip(FEATURES, short_features([NAME])))
    assert lone["source_name"] == 1.0 and lone["source_phrase"] == 0.0
    assert lone["score"] == 6.0 and lone["margin"] == 5.0 and lone["log_candidates"] == 0.0
    crowded = dict(zip(FEATURES, short_features([PHRASE, NAME, NAME])))
    assert crowded["source_phrase"] == 1.0 and crowded["margin"] == pytest.approx(-5.0)
    assert crowded["log_candidates"] == pytest.approx(math.log(3))


def test_name_core_counts_as_a_name():
    core = ShortAnswer("Krivoruchko", 0, 11, "other", 3.0, "name_core")
    assert dict(zip(FEATURES, short_features([core])))["source_name"] == 1.0


def test_the_shipped_model_loads_with_its_threshold_and_reads_the_score():
    model = ShortConfidence.load()
    assert model.info["trained_by"] == "bench/short_confidence.py" and model.threshold == 0.5
    assert MODEL_PATH.exists()
    low, high = (model.probability(np.array(short_features([ShortAnswer("x", 0, 1, "other", s, "phrase")])))[0]
                 for s in (0.5, 7.0))
    assert 0.0 < low < 0.5 < high < 1.0  # more likely right with a higher extractor score, as on train


def test_a_guessed_phrase_is_withheld_by_the_shipped_model():
    """From the seed article: "What does North Korea keep testing?" reads the phrase after the question's words
    ("terus memberikan ancaman"), a guess the shipped model withholds."""
    model = ShortConfidence.load()
    testing = short_answers("What does North Korea keep testing?", "Bagi Korea Selatan dan Jepang, Korea Utara terus "
                            "memberikan ancaman dengan terus-menerus melakukan uji coba rudal balistik.")
    assert testing and testing[0].text == "terus memberikan ancaman" and not model.shown(testing)
    shown = ShortConfidence(np.zeros(len(FEATURES)), 5.0, np.zeros(len(FEATURES)), np.ones(len(FEATURES)))
    assert shown.shown(testing)  # a model that trusts everything shows it


def test_a_model_trained_on_other_features_is_refused_with_the_way_out(tmp_path):
    stale = tmp_path / "short_confidence.json"
    stale.write_text('{"features": ["score"], "weights": [1.0], "bias": 0.0, "mean": [0.0], "scale": [1.0]}')
    with pytest.raises(ValueError, match="bench/short_confidence.py"):
        ShortConfidence.load(stale)
