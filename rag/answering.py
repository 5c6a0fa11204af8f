"""Grounded answers: evidence -> answerable? -> a cited answer in the question's language, or a refusal.

The order matters and is the design:
1. retrieve (with entities/dates carried over from the conversation for follow-up questions),
2. rank the sentences of the top passages (rag/evidence.py),
3. decide answerability with the calibrated model (rag/answerability.py) -- *before* any LLM is called,
4. answer: by default without an LLM (a short direct answer when one can be extracted, then verbatim quotes with
   [n], outlet and date); with an LLM, the model phrases the top numbered sentences and every generated sentence
   is verified against the source it cites (rag/verification.py); what fails is dropped, and if nothing is left
   the LLM-free answer is shown, marked as the fallback.
Quotes are always verbatim substrings of the article text with their offsets, so the UI can highlight them.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .answerability import DEFAULT_MODEL as GATE_MODEL
from .answerability import (
    Decision,
    TreeEnsemble,
    answerability_features,
    evidence_guard,
)
from .bm25 import Tokenizer
from .dates import MONTH_NAMES_EN, MONTH_NAMES_ID, find_dates
from .evidence import DEFAULT_MODEL as EVIDENCE_MODEL
from .evidence import Sentence, SentenceScorer, question_terms, rank_sentences
from .query import answer_type, detect_language, language_neutral_terms
from .ranking import QueryTerms
from .records import Hit
from .retrieval import HybridRetriever

if TYPE_CHECKING:  # the answering stages are imported where used, so `import rag` stays light
    from .extraction import ShortAnswer
    from .llm import Generator

REFUSAL = {"en": "The sources don't answer this.", "id": "Sumber tidak menjawab pertanyaan ini."}
EMPTY_INDEX = {"en": "The index is empty: add articles first.", "id": "Indeks masih kosong: tambahkan artikel dulu."}
FALLBACK_NOTE = {"en": "(The generated answer could not be verified against the sources; showing the quoted "
                       "evidence instead.)",
                 "id": "(Jawaban yang dihasilkan tidak dapat diverifikasi dengan sumber; yang ditampilkan adalah "
                       "kutipan bukti.)"}
_ACCORDING = {"en": "according to", "id": "menurut"}
_ALSO = {"en": "Also", "id": "Juga"}

# Words that make a question lean on the conversation: "Where did they meet?", "Kapan dia datang?"
_ANAPHORA = frozenset({"they", "them", "their", "he", "him", "his", "she", "her", "it", "its", "this", "that",
                       "there", "mereka", "dia", "ia", "beliau", "nya", "itu", "tersebut", "sana", "ini"})
_WORD = re.compile(r"\w+")

History = Sequence[tuple[str, str] | Mapping[str, Any]]


@dataclass
class Citation:
    """[number] in an answer -> a verbatim quote of an article with its offsets (article.text[start:end])."""

    number: int
    article_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    quote: str
    start: int
    end: int
    chunk_id: str = ""
    context: str = ""  # the quote with its neighbouring sentence, for display


@dataclass
class Answer:
    """What `NewsQA.ask` returns. `text` is what to show; `lead` its first line (the direct answer)."""

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    lead: str = ""
    short_answer: str | None = None
    language: str = "en"
    mode: str = "extractive"  # "extractive" | "generative" | "fallback" (generative failed verification)
    verified: bool | None = None  # generative answers: did every shown sentence pass verification
    answerable: float = 0.0  # P(the evidence answers the question)
    note: str = ""
    retrieval_query: str = ""
    hits: list[Hit] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Evidence:
    """Everything the answer is built from (kept for explanations, evaluation and the UI)."""

    question: str
    language: str
    retrieval_query: str
    hits: list[Hit]
    sentences: list[Sentence]
    decision: Decision
    terms: QueryTerms


class AnswerStream:
    """Iterate for text pieces (as they become safe to show); `.answer` holds the final Answer afterwards."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._pieces


