"""rag/answerability.py: the hand-made features that tell a minimal edit ("sebelum" for "setelah") from a
converse ("X sebelum Y" asked, "Y ... setelah X" written), and how the exported trees read their inputs. The
trees' use in answering is tested in test_answering.py."""
from __future__ import annotations

import numpy as np
import pytest

from rag.answerability import (
    ARCHIVE_SIZE,
    BACKGROUND_FEATURES,
    FEATURES,
    ROW_FEATURES,
    TreeEnsemble,
    answerability_features,
    count_guard,
    life_event_doubt,
    timed_event_doubt,
    stated_conversely,
    when_guard,
)
from rag.background import BackgroundIdf
from rag.bm25 import Tokenizer
from rag.evidence import split_hits
from rag.ranking import QueryTerms
from rag.records import Hit

PASSAGE = "Soeharto menjadi presiden setelah Soekarno lengser. Ia menjabat selama 32 tahun."


def _hit(text: str) -> Hit:
    return Hit(article_id="a", chunk_id="a#0", title="", date=None, source=None, url=None, text=text, score=1.0,
               start=0, end=len(text))


@pytest.mark.parametrize("question, text, expected", [
    # the converse: "who before Soeharto" is answered by "Soeharto ... setelah Soekarno"
    ("Siapa presiden sebelum Soeharto?", PASSAGE, {"sebelum"}),
    ("Siapa yang memimpin Indonesia sebelum Presiden Soeharto?", PASSAGE, {"sebelum"}),
    ("Who was president before Suharto?", "Suharto took power after Sukarno stepped down.", {"before"}),
    # the minimal edit: the name stays after the opposite word, so the passage does not answer "sebelum Soekarno"
    ("Siapa presiden sebelum Soekarno?", PASSAGE, set()),
    ("Siapa yang memimpin Indonesia sebelum Presiden Soekarno?", PASSAGE, set()),
    # the name and the order word must share a sentence
    ("Siapa presiden sebelum Soeharto?", "Soeharto lahir di Kemusuk. Habibie menjabat setelah Soeharto.", set()),
    # without a name or number after the order word nothing anchors the converse
    ("Apa yang terjadi sebelum pertemuan itu?", "Pertemuan itu digelar setelah sidang kabinet.", set()),
    # no order word in the question
    ("Siapa presiden kedua Indonesia?", PASSAGE, set()),
])
def test_stated_conversely(question, text, expected):
    assert stated_conversely(question, text) == expected


@pytest.mark.parametrize("question, swapped", [
    ("Siapa presiden sebelum Soeharto?", 0.0),  # converse: answerable
    ("Siapa presiden sebelum Soekarno?", 1.0),  # antonym edit: the passage says "setelah Soekarno"
])
def test_antonym_swap_features_fire_on_an_edit_but_not_on_a_converse(question, swapped):
    tokenizer = Tokenizer()
    terms = QueryTerms(language="id", idf={}, neutral=set(), analysis=question)
    hits = [_hit(PASSAGE)]
    x = dict(zip(FEATURES, answerability_features(question, terms, tokenizer, hits, split_hits(hits))))
    assert (x["antonym_swap_best"], x["antonym_swap_top"]) == (swapped, swapped)


def test_trees_read_inputs_as_float32_like_the_sklearn_trees_they_were_exported_from():
    """sklearn casts X to float32 and splits at float64 midpoints between float32 values; a float64 input just
    below such a threshold rounds to the float32 above it, so sklearn sends it right. The export must agree."""
    threshold = (float(np.float32(0.1)) + float(np.float32(0.2))) / 2
    stump = {"left": [1, -1, -1], "right": [2, -1, -1], "feature": [0, -2, -2], "threshold": [threshold, -2, -2],
             "value": [0.0, -5.0, 5.0]}
    trees = TreeEnsemble([stump], 0.0, 1.0, 0.5)
    x = np.zeros((3, len(FEATURES)))
    x[:, 0] = [threshold - 1e-12, 0.1, 0.2]
    assert float(np.float32(x[0, 0])) > threshold  # the case: float64 left of the split, float32 right of it
    assert (trees.probability(x) > 0.5).tolist() == [True, False, True]


