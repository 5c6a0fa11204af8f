"""rag/answerability.py: the hand-made features that tell a minimal edit ("sebelum" for "setelah") from a
converse ("X sebelum Y" asked, "Y ... setelah X" written), and how the exported trees read their inputs. The
trees' use in answering is tested in test_answering.py."""
from __future__ import annotations

import numpy as np
import pytest

from rag.answerability import FEATURES, TreeEnsemble, answerability_features, stated_conversely
from rag.bm25 import Tokenizer
from rag.evidence import split_hits
from rag.ranking import QueryTerms
from rag.records import Hit

PASSAGE = "Soeharto menjadi presiden setelah Soekarno lengser. Ia menjabat selama 32 tahun."


def _hit(text: str) -> Hit:
    return Hit(article_id="a", chunk_id="a#0", title="", date=None, source=None, url=None, text=text, score=1.0,
               start=0, end=len(text))


@pytest.mark.parametrize("question, text, expected", [
    # the converse: "who before Soeharto" is answered by "Soeharto ... setelah Soekarno"
    ("Siapa presiden sebelum Soeharto?", PASSAGE, {"sebelum"}),
    ("Siapa yang memimpin Indonesia sebelum Presiden Soeharto?", PASSAGE, {"sebelum"}),
    ("Who was president before Suharto?", "Suharto took power after Sukarno stepped down.", {"before"}),
    # the minimal edit: the name stays after the opposite word, so the passage does not answer "sebelum Soekarno"
    ("Siapa presiden sebelum Soekarno?", PASSAGE, set()),
    ("Siapa yang memimpin Indonesia sebelum Presiden Soekarno?", PASSAGE, set()),
    # the name and the order word must share a sentence
    ("Siapa presiden sebelum Soeharto?", "Soeharto lahir di Kemusuk. Habibie menjabat setelah Soeharto.", set()),
    # without a name or number after the order word nothing anchors the converse
    ("Apa yang terjadi sebelum pertemuan itu?", "Pertemuan itu digelar setelah sidang kabinet.", set()),
    # no order word in the question
    ("Siapa presiden kedua Indonesia?", PASSAGE, set()),
])
def test_stated_conversely(question, text, expected):
    assert stated_conversely(question, text) == expected


@pytest.mark.parametrize("question, swapped", [
    ("Siapa presiden sebelum Soeharto?", 0.0),  # converse: answerable
    ("Siapa presiden sebelum Soekarno?", 1.0),  # antonym edit: the passage says "setelah Soekarno"
])
def test_antonym_swap_features_fire_on_an_edit_but_not_on_a_converse(question, swapped):
    tokenizer = Tokenizer()
    terms = QueryTerms(language="id", idf={}, neutral=set(), analysis=question)
    hits = [_hit(PASSAGE)]
    x = dict(zip(FEATURES, answerability_features(question, terms, tokenizer, hits, split_hits(hits))))
    assert (x["antonym_swap_best"], x["antonym_swap_top"]) == (swapped, swapped)


def test_trees_read_inputs_as_float32_like_the_sklearn_trees_they_were_exported_from():
    """sklearn casts X to float32 and splits at float64 midpoints between float32 values; a float64 input just
    below such a threshold rounds to the float32 above it, so sklearn sends it right. The export must agree."""
    threshold = (float(np.float32(0.1)) + float(np.float32(0.2))) / 2
    stump = {"left": [1, -1, -1], "right": [2, -1, -1], "feature": [0, -2, -2], "threshold": [threshold, -2, -2],
             "value": [0.0, -5.0, 5.0]}
    trees = TreeEnsemble([stump], 0.0, 1.0, 0.5)
    x = np.zeros((3, len(FEATURES)))
    x[:, 0] = [threshold - 1e-12, 0.1, 0.2]
    assert float(np.float32(x[0, 0])) > threshold  # the case: float64 left of the split, float32 right of it
    assert (trees.probability(x) > 0.5).tolist() == [True, False, True]
