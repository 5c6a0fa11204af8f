"""Short answers: the few words of an evidence sentence that answer a question ("Aleksey Krivoruchko",
"Kamis (18/7/2024)", "Rp 5 miliar"), as a verbatim span with offsets into the sentence.

No extractive-QA model ships offline, so this is candidate generation plus a linear scorer:

1. The question's answer type (rag.query.answer_type, with three local corrections, see `question_focus`)
   decides which candidates are generated: capitalised name sequences (whole, split at the question's own
   words, stripped of leading titles), dates and times (rag.dates.find_dates plus years, months, times and
   relative expressions), numbers with their unit, parenthesised asides, and the words right after the
   question's words (for "what" questions whose answer is a common noun phrase).
2. Every candidate gets a few features (distance to the question's words in the sentence, overlap with the
   question, type fit, unit or head noun named by the question, how name-like / place-like / title-like its
   words are, position, length) and a linear score. The weights are trained on FacQA *train* by
   bench/extraction.py and stored with a casing lexicon (from the CLICK-ID news corpus: how often a word is
   written in lower case, how often it follows "di/ke/dari", how often it is a speaker) in rag/extraction.json;
   hand-set defaults apply when the file is missing.
3. The best candidate wins; nothing of the asked type in the sentence -> None, never a guess of another type.
   (No score threshold: the scores rank candidates of one question well but are not calibrated across
   questions -- on FacQA train the lowest-scoring tenth of answers is still 45-90% right, depending on type.)

`ShortAnswer.score` also contains how well the sentence matches the question, so scores of different sentences
can be compared (pick the best (sentence, span) of a passage with `best_short_answer`).
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .bm25 import stem as root
from .countries import asks_country, is_countries
from .dates import (MONTHS, WEEKDAY_NAMES_EN, WEEKDAY_NAMES_ID, WEEKDAYS, find_dates, find_relative_dates,
                    iso_day)
from .query import answer_type, detect_language, glossary_equivalents, glossary_phrase_at, translated_terms

KINDS = ("who", "where", "when", "number", "other")
MAX_WORDS = 8
_MODEL_PATH = Path(__file__).with_name("extraction.json")


@dataclass(frozen=True)
class ShortAnswer:
    """A short answer: `sentence[start:end] == text`."""

    text: str
    start: int
    end: int
    kind: str  # "who" | "where" | "when" | "number" | "other"
    score: float
    # the candidate's origin: "name", "name_core", ..., "date", "number", "paren", "phrase", "object"
    source: str = ""
    # a which/what question names the category of its answer ("Kapal apa ...", "Which ship ..."), and this
    # answer does not name it: the sentence offered no candidate of that category
    off_category: bool = False


# ---------------------------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------------------------

# Words keep inner hyphens/apostrophes/dots ("Jong-un", "U.S"), numbers keep separators ("22.265", "2,5", "18/7");
# a currency glued to its amount is two tokens ("Rp600" -> "Rp", "600"), as news also writes "Rp 600".
_TOKEN = re.compile(r"(?:Rp|RP|rp)(?=\d)|\d+(?:[.,/:]\d+)*(?:-an)?|[^\W_]+(?:[-'’.][^\W_]+)*|[^\w\s]")


@dataclass
class _Tok:
    text: str
    start: int
    end: int
    low: str = ""
    alpha: bool = False
    cap: bool = False
    acro: bool = False
    num: bool = False
    initial: bool = False  # first word of the sentence or of a quotation: capitalised by position, not by name

    def __post_init__(self) -> None:
        self.low = self.text.lower()
        first = self.text[0]
        self.alpha = first.isalpha()
        self.cap = first.isupper()
        letters = [c for c in self.text if c.isalpha()]
        self.acro = len(letters) >= 2 and all(c.isupper() for c in letters)
        self.num = first.isdigit()


def _tokens(text: str) -> list[_Tok]:
    toks = [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i else None
        t.initial = prev is None or prev.text in {'"', "“", "‘", "'", "(", "[", ":", "-", "–", "—", "•"} or (
            prev.text in {".", "!", "?"})
    return toks


# ---------------------------------------------------------------------------------------------------------------
# Word lists (closed classes; no entity names)
# ---------------------------------------------------------------------------------------------------------------

_QUESTION_WORDS = frozenset("""
siapa siapakah apa apakah apakan apaan kapan kapankah bilamana berapa berapakah berapalah dimana dimanakah mana
manakah kemana kemanakah darimana darimanakah mengapa kenapa bagaimana bagaimanakah yang nama namanya sebutkan
who whom whose what which when where why how many much is are was were the a an of did does do in on at to for
by from with and or name called
""".split())

_FUNCTION = frozenset("""
yang dan atau di ke dari pada dengan untuk oleh dalam bagi sebagai adalah ialah yaitu yakni merupakan itu ini
tersebut akan telah sudah sedang masih juga pun tidak bukan tak belum bahwa karena saat ketika setelah sebelum
hingga sampai sejak para sang si se serta namun tetapi tapi agar supaya jika kalau maka lalu kemudian per
antara atas bawah kepada terhadap tentang seperti sekitar hanya lebih kurang sekitarnya mencapai sebanyak
sebesar sejumlah senilai seluas setinggi sepanjang selama yaitu nya lagi
the a an of in on at to for by from with and or as is are was were be been that this these those which who
""".split())

_PREP_PLACE = frozenset({"di", "ke", "dari", "in", "at", "to", "from", "near", "dekat", "kota", "provinsi",
                         "propinsi", "kabupaten", "desa", "kecamatan", "pulau", "negara", "wilayah", "kawasan"})
_PREP_TIME = frozenset({"pada", "sejak", "hingga", "sampai", "tanggal", "tgl", "hari", "on", "since", "until",
                        "in", "mulai", "per", "tahun", "bulan", "akhir", "awal", "pertengahan"})

# Titles, honorifics and ranks that precede a person's name; stripped to get the name itself.
_TITLES = frozenset("""
presiden wakil wapres menteri menko mendagri menlu menkeu ketua wakil direktur dirut dirjen sekjen sekretaris
jenderal kepala gubernur wagub bupati wabup walikota wali camat lurah panglima komandan danjen pangdam kapolri
kapolda kapolres kapolsek kajati kajari duta dubes rektor dekan guru besar prof profesor dr drs dra ir h hj kh
drh sh se mm msi ma phd pemimpin pimpinan juru bicara jubir anggota koordinator manajer pelatih kapten letnan
kolonel mayor brigjen mayjen letjen jenderal laksamana marsekal komisaris kombes akbp ajun inspektur kasubdit
kabid kadis perdana pm raja ratu paus pangeran syekh imam ustad ustaz pastor romo bapak ibu pak bu sdr saudara
tuan nyonya nona mr mrs ms sir dato datuk tun haji hajjah almarhum alm president vice minister deputy secretary
general chairman director chief head governor mayor senator king queen prince spokesman spokesperson
commander ambassador dr. prof. utama umum muda madya pertama eksekutif senior staf ahli pengamat peneliti
aktivis penulis pengusaha pemain atlet artis penyanyi sutradara pendiri pemilik warga tersangka terdakwa
""".split())

_NUMBER_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000, "sejuta": 1e6, "semiliar": 1e9,
    "belas": 10, "puluh": 10, "ratus": 100, "ribu": 1000, "juta": 1e6, "miliar": 1e9, "milyar": 1e9,
    "triliun": 1e12, "puluhan": 10, "ratusan": 100, "ribuan": 1000, "jutaan": 1e6, "setengah": 0.5,
    "separuh": 0.5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "hundred": 100,
    "thousand": 1000, "million": 1e6, "billion": 1e9, "trillion": 1e12, "dozens": 12, "hundreds": 100,
    "thousands": 1000, "millions": 1e6,
}
_MULTIPLIERS = frozenset({"belas", "puluh", "ratus", "ribu", "juta", "miliar", "milyar", "triliun", "hundred",
                          "thousand", "million", "billion", "trillion", "rb", "jt", "m"})
_CURRENCY = frozenset({"rp", "us$", "$", "usd", "idr", "€", "£", "¥", "eur", "sgd", "rm", "yen", "euro"})
_HEDGES = frozenset({"sekitar", "kira-kira", "hampir", "sedikitnya", "setidaknya", "antara", "mencapai", "sebanyak",
                     "sebesar", "about", "around", "nearly", "almost", "over"})
_HEDGES2 = frozenset({("lebih", "dari"), ("kurang", "dari"), ("lebih", "kurang"), ("more", "than"),
                      ("less", "than"), ("at", "least")})
_PERCENT = frozenset({"persen", "%", "percent", "per cent", "prosen"})
# Words after "berapa" that ask for a size, not a unit ("berapa jumlah korban" -> the unit is "korban").
_MEASURE = frozenset("""
jumlah banyak besar besarnya luas total nilai lama lamanya tinggi panjang harga biaya jauh kah banyaknya
jumlahnya kali-kah kecepatan kapasitas kerugian angka tingkat rata-rata kira-kira perkiraan sekitar usia umur
dana anggaran many much long far old big large
""".split())
# English words a question may use for an Indonesian unit (numbers themselves read the same).
_EN_UNITS = {"people": "orang", "persons": "orang", "person": "orang", "percent": "persen", "times": "kali",
             "years": "tahun", "year": "tahun", "months": "bulan", "days": "hari", "hours": "jam",
             "minutes": "menit", "houses": "rumah", "tons": "ton", "tonnes": "ton", "hectares": "hektar",
             "villages": "desa", "countries": "negara", "victims": "korban", "children": "anak",
             "students": "siswa", "units": "unit", "rupiah": "rp", "dollars": "dollar", "medals": "medali",
             "kilometres": "km", "kilometers": "km", "metres": "meter", "meters": "meter"}

# What a quantity question measures, from the words right after its question word ("Berapa panjang ...", "How long
# ...", "What is the price of ...") or right before "berapa" ("Pada ketinggian berapa ..."), and the units each
# measure is given in: a candidate in such a unit is likely ("Berapa luas ...?" -> "695 kilometer persegi"), one whose
# unit measures something else is not ("Berapa harga ...?" -> "1.200 kg"); a unit of no known class ("orang") is
# neither.
_MEASURE_CLASSES = {
    "length": "panjang jarak jauh tinggi ketinggian lebar kedalaman length long distance far tall height wide width "
              "depth",
    "mass": "berat bobot weight heavy weigh",
    "volume": "volume kapasitas isi kubikasi capacity displacement",
    "area": "luas area",
    "money": "harga biaya anggaran kerugian gaji tarif ongkos modal investasi price cost costs budget salary fee "
             "fees worth investment",
    "duration": "lama lamanya durasi duration",
    "age": "usia umur old age",
    "speed": "kecepatan speed fast",
    "power": "daya tenaga torsi power horsepower torque",
    "temperature": "suhu temperature",
}
_MEASURE_OF = {w: cls for cls, ws in _MEASURE_CLASSES.items() for w in ws.split()}
# a measure also read in units of another class: speed in km (of "km/jam"), age in years and months, capacity in
# kWh (a battery), tonnes or megawatts ("kapasitas produksi 3,6 juta ton"), "how long" in time as well as in metres
_MEASURE_ALSO = {"speed": {"length"}, "age": {"duration"}, "volume": {"energy", "mass", "power"},
                 "length": {"duration"}, "duration": {"age"}}
# units any measure may be given in: a share or a multiple of it ("naik 26 persen", "10 kali lipat")
_ANY_MEASURE = frozenset({"percent", "times"})
_UNIT_CLASS = {u: cls for cls, us in {
    "length": "km kilometer kilometre kilometres kilometers meter metre meters metres m cm sentimeter centimeter mm "
              "milimeter mil mile miles kaki feet ft inci inch inches yard mdpl",
    "mass": "ton tons tonne tonnes kg kilogram kilograms gram grams gr kuintal ons",
    "volume": "liter litre liters litres ml mililiter cc barel barrel barrels galon gallon gallons",
    "area": "hektare hektar ha hectare hectares acre acres",
    "money": "rupiah dolar dollar dollars euro yen ringgit yuan won rp",
    "duration": "detik menit jam hari minggu pekan bulan tahun dekade abad second seconds minute minutes hour "
                "hours day days week weeks month months year years",
    "times": "kali times",
    "power": "hp tk dk ps kw kilowatt watt mw megawatt nm",
    "energy": "kwh mwh",
    "temperature": "derajat celsius celcius",
    "percent": "persen",
}.items() for u in us.split()}

# Common English news words -> their Indonesian forms, so an English question's titles and head nouns can match
# an Indonesian sentence (names and numbers already read the same). Vocabulary only, no names.
_EN_ID = {
    "president": "presiden", "vice": "wakil", "deputy": "wakil", "minister": "menteri", "ministry": "kementerian",
    "governor": "gubernur", "mayor": "walikota", "regent": "bupati", "chairman": "ketua", "chair": "ketua",
    "head": "kepala", "director": "direktur", "general": "jenderal", "secretary": "sekretaris",
    "commander": "panglima", "chief": "kepala", "leader": "pemimpin", "ambassador": "duta", "spokesman": "juru",
    "foreign": "luar", "affairs": "negeri", "defence": "pertahanan", "defense": "pertahanan", "finance": "keuangan",
    "health": "kesehatan", "education": "pendidikan", "country": "negara", "countries": "negara", "city": "kota",
    "province": "provinsi", "island": "pulau", "district": "kabupaten", "regency": "kabupaten",
    "village": "desa", "company": "perusahaan", "party": "partai", "agency": "badan", "board": "badan",
    "institute": "institut", "university": "universitas", "department": "departemen", "court": "pengadilan",
    "police": "polisi", "army": "tentara", "military": "militer", "government": "pemerintah", "bank": "bank",
    "airport": "bandara", "lake": "danau", "mountain": "gunung", "river": "sungai", "sea": "laut",
    "beach": "pantai", "street": "jalan", "building": "gedung", "palace": "istana", "office": "kantor",
    "hospital": "rumah", "school": "sekolah", "market": "pasar", "port": "pelabuhan", "film": "film",
    "book": "buku", "award": "penghargaan", "prize": "hadiah", "disease": "penyakit", "group": "kelompok",
    "organisation": "organisasi", "organization": "organisasi", "team": "tim", "club": "klub",
    "championship": "kejuaraan", "festival": "festival", "meeting": "pertemuan", "visit": "kunjungan",
    "election": "pemilu", "earthquake": "gempa", "flood": "banjir", "fire": "kebakaran", "plane": "pesawat",
    "ship": "kapal", "people": "orang", "victims": "korban", "killed": "tewas", "dead": "tewas", "died": "meninggal",
    "born": "lahir", "met": "bertemu", "meet": "bertemu", "delegation": "delegasi", "north": "utara",
    "south": "selatan", "east": "timur", "west": "barat", "central": "tengah", "national": "nasional",
    "world": "dunia", "international": "internasional", "first": "pertama",
    "price": "harga", "cost": "biaya", "budget": "anggaran", "area": "luas", "population": "penduduk",
    "latin": "latin", "name": "nama", "capital": "ibu", "students": "siswa", "teachers": "guru",
}

_RELATIVE_TIME = re.compile(
    r"\b(?:(?:(?:\d+|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|beberapa)\s+)?"
    r"(?:hari|pekan|minggu|bulan|tahun|abad|dekade|jam)\s+(?:yang\s+)?(?:lalu|silam|depan|mendatang|ini|kemudian)"
    r"|kemarin(?:\s+(?:pagi|siang|sore|malam))?|tadi\s+(?:pagi|siang|sore|malam)|semalam|hari\s+ini|besok|lusa"
    r"|akhir\s+pekan|(?:last|next|this)\s+(?:week|month|year)|yesterday|today|tomorrow)\b", re.IGNORECASE)
_TIME = re.compile(r"\b(?:pukul|jam|pk\.?|at)\s+\d{1,2}(?:[.:]\d{2})?(?:\s*-\s*\d{1,2}(?:[.:]\d{2})?)?"
                   r"(?:\s+(?:WIB|WITA|WIT|GMT|UTC|waktu\s+setempat))?\b"
                   r"|\b\d{1,2}[.:]\d{2}\s+(?:WIB|WITA|WIT|GMT|UTC)\b", re.IGNORECASE)
_MONTH_ALT = "|".join(sorted({m for m in MONTHS if len(m) > 3}, key=len, reverse=True))
_MONTH_YEAR = re.compile(
    rf"\b(?:(?:awal|akhir|pertengahan|medio|early|late|mid)\s+)?(?:bulan\s+)?(?:{_MONTH_ALT})(?:\s+(?:\d{{4}}))?\b",
    re.IGNORECASE)
_YEAR = re.compile(r"\b(?:(?:tahun|thn|year|awal|akhir|pertengahan|medio)\s+)?(?:1[5-9]\d\d|20\d\d|21\d\d)(?:-an)?"
                   r"(?:\s*[-–/]\s*(?:1[5-9]\d\d|20\d\d))?(?![\d.,]\d)\b", re.IGNORECASE)
_DAY_RANGE = re.compile(rf"\b\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s+(?:{_MONTH_ALT})(?:\s+\d{{4}})?\b", re.IGNORECASE)
_WEEKDAY_WORD = re.compile(r"\b(?:hari\s+)?(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu|Monday|Tuesday|"
                           r"Wednesday|Thursday|Friday|Saturday|Sunday)(?:\s+(?:pagi|siang|sore|malam|dini\s+hari|"
                           r"lalu|kemarin|morning|afternoon|evening|night))?\b")
_PART_OF_DAY = re.compile(r"\s*,?\s*(?:pagi|siang|sore|malam|dini\s+hari|petang)\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------------
# Lexicon and weights
# ---------------------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _model() -> dict:
    """The stored lexicon and weights ({} when the file is absent: defaults apply)."""
    try:
        return json.loads(_MODEL_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _unpack(table: dict[str, str] | None) -> dict[str, float]:
    """{"0.3": "word word ..."} -> {"word": 0.3}: the compact on-disk form of a word -> share table."""
    out: dict[str, float] = {}
    for share, words in (table or {}).items():
        value = float(share)
        for w in words.split():
            out[w] = value
    return out


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    m = _model().get("lexicon", {})
    return _unpack(m.get("lower_share")), _unpack(m.get("place_share")), _unpack(m.get("person_share"))


def _lower_share(word: str) -> float:
    """How often `word` is written in lower case mid-sentence in news (0 = always capitalised / unknown)."""
    return _lexicon()[0].get(word.lower(), 0.0)


def _place_share(word: str) -> float:
    return _lexicon()[1].get(word.lower(), 0.0)


def _person_share(word: str) -> float:
    return _lexicon()[2].get(word.lower(), 0.0)


def _known(word: str) -> bool:
    lo = word.lower()
    lex = _lexicon()
    return lo in lex[0] or lo in lex[1] or lo in lex[2]


# ---------------------------------------------------------------------------------------------------------------
# Question analysis
# ---------------------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer
        return Stemmer.Stemmer("indonesian")
    except ImportError:  # pragma: no cover - PyStemmer is a dependency of the keyword index
        return None


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    st = _stemmer()
    w = word.lower()
    return st.stemWord(w) if st is not None and w.isalpha() else w


@dataclass
class _Question:
    text: str
    kind: str
    terms: frozenset[str]  # content words, lower case
    stems: frozenset[str]
    focus: str  # "person", "place", "date", "year", "number", "ordinal", "name", "expansion", "acronym", "phrase"
    head: str  # the noun the question word attaches to ("universitas" in "Universitas apakah ...")
    unit: str  # the unit a "berapa" question names ("persen" in "Berapa persen ...")
    acronyms: tuple[str, ...]
    words: frozenset[str] = field(default_factory=frozenset)  # every lower-case word of the question
    # "Apa yang dibahas ...", "What did X discuss ...": the answer is the object of this verb; its roots (Sastrawi,
    # as the keyword index; for an English verb, those of each Indonesian equivalent: "discuss" -> "diskusi",
    # "bahas"). Empty otherwise.
    verbs: frozenset[str] = field(default_factory=frozenset)
    # what a quantity question measures ("length", "money", ... : _MEASURE_CLASSES), with the classes of units it
    # may be given in; empty when the question names no measure
    measures: frozenset[str] = field(default_factory=frozenset)


_EXPANSION = re.compile(r"\b(kepanjangan|singkatan|kependekan|stands? for|abbreviation|short for|akronim)\b",
                        re.IGNORECASE)
_PLACE_HEADS = frozenset("""
negara kota provinsi propinsi pulau kabupaten daerah wilayah kawasan desa kecamatan benua lokasi tempat
country city province island region district village continent place town kelurahan kampung gedung jalan
""".split())
_DATE_Q = re.compile(r"\b(tanggal|tgl|tahun|bulan|hari|year|date|month|day)\s+(berapa\w*|apa\w*|mana\w*|what)\b"
                     r"|\b(what|which)\s+(year|date|month|day)\b", re.IGNORECASE)
_WHO_WORD = re.compile(r"\b(siapa\w*)\b|\b(who|whom|whose)\b", re.IGNORECASE)
# "keberapa", "ke berapa", "urutan keberapakah": the answer is an ordinal ("pertama", "ke-82")
_ORDINAL_Q = re.compile(r"\bke-?\s?berapa\w*", re.IGNORECASE)
_ORDINAL_WORDS = frozenset("""pertama kedua ketiga keempat kelima keenam ketujuh kedelapan kesembilan kesepuluh
    kesebelas keseratus terakhir""".split())


def question_focus(question: str, qtype: str | None = None) -> tuple[str, str]:
    """(answer kind, finer focus) for a question; focus is one of person, place, date, year, number, name
    ("Apa nama ...", "Universitas apakah ..."), expansion ("kepanjangan dari ..."), verb (the object of a verb:
    "Apa yang dibahas ...", "What did X discuss ...") or phrase (anything else).

    The kind is `qtype` when given, else rag.query.answer_type corrected for three slips seen on FacQA train
    (12% of its questions): "-kah" forms ("tahun/tanggal berapakah", "bulan apakah") read as number/other
    instead of when, "Di negara/kota/provinsi manakah" (a place) left as other, and an upper-case "WHO" (the
    organisation) read as who.
    """
    q = _analyse(question, qtype)
    return q.kind, q.focus


# A time of day or a duration: dates alone can answer them ("25 Juni 1950 sampai 27 Juli 1953", "pukul 14.00")
_TIME_OR_DURATION_Q = re.compile(r"\b(?:jam|pukul|lama\w*|what\s+time|how\s+long)\b|\b(?:berapa\w*|how\s+many)\s+"
                                 r"(?:tahun|bulan|minggu|pekan|hari|abad|dekade|years?|months?|weeks?|days?)\b",
                                 re.IGNORECASE)


def asks_count(question: str) -> bool:
    """A how-many / how-much question whose answer is a stated quantity (not a time of day or a duration)."""
    kind, focus = question_focus(question)
    return kind == "number" and focus != "ordinal" and not _TIME_OR_DURATION_Q.search(question)


# A stated quantity: a digit, a number word or its "ke-" form ("keempat anaknya", "kedua negara"), a "se-" unit
# ("sebulan", "seorang"), a century in Roman numerals ("abad XVII")
_STATED_NUMBER = re.compile(
    r"\d|\b(?:ke-?)?(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b|\babad\s+[IVXLC]+\b"
    r"|\bse(?:bulan|tahun|minggu|pekan|hari|jam|abad|dekade|kali|buah|ekor|orang)\b", re.IGNORECASE)


def states_number(text: str, reference_date: str | None = None) -> bool:
    """Whether `text` states a quantity: calendar dates ("Kamis (18/7/2024)") and "salah satu" ("one of") are
    not counts. `reference_date` (the article's ISO date) lets yearless dates ("Jumat (19/7)") be recognised."""
    for m in reversed(find_dates(text, iso_day(reference_date))):
        text = f"{text[:m.start]} {text[m.end:]}"
    return bool(_STATED_NUMBER.search(re.sub(r"\bsalah\s+satu\b", " ", text, flags=re.IGNORECASE)))


# "Mengapa ...?", "Bagaimana ...?", "Why ...?", "How did ...?" (not "how many/much/long ..."): a reason or a manner,
# a clause the extractor's candidates do not capture
_WHY_HOW_Q = re.compile(r"\b(?:mengapa|kenapa|bagaimana\w*|why)\b|\bhow\b(?!\s+(?:many|much|long|far|old|big|large|"
                        r"high|tall|deep|wide|heavy|fast|often|soon)\b)", re.IGNORECASE)


def asks_why_or_how(question: str) -> bool:
    """A why- or how-question: its answer is a reason or a manner. Short answers to them held the gold 1 of 3 times
    on FacQA train, 1 of 11 on the news train questions (0 of 5 valid) and, shown by the whole pipeline, 2 of 47 on
    answerable IDK-MRC train ones: the answer leads with the quote."""
    return bool(_WHY_HOW_Q.search(question))


# "Untuk apa ...?", "Apa fungsi/kegunaan/manfaat/tujuan X?", "What is the purpose of X?", "For what ...?": a purpose,
# a clause ("menyerap air dari feses"), not a phrase the candidates capture
_PURPOSE_Q = re.compile(r"\b(?:untuk|guna)\s+apa(?:kah)?\b|\bfor\s+what\b|\bwhat\s+for\b"
                        r"|\bapa(?:kah)?\s+(?:\w+\s+)?(?:fungsi|kegunaan|manfaat|tujuan)\b"
                        r"|\bwhat\s+(?:is|are|was|were)\s+(?:the\s+)?(?:main\s+)?"
                        r"(?:purpose|function|use|uses|benefits?|aim|goal)\b", re.IGNORECASE)


def asks_purpose(question: str) -> bool:
    """A question asking what something is for. Over the gold sentence, the extractor's short answers to such
    questions held the gold 1 of 61 times (answerable IDK-MRC train, FacQA train, news train, English train:
    session 28): the answer leads with the quote."""
    return bool(_PURPOSE_Q.search(question))


# "Apa itu X?", "Apa yang dimaksud dengan X?", "Apa pengertian X?", "What is X?", "What does X mean?"
_DEFINITION_Q = re.compile(r"^\W*(?:apa(?:kah)?\s+(?:itu|yang\s+di\s*maksud|pengertian|arti)\b|what\s+(?:is|are)\s+"
                           r"(?:an?\s+)?\w+\W*$|what\s+does\s+.+\s+mean\b)", re.IGNORECASE)


def asks_definition(question: str) -> bool:
    """A question asking what something is or means: its answer is a description ("X adalah ..."), which the
    extractor's candidates do not capture. Shown by the whole pipeline, short answers to the answerable IDK-MRC
    train ones held the gold 4 of 159 times: the answer leads with the quote. Not for an acronym ("Apa itu KCNA?",
    "What is NATO?"): its expansion is a short answer."""
    return bool(_DEFINITION_Q.search(question)) and not _acronyms(_tokens(question))


def asks_acronym(question: str) -> bool:
    """"What is KCNA?", "Apa itu NATO?": a definition question about an acronym, answered by its expansion."""
    return bool(_DEFINITION_Q.search(question)) and bool(_acronyms(_tokens(question)))


def _acronyms(toks: list[_Tok]) -> tuple[str, ...]:
    return tuple(t.text for t in toks if t.acro and len(t.text) >= 2)


def _beside_acronym(toks: list[_Tok], c: _Cand, acronyms: frozenset[str]) -> bool:
    """The candidate stands right next to an asked acronym: "Kantor Berita Korea Utara, KCNA", "... (KCNA)",
    "KCNA (Korean Central News Agency)"."""
    after = [i for i in (c.b, c.b + 1) if i < len(toks)]
    before = [i for i in (c.a - 1, c.a - 2) if i >= 0]
    # after the acronym only in parentheses: "Menurut KCNA, Kim Jong-un ..." names no expansion
    return any(toks[i].text in acronyms and all(toks[j].text in ",(" for j in range(c.b, i)) for i in after) or \
        any(toks[i].text in acronyms and i + 1 < c.a and all(toks[j].text == "(" for j in range(i + 1, c.a))
            for i in before)


def asks_when(question: str) -> bool:
    """A when-question (a date, a year, a time of day: the extractor's "when" kind)."""
    return question_focus(question)[0] == "when"


# "Pada tanggal berapa ...?", "Tanggal berapa ...?", "On what date ...?", "What exact day ...?": a day, not a month
_ASKS_DAY = re.compile(r"\btanggal\s+(?:berapa|apa)\w*|\bpada\s+tanggal\b|\bwhat\s+(?:exact\s+)?(?:date|day)\b"
                       r"|\bwhich\s+(?:date|day)\b", re.IGNORECASE)
# a day in a short answer: a day number ("18/7", "15 Agustus"), a weekday, or a relative day
_WEEKDAY_NAMES = "|".join((*WEEKDAY_NAMES_ID, "Jum'at", *WEEKDAY_NAMES_EN))
_NAMES_DAY = re.compile(r"(?<![\d.,])\d{1,2}(?![\d.,])"
                        rf"|\b(?:{_WEEKDAY_NAMES})\b"
                        r"|\b(?:kemarin|besok|lusa|yesterday|today|tomorrow)\b|\bhari\s+ini\b", re.IGNORECASE)


def day_missing(question: str, short: ShortAnswer) -> bool:
    """A question asking for a day ("Pada tanggal berapa Putin berkunjung?") answered by a date naming none ("bulan
    lalu", "Maret 1781", "tahun 2020"). On FacQA, IDK-MRC and news train (whole pipeline, session 30) it held for 6
    of 35 stated answers to such questions: 2 wrong, 3 to unanswerable questions, 1 right (a year for a founding)."""
    return short.kind == "when" and bool(_ASKS_DAY.search(question)) and not _NAMES_DAY.search(short.text)


# a question about what is still to come ("Kapan Kim Jong-un akan mengunjungi Rusia?", "When will ...?") and a date
# the article places in the past relative to itself ("bulan lalu", "kemarin", "last month")
_ASKS_FUTURE = re.compile(r"\b(?:akan|bakal|dijadwalkan|direncanakan|rencananya|will|scheduled|planned)\b",
                          re.IGNORECASE)
_PAST_RELATIVE = re.compile(r"\b(?:lalu|kemarin|silam|sebelumnya|yesterday|ago|last|previously)\b", re.IGNORECASE)


def past_for_future(question: str, short: ShortAnswer) -> bool:
    """A when-question about a future event answered by a date the article calls past ("bulan lalu"). No such answer
    was given on train (whole pipeline, session 30: none of 37 answers to future when-questions): a logical check,
    not a fitted one."""
    return short.kind == "when" and bool(_ASKS_FUTURE.search(question)) and bool(_PAST_RELATIVE.search(short.text))


# Times the extractor's date candidates leave out but a when-question may be answered with: eras ("384 SM",
# "zaman Majapahit"), "tahun 37", centuries ("abad ke-7"), bare years from 1000 on, and occasions ("ketika ada
# wisatawan berkunjung", "saat musim panen")
_ERA_TIME = re.compile(r"\b\d{1,4}\s*(?:SM|M|BC|AD|CE|BCE|Masehi|Hijriah|H)\b"
                       r"|\b(?:tahun|thn|year)\s+\d{1,4}(?:-?an|s)?\b|\b(?:1\d|20)\d\d(?:-?an|s)?\b"
                       r"|\b(?:abad|zaman|jaman|era|masa|semasa|ketika|saat|sewaktu|tatkala)\b|\bcentur(?:y|ies)\b",
                       re.IGNORECASE)


def states_time(text: str, reference_date: str | None = None) -> bool:
    """Whether `text` states a time a when-question could be answered with: a date, a year, a month, a weekday, a
    time of day, a relative date ("kemarin", "bulan lalu"), an era or a century."""
    if _ERA_TIME.search(text):
        return True
    return bool(_date_candidates(text, _tokens(text), _reference(reference_date), iso_day(reference_date) is not None))


def _kind_and_focus(question: str, qtype: str | None = None) -> tuple[str, str]:
    """Kind and focus from the question words alone (the head noun may still turn "other" into a place)."""
    kind = qtype
    if kind is None:
        if _ORDINAL_Q.search(question):
            return "number", "ordinal"  # "pejabat ... keberapa", "Pada menit keberapa ...": a place in an order
        kind = answer_type(question)
        if kind == "who" and not any(m.group(1) or m.group(2).islower() or m.group(2).istitle()
                                     for m in _WHO_WORD.finditer(question)):
            kind = answer_type(re.sub(r"\bWHO\b", "", question))
        if kind in ("number", "other") and _DATE_Q.search(question) and not re.search(
                r"\b(berapa\w*|how many)\s+(tahun|bulan|hari|years|months|days)\b", question, re.IGNORECASE):
            kind = "when"
    low = question.lower()
    focus = {"who": "person", "where": "place", "when": "date", "number": "number"}.get(kind, "phrase")
    if kind == "when" and re.search(r"\b(tahun|year)\b", low):
        focus = "year"
    if kind == "other":
        if _EXPANSION.search(question) or asks_acronym(question):
            focus = "expansion"
        elif re.search(r"\b(nama|name|called|judul|title|julukan)\b", low):
            focus = "name"
    return kind, focus


def _glossed_words(question: str) -> frozenset[str]:
    """The Indonesian words of an English question's glossary equivalents, every alternative ("Russian" ->
    "rusia", "news agency" -> "kantor berita"): a sentence word the question names in English is not new."""
    phrases = translated_terms(question, choose=" ".join)
    return frozenset(t.low for p in phrases for t in _tokens(p) if t.alpha and t.low not in _FUNCTION)


# "What did/does/will X <verb>": an auxiliary, then the subject, then the verb whose object is asked for
_EN_AUX_VERB_Q = re.compile(r"^\W*what\s+(?:did|does|do|will|would|can|could|should|might|may|has|have|had)\b",
                            re.IGNORECASE)
_ID_VERB_Q = re.compile(r"^\W*apa(?:kah)?\s+yang\b", re.IGNORECASE)
# words between "apa yang" and its verb: "Apa yang akan diberikan ...", "Apa yang bisa dilakukan ..."
_ID_MODALS = frozenset("""
akan bisa dapat harus ingin sedang sudah telah masih cukup sebaiknya rela perlu boleh mau hendak biasanya paling
sering pernah lalu kemudian juga tidak tak belum
""".split())
_ID_VERB = re.compile(r"^(?:me|di|ber|ter)[a-z]{3,}$")
# "Apa yang dimaksud/disebut dengan X": a definition ("X adalah ..."), not the object of a verb
_ID_DEFINING = frozenset({"dimaksud", "dimaksudkan", "disebut", "dinamakan", "diartikan", "didefinisikan",
                          "dikenal", "diketahui"})
# English words after which the next word is a noun, not the asked verb ("to" is left out: "want to buy")
_EN_NOUN_MARKERS = frozenset("""
the a an his her its their our my your this that these those of for in on at by with from about
""".split())


def _is_id_verb(word: str) -> bool:
    """An Indonesian verb by its affix: me-/di-/ber-/ter- and a root of two syllables or more ("dibahas",
    "mendiskusikan"; not "merek", "delegasi", nor "menteri", which the stemmer reads as me- + "tri")."""
    stem = root(word)
    return bool(_ID_VERB.match(word)) and stem != word and len(stem) >= 4


@functools.lru_cache(maxsize=1)
def _verb_families() -> dict[str, frozenset[str]]:
    """Root of an Indonesian verb -> the roots of every verb one English gloss shares with it: "bahas" ->
    {"bahas", "diskusi", "diskus"} (both "discuss"), so "Apa yang dibahas" finds "mendiskusikan"."""
    families: dict[str, set[str]] = {}
    for words in glossary_equivalents():
        roots = {root(w) for p in words for w in p.split() if _is_id_verb(w)}
        for r in roots:
            families.setdefault(r, set()).update(roots)
    return {r: frozenset(f) for r, f in families.items()}


def _question_verbs(question: str, toks: list[_Tok], english: bool) -> frozenset[str]:
    """Stems of the verb whose object a "what" question asks for, or empty (see _Question.verbs).

    Indonesian: a passive verb right after "Apa yang" and any modals ("Apa yang dibahas": what was discussed, the
    object of the active "membahas"). An active one asks for the subject ("Apa yang membuat X ...": what made
    X ...), a "ber-"/"ter-" one for a description or an event, and "Apa yang dimaksud dengan X" for a definition:
    none of them for an object. The roots include those of the verb's synonyms (_verb_families).
    English (with the glossary): after "What did/does/will ...", the first word whose Indonesian equivalent is an
    affixed verb ("ask" -> "meminta"), so a subject such as "the empress dowager" is passed over."""
    if english:
        if not _EN_AUX_VERB_Q.match(question):
            return frozenset()
        for prev, t in zip(toks[1:], toks[2:]):
            if not t.alpha or t.cap or t.low in _FUNCTION or t.low in _QUESTION_WORDS:
                continue
            if prev.low in _EN_NOUN_MARKERS:
                continue  # "the minister": a noun, whatever its gloss ("menteri" looks like me- + "tri")
            glosses = [w for p in translated_terms(t.low, choose=" ".join) for w in p.split()]
            verbs = [w for w in glosses if _is_id_verb(w)]
            if verbs:
                return frozenset(root(w) for w in verbs)
        return frozenset()
    if not _ID_VERB_Q.match(question):
        return frozenset()
    for t in toks[2:]:
        if t.low in ("yang", "kah") or t.low in _ID_MODALS:
            continue
        passive = t.alpha and t.low.startswith("di") and _is_id_verb(t.low) and t.low not in _ID_DEFINING
        if not passive:
            return frozenset()
        stem = root(t.low)
        return _verb_families().get(stem, frozenset()) | {stem}
    return frozenset()


_EN_JOINERS = {"and": "dan", "or": "atau"}
_EN_KIND = frozenset({"kind", "kinds", "type", "types", "sort", "sorts"})
# "What is/does/was ...": no category word follows the question word
_EN_AUX = frozenset("is are was were be been am does do did will would can could should may might must has have had"
                    .split())


def _before_noun(toks: list[_Tok], j: int) -> bool:
    """Whether toks[j] of an English which/what question is a modifier before its noun: "kind/type of", or a
    capitalised word of a run that a lower-case word ends ("Which Russian ship", "What North Korean weapons")."""
    k = j
    while k < len(toks) and toks[k].alpha and toks[k].cap:
        k += 1
    if k == j:
        return toks[j].low in _EN_KIND and j + 1 < len(toks) and toks[j + 1].alpha and not toks[j + 1].cap
    return k < len(toks) and toks[k].alpha


def _analyse(question: str, qtype: str | None, glossary: bool = True) -> _Question:
    kind, focus = _kind_and_focus(question, qtype)
    toks = _tokens(question)
    words = frozenset(t.low for t in toks if t.alpha or t.num)
    terms = frozenset(t.low for t in toks if (t.alpha or t.num) and t.low not in _QUESTION_WORDS
                      and t.low not in _FUNCTION and len(t.low) > 1)
    terms = terms | frozenset(_EN_ID[w] for w in terms if w in _EN_ID)
    if glossary and detect_language(question) != "id":
        glossed = _glossed_words(question)
        # "and"/"or" too, as an Indonesian question's own "dan" is its word: "South Korea and Japan" is all the
        # question's in "Korea Selatan dan Jepang" (the glossary leaves function words out)
        joiners = frozenset(_EN_JOINERS[w] for w in words if w in _EN_JOINERS)
        terms, words = terms | glossed, words | glossed | joiners
    stems = frozenset(_stem(w) for w in terms if len(w) > 3)
    head, after = "", -1  # after: the head's token index when it follows the question word ("what X")
    qword = re.compile(r"^(apa\w*|mana\w*|siapa\w*|berapa\w*|which|what)$", re.IGNORECASE)
    for i, t in enumerate(toks):
        if qword.match(t.text):
            # "X apakah/manakah" -> X; "apa nama X" / "what X" -> X; "berapa X" -> X
            h = i - 1
            # "Kantor berita Rusia mana ...": the country qualifies the head ("berita"), it is not the head
            for run in (3, 2, 1):
                if h - run >= 0 and is_countries(" ".join(x.text for x in toks[h - run + 1:h + 1])):
                    h -= run
                    break
            if h >= 0 and toks[h].alpha and toks[h].low not in _FUNCTION and toks[h].low not in (
                    "nama", "name") and not t.low.startswith(("berapa", "siapa")):
                head = toks[h].low
            j = i + 1
            while j < len(toks) and (toks[j].low in ("nama", "name", "the", "a", "an", "of", "kah", "yang") or
                                     toks[j].low in _MEASURE or not (toks[j].alpha or toks[j].num)
                                     # English "which Russian ship", "what kind of weapons": the noun comes later
                                     or (t.low in ("which", "what") and _before_noun(toks, j))):
                j += 1
            if not head and j < len(toks) and toks[j].alpha and toks[j].low not in _EN_AUX:
                head, after = toks[j].low, j
            break
    english = glossary and detect_language(question) != "id"
    glossed_head = glossary_phrase_at([t.low for t in toks], after) if english and after >= 0 else None
    if glossed_head and " " in glossed_head:
        # an English compound names one thing, its head last ("news agency"); its Indonesian gloss puts the
        # head first ("kantor berita"): "kantor", not the modifier "news" -> "berita"
        head = glossed_head.split()[0].lower()
    elif head in _EN_ID:
        head = _EN_ID[head]
    elif english and head:
        # an English category word the short list lacks ("Which company ..."): its glossary form ("perusahaan")
        glossed = translated_terms(head)
        head = glossed[0].split()[0].lower() if glossed else head
    if kind == "other" and head in _PLACE_HEADS and qtype is None:
        kind, focus = "where", "place"  # "Di kota manakah ...", "Di negara manakah ...": a place
    verbs = _question_verbs(question, toks, english) if kind == "other" and focus == "phrase" else frozenset()
    if verbs:
        focus, head = "verb", ""  # "did" / "dibahas" is no category the answer belongs to
    unit = ""
    m = re.search(r"\b(?:berapa\w*|how many|how much)\s+(\S+)(?:\s+(\S+))?", question, re.IGNORECASE)
    if m:
        for w in (m.group(1), m.group(2)):
            w = (w or "").lower().strip("?,.")
            w = re.sub(r"kah$", "", w)
            if w and w not in _MEASURE and w not in _FUNCTION and w not in _QUESTION_WORDS:
                unit = _EN_UNITS.get(w, w)
                break
    return _Question(question, kind, terms, stems, focus, head, unit, _acronyms(toks), words, verbs,
                     _measures(toks) if kind == "number" else frozenset())


_MEASURE_LEAD = frozenset({"berapa", "berapakah", "how", "what", "apa", "apakah"})


def _measures(toks: list[_Tok]) -> frozenset[str]:
    """The measure a quantity question names within four words after its question word (or right before "berapa"),
    and the unit classes it may be given in ("Berapa panjang sirkuit ...?" -> length, duration)."""
    for i, t in enumerate(toks):
        if t.low in _MEASURE_LEAD:
            # the measure may also come right before "berapa": "Pada ketinggian berapa ...?"
            for k in (*range(i + 1, min(i + 5, len(toks))), *((i - 1,) if i and t.low.startswith("berapa") else ())):
                cls = _MEASURE_OF.get(toks[k].low)
                if cls and not (toks[k].low == "daya" and toks[k - 1].low == "sumber"):
                    return frozenset({cls} | _MEASURE_ALSO.get(cls, set()))
    return frozenset()


# ---------------------------------------------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class _Cand:
    a: int  # token range [a, b)
    b: int
    source: str  # "name", "name_core", "name_part", "name_pair", "name_tail", "name_head", "date", "number",
    #              "paren", "phrase"
    extra: dict[str, float] = field(default_factory=dict)


_CONNECTORS = frozenset({"bin", "binti", "van", "von", "der", "den", "de", "da", "al", "el", "la", "le", "du",
                         "dos", "del", "di", "of", "and", "&", "y"})


def _is_name_tok(t: _Tok) -> bool:
    if not t.alpha or not t.cap:
        return False
    if t.initial and not t.acro:
        # capitalised by position: a name only when the word is rarely written in lower case
        return _lower_share(t.text) < 0.5 and t.low not in _FUNCTION and t.low not in _QUESTION_WORDS
    return True


def _name_runs(toks: list[_Tok]) -> list[tuple[int, int]]:
    """Maximal capitalised sequences, with name particles ("bin", "van", "de") and a parenthesised acronym
    ("Bursa Efek Surabaya (BES)") inside; a short number may close one ("Shenzhou 6")."""
    runs = []
    i, n = 0, len(toks)
    while i < n:
        if not _is_name_tok(toks[i]):
            i += 1
            continue
        j = i + 1
        while j < n:
            t = toks[j]
            if _is_name_tok(t) and not t.initial:
                j += 1
            elif t.low in _CONNECTORS and t.low not in ("di", "of", "and", "&") and j + 1 < n and \
                    _is_name_tok(toks[j + 1]):
                j += 1
            elif t.text == "(" and j + 2 < n and toks[j + 1].acro and toks[j + 2].text == ")":
                j += 3
            elif t.num and len(t.text) <= 4 and not (j + 1 < n and toks[j + 1].alpha and not toks[j + 1].cap):
                j += 1
                break
            else:
                break
        runs.append((i, j))
        i = j
    return runs


def _titleish(t: _Tok) -> bool:
    return t.low in _TITLES or _lower_share(t.text) >= 0.1 or (t.low.rstrip(".") in _TITLES)


_CALENDAR = frozenset(w for w in (*MONTHS, *WEEKDAYS) if len(w) > 3) | {"wib", "wita", "wit"}


def _strip_leading(toks: list[_Tok], matched: list[bool], a: int, b: int) -> int:
    """First token after leading titles, common words, acronyms, places and the question's words
    ("Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko" -> "Aleksey Krivoruchko")."""
    k = a
    while k < b - 1 and (_titleish(toks[k]) or toks[k].acro or matched[k] or _place_share(toks[k].text) >= 0.1
                         or not toks[k].alpha or toks[k].low in _CONNECTORS):
        k += 1
    return k


def _name_candidates(toks: list[_Tok], matched: list[bool], q: _Question, suffixes: bool = False,
                     places: bool = False) -> list[_Cand]:
    out: list[_Cand] = []
    seen: set[tuple[int, int]] = set()

    def add(a: int, b: int, source: str, **extra: float) -> None:
        while a < b and (not toks[a].alpha and not toks[a].num or toks[a].low in _CONNECTORS):
            a += 1
        while b > a and (toks[b - 1].text in ("(", ",") or toks[b - 1].low in _CONNECTORS):
            b -= 1
        if b > a and (a, b) not in seen and b - a <= MAX_WORDS + 2:
            seen.add((a, b))
            out.append(_Cand(a, b, source, dict(extra)))
            # with / without a parenthesised acronym: "Bursa Efek Surabaya (BES)"
            if b + 2 < len(toks) and toks[b].text == "(" and toks[b + 1].acro and toks[b + 2].text == ")" and \
                    (a, b + 3) not in seen:
                seen.add((a, b + 3))
                out.append(_Cand(a, b + 3, source, {**extra, "paren_acro": 1.0}))
            if b - a > 3 and toks[b - 1].text == ")" and toks[b - 3].text == "(" and (a, b - 3) not in seen:
                seen.add((a, b - 3))
                out.append(_Cand(a, b - 3, source, dict(extra)))
            # with the question's head noun right before it: "pegunungan Wyoming", "Departemen Perindustrian"
            h = a - 1
            if q.head and h >= 0 and (toks[h].low == q.head or _stem(toks[h].low) == _stem(q.head)) and \
                    (h, b) not in seen:
                seen.add((h, b))
                out.append(_Cand(h, b, source, {**extra, "head_prefixed": 1.0}))

    runs = []
    for a, b in _name_runs(toks):
        while a < b and toks[a].low in _CALENDAR:
            a += 1
        while b > a and toks[b - 1].low in _CALENDAR:
            b -= 1
        if b > a:
            runs.append((a, b))
    for a, b in runs:
        has_match = any(matched[a:b])
        add(a, b, "name", matched_in_run=float(has_match))
        # split at the question's own words: "Direktur PT TPPI Bambang Aji" -> "Bambang Aji"
        if has_match:
            namey_match = any(matched[x] and not _titleish(toks[x]) and _place_share(toks[x].text) < 0.1
                              and not toks[x].acro for x in range(a, b))
            k = a
            while k < b:
                if matched[k] or toks[k].text in "()":
                    k += 1
                    continue
                e = k
                while e < b and not matched[e] and toks[e].text not in "()":
                    e += 1
                extra = {"follows_match": float(k > a and matched[k - 1]), "name_fragment": float(namey_match)}
                add(k, e, "name_part", **extra)
                core = _strip_leading(toks, matched, k, e)
                if core > k:
                    add(core, e, "name_core", **extra)
                k = e
        core = _strip_leading(toks, matched, a, b)
        if core > a:
            add(core, b, "name_core")
        if places:  # a leading place: "Korea Utara" of "Korea Utara Kim Jong-un"
            k = a
            while k < b and toks[k].alpha and (_place_share(toks[k].text) >= 0.1 or (k > a and _titleish(toks[k]))):
                k += 1
            if a < k < b:
                add(a, k, "name_head")
        if suffixes:  # every shorter tail, for names after an unknown place or unit ("... Seruyan Jumeri")
            for k in range(max(a + 1, b - 4), b):
                add(k, b, "name_tail")
    # two runs joined by "," / "dan": "Incheon, Korea Selatan", "Italia dan Brasil"
    for x, (a1, b1) in enumerate(runs):
        end = b1
        for a2, b2 in runs[x + 1:x + 3]:
            if not (a2 - end == 1 and (toks[end].text in (",", "/") or toks[end].low in ("dan", "and"))):
                break
            add(a1, b2, "name_pair", joiner_and=float(toks[end].low in ("dan", "and")))
            end = b2
    return out


def _span_to_toks(toks: list[_Tok], start: int, end: int) -> tuple[int, int] | None:
    a = next((i for i, t in enumerate(toks) if t.end > start), None)
    if a is None:
        return None
    b = a
    while b < len(toks) and toks[b].start < end:
        b += 1
    return (a, b) if b > a else None


def _date_candidates(sentence: str, toks: list[_Tok], reference: _dt.date, dated: bool = False) -> list[_Cand]:
    """Dates, times, years and relative dates. `dated`: `reference` is the article's own date, so a relative date
    it resolves ("kemarin", "bulan lalu") is scored as the day, month or year it means, like a written one."""
    spans: list[tuple[int, int, str]] = []
    explicit = find_dates(sentence, reference)
    for m in explicit:
        spans.append((m.start, m.end, "full"))
    resolved = find_relative_dates(sentence, reference, explicit) if dated else []
    for kind, pat in (("range", _DAY_RANGE), ("month", _MONTH_YEAR), ("year", _YEAR), ("relative", _RELATIVE_TIME),
                      ("time", _TIME), ("weekday", _WEEKDAY_WORD)):
        for m in pat.finditer(sentence):
            if kind == "month" and not (m.group()[:1].isupper() or re.search(r"\d", m.group())):
                word = m.group().split()[-1]
                if word.lower() in ("mei", "may", "march", "maret") or word.islower():
                    continue
            spans.append((m.start(), m.end(), kind))
    # merge touching pieces: "Selasa (6/9) pukul 08.06", "hari Rabu, 25 Januari 2006", "Senin (15/8) malam"
    spans.sort()
    merged: list[list] = []
    for s, e, kind in spans:
        gap = sentence[merged[-1][1]:s] if merged and s > merged[-1][1] else ""
        if merged and s <= merged[-1][1] + 2 and (re.fullmatch(r"\s*", gap) or (
                re.fullmatch(r"\s*,\s*", gap) and merged[-1][2] <= {"weekday"})):
            merged[-1][1] = max(merged[-1][1], e)
            merged[-1][2].add(kind)
        else:
            merged.append([s, e, {kind}])
    out = []
    for s, e, kinds in merged:
        m = _PART_OF_DAY.match(sentence, e)
        if m and "relative" not in kinds:
            e = m.end()
        r = _span_to_toks(toks, s, e)
        if r is None:
            continue
        text = sentence[s:e]
        feats = {
            "has_year": float(bool(re.search(r"\b(1[5-9]|20|21)\d\d\b", text))),
            "has_day": float(bool(re.search(r"\b\d{1,2}\b(?![.:]\d)", text) and ("full" in kinds or "range" in kinds))),
            "is_relative": float(kinds == {"relative"} or kinds == {"weekday"}),
            "has_time": float("time" in kinds),
            "year_only": float(kinds <= {"year"}),
        }
        means = [r for r in resolved if s <= r.start and r.end <= e]
        if feats["is_relative"] and means:  # "kemarin" in a story of 19 July 2024: 18 July 2024
            # scored as the written date it stands for, which has no lower-case words
            feats.update(is_relative=0.0, has_year=1.0, has_day=float(means[0].granularity == "day"),
                         year_only=float(means[0].granularity == "year"), resolved_relative=1.0)
        out.append(_Cand(r[0], r[1], "date", feats))
        # inner pieces: the bare year of "tahun 2005" and the date without its time
        if "time" in kinds and len(kinds) > 1:
            for s2, e2, k2 in spans:
                if s <= s2 and e2 <= e and k2 != "time":
                    r2 = _span_to_toks(toks, s2, e2)
                    if r2:
                        out.append(_Cand(r2[0], r2[1], "date", {**feats, "has_time": 0.0}))
    return out


def _is_number_tok(t: _Tok) -> bool:
    return t.num or t.low in _NUMBER_WORDS


def _number_candidates(toks: list[_Tok], date_toks: set[int], q: _Question) -> list[_Cand]:
    out = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        if not _is_number_tok(t) or i in date_toks or (t.low == "satu" and i and toks[i - 1].low == "salah"):
            i += 1
            continue
        a = i
        money = False
        if a > 0 and toks[a - 1].low.rstrip(".") in _CURRENCY:
            a -= 1
            money = True
        elif a > 1 and toks[a - 1].text == "$" and toks[a - 2].low == "us":
            a -= 2
            money = True
        j = i + 1
        # number words and multipliers: "dua juta", "3,5 miliar", "7.000 - 7.500"
        while j < n and (toks[j].low in _MULTIPLIERS or (toks[j].low in _NUMBER_WORDS and not toks[i].num)):
            j += 1
        if j + 1 < n and toks[j].text in ("-", "–") and toks[j + 1].num:
            j += 2
            while j < n and toks[j].low in _MULTIPLIERS:
                j += 1
        unit_end = j
        unit = ""
        if j < n:
            u = toks[j]
            if u.low in _PERCENT or u.text == "%":
                unit_end, unit = j + 1, "persen"
            # a unit is lower-case, an acronym ("PS"), the question's own or a known one written capitalised ("Nm")
            elif (u.alpha and (not u.cap or u.acro or u.low == q.unit or u.low in _UNIT_CLASS)
                  and u.low not in _FUNCTION and u.low not in _NUMBER_WORDS and u.low not in _QUESTION_WORDS) \
                    or u.low.rstrip(".") in _CURRENCY:
                unit_end, unit = j + 1, u.low
                # "meter kubik", "km per jam", "per dollar AS"
                if unit_end + 1 < n and toks[unit_end].low == "per" and toks[unit_end + 1].alpha:
                    unit_end += 2
                    while unit_end < n and toks[unit_end].acro and unit_end - j < 4:
                        unit_end += 1
                elif unit_end < n and toks[unit_end].low in ("kubik", "persegi", "square", "cubic"):
                    unit_end += 1
        # a longer unit: "persen suara", "awak kabin", "derajat Celcius", "meter kubik per detik"
        long_end = unit_end
        if unit and long_end < n and toks[long_end].alpha and toks[long_end].low not in _FUNCTION and \
                toks[long_end].low not in _NUMBER_WORDS and not VERB_FORM.match(toks[long_end].text):
            long_end += 1
        while long_end + 1 < n and toks[long_end].low == "per" and toks[long_end + 1].alpha and long_end - j < 6:
            long_end += 2
        ordinal = t.low.startswith("ke-") or (i > 0 and toks[i - 1].low in ("ke", "ke-"))
        value_text = t.text.replace(".", "").replace(",", "")
        year_like = bool(re.fullmatch(r"(1[89]|20)\d\d", value_text)) and not unit
        feats = {
            "has_unit": float(bool(unit)),
            "unit_in_q": float(bool(unit) and (unit in q.words or _stem(unit) in q.stems)),
            "unit_is_q_unit": float(bool(unit) and bool(q.unit) and (unit == q.unit or _stem(unit) == _stem(q.unit)
                                                                   or unit.startswith(q.unit[:4]))),
            "is_money": float(money),
            "is_percent": float(unit == "persen"),
            **_measure_fit(_unit_class(toks[j:unit_end], money), q),
            "is_ordinal": float(ordinal),
            "year_like": float(year_like),
            "num_word": float(not t.num),
        }
        if unit in ("dollar", "dolar", "dollars") and unit_end < n and toks[unit_end].acro:
            unit_end += 1  # "150 miliar dollar AS"
        if unit_end + 2 < n and toks[unit_end].text == "(" and toks[unit_end + 1].acro and \
                toks[unit_end + 2].text == ")":
            unit_end += 3  # "180,93 megawatt (MW)"
        out.append(_Cand(a, unit_end, "number", feats))
        if long_end > unit_end:
            out.append(_Cand(a, long_end, "number", {**feats, "long_unit": 1.0}))
        if unit_end > j:
            out.append(_Cand(a, j, "number", {**feats, "has_unit": 0.0, "unit_in_q": 0.0,
                                              "unit_is_q_unit": 0.0, "bare_of_unit": 1.0,
                                              **_measure_fit("money" if money else None, q)}))
        # with its hedge: "sekitar 30 persen", "lebih dari 100 orang", "antara 3,4 persen dan 6,35 persen"
        h = a
        if a >= 2 and (toks[a - 2].low, toks[a - 1].low) in _HEDGES2:
            h = a - 2
        elif a >= 1 and toks[a - 1].low in _HEDGES:
            h = a - 1
        if h < a:
            out.append(_Cand(h, unit_end, "number", {**feats, "hedged": 1.0}))
        i = j
    return out


def _ordinal_candidates(toks: list[_Tok]) -> list[_Cand]:
    """The ordinals of a sentence: "pertama", "kedelapan", "ke-82"."""
    return [_Cand(i, i + 1, "ordinal", {"is_ordinal": 1.0}) for i, t in enumerate(toks)
            if t.low in _ORDINAL_WORDS or re.fullmatch(r"ke-\d+", t.low)]


def _unit_class(unit: Sequence[_Tok], money: bool) -> str | None:
    """The class of a number's unit tokens ("km" -> length, "kilometer persegi" -> area, "Rp" before it -> money)."""
    if money:
        return "money"
    words = [t.low.rstrip(".") for t in unit]
    if not words:
        return None
    if any(w in ("persegi", "square") for w in words[1:]):
        return "area"
    if any(w in ("kubik", "cubic") for w in words[1:]):
        return "volume"
    return _UNIT_CLASS.get(words[0])


def _measure_fit(unit_class: str | None, q: _Question) -> dict[str, float]:
    """Whether a number's unit measures what the question asks ("km" for "Berapa panjang ...?") or something else
    ("kali" for "Berapa umur ...?"); both 0 when the question names no measure or the unit is of no known class."""
    if not q.measures or not unit_class:
        return {"unit_fits_measure": 0.0, "unit_other_measure": 0.0}
    fits = unit_class in q.measures
    return {"unit_fits_measure": float(fits), "unit_other_measure": float(not fits and unit_class not in _ANY_MEASURE)}


def _paren_candidates(toks: list[_Tok]) -> list[_Cand]:
    out = []
    for i, t in enumerate(toks):
        if t.text != "(":
            continue
        j = i + 1
        while j < len(toks) and toks[j].text != ")" and j - i <= MAX_WORDS:
            j += 1
        if j < len(toks) and toks[j].text == ")" and j > i + 1:
            out.append(_Cand(i + 1, j, "paren"))
    return out


# emphatic particles ("Korea Utara sendiri", "ia pun"): no answer on their own
_EMPHATIC = frozenset({"sendiri", "pun"})


# Honorifics that make a name a person's ("Pak RT", "Bu Wahida"): never the answer of a where-question
_HONORIFICS = frozenset("""pak bu ibu bapak mas mbak tante om kak bang nyak babe mr mrs ms tuan nyonya nona ustad ustadz
ustaz kiai kyai habib""".split())
# "di/ke/dari" + a lower-case place: "di teras", "ke ruangannya", "di dapur warung", "di restoran milik ayah Oh Sunny"
_LOCATIVE = frozenset({"di", "ke", "dari"})
_LOCATIVE_BREAKS = frozenset("""
yang dan untuk karena sehingga agar dengan di ke dari pada oleh bahwa serta atau namun tetapi kata ujar sebagai
akan telah sudah saat ketika sambil setelah sebelum sejak hingga sampai usai lalu kemudian bersama tanpa selama
bagi kepada terhadap tentang mengenai seperti
""".split())
_NOT_A_PLACE = frozenset("sini sana situ mana antaranya antara".split())
_ACTIVE_VERB = re.compile(r"(?:me[mn]?|meng|meny|ber)[a-z]{3,}$")  # "dari bermain": no place


def _locative_candidates(toks: list[_Tok]) -> list[_Cand]:
    """For where-questions: a preposition of place and the lower-case phrase after it, up to punctuation or a
    clause word ("... menunggu Aris pulang [di teras] sambil ..."). News answers "where" with such common nouns
    as often as with names (a room, a house, a studio), which the name candidates cannot give."""
    out = []
    n = len(toks)
    for i in range(n - 1):
        t, u = toks[i], toks[i + 1]
        if t.low not in _LOCATIVE or not u.alpha or u.cap or u.low in _FUNCTION or u.low in _NOT_A_PLACE \
                or u.low in _PREP_TIME or _ACTIVE_VERB.match(u.text):
            continue
        e = i + 2
        while e < n and e - i <= MAX_WORDS - 1 and toks[e].text not in _OBJECT_STOPS and \
                toks[e].low not in _LOCATIVE_BREAKS and not _ACTIVE_VERB.match(toks[e].text):
            e += 1
        out.append(_Cand(i, e, "locative", {}))
    return out


def _phrase_candidates(toks: list[_Tok], matched: list[bool], q: _Question) -> list[_Cand]:
    """Words right after (or right before) a run of the question's words, up to punctuation or a clause word:
    "... dengan warna pasir [putih halus]." for "Apakah warna pasir ...?"."""
    out = []
    n = len(toks)
    stops = {",", ".", ";", ":", "(", ")", '"', "“", "”", "?", "!"}
    breakers = {"yang", "dan", "untuk", "karena", "sehingga", "agar", "dengan", "di", "ke", "dari", "pada", "oleh",
                "bahwa", "serta", "atau", "namun", "tetapi", "kata", "ujar", "sebagai", "dalam", "akan", "telah",
                "sudah", "ini", "itu", "tersebut"}
    skip = {"adalah", "ialah", "yaitu", "yakni", "merupakan", "berupa", "sebagai", "seperti", "yang", "the", "is",
            "are", "was", "were"}
    for i in range(n):
        if not matched[i] or (i + 1 < n and matched[i + 1]):
            continue
        j = i + 1
        while j < n and (toks[j].low in skip or toks[j].text in (",", ":")):
            j += 1
        e = j
        while e < n and toks[e].text not in stops and e - j < 5 and not matched[e] and (
                e == j or toks[e].low not in breakers):
            e += 1
        if e > j and any(toks[x].alpha and toks[x].low not in _EMPHATIC for x in range(j, e)) \
                and toks[j].low not in _FUNCTION:
            out.append(_Cand(j, e, "phrase", {"phrase_skip": float(j > i + 1)}))
            if j == i + 1 and q.head and (toks[i].low == q.head or _stem(toks[i].low) == _stem(q.head)):
                out.append(_Cand(i, e, "phrase", {"head_prefixed": 1.0}))  # "penyakit melanoma"
    return out


# where an object phrase may end: the next word starts an adjunct or another clause ("... kerja sama militer |
# antara Korea Utara dan Rusia"); the phrase may also run on through it, up to MAX_WORDS words
_OBJECT_BREAKS = frozenset("""
dan atau serta antara dengan di ke dari pada untuk oleh dalam bagi kepada terhadap karena sehingga agar supaya
yang ketika saat setelah sebelum sejak hingga sampai jika namun tetapi sebagai demi usai seusai
""".split())
_OBJECT_STOPS = frozenset({".", ",", ";", ":", "?", "!", "(", ")", '"', "“", "”"})
_OBJECT_LEAD = frozenset({"bahwa", "tentang", "soal", "mengenai", "akan", "pula", "juga", ",", ":"})


def _verb_anchors(toks: list[_Tok], q: _Question) -> list[int]:
    """Sentence tokens that are the question's verb (same root): "mendiskusikan" for "discuss"."""
    return [i for i, t in enumerate(toks) if t.alpha and root(t.low) in q.verbs] if q.verbs else []


def _object_candidates(toks: list[_Tok], anchors: list[int]) -> list[_Cand]:
    """What follows the question's verb, cut at each place an object phrase may end: "mendiskusikan [pentingnya]
    dan perlunya kerja sama militer antara ..." gives "pentingnya" and "pentingnya dan perlunya kerja sama
    militer". A leading "bahwa"/"tentang" is skipped: the object is the clause or topic after it. Before a
    passive verb ("karangan bunga [yang] dibakar"), the object is what precedes it."""
    out = []
    n = len(toks)
    for i in anchors:
        if toks[i].low.startswith("di"):
            out += _passive_subjects(toks, i)
            continue
        j = i + 1
        while j < n and toks[j].low in _OBJECT_LEAD:
            j += 1
        words = 0
        for e in range(j, n + 1):
            if words > MAX_WORDS:
                break
            end = e == n or toks[e].text in _OBJECT_STOPS
            if e > j and (end or toks[e].low in _OBJECT_BREAKS):
                out.append(_Cand(j, e, "object", {"object_skip": float(j > i + 1)}))
            if end:
                break
            words += toks[e].alpha or toks[e].num
    return out


# words between a passive verb and its subject: "[Korea Utara] sendiri dituduh", "[karangan bunga] yang dibakar"
_PASSIVE_LEAD = frozenset({"yang", "telah", "sudah", "akan", "sedang", "pun", "juga", "tidak", "belum", "lalu",
                           "sendiri", "itu", "ini", "tersebut"})


def _passive_subjects(toks: list[_Tok], verb: int) -> list[_Cand]:
    """The phrases that end right before a passive verb (and its "yang"/"telah"), from each start back to the
    previous break word or punctuation: "[karangan bunga] yang dibakar" gives "bunga" and "karangan bunga"."""
    end = verb
    while end > 0 and toks[end - 1].low in _PASSIVE_LEAD:
        end -= 1
    out = []
    words = 0
    for a in range(end - 1, -1, -1):
        t = toks[a]
        if t.text in _OBJECT_STOPS or t.low in _OBJECT_BREAKS or words >= MAX_WORDS:
            break
        words += t.alpha or t.num
        out.append(_Cand(a, end, "object", {"object_before": 1.0}))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Features and scoring
# ---------------------------------------------------------------------------------------------------------------

FEATURES = (
    "bias", "src_name", "src_name_core", "src_name_part", "src_name_pair", "src_name_tail", "src_name_head",
    "head_prefixed", "src_date", "src_number", "src_paren", "src_phrase", "sent_match", "ctx_match", "no_match",
    "dist", "adjacent", "match_left", "match_right", "window_match", "overlap", "all_in_q", "n_words", "one_word",
    "long", "position", "prep_place", "prep_time", "common_share", "title_start", "place_share", "person_share",
    "unknown_share", "acronym", "has_head", "initials_match", "followed_by_age", "followed_by_said",
    "comma_apposition", "matched_in_run", "follows_match", "name_fragment", "has_year", "has_day", "is_relative",
    "has_time", "year_only", "has_unit", "unit_in_q", "unit_is_q_unit", "is_money", "is_percent", "is_ordinal",
    "year_like", "num_word", "bare_of_unit", "hedged", "long_unit", "phrase_skip", "left_count", "right_count",
    "in_dateline", "paren_acro", "starts_verbish",
    *(f"{src}_for_{focus}" for src in ("name", "paren", "phrase")
      for focus in ("name", "phrase", "place", "expansion")),
    "joiner_and", "starts_lower", "has_digit", "in_quotes", "focus_fit",
    # "what did X <verb>" questions (focus "verb", session 22; only sentences that hold the verb have candidates)
    "src_object", "object_skip", "object_before", "name_for_verb", "paren_for_verb", "phrase_for_verb",
    "object_for_verb",
    # quantity questions that name a measure (session 29)
    "unit_fits_measure", "unit_other_measure",
    # where-questions answered by "di/ke/dari" + a lower-case place (session 29)
    "src_locative", "has_honorific",
)

_SAID = frozenset({"mengatakan", "kata", "ujar", "menjelaskan", "menyatakan", "mengungkapkan", "menuturkan",
                   "menambahkan", "menegaskan", "mengaku", "menilai", "berharap", "menyebutkan", "said", "says",
                   "told", "mengakui", "memimpin", "dipimpin"})


# an Indonesian verb form by its prefix (mendiskusikan, melaporkan, diungkapkan, bertemu, terpilih)
VERB_FORM = re.compile(r"(?:me[mn]?|meng|meny|ber|di|ter|per)[a-z]{3,}$")


def _initials(toks: Sequence[_Tok]) -> str:
    return "".join(t.text[0].upper() for t in toks if t.alpha and (t.cap or t.low not in _FUNCTION))


def _dateline_end(toks: list[_Tok]) -> int:
    """Tokens of a leading dateline ("Jakarta, Kompas - ", "Srinagar, Senin - "): not part of the news."""
    for i, t in enumerate(toks[:6]):
        if t.text in ("-", "–", "—"):
            return i + 1 if all(x.cap or x.text == "," or not x.alpha for x in toks[:i]) and i else 0
    return 0


def _features(c: _Cand, toks: list[_Tok], matched: list[bool], q: _Question, sent_match: float,
              ctx_match: float, dateline: int = 0) -> dict[str, float]:
    span = toks[c.a:c.b]
    words = [t for t in span if t.alpha or t.num]
    nw = max(len(words), 1)
    match_pos = [i for i, m in enumerate(matched) if m]
    if match_pos:
        dists = [c.a - i if i < c.a else (i - c.b + 1 if i >= c.b else 0) for i in match_pos]
        dist = min(dists)
        window = sum(1 for d in dists if d <= 6) / max(len(q.terms), 1)
    else:
        dist, window = 30, 0.0
    left = c.a > 0 and any(matched[max(0, c.a - 3):c.a])
    right = any(matched[c.b:c.b + 3])
    left_count = sum(matched[max(0, c.a - 5):c.a])
    right_count = sum(matched[c.b:c.b + 5])
    prev = toks[c.a - 1].low if c.a > 0 else ""
    prev2 = toks[c.a - 2].low if c.a > 1 else ""
    nxt = toks[c.b].text if c.b < len(toks) else ""
    nxt2 = toks[c.b + 1].low if c.b + 1 < len(toks) else ""
    in_q = [w for w in words if w.low in q.words or (len(w.low) > 3 and _stem(w.low) in q.stems)]
    alpha = [w for w in words if w.alpha]
    na = max(len(alpha), 1)
    initials = _initials(span)
    f = {
        "bias": 1.0,
        f"src_{c.source}": 1.0,
        "sent_match": sent_match,
        "ctx_match": ctx_match,
        "no_match": float(not match_pos),
        "dist": math.log1p(dist),
        "adjacent": float(dist <= 1),
        "match_left": float(left),
        "match_right": float(right),
        "window_match": window,
        "left_count": min(left_count, 4) / 4,
        "right_count": min(right_count, 4) / 4,
        "in_dateline": float(c.a < dateline),
        "overlap": len(in_q) / nw,
        "all_in_q": float(len(in_q) == len(words)),
        "n_words": min(nw, 10) / 10,
        "one_word": float(nw == 1),
        "long": float(nw > 5),
        "position": c.a / max(len(toks), 1),
        "prep_place": float(prev in _PREP_PLACE or prev2 in ("di", "ke", "dari", "in", "at") and prev in
                            ("kota", "provinsi", "propinsi", "kabupaten", "pulau", "negara", "jalan", "the")),
        "prep_time": float(prev in _PREP_TIME),
        "common_share": sum(_lower_share(w.text) for w in alpha) / na,
        "title_start": float(bool(alpha) and _titleish(alpha[0])),
        "place_share": sum(_place_share(w.text) for w in alpha) / na,
        "person_share": sum(_person_share(w.text) for w in alpha) / na,
        "unknown_share": sum(1 for w in alpha if not _known(w.text)) / na,
        "acronym": float(len(words) == 1 and words[0].acro),
        "has_head": float(bool(q.head) and any(w.low == q.head or _stem(w.low) == _stem(q.head) for w in words)),
        "initials_match": float(len(initials) >= 2 and any(a.upper().replace("-", "") == initials
                                                           for a in q.acronyms)),
        "followed_by_age": float(nxt == "(" and nxt2.isdigit()),
        "followed_by_said": float(nxt.lower() in _SAID or (nxt == "," and nxt2 in _SAID) or prev in ("kata", "ujar")),
        "comma_apposition": float(prev == "," and nxt == ","),
        "starts_lower": float(bool(words) and words[0].text[:1].islower()),
        "has_digit": float(any(w.num for w in words)),
        "in_quotes": float(prev in ('"', "“") and nxt in ('"', "”")),
        "starts_verbish": float(bool(words) and bool(VERB_FORM.match(words[0].text))),
        "has_honorific": float(prev in _HONORIFICS or any(
            w.low in _HONORIFICS and not (w.low == "ibu" and k + 1 < na and alpha[k + 1].low == "kota")
            for k, w in enumerate(alpha))),  # "Ibu Kota Jakarta" is a place
    }
    if c.extra.get("resolved_relative"):
        f["common_share"] = f["starts_lower"] = 0.0
    f["focus_fit"] = _focus_fit(c, f, q)
    if q.kind == "other":  # what the "what" question names decides which candidates fit
        f[f"{c.source.split('_')[0]}_for_{q.focus}"] = 1.0
    for k, v in c.extra.items():
        if k != "resolved_relative":  # a marker, not a feature
            f[k] = v
    return f


def _fits(kind: str, f: dict[str, float]) -> bool:
    """Type gate: a "where" answer must not read as a person, a "who" answer not as a place after "di/ke"."""
    if kind == "where":
        return not (f["person_share"] > 0 and f["place_share"] == 0 and not f["prep_place"] and not f["has_head"]) \
            and not f["has_honorific"]
    if kind == "who":
        return not (f["prep_place"] and f["place_share"] >= 0.2 and f["person_share"] == 0)
    return True


def _focus_fit(c: _Cand, f: dict[str, float], q: _Question) -> float:
    if q.focus == "person":
        return f["person_share"] + f["unknown_share"] - f["place_share"] - f["common_share"]
    if q.focus == "place":
        return f["place_share"] + f["prep_place"] - f["person_share"]
    if q.focus == "year":
        return c.extra.get("has_year", c.extra.get("year_like", 0.0))
    if q.focus == "expansion":
        return f["initials_match"]
    if q.focus == "name":
        return f["has_head"]
    return 0.0


_DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "_all": {"dist": -1.0, "adjacent": 0.5, "overlap": -3.0, "all_in_q": -3.0, "window_match": 1.0,
             "sent_match": 2.0, "no_match": -1.0, "long": -0.5, "src_name_core": 0.3, "focus_fit": 1.0,
             "name_fragment": -2.0, "initials_match": 3.0, "has_head": 0.5},
    "who": {"person_share": 1.0, "unknown_share": 0.8, "common_share": -1.5, "place_share": -1.0,
            "followed_by_said": 0.5, "followed_by_age": 0.5, "src_paren": -2.0},
    "where": {"prep_place": 1.5, "place_share": 1.5, "person_share": -1.0, "common_share": -0.5},
    "when": {"has_day": 0.5, "has_year": 0.3, "is_relative": -0.5},
    "number": {"has_unit": 0.5, "unit_in_q": 1.5, "unit_is_q_unit": 1.5, "year_like": -1.0, "is_ordinal": -1.0},
    "other": {"bias": -0.5, "src_phrase": -1.0, "src_paren": -0.5, "common_share": -0.5},
}


