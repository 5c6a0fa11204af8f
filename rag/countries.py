"""Countries named by a question's category and by a short answer.

"Which Russian news agency first reported ...?" asks for an agency of Russia; over an article that only quotes
"Kantor Berita Korea Utara, KCNA", the best candidate is North Korea's agency: a short answer that names another
country than the one the question's category is qualified with is a guess to doubt, not a fact to state.
"Di negara manakah kota Incheon terletak?" asks for a country: a short answer that is no country name
("Palangkaraya") is a guess too, and a sentence's country names are the candidates to prefer.

Country names come from Babel's CLDR territory names (Indonesian and English) plus rag/glossary.json: the
Indonesian forms of an English country name ("China" -> "Tiongkok", "Cina", "RRC") and English adjectives whose
Indonesian forms all name one country ("Russian" -> "Rusia", "North Korean" -> "Korea Utara").
"""
from __future__ import annotations

import functools
import json
import re

from babel import Locale

from .query import GLOSSARY

# CLDR codes that are no country: the EU, the euro area, the UN, "outlying Oceania", pseudo-locales
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
# "Which Russian news agency ...", "What North Korean weapons ...", "Who is the German chancellor ...?"
_EN_QUALIFIED = (r"\b(?i:which|what)\s+(?i:kind\s+of\s+)?{c}\s+[a-z]"
                 r"|\b(?i:who|what)\s+(?i:is|was|are|were)\s+(?i:the)\s+{c}\s+[a-z]")
# "Kantor berita Rusia apa ...", "Siapa pejabat pertahanan Korea Utara yang ...", "Siapakah nama Presiden Peru?",
# "Apa nama kantor berita Rusia yang ..."
_ID_QUALIFIED = (r"\b[a-z]+\s+{c}\s+(?:apa|mana)(?:kah)?\b"
                 r"|\b(?i:siapa|apa)(?:kah)?\s+(?:(?i:nama)\s+)?(?:(?!yang\b)[^\W\d_]+\s+){{1,3}}{c}"
                 r"\s*(?:yang\b|\?|,|$)")
# English short forms CLDR lacks
_EN_EXTRA = {"US": "US", "USA": "US", "UK": "GB"}


@functools.lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """(Indonesian forms as written in news -> code, English names and adjectives, lower-case -> code)."""
    english = {code: name for code, name in Locale("en").territories.items()
               if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}
    indonesian_cldr = Locale("id").territories
    terms = {k.lower(): v for k, v in json.loads(GLOSSARY.read_text(encoding="utf-8"))["terms"].items()}
    indonesian: dict[str, str] = {}
    en: dict[str, str] = {}

    def add_id(form: str, code: str) -> None:
        # glossary forms are lower-case ("korea utara") except acronyms ("AS", "RRC"); news writes them capitalised
        written = form if form.isupper() else " ".join(w[:1].upper() + w[1:] for w in form.split())
        indonesian.setdefault(written, code)

    for code, name in english.items():
        en.setdefault(name.lower(), code)
        if code in indonesian_cldr:
            add_id(indonesian_cldr[code], code)
        for form in terms.get(name.lower(), []):
            add_id(form, code)
    for code, name in indonesian_cldr.items():
        if code.isdigit():  # a region ("Amerika Latin", "Amerika Utara"): named whole, it is no country
            add_id(name, "")
    for word, forms in terms.items():  # adjectives and other English names: "russian", "britain", "dutch"
        # "chinese" -> "china", "tiongkok", "tionghoa": the forms that name a country all name China
        codes = {indonesian.get(f if f.isupper() else " ".join(w[:1].upper() + w[1:] for w in f.split()))
                 for f in forms} - {None, ""}
        if len(codes) == 1 and word not in en:
            en[word] = codes.pop()  # type: ignore[assignment]
    for short, code in _EN_EXTRA.items():
        en.setdefault(short.lower(), code)
    return indonesian, en


