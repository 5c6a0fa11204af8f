"""Train the learned fusion (rag/ranking.py) on FacQA *train*; report R@k on *valid*; write rag/ranker.json.

Each training question contributes its hybrid candidates (dense top-n ∪ BM25 top-n, both scores for all);
the label is 1 for chunks of the gold passage. Logistic regression on standardised features; the
regularisation C is picked on the last 20% of train (never on valid). English questions: the translated
train questions in bench/data/facqa_train_en.jsonl, so the model sees the cross-lingual case.

    python bench/train_ranker.py --index /work/cache/facqa [--index /work/cache/big] [--data ../shared/data] [--write]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import NewsQA  # noqa: E402
from rag.evaluation import passages_as_articles, read_jsonl  # noqa: E402
from rag.ranking import FEATURES, LinearRanker  # noqa: E402
from rag.store import split_chunk_id  # noqa: E402


def featurise(qa: NewsQA, questions: list[dict], n: int):
    """Per question: (candidate article ids, feature matrix, rrf order of article ids, gold id)."""
    out = []
    r = qa.retriever
    for q in questions:
        c = r.candidates(q["question"], n)
        ids, x = r.features(q["question"], c)
        rrf = [split_chunk_id(cid)[0] for cid, _ in r.fuse(c.dense, c.keyword, c.language)]
        out.append(([split_chunk_id(cid)[0] for cid in ids], x, rrf, q["passage_id"]))
    return out


def recall_at(data, scorer, ks=(1, 5, 20)) -> dict[int, float]:
    hits = {k: 0 for k in ks}
    for aids, x, rrf, gold in data:
        if scorer is None:
            ranked = list(dict.fromkeys(rrf))
        else:
            order = np.argsort(-scorer(x), kind="stable")
            ranked = list(dict.fromkeys(aids[i] for i in order))
        for k in ks:
            hits[k] += gold in ranked[:k]
    return {k: hits[k] / max(len(data), 1) for k in ks}


def fit(data, c: float) -> LinearRanker:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([d[1] for d in data])
    y = np.concatenate([[1 if a == d[3] else 0 for a in d[0]] for d in data])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit((x - mean) / scale, y)
    return LinearRanker(model.coef_[0], model.intercept_[0], mean, scale)


def fmt(r: dict[int, float]) -> str:
    return "/".join(f"{v:.3f}" for v in r.values())


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--index", action="append",
                   help="index holding the FacQA passages (repeatable: e.g. one without and one with CLICK-ID "
                        "distractors; the model trains on candidates from all of them)")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--candidates", type=int, default=30)
    p.add_argument("--write", action="store_true", help="write rag/ranker.json")
    args = p.parse_args()
    data = Path(args.data)
    passages = passages_as_articles(data / "passages_facqa.jsonl")
    questions = {
        "train_id": list(read_jsonl(data / "qa_facqa_train.jsonl")),
        "train_en": list(read_jsonl(ROOT / "bench" / "data" / "facqa_train_en.jsonl")),
        "valid_id": list(read_jsonl(data / "qa_facqa_valid.jsonl")),
        "valid_en": list(read_jsonl(ROOT / "tests" / "fixtures" / "facqa_valid_en.jsonl")),
    }
    t = time.time()
    per_index = []
    for index in args.index or ["/work/cache/facqa"]:
        qa = NewsQA(index, fusion="rrf")
        qa.add(passages, show_progress=True)  # no-op when the passages are already indexed
        per_index.append((index, {name: featurise(qa, qs, args.candidates) for name, qs in questions.items()}))
    print(f"features for {len(per_index)} index(es) in {time.time() - t:.0f}s")
    train_id = [d for _, f in per_index for d in f["train_id"]]
    train_en = [d for _, f in per_index for d in f["train_en"]]
    # choose C on the last 20% of train questions (of every index), fit on the rest
    fit_part, dev_id, dev_en = [], [], []
    for _, f in per_index:
        cut_id, cut_en = int(len(f["train_id"]) * 0.8), int(len(f["train_en"]) * 0.8)
        fit_part += f["train_id"][:cut_id] + f["train_en"][:cut_en]
        dev_id += f["train_id"][cut_id:]
        dev_en += f["train_en"][cut_en:]

    print(f"{'model':<16}{'dev-id R@1/5/20':>22}{'dev-en':>22}")
    print(f"{'rrf (current)':<16}{fmt(recall_at(dev_id, None)):>22}{fmt(recall_at(dev_en, None)):>22}")
    best = None
    for c in (0.01, 0.1, 1.0, 10.0):
        ranker = fit(fit_part, c)
        r_id, r_en = recall_at(dev_id, ranker.score), recall_at(dev_en, ranker.score)
        print(f"{'C=' + str(c):<16}{fmt(r_id):>22}{fmt(r_en):>22}")
        key = (r_id[5] * len(dev_id) + r_en[5] * len(dev_en), r_id[1])
        if best is None or key > best[0]:
            best = (key, c)
    c = best[1]
    ranker = fit(train_id + train_en, c)
    print(f"\nchosen C={c} (dev R@5), refit on all train. Weights:")
    for name, w in zip(FEATURES, ranker.weights):
        print(f"  {name:<20}{w:+.3f}")
    for index, f in per_index:
        print(f"\nvalid on {index:<40}{'id R@1/5/20':>22}{'en':>22}")
        print(f"{'rrf':<49}{fmt(recall_at(f['valid_id'], None)):>22}{fmt(recall_at(f['valid_en'], None)):>22}")
        r_id, r_en = recall_at(f["valid_id"], ranker.score), recall_at(f["valid_en"], ranker.score)
        print(f"{'learned':<49}{fmt(r_id):>22}{fmt(r_en):>22}")
    if args.write:
        ranker.info = {"trained_on": "FacQA train (2495 id) + 280 translated en, candidates from indexes: "
                                     + ", ".join(i for i, _ in per_index), "C": c,
                       "candidates": args.candidates, "date": time.strftime("%Y-%m-%d"),
                       "valid": {i: {"id R@1/5/20": fmt(recall_at(f["valid_id"], ranker.score)),
                                     "en R@1/5/20": fmt(recall_at(f["valid_en"], ranker.score))}
                                 for i, f in per_index}}
        ranker.save()
        print("wrote rag/ranker.json")


if __name__ == "__main__":
    main()
