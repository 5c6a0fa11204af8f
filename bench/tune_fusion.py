"""Choose the fusion of dense and BM25 scores on FacQA *train*, and report the choice on *valid*.

Candidates are fetched once per question (both scores for every candidate), then each fusion variant is scored
in memory. The passages index is built (or reused) at --index.

    python bench/tune_fusion.py --index /work/cache/facqa [--data ../shared/data] [--en tests/fixtures/facqa_valid_en.jsonl]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag import NewsQA  # noqa: E402
from rag import fusion  # noqa: E402
from rag.evaluation import passages_as_articles, read_jsonl  # noqa: E402


def collect(qa: NewsQA, questions: list[dict], n: int = 50) -> list[tuple[str, dict, dict]]:
    """(gold article id, dense scores, keyword scores) keyed by article id (best chunk per article)."""
    out = []
    for q in questions:
        c = qa.retriever.candidates(q["question"], n)
        out.append((q["passage_id"], _per_article(c.dense), _per_article(c.keyword)))
    return out


def _per_article(scores: dict[str, float]) -> dict[str, float]:
    best: dict[str, float] = {}
    for cid, s in scores.items():
        aid = cid.split("::")[0]
        best[aid] = max(best.get(aid, float("-inf")), s)
    return best


def recall(data, rank_fn, ks=(1, 5, 20)) -> dict[str, float]:
    hits = {k: 0 for k in ks}
    for gold, dense, kw in data:
        ranked = [cid for cid, _ in rank_fn(dense, kw)]
        for k in ks:
            hits[k] += gold in ranked[:k]
    return {f"R@{k}": hits[k] / len(data) for k in ks}


def variants() -> dict[str, object]:
    out: dict[str, object] = {
        "dense": lambda d, k: sorted(d.items(), key=lambda kv: -kv[1]),
        "bm25": lambda d, k: sorted(k.items(), key=lambda kv: -kv[1]),
    }
    for rk in (10, 30, 60):
        out[f"rrf k={rk}"] = lambda d, k, rk=rk: fusion.reciprocal_rank([d, k], k=rk)
    for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        out[f"weighted w={w}"] = lambda d, k, w=w: fusion.weighted([d, k], [w, 1 - w])
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--index", default="/work/cache/facqa")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--en", default="tests/fixtures/facqa_valid_en.jsonl")
    p.add_argument("--train-limit", type=int, default=1000)
    args = p.parse_args()
    data = Path(args.data)
    qa = NewsQA(args.index)
    qa.add(passages_as_articles(data / "passages_facqa.jsonl"), show_progress=True)
    sets = {
        "train": list(read_jsonl(data / "qa_facqa_train.jsonl", args.train_limit)),
        "valid": list(read_jsonl(data / "qa_facqa_valid.jsonl")),
        "valid-en": list(read_jsonl(args.en)),
    }
    cached = {name: collect(qa, qs) for name, qs in sets.items()}
    print(f"{'variant':<18}" + "".join(f"{name:>28}" for name in sets))
    for name, fn in variants().items():
        cells = []
        for set_name in sets:
            r = recall(cached[set_name], fn)
            cells.append(f"{r['R@1']:.3f}/{r['R@5']:.3f}/{r['R@20']:.3f}")
        print(f"{name:<18}" + "".join(f"{c:>28}" for c in cells))


if __name__ == "__main__":
    main()
