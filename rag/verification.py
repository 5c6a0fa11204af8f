"""Checking a generated answer against the numbered evidence it cites, sentence by sentence.

Why: a small local LLM phrases answers well but invents cited, wrong ones (names, numbers, dates that the cited
sentence does not contain). Every sentence of an answer must therefore cite an existing source [n], and every
name, number and date it states must be found in one of the sources it cites; a sentence that fails is dropped,
and when nothing is left the caller answers without the LLM. A sentence the model left without a marker is given
one when a single source holds every name, number and date it states (the first such source): it is then shown
with that [n], having passed the same check as a cited sentence.

Answers come in English or Indonesian while sources are mostly Indonesian, so common words may be translated
but names may not: a capitalised common word ("Deputy", "North Korea", "Thursday") passes when the source holds
it or one of its Indonesian equivalents from `rag/glossary.json`; function words (NLTK stopwords) are not names;
anything else capitalised is a name and must occur in a cited source as written (case, hyphens, spaces and
diacritics aside: "Kim Jong Un" == "Kim Jong-un"). Consecutive name words must occur together ("Kim
Krivoruchko" fails even when both words occur). Numbers are compared as values ("1.000" == "1,000" == "1000",
"2,5 juta" == "2.5 million"), dates on the fields the answer states ("18 July" matches "Kamis (18/7/2024)").

The check is deliberately conservative: dropping a correct sentence costs a fallback answer, showing an
unsupported name costs trust. Pure functions over module-level tables; a few milliseconds per answer.
"""
from __future__ import annotations

import datetime as _dt
import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .bm25 import stopwords
from .chunking import sentence_spans
from .dates import (
    MONTH_NAMES_EN,
    MONTH_NAMES_ID,
    WEEKDAY_NAMES_EN,
    WEEKDAYS,
    find_dates,
    iso_day,
)

GLOSSARY_PATH = Path(__file__).with_name("glossary.json")

# The fixed refusal sentences the answer prompt asks for, per answer language.
REFUSALS = {"en": "The sources don't answer this.", "id": "Sumber tidak menjawab pertanyaan ini."}
_REFUSAL_FORMS = frozenset({
    "the sources don't answer this", "the sources don't answer this question", "the source doesn't answer this",
    "sources don't answer this", "the sources don't answer the question", "the sources don't say",
    "sumber tidak menjawab pertanyaan ini", "sumber-sumber tidak menjawab pertanyaan ini",
    "sumber tidak menjawab ini", "sumber-sumber tidak menjawab ini", "sumber tidak menjawab pertanyaan tersebut",
})

# Citation markers: [1], [1][2], [1, 2], [1-3], [source 1]. Inside them numbers are not claims.
_CITATION = re.compile(r"\[\s*(?:(?:sumber|source)\s*)?(\d{1,3}(?:\s*(?:[,;]|-|–|and|dan)\s*\d{1,3})*)\s*\]",
                       re.IGNORECASE)
# A word: letters, optionally joined by apostrophes ("O'Brien", "Russia's"); hyphens separate words.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_UNIT = re.compile(r"[^\W\d_]+|\d+")  # what names are compared on: letter runs and digit runs ("BP3" -> BP, 3)
_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")  # "U.S." -> "US"
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Numbers: 1000, 1.000, 1,000, 2,5, 1.234.567,89; not part of a longer digit run. Then an optional scale word and
# an optional percent sign/word.
_NUMBER = re.compile(
    r"(?<![\d])(?<!\d[.,])(?P<num>\d{1,3}(?:(?P<sep>[.,])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![.,]?\d)"
    r"(?:\s*(?P<scale>ribu|rb|thousand|juta|jt|million|mln|mio|miliar|milyar|billion|bn|triliun|trillion|tn)\b)?"
    r"(?P<pct>\s*(?:%|persen\b|percent\b|per\s+cent\b))?",
    re.IGNORECASE)
_SCALES = {"ribu": 1e3, "rb": 1e3, "thousand": 1e3, "juta": 1e6, "jt": 1e6, "million": 1e6, "mln": 1e6, "mio": 1e6,
           "miliar": 1e9, "milyar": 1e9, "billion": 1e9, "bn": 1e9, "triliun": 1e12, "trillion": 1e12, "tn": 1e12}

