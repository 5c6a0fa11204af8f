"""Choose the keyword index and the fusion of dense and BM25 scores on FacQA *train*; report them on *valid*.

Dense candidates (the expensive part: one query embedding each) are fetched once per question; keyword-index
variants (stopwords, k1, b) are built in memory over the same chunks; every fusion variant is then scored in
memory. Indonesian and English questions are tuned separately because the retriever weighs them separately
(see rag/query.py). English train questions: bench/data/facqa_train_en.jsonl (hand-translated).

    python bench/tune_fusion.py --index /work/cache/facqa [--data ../shared/data] [--bm25-grid]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import NewsQA, fusion  # noqa: E402
from rag.bm25 import Bm25Index, Tokenizer  # noqa: E402
from rag.chunking import chunk_article  # noqa: E402
from rag.evaluation import passages_as_articles, read_jsonl  # noqa: E402
from rag.query import detect_language, keyword_query  # noqa: E402
from rag.store import split_chunk_id  # noqa: E402


def article_of(chunk_id: str) -> str:
    return split_chunk_id(chunk_id)[0]


class Cached:
    """Per question: gold id, detected language, query vector, dense top-n (chunk id -> cosine)."""

    def __init__(self, qa: NewsQA, questions: list[dict], n: int) -> None:
        self.rows = []
        for q in questions:
            lang = detect_language(q["question"])
            vec = np.asarray(qa.embedder.get_query_embedding(q["question"]), dtype=np.float32)
            dense = qa.store.chroma.nearest(vec.tolist(), n, None)
            self.rows.append((q["passage_id"], lang, q["question"], vec, dense))


def candidates(cached: Cached, tok: Tokenizer, bm25: Bm25Index, vectors: dict[str, np.ndarray], n: int):
    """(gold, lang, dense scores, keyword scores) with both scores for every candidate, as the retriever does."""
    out = []
    for gold, lang, question, vec, dense in cached.rows:
        scores = bm25.scores(tok(keyword_query(question, lang)))
        top = np.argsort(-scores)[:n]
        kw = {bm25.chunk_ids[i]: float(scores[i]) for i in top if scores[i] > 0}
        d = dict(dense)
        for cid in dense:
            kw.setdefault(cid, float(scores[bm25.position[cid]]))
        for cid in kw:
            if cid not in d:
                d[cid] = float(vectors[cid] @ vec)
        out.append((gold, lang, d, kw))
    return out


def recall(data, rank_fn, ks=(1, 5, 20)) -> str:
    hits = {k: 0 for k in ks}
    for gold, _, dense, kw in data:
        ranked = []
        for cid, _ in rank_fn(dense, kw):
            aid = article_of(cid)
            if aid not in ranked:
                ranked.append(aid)
        for k in ks:
            hits[k] += gold in ranked[:k]
    return "/".join(f"{hits[k] / len(data):.3f}" for k in ks)


def fusion_variants(weights: tuple[float, ...]) -> dict[str, object]:
    out: dict[str, object] = {
        "dense only": lambda d, k: sorted(d.items(), key=lambda kv: -kv[1]),
        "bm25 only": lambda d, k: sorted(k.items(), key=lambda kv: -kv[1]),
    }
    for rk in (5, 10, 20, 60):
        for wd in weights:
            out[f"rrf k={rk} wd={wd}"] = lambda d, k, rk=rk, wd=wd: fusion.reciprocal_rank([d, k], k=rk,
                                                                                          weights=[wd, 1.0])
    for wd in weights:
        out[f"weighted wd={wd}"] = lambda d, k, wd=wd: fusion.weighted([d, k], [wd / (1 + wd), 1 / (1 + wd)])
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--index", default="/work/cache/facqa")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--train-limit", type=int, default=1000)
    p.add_argument("--candidates", type=int, default=50)
    p.add_argument("--bm25-grid", action="store_true", help="also try stopword/k1/b variants")
    args = p.parse_args()
    data = Path(args.data)
    qa = NewsQA(args.index)
    passages = passages_as_articles(data / "passages_facqa.jsonl")
    qa.add(passages, show_progress=True)
    sets = {
        "train-id": list(read_jsonl(data / "qa_facqa_train.jsonl", args.train_limit)),
        "valid-id": list(read_jsonl(data / "qa_facqa_valid.jsonl")),
        "train-en": list(read_jsonl(ROOT / "bench" / "data" / "facqa_train_en.jsonl")),
        "valid-en": list(read_jsonl(ROOT / "tests" / "fixtures" / "facqa_valid_en.jsonl")),
    }
    for name, qs in sets.items():
        langs = [detect_language(q["question"]) for q in qs]
        print(f"{name}: {len(qs)} questions, detected en {langs.count('en')}, id {langs.count('id')}")
    cached = {name: Cached(qa, qs, args.candidates) for name, qs in sets.items()}
    chunks = [c for a in passages for c in chunk_article(a, qa.config.chunk_max_chars)]
    ids = [c.id for c in chunks]
    got = qa.store.chroma.get(ids, with_embeddings=True)
    vectors = {cid: np.asarray(row["embedding"], dtype=np.float32) for cid, row in got.items()}

    grid = [(True, 1.2, 0.75)]
    if args.bm25_grid:
        grid += [(False, 1.2, 0.75), (True, 1.5, 0.75), (True, 0.9, 0.4), (True, 1.2, 0.9), (True, 2.0, 0.75)]
    for stop, k1, b in grid:
        tok = Tokenizer(remove_stopwords=stop)
        bm25 = Bm25Index.build(ids, [tok(c.embed_text) for c in chunks], [""] * len(ids), [0] * len(ids), k1=k1, b=b)
        cands = {name: candidates(c, tok, bm25, vectors, args.candidates) for name, c in cached.items()}
        print(f"\n## BM25 stopwords={stop} k1={k1} b={b}   (R@1/R@5/R@20)")
        for group, weights in (("id", (0.6, 0.8, 1.0, 1.25, 1.5)), ("en", (1.0, 1.5, 2.0, 3.0, 5.0))):
            names = [n for n in sets if n.endswith(group)]
            print(f"{'variant (' + group + ')':<22}" + "".join(f"{n:>22}" for n in names))
            for vname, fn in fusion_variants(weights).items():
                print(f"{vname:<22}" + "".join(f"{recall(cands[n], fn):>22}" for n in names), flush=True)


if __name__ == "__main__":
    main()