def test_background_features_weigh_the_question_words_no_passage_holds_by_their_rarity_in_news():
    """"Apa hadiah ... ?" over a passage without "hadiah": the missing word weighs its news-wide IDF, whatever the
    archive's own IDF says (0 for a word it never holds); a question the passage covers misses nothing."""
    tokenizer = Tokenizer()
    background = BackgroundIdf(1000, {"hadiah": 10, "presiden": 400, "soeharto": 50}, tokenizer.version)
    hits = [_hit(PASSAGE)]

    def features(question: str) -> dict[str, float]:
        terms = QueryTerms(language="id", idf={}, neutral=set(), analysis=question)
        return dict(zip(ROW_FEATURES, answerability_features(question, terms, tokenizer, hits, split_hits(hits),
                                                             background=background)))

    asked = features("Apa hadiah untuk presiden Soeharto?")
    assert asked["missing_background_hits"] == pytest.approx(background.idf("hadiah"))
    assert asked["missing_background_top"] == asked["missing_background_max"] == asked["missing_background_best"]
    assert 0 < asked["background_coverage_top"] < 1
    covered = features("Siapa presiden setelah Soekarno?")
    assert covered["missing_background_hits"] == covered["missing_background_top"] == 0
    assert covered["background_coverage_top"] == 1
    terms = QueryTerms(language="id", idf={}, neutral=set(), analysis="Apa hadiah?")
    without = dict(zip(ROW_FEATURES, answerability_features("Apa hadiah?", terms, tokenizer, hits, split_hits(hits))))
    assert all(without[f] == 0 for f in BACKGROUND_FEATURES if f != "background_coverage_top")


def test_trees_pick_their_own_columns_from_a_full_row():
    """A model fitted on FEATURES, the background columns and the archive size reads them by name from a
    ROW_FEATURES row; the collection trees read the FEATURES part of the same row."""
    col = ROW_FEATURES.index("missing_background_hits")
    stump = {"left": [1, -1, -1], "right": [2, -1, -1], "feature": [col, -2, -2], "threshold": [2.0, -2, -2],
             "value": [0.0, 5.0, -5.0]}
    small = TreeEnsemble([stump], 0.0, 1.0, 0.5, ROW_FEATURES + (ARCHIVE_SIZE,))
    assert small.reads_background and small.reads_archive_size
    x = np.zeros((2, len(ROW_FEATURES)))
    x[1, col] = 4.0  # a rare word no passage holds
    assert (small.probability(x, 4) > 0.5).tolist() == [True, False]
    collection = TreeEnsemble([], 0.0, 1.0, 0.5)
    assert not collection.reads_background and collection.probability(x).shape == (2,)
    with pytest.raises(ValueError, match="columns"):
        small.probability(np.zeros((1, 7)), 4)


def test_count_guard_refuses_a_count_the_quotes_do_not_state():
    """A how-many question over quotes that hold only a date: no count can be given, whatever the trees think."""
    dated = _hit("Pertemuan Kim Jong-un dengan delegasi Rusia dilakukan di Pyongyang, Kamis (18/7/2024). "
                 "Korea Utara terus melakukan uji coba rudal balistik.")
    dated.date = "2024-07-19"
    quotes = split_hits([dated])
    assert count_guard("Berapa jumlah tentara yang dikirim ke Rusia?", quotes) == "the sources found state no number"
    assert count_guard("How many missiles did North Korea test?", quotes) != ""
    # not a count question, or a count the quotes state: no opinion (the trees decide)
    assert count_guard("Di mana Kim Jong-un bertemu delegasi Rusia?", quotes) == ""
    counted = split_hits([_hit("Rusia mengirim 300 tentara ke perbatasan.")])
    assert count_guard("Berapa jumlah tentara yang dikirim ke Rusia?", counted) == ""
    assert count_guard("Berapa jumlah tentara yang dikirim ke Rusia?", []) == ""


