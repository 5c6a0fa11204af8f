"""How common a word is in Indonesian news at large, for archives too small to say.

The IDF the answerability features read comes from the user's own archive. In the app's one-article corpus that
IDF cannot tell a telling word from a filler one, and a word the archive never holds weighs 0 ("hadiah" in "What
did Kim give Krivoruchko as a gift?" over an article that mentions no gift). Document frequencies of stems over
the 21,923 CLICK-ID news articles (`bench/background_df.py` writes them; the file ships with the package) give
every question word a weight that does not depend on the archive's size."""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from .bm25 import rsj_idf

BACKGROUND_DF = Path(__file__).with_name("background_df.json.gz")


@dataclass(frozen=True)
class BackgroundIdf:
    """Stem -> document frequency in a news corpus of `documents` articles; stems held by fewer than `min_df`
    articles are not stored and count as held by one (names, rare words: telling when missing)."""

    documents: int
    df: dict[str, int] = field(repr=False)
    tokenizer: str
    min_df: int = 2

    def idf(self, stem: str) -> float:
        return rsj_idf(self.df.get(stem, 1), self.documents)

    def save(self, path: Path = BACKGROUND_DF) -> None:
        raw = {"tokenizer": self.tokenizer, "documents": self.documents, "min_df": self.min_df,
               "df": dict(sorted(self.df.items()))}
        data = json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:  # same table, same bytes
            gz.write(data)

    @classmethod
    def load(cls, path: Path = BACKGROUND_DF, tokenizer: str | None = None) -> BackgroundIdf:
        """The stored table; ValueError when it was counted with another tokenizer than `tokenizer` (a version
        string): its stems would not be the features' stems."""
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            raw = json.load(fh)
        if tokenizer is not None and raw["tokenizer"] != tokenizer:
            raise ValueError(f"{path} was counted with tokenizer {raw['tokenizer']!r}, not {tokenizer!r}: "
                             "rebuild it with bench/background_df.py")
        return cls(int(raw["documents"]), {k: int(v) for k, v in raw["df"].items()}, raw["tokenizer"],
                   int(raw.get("min_df", 2)))