def retrieval_query(question: str, history: History | None) -> str:
    """The question, plus names, numbers and dates from the previous user turns when it leans on them.

    Why: "Where did they meet?" after "Who did Kim meet on 18 July?" must retrieve about Kim and 18 July.
    Works without an LLM; only questions with no names/numbers of their own or with a pronoun get context."""
    turns = [text for role, text in _turns(history) if role == "user" and text.strip() and text != question]
    if not turns:
        return question
    words = {w.lower() for w in _WORD.findall(question)}
    own_terms = language_neutral_terms(question).split()
    if own_terms and not (words & _ANAPHORA):
        return question
    carried: list[str] = []
    for text in reversed(turns[-2:]):
        carried += [t for t in language_neutral_terms(text).split() if t.lower() not in words]
        carried += [text[d.start:d.end] for d in find_dates(text)]
    carried = list(dict.fromkeys(carried))
    return f"{question} {' '.join(carried)}".strip() if carried else question


def _turns(history: History | None) -> list[tuple[str, str]]:
    out = []
    for turn in history or []:
        if isinstance(turn, Mapping):
            content = turn.get("content")
            if isinstance(content, list):  # gradio multimodal content parts
                content = " ".join(str(c.get("text", "")) if isinstance(c, Mapping) else str(c) for c in content)
            out.append((str(turn.get("role", "")), str(content or "")))
        else:
            role, text = turn
            out.append((str(role), str(text or "")))
    return out


def format_date(iso: str | None, language: str) -> str:
    """"2024-07-19" -> "19 July 2024" / "19 Juli 2024"."""
    if not iso or len(iso) < 10:
        return iso or ""
    y, m, d = iso[:4], int(iso[5:7]), int(iso[8:10])
    names = MONTH_NAMES_ID if language == "id" else MONTH_NAMES_EN
    return f"{d} {names[m - 1]} {y}"


def attribution(number: int, hit: Hit, language: str) -> str:
    """"[1] (kompas.tv, 19 July 2024)" -- or just "[1]" when the article has neither."""
    parts = [p for p in (hit.source, format_date(hit.date, language)) if p]
    return f"[{number}] ({', '.join(parts)})" if parts else f"[{number}]"