def _alternation(names: dict[str, str], ignore_case: bool) -> str:
    ordered = sorted(names, key=len, reverse=True)  # "Korea Utara" before "Korea", "Arab Saudi" before "Arab"
    if not ignore_case:
        return "|".join(map(re.escape, ordered))
    # acronyms ("AS", "RRC") only as written: "as" is an English word
    return "|".join(re.escape(n) if n.isupper() else "(?i:" + re.escape(n) + ")" for n in ordered)


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """(Indonesian names as written, with "bahasa Inggris" a language, not the country; a question's qualified
    category; any name, lower-case -> code)."""
    indonesian, english = _names()
    lookup = {**{k.lower(): v for k, v in english.items()}, **{k.lower(): v for k, v in indonesian.items()}}
    written = re.compile(r"(?<![\w-])(?<!ahasa )(" + _alternation(indonesian, ignore_case=False) + r")(?![\w-])")
    any_name = _alternation({**indonesian, **english}, ignore_case=True)
    country = f"((?<![\\w-])(?:{any_name})(?![\\w-]))"  # one group per pattern; a match fills one
    qualified = re.compile(_EN_QUALIFIED.format(c=country) + "|" + _ID_QUALIFIED.format(c=country))
    return written, qualified, lookup


def named_countries(text: str) -> frozenset[str]:
    """The countries (CLDR codes) an Indonesian text names as news writes them: "Kantor Berita Korea Utara" ->
    {"KP"}. Only capitalised Indonesian forms count, so an English surname ("Stanley Jordan") names none."""
    indonesian_names, _, _ = _patterns()
    indonesian, _ = _names()
    return frozenset(indonesian[m.group(1)] for m in indonesian_names.finditer(text)) - {""}


_JOINERS = re.compile(r"\b(?:negara|dan|and|serta)\b|[,;/&]", re.IGNORECASE)


def is_countries(text: str) -> bool:
    """Is the text only country names ("Korea Selatan", "Vietnam, Thailand, dan Meksiko", "negara Jepang"), not a
    person or an agency of one ("Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko", "Kantor Berita Korea Utara")?"""
    indonesian_names, _, _ = _patterns()
    rest = _JOINERS.sub(" ", indonesian_names.sub(" ", text))
    return bool(named_countries(text)) and not re.search(r"\w", rest)


def qualifying_countries(question: str) -> frozenset[str]:
    """The countries a question qualifies its answer's category with: "Which Russian news agency ...?" -> {"RU"},
    "Siapa pejabat pertahanan Korea Utara yang ...?" -> {"KP"}, "Apa nama kantor berita Rusia yang ...?" -> {"RU"};
    empty when the country is not the category's
    ("Which agency reported Kim's meeting with Russia?")."""
    _, qualified, lookup = _patterns()
    return frozenset(lookup[next(g for g in m.groups() if g).lower()] for m in qualified.finditer(question)) - {""}


# "Di negara manakah ...", "Negara apa ...", "Which country ...", "negara asal": the answer is a country ("negara
# bagian" is a state of a federation)
_ASKS_COUNTRY = re.compile(r"\bnegara\s+(?!bagian\b)(?:mana|apa)\w*|\b(?:which|what)\s+country\b"
                           r"|\bnegara\s+asal(?:nya)?\b|\bcountry\s+of\s+origin\b", re.IGNORECASE)


def asks_country(question: str) -> bool:
    """Does the question ask for a country ("Di negara manakah kota Incheon terletak?", "Which country ...?")?"""
    return bool(_ASKS_COUNTRY.search(question))


def country_conflict(question: str, short_answer: str) -> bool:
    """Does the short answer name only countries other than the one(s) the question's category is qualified with?
    ("Which Russian news agency ...?" -> "Kantor Berita Korea Utara")."""
    asked = qualifying_countries(question)
    if not asked:
        return False
    named = named_countries(short_answer)
    return bool(named) and not named & asked