@functools.lru_cache(maxsize=1)
def _weights() -> dict[str, dict[str, float]]:
    stored = _model().get("weights")
    if stored:
        return stored
    out = {}
    for kind in KINDS:
        w = dict(_DEFAULT_WEIGHTS["_all"])
        w.update(_DEFAULT_WEIGHTS.get(kind, {}))
        out[kind] = w
    return out


def _score(features: dict[str, float], kind: str) -> float:
    w = _weights().get(kind, {})
    return sum(w.get(k, 0.0) * v for k, v in features.items())


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------

def _match(toks: list[_Tok], q: _Question) -> list[bool]:
    out = []
    for t in toks:
        ok = (t.alpha or t.num) and t.low not in _FUNCTION and (
            t.low in q.terms or (len(t.low) > 3 and t.alpha and _stem(t.low) in q.stems))
        out.append(bool(ok))
    return out


def _coverage(q: _Question, toks: list[_Tok]) -> float:
    if not q.terms:
        return 0.0
    lows = {t.low for t in toks}
    stems = {_stem(t.low) for t in toks if len(t.low) > 3 and t.alpha}
    hit = sum(1 for w in q.terms if w in lows or (len(w) > 3 and _stem(w) in stems))
    return hit / len(q.terms)


# A role's qualifier: "Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko" is not the "Menteri Pertahanan Rusia"
_QUALIFIERS = frozenset({"wakil", "wapres", "wagub", "wabup", "mantan", "bekas", "eks", "calon", "plt", "plh",
                         "deputy", "vice", "former", "ex"})