class Answerer:
    """Builds answers from a retriever and the answering models; all components are passed in."""

    def __init__(self, retriever: HybridRetriever, tokenizer: Tokenizer, scorer: SentenceScorer | None = None,
                 gate: TreeEnsemble | None = None, generator: Generator | None = None, top_k: int = 5,
                 max_quotes: int = 4, llm_sentences: int = 4, max_tokens: int = 160) -> None:
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.scorer = scorer or (SentenceScorer.load() if EVIDENCE_MODEL.exists() else SentenceScorer.untrained())
        self.gate = gate if gate is not None else (TreeEnsemble.load() if GATE_MODEL.exists() else None)
        self.generator = generator
        self.top_k = top_k
        self.max_quotes = max_quotes
        self.llm_sentences = llm_sentences
        self.max_tokens = max_tokens
        self._generate_lock = threading.Lock()  # one generation at a time: two slow down 10-50x on 2 cores

    def warm(self) -> None:
        """Load the LLM and pre-fill its cache with the constant prompt prefix (a no-op without an LLM)."""
        if self.generator is not None:
            from .prompting import prefix_messages

            with self._generate_lock:
                self.generator.warm(prefix_messages())

    # ---- stages ----------------------------------------------------------------------------------------------
    def gather(self, question: str, history: History | None = None,
               filters: Mapping[str, Any] | None = None) -> Evidence:
        """Retrieve, rank sentences, decide answerability."""
        language = detect_language(question)
        query = retrieval_query(question, history)
        hits = self.retriever.search(query, k=self.top_k, filters=filters)
        terms = question_terms(query, self.tokenizer, self.retriever.store.bm25) if hits else \
            QueryTerms(language, {}, set(), answer_type(question))
        terms.answer_type = answer_type(question)  # the type comes from the question itself, not carried context
        sentences = rank_sentences(terms, self.tokenizer, hits, self.scorer) if hits else []
        if not hits:
            decision = Decision(False, 0.0, 0.5)
        elif reason := evidence_guard(query, terms, self.tokenizer, hits):
            decision = Decision(False, 0.0, self.gate.threshold if self.gate else 0.5, reason)
        elif self.gate is None:
            decision = Decision(True, 1.0, 0.0)  # no calibrated model shipped: never refuse silently
        else:
            decision = self.gate.decide(answerability_features(query, terms, self.tokenizer, hits, sentences,
                                                               self.gate.lexicon))
        return Evidence(question, language, query, hits, sentences, decision, terms)

    def answer(self, question: str, history: History | None = None, filters: Mapping[str, Any] | None = None,
               generate: bool = True) -> Answer:
        stream = self.stream(question, history, filters, generate)
        for _ in stream:
            pass
        assert stream.answer is not None
        return stream.answer

    def stream(self, question: str, history: History | None = None, filters: Mapping[str, Any] | None = None,
               generate: bool = True) -> AnswerStream:
        holder = AnswerStream(iter(()))
        holder._pieces = self._run(question, history, filters, generate, holder)
        return holder

    # ---- the pipeline ----------------------------------------------------------------------------------------
    def _run(self, question: str, history: History | None, filters: Mapping[str, Any] | None, generate: bool,
             holder: AnswerStream) -> Iterator[str]:
        t0 = time.perf_counter()
        ev = self.gather(question, history, filters)
        timings = {"evidence": time.perf_counter() - t0}
        if not ev.hits or not ev.decision.answerable:
            empty = not self.retriever.store.manifest.articles
            text = EMPTY_INDEX[ev.language] if empty else REFUSAL[ev.language]
            holder.answer = Answer(question, text, refused=True, lead=text, language=ev.language,
                                   answerable=ev.decision.probability, note=ev.decision.reason,
                                   retrieval_query=ev.retrieval_query, hits=ev.hits, timings=timings)
            yield text
            return
        if generate and self.generator is not None:
            yield from self._generative(ev, holder, timings, t0)
        else:
            holder.answer = self.extractive(ev)
            holder.answer.timings = {**timings, "total": time.perf_counter() - t0}
            yield holder.answer.text

    def extractive(self, ev: Evidence, note: str = "", mode: str = "extractive") -> Answer:
        """The LLM-free answer: short answer (when extractable) + verbatim quotes with [n], outlet and date."""
        quotes = self._quotes(ev.sentences)
        best = quotes[0]
        short = self._short_answer(ev, best)
        citations = [_citation(n, s) for n, s in enumerate(quotes, 1)]
        lang = ev.language
        first = f"{_ACCORDING[lang]} {attribution(1, best.hit, lang)}: “{_one_line(best.text)}”"
        lead = f"{short.text}, {first}" if short else first[0].upper() + first[1:]
        lines = [lead] + [f"{_ALSO[lang]} {attribution(n, s.hit, lang)}: “{_one_line(s.text)}”"
                          for n, s in enumerate(quotes[1:], 2)]
        if note:
            lines.append(note)
        return Answer(ev.question, "\n".join(lines), refused=False, citations=citations, lead=lead,
                      short_answer=short.text if short else None, language=lang, mode=mode,
                      answerable=ev.decision.probability, note=note, retrieval_query=ev.retrieval_query,
                      hits=ev.hits)

    def _quotes(self, sentences: Sequence[Sentence]) -> list[Sentence]:
        """The best `max_quotes` sentences, best first (on FacQA valid the top 4 hold an answer 94% of the time,
        the best sentence of each of 4 passages only 87%). Each is its own quote: the lead quotes the best one."""
        return list(sentences[: self.max_quotes])

    def _short_answer(self, ev: Evidence, best: Sentence) -> ShortAnswer | None:
        from .extraction import extract_short_answer

        # qtype left to the extractor: it corrects answer_type for "-kah" forms and "di kota manakah" (where)
        return extract_short_answer(ev.question, best.text, best.context, best.hit.date)

    # ---- generative ------------------------------------------------------------------------------------------
    def _generative(self, ev: Evidence, holder: AnswerStream, timings: dict[str, float], t0: float) -> Iterator[str]:
        from .prompting import build_messages
        from .verification import verify_answer

        numbered = ev.sentences[: self.llm_sentences]
        # verify against exactly what the model was shown: the sentence and its "(outlet, date)" line
        sources = {n: " ".join(p for p in (s.hit.source, format_date(s.hit.date, "en"),
                                           format_date(s.hit.date, "id"), s.text) if p)
                   for n, s in enumerate(numbered, 1)}
        dates = {n: s.hit.date for n, s in enumerate(numbered, 1)}
        messages = build_messages(ev.question, [(n, s.hit, s.text) for n, s in enumerate(numbered, 1)], ev.language)
        kept: list[str] = []
        checks = []
        buffer = ""
        first_token = None
        with self._generate_lock:
            assert self.generator is not None
            for piece in self.generator.stream(messages, max_tokens=self.max_tokens):
                if first_token is None:
                    first_token = time.perf_counter() - t0
                buffer += piece
                done, buffer = _complete_sentences(buffer)
                for sentence in done:
                    check = verify_answer(sentence, sources, ev.language, ev.question, source_dates=dates)
                    checks.append(check)
                    if check.passed and not check.refused:
                        kept.append(check.text)
                        yield (" " if len(kept) > 1 else "") + check.text
        if buffer.strip():
            check = verify_answer(buffer.strip(), sources, ev.language, ev.question, source_dates=dates)
            checks.append(check)
            if check.passed and not check.refused:
                kept.append(check.text)
                yield (" " if len(kept) > 1 else "") + check.text
        timings.update(first_token=first_token or 0.0, total=time.perf_counter() - t0)
        all_passed = bool(checks) and all(c.passed and not c.refused for c in checks)
        if not kept and any(c.refused for c in checks):
            # the model found no answer in the evidence: more cautious than the calibrated decision, so respected
            text = REFUSAL[ev.language]
            holder.answer = Answer(ev.question, text, refused=True, lead=text, language=ev.language,
                                   mode="generative", verified=True, answerable=ev.decision.probability,
                                   note="the LLM found no answer in the quoted evidence",
                                   retrieval_query=ev.retrieval_query, hits=ev.hits, timings=timings)
            yield text
            return
        if not kept:
            fb = self.extractive(ev, note=FALLBACK_NOTE[ev.language], mode="fallback")
            fb.verified = False
            fb.timings = timings
            holder.answer = fb
            yield fb.text
            return
        cited = sorted({n for c in checks if c.passed for s in c.kept for n in s.citations})
        text = " ".join(kept)
        citations = [_citation(n, numbered[n - 1]) for n in cited if 0 < n <= len(numbered)]
        holder.answer = Answer(ev.question, text, refused=False, citations=citations, lead=kept[0],
                               short_answer=None, language=ev.language, mode="generative", verified=all_passed,
                               answerable=ev.decision.probability,
                               note="" if all_passed else "some generated sentences failed verification and were "
                                                          "dropped",
                               retrieval_query=ev.retrieval_query, hits=ev.hits, timings=timings)


