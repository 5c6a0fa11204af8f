"""Keyword index: bm25s over Indonesian-stemmed tokens, persisted and loaded once (never rebuilt per query).

Tokens of every chunk are kept next to the index, so an incremental rebuild only tokenises the chunks that
changed; rebuilding the sparse matrix from cached tokens takes well under a second per 10k chunks.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import bm25s
import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=4)
def stopwords(language: str | None = None) -> frozenset[str]:
    """Function words (NLTK's lists, shipped inside llama-index; no download); None = Indonesian + English."""
    base = resources.files("llama_index.core") / "_static" / "nltk_cache" / "corpora" / "stopwords"
    words: set[str] = set()
    for lang in ((language,) if language else ("indonesian", "english")):
        words.update(w.strip() for w in (base / lang).read_text(encoding="utf-8").splitlines() if w.strip())
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def _sastrawi():  # -> Sastrawi's Stemmer (its dictionary of ~30k root words loads in ~50 ms)
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # the factory wraps the stemmer in a cache that keeps every word it is ever given (a long-running app would
    # grow without bound); `stem` below has its own bounded cache, so use the stemmer inside
    return StemmerFactory().create_stemmer().delegatedStemmer


@functools.lru_cache(maxsize=1 << 19)
def stem(word: str) -> str:
    """Indonesian root of one lower-case word, by Sastrawi's dictionary-based stemmer: a candidate root counts
    only if the dictionary has it, so "bertemu", "pertemuan" and "menemui" all give "temu" and names stay whole.
    (Snowball's rules gave "berte", "temu" and "emu": a question's "bertemu" missed the story's "pertemuan".)
    Uncached ~0.3 ms a word, so it is cached: a corpus repeats its words."""
    return _sastrawi().stem(word) or word


class Tokenizer:
    """Lowercase word tokens, stopwords removed, Indonesian stems (`stem`; English words pass through whole)."""

    def __init__(self, remove_stopwords: bool = True) -> None:
        self._stop = stopwords() if remove_stopwords else frozenset()
        # stored in the manifest: cached chunk tokens are only reused by the same tokenizer
        self.version = f"sastrawi-1.2.0:stopwords={int(remove_stopwords)}:v3"  # v3: Sastrawi, was Snowball

    def __call__(self, text: str) -> list[str]:
        return [stem(w) for w in _WORD.findall(text.lower()) if w not in self._stop]


def rsj_idf(df: int, num_docs: int) -> float:
    """Robertson-Sparck Jones IDF of a token held by `df` of `num_docs` chunks; 0 for a token no chunk holds (it
    cannot match, so it weighs nothing)."""
    return float(np.log(1 + (num_docs - df + 0.5) / (df + 0.5))) if df else 0.0


class Bm25Index:
    """A bm25s index over chunk ids, with per-chunk filter columns (source, date as yyyymmdd int)."""

    TOKENS_FILE = "tokens.jsonl"
    COLUMNS_FILE = "columns.json"

    def __init__(self, chunk_ids: list[str], sources: list[str], dates: list[int], bm25: bm25s.BM25 | None,
                 lengths: list[int] | None = None) -> None:
        self.chunk_ids = chunk_ids
        self.lengths = np.array(lengths if lengths is not None else [0] * len(chunk_ids), dtype=np.int64)
        self.sources = np.array(sources, dtype=object)
        self.dates = np.array(dates, dtype=np.int64)
        self.position = {cid: i for i, cid in enumerate(chunk_ids)}
        self._bm25 = bm25

    @classmethod
    def build(cls, chunk_ids: list[str], tokens: list[list[str]], sources: list[str], dates: list[int],
              k1: float = 1.2, b: float = 0.75) -> Bm25Index:
        bm25 = None
        if chunk_ids:
            bm25 = bm25s.BM25(k1=k1, b=b)
            bm25.index(tokens, show_progress=False)
        return cls(chunk_ids, sources, dates, bm25, [len(t) for t in tokens])

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no query token is in the vocabulary)."""
        ids = self._bm25.get_tokens_ids(list(query_tokens)) if self._bm25 is not None else []
        if not ids:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)

    def postings(self, token: str) -> np.ndarray:
        """Positions of the chunks that contain `token` (from the index's sparse matrix; no re-tokenising)."""
        tid = self._bm25.vocab_dict.get(token) if self._bm25 is not None else None
        if tid is None or tid + 1 >= len(self._bm25.scores["indptr"]):
            return np.zeros(0, dtype=np.int64)
        indptr = self._bm25.scores["indptr"]
        return np.asarray(self._bm25.scores["indices"][indptr[tid] : indptr[tid + 1]])

    def contains(self, token: str, positions: np.ndarray) -> np.ndarray:
        """Which of the chunks at `positions` contain `token`: a binary search in its postings (ascending: bm25s
        builds its matrix in chunk order), so a frequent token's long postings cost log(n), not a sort."""
        postings = self.postings(token)
        if postings.size == 0:
            return np.zeros(len(positions), dtype=bool)
        at = np.minimum(np.searchsorted(postings, positions), postings.size - 1)
        return postings[at] == positions

    def idf(self, query_tokens: Sequence[str]) -> dict[str, float]:
        """Robertson-Sparck Jones IDF of each token (0 for tokens not in the index), from the index's postings."""
        if self._bm25 is None:
            return {t: 0.0 for t in query_tokens}
        indptr = self._bm25.scores["indptr"]
        n = self._bm25.scores["num_docs"]
        out = {}
        for t in query_tokens:
            tid = self._bm25.vocab_dict.get(t)
            out[t] = rsj_idf(int(indptr[tid + 1] - indptr[tid]) if tid is not None and tid + 1 < len(indptr) else 0, n)
        return out

    def document_frequencies(self) -> tuple[int, dict[str, int]]:
        """(number of chunks, token -> number of chunks holding it): what `idf` reads, as plain data."""
        if self._bm25 is None:
            return 0, {}
        indptr = self._bm25.scores["indptr"]
        return int(self._bm25.scores["num_docs"]), {t: int(indptr[i + 1] - indptr[i])
                                                    for t, i in self._bm25.vocab_dict.items() if i + 1 < len(indptr)}

    def mask(self, sources: Iterable[str] | None = None, date_from: int | None = None,
             date_to: int | None = None) -> np.ndarray | None:
        """Boolean mask of chunks passing the filters, or None when there is no filter."""
        if not sources and date_from is None and date_to is None:
            return None
        keep = np.ones(len(self.chunk_ids), dtype=bool)
        if sources:
            keep &= np.isin(self.sources, list(sources))
        if date_from is not None:
            keep &= self.dates >= date_from
        if date_to is not None:
            keep &= (self.dates <= date_to) & (self.dates > 0)
        return keep

    def save(self, folder: Path, tokens: list[list[str]]) -> None:
        """Write the bm25s matrices (fast load), the filter columns, and the tokens (for incremental rebuilds)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(folder / "bm25s"))
        with open(folder / self.TOKENS_FILE, "w", encoding="utf-8") as f:
            for cid, toks in zip(self.chunk_ids, tokens):
                f.write(json.dumps([cid, toks], ensure_ascii=False) + "\n")
        columns = {"chunk_ids": self.chunk_ids, "sources": self.sources.tolist(), "dates": self.dates.tolist(),
                   "lengths": self.lengths.tolist()}
        (folder / self.COLUMNS_FILE).write_text(json.dumps(columns, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Bm25Index:
        columns = json.loads((folder / cls.COLUMNS_FILE).read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(folder / "bm25s")) if columns["chunk_ids"] else None
        return cls(columns["chunk_ids"], columns["sources"], columns["dates"], bm25, columns.get("lengths"))

    @classmethod
    def load_tokens(cls, folder: Path) -> dict[str, list[str]]:
        """chunk id -> tokens, as saved; used to rebuild without re-tokenising unchanged chunks."""
        tokens: dict[str, list[str]] = {}
        path = folder / cls.TOKENS_FILE
        if path.exists():
            with open(path, encoding="utf-8") as f:
                for line in f:
                    cid, toks = json.loads(line)
                    tokens[cid] = toks
        return tokens
