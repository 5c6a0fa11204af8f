"""rag/background.py: the news-wide word rarity the small-archive answerability trees read."""
from __future__ import annotations

import pytest

from rag.background import BACKGROUND_DF, BackgroundIdf
from rag.bm25 import Tokenizer


def test_the_shipped_table_was_counted_with_the_tokenizer_in_use():
    table = BackgroundIdf.load(BACKGROUND_DF, tokenizer=Tokenizer().version)
    assert table.documents == 21923 and len(table.df) > 10_000


def test_a_rare_news_word_weighs_more_than_a_common_one_and_an_unseen_one_most():
    table = BackgroundIdf.load()
    tok = Tokenizer()
    rare, common = tok("hadiah")[0], tok("presiden")[0]
    assert table.idf(rare) > table.idf(common) > 0
    assert table.idf("krivoruchkoqq") >= table.idf(rare)  # names and rare words: telling when missing


def test_round_trip_and_tokenizer_mismatch(tmp_path):
    table = BackgroundIdf(10, {"kirim": 3, "tentara": 2}, "tok-v1")
    table.save(tmp_path / "df.json.gz")
    first = (tmp_path / "df.json.gz").read_bytes()
    again = BackgroundIdf.load(tmp_path / "df.json.gz", tokenizer="tok-v1")
    assert again == table
    table.save(tmp_path / "df.json.gz")
    assert (tmp_path / "df.json.gz").read_bytes() == first  # no timestamp in the gzip header: same table, same bytes
    with pytest.raises(ValueError, match="bench/background_df.py"):
        BackgroundIdf.load(tmp_path / "df.json.gz", tokenizer="tok-v2")
