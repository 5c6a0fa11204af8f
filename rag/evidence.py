"""Evidence: which sentences of the retrieved passages answer the question.

Why sentences: a reader checks a claim against one or two sentences, not a 700-character chunk, and a small LLM
given four numbered sentences phrases far better than one given four passages. Sentences are scored by a small
linear model (weights in `rag/evidence_model.json`, trained on FacQA *train* by bench/train_answering.py) over
features that say "this sentence holds the question's rare words, and a phrase of the kind asked for
(a name for who, a date for when, a number for how many) that the question does not already contain".
Every sentence keeps its character offsets into the article text, so a quote can be highlighted exactly.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import Tokenizer
from .chunking import sentence_spans
from .dates import find_dates, find_relative_dates, iso_day, period_words
from .bm25 import Bm25Index
from .extraction import VERB_FORM, extract_short_answer
from .query import Choose, analysis_text, answer_type, detect_language, head_terms
from .ranking import LinearRanker, QueryTerms, answer_evidence
from .records import Hit

DEFAULT_MODEL = Path(__file__).with_name("evidence_model.json")

SENTENCE_FEATURES = (
    "passage_score_gap", "inv_passage_rank", "inv_sentence_pos", "log_len",
    "idf_coverage", "window_idf_coverage", "neutral_coverage", "missing_idf",
    "is_en", "is_en_x_neutral",
    "who_x_new_names", "where_x_new_names", "when_x_date", "number_x_new_numbers", "other_x_new_names",
    "type_evidence_any", "head_coverage", "has_short_answer", "short_answer_score",
    # how news writes (session 18, fitted with the hand-written CLICK-ID questions, bench/data/newsqa_*.jsonl)
    "verb_coverage", "has_verb", "anaphor_idf_coverage", "article_rare_coverage", "article_only_coverage",
    "pool_rare_coverage",
)
DISCOURSE_FEATURES = SENTENCE_FEATURES[-6:]

_WORD = re.compile(r"\w+(?:-\w+)*")
# a sentence that refers back: "Pertemuan tersebut ...", "Pada kesempatan itu ...", "Ia mengatakan ..."
_ANAPHOR = re.compile(r"^\W*(?:(?:pada|dalam|di|dari|untuk)\s+)?(?:\w+\s+){0,2}(?:tersebut|itu|ini)\b"
                      r"|^\W*(?:ia|dia|mereka|beliau)\b", re.IGNORECASE)


def question_terms(question: str, tokenizer: Tokenizer, bm25: Bm25Index, hits: Sequence[Hit] = ()) -> QueryTerms:
    """What the evidence and answerability stages look for: the question's terms with IDF (English questions
    through their glossary equivalents, see query.analysis_text), its answer type and its language.

    With `hits`, an English word's equivalent is the one the passages use, if any: "discuss" is "mendiskusikan"
    in one article and "membahas" in another, and reading the wrong one would count the question's verb as
    missing from the very sentence that answers it."""
    language = detect_language(question)
    choose = used_equivalent(hits, tokenizer) if hits and language != "id" else None
    text, _ = analysis_text(question, language, choose)
    terms = QueryTerms.build(text, "id", tokenizer, bm25)
    terms.answer_type = answer_type(question)
    terms.language = language
    terms.words = terms.words | {w.lower() for w in question.split()}
    terms.head = frozenset(tokenizer(head_terms(question, language, choose)))
    terms.analysis = text
    return terms


def used_equivalent(hits: Sequence[Hit], tokenizer: Tokenizer) -> Choose:
    """A chooser for query.translated_terms: the first (most common) equivalent whose words all occur in the
    hits, else the most common one."""
    present = set(tokenizer("\n".join(f"{h.title}\n{h.text}" for h in hits)))

    def choose(alternatives: Sequence[str]) -> str:
        for alt in alternatives:
            tokens = tokenizer(alt)
            if tokens and all(t in present for t in tokens):
                return alt
        return alternatives[0]

    return choose


def with_date_words(text: str, article_date: str | None = None) -> str:
    """`text` followed by its dates written out in both languages, as the keyword index holds them
    (chunking.build_embed_text): the question's "18 July" then matches a sentence that says "Kamis (18/7/2024)".
    `article_date` (ISO) gives yearless dates such as "Jumat (19/7)" their year, and relative ones ("kemarin",
    "bulan lalu") their day or month."""
    reference = iso_day(article_date)
    explicit = find_dates(text, reference)
    found = [d.iso for d in explicit] + [r.value for r in find_relative_dates(text, reference, explicit)]
    return f"{text}\n{' '.join(period_words(d) for d in found)}" if found else text


@dataclass
class Sentence:
    """One sentence of a retrieved passage. `start`/`end` are offsets into the *article* text; `context_*` widen
    it by one neighbouring sentence of the same passage (what a quote shows)."""

    hit: Hit
    hit_rank: int  # 0 = best passage
    position: int  # index of the sentence within its passage
    text: str
    start: int
    end: int
    context: str
    context_start: int
    context_end: int
    score: float = 0.0


def split_hits(hits: Sequence[Hit]) -> list[Sentence]:
    """Every sentence of every hit, with its previous/next sentence as context."""
    out: list[Sentence] = []
    for rank, hit in enumerate(hits):
        spans = sentence_spans(hit.text) or ([(0, len(hit.text))] if hit.text.strip() else [])
        for i, (s, e) in enumerate(spans):
            cs = spans[i - 1][0] if i > 0 else s
            ce = spans[i + 1][1] if i + 1 < len(spans) else e
            out.append(Sentence(hit=hit, hit_rank=rank, position=i, text=hit.text[s:e], start=hit.start + s,
                                end=hit.start + e, context=hit.text[cs:ce], context_start=hit.start + cs,
                                context_end=hit.start + ce))
    return out


def sentence_features(terms: QueryTerms, tokenizer: Tokenizer, sentences: Sequence[Sentence],
                      question: str = "") -> np.ndarray:
    """Feature matrix (len(sentences) x len(SENTENCE_FEATURES)).

    With the `question`, each sentence is also read by the short-answer extractor (rag/extraction.py, ~1 ms a
    sentence): a sentence that restates the question but holds no phrase of the asked kind scores low, which the
    word-overlap features alone cannot see."""
    if not sentences:
        return np.zeros((0, len(SENTENCE_FEATURES)))
    top_score = max(s.hit.score for s in sentences)
    idf_total = sum(terms.idf.values()) or 1.0
    token_sets = [set(tokenizer(with_date_words(s.text, s.hit.date))) for s in sentences]
    window_sets = [set(tokenizer(with_date_words(s.context, s.hit.date))) for s in sentences]
    is_en = 1.0 if terms.language != "id" else 0.0
    t = terms.answer_type
    rows = []
    for s, tokens, window in zip(sentences, token_sets, window_sets):
        covered = sum(w for tok, w in terms.idf.items() if tok in tokens)
        covered_window = sum(w for tok, w in terms.idf.items() if tok in window)
        neutral = (sum(tok in tokens for tok in terms.neutral) / len(terms.neutral)) if terms.neutral else 1.0
        names, numbers, has_date = answer_evidence(terms, s.text)
        if not has_date and s.hit.date and t == "when":  # "bulan lalu" in a dated story is a date (June 2024)
            has_date = 1.0 if find_relative_dates(s.text, iso_day(s.hit.date)) else 0.0
        typed = {"who": names, "where": names, "when": has_date, "number": numbers, "other": names}[t]
        head = sum(tok in tokens for tok in terms.head) / len(terms.head) if terms.head else 0.0
        # with the glossary for English questions, as the shipped scorer was fitted (see extract_short_answer)
        short = extract_short_answer(question, s.text, s.context, s.hit.date) if question else None
        rows.append([
            s.hit.score - top_score, 1.0 / (1 + s.hit_rank), 1.0 / (1 + s.position), math.log1p(len(s.text)),
            covered / idf_total, covered_window / idf_total, neutral, (idf_total - covered) if terms.idf else 0.0,
            is_en, is_en * neutral,
            names * (t == "who"), names * (t == "where"), has_date * (t == "when"), numbers * (t == "number"),
            names * (t == "other"), 1.0 if typed > 0 else 0.0, head,
            1.0 if short else 0.0, short.score if short else 0.0,
        ])
    discourse = discourse_features(terms, tokenizer, sentences, question, token_sets)
    return np.hstack([np.asarray(rows, dtype=np.float64), discourse])


def discourse_features(terms: QueryTerms, tokenizer: Tokenizer, sentences: Sequence[Sentence],
                       question: str = "", token_sets: Sequence[set[str]] | None = None) -> np.ndarray:
    """DISCOURSE_FEATURES: what tells apart the sentences of one news article that all name its topic.

    A news story names "Kim Jong-un" and "Rusia" in most sentences, so word coverage favours whichever sentence
    repeats them; the answer is often in one that holds only the question's other words (its verb, "suspensi
    depan"), or that refers back ("Pertemuan tersebut diungkapkan oleh KCNA"). Inputs: the share of the question's
    verb-like words (by their prefix, so "pertemuan" and "berita" count too) the sentence holds; IDF coverage
    counting the previous sentence's words when this one opens with an anaphor; IDF coverage with each word
    discounted by the share of its article's retrieved sentences that hold it; the IDF share of words no other
    sentence of its article holds; and coverage weighted by rarity among all retrieved sentences. Fitted with
    hand-written questions over CLICK-ID articles (FacQA's one-paragraph passages rarely repeat a topic: see
    bench/RESULTS.md, "News-style sentences"). `token_sets`: each sentence's terms with its dates written out
    (with_date_words), as the other features read it, so "18 July" matches "Kamis (18/7/2024)" here too."""
    analysis = terms.analysis or question
    verbs = {w.lower() for w in _WORD.findall(analysis)[1:]
             if not w[0].isupper() and VERB_FORM.match(w.lower())}
    verb_stems = {stem for v in verbs for stem in tokenizer(v)}
    idf_total = sum(terms.idf.values()) or 1.0
    if token_sets is None:
        token_sets = [set(tokenizer(with_date_words(s.text, s.hit.date))) for s in sentences]
    by_article: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_article.setdefault(s.hit.article_id, []).append(i)
    pool_size = len(sentences)
    pool_df = {t: sum(t in tokens for tokens in token_sets) for t in terms.idf}
    pool_norm = idf_total * math.log1p(pool_size)
    rows = []
    for i, (s, tokens) in enumerate(zip(sentences, token_sets)):
        verb_share = sum(v in tokens for v in verb_stems) / len(verb_stems) if verb_stems else 0.0
        refers_back = i > 0 and sentences[i - 1].hit is s.hit and _ANAPHOR.match(s.text)
        with_antecedent = tokens | token_sets[i - 1] if refers_back else tokens
        same = by_article[s.hit.article_id]
        article_df = {t: sum(t in token_sets[j] for j in same) for t in terms.idf if t in tokens}
        held = [(t, w) for t, w in terms.idf.items() if t in tokens]
        rows.append([
            verb_share, 1.0 if verb_stems else 0.0,
            sum(w for t, w in terms.idf.items() if t in with_antecedent) / idf_total,
            sum(w * (1 - (article_df[t] - 1) / len(same)) for t, w in held) / idf_total,
            sum(w for t, w in held if article_df[t] == 1) / idf_total if len(same) > 1 else 0.0,
            sum(w * math.log1p(pool_size / pool_df[t]) for t, w in held) / pool_norm if pool_norm else 0.0,
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(sentences), len(DISCOURSE_FEATURES))


class SentenceScorer(LinearRanker):
    """Logistic model: P(sentence holds the answer) from SENTENCE_FEATURES (standardised)."""

    FEATURE_NAMES = SENTENCE_FEATURES
    MODEL_PATH = DEFAULT_MODEL
    TRAINED_BY = "bench/train_answering.py"

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.score(x)))

    @classmethod
    def untrained(cls) -> SentenceScorer:
        """Hand-set weights (coverage, then passage rank) for when no trained model ships: ranks sensibly."""
        w = np.zeros(len(SENTENCE_FEATURES))
        for name, value in {"idf_coverage": 2.0, "window_idf_coverage": 0.5, "inv_passage_rank": 1.0,
                            "neutral_coverage": 1.0, "type_evidence_any": 0.5, "passage_score_gap": 0.5}.items():
            w[SENTENCE_FEATURES.index(name)] = value
        return cls(w, 0.0, np.zeros(len(w)), np.ones(len(w)), info={"untrained": True})


def rank_sentences(terms: QueryTerms, tokenizer: Tokenizer, hits: Sequence[Hit],
                   scorer: SentenceScorer, question: str) -> list[Sentence]:
    """All sentences of the hits, best first (ties: better passage, earlier sentence). `question` is required:
    the shipped scorer was trained with the extractor's features, which are zero without it."""
    sentences = split_hits(hits)
    if not sentences:
        return []
    probs = scorer.probability(sentence_features(terms, tokenizer, sentences, question))
    for s, p in zip(sentences, probs.tolist()):
        s.score = p
    return sorted(sentences, key=lambda s: (-s.score, s.hit_rank, s.position))
