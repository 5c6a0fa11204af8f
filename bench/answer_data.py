"""Retrieved hits for the shared QA sets, cached on disk, for training and evaluating the answering stage.

Retrieval is the slow part (an embedding and two Chroma calls per question); the answering stage's models are
trained and tuned many times over the same hits, so each (index, question set) is retrieved once and pickled.
Each question keeps its top `depth` hits, so "the gold passage removed from the index" can be simulated by
dropping the gold article's hits and keeping the next ones (news-domain negatives for answerability).
"""
from __future__ import annotations

import hashlib
import pickle
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import NewsQA  # noqa: E402
from rag.bm25 import Bm25Index, Tokenizer, rsj_idf  # noqa: E402
from rag.chunking import chunk_article  # noqa: E402
from rag.embeddings import embedder_id  # noqa: E402
from rag.evaluation import passages_as_articles, read_jsonl  # noqa: E402
from rag.query import detect_language  # noqa: E402
from rag.records import Article, Hit  # noqa: E402

CACHE = Path("/work/cache/answer_hits")
DEPTH = 30
HITS_VERSION = 2  # bump when Hit gains fields (v2: dense_score, keyword_score)
# IDK-MRC train has 9,332 questions (~6 min to retrieve on a quiet machine, ~40 on a busy one); a fixed random
# sample can stand in when time is short. All of them are used by default.
IDKMRC_TRAIN_SAMPLE = 10_000