def test_when_guard_refuses_a_time_the_quotes_do_not_state():
    """A when-question over quotes that date nothing: no date can be given (bench/count_guard.py --guard when)."""
    undated = split_hits([_hit("Korea Utara terus melakukan uji coba rudal balistik. Kedua negara membantah "
                               "adanya perjanjian persenjataan tersebut.")])
    assert when_guard("Kapan uji coba rudal terakhir Korea Utara?", undated) == "the sources found state no date"
    assert when_guard("When did North Korea last test a missile?", undated) != ""
    assert when_guard("Apa yang diuji Korea Utara?", undated) == ""  # not a when-question: the trees decide
    for dated in ("Korea Utara menguji rudal balistik, Kamis (18/7/2024).", "Uji coba itu dilakukan pada 1998.",
                  "Rudal itu dikembangkan pada zaman Kim Il-sung.", "Ajaran itu muncul pada abad ke-7.",
                  "Musik itu tercipta pada tahun 1970an.", "Filsuf itu hidup pada 384 SM."):
        assert when_guard("Kapan uji coba rudal terakhir Korea Utara?", split_hits([_hit(dated)])) == "", dated
    assert when_guard("Kapan uji coba rudal terakhir Korea Utara?", []) == ""


def test_life_event_doubt_when_no_quote_mentions_the_birth_or_death_asked_about():
    meeting = split_hits([_hit("Pertemuan Kim Jong-un dengan delegasi Rusia yang dipimpin Aleksey Krivoruchko "
                               "dilakukan di Pyongyang, Kamis (18/7/2024).")])
    assert life_event_doubt("Where was Aleksey Krivoruchko born?", meeting) != ""
    assert life_event_doubt("Di mana Krivoruchko meninggal?", meeting) != ""
    assert life_event_doubt("Di mana Kim Jong-un bertemu Krivoruchko?", meeting) == ""  # no life event asked
    assert life_event_doubt("Kapan Krivoruchko lahir?", meeting) == ""  # "when": dates of a life often lack the word
    born = split_hits([_hit("Krivoruchko lahir di Novosibirsk pada 1975.")])
    assert life_event_doubt("Where was Aleksey Krivoruchko born?", born) == ""
    died = split_hits([_hit("Ia wafat di Moskow.")])
    assert life_event_doubt("Where did he die?", died) == ""


def test_timed_event_doubt_when_no_quote_mentions_the_arrival_signing_or_departure_asked_about():
    meeting = split_hits([_hit("Pertemuan Kim Jong-un dengan delegasi Rusia yang dipimpin Aleksey Krivoruchko "
                               "dilakukan di Pyongyang, Kamis (18/7/2024).")])
    assert "arrival" in timed_event_doubt("Kapan Krivoruchko tiba di Pyongyang?", meeting)
    assert "arrival" in timed_event_doubt("On what date did Aleksey Krivoruchko arrive in North Korea?", meeting)
    assert "signing" in timed_event_doubt("When did Kim and Krivoruchko sign the agreement?", meeting)
    assert "departure" in timed_event_doubt("Kapan delegasi Rusia berangkat ke Pyongyang?", meeting)
    assert timed_event_doubt("Kapan Kim Jong-un bertemu Krivoruchko?", meeting) == ""  # no such event asked
    assert timed_event_doubt("Di mana Krivoruchko tiba?", meeting) == ""  # not a when-question
    arrived = split_hits([_hit("Rombongan Presiden tiba di Jakarta pada 19 September.")])
    assert timed_event_doubt("When did the president arrive in Jakarta?", arrived) == ""
    signed = split_hits([_hit("MOU Indonesia-GAM diteken di Helsinki, 15 Agustus.")])
    assert timed_event_doubt("Kapan MOU Indonesia-GAM ditandatangani?", signed) == ""
