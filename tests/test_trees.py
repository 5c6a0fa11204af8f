"""rag/trees.py: sklearn's boosted trees exported to arrays score exactly as sklearn does, also through JSON and
through the answerability trees that use them."""
import json

import numpy as np
import pytest

from rag import trees
from rag.answerability import FEATURES, TreeEnsemble


@pytest.fixture(scope="module")
def fitted():
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 3] * x[:, 5] > 0).astype(int)
    model = GradientBoostingClassifier(max_depth=3, n_estimators=30, random_state=0).fit(x.astype(np.float32), y)
    return model, rng.normal(size=(50, len(FEATURES)))


def test_exported_trees_score_as_sklearn(fitted):
    model, x = fitted
    exported, init, rate = trees.from_sklearn(model)
    expected = model.predict_proba(x.astype(np.float32))[:, 1]
    assert np.allclose(trees.probabilities(exported, init, rate, x), expected, atol=1e-9)
    again = trees.as_arrays(json.loads(json.dumps(trees.as_lists(exported))))  # through JSON lists and back
    assert np.allclose(trees.probabilities(again, init, rate, x), expected, atol=1e-9)


def test_answerability_trees_saved_and_loaded_score_as_sklearn(fitted, tmp_path):
    model, x = fitted
    path = tmp_path / "trees.json"
    TreeEnsemble.from_sklearn(model, 0.4, info={"test": True}).save(path)
    loaded = TreeEnsemble.load(path)
    assert loaded.threshold == 0.4 and loaded.info == {"test": True}
    assert np.allclose(loaded.probability(x), model.predict_proba(x.astype(np.float32))[:, 1], atol=1e-9)