def _sample(rows: list[dict[str, Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    import random

    if len(rows) <= n:
        return rows
    return [rows[i] for i in sorted(random.Random(seed).sample(range(len(rows)), n))]


def question_sets(data: Path) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """name -> (which passages file, questions)."""
    return {
        "facqa_train": ("passages_facqa.jsonl", list(read_jsonl(data / "qa_facqa_train.jsonl"))),
        "facqa_valid": ("passages_facqa.jsonl", list(read_jsonl(data / "qa_facqa_valid.jsonl"))),
        "facqa_train_en": ("passages_facqa.jsonl", list(read_jsonl(ROOT / "bench" / "data" / "facqa_train_en.jsonl"))),
        "facqa_valid_en": ("passages_facqa.jsonl",
                           list(read_jsonl(ROOT / "tests" / "fixtures" / "facqa_valid_en.jsonl"))),
        "idkmrc_train": ("passages_idkmrc.jsonl", _sample(list(read_jsonl(data / "qa_idkmrc_train.jsonl.gz")),
                                                          IDKMRC_TRAIN_SAMPLE)),
        "idkmrc_valid": ("passages_idkmrc.jsonl", list(read_jsonl(data / "qa_idkmrc_valid.jsonl"))),
        # English versions (bench/data/README.md): train rows for training, valid rows for reporting only
        "idkmrc_train_en": ("passages_idkmrc.jsonl", list(read_jsonl(ROOT / "bench" / "data" / "idkmrc_train_en.jsonl"))),
        "idkmrc_valid_en": ("passages_idkmrc.jsonl", list(read_jsonl(ROOT / "bench" / "data" / "idkmrc_valid_en.jsonl"))),
    }


NEWSQA_ARTICLES = ROOT / "bench" / "data" / "newsqa_articles.txt"


def news_question_sets() -> dict[str, list[dict[str, Any]]]:
    """The hand-written questions over CLICK-ID articles (bench/data/README.md): name -> questions, each also
    with `is_impossible` (not `answerable`) as the shared QA sets write it."""
    return {f"newsqa_{split}": [{**q, "is_impossible": not q["answerable"]}
                                for q in read_jsonl(ROOT / "bench" / "data" / f"newsqa_{split}.jsonl")]
            for split in ("train", "valid")}


def open_news_index(index: str, data: Path) -> NewsQA:
    """The 120 questioned CLICK-ID articles among 400 others (ids in bench/data/newsqa_articles.txt)."""
    from rag.evaluation import news_as_articles

    qa = NewsQA(index)
    wanted = NEWSQA_ARTICLES.read_text().split()
    if set(wanted) - set(qa.store.manifest.articles):
        keep = set(wanted)
        rows = {a.id: a for a in news_as_articles(data / "corpus_clickid.jsonl.gz") if a.id in keep}
        qa.add([rows[i] for i in wanted], show_progress=True)
    return qa


def cached_hits(qa: NewsQA, name: str, questions: Sequence[dict[str, Any]], depth: int = DEPTH,
                cache: Path = CACHE) -> list[list[Hit]]:
    """Top-`depth` hybrid hits per question, from the cache when the index and questions are unchanged."""
    key = hashlib.sha1(repr((HITS_VERSION, qa.store.manifest.updated_at, depth, [q["question"] for q in questions],
                             retrieval_config(qa),
                             retrieval_fingerprint(any(detect_language(q["question"]) != "id" for q in questions)))
                       ).encode()).hexdigest()[:12]
    path = cache / f"{name}-{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    t = time.time()
    out = []
    for n, q in enumerate(questions):
        out.append(qa.search(q["question"], k=depth))
        if n % 500 == 499:
            print(f"  {name}: {n + 1}/{len(questions)} in {time.time() - t:.0f}s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def retrieval_config(qa: NewsQA) -> str:
    """The settings that decide the hits (fusion, candidates, ef_search, ...): the config without the index folder
    and the LLM settings, so a new generation option does not throw away every cached retrieval."""
    from dataclasses import asdict

    fields = asdict(qa.config.with_(index_dir=Path()))
    return repr({k: v for k, v in fields.items() if not k.startswith("llm")})


def retrieval_fingerprint(english: bool) -> str:
    """Hash of what decides the hits besides the index and the config: the ranker's weights, the retrieval code,
    the keyword tokenizer's version and, for sets with English questions, the glossary (their keyword queries). A
    retrained ranker must not be evaluated on hits cached with the old one, nor a small archive's hits (built
    afresh, so no index manifest guards them) reused after the stemmer changed."""
    names = ["ranker.json", "query.py", "ranking.py", "retrieval.py"] + (["glossary.json"] if english else [])
    parts = [ROOT / "rag" / name for name in names]
    tokens = Tokenizer().version.encode()
    return hashlib.sha1(b"".join(p.read_bytes() for p in parts) + tokens).hexdigest()[:12]


def without_article(hits: Sequence[Hit], article_id: str, k: int) -> list[Hit]:
    """The top k hits once an article is gone from the index (its chunks dropped, the rest move up)."""
    return [h for h in hits if h.article_id != article_id][:k]


@dataclass(frozen=True)
class IdfTable:
    """A frozen copy of a small index's document frequencies: `idf` answers as `Bm25Index.idf` did for that
    index, so features can be recomputed from cached hits after the index itself is gone."""

    num_docs: int
    df: dict[str, int]

    @classmethod
    def of(cls, bm25: Bm25Index) -> IdfTable:
        return cls(*bm25.document_frequencies())

    def idf(self, query_tokens: Sequence[str]) -> dict[str, float]:
        return {t: rsj_idf(self.df.get(t, 0), self.num_docs) for t in query_tokens}


def memoised(embedder):
    """`embedder`, remembering each text's vector: the small archives of bench/archive_size.py share most of their
    passages (a passage is a neighbour in many archives), so each is embedded once instead of once per archive."""
    if getattr(embedder, "_memo", None) is not None:
        return embedder
    memo: dict[str, list[float]] = {}
    embed = embedder._get_text_embeddings

    def cached(texts: list[str]) -> list[list[float]]:
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        if todo:
            memo.update(zip(todo, embed(todo)))
        return [memo[t] for t in texts]

    object.__setattr__(embedder, "_get_text_embeddings", cached)
    object.__setattr__(embedder, "_memo", memo)
    return embedder


def remember_stored_vectors(embedder, indexes: Sequence[NewsQA], articles: Sequence[Article],
                            batch: int = 2000) -> int:
    """Give a `memoised` embedder the vectors the full indexes already hold for these articles' chunks, so the
    small archives built from them embed nothing: the same chunking and the same embedder give the same embed
    texts (chunk ids name the article's content version). Returns how many vectors were remembered."""
    memo = memoised(embedder)._memo
    found = 0
    for qa in indexes:
        if embedder_id(qa.embedder) != embedder_id(embedder):
            continue
        config = qa.config
        texts = {c.id: c.embed_text for a in articles
                 for c in chunk_article(a, config.chunk_max_chars, config.chunk_overlap_sentences)}
        ids = [cid for cid in texts if texts[cid] not in memo]
        for i in range(0, len(ids), batch):
            for cid, row in qa.store.chroma.get(ids[i:i + batch], with_embeddings=True).items():
                memo[texts[cid]] = [float(v) for v in row["embedding"]]
                found += 1
    return found


def small_archive_hits(name: str, questions: Sequence[dict[str, Any]], archive_ids: Sequence[str | tuple[str, ...]],
                       articles: Mapping[str, Article], embedder=None,
                       cache: Path = CACHE) -> list[tuple[list[Hit], IdfTable]]:
    """Per question: its top hits and the IDF table of an archive that holds only `archive_ids[i]` (one article
    id, or a tuple of them).

    The answerability trees are trained on retrieval from collections of thousands of passages; in an archive of
    one article (the app's bundled corpus) their retrieval-score and IDF features take values they never saw.
    These rows let a second tree set learn that regime: each archive is a real index (Chroma + BM25) in a
    temporary folder, built once for all questions asked of it."""
    import shutil
    import tempfile

    # "single": the tag the first (one-article) archives were cached under; kept so those caches stay valid
    key = hashlib.sha1(repr((HITS_VERSION, "single", [q["question"] for q in questions], list(archive_ids),
                             retrieval_fingerprint(True))).encode()).hexdigest()[:12]
    path = cache / f"{name}-single-{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    by_archive: dict[str | tuple[str, ...], list[int]] = {}
    for i, a in enumerate(archive_ids):
        by_archive.setdefault(a, []).append(i)
    out: list[tuple[list[Hit], IdfTable] | None] = [None] * len(questions)
    t = time.time()
    for n, (article_id, rows) in enumerate(by_archive.items()):
        folder = Path(tempfile.mkdtemp(prefix="single-archive-"))
        try:
            qa = NewsQA(folder, embedder=embedder, llm="none")
            qa.add([articles[a] for a in ((article_id,) if isinstance(article_id, str) else article_id)],
                   show_progress=False)
            embedder = qa.embedder
            table = IdfTable.of(qa.store.bm25)
            for i in rows:
                out[i] = (qa.search(questions[i]["question"], k=DEPTH), table)
            qa.store.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if n % 250 == 249:
            print(f"  {name}: {n + 1}/{len(by_archive)} archives in {time.time() - t:.0f}s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out  # type: ignore[return-value]


def open_index(index: str, data: Path, passages_file: str) -> NewsQA:
    qa = NewsQA(index)
    qa.add(passages_as_articles(data / passages_file), show_progress=True)  # no-op when already indexed
    return qa


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="retrieve and cache hits for the QA sets")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--only", nargs="*")
    args = p.parse_args()
    data = Path(args.data)
    indexes = {"passages_facqa.jsonl": args.facqa_index, "passages_idkmrc.jsonl": args.idkmrc_index}
    opened: dict[str, NewsQA] = {}
    for name, (passages, qs) in question_sets(data).items():
        if args.only and name not in args.only:
            continue
        if passages not in opened:
            opened[passages] = open_index(indexes[passages], data, passages)
        hits = cached_hits(opened[passages], name, qs)
        print(name, len(hits))
