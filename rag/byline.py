"""Questions about an article itself: who wrote or edited it, which outlet published it, when, what it credits.

Those answers are in the article's byline and header ("Penulis : Haryo Jati Editor : Desy-Afrianti", "Sumber :
Korea JongAng Daily", the outlet and date), which are metadata, not indexed text. Read as ordinary questions, the
short-answer extractor names a person *in* the story: "Who wrote the article about the Russia-North Korea
meeting?" was answered "Kim Jong-un" with confidence (bench/RESULTS.md, session 23). So such questions are
recognised here, the article is found by what the question says it is about, and the answer comes from its
metadata, or "the sources don't say" when the article has no such field.

Recognition is deliberately narrow: a role word needs the article itself as its object ("Who wrote the
*article* ...", "Siapa penulis *berita* ini?", "Who is the author?"); "Who wrote the letter?" or "Siapa wartawan
yang ditahan?" are questions about the news and go the usual way.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .background import BackgroundIdf
from .bm25 import Tokenizer, stopwords
from .query import analysis_text, translated_terms
from .records import Hit

FIELDS = ("author", "editor", "outlet", "published", "credit")
# Share of a topic the chosen article must hold, both of its stems and of their weight (news-wide IDF): below it,
# the archive has no article about what the question names, and the closest one's author would be a wrong answer.
# By count too, so one rare name cannot carry a topic alone ("gempa di Lombok" is not an article that names Lombok's
# airport). Not fitted to data (no bylined archive to fit on): it errs towards "no such article".
TOPIC_COVERAGE = 0.6

# Nouns that can only mean the news article itself: not "report", "laporan", "tulisan" ("Kapan tulisan Samir
# al-Khalil ... diterbitkan?" asks about an essay *in* the news, FacQA train; "When was the UN report published?")
_EN_ARTICLE = r"(?:news\s+(?:article|story|report|item)|article|story|news)"
_ID_ARTICLE = r"(?:berita|artikel|liputan|warta)"
_DET = r"(?:(?:the|this|that|a|an)\s+)?"
_EN_ROLE = {"author": "author", "writer": "author", "reporter": "author", "journalist": "author",
            "byline": "author", "editor": "editor", "publisher": "outlet", "source": "credit"}
_ID_ROLE = {"penulis": "author", "menulis": "author", "wartawan": "author", "reporter": "author",
            "jurnalis": "author", "editor": "editor", "penyunting": "editor", "menyunting": "editor",
            "mengedit": "editor"}
_EN_VERB = {"wrote": "author", "authored": "author", "penned": "author", "written": "author",
            "edited": "editor", "published": "outlet", "ran": "outlet", "carried": "outlet", "posted": "outlet"}
_ID_VERB = {"ditulis": "author", "disunting": "editor", "diedit": "editor", "diterbitkan": "outlet",
            "dimuat": "outlet", "dipublikasikan": "outlet"}
_FLAGS = re.IGNORECASE

_PATTERNS: list[tuple[re.Pattern[str], dict[str, str] | str]] = [
    # "Who wrote the article about ...?", "Who edited this story?"
    (re.compile(rf"\bwho\s+(?:has\s+|had\s+)?(?P<key>wrote|authored|penned|written|edited|published|ran|carried|"
                rf"posted)\s+{_DET}{_EN_ARTICLE}\b(?P<topic>.*)", _FLAGS), _EN_VERB),
    # "Who wrote the Kompas TV report on ...?": a report, story or piece *of a named outlet* is the article itself
    # when that outlet published the article found (BylineQuestion.outlet; "Who wrote the UN report?" is not)
    (re.compile(rf"\bwho\s+(?:has\s+|had\s+)?(?P<key>wrote|authored|penned|edited)\s+the\s+"
                rf"(?P<outlet>(?-i:(?:[A-Z][\w.&-]*\s+){{1,4}}?))(?:news\s+)?(?:report|article|story|piece|coverage)"
                rf"\b(?P<topic>.*)", _FLAGS), _EN_VERB),
    # "Siapa yang menulis laporan Kompas TV tentang ...?"
    (re.compile(rf"\bsiapa(?:kah)?\s+(?:yang\s+)?(?P<key>menulis|menyunting|mengedit)\s+(?:laporan|tulisan|liputan)\s+"
                rf"(?P<outlet>(?-i:[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){{0,3}}))\b(?P<topic>.*)", _FLAGS), _ID_ROLE),
    # "Who was the article about ... written by?"
    (re.compile(rf"\bwho\s+(?:was|is)\s+{_DET}{_EN_ARTICLE}\b(?P<topic>.*?)\s+(?P<key>written|edited|published)"
                rf"\s+by\b", _FLAGS), _EN_VERB),
    # "Who is the author?", "Who was the editor of the report on ...?", "What is the source of this article?"
    (re.compile(rf"\b(?:who|what)\s+(?:is|was|are|were)\s+the\s+(?P<key>author|writer|reporter|journalist|editor|"
                rf"publisher|byline|source)s?(?:\s+(?:of|for|behind)\s+{_DET}{_EN_ARTICLE}\b(?P<topic>.*)|"
                rf"\s*[?.!]*\s*$)", _FLAGS), _EN_ROLE),
    # "Name the author of the article on ...", "the writer of this story"
    (re.compile(rf"\b(?P<key>author|writer|reporter|journalist|editor|publisher|byline)s?\s+(?:of|for|behind)\s+"
                rf"{_DET}{_EN_ARTICLE}\b(?P<topic>.*)", _FLAGS), _EN_ROLE),
    # "When was the article about ... published?"
    (re.compile(rf"\bwhen\s+(?:was|is|were)\s+{_DET}{_EN_ARTICLE}\b(?P<topic>.*?)\s+(?:published|posted|written|"
                rf"released|put\s+online)\b", _FLAGS), "published"),
    (re.compile(rf"\b(?:date|publication\s+date)\s+of\s+{_DET}{_EN_ARTICLE}\b(?P<topic>.*)", _FLAGS), "published"),
    # "When did Kompas TV publish its story on ...?"
    (re.compile(rf"\bwhen\s+did\s+(?:[\w.]+\s+){{1,4}}?(?:publish|post|run|release|carry|put\s+out)\s+"
                rf"(?:(?:its|their|the|this|that|a|an)\s+)?{_EN_ARTICLE}\b(?P<topic>.*)", _FLAGS), "published"),
    # "Which outlet published the article ...?", "Where was the story about ... published?"
    (re.compile(rf"\b(?:which|what)\s+(?:news\s+)?(?:outlet|newspaper|paper|media|medium|site|website|"
                rf"publication|channel|portal)\s+(?:published|ran|carried|posted|released)\s+{_DET}{_EN_ARTICLE}\b"
                rf"(?P<topic>.*)", _FLAGS), "outlet"),
    (re.compile(rf"\bwhere\s+(?:was|is)\s+{_DET}{_EN_ARTICLE}\b(?P<topic>.*?)\s+published\b", _FLAGS), "outlet"),
    # "Siapa penulis berita ini?", "Siapa yang menulis artikel tentang ...?", "Siapa editornya?"
    (re.compile(rf"\bsiapa(?:kah)?\s+(?:yang\s+)?(?P<key>penulis|menulis|wartawan|reporter|jurnalis|editor|"
                rf"penyunting|menyunting|mengedit)(?:nya)?(?:\s+(?:dari\s+)?{_ID_ARTICLE}\b(?P<topic>.*)|"
                rf"\s+(?:ini|itu|tersebut)\b\s*[?.!]*\s*$|\s*[?.!]*\s*$)", _FLAGS), _ID_ROLE),
    # "Berita tentang ... ditulis oleh siapa?"
    (re.compile(rf"\b{_ID_ARTICLE}\b(?P<topic>.*?)\s+(?P<key>ditulis|disunting|diedit|diterbitkan|dimuat|"
                rf"dipublikasikan)\s+oleh\s+(?:media\s+)?(?:siapa|apa|mana)", _FLAGS), _ID_VERB),
    # "Kapan berita tentang ... diterbitkan?"
    (re.compile(rf"\bkapan(?:kah)?\s+{_ID_ARTICLE}\b(?P<topic>.*?)\s+(?:diterbitkan|dimuat|dipublikasikan|ditulis|"
                rf"terbit|diunggah|dirilis)\b", _FLAGS), "published"),
    (re.compile(rf"\btanggal\s+(?:terbit\s+)?{_ID_ARTICLE}\b(?P<topic>.*)", _FLAGS), "published"),
    # "Kapan Kompas TV menerbitkan berita tentang ...?"
    (re.compile(rf"\bkapan(?:kah)?\s+(?:[\w.]+\s+){{1,4}}?(?:menerbitkan|memuat|mempublikasikan|menyiarkan|"
                rf"merilis|mengunggah)\s+{_ID_ARTICLE}\b(?P<topic>.*)", _FLAGS), "published"),
    # "Media apa yang menerbitkan berita ...?"
    (re.compile(rf"\b(?:media|situs|koran|surat\s+kabar|portal|stasiun\s+televisi|televisi)\s+(?:apa|mana)(?:kah)?"
                rf"\s+(?:yang\s+)?(?:menerbitkan|memuat|mempublikasikan|menyiarkan)\s+{_ID_ARTICLE}\b(?P<topic>.*)",
                _FLAGS), "outlet"),
    # "Apa sumber berita ini?"
    (re.compile(rf"\bapa(?:kah)?\s+sumber\s+{_ID_ARTICLE}\b(?P<topic>.*)", _FLAGS), "credit"),
]
_TOPIC_LEAD = re.compile(r"^(?:\s*(?:about|on|regarding|concerning|covering|of|from|tentang|mengenai|soal|terkait|"
                         r"yang\s+membahas|yang\s+memberitakan|this|that|ini|itu|tersebut|the|yang)\b)+", _FLAGS)
_EMPTY_TOPIC = re.compile(r"^[\W_]*$")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class BylineQuestion:
    """A question about an article's metadata: which FIELDS entry, and what the article is about ("" when the
    question names no topic: "Who wrote this article?")."""

    field: str
    topic: str
    outlet: str = ""  # the outlet the question says published it ("the Kompas TV report"), checked by same_outlet


def byline_question(question: str) -> BylineQuestion | None:
    """The byline field a question asks for, or None for a question about the news itself."""
    for pattern, field in _PATTERNS:
        match = pattern.search(question)
        if match is None:
            continue
        groups = match.groupdict()
        name = field if isinstance(field, str) else field[groups["key"].lower()]
        return BylineQuestion(name, clean_topic(groups.get("topic") or ""), (groups.get("outlet") or "").strip())
    return None


def same_outlet(named: str, source: str | None) -> bool:
    """Whether the outlet a question names is the article's ("Kompas TV" and "kompas.tv"; "Tempo" and
    "tempo.co"): letters and digits only, one inside the other."""
    a, b = (re.sub(r"[\W_]+", "", x.lower()) for x in (named, source or ""))
    return bool(a and b) and (a in b or b in a)


def clean_topic(text: str) -> str:
    """'about the Russia-North Korea meeting?' -> 'Russia-North Korea meeting'; 'ini?' -> ''."""
    topic = _TOPIC_LEAD.sub("", text.strip()).strip().rstrip("?.! ")
    return "" if _EMPTY_TOPIC.match(topic) else topic


def byline_values(hit: Hit) -> dict[str, str]:
    """What the article of `hit` says about itself, by field (missing fields left out)."""
    values = {"author": hit.author, "editor": hit.editor, "outlet": hit.source, "published": hit.date,
              "credit": hit.credit}
    return {k: v for k, v in values.items() if v}


def topic_stems(topic: str, language: str, tokenizer: Tokenizer) -> list[str]:
    """The stems an article about `topic` should hold. English topics are read through the glossary, as every
    question is (query.analysis_text); an English word the glossary cannot translate ("tiger") stays as it is and
    will be missing from Indonesian text: the check errs towards "the sources don't say"."""
    text, _ = analysis_text(topic, language)
    if language != "id":
        stop = stopwords("english")
        text += " " + " ".join(w for w in _WORD.findall(topic)
                               if w.islower() and w not in stop and not translated_terms(w))
    return list(dict.fromkeys(tokenizer(text)))


def topic_coverage(topic: str, language: str, hits: Sequence[Hit], tokenizer: Tokenizer,
                   background: BackgroundIdf) -> float:
    """How much of the topic the article of the first hit holds (its title and every retrieved passage of it): the
    smaller of its share of the topic's stems and of their weight. Weights are news-wide IDF, so they mean the same
    in a one-article archive as in a large one. `language`: the question's (a short topic alone reads as
    Indonesian)."""
    if not hits:
        return 0.0
    stems = topic_stems(topic, language, tokenizer)
    if not stems:
        return 1.0  # nothing to check ("the article?")
    article = hits[0].article_id
    held = set(tokenizer("\n".join([hits[0].title] + [h.text for h in hits if h.article_id == article])))
    weights = {s: background.idf(s) for s in stems}
    total = sum(weights.values())
    weighted = sum(w for s, w in weights.items() if s in held) / total if total > 0 else 1.0
    return min(weighted, sum(s in held for s in stems) / len(stems))


LABELS = {"en": {"author": "Author", "editor": "Editor", "outlet": "Outlet", "published": "Published",
                 "credit": "Source"},
          "id": {"author": "Penulis", "editor": "Editor", "outlet": "Media", "published": "Terbit",
                 "credit": "Sumber"}}
ACCORDING = {"en": "according to the article's details", "id": "menurut keterangan artikel"}
MISSING = {"en": {"author": "names no author", "editor": "names no editor", "outlet": "names no outlet",
                  "published": "has no date", "credit": "credits no source"},
           "id": {"author": "tidak mencantumkan penulis", "editor": "tidak mencantumkan editor",
                  "outlet": "tidak mencantumkan media", "published": "tidak mencantumkan tanggal",
                  "credit": "tidak mencantumkan sumber"}}
NO_ARTICLE = {"en": "No article about “{topic}” was found.",
              "id": "Tidak ditemukan berita tentang “{topic}”."}
WHICH_ARTICLE = {"en": "Which article? Name what it is about, e.g. “Who wrote the article about …?”",
                 "id": "Berita yang mana? Sebutkan isinya, misalnya “Siapa penulis berita tentang …?”"}


def byline_line(values: dict[str, str], language: str) -> str:
    """'Author: Haryo Jati · Editor: Desy-Afrianti · Source: Korea JongAng Daily' (the fields the article has)."""
    labels = LABELS.get(language, LABELS["en"])
    return " · ".join(f"{labels[k]}: {values[k]}" for k in ("author", "editor", "credit") if k in values)
