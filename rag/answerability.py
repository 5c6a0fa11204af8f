"""Answerability: do the retrieved passages answer the question, or should we say "the sources don't say"?

Why a calibrated model and not the LLM: the packaged 1.5B model refused only 3 of 20 unanswerable questions and
said "yes" to every self-check (DESIGN.md). The decision is made here, *before* any generation, by gradient-
boosted trees over features of the question and the evidence: which of the question's rare words, names,
numbers and negations the best passages lack (unanswerable questions are often minimal edits of answerable ones:
a swapped name, a different year, an inserted "tidak", an antonym), how well the best sentence scores, and
whether it holds a phrase of the kind asked for. Trained on IDK-MRC train plus FacQA train questions with
their gold passage removed, and English versions of part of both (bench/train_answering.py, bench/data/); the
trees are stored as plain JSON (`rag/answerability.json`)
and evaluated with numpy, so no pickle and no scikit-learn at run time. A second tree set
(`rag/answerability_small.json`) was fitted on the same questions each asked of small archives (one article, and a
passage with its 2, 9, 29 or 99 nearest neighbours; and the hand-written news train questions, each asked of its own
article), with the archive's size as one more input: it judges archives of
at most SMALL_ARCHIVE_CHUNKS chunks, such as the bundled corpus, where retrieval scores and IDF take values the
collection trees never saw.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .background import BackgroundIdf
from .bm25 import Tokenizer, stem
from .dates import MONTH_NAMES_EN, MONTH_NAMES_ID, WEEKDAY_NAMES_EN, WEEKDAY_NAMES_ID
from .evidence import Sentence, with_date_words
from .extraction import asks_count, asks_when, question_focus, states_number, states_time
from .query import (
    analysis_text,
    detect_language,
    untranslated_names,
)
from .ranking import QueryTerms, answer_evidence
from .records import Hit
from .trees import as_arrays, as_lists, from_sklearn, probabilities

DEFAULT_MODEL = Path(__file__).with_name("answerability.json")
# Trees fitted on questions asked of small archives, reading ARCHIVE_SIZE too (see SMALL_ARCHIVE_CHUNKS)
SMALL_ARCHIVE_MODEL = Path(__file__).with_name("answerability_small.json")

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

NEGATIONS = frozenset({"tidak", "tak", "bukan", "belum", "tanpa", "jangan", "enggan", "gagal", "not", "no", "never",
                       "without", "nor", "neither", "non"})

# Pairs of opposite words (Indonesian and English). A question asking about "the last" when the passage says
# "the first" is a classic unanswerable minimal edit. Linguistic knowledge, not tuned to any question set.
_ANTONYM_PAIRS = (
    ("pertama", "terakhir"), ("awal", "akhir"), ("terbesar", "terkecil"), ("besar", "kecil"),
    ("tertinggi", "terendah"), ("tinggi", "rendah"), ("terpanjang", "terpendek"), ("panjang", "pendek"),
    ("terbanyak", "tersedikit"), ("banyak", "sedikit"), ("terluas", "tersempit"), ("luas", "sempit"),
    ("tertua", "termuda"), ("tua", "muda"), ("terberat", "teringan"), ("berat", "ringan"),
    ("tercepat", "terlambat"), ("cepat", "lambat"), ("terdekat", "terjauh"), ("dekat", "jauh"),
    ("utara", "selatan"), ("barat", "timur"), ("atas", "bawah"), ("dalam", "luar"), ("kiri", "kanan"),
    ("sebelum", "sesudah"), ("sebelum", "setelah"), ("masuk", "keluar"), ("naik", "turun"), ("buka", "tutup"),
    ("laki", "perempuan"), ("pria", "wanita"), ("ayah", "ibu"), ("suami", "istri"), ("lahir", "meninggal"),
    ("menang", "kalah"), ("kemenangan", "kekalahan"), ("mulai", "selesai"), ("dimulai", "berakhir"),
    ("baru", "lama"), ("modern", "kuno"), ("positif", "negatif"), ("maksimum", "minimum"),
    ("tertinggi", "terrendah"), ("hidup", "mati"), ("membeli", "menjual"), ("impor", "ekspor"),
    ("first", "last"), ("largest", "smallest"), ("biggest", "smallest"), ("highest", "lowest"),
    ("longest", "shortest"), ("oldest", "youngest"), ("north", "south"), ("east", "west"), ("before", "after"),
    ("won", "lost"), ("win", "lose"), ("born", "died"), ("start", "end"), ("male", "female"), ("buy", "sell"),
)
ANTONYMS: dict[str, frozenset[str]] = {}
for _a, _b in _ANTONYM_PAIRS:
    ANTONYMS[_a] = ANTONYMS.get(_a, frozenset()) | {_b}
    ANTONYMS[_b] = ANTONYMS.get(_b, frozenset()) | {_a}

# Opposite events, compared on the keyword tokenizer's stems ("didirikan" ~ "diri", "dibubarkan" ~ "bubar").
_STEM_ANTONYM_PAIRS = (
    ("diri", "bubar"), ("diri", "tutup"), ("buka", "tutup"), ("bangun", "hancur"), ("bangun", "runtuh"),
    ("lahir", "wafat"), ("lahir", "tinggal"), ("lahir", "mati"), ("mulai", "akhir"), ("mulai", "henti"),
    ("menang", "kalah"), ("naik", "turun"), ("masuk", "keluar"), ("terima", "tolak"), ("tambah", "kurang"),
    ("beli", "jual"), ("impor", "ekspor"), ("angkat", "henti"), ("nikah", "cerai"), ("temu", "pisah"),
    ("tua", "muda"), ("besar", "kecil"), ("tinggi", "rendah"), ("panjang", "pendek"), ("banyak", "sedikit"),
    ("luas", "sempit"), ("dekat", "jauh"), ("awal", "akhir"), ("pertama", "akhir"), ("utara", "selatan"),
    ("barat", "timur"), ("sebelum", "sesudah"), ("sebelum", "telah"), ("hidup", "mati"), ("panas", "dingin"),
)


# Words that order two events. "X sebelum Y" and "Y setelah X" say the same thing (a converse, not an antonym edit):
# "Siapa yang mengunjungi Korea Utara sebelum Krivoruchko?" is answered by "Krivoruchko ... mengunjungi Korea Utara,
# setelah Presiden Rusia Vladimir Putin". An edited question ("sebelum Soekarno" where the passage says "setelah
# Soekarno") keeps its name *after* the opposite word, and stays an antonym swap.
_ORDER_CONVERSES: dict[str, frozenset[str]] = {
    "sebelum": frozenset({"setelah", "sesudah", "seusai", "usai"}), "setelah": frozenset({"sebelum"}),
    "sesudah": frozenset({"sebelum"}), "seusai": frozenset({"sebelum"}),
    "before": frozenset({"after"}), "after": frozenset({"before"}),
}
_CLAUSE_END = re.compile(r"[.!?;\n]+")
_CONVERSE_REACH = 15  # how many words before the passage's order word may hold the question's name


def stated_conversely(question: str, text: str) -> frozenset[str]:
    """The question's order words ("sebelum", "setelah", ...) whose converse `text` states.

    The question asks "... sebelum Y" with Y its names or numbers among the next three words ("Presiden
    Soeharto"); a sentence of the text has one of them within the 15 words before an opposite order word
    ("Soeharto ... setelah X") and none among the three words after it ("presiden setelah Soeharto" is the edit).
    Names only: a common word after the order word anchors nothing."""
    words = _WORD.findall(question)
    found: set[str] = set()
    for i, word in enumerate(words):
        opposites = _ORDER_CONVERSES.get(word.lower())
        anchors = {w.lower() for w in words[i + 1:i + 4] if w[0].isupper() or w[0].isdigit()}
        if not opposites or not anchors:
            continue
        for clause in _CLAUSE_END.split(text.lower()):
            seq = _WORD.findall(clause)
            if any(w in opposites and anchors.intersection(seq[max(0, k - _CONVERSE_REACH):k])
                   and not anchors.intersection(seq[k + 1:k + 4]) for k, w in enumerate(seq)):
                found.add(word.lower())
                break
    return frozenset(found)


def _stem_antonyms() -> dict[str, frozenset[str]]:
    """The antonym pairs as the keyword tokenizer stems them (the features compare tokenizer stems)."""
    out: dict[str, frozenset[str]] = {}
    for a, b in _STEM_ANTONYM_PAIRS + _ANTONYM_PAIRS:
        a, b = stem(a), stem(b)
        if a != b:
            out[a] = out.get(a, frozenset()) | {b}
            out[b] = out.get(b, frozenset()) | {a}
    return out


STEM_ANTONYMS = _stem_antonyms()

ANSWER_TYPES = ("who", "where", "when", "number", "other")

FEATURES = (
    "top_score", "score_gap", "best_sentence", "second_sentence", "sentence_gap",
    "idf_coverage_top", "idf_coverage_best_window", "idf_coverage_top3",
    "missing_max_idf_top", "missing_idf_top", "missing_terms_top", "missing_max_idf_best_window",
    "missing_max_idf_top3",
    "neutral_coverage_top", "neutral_coverage_best", "missing_numbers_top", "missing_names_top",
    "bigram_coverage_top", "bigram_coverage_best_window",
    "question_negated", "negation_mismatch_best", "antonym_swap_best", "antonym_swap_top",
    "type_evidence_best", "type_evidence_top",
    "is_en", "query_terms", "query_mean_idf", "top_len",
    "top_dense", "max_dense", "dense_gap", "top_keyword_rel",
    "stem_antonym_swap_best", "missing_lexicon_best", "missing_lexicon_top", "missing_lexicon_max",
    "short_answer_best", "short_answer_score_best", "short_answer_any_top3",
)
# No answer-type one-hot features: their weights would only learn each training set's share of unanswerable
# "where" or "who" questions, a base rate that does not carry over to a user's archive.

# How rare, in news at large (rag/background.py), the question words are that the evidence lacks: the IDF of the
# user's archive cannot say so when the archive is small (every word of a one-article archive has about the same
# IDF, and a word it never holds has IDF 0). Read by the small-archive trees only (the collection trees were
# fitted without them).
BACKGROUND_FEATURES = (
    "missing_background_top", "missing_background_max", "background_coverage_top", "missing_background_best",
    "missing_background_hits",
)
# What answerability_features computes, in this order; each model reads the columns it was fitted on.
ROW_FEATURES = FEATURES + BACKGROUND_FEATURES

# One more input for the small-archive trees: log(1 + the number of chunks the question could search). A top score,
# a dense gap or an IDF means something else among 4 chunks than among 40; the collection trees do not read it.
ARCHIVE_SIZE = "log_archive_chunks"


# One more input for trees fitted with it (`bench/train_answering.py --cross-encoder`; the shipped ones are not): the
# logit of the fine-tuned cross-encoder (rag/cross_encoder.py) on the question and its two best evidence windows.
CROSS_ENCODER = "cross_encoder"


# Archives of at most this many searchable chunks are judged by the small-archive trees (SMALL_ARCHIVE_MODEL,
# Answerer.gate_for): the sizes they were trained on. Their largest training archives, 100 articles, hold 100-243
# chunks (95% at most ~200); at every trained size they separate better than the collection trees on valid
# (bench/RESULTS.md, "Answerability in archives of 1-100 articles"). Larger archives go to the collection trees.
SMALL_ARCHIVE_CHUNKS = 200

# The operating point (TreeEnsemble.threshold: 0.39 for the collection trees, 0.235 for the small-archive ones) sits
# below even odds so that answerable questions are not refused; an answer between it and CONFIDENT_AT is a coin flip.
# Out of fold on train (`bench/train_answering.py answerability` prints it), the collection trees' answered questions
# in that band are answerable 42% (IDK-MRC), 42% (its English rows) and 52% (FacQA answerable + gold-removed) of the
# time, against 70-88% above P 0.7 (the small-archive trees: 33-39%; session 23 refit). Such answers are shown
# framed as "the sources may not answer this; the closest passage: ...".
CONFIDENT_AT = 0.5


@dataclass
class Decision:
    answerable: bool
    probability: float  # P(the evidence answers the question), calibrated on the training data
    threshold: float
    reason: str = ""  # set when a guard (not the model) refused
    doubt: str = ""  # set when a check (not the model) doubts an answer it lets through (life_event_doubt, or
    #                  Answerer.extractive for extraction.titled_guess)

    @property
    def tentative(self) -> bool:
        """Answered, though the model finds "the evidence does not answer" at least as likely (P < CONFIDENT_AT), or
        a check doubts it: the answer says so instead of stating it."""
        return self.answerable and (self.probability < CONFIDENT_AT or bool(self.doubt))


_CALENDAR_WORDS = frozenset(w.lower() for w in (*MONTH_NAMES_EN, *MONTH_NAMES_ID, *WEEKDAY_NAMES_EN,
                                                *WEEKDAY_NAMES_ID))


def question_names(question: str) -> list[str]:
    """Lower-cased names the question is about: capitalised words that are not its first word, not a glossary
    word (an English "Russian" is matched through the glossary, not literally) and not a month or weekday (dates
    are written "18/7/2024" in the articles)."""
    if detect_language(question) == "id":
        words = _WORD.findall(question)[1:]
    else:
        words = untranslated_names(question)
    names = [w.lower() for w in words if w[0].isupper() and not w.isdigit() and w.lower() not in _CALENDAR_WORDS]
    return list(dict.fromkeys(n for n in names if n not in _QUESTION_WORDS))


_QUESTION_WORDS = frozenset({"siapa", "apa", "apakah", "kapan", "dimana", "di", "mana", "berapa", "bagaimana",
                             "mengapa", "kenapa", "yang", "who", "what", "when", "where", "which", "how", "why"})


def evidence_guard(question: str, terms: QueryTerms, tokenizer: Tokenizer, hits: Sequence[Hit]) -> str:
    """A refusal reason no learned score may overrule, or "" when the evidence passes.

    The trees were trained on retrieval from whole collections, where the top passages nearly always share words
    with the question. A filter or a small archive breaks that: the best remaining passage can share nothing, and
    trees extrapolate arbitrarily there (a flood report "answered" a question about Kim Jong-un). So: refuse when
    none of the question's weighted terms occurs in the top three passages, or when none of the names an Indonesian
    question is about occurs in any retrieved passage. (Requiring *every* name refused 9% of FacQA valid and 40% of its
    English versions: titles, exonyms and spelling variants; a swapped single name is the model's job.)"""
    top3 = set(tokenizer("\n".join(f"{h.title}\n{h.text}" for h in hits[:3])))
    if terms.idf and not any(t in top3 for t in terms.idf):
        return "no word of the question occurs in the best passages"
    if terms.language != "id":  # English names are often written otherwise in Indonesian: USA/AS, Ecuador/Ekuador
        return ""
    names = question_names(question)
    words = set(_WORD.findall("\n".join(f"{h.title}\n{h.text}" for h in hits).lower()))
    if names and not any(n in words for n in names):
        return f"the sources found do not mention {', '.join(names)}"
    return ""


def count_guard(question: str, quotes: Sequence[Sentence]) -> str:
    """A refusal reason for a how-many / how-much question whose quotes state no number, or "".

    Neither the LLM-free answer nor the LLM (shown the same few sentences) can give a count the quotes do not
    state, yet the trees, fitted where evidence nearly always holds some number, could be sure of such evidence:
    in the bundled one-article corpus "Berapa jumlah tentara Korea Utara yang dikirim ke Rusia?" was only doubted
    (P 0.36), its quotes dated but counting nothing. The guard does not ask what a number counts ("kedua negara"
    passes for a count of missiles). Measured on train (`bench/count_guard.py`): over whole collections it fires on
    1 of 1,229 answerable count questions; over the gold article's hits alone (a one-article archive) on 3 of 1,223
    answerable and 21 of 560 unanswerable ones (valid: 0 of 145, 2 of 63)."""
    if quotes and asks_count(question) and not any(states_number(s.text, s.hit.date) for s in quotes):
        return "the sources found state no number"
    return ""


def when_guard(question: str, quotes: Sequence[Sentence]) -> str:
    """A refusal reason for a when-question whose quotes state no time at all (no date, year, month, weekday,
    relative date, era or "ketika ..." occasion: extraction.states_time), or "". As for count_guard: no answer can
    give a date the quotes do not hold. Measured on train (`bench/count_guard.py --guard when`): over collections it
    fires on 8 of 1,086 answerable IDK-MRC when-questions (7 of 1,016 unanswerable) and on none of FacQA's 410 or the
    news questions' 37; over the gold article's hits alone on 21 of 1,074 answerable and 32 of 954 unanswerable
    IDK-MRC ones, 1 of 408 FacQA, 0 of 37 news against 3 of 10 unanswerable (valid: no answerable question in any
    regime, 3 unanswerable ones)."""
    if quotes and asks_when(question) and not any(states_time(s.text, s.hit.date) for s in quotes):
        return "the sources found state no date"
    return ""


# Birth and death, what a "where" question about a person most often asks for ("Where was X born?"): the question
# words that ask for each, and how the evidence says it
_LIFE_EVENTS = (
    (frozenset({"lahir", "kelahiran", "dilahirkan", "born", "birth", "birthplace"}),
     re.compile(r"\b(?:di|ke)?lahir\w*|\bkelahiran\w*|\bborn\b", re.IGNORECASE)),
    (frozenset({"meninggal", "wafat", "tewas", "gugur", "died", "die", "death"}),
     re.compile(r"\b(?:meninggal|wafat|tewas|gugur|mangkat)\w*|\bmati\b|\bdied\b", re.IGNORECASE)),
)


def life_event_doubt(question: str, quotes: Sequence[Sentence]) -> str:
    """A reason to doubt the answer to "where was X born / did X die" when no quote mentions a birth or a death,
    or "". The meeting's place is no birthplace: "Where was Aleksey Krivoruchko born?" -> "Pyongyang" was stated at
    P 0.85. Doubt, not refusal: measured on train over the best 4 quotes (throwaway script, session 27), it fires on
    10 of 99 answerable and 16 of 99 unanswerable IDK-MRC such questions in a collection (the gold article alone:
    12 of 96 and 45 of 86), on none of the 7 answerable FacQA and news ones (on 4 of their 7 gold-removed copies).
    Not for "when": Wikipedia dates a life "(384 SM – 322 SM)" without the word."""
    if not quotes or question_focus(question)[0] != "where":
        return ""
    words = {w.lower() for w in _WORD.findall(question)}
    text = "\n".join(s.text for s in quotes)
    for asked, said in _LIFE_EVENTS:
        if words & asked and not said.search(text):
            return "the sources found do not mention the birth or death asked about"
    return ""


# Events whose date a when-question asks for and news states next to the event's own word ("tiba di Pyongyang,
# Kamis"): the question's words for each, and the evidence's. Not appointments or foundings: Wikipedia dates them
# without the verb ("Serikat Yesus ... (1540)"): on train that doubt fired on 10 right answers
_TIMED_EVENTS = (
    ("arrival", re.compile(r"\b(?:tiba|ketibaan|arrive[sd]?|arriving|arrival)\b", re.IGNORECASE),
     re.compile(r"\b(?:tiba|ketibaan|kedatangan|datang|mendarat|sampai|arriv\w*|land\w*)\b", re.IGNORECASE)),
    ("signing", re.compile(r"\b(?:menandatangani|ditandatangani|penandatanganan|sign|signed|signing)\b", re.IGNORECASE),
     re.compile(r"tanda\s?tangan|meneken|diteken|\bteken\b|\bsign\w*", re.IGNORECASE)),
    ("departure", re.compile(r"\b(?:berangkat|keberangkatan|depart\w*)\b", re.IGNORECASE),
     re.compile(r"\b(?:berangkat|keberangkatan|bertolak|meninggalkan|depart\w*|left|leave)\b", re.IGNORECASE)),
)


def timed_event_doubt(question: str, quotes: Sequence[Sentence]) -> str:
    """A reason to doubt the answer to "when did X arrive / sign / depart" when no quote mentions that event, or
    "". The meeting's date is no arrival date: "Kapan Krivoruchko tiba di Pyongyang?" -> "Kamis (18/7/2024)" was
    stated at P 0.78. Measured on train through the whole pipeline (throwaway script, session 30): of 13 FacQA,
    IDK-MRC and news when-questions asking for one of these events it fires on none of the 10 answerable ones and
    on 3 unanswerable ones (one of them stated before)."""
    if not quotes or not asks_when(question):
        return ""
    text = "\n".join(s.text for s in quotes)
    for event, asked, said in _TIMED_EVENTS:
        if asked.search(question) and not said.search(text):
            return f"the sources found do not mention the {event} asked about"
    return ""


def missing_stems(question_tokens: Sequence[str], passage_tokens: set[str]) -> list[str]:
    """The question's (stemmed) words a passage lacks: for minimal-edit unanswerable questions, the edit."""
    return [t for t in dict.fromkeys(question_tokens) if t not in passage_tokens]


def answerability_features(question: str, terms: QueryTerms, tokenizer: Tokenizer, hits: Sequence[Hit],
                           sentences: Sequence[Sentence], lexicon: Mapping[str, float] | None = None,
                           background: BackgroundIdf | None = None) -> np.ndarray:
    """One row of ROW_FEATURES for a question and its evidence (hits best first, sentences best first).

    `lexicon`: learned weights of question words that are *missing* from the evidence (positive = a missing
    "dibubarkan", "termuda" or "tidak" signals an edited, unanswerable question; stop-like words weigh ~0).
    `background`: news-wide IDF for BACKGROUND_FEATURES (left at 0 without it)."""
    lexicon = lexicon or {}
    x = dict.fromkeys(ROW_FEATURES, 0.0)
    # English questions: names + glossary equivalents, read as Indonesian (the equivalents the evidence uses)
    analysis = terms.analysis or analysis_text(question)[0]
    q_words = [w.lower() for w in _WORD.findall(analysis)]
    q_tokens = tokenizer(analysis)
    q_bigrams = set(zip(q_tokens, q_tokens[1:]))
    idf = terms.idf
    idf_total = sum(idf.values()) or 1.0
    x["is_en"] = 1.0 if terms.language != "id" else 0.0
    x["query_terms"] = float(len(idf))
    x["query_mean_idf"] = idf_total / len(idf) if idf else 0.0
    x["question_negated"] = 1.0 if NEGATIONS & set(q_words) else 0.0
    q_unique = list(dict.fromkeys(q_tokens))
    rarity = {t: background.idf(t) for t in q_unique} if background is not None else dict.fromkeys(q_unique, 0.0)
    rarity_total = sum(rarity.values())
    if not hits:
        return np.asarray([x[f] for f in ROW_FEATURES], dtype=np.float64)

    def coverage(text: str) -> tuple[float, float, float, float, list[str]]:
        toks = tokenizer(text)
        present = set(toks)
        covered = sum(w for t, w in idf.items() if t in present)
        missing = [w for t, w in idf.items() if t not in present]
        bigrams = set(zip(toks, toks[1:]))
        bi = (len(q_bigrams & bigrams) / len(q_bigrams)) if q_bigrams else 1.0
        return covered / idf_total, max(missing, default=0.0), sum(missing), bi, toks

    top = hits[0]
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    if dense and top.dense_score is not None:
        x["top_dense"], x["max_dense"] = top.dense_score, max(dense)
        x["dense_gap"] = top.dense_score - (dense[1] if len(dense) > 1 else dense[0] - 0.1)
    keyword = [h.keyword_score or 0.0 for h in hits]
    x["top_keyword_rel"] = (keyword[0] / max(keyword)) if max(keyword, default=0.0) > 0 else 0.0
    q_stems = q_tokens
    top_text = with_date_words(f"{top.title}\n{top.text}", top.date)
    cov, miss_max, miss_sum, bi, top_tokens = coverage(top_text)
    x["top_score"] = top.score
    x["score_gap"] = top.score - hits[1].score if len(hits) > 1 else 5.0
    x["idf_coverage_top"], x["missing_max_idf_top"], x["missing_idf_top"] = cov, miss_max, miss_sum
    x["missing_terms_top"] = float(sum(t not in set(top_tokens) for t in idf))
    x["bigram_coverage_top"] = bi
    x["top_len"] = math.log1p(len(top.text))
    top3 = "\n".join(with_date_words(f"{h.title}\n{h.text}", h.date) for h in hits[:3])
    cov3, miss3, _, _, _ = coverage(top3)
    x["idf_coverage_top3"], x["missing_max_idf_top3"] = cov3, miss3
    # a converse ("Y ... setelah X" answering "... sebelum Y") counts as the question's order word being there (the
    # stem features never see these words: the keyword tokenizer drops them as stopwords)
    top_converse = stated_conversely(analysis, top_text)
    top_lower = set(_WORD.findall(top_text.lower())) | top_converse
    neutral = terms.neutral
    if neutral:
        top_set = set(top_tokens)
        x["neutral_coverage_top"] = sum(t in top_set for t in neutral) / len(neutral)
    else:
        x["neutral_coverage_top"] = 1.0
    q_numbers = {n.replace(".", "").replace(",", "") for n in _NUMBER.findall(analysis)}
    top_numbers = {n.replace(".", "").replace(",", "") for n in _NUMBER.findall(top_text)}
    x["missing_numbers_top"] = float(len(q_numbers - top_numbers))
    q_names = {w.lower() for i, w in enumerate(_WORD.findall(analysis)) if i > 0 and w[0].isupper()}
    x["missing_names_top"] = float(len(q_names - top_lower))
    x["antonym_swap_top"] = _antonym_swap(q_words, top_lower)
    top_missing = [lexicon.get(t, 0.0) for t in missing_stems(q_stems, set(top_tokens))]
    x["missing_lexicon_top"] = sum(top_missing)
    x["missing_lexicon_max"] = max(top_missing, default=0.0)
    top_set = set(top_tokens)
    top_rare_missing = [rarity[t] for t in q_unique if t not in top_set]
    x["missing_background_top"] = sum(top_rare_missing)
    x["missing_background_max"] = max(top_rare_missing, default=0.0)
    x["background_coverage_top"] = 1.0 - sum(top_rare_missing) / rarity_total if rarity_total else 1.0
    if background is not None:  # every passage tokenised once more: only for trees that read it
        all_tokens = set(tokenizer("\n".join(with_date_words(f"{h.title}\n{h.text}", h.date) for h in hits)))
        x["missing_background_hits"] = sum(rarity[t] for t in q_unique if t not in all_tokens)
    names, numbers, has_date = answer_evidence(terms, top.text)
    x["type_evidence_top"] = _typed(terms.answer_type, names, numbers, has_date)
    if sentences:
        best = sentences[0]
        x["best_sentence"] = best.score
        x["second_sentence"] = sentences[1].score if len(sentences) > 1 else 0.0
        x["sentence_gap"] = x["best_sentence"] - x["second_sentence"]
        best_context = with_date_words(best.context, best.hit.date)
        cov_b, miss_b, _, bi_b, _ = coverage(best_context)
        x["idf_coverage_best_window"], x["missing_max_idf_best_window"] = cov_b, miss_b
        x["bigram_coverage_best_window"] = bi_b
        best_tokens = set(tokenizer(with_date_words(best.text, best.hit.date)))
        x["neutral_coverage_best"] = (sum(t in best_tokens for t in neutral) / len(neutral)) if neutral else 1.0
        best_converse = stated_conversely(analysis, best_context)
        best_words = set(_WORD.findall(best_context.lower())) | best_converse
        x["negation_mismatch_best"] = 1.0 if bool(NEGATIONS & set(q_words)) != bool(NEGATIONS & best_words) else 0.0
        x["antonym_swap_best"] = _antonym_swap(q_words, best_words)
        window_stems = set(tokenizer(best_context))
        x["stem_antonym_swap_best"] = _antonym_swap(q_stems, window_stems, STEM_ANTONYMS)
        x["missing_lexicon_best"] = sum(lexicon.get(t, 0.0) for t in missing_stems(q_stems, window_stems))
        x["missing_background_best"] = sum(rarity[t] for t in q_unique if t not in window_stems)
        names, numbers, has_date = answer_evidence(terms, best.text)
        x["type_evidence_best"] = _typed(terms.answer_type, names, numbers, has_date)
        # is there a phrase of the asked kind that the question does not already contain (rag/extraction.py)?
        from .extraction import extract_short_answer

        # glossary=False: the shipped trees were fitted on the extractor without it (see extract_short_answer)
        short = extract_short_answer(question, best.text, best.context, best.hit.date, glossary=False)
        x["short_answer_best"] = 1.0 if short else 0.0
        x["short_answer_score_best"] = short.score if short else -5.0
        x["short_answer_any_top3"] = float(sum(
            extract_short_answer(question, s.text, s.context, s.hit.date, glossary=False) is not None
            for s in sentences[:3]))
    return np.asarray([x[f] for f in ROW_FEATURES], dtype=np.float64)


def _antonym_swap(question_words: Sequence[str], passage_words: set[str],
                  antonyms: Mapping[str, frozenset[str]] | None = None) -> float:
    """1 when the question has a word the passage lacks while the passage has its opposite."""
    antonyms = ANTONYMS if antonyms is None else antonyms
    for w in question_words:
        opposite = antonyms.get(w)
        if opposite and w not in passage_words and opposite & passage_words:
            return 1.0
    return 0.0


def _typed(answer_type: str, names: float, numbers: float, has_date: float) -> float:
    return {"who": names, "where": names, "when": has_date, "number": numbers, "other": names}[answer_type]


class TreeEnsemble:
    """Binary gradient-boosted trees (scikit-learn's GradientBoostingClassifier, exported to JSON)."""

    def __init__(self, trees: list[dict[str, list]], init: float, learning_rate: float, threshold: float,
                 features: Sequence[str] = FEATURES, info: dict | None = None,
                 lexicon: Mapping[str, float] | None = None) -> None:
        if tuple(features[:len(FEATURES)]) != FEATURES or \
                not set(features) <= {*ROW_FEATURES, ARCHIVE_SIZE, CROSS_ENCODER}:
            raise ValueError("answerability model was trained on other features; "
                             "retrain with bench/train_answering.py")
        self.features = tuple(features)
        self.trees = as_arrays(trees)
        self.init = float(init)
        self.learning_rate = float(learning_rate)
        self.threshold = float(threshold)
        self.info = dict(info or {})
        self.lexicon = dict(lexicon or {})  # missing-word weights, an input to the features

    @property
    def reads_archive_size(self) -> bool:
        return ARCHIVE_SIZE in self.features

    @property
    def reads_cross_encoder(self) -> bool:
        return CROSS_ENCODER in self.features

    @property
    def reads_background(self) -> bool:
        return any(f in self.features for f in BACKGROUND_FEATURES)

    def model_input(self, x: np.ndarray, archive_chunks: int | Sequence[int] | None,
                    pair_logit: float | Sequence[float] | None = None) -> np.ndarray:
        """Rows of ROW_FEATURES (or of FEATURES alone) as this model reads them: its columns, in its order, with
        the ARCHIVE_SIZE and CROSS_ENCODER columns when it reads them (`pair_logit`: the cross-encoder's logit per
        row). Rows already in the model's columns pass unchanged."""
        x = np.atleast_2d(x)
        if x.shape[1] == len(self.features):
            return x
        names = {len(FEATURES): FEATURES, len(ROW_FEATURES): ROW_FEATURES}.get(x.shape[1])
        if names is None:
            raise ValueError(f"answerability rows have {x.shape[1]} columns; expected {len(ROW_FEATURES)}")
        columns = dict(zip(names, x.T))
        if self.reads_archive_size:
            if archive_chunks is None:
                raise ValueError("these answerability trees read the archive's size: pass archive_chunks")
            columns[ARCHIVE_SIZE] = np.log1p(np.broadcast_to(np.asarray(archive_chunks, dtype=np.float64), (len(x),)))
        if self.reads_cross_encoder:
            if pair_logit is None:
                raise ValueError("these answerability trees read the cross-encoder's logit: pass pair_logit")
            columns[CROSS_ENCODER] = np.broadcast_to(np.asarray(pair_logit, dtype=np.float64), (len(x),))
        if lacking := [f for f in self.features if f not in columns]:
            raise ValueError(f"answerability rows lack {', '.join(lacking)}")
        return np.column_stack([columns[f] for f in self.features])

    def probability(self, x: np.ndarray, archive_chunks: int | Sequence[int] | None = None,
                    pair_logit: float | Sequence[float] | None = None) -> np.ndarray:
        return probabilities(self.trees, self.init, self.learning_rate, self.model_input(x, archive_chunks, pair_logit))

    def decide(self, x: np.ndarray, archive_chunks: int | None = None, pair_logit: float | None = None) -> Decision:
        p = float(self.probability(x, archive_chunks, pair_logit)[0])
        return Decision(answerable=p >= self.threshold, probability=p, threshold=self.threshold)

    def save(self, path: Path = DEFAULT_MODEL) -> None:
        path.write_text(json.dumps({"features": list(self.features), "init": self.init,
                                    "learning_rate": self.learning_rate, "threshold": self.threshold,
                                    "info": self.info, "lexicon": self.lexicon,
                                    "trees": as_lists(self.trees)}),
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> TreeEnsemble:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(raw["trees"], raw["init"], raw["learning_rate"], raw["threshold"], raw["features"],
                   raw.get("info"), raw.get("lexicon"))

    @classmethod
    def from_sklearn(cls, model, threshold: float, info: dict | None = None,
                     lexicon: Mapping[str, float] | None = None,
                     features: Sequence[str] = FEATURES) -> TreeEnsemble:
        """Export a fitted binary sklearn GradientBoostingClassifier (log-loss) fitted on columns `features`."""
        trees, init, learning_rate = from_sklearn(model)
        return cls(trees, init, learning_rate, threshold, features, info, lexicon)
