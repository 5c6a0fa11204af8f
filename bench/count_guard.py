"""How often answerability.count_guard (or when_guard) fires, on answerable and unanswerable questions of its kind.

    python bench/count_guard.py [--guard count|when] [--split train|valid] [--data ../shared/data] [--show N]

The count guard refuses a how-many / how-much question (extraction.asks_count) whose quotes (the answerer's best
`max_quotes` sentences) state no number (extraction.states_number); the when guard a when-question
(extraction.asks_when) whose quotes state no time (extraction.states_time). They are meant for small archives, where
the trees were fitted on few rows and the best sentences may count or date nothing at all; in a collection some
passage nearly always holds a number or a date. Two regimes per question set, from the cached hits
(bench/answer_data.py):
  collection  the top 5 hits of the whole index (and, for FacQA and the news questions, with the gold article
              removed: a story the archive lacks, so unanswerable)
  gold only   only the gold article's hits (up to 5): what a one-article archive retrieves
Counts only: whether the shipped trees would have refused anyway depends on the regime's trees and is left out.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from answer_data import (  # noqa: E402
    cached_hits,
    news_question_sets,
    open_index,
    open_news_index,
    question_sets,
    without_article,
)
from train_answering import TOP  # noqa: E402

from rag.bm25 import Tokenizer  # noqa: E402
from rag.evidence import SentenceScorer, question_terms, rank_sentences  # noqa: E402
from rag.extraction import asks_count, asks_when, states_number, states_time  # noqa: E402

QUOTES = 4  # Answerer.max_quotes
# guard -> (the questions it judges, what the quotes must state)
GUARDS = {"count": (asks_count, states_number), "when": (asks_when, states_time)}


def count(name: str, qa, questions: list[dict], regime: str, tok: Tokenizer, scorer: SentenceScorer,
          table: dict, shown: dict, guard: str = "count") -> None:
    asks, states = GUARDS[guard]
    for q, hits in zip(questions, cached_hits(qa, name, questions)):
        answerable = not q.get("is_impossible", False)
        if not asks(q["question"]) or (regime == "gold removed" and not answerable):
            continue
        gold = q.get("passage_id") or q.get("article_id")
        top = {"collection": hits[:TOP], "gold removed": without_article(hits, gold, TOP),
               "gold only": [h for h in hits if h.article_id == gold][:TOP]}[regime]
        if not top:
            continue
        sentences = rank_sentences(question_terms(q["question"], tok, qa.store.bm25, top), tok, top, scorer,
                                   q["question"])[:QUOTES]
        fires = not any(states(s.text, s.hit.date) for s in sentences)
        label = "answerable" if answerable and regime != "gold removed" else "unanswerable"
        c = table[(name, regime, label)]
        c["n"] += 1
        c["fires"] += fires
        if fires and label == "answerable":
            shown[name].append((q["question"], q.get("answers"), [s.text[:120] for s in sentences]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--guard", default="count", choices=sorted(GUARDS))
    p.add_argument("--split", default="train", choices=["train", "valid"])
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--news-index", default="/work/cache/newsqa/index")
    p.add_argument("--show", type=int, default=0, help="print N answerable questions it fires on, per set")
    args = p.parse_args()
    data, s = Path(args.data), args.split
    sets = {name: qs for name, (_, qs) in question_sets(data).items()}
    sets.update(news_question_sets())
    fq = open_index(args.facqa_index, data, "passages_facqa.jsonl")
    iq = open_index(args.idkmrc_index, data, "passages_idkmrc.jsonl")
    nq = open_news_index(args.news_index, data)
    tok, scorer = Tokenizer(), SentenceScorer.load()
    table: dict = collections.defaultdict(collections.Counter)
    shown: dict = collections.defaultdict(list)
    for name, qa, regimes in ((f"facqa_{s}", fq, ("collection", "gold removed", "gold only")),
                              (f"facqa_{s}_en", fq, ("collection", "gold removed", "gold only")),
                              (f"idkmrc_{s}", iq, ("collection", "gold only")),
                              (f"idkmrc_{s}_en", iq, ("collection", "gold only")),
                              (f"newsqa_{s}", nq, ("collection", "gold removed", "gold only"))):
        for regime in regimes:
            count(name, qa, sets[name], regime, tok, scorer, table, shown, args.guard)
    print(f"# bench/count_guard.py, {s} split: {args.guard} questions, {args.guard}_guard firing on their best "
          f"{QUOTES} sentences\n")
    print("| set | regime | label | questions | guard fires |")
    print("| --- | --- | --- | --- | --- |")
    for (name, regime, label), c in table.items():
        print(f"| {name} | {regime} | {label} | {c['n']} | {c['fires']} ({c['fires'] / c['n']:.1%}) |")
    for name, items in shown.items():
        for question, answers, quotes in items[:args.show]:
            print(f"\n{name}: {question}  gold {answers}\n  " + "\n  ".join(quotes))


if __name__ == "__main__":
    main()
