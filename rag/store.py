"""Persistent index = Chroma (vectors + chunk metadata) + BM25 generation folder + manifest, swapped atomically.

Crash safety, in one rule: **the manifest is the commit point.** `manifest.json` names the live version of every
article and the live BM25 folder, and is replaced with an atomic rename. New chunks get new ids (the article's
content hash is part of each chunk id), so writing them to Chroma never disturbs what is live; search ignores
Chroma rows whose version is not the manifest's. Old rows are deleted only after the manifest moved on. A kill -9
at any moment therefore leaves either the old or the new state visible, and the next rebuild sweeps orphans and
reuses any vectors the interrupted run had already written.

Where the vectors live: by default an embedded Chroma in `INDEX_DIR/chroma` (collection "chunks"). With
`chroma_url` (RAG_CHROMA_URL) they live on a Chroma server, in a collection of their own named after a random id
written once into `INDEX_DIR/store.json`, so several index folders can share one server and a moved folder keeps
its collection. The manifest, BM25 and the pending marker stay in the folder either way, so the commit protocol
above is the same with a server. `store.json` also records which server holds the vectors: an existing embedded
index opened with a server has its live vectors copied there once, and an index whose vectors are on a server is
refused (with the URL to set) when opened without one.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .bm25 import Bm25Index
from .config import Config
from .fileio import atomic_write_text

MANIFEST = "manifest.json"
PENDING = "pending.json"  # present while a rebuild may have left rows that no manifest refers to
COLLECTION = "chunks"  # the embedded store's collection (one database per index folder)
STORE_FILE = "store.json"  # {"index_id", "chroma_url"}: the index's server collection and which server holds it
SERVER_COLLECTION_PREFIX = "newsqa-"
FORMAT_VERSION = 1
CONNECT_TIMEOUT = 5.0  # seconds to open a connection to a Chroma server (a dead host must not hang for minutes)

log = logging.getLogger(__name__)


class IndexProblem(Exception):
    """Base for index problems a user can act on (the message says how)."""


class EmbedderMismatchError(IndexProblem):
    """The index was built by another embedder: vectors from two models must never be mixed."""


class ChromaServerError(IndexProblem):
    """The configured Chroma server cannot be used: down, unreachable, or not a Chroma server."""


class StoreLocationError(IndexProblem):
    """The index's vectors are not where the configuration looks for them (a server vs the folder, another
    server), or the folder is a copy of an index that owns the same server collection."""


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


def _disable_chroma_telemetry() -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _chroma_settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def unreachable_message(url: str, reason: object) -> str:
    """What a user needs when the server is not there: which URL, why, and the two ways out."""
    port = urlparse(url).port or 8000
    why = str(reason).strip() or type(reason).__name__
    return (f"Chroma server at {url} is not reachable: {why}; start it with `chroma run --path DIR --port {port}` "
            f"or unset RAG_CHROMA_URL (chroma_url) to use the embedded store")


@contextmanager
def server_errors(url: str | None) -> Iterator[None]:
    """Turn a dropped connection to the server into ChromaServerError naming the URL (not an httpx trace from deep
    inside chromadb). A no-op for the embedded store."""
    if not url:
        yield
        return
    import httpx

    try:
        yield
    except httpx.TransportError as exc:
        raise ChromaServerError(unreachable_message(url, exc)) from exc


def _probe(url: str, timeout: float) -> None:
    """GET /api/v2/heartbeat with a timeout (urllib: no TLS context to build for a plain-http server)."""
    import http.client
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=timeout) as answer:
            body = answer.read(4096)
        alive = b"nanosecond heartbeat" in body
        status = 200
    except urllib.error.HTTPError as exc:
        alive, status = False, exc.code
    except (OSError, http.client.HTTPException) as exc:  # refused, timed out, no route, reset, name unknown...
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise ChromaServerError(unreachable_message(url, reason)) from None
    if not alive:
        raise ChromaServerError(
            f"{url} answered GET /api/v2/heartbeat with HTTP {status}, not as a Chroma (>= 1.0) server does: check "
            f"RAG_CHROMA_URL (chroma_url), or start one with `chroma run --path DIR --port {urlparse(url).port}`")


def connect_server(url: str, config: Config) -> Any:
    """A chromadb.HttpClient for `url`, or ChromaServerError with a message that names the URL.

    chromadb 1.5's HttpClient reports a refused connection as a bare "Could not connect to a Chroma server" and
    waits without any timeout on a host that does not answer, so the server's heartbeat is probed first with a
    short timeout, and the client's requests get one too."""
    _disable_chroma_telemetry()
    import chromadb
    import httpx

    timeout = httpx.Timeout(config.chroma_timeout, connect=min(CONNECT_TIMEOUT, config.chroma_timeout))
    _probe(url, min(CONNECT_TIMEOUT, config.chroma_timeout))
    parsed = urlparse(url)
    try:
        client = chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                     ssl=parsed.scheme == "https", settings=_chroma_settings())
    except (ValueError, httpx.HTTPError) as exc:  # gone between the probe and here
        raise ChromaServerError(unreachable_message(url, exc)) from None
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):  # chromadb sets timeout=None: a hung server would block forever
        session.timeout = timeout
    return client