# "Siapa nama lengkap Balawan?", "Siapakah Soeharto?", "Who is Krivoruchko?": the answer may end with the name asked
_IDENTITY_Q = re.compile(r"nama\s+lengkap|full\s+name|^\W*siapa(?:kah)?\s+\w+\W*$|^\W*who\s+(?:is|was)\s+\w+\W*$",
                         re.IGNORECASE)


def _bare_names(question: str) -> set[str]:
    """Capitalised words of the question, past its first, standing alone (no capitalised word next to them)."""
    toks = _tokens(question)
    return {t.text for i, t in enumerate(toks) if i > 0 and t.cap and t.alpha
            and not (i > 1 and toks[i - 1].cap) and not (i + 1 < len(toks) and toks[i + 1].cap)}


def _last_word(toks: list[_Tok], c: _Cand) -> str:
    words = [t.text for t in toks[c.a:c.b] if t.alpha]
    return words[-1] if words else ""


def _title_chain(toks: list[_Tok], c: _Cand) -> list[int]:
    """Token indices of the title chain that introduces a candidate name: its own leading titles and the
    capitalised words, titles and parentheses right before it (at most 8), nearest first."""
    a = c.a
    while a < c.b and toks[a].low in _TITLES:
        a += 1  # the candidate may start with its own titles
    chain = list(range(a - 1, c.a - 1, -1))
    i = c.a - 1
    while i >= 0 and a - i <= 8 and (toks[i].cap or toks[i].text in ("(", ")") or toks[i].low in _TITLES):
        chain.append(i)
        i -= 1
    return chain