_LEADING_CITATION = re.compile(r"^(?:\[\d+(?:\s*[,-]\s*\d+)*\]\s*)+")


def _complete_sentences(buffer: str) -> tuple[list[str], str]:
    """Split finished sentences off a streaming buffer: every sentence but the last, which may still grow.

    Sentence boundaries come from the same Punkt splitter as chunking ("Dr." and "2.5" do not end a sentence);
    a citation written after the full stop ("... Pyongyang. [1]") stays with the sentence it belongs to."""
    from .chunking import sentence_spans

    spans = sentence_spans(buffer)
    if len(spans) < 2:
        return [], buffer
    pieces: list[list[int]] = []
    for start, end in spans:
        lead = _LEADING_CITATION.match(buffer[start:end])
        if lead and pieces:
            pieces[-1][1] = start + lead.end()
            if start + lead.end() >= end:
                continue
            start += lead.end()
        pieces.append([start, end])
    if len(pieces) < 2:
        return [], buffer
    done = [buffer[s:e].strip() for s, e in pieces[:-1]]
    return [d for d in done if d], buffer[pieces[-1][0]:]


def _one_line(text: str) -> str:
    """A quote spanning a paragraph break, shown on one line (the citation keeps the verbatim text)."""
    return " ".join(text.split())


def _citation(number: int, s: Sentence) -> Citation:
    h = s.hit
    return Citation(number=number, article_id=h.article_id, title=h.title, date=h.date, source=h.source, url=h.url,
                    quote=s.text, start=s.start, end=s.end, chunk_id=h.chunk_id, context=s.context)
