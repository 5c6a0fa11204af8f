"""Query analysis for retrieval: which language a question is in, and which of its words can match Indonesian
text literally.

Why: BM25 over an English question mostly matches noise in Indonesian articles ("the", "of", "minister" do not
occur there), but names, numbers and dates are written the same in both languages. So for a question that is
not Indonesian, the keyword retriever sees only those language-neutral terms plus the glossary's Indonesian
equivalents of its common words ("soldiers" -> "tentara"), and fusion leans on the multilingual dense retriever.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from .bm25 import stopwords

GLOSSARY = Path(__file__).with_name("glossary.json")

_WORD = re.compile(r"\w+", re.UNICODE)

# Picks one of a glossary word's Indonesian equivalents (most common first), e.g. the one the sources use.
Choose = Callable[[Sequence[str]], str]


def detect_language(text: str) -> str:
    """'id' or 'en' by function-word counts (NLTK lists); ties and unknowns count as Indonesian, the corpus
    language, which keeps the full keyword query."""
    words = [w.lower() for w in _WORD.findall(text)]
    en_only = stopwords("english") - stopwords("indonesian")
    id_only = stopwords("indonesian") - stopwords("english")
    en = sum(w in en_only for w in words)
    ind = sum(w in id_only for w in words)
    return "en" if en > ind else "id"


def language_neutral_terms(text: str) -> str:
    """Words that read the same in any language: capitalised words (names, places, organisations), acronyms,
    numbers, and words with digits — minus English function words ("Who", "The"). A hyphenated word that starts
    as a name stays whole ("Kim Jong-un", not "Kim Jong"; "GA-181"); in one that does not ("anti-Amerika") only
    its name parts count."""
    english = stopwords("english")
    keep = []
    for token in _HYPHENATED.findall(text):
        parts = token.split("-")
        if _is_neutral(parts[0], english):
            keep.append(token)
        else:
            keep += [w for w in parts[1:] if _is_neutral(w, english)]
    return " ".join(keep)


_HYPHENATED = re.compile(r"\w+(?:-\w+)*", re.UNICODE)


def _is_neutral(word: str, english: frozenset[str] | set[str]) -> bool:
    return bool(word) and word.lower() not in english and (word[0].isupper() or any(ch.isdigit() for ch in word))


def keyword_query(text: str, language: str | None = None) -> str:
    """The text the keyword (BM25) retriever should see for this question: Indonesian as it is; other languages
    as their language-neutral terms plus glossary equivalents (hand-translated FacQA valid questions, ranker
    retrained: hybrid R@1 .675 -> .725, R@20 .975 -> 1.0 over names and numbers alone; bench/RESULTS.md)."""
    language = language or detect_language(text)
    if language == "id":
        return text
    return " ".join([language_neutral_terms(text), *translated_terms(text)]).strip()


# Question word patterns per answer type, Indonesian and English; checked in this order.
# An English "when/who/where" asks only where a question opens (after a preposition at most): further on it starts
# a clause ("Who did Mubarak escort ... when returning ...", "the university where he studied", ", who was ...").
_EN_OPENS = r"^\W*(?:(?:in|on|at|from|to|by|with|for|since|until|till|of|and|but|so)\s+)?"
# "What is the name of the current president?" asks for a person, as "Siapa nama presiden ...?" does
_PERSON_NOUNS = (r"president|minister|governor|mayor|regent|director|chairman|chairwoman|chairperson|chair|leader|"
                 r"ambassador|spokesman|spokeswoman|spokesperson|representative|citizen|player|coach|writer|author|"
                 r"singer|actor|actress|officer|head|chief|commander|secretary|king|queen|prince|princess|emperor|"
                 r"founder|owner|ceo|manager|captain|general|pope|person|man|woman|scientist|artist|athlete|winner|"
                 r"candidate|official|judge|lawyer|suspect|victim|journalist|reporter|politician|wife|husband|son|"
                 r"daughter|father|mother|teacher|student|doctor|figure")
_ANSWER_TYPES = (
    # a "kapan saja" / "kapanpun" inside the question means "any time" ("Lewat layanan apa tagihan bisa dibayar
    # kapan saja?"); opening it, it asks when
    ("when", re.compile(r"\b(^kapan\w*|(?!kapan\s*pun\b)kapan\w*(?!\w|\s+saja\b)|tanggal berapa|tahun berapa"
                        r"|bulan apa|hari apa|what (year|date|day))\b"
                        rf"|{_EN_OPENS}when\b", re.I)),
    # "What is the area of ...", "What is the estimated dollar value of ..." ask for a quantity, as "Berapa luas ..."
    # does; the quantity word in lower case ("Regulation Number 12" names a regulation)
    ("number", re.compile(r"\b(berapa\w*|how (many|much|long|far|old|big|large|high|tall|deep|wide|heavy|fast))\b"
                          r"|\bwhat(\s+\w+){0,4}?\s+(?-i:(prices?|costs?|value|amount|number|population|total|area|"
                          r"length|height|distance|size|percentage|percent|proportion|rate|salary|budget|fee|width|"
                          r"depth|weight|temperature|age|capacity|elevation|altitude|volume))\b", re.I)),
    ("who", re.compile(rf"\b(siapa\w*)\b|{_EN_OPENS}(who|whom|whose)\b"
                       r"|\bwhat\s+(is|was|are|were)\s+the\s+names?\s+of\s+(the\s+)?(\w+\s+){0,3}?"
                       rf"({_PERSON_NOUNS})\b"
                       rf"|\bwhich\s+(\w+\s+){{0,2}}?({_PERSON_NOUNS})\b", re.I)),
    ("where", re.compile(rf"\b(di ?mana\w*|ke ?mana\w*|dari ?mana\w*)\b|{_EN_OPENS}where\b", re.I)),
)


def answer_type(question: str) -> str:
    """'when' | 'number' | 'who' | 'where' | 'other': what kind of phrase would answer the question."""
    for name, pattern in _ANSWER_TYPES:
        if pattern.search(question):
            return name
    return "other"


@functools.lru_cache(maxsize=1)
def _glossary_alternatives() -> dict[tuple[str, ...], tuple[str, ...]]:
    """English word or phrase -> its Indonesian equivalents, most common first (rag/glossary.json, lower-case keys
    of its "terms" — capitalised words, also used by verification — and "common" — verbs and everyday nouns)."""
    raw = json.loads(GLOSSARY.read_text(encoding="utf-8"))
    entries = {**raw.get("common", {}), **raw["terms"]}
    return {tuple(k.lower().split()): tuple(v) for k, v in entries.items() if v and k.lower() == k}


def glossary_equivalents() -> list[tuple[str, ...]]:
    """Every glossary entry's Indonesian equivalents ("discuss" -> ("membahas", "mendiskusikan", "berdiskusi")):
    words one English word joins, for readers that need Indonesian synonyms."""
    return list(_glossary_alternatives().values())


@functools.lru_cache(maxsize=1)
def _glossary_terms() -> dict[tuple[str, ...], str]:
    """English word or phrase -> its most common Indonesian equivalent."""
    return {k: v[0] for k, v in _glossary_alternatives().items()}


def _phrase_at(words: Sequence[str], i: int, max_words: int) -> tuple[int, tuple[str, ...]]:
    """(length, Indonesian equivalents) of the longest glossary phrase starting at word i; (0, ()) if none."""
    table = _glossary_alternatives()
    for n in range(min(max_words, len(words) - i), 0, -1):
        hit = table.get(tuple(words[i:i + n]))
        if hit:
            return n, hit
    return 0, ()


def glossary_phrase_at(words: Sequence[str], i: int, max_words: int = 4) -> str | None:
    """The most common Indonesian equivalent of the longest glossary phrase that starts at lower-case word i
    ("news agency reported ..." -> "kantor berita"), or None."""
    _, hit = _phrase_at(words, i, max_words)
    return hit[0] if hit else None


def translated_terms(text: str, max_words: int = 4, choose: Choose | None = None) -> list[str]:
    """Indonesian equivalents of the English common words of a question, longest phrase first ("news agency" ->
    "kantor berita", "soldiers" -> "tentara"); words the glossary lacks are dropped, names are left to
    `language_neutral_terms`. A word-for-word glossary, not translation: enough to tell whether a passage
    mentions what the question asks about. `choose` picks among a word's equivalents (default: the most common;
    evidence.question_terms picks the one the retrieved passages use: "discuss" -> "mendiskusikan", not
    "membahas", when that is how the article says it)."""
    cased = _WORD.findall(text)
    words = [w.lower() for w in cased]
    out: list[str] = []
    i = 0
    while i < len(words):
        n, hit = _phrase_at(words, i, max_words)
        if n == 1 and _verb_position(cased, i):
            hit = _verb_alternatives(words[i]) or hit
        if hit:
            out.append(choose(hit) if choose else hit[0])
        i += max(n, 1)
    return out


# "did/will <subject> visit", "to visit": an uninflected English word read as a verb ("When did Putin visit ...")
_AUXILIARIES = frozenset("did does do will would can could should may might must".split())
_DETERMINERS = frozenset("the a an his her its their this that these those".split())


def _verb_position(words: Sequence[str], i: int, max_subject: int = 4) -> bool:
    """Whether word i (words as written) is the verb after "to" ("to attack") or after an auxiliary and a subject
    that is a name ("did Putin visit", "did the Trade Minister visit") or a determiner, names and one common noun
    ("did a tiger attack", "did the Colombian plane crash"); not "did the biggest terrorist attack ... happen" or
    "did KMP Tanggal II catch fire". The glossary's first equivalent of such a word is often the noun ("visit" ->
    "kunjungan") while the article writes the verb ("mengunjungi")."""
    if i == 0:
        return False
    if words[i - 1].lower() == "to":
        return True
    aux = [j for j in range(max(0, i - 1 - max_subject), i) if words[j].lower() in _AUXILIARIES]
    if not aux:
        return False
    subject = [w for w in words[aux[-1] + 1:i] if w.lower() != "not"]
    has_determiner = bool(subject) and subject[0].lower() in _DETERMINERS
    subject = subject[1:] if has_determiner else subject
    if not subject or not all(w[0].isupper() for w in subject[:-1]):
        return False
    return subject[-1][0].isupper() or has_determiner


def _verb_alternatives(word: str) -> tuple[str, ...]:
    """A base-form word's equivalents as the glossary gives them for its past form ("visit" -> those of
    "visited": "mengunjungi", "berkunjung", ...), or () when it lists none. (Not the "-s" form: "new" -> "news".)"""
    table = _glossary_alternatives()
    for form in (word + "ed", word + "d"):
        hit = table.get((form,))
        if hit:
            return hit
    return ()


def analysis_text(question: str, language: str | None = None, choose: Choose | None = None) -> tuple[str, str]:
    """(text, language) that the evidence and answerability stages read a question as.

    Indonesian questions as they are; others as their language-neutral terms plus the glossary's Indonesian
    equivalents of their common words, read as Indonesian, so "missing words" and coverage mean the same thing
    for "How many soldiers did Russia send?" as for "Berapa tentara yang dikirim Rusia?"."""
    language = language or detect_language(question)
    if language == "id":
        return question, "id"
    # names stay, glossary words are translated instead: "Russian" -> "rusia", "Russia-Ukraine" -> "rusia ukraina"
    return " ".join([*untranslated_names(question), *translated_terms(question, choose=choose)]).strip(), "id"


def untranslated_names(text: str) -> list[str]:
    """The language-neutral terms of an English text that the glossary does not translate, hyphenated ones split
    into their parts ("Kim Jong-un met Russia-Ukraine envoys" -> Kim, Jong, un; "Russia" and "Ukraine" are
    glossary words, read through `translated_terms`)."""
    table = _glossary_terms()
    return [part for w in language_neutral_terms(text).split() for part in w.split("-")
            if part and (part.lower(),) not in table]


_HEAD_ID = re.compile(r"((?:\w+[ -]){1,2})(?:apa|apakah|manakah|mana)\b", re.I)
_HEAD_EN = re.compile(r"\b(?:which|what)\s+((?:[\w-]+\s+){0,1}[\w-]+)", re.I)


def head_terms(question: str, language: str | None = None, choose: Choose | None = None) -> str:
    """The category a which/what question asks for, as Indonesian words: "Kantor berita apa ..." -> "Kantor
    berita", "Which news agency reported ..." -> "kantor berita", "Di kota manakah ..." -> "kota".
    "" when the question names none ("Apa yang ...", "What did ..."). A sentence holding the category word is
    likelier to hold the answer than one that only repeats the question's other words."""
    language = language or detect_language(question)
    stop_id, stop_en = stopwords("indonesian"), stopwords("english")
    if language == "id":
        m = _HEAD_ID.search(question)
        if not m:
            return ""
        return " ".join(w for w in _WORD.findall(m.group(1)) if w.lower() not in stop_id)
    m = _HEAD_EN.search(question)
    if not m:
        return ""
    words = []
    for w in m.group(1).split():
        if w.lower() in stop_en:
            break
        words.append(w)
    return " ".join(translated_terms(" ".join(words), choose=choose))
