"""rag/evaluation.py: the retrieval measures on hand-made rankings, the answer measures on hand-made answers."""
from __future__ import annotations

import math

from rag.answering import Answer, Citation
from rag.evaluation import answer_metrics, holds_answer, retrieval_metrics
from rag.records import Hit


def _hit(article_id: str, text: str) -> Hit:
    return Hit(article_id=article_id, chunk_id=f"{article_id}::v::0", title="", date=None, source=None, url=None,
               text=text, score=0.0, start=0, end=len(text))


RANKINGS = {
    # gold at rank 2
    "q1": [_hit("a", "nothing here"), _hit("gold1", "Bandara Sultan Syarif Kasim II di Pekanbaru")],
    # gold at rank 6, but rank 3 (another article) also names the answer
    "q2": [_hit(x, "lain") for x in "bc"] + [_hit("e", "kota Bandung,  Jawa   Barat")]
          + [_hit(x, "lain") for x in "fg"] + [_hit("gold2", "Bandung ada di Jawa Barat")],
    # gold absent, answer absent
    "q3": [_hit("h", "tidak ada")],
}
QUESTIONS = [
    {"question": "q1", "passage_id": "gold1", "answers": ["Sultan Syarif Kasim II"]},
    {"question": "q2", "passage_id": "gold2", "answers": ["jawa barat"]},
    {"question": "q3", "passage_id": "gold3", "answers": ["x"]},
]


def test_recall_mrr_and_answer_recall_are_counted_per_question():
    m = retrieval_metrics(QUESTIONS, lambda q, k: RANKINGS[q][:k])
    assert (m["R@1"], m["R@5"]) == (0.0, 1 / 3)
    assert m["R@20"] == 2 / 3
    assert abs(m["MRR"] - (1 / 2 + 1 / 6) / 3) < 1e-9
    # q1 (gold passage holds the answer) and q2 (another article in the top 5 does): case and spaces ignored
    assert m["AR@5"] == 2 / 3 and m["n"] == 3


def test_answer_recall_only_looks_at_the_top_five_articles():
    late = [_hit(x, "lain") for x in "abcde"] + [_hit("f", "Jawa Barat")]
    assert not holds_answer(late[:5], ["Jawa Barat"])
    m = retrieval_metrics([{"question": "q", "passage_id": "z", "answers": ["Jawa Barat"]}], lambda q, k: late[:k])
    assert m["AR@5"] == 0.0


def test_answer_metrics_count_refusals_leads_and_confident_wrong_answers():
    quote = Citation(1, "a", "t", None, None, None, "Banjir merendam 350 rumah.", 0, 26)
    replies = {
        "right, lead": Answer("q", "350 rumah, menurut [1]", False, [quote], lead="350 rumah, menurut [1]",
                              short_answer="350 rumah"),
        "right, quotes only, doubted": Answer("q", "Menurut [1]\nJuga [2]", False, [quote], lead="Menurut [1]",
                                              tentative=True),
        "refused answerable": Answer("q", "Sumber tidak menjawab pertanyaan ini.", True),
        "refused impossible": Answer("q", "Sumber tidak menjawab pertanyaan ini.", True),
        "impossible, doubted": Answer("q", "Mungkin [1]", False, [quote], tentative=True),
        "impossible, stated": Answer("q", "Pasti [1]", False, [quote]),
    }
    questions = [{"question": k, "answers": ["350"], "is_impossible": "impossible" in k}
                 for k in replies]
    r = answer_metrics(questions, lambda q: replies[q])
    assert (r["n"], r["answerable"]) == (6, 3)
    assert math.isclose(r["in_answer_or_quotes"], 2 / 3) and math.isclose(r["in_lead"], 1 / 3)
    assert math.isclose(r["in_short"], 1 / 3) and math.isclose(r["refused_answerable"], 1 / 3)
    assert math.isclose(r["refusal_precision"], 1 / 2) and math.isclose(r["refusal_recall"], 1 / 3)
    assert math.isclose(r["tentative_answerable"], 1 / 3) and math.isclose(r["stated_unanswerable"], 1 / 3)
    assert math.isnan(r["verified"])  # no generated answers
    # of the 2 answered answerable questions, 1 is led by a short answer, and it holds the gold
    assert math.isclose(r["short_shown"], 1 / 2) and math.isclose(r["short_right"], 1.0)
