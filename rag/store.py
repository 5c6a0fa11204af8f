"""Persistent index = Chroma (vectors + chunk metadata) + BM25 generation folder + manifest, swapped atomically.

Crash safety, in one rule: **the manifest is the commit point.** `manifest.json` names the live version of every
article and the live BM25 folder, and is replaced with an atomic rename. New chunks get new ids (the article's
content hash is part of each chunk id), so writing them to Chroma never disturbs what is live; search ignores
Chroma rows whose version is not the manifest's. Old rows are deleted only after the manifest moved on. A kill -9
at any moment therefore leaves either the old or the new state visible, and the next rebuild sweeps orphans and
reuses any vectors the interrupted run had already written.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .bm25 import Bm25Index
from .config import Config

MANIFEST = "manifest.json"
PENDING = "pending.json"  # present while a rebuild may have left rows that no manifest refers to
COLLECTION = "chunks"
FORMAT_VERSION = 1


class IndexProblem(Exception):
    """Base for index problems a user can act on (the message says how)."""


class EmbedderMismatchError(IndexProblem):
    """The index was built by another embedder: vectors from two models must never be mixed."""


def split_chunk_id(chunk_id: str) -> tuple[str, str]:
    """'<article id>::<version>::<n>' -> (article id, version); article ids may themselves contain '::'."""
    article_id, version, _ = chunk_id.rsplit("::", 2)
    return article_id, version


@dataclass
class ArticleEntry:
    """What the manifest remembers of a live article (enough to list, filter and delete its chunks)."""

    version: str
    chunks: int
    title: str
    source: str | None = None
    date: str | None = None
    url: str | None = None
    path: str | None = None

    def chunk_ids(self, article_id: str) -> list[str]:
        return [f"{article_id}::{self.version}::{i}" for i in range(self.chunks)]


@dataclass
class Manifest:
    format: int = FORMAT_VERSION
    embedder: str | None = None
    dim: int | None = None
    tokenizer: str | None = None
    generation: int = 0
    updated_at: str | None = None
    articles: dict[str, ArticleEntry] = field(default_factory=dict)

    @property
    def bm25_folder(self) -> str:
        return f"bm25-{self.generation}"

    def live_chunk_ids(self) -> set[str]:
        return {cid for aid, entry in self.articles.items() for cid in entry.chunk_ids(aid)}

    @classmethod
    def read(cls, path: Path) -> Manifest:
        if not path.exists():
            return cls()
        raw = json.loads(path.read_text(encoding="utf-8"))
        articles = {aid: ArticleEntry(**entry) for aid, entry in raw.pop("articles", {}).items()}
        return cls(articles=articles, **raw)

    def write(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(asdict(self), ensure_ascii=False, indent=1))


def atomic_write_text(path: Path, text: str) -> None:
    """Write-then-rename with fsyncs, so a crash leaves either the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _disable_chroma_telemetry() -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class ChromaChunks:
    """The Chroma collection of chunk vectors. Embeddings are always passed in: Chroma's default embedding
    function downloads a model, which fails offline."""

    def __init__(self, path: Path, config: Config) -> None:
        _disable_chroma_telemetry()
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False, allow_reset=False)
        if config.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(config.chroma_url)
            self.client = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                              ssl=url.scheme == "https", settings=settings)
        else:
            self.client = chromadb.PersistentClient(path=str(path), settings=settings)
        self.collection = self.client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,
            configuration={
                "hnsw": {
                    "space": "cosine",
                    "ef_construction": config.hnsw_ef_construction,
                    "ef_search": config.hnsw_ef_search,
                    "max_neighbors": config.hnsw_max_neighbors,
                }
            },
        )
        self.max_batch = min(self.client.get_max_batch_size(), 5000)
        # ef_search is a search-time knob: apply a changed setting to an existing collection too (the other
        # HNSW settings are fixed when the collection is created)
        current = (self.collection.configuration or {}).get("hnsw") or {}
        if current.get("ef_search") not in (None, config.hnsw_ef_search):
            self.collection.modify(configuration={"hnsw": {"ef_search": config.hnsw_ef_search}})

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, ids: list[str], embeddings: list[list[float]], documents: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        for i in range(0, len(ids), self.max_batch):
            sl = slice(i, i + self.max_batch)
            self.collection.upsert(ids=ids[sl], embeddings=embeddings[sl], documents=documents[sl],
                                   metadatas=metadatas[sl])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[i : i + self.max_batch])

    def existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), self.max_batch):
            found.update(self.collection.get(ids=ids[i : i + self.max_batch], include=[])["ids"])
        return found

    def all_ids(self) -> list[str]:
        ids: list[str] = []
        offset, page = 0, 10000
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.extend(got)
            if len(got) < page:
                return ids
            offset += page

    TIE_MARGIN = 10  # extra neighbours fetched so ties at the cut-off are broken by id, not by graph history

    def nearest(self, embedding: list[float], n: int, where: dict[str, Any] | None) -> dict[str, float]:
        """Chunk id -> cosine similarity of the n nearest. Ids and distances only: fetching documents and
        metadata inside the query costs more than the search itself (~7 ms vs ~3 ms at n=30)."""
        if n <= 0:
            return {}
        # Over-fetch, then cut with a deterministic tie-break (similarity, then id): which of several equally
        # similar vectors HNSW returns depends on the index's history (inserts, deletes), and the same index
        # content must give the same candidates however it was built.
        res = self.collection.query(query_embeddings=[embedding], n_results=n + self.TIE_MARGIN, where=where,
                                    include=["distances"])
        ranked = sorted(zip(res["ids"][0], res["distances"][0], strict=True), key=lambda r: (round(r[1], 6), r[0]))
        return {cid: 1.0 - dist for cid, dist in ranked[:n]}

    def get(self, ids: list[str], with_embeddings: bool = False) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        res = self.collection.get(ids=ids, include=include)
        out: dict[str, dict[str, Any]] = {}
        for i, cid in enumerate(res["ids"]):
            row = {"id": cid, "text": res["documents"][i], "meta": res["metadatas"][i]}
            if with_embeddings:
                row["embedding"] = res["embeddings"][i]
            out[cid] = row
        return out