# Written numbers. Answer side: only runs worth 2 or more count ("one of", "salah satu" are idioms).
_NUM_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
}
_NUM_FLAT = {  # added to the current group
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "sepuluh": 10, "sebelas": 11, "seratus": 100,
}
_NUM_MULT = {"belas": 10, "puluh": 10, "ratus": 100, "hundred": 100}  # belas adds, the others multiply
_NUM_SCALE = {"thousand": 1e3, "ribu": 1e3, "seribu": 1e3, "million": 1e6, "juta": 1e6, "sejuta": 1e6,
              "billion": 1e9, "miliar": 1e9, "milyar": 1e9, "trillion": 1e12, "triliun": 1e12}
# Ordinals: all count on the source side ("two countries" matches "kedua negara"); in answers only from 3 up
# ("first" and "kedua" = both are too idiomatic).
_ORDINALS = {"pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6, "ketujuh": 7,
             "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10, "first": 1, "second": 2, "third": 3, "fourth": 4,
             "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "both": 2}
_NUMBER_WORDS = frozenset(_NUM_UNITS) | frozenset(_NUM_FLAT) | frozenset(_NUM_MULT) | frozenset(_NUM_SCALE)

_MONTH_WORDS = {name.lower(): i + 1 for names in (MONTH_NAMES_EN, MONTH_NAMES_ID) for i, name in enumerate(names)}
_MONTH_WORDS.update({"pebruari": 2, "nopember": 11})
_WEEKDAY_WORDS = {w: d for w, d in WEEKDAYS.items() if len(w) > 4 or w in ("rabu", "ahad")}  # full names only
_WEEKDAY_AT_START = re.compile(r"^\s*([^\W\d_]+(?:['’][^\W\d_]+)?)", re.UNICODE)
# Bare "11/8" (day/month): find_dates skips it as possibly a score, but an answer copying it states a date.
_BARE_DAY_MONTH = re.compile(r"(?<![\w/.,-])(\d{1,2})/(\d{1,2})(?![\w/]|[.,-]\d)")
_DUMMY_REFERENCE = _dt.date(2000, 1, 1)
_LIST_MARKER = re.compile(r"\s*(?:\d{1,2}[.)]|[-*•#]+)\s*")  # only resolves yearless answer dates; their year is never compared


# ----------------------------------------------------------------------------------------------------------------
# Results

@dataclass
class SentenceCheck:
    """One sentence of an answer and the verdict on it. `start`/`end` are offsets into the answer; `text` is the
    sentence as shown, which differs from answer[start:end] only by a citation verification added."""

    text: str
    citations: list[int]
    ok: bool
    reason: str = ""  # "" when ok; else the problems, "; "-joined
    refusal: bool = False  # the fixed "the sources don't answer this" sentence
    start: int = 0
    end: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. which checked words came from the question


@dataclass
class Verification:
    sentences: list[SentenceCheck]
    language: str = "en"

    @property
    def kept(self) -> list[SentenceCheck]:
        """Sentences that passed (refusal sentences are not claims and are never kept)."""
        return [s for s in self.sentences if s.ok and not s.refusal]

    @property
    def dropped(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if not s.ok]

    @property
    def passed(self) -> bool:
        """At least one sentence kept and none dropped."""
        return bool(self.kept) and not self.dropped

    @property
    def refused(self) -> bool:
        """The answer is a refusal: it holds the refusal sentence and no claim survived."""
        return any(s.refusal for s in self.sentences) and not self.kept

    @property
    def text(self) -> str:
        """The kept sentences joined, citations preserved."""
        return " ".join(s.text for s in self.kept)


# ----------------------------------------------------------------------------------------------------------------
# Normalisation

def _fold(text: str) -> str:
    """Diacritics removed ("Đặng" -> "Dang"), case kept."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D").replace("ı", "i"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _units(text: str) -> list[str]:
    """Letter/digit runs of a text, diacritics folded, case kept ("Kim Jong-un's" -> Kim, Jong, un, s)."""
    return _UNIT.findall(_fold(text))


def _token_units(token: str) -> list[str]:
    """Units of one answer token, possessive dropped ("Russia's" -> ["Russia"])."""
    return _units(_POSSESSIVE.sub("", token))


def _padded(units: Iterable[str]) -> str:
    return " " + " ".join(units) + " "


def _contains(haystack: str, units: Sequence[str]) -> bool:
    """Whole-unit phrase match in a padded unit string; the Indonesian enclitic -nya may follow."""
    if not units:
        return False
    needle = " ".join(units)
    return f" {needle} " in haystack or f" {needle}nya " in haystack


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _singulars(word: str) -> list[str]:
    """English plural -> singular candidates ("ministries" -> "ministry", "ministers" -> "minister")."""
    out = []
    if len(word) > 4 and word.endswith("ies"):
        out.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("es"):
        out.append(word[:-2])
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
    return out


# ----------------------------------------------------------------------------------------------------------------
# Glossary

@dataclass(frozen=True)
class _Entry:
    """A glossary key (English) with its equivalents, or an Indonesian value pointing back at its keys."""

    label: str
    alternatives: tuple[tuple[str, ...], ...]  # unit tuples, any of which in the source supports the word
    cased: tuple[bool, ...]  # per alternative: compare its all-caps units case-sensitively
    shown: tuple[str, ...]  # per alternative, as written in the glossary (for messages)
    month: int | None = None
    weekday: int | None = None


@dataclass(frozen=True)
class Glossary:
    entries: dict[tuple[str, ...], _Entry]  # lowercase unit tuple (or exact-case tuple for acronyms) -> entry
    free: frozenset[str]
    max_len: int

    def lookup(self, tokens: Sequence[str]) -> _Entry | None:
        """The entry for a run of answer tokens; the last word may be an English plural."""
        units = [u for t in tokens for u in _token_units(t)]
        if not units:
            return None
        exact = tuple(units)
        if exact in self.entries and _is_acronym(" ".join(exact)):
            return self.entries[exact]
        lowered = tuple(u.lower() for u in units)
        entry = self.entries.get(lowered)
        if entry is not None and not _is_acronym(entry.label):
            return entry
        for singular in _singulars(lowered[-1]):
            entry = self.entries.get(lowered[:-1] + (singular,))
            if entry is not None and not _is_acronym(entry.label):
                return entry
        return None


def _alt(phrase: str) -> tuple[tuple[str, ...], bool]:
    units = tuple(_units(phrase))
    cased = any(_is_acronym(u) for u in units)
    return (units if cased else tuple(u.lower() for u in units)), cased


@functools.lru_cache(maxsize=4)
def load_glossary(path: str | None = None) -> Glossary:
    """The bilingual glossary: English keys with Indonesian equivalents, and the reverse (Indonesian word -> the
    English keys it translates), so an Indonesian answer over an English source can say "Menteri"."""
    raw = json.loads(Path(path or GLOSSARY_PATH).read_text(encoding="utf-8"))
    entries: dict[tuple[str, ...], _Entry] = {}
    reverse: dict[tuple[str, ...], list[str]] = {}
    def entry(label: str, phrases: Sequence[str]) -> _Entry:
        alts: dict[tuple[str, ...], tuple[bool, str]] = {}
        for phrase in phrases:
            units, cased = _alt(phrase)
            alts.setdefault(units, (cased, phrase))
        return _Entry(label, tuple(alts), tuple(c for c, _ in alts.values()), tuple(p for _, p in alts.values()),
                      _MONTH_WORDS.get(label.lower()), _WEEKDAY_WORDS.get(label.lower()))

    for key, values in raw["terms"].items():
        entries[_alt(key)[0]] = entry(key, [key, *values])
        for v in values:
            reverse.setdefault(_alt(v)[0], []).append(key)
    for v_units, keys in reverse.items():
        if v_units not in entries:  # an Indonesian word that is also an English key ("april") keeps that entry
            word = " ".join(v_units)
            entries[v_units] = entry(word, [word, *keys])
    free = frozenset(w.lower() for w in raw.get("free", []))
    return Glossary(entries, free, max(len(k) for k in entries))


# ----------------------------------------------------------------------------------------------------------------
# Numbers

def _digit_values(num: str) -> set[float]:
    """Every reading of a digit string: "1.000" -> {1000, 1.0}; "2,5" -> {2.5}; "1.234,5" -> {1234.5}."""
    seps = re.findall(r"[.,]", num)
    if not seps:
        return {float(num)}
    groups = re.split(r"[.,]", num)
    out: set[float] = set()
    if len(set(seps)) == 1 and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
        out.add(float("".join(groups)))  # thousands separators
    if len(seps) == 1:
        out.add(float(f"{groups[0]}.{groups[1]}"))  # decimal comma or point
    elif len(set(seps[:-1])) == 1 and seps[-1] != seps[0] and all(len(g) == 3 for g in groups[1:-1]):
        out.add(float("".join(groups[:-1]) + "." + groups[-1]))  # "1.234,5" / "1,234.5"
    return out


def _key(value: float) -> float:
    return round(value, 6)


@dataclass
class _Number:
    text: str
    values: set[float]
    percent: bool
    start: int
    end: int


def _digit_numbers(text: str) -> list[_Number]:
    out = []
    for m in _NUMBER.finditer(text):
        values = _digit_values(m["num"])
        if m["scale"]:
            values = {v * _SCALES[m["scale"].lower()] for v in values}
        out.append(_Number(m.group().strip(), {_key(v) for v in values}, bool(m["pct"]), m.start(), m.end()))
    return out


def _word_numbers(text: str) -> list[_Number]:
    """Written numbers ("dua puluh lima", "twenty-five", "seratus", "two million"), one per run of number words."""
    out = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        if run:
            value = _word_value([m.group().lower() for m in run])
            if value is not None:
                pct = bool(re.match(r"\s*(?:%|persen\b|percent\b|per\s+cent\b)", text[run[-1].end():],
                                    re.IGNORECASE))
                out.append(_Number(text[run[0].start():run[-1].end()], {_key(value)}, pct, run[0].start(),
                                   run[-1].end()))
            run.clear()

    for m in re.finditer(r"[^\W\d_]+", text):
        word = m.group().lower()
        contiguous = not run or re.fullmatch(r"[\s-]*", text[run[-1].end():m.start()])
        if word in _NUMBER_WORDS and contiguous:
            run.append(m)
        else:
            flush()
            if word in _NUMBER_WORDS:
                run.append(m)
    flush()
    return out


def _word_value(words: Sequence[str]) -> float | None:
    total, group, unit = 0.0, 0.0, 0.0
    for w in words:
        if w in _NUM_UNITS:
            if unit:
                return None  # "dua tiga" is not one number
            unit = _NUM_UNITS[w]
        elif w in _NUM_FLAT:
            group += unit + _NUM_FLAT[w]
            unit = 0
        elif w == "belas":
            group += (unit or 1) + 10
            unit = 0
        elif w in ("puluh", "ratus"):
            if not unit:
                return None
            group += unit * _NUM_MULT[w]
            unit = 0
        elif w == "hundred":
            group = (group + unit or 1) * 100
            unit = 0
        elif w in _NUM_SCALE:
            total += (group + unit or 1) * _NUM_SCALE[w]
            group = unit = 0
    value = total + group + unit
    return value if value else None


# ----------------------------------------------------------------------------------------------------------------
# Sources

@dataclass
class _Date:
    day: int
    month: int
    year: int | None
    weekday: int | None


@dataclass
class _Source:
    lower: str  # padded lower-case units
    cased: str  # padded units, case kept
    numbers: dict[float, bool]  # value -> seen as a percentage
    dates: list[_Date]
    months: set[int]
    weekdays: set[int]


def _date_fields(mention_text: str, iso: str, year_known: bool, stated_only: bool = False) -> _Date:
    """Day, month, year and weekday of a mention. A source's year is known when written or resolved from its
    article date, and then its weekday follows; `stated_only` (answers) keeps only what the text says."""
    day = _dt.date.fromisoformat(iso)
    first = _WEEKDAY_AT_START.match(mention_text)
    stated_weekday = WEEKDAYS.get(first.group(1).lower()) if first else None
    year_stated = bool(re.search(r"\d{4}", mention_text))
    if stated_only:
        return _Date(day.day, day.month, day.year if year_stated else None, stated_weekday)
    if year_stated or year_known:
        return _Date(day.day, day.month, day.year, day.weekday())
    return _Date(day.day, day.month, None, stated_weekday)


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    date: _Date


def _mentions(text: str, reference: _dt.date | None, stated_only: bool) -> list[_Mention]:
    """Date mentions (rag.dates.find_dates) plus bare "11/8" day/month pairs, which find_dates leaves out."""
    found = find_dates(text, reference or _DUMMY_REFERENCE)
    out = [_Mention(m.start, m.end, m.text, _date_fields(m.text, m.iso, reference is not None, stated_only))
           for m in found]
    for b in _BARE_DAY_MONTH.finditer(text):
        day, month = int(b[1]), int(b[2])
        if 1 <= day <= 31 and 1 <= month <= 12 and not any(m.start <= b.start() < m.end for m in out):
            out.append(_Mention(b.start(), b.end(), b.group(), _Date(day, month, None, None)))
    return sorted(out, key=lambda m: m.start)


@functools.lru_cache(maxsize=512)
def _source(text: str, reference: str | None) -> _Source:
    ref = iso_day(reference)
    mentions = _mentions(text, ref, stated_only=False)
    dates = [m.date for m in mentions]
    masked = _mask(text, [(m.start, m.end) for m in mentions])
    numbers: dict[float, bool] = {}

    def add(values: Iterable[float], percent: bool) -> None:
        for v in values:
            numbers[v] = numbers.get(v, False) or percent

    for n in _digit_numbers(masked):
        add(n.values, n.percent)
        add({_key(v) for v in _digit_values(re.match(r"[\d.,]+", n.text).group())}, n.percent)  # unscaled too
    for n in _word_numbers(masked):
        add(n.values, n.percent)
    for m in re.finditer(r"[^\W\d_]+", masked):
        if m.group().lower() in _ORDINALS:
            add({float(_ORDINALS[m.group().lower()])}, False)
    for d in dates:
        if d.year is not None:
            add({float(d.year)}, False)
    for y in re.findall(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)", text):
        add({float(y)}, False)
    units = _units(text)
    lower_words = {u.lower() for u in units}
    months = {d.month for d in dates} | {n for w, n in _MONTH_WORDS.items() if w in lower_words}
    weekdays = {d.weekday for d in dates if d.weekday is not None}
    weekdays |= {n for w, n in _WEEKDAY_WORDS.items() if w in lower_words}
    return _Source(_padded(u.lower() for u in units), _padded(units), numbers, dates, months, weekdays)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _alt_in(source: _Source, units: tuple[str, ...], cased: bool) -> bool:
    if not cased:
        return _contains(source.lower, units)
    if not _contains(source.lower, tuple(u.lower() for u in units)):
        return False
    return all(_contains(source.cased, (u,)) for u in units if _is_acronym(u))


# ----------------------------------------------------------------------------------------------------------------
# Sentences

def _cited(citation_text: str) -> list[int]:
    numbers: list[int] = []
    inner = _CITATION.fullmatch(citation_text.strip())
    body = inner.group(1) if inner else citation_text
    for part in re.split(r"\s*(?:[,;]|and|dan)\s*", body, flags=re.IGNORECASE):
        bounds = re.split(r"\s*[-–]\s*", part.strip())
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit() and 0 <= int(bounds[1]) - int(bounds[0]) <= 20:
            numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        elif part.strip().isdigit():
            numbers.append(int(part.strip()))
    return numbers


def _split(answer: str) -> list[tuple[int, int]]:
    """Sentence spans; citation markers that open a piece ("Putin. [1] He ...") go back to the sentence before,
    and pieces with nothing but markers or punctuation are merged into it."""
    spans: list[list[int]] = []
    for start, end in sentence_spans(answer):
        lead = re.match(rf"(?:\s*{_CITATION.pattern})+[\s.,;:]*", answer[start:end], re.IGNORECASE)
        if lead and spans:
            spans[-1][1] = start + len(answer[start:start + lead.end()].rstrip())
            start += lead.end()
        if start >= end:
            continue
        rest = _CITATION.sub(" ", answer[start:end])
        if _LIST_MARKER.fullmatch(rest):
            continue  # "1." of a numbered list
        if not re.search(r"[^\W_]", rest):
            if spans:
                spans[-1][1] = end
            continue
        spans.append([start, end])
    return [(s, e) for s, e in spans]


def _is_refusal(text: str) -> bool:
    norm = _CITATION.sub(" ", text).lower().replace("’", "'").replace("`", "'")
    norm = re.sub(r"\bdo not\b", "don't", norm)
    norm = re.sub(r"\bdoes not\b", "doesn't", norm)
    norm = re.sub(r"\s+", " ", norm).strip(" .!;:\"'*_-\n\t")
    return norm in _REFUSAL_FORMS


def _cites_text(cites: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in cites)


@dataclass
class _Context:
    glossary: Glossary
    stop: frozenset[str]
    question: str  # padded lower units


def _from_question(ctx: _Context, units: Sequence[str]) -> bool:
    return _contains(ctx.question, tuple(u.lower() for u in units))


@dataclass
class _Tok:
    """A word of an answer; hyphenated words are split ("Kim Jong-un" -> Kim, Jong, un) and a part joined by a
    hyphen to a capitalised part counts as capitalised ("un"), while "mid-November" only capitalises November."""

    text: str
    start: int
    end: int
    cap: bool
    joined: bool = False  # follows a capitalised part after a hyphen


def _answer_tokens(text: str, skip: list[tuple[int, int]]) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        joined = bool(out) and out[-1].end == m.start() - 1 and text[m.start() - 1] == "-"
        cap = m.group()[:1].isupper() or (joined and out[-1].cap)
        out.append(_Tok(m.group(), m.start(), m.end(), cap, joined and out[-1].cap))
    return out


def _check_words(claim: str, date_spans: list[tuple[int, int]], sources: list[_Source], cites: str,
                 ctx: _Context, problems: list[str], notes: list[str]) -> None:
    """Capitalised words: glossary words need themselves or a translation in a cited source, function words
    pass, and runs of other capitalised words (names) must occur, together, in a cited source."""
    text = _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", "") + " ", claim)
    tokens = _answer_tokens(text, date_spans)
    group: list[_Tok] = []

    def question_suffix(units: Sequence[str]) -> str:
        return " (it is in the question)" if _from_question(ctx, units) else ""

    def close_group() -> None:
        if not group:
            return
        units = [u for t in group for u in _token_units(t.text)]
        acronym_only = len(group) == 1 and _is_acronym(group[0].text) and len(units[0]) <= 3
        found = any(_contains(s.cased, units) if acronym_only else _contains(s.lower, [u.lower() for u in units])
                    for s in sources)
        phrase = text[group[0].start:group[-1].end]
        if not found:
            problems.append(f"name {phrase!r} not in {cites}{question_suffix(units)}")
        elif _from_question(ctx, units):
            notes.append(f"name {phrase!r} is also in the question")
        group.clear()

    def adjacent(a: _Tok, b: _Tok) -> bool:
        return re.fullmatch(r"\s*|-", text[a.end:b.start]) is not None

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.cap:
            close_group()
            i += 1
            continue
        # the longest glossary phrase starting here (it may hold lower-case words: "House of Representatives")
        entry, length = None, 0
        for n in range(min(ctx.glossary.max_len, len(tokens) - i), 0, -1):
            run = tokens[i:i + n]
            if not run[-1].cap or any(not adjacent(a, b) for a, b in itertools.pairwise(run)):
                continue
            entry = ctx.glossary.lookup([t.text for t in run])
            if entry is not None and tok.joined and _is_acronym(entry.label):
                entry = None  # "JONG-UN" is not the United Nations
            if entry is not None:
                length = n
                break
        if entry is not None:
            close_group()
            run = tokens[i:i + length]
            phrase = text[run[0].start:run[-1].end]
            own = [u for t in run for u in _token_units(t.text)]
            own_alt, own_cased = _alt(" ".join(own))
            ok = any(_alt_in(s, own_alt, own_cased) for s in sources) or any(
                _alt_in(s, alt, cased) for s in sources for alt, cased in zip(entry.alternatives, entry.cased))
            if not ok and entry.month is not None:
                ok = any(entry.month in s.months for s in sources)
            if not ok and entry.weekday is not None:
                ok = any(entry.weekday in s.weekdays for s in sources)
            if not ok:
                others = [p for a, p in zip(entry.alternatives, entry.shown) if a != own_alt][:4]
                looked = f" (nor {', '.join(others)})" if others else ""
                problems.append(f"word {phrase!r} not in {cites}{looked}{question_suffix(own)}")
            i += length
            continue
        word = tok.text
        lower = _POSSESSIVE.sub("", word).lower()
        single_letter = len(lower) <= 1
        numeric = lower in _NUMBER_WORDS or lower in _ORDINALS  # checked as numbers
        # a capitalised function word is a name when it is not where a sentence or quote starts ("Tentang Dia")
        before = text[:tok.start]
        initial = not re.search(r"[^\W_]", before) or re.search(r"[:;\"“”‘(\[—–]\s*$", before)
        function_word = lower in ctx.stop and not _is_acronym(word) and bool(initial)
        if single_letter or numeric or lower in ctx.glossary.free or function_word:
            close_group()
            i += 1
            continue
        if group and (not adjacent(group[-1], tok) or _is_acronym(word) != _is_acronym(group[-1].text)):
            close_group()  # not next to each other, or "KCNA Kim": an acronym stands on its own
        group.append(tok)
        i += 1
    close_group()


def _check_numbers(claim: str, sources: list[_Source], cites: str, ctx: _Context, problems: list[str]) -> None:
    digits = _digit_numbers(claim)
    found = digits + [n for n in _word_numbers(claim)  # not the scale word of "5 million"
                      if max(n.values) >= 2 and not any(d.start <= n.start < d.end for d in digits)]
    found += [_Number(m.group(), {float(_ORDINALS[m.group().lower()])}, False, m.start(), m.end())
              for m in re.finditer(r"[^\W\d_]+", claim)
              if _ORDINALS.get(m.group().lower(), 0) >= 3]  # "ketiga", "fifth"; not "first"/"kedua" (= both)
    for n in found:
        ok = any(v in s.numbers and (s.numbers[v] or not n.percent) for s in sources for v in n.values)
        if not ok:
            suffix = " (it is in the question)" if _contains(ctx.question, [u.lower() for u in _units(n.text)]) else ""
            problems.append(f"number {n.text!r} not in {cites}{suffix}")


def _same_date(stated: _Date, found: _Date) -> bool:
    """`found` agrees with every field `stated` gives (a stated year or weekday must be known and equal)."""
    if (found.day, found.month) != (stated.day, stated.month):
        return False
    if stated.year is not None and found.year != stated.year:
        return False
    return stated.weekday is None or found.weekday == stated.weekday


def _check_dates(mentions: Sequence[_Mention], sources: list[_Source], cites: str, problems: list[str]) -> None:
    """A date must match a date of a cited source on every field the answer states."""
    for m in mentions:
        stated = m.date
        weekday = stated.weekday
        if not any(_same_date(stated, d) for s in sources for d in s.dates):
            shown = (f"{stated.year:04d}-{stated.month:02d}-{stated.day:02d}" if stated.year is not None
                     else f"--{stated.month:02d}-{stated.day:02d}")
            if weekday is not None:
                shown = f"{WEEKDAY_NAMES_EN[weekday]} {shown}"
            problems.append(f"date {shown} not in {cites}")


def _problems(claim: str, numbers: Sequence[int], sources: Mapping[int, str],
              source_dates: Mapping[int, str | None], ctx: _Context, notes: list[str]) -> tuple[list[str], bool]:
    """What `claim` states that the sources `numbers` do not hold, and whether it states anything checkable at all
    (a number, a date, or a capitalised word after the first, whose capital may be the sentence's)."""
    problems: list[str] = []
    cited = [_source(sources[n], source_dates.get(n)) for n in numbers]
    cites = _cites_text(numbers)
    reference = next((d for n in numbers if (d := iso_day(source_dates.get(n)))), None)
    mentions = _mentions(claim, reference, stated_only=True)
    spans = [(m.start, m.end) for m in mentions]
    _check_dates(mentions, cited, cites, problems)
    _check_words(claim, spans, cited, cites, ctx, problems, notes)
    _check_numbers(_mask(claim, spans), cited, cites, ctx, problems)
    words = _TOKEN.findall(_mask(claim, spans))
    checkable = bool(spans) or bool(re.search(r"\d", claim)) or any(w[0].isupper() for w in words[1:])
    return problems, checkable


def _with_citation(text: str, n: int) -> str:
    """`text` with " [n]" before its closing punctuation: "... of Russia." -> "... of Russia [1]."."""
    body = text.rstrip()
    stripped = body.rstrip(".!?")
    return f"{stripped} [{n}]{body[len(stripped):]}{text[len(body):]}"


def _check_sentence(answer: str, start: int, end: int, sources: Mapping[int, str],
                    source_dates: Mapping[int, str | None], ctx: _Context, attribute: bool = True) -> SentenceCheck:
    text = answer[start:end]
    citations: list[int] = []
    for m in _CITATION.finditer(text):
        citations.extend(n for n in _cited(m.group()) if n not in citations)
    if _is_refusal(text):
        return SentenceCheck(text, citations, True, "", refusal=True, start=start, end=end)
    problems: list[str] = []
    notes: list[str] = []
    missing = [n for n in citations if n not in sources]
    if not citations:
        problems.append("no citation")
        # A small model sometimes forgets the marker on a sentence it took from one source. Cite the first source
        # that holds every name, number and date the sentence states: the reader sees [n] and the same check a
        # cited sentence gets. A sentence that states nothing checkable stays uncited, and is dropped.
        for n in sorted(sources) if attribute else ():
            attempt: list[str] = []
            found, checkable = _problems(text, [n], sources, source_dates, ctx, attempt)
            if checkable and not found:
                text, citations, problems = _with_citation(text, n), [n], []
                notes += [*attempt, f"citation [{n}] added: the model cited nothing"]
                break
    elif missing:
        which = ", ".join(f"[{n}]" for n in missing)
        problems.append(f"cites {which} which {'does' if len(missing) == 1 else 'do'} not exist")
    else:
        claim = _mask(text, [m.span() for m in _CITATION.finditer(text)])
        problems, _ = _problems(claim, citations, sources, source_dates, ctx, notes)
    return SentenceCheck(text, citations, not problems, "; ".join(problems), start=start, end=end,
                         problems=problems, notes=notes)


def verify_answer(answer: str, sources: Mapping[int, str], language: str = "en", question: str = "",
                  source_dates: Mapping[int, str | None] | None = None, attribute: bool = True) -> Verification:
    """Check every sentence of `answer` against the sources it cites.

    `sources` maps the evidence numbers shown to the LLM ([1]..[4]) to their text; `source_dates` maps them to
    their article's ISO date, used to give yearless source dates ("Jumat (19/7)") a year. `question` is only used
    to report which unsupported words the answer took from the question. `language` is the answer's language
    ("en"/"id"); both languages' rules always apply, as answers mix them. `attribute`: give a sentence without a
    citation the first source that holds every name, number and date it states (False: such sentences fail).
    """
    ctx = _Context(load_glossary(), stopwords(), _padded(u.lower() for u in _units(question)))
    checks = [_check_sentence(answer, s, e, sources, source_dates or {}, ctx, attribute) for s, e in _split(answer)]
    return Verification(checks, language)