def _qualified_role(toks: list[_Tok], matched: list[bool], c: _Cand) -> bool:
    """Is the candidate's name introduced by a qualified form of the role the question asks about ("Siapa Menteri
    Pertahanan Rusia?" over "... Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko")? Its title chain holds a
    qualifier followed by one of the question's words."""
    return any(toks[i].low in _QUALIFIERS and i + 1 < len(toks) and matched[i + 1] for i in _title_chain(toks, c))


def _reference(reference_date: str | None) -> _dt.date:
    # without the article's date, only used to recognise yearless "(19/7)" as a date; the year is not reported
    return iso_day(reference_date) or _dt.date(2000, 1, 1)


def candidates(question: str, sentence: str, context: str = "", reference_date: str | None = None,
               qtype: str | None = None, glossary: bool = True) -> list[tuple[ShortAnswer, dict[str, float]]]:
    """Every candidate answer in `sentence` with its features, best first (used by the benchmark/trainer)."""
    q = _analyse(question, qtype, glossary)
    toks = _tokens(sentence)
    if not toks:
        return []
    matched = _match(toks, q)
    anchors = _verb_anchors(toks, q)
    if q.verbs and not anchors:
        # "What did Kim give ...": a sentence without the verb does not say what was given; its names are
        # guesses (1 of 17 right on the train splits' "what did" questions, session 22): quote, don't guess
        return []
    dateline = _dateline_end(toks)
    sent_match = _coverage(q, toks)
    ctx_match = _coverage(q, _tokens(context)) if context else 0.0
    cands: list[_Cand] = []
    kind = q.kind
    date_cands = _date_candidates(sentence, toks, _reference(reference_date), iso_day(reference_date) is not None)
    date_toks = {i for c in date_cands for i in range(c.a, c.b)
                 if c.extra.get("has_year") or c.extra.get("has_day") or c.extra.get("has_time")}
    if kind in ("who", "where"):
        cands += _name_candidates(toks, matched, q, suffixes=kind == "who", places=kind == "where")
        if kind == "where":
            cands += _locative_candidates(toks)
        if kind == "who":
            cands += [c for c in _paren_candidates(toks) if any(toks[x].cap for x in range(c.a, c.b))]
    elif kind == "when":
        cands += date_cands
    elif kind == "number":
        # a "keberapa" question: the sentence's ordinals ("kedelapan", not the age "75" beside it); without one, a
        # number ("urutan 110")
        ordinals = _ordinal_candidates(toks) if q.focus == "ordinal" else []
        cands += ordinals or _number_candidates(toks, date_toks, q)
    else:
        if q.focus in ("place", "name", "expansion", "phrase", "verb"):
            cands += _name_candidates(toks, matched, q, places=q.focus == "place")
            cands += _paren_candidates(toks)
        if q.focus in ("name", "phrase", "verb"):
            cands += _phrase_candidates(toks, matched, q)
        if q.focus == "verb":
            cands += _object_candidates(toks, anchors)
    if q.focus == "expansion" and asks_acronym(question):
        # "What is KCNA?": only a phrase standing beside the acronym expands it ("Kantor Berita Korea Utara, KCNA"),
        # not another name of a sentence that mentions it ("... pernyataan KCNA dikutip dari Korea JoongAng Daily")
        cands = [c for c in cands if _beside_acronym(toks, c, frozenset(q.acronyms))]
    if (kind == "who" or q.focus == "name") and not (q.words | q.terms) & _QUALIFIERS:
        kept = [c for c in cands if not _qualified_role(toks, matched, c)]
        if len(kept) < len(cands):
            # the sentence names a qualified holder of the asked role: only a name the role itself introduces
            # ("Presiden Yudhoyono dan Wakil Presiden Jusuf Kalla") answers; any other name is a guess
            kept = [c for c in kept if any(toks[i].low in _TITLES and matched[i] for i in _title_chain(toks, c))]
        cands = kept
    if kind == "who" and not _IDENTITY_Q.search(question):
        # "... after Putin?", "... met Krivoruchko?": a person the question names by one word is who it is about, not
        # its answer ("Presiden Rusia Vladimir Putin"); a two-word name ("Hosni Mubarak") may share its surname with
        # the answer ("Suzane Mubarak"). FacQA unchanged on every split, news train +1 (session 27)
        bare = _bare_names(question)
        cands = [c for c in cands if not (bare and _last_word(toks, c) in bare)]
    # a which/what question that names its answer's category ("Kapal apa ...", "Which war ...")
    names_category = bool(kind == "other" and q.head and q.focus in ("phrase", "name"))
    out = []
    seen: set[tuple[int, int]] = set()
    for c in cands:
        words = [t for t in toks[c.a:c.b] if t.alpha or t.num]
        if not words or len(words) > MAX_WORDS:
            continue
        if all(matched[x] or not (toks[x].alpha or toks[x].num) for x in range(c.a, c.b)):
            continue  # nothing new: the question's own words
        f = _features(c, toks, matched, q, sent_match, ctx_match, dateline)
        if f["all_in_q"] or not _fits(kind, f):  # every word the question's own: it answers nothing
            continue
        s, e = toks[c.a].start, toks[c.b - 1].end
        if (s, e) in seen:
            continue
        seen.add((s, e))
        off = names_category and not (f.get("head_prefixed") or f.get("has_head"))
        out.append((ShortAnswer(sentence[s:e], s, e, kind, _score(f, kind), c.source, off), f))
    out.sort(key=lambda x: -x[0].score)
    if names_category:
        # "Which war ...?" over "... dukungan untuk perang Rusia di Ukraina": when the sentence offers a candidate
        # naming the head noun, the answer is one of those ("perang Rusia", not "KCNA"). Gold inside the short
        # answer, "what" questions (bench/extraction.py, passage setting): FacQA train .560 -> .561, English
        # train .407 -> .425, valid .567 -> .577; news unchanged (session 27)
        out = [x for x in out if not x[0].off_category] or out
    if asks_country(question):
        # "Di negara manakah kota Incheon terletak?": a candidate that names a country, when the sentence has one
        out = [x for x in out if is_countries(x[0].text)] or out
    return out