class IndexStore:
    """One index folder: `chroma/`, `bm25-<generation>/`, `manifest.json`. Opening is cheap; parts load lazily."""

    def __init__(self, index_dir: Path, config: Config) -> None:
        self.dir = Path(index_dir)
        self.config = config
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest.read(self.dir / MANIFEST)
        self._chroma: ChromaChunks | None = None
        self._bm25: Bm25Index | None = None

    @property
    def chroma(self) -> ChromaChunks:
        if self._chroma is None:
            self._chroma = ChromaChunks(self.dir / "chroma", self.config)
        return self._chroma

    @property
    def bm25(self) -> Bm25Index:
        if self._bm25 is None:
            folder = self.dir / self.manifest.bm25_folder
            self._bm25 = Bm25Index.load(folder) if (folder / Bm25Index.COLUMNS_FILE).exists() else \
                Bm25Index([], [], [], None)
        return self._bm25

    def close(self) -> None:
        """Release the Chroma client. Chroma caches one client per folder per process, so one that is not closed
        before its folder is deleted (`NewsQA.reset`) keeps serving and writing the deleted database."""
        if self._chroma is not None:
            self._chroma.client.close()
            self._chroma = None

    def refresh(self) -> None:
        """Re-read the manifest if another process or NewsQA instance committed since we read it (call under the
        index lock before writing: a sync planned on a stale manifest would drop the other writer's articles)."""
        current = Manifest.read(self.dir / MANIFEST)
        if current != self.manifest:
            self.manifest, self._bm25 = current, None

    def check_embedder(self, embedder_name: str) -> None:
        built = self.manifest.embedder
        if built and built != embedder_name:
            raise EmbedderMismatchError(
                f"the index in {self.dir} was built with embedder {built!r}, but {embedder_name!r} is configured. "
                f"Vectors from different models cannot be mixed: rebuild from scratch "
                f"(`python -m rag index CORPUS --index {self.dir} --fresh`) or configure RAG_EMBEDDER={built!r}."
            )

    # ---- commit protocol -------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Mark that rows may be written that no manifest refers to yet (swept by `sweep_orphans`)."""
        atomic_write_text(self.dir / PENDING, json.dumps({"started": time.time()}))

    def needs_sweep(self) -> bool:
        return (self.dir / PENDING).exists()

    def sweep_orphans(self, keep: set[str]) -> int:
        """Delete Chroma rows that are neither live nor in `keep` (rows an interrupted run may reuse)."""
        live = self.manifest.live_chunk_ids() | keep
        orphans = [cid for cid in self.chroma.all_ids() if cid not in live]
        self.chroma.delete(orphans)
        return len(orphans)

    def commit(self, manifest: Manifest, bm25: Bm25Index, tokens: list[list[str]]) -> None:
        """Publish a new state: write its BM25 folder, then atomically replace the manifest."""
        manifest.generation = self.manifest.generation + 1
        manifest.updated_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        folder = self.dir / manifest.bm25_folder
        if folder.exists():
            shutil.rmtree(folder)
        bm25.save(folder, tokens)
        manifest.write(self.dir / MANIFEST)
        old = self.manifest
        self.manifest, self._bm25 = manifest, bm25
        stale = old.live_chunk_ids() - manifest.live_chunk_ids()
        if stale:
            self.chroma.delete(sorted(stale))
        self.remove_stale_generations()

    def finish(self) -> None:
        (self.dir / PENDING).unlink(missing_ok=True)

    def remove_stale_generations(self) -> None:
        for child in self.dir.glob("bm25-*"):
            if child.name != self.manifest.bm25_folder:
                shutil.rmtree(child, ignore_errors=True)

    def tokens_by_chunk(self) -> dict[str, list[str]]:
        return Bm25Index.load_tokens(self.dir / self.manifest.bm25_folder)