class ChromaChunks:
    """The Chroma collection of chunk vectors, embedded or on a server. Embeddings are always passed in: Chroma's
    default embedding function downloads a model, which fails offline."""

    def __init__(self, client: Any, name: str, config: Config, url: str | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        """`url`: the server's, so that a server that stops answering is reported by URL; None when embedded."""
        self.client = client
        self.name = name
        self.url = url
        with self._reachable():
            self.collection = self.client.get_or_create_collection(
                name,
                embedding_function=None,
                metadata=metadata,
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

    @classmethod
    def embedded(cls, path: Path, config: Config) -> ChromaChunks:
        """The index folder's own database (what every index used before the server mode existed)."""
        _disable_chroma_telemetry()
        import chromadb

        return cls(chromadb.PersistentClient(path=str(path), settings=_chroma_settings()), COLLECTION, config)

    def _reachable(self) -> Any:
        return server_errors(self.url)

    def count(self) -> int:
        with self._reachable():
            return self.collection.count()

    def upsert(self, ids: list[str], embeddings: list[list[float]], documents: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        with self._reachable():
            for i in range(0, len(ids), self.max_batch):
                sl = slice(i, i + self.max_batch)
                self.collection.upsert(ids=ids[sl], embeddings=embeddings[sl], documents=documents[sl],
                                       metadatas=metadatas[sl])

    def delete(self, ids: list[str]) -> None:
        with self._reachable():
            for i in range(0, len(ids), self.max_batch):
                self.collection.delete(ids=ids[i : i + self.max_batch])

    def existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        with self._reachable():
            for i in range(0, len(ids), self.max_batch):
                found.update(self.collection.get(ids=ids[i : i + self.max_batch], include=[])["ids"])
        return found

    def all_ids(self) -> list[str]:
        ids: list[str] = []
        offset, page = 0, 10000
        with self._reachable():
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
        with self._reachable():
            res = self.collection.query(query_embeddings=[embedding], n_results=n + self.TIE_MARGIN, where=where,
                                        include=["distances"])
        # Distances are float32 in both stores, but a server sends them as JSON decimals: back to the exact float32
        # value, so the embedded store and a server give bit-identical scores for the same content.
        distances = np.asarray(res["distances"][0], dtype=np.float32).tolist()
        ranked = sorted(zip(res["ids"][0], distances, strict=True), key=lambda r: (round(r[1], 6), r[0]))
        return {cid: 1.0 - dist for cid, dist in ranked[:n]}

    def get(self, ids: list[str], with_embeddings: bool = False) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        with self._reachable():
            res = self.collection.get(ids=ids, include=include)
        out: dict[str, dict[str, Any]] = {}
        for i, cid in enumerate(res["ids"]):
            row = {"id": cid, "text": res["documents"][i], "meta": res["metadatas"][i]}
            if with_embeddings:
                row["embedding"] = res["embeddings"][i]
            out[cid] = row
        return out

    def close(self) -> None:
        self.client.close()


@dataclass
class StoreRecord:
    """`store.json`: the index's id (names its server collection; never changes once written) and the server
    its vectors were last verified on (None: not on a server)."""

    index_id: str
    chroma_url: str | None = None

    @property
    def collection(self) -> str:
        return f"{SERVER_COLLECTION_PREFIX}{self.index_id}"

    @classmethod
    def read(cls, folder: Path) -> StoreRecord | None:
        path = folder / STORE_FILE
        if not path.exists():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(index_id=str(raw["index_id"]), chroma_url=raw.get("chroma_url"))

    @classmethod
    def create(cls, folder: Path) -> StoreRecord:
        """Write a new random id unless one exists. Two processes opening a new index at once must agree on one
        collection: the file is published with link(), which fails if it exists, so the first one wins."""
        existing = cls.read(folder)
        if existing is not None:
            return existing
        record = cls(index_id=uuid.uuid4().hex)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{STORE_FILE}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(asdict(record)))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, folder / STORE_FILE)
            except FileExistsError:
                return cls.read(folder)  # type: ignore[return-value]
        finally:
            Path(tmp).unlink(missing_ok=True)
        return record

    def write(self, folder: Path) -> None:
        atomic_write_text(folder / STORE_FILE, json.dumps(asdict(self)))


class IndexStore:
    """One index folder: `chroma/` (or `store.json` naming its collection on a Chroma server), `bm25-<generation>/`,
    `manifest.json`. Opening is cheap; parts load lazily (the server is contacted on first use of `chroma`)."""

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
            self._chroma = self._open_server() if self.config.chroma_url else self._open_embedded()
        return self._chroma

    # ---- where the vectors live --------------------------------------------------------------------------------
    def _open_embedded(self) -> ChromaChunks:
        record = StoreRecord.read(self.dir)
        if record is not None and record.chroma_url and self.manifest.articles:
            raise StoreLocationError(
                f"the index in {self.dir} keeps its vectors on the Chroma server at {record.chroma_url} "
                f"(collection {record.collection}), but no server is configured: set "
                f"RAG_CHROMA_URL={record.chroma_url} (or pass chroma_url=), or rebuild it into the folder "
                f"(`python -m rag index CORPUS --index {self.dir} --fresh`)")
        return ChromaChunks.embedded(self.dir / "chroma", self.config)

    def _open_server(self) -> ChromaChunks:
        url = str(self.config.chroma_url)
        client = connect_server(url, self.config)  # fails with the URL before anything is written to the folder
        try:
            record = StoreRecord.create(self.dir)
            chunks = ChromaChunks(client, record.collection, self.config, url=url, metadata=self._owner())
        except BaseException:
            client.close()
            raise
        try:
            self._claim(chunks, record)
            # First use of this server for this index, or a collection that is empty although the manifest names
            # chunks (the server's data was lost): are the vectors there? Otherwise search would silently miss them.
            if record.chroma_url != url or (self.manifest.articles and chunks.count() == 0):
                self._bring_vectors(chunks, url, record)
                record.chroma_url = url
                record.write(self.dir)
        except BaseException:
            chunks.close()
            raise
        return chunks

    def _owner(self) -> dict[str, str]:
        """Recorded on the server collection, to tell a moved index folder (fine) from a copied one (not)."""
        return {"newsqa_index_dir": str(self.dir.resolve()), "newsqa_host": socket.gethostname()}

    def _copied_from(self, owner: dict[str, Any], record: StoreRecord) -> Path | None:
        """The folder this one is a copy of, if the collection's recorded owner is another folder on this machine
        that still holds the same index id (both would write one collection and delete each other's rows)."""
        owner_dir, owner_host = owner.get("newsqa_index_dir"), owner.get("newsqa_host")
        if not owner_dir or owner_host != socket.gethostname():
            return None
        other = Path(str(owner_dir))
        if other == self.dir.resolve():
            return None
        try:
            theirs = StoreRecord.read(other)
        except (OSError, ValueError, KeyError):
            return None
        return other if theirs is not None and theirs.index_id == record.index_id else None

    def _claim(self, chunks: ChromaChunks, record: StoreRecord) -> None:
        """Refuse a copied folder; record this folder as the collection's owner (new collection, or moved)."""
        with chunks._reachable():
            meta = dict(chunks.collection.metadata or {})
        original = self._copied_from(meta, record)
        if original is not None:
            raise StoreLocationError(
                f"the index folder {self.dir} is a copy of {original}: both name the collection "
                f"{record.collection} on the Chroma server at {chunks.url}, and a rebuild of either would delete "
                f"the other's vectors. Give the copy its own collection by rebuilding it "
                f"(`python -m rag index CORPUS --index {self.dir} --fresh`), or use the original.")
        owner = self._owner()
        if any(meta.get(k) != v for k, v in owner.items()):
            with chunks._reachable():
                chunks.collection.modify(metadata={**meta, **owner})

    def _bring_vectors(self, chunks: ChromaChunks, url: str, record: StoreRecord) -> None:
        """Make sure the server holds every live chunk; copy the missing ones from the folder's embedded store
        (an index built before it was pointed at a server), else refuse: searching would silently miss them."""
        live = sorted(self.manifest.live_chunk_ids())
        missing = sorted(set(live) - chunks.existing(live))
        if not missing:
            return
        local = self.dir / "chroma"
        if (local / "chroma.sqlite3").exists():
            log.warning("copying %d vectors of %s from its embedded store to the Chroma server at %s (once)",
                        len(missing), self.dir, url)
            self.begin()  # a concurrent writer may make some of these rows stale: the next rebuild sweeps them
            self._copy_from_embedded(local, chunks, missing)
            missing = sorted(set(missing) - chunks.existing(missing))
        if missing:
            if len(missing) == len(live) and chunks.count() == 0:  # leave no empty collection on the wrong server
                with chunks._reachable():
                    chunks.client.delete_collection(chunks.name)
            where = f"they were last stored on {record.chroma_url}" if record.chroma_url else \
                "and the index folder has no embedded store holding them"
            raise StoreLocationError(
                f"the Chroma server at {url} lacks {len(missing)} of the {len(live)} chunk vectors of the index in "
                f"{self.dir} (collection {record.collection}); {where}. Point RAG_CHROMA_URL at the server that "
                f"holds them, or rebuild (`python -m rag index CORPUS --index {self.dir} --fresh`).")

    def _copy_from_embedded(self, local: Path, chunks: ChromaChunks, ids: list[str], batch: int = 1000) -> None:
        """Rows (vector, text, metadata) by id from the folder's embedded store to the server: nothing re-embedded."""
        _disable_chroma_telemetry()
        import chromadb
        from chromadb.errors import NotFoundError

        client = chromadb.PersistentClient(path=str(local), settings=_chroma_settings())
        try:
            try:
                source = client.get_collection(COLLECTION, embedding_function=None)
            except NotFoundError:  # nothing to copy
                return
            for i in range(0, len(ids), batch):
                rows = source.get(ids=ids[i : i + batch], include=["embeddings", "documents", "metadatas"])
                if rows["ids"]:
                    chunks.upsert(ids=list(rows["ids"]), embeddings=list(rows["embeddings"]),
                                  documents=list(rows["documents"]), metadatas=list(rows["metadatas"]))
        finally:
            client.close()

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
            self._chroma.close()
            self._chroma = None

    def drop(self) -> None:
        """Delete the index: its server collection (when this folder owns one), then everything in the folder but
        the lock file. The server goes first: if it is unreachable, nothing is deleted and the error says so."""
        record = StoreRecord.read(self.dir)
        url = self.config.chroma_url
        self.close()
        if record is not None and url:
            from chromadb.errors import NotFoundError

            client = connect_server(url, self.config)
            try:
                with server_errors(url):
                    try:
                        collection = client.get_collection(record.collection, embedding_function=None)
                    except NotFoundError:
                        collection = None
                    # a copied folder must not delete the collection its original still uses
                    if collection is not None and self._copied_from(dict(collection.metadata or {}), record) is None:
                        client.delete_collection(record.collection)
            finally:
                client.close()
        elif record is not None and record.chroma_url:
            log.warning("the collection %s on the Chroma server at %s was not deleted (no server configured)",
                        record.collection, record.chroma_url)
        for child in self.dir.iterdir():
            if child.name != ".lock":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        self.manifest, self._bm25 = Manifest(), None

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