# which/what heads whose answer is a title itself ("Apakah jabatan Erkki Tuomioja?" -> "Menteri Luar Negeri Finlandia")
_POSITION_HEADS = frozenset({"jabatan", "posisi", "kedudukan", "pangkat", "gelar", "profesi", "position", "title",
                             "role", "post"})


def titled_guess(question: str, short: ShortAnswer, glossary: bool = True) -> bool:
    """A titled name ("Menteri Luar Negeri Korea Selatan Ban Ki-Moon") given to a which/what question whose category
    it does not name and which asks for neither a person nor a position ("Apa nama kapal selam baru Korea Utara?").
    Such short answers held the gold 6 of 24 times over the gold passages of FacQA, English and news, train and
    valid (all 6 an organisation after its head's title: "Ketua IAEA" for "Kepala Badan apakah ...?"): a guess to
    doubt, not to state (session 28)."""
    if not short.off_category or not short.source.startswith("name"):
        return False
    toks = _tokens(short.text)
    head = _analyse(question, None, glossary).head
    return bool(toks) and toks[0].cap and toks[0].low in _TITLES and head not in _TITLES \
        and head not in _POSITION_HEADS


def extract_short_answer(question: str, sentence: str, context: str = "", reference_date: str | None = None,
                         qtype: str | None = None, glossary: bool = True) -> ShortAnswer | None:
    """The short answer to `question` in `sentence` (verbatim, with offsets into `sentence`), or None when the
    sentence holds nothing of the asked type.

    `context` (neighbouring sentences) only adds to the score when it shares the question's words;
    `reference_date` (the article's ISO date) lets yearless dates such as "Jumat (19/7)" be recognised;
    `qtype` overrides the answer type read from the question ("who", "where", "when", "number", "other").
    `glossary`: an English question's words also count in their Indonesian forms (rag/glossary.json), so
    "Russian" is not a new phrase in a sentence that says "Rusia", and "Which news agency" asks for a "berita"
    (the category word "Kantor berita apa" names). On English *train* questions (full pipeline, answered ones) the
    shown short answer holds the gold more often with it: FacQA 0.428 -> 0.447, IDK-MRC 0.192 -> 0.203. The
    sentence scorer was refitted with it (session 15); the answerability trees pass False: they were fitted on
    features read without it (bench/RESULTS.md, "The extractor's glossary in the sentence scorer").
    Memoised: the evidence, answerability and answer stages read the same sentences for one question.
    """
    found = short_answers(question, sentence, context, reference_date, qtype, glossary)
    return found[0] if found else None


@functools.lru_cache(maxsize=4096)
def short_answers(question: str, sentence: str, context: str = "", reference_date: str | None = None,
                  qtype: str | None = None, glossary: bool = True) -> tuple[ShortAnswer, ...]:
    """Every short answer `extract_short_answer` weighs in `sentence`, best first (its runner-ups tell how sure
    the best one is: rag/short_confidence.py). Memoised."""
    return tuple(a for a, _ in candidates(question, sentence, context, reference_date, qtype, glossary))


def best_short_answer(question: str, sentences: Iterable[str], reference_date: str | None = None,
                      qtype: str | None = None) -> tuple[int, ShortAnswer] | None:
    """The best (sentence index, short answer) over several sentences (e.g. all sentences of a passage); each
    sentence's neighbours serve as its context."""
    sentences = list(sentences)
    best: tuple[int, ShortAnswer] | None = None
    for i, sentence in enumerate(sentences):
        context = " ".join(sentences[max(0, i - 1):i] + sentences[i + 1:i + 2])
        ans = extract_short_answer(question, sentence, context, reference_date, qtype)
        if ans is not None and (best is None or ans.score > best[1].score):
            best = (i, ans)
    return best
