"""Finding and normalising dates in Indonesian and English news text.

News says "Kamis (18/7/2024)" or "Jumat (19/7)" while users ask about "18 July"; both sides are mapped to ISO
"yyyy-mm-dd" so retrieval and filters can match them. Pure functions over module-level tables; stdlib only
(python-dateutil is used, when installed, only as a last resort for odd metadata values).
"""
from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Month names and abbreviations -> month number; lower case. Old spellings (Pebruari, Nopember) still appear in
# Indonesian archives.
MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agust": 8, "agus": 8, "agu": 8, "agt": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}

# Weekday names (and common English abbreviations) -> date.weekday() index (Monday = 0).
WEEKDAYS: dict[str, int] = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jum’at": 4, "sabtu": 5,
    "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}

# Canonical names used by date_words(), indexed by month - 1 / weekday().
MONTH_NAMES_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                  "Oktober", "November", "Desember")
MONTH_NAMES_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")
WEEKDAY_NAMES_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# English full month names that are not also Indonesian: "July 18" (no year) is only read for these.
_EN_ONLY_MONTHS = ("january", "february", "march", "may", "june", "july", "august", "october", "december")
# Month words that are also common English words; without a year they only count when capitalised
# ("2 may be" is not a date, "2 May" is).
_AMBIGUOUS_MONTH_WORDS = frozenset({"may", "march"})

# Years outside this range are far more likely to be numbers than dates.
MIN_YEAR, MAX_YEAR = 1800, 2199


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation, longest first so "Juli" wins over "Jul"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


MONTH_RE = rf"(?:{_alternation(MONTHS)})"
WEEKDAY_RE = rf"(?:{_alternation(WEEKDAYS)})"
_ORD = r"(?:st|nd|rd|th)?"
_NOT_NUM_BEFORE = r"(?<![\w/])(?<!\d[.,])"  # not inside a longer number, path or decimal
_WORD = r"[^\W\d_]{3,9}"  # a candidate month word, checked against MONTHS in code (far faster than alternation)

# (kind, pattern). No pattern starts with an optional weekday (that made every position expensive): a weekday
# right before a match is found by _WEEKDAY_BEFORE instead.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in (
    # d/m/yyyy, d-m-yyyy, d.m.yyyy, optionally parenthesised: "(18/7/2024)"
    ("numeric", r"(?P<lp>\(\s*)?(?<![\w/.-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})"
                r"(?!\w)(?![/.-]\d)(?P<rp>\s*\))?"),
    # d/m without year in parentheses: "(19/7)"
    ("paren", r"\(\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})\s*\)"),
    # bare d/m without year: only counts after a weekday ("Jumat 19/7")
    ("bare", r"(?<![\w/.-])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?!\w)(?![/.-]\d)"),
    # 18 Juli 2024, 18 Jul. 2024, 18th of July 2024, 18 Juli (year from reference)
    ("day_month", rf"{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_WORD})\b"
                  r"(?:\.?,?\s+(?P<y>\d{4})(?!\d))?"),
    # July 18, 2024 / Jul 18 2024 / July 18 (year from reference, English-only month names)
    ("month_day", rf"\b(?P<mon>{_WORD})\.?\s+(?P<d>\d{{1,2}}){_ORD}\b(?:(?:\s*,\s*|\s+)(?P<y>\d{{4}})(?!\d))?"),
    # ISO 2024-07-18 (also 2024/07/18); a following "T14:11" is allowed
    ("iso", r"(?<![\w/.-])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)(?![/.-]\d)"),
))
# A weekday name just before a date ("Kamis ", "Senin, ", "Fri, "), matched against the few preceding characters.
_WEEKDAY_BEFORE = re.compile(rf"\b(?P<wd>{WEEKDAY_RE})\.?\s*,?\s*$", re.IGNORECASE)
_WEEKDAY_WINDOW = 16


@dataclass
class DateMention:
    """A date found in text: `text[start:end] == self.text`, normalised to `iso` (yyyy-mm-dd)."""

    start: int
    end: int
    iso: str
    text: str


def _valid(year: int, month: int, day: int) -> _dt.date | None:
    """The date, or None when it does not exist (31/2) or the year is implausible."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def _resolve_year(month: int, day: int, reference: _dt.date, weekday: int | None) -> _dt.date | None:
    """Year for a yearless "(28/12)": the candidate year closest to `reference`.

    News published on 5 January that says "Kamis (28/12)" means last December; a matching weekday name
    breaks ties in favour of the right year.
    """
    candidates = [d for y in (reference.year - 1, reference.year, reference.year + 1)
                  if (d := _valid(y, month, day)) is not None]
    if not candidates:
        return None
    if weekday is not None:
        matching = [d for d in candidates if d.weekday() == weekday and abs((d - reference).days) <= 200]
        if matching:
            candidates = matching
    return min(candidates, key=lambda d: abs((d - reference).days))


def _month_number(token: str, has_year: bool) -> int | None:
    """Month number for a month word; ambiguous lower-case words ("may") need a year to count."""
    key = token.lower()
    if not has_year and key in _AMBIGUOUS_MONTH_WORDS and token[:1].islower():
        return None
    return MONTHS.get(key)


def _weekday_before(text: str, start: int) -> tuple[int, int] | None:
    """(start of the weekday name, its weekday index) when a weekday name directly precedes `start`."""
    low = max(0, start - _WEEKDAY_WINDOW)
    match = _WEEKDAY_BEFORE.search(text, low, start)
    if match is None:
        return None
    begin = match.start("wd")
    if begin > 0 and text[begin - 1].isalnum():  # the window cut a longer word ("XKamis")
        return None
    return begin, WEEKDAYS[match["wd"].lower()]


def _span(match: re.Match[str]) -> tuple[int, int]:
    """The match span without an unbalanced parenthesis ("(18/7/2024 dan" -> "18/7/2024")."""
    start, end = match.span()
    lp, rp = match.groupdict().get("lp"), match.groupdict().get("rp")
    if lp and not rp:
        start = match.start("d")
    elif rp and not lp:
        end = match.end("y")
    return start, end


def _month_of(kind: str, match: re.Match[str], text: str, has_year: bool) -> int | None:
    """Month number of a match; month words are checked here, yearless "July 18" only for English months."""
    word = match.groupdict().get("mon")
    if word is None:
        return int(match["m"])
    if kind == "month_day" and not has_year:
        if word.lower() not in _EN_ONLY_MONTHS or re.match(r"[/.,]\d", text[match.end():match.end() + 2]):
            return None
    return _month_number(word, has_year)


def _mention(kind: str, match: re.Match[str], text: str, reference: _dt.date | None) -> DateMention | None:
    """Turn one regex match into a validated mention, extended to a weekday name right before it."""
    year_s = match.groupdict().get("y")
    month = _month_of(kind, match, text, has_year=bool(year_s))
    if month is None:
        return None
    start, end = _span(match)
    weekday = _weekday_before(text, start)
    if kind == "bare" and weekday is None:
        return None
    day = int(match["d"])
    if year_s:
        found = _valid(int(year_s), month, day)
    elif reference is None:
        return None
    else:
        found = _resolve_year(month, day, reference, weekday[1] if weekday else None)
    if found is None:
        return None
    if weekday is not None:
        start = weekday[0]
    return DateMention(start, end, found.isoformat(), text[start:end])


def find_dates(text: str, reference: _dt.date | None = None) -> list[DateMention]:
    """All dates in `text`, in order and non-overlapping (the longest match wins at each position).

    Day/month without a year ("Jumat (19/7)", "18 Juli") takes its year from `reference` and is skipped
    without one; bare "18/7" is ignored unless parenthesised or after a weekday, as it is too often a score
    or a fraction.
    """
    candidates = [mention for kind, pattern in _PATTERNS for match in pattern.finditer(text)
                  if (mention := _mention(kind, match, text, reference)) is not None]
    candidates.sort(key=lambda m: (m.start, -(m.end - m.start)))
    chosen: list[DateMention] = []
    last_end = -1
    for mention in candidates:
        if mention.start >= last_end:
            chosen.append(mention)
            last_end = mention.end
    return chosen


def _from_isoformat(value: str) -> str | None:
    """ISO dates and datetimes ("2024-07-19T14:11:00+07:00" -> the date as written, not converted to UTC)."""
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    found = _valid(parsed.year, parsed.month, parsed.day)
    return found.isoformat() if found else None


def _dateutil_parser() -> Callable[..., _dt.datetime] | None:
    """dateutil's parser if installed; it only catches forms find_dates does not (e.g. US "07/19/2024")."""
    try:
        from dateutil import parser
    except ImportError:  # pragma: no cover - dateutil is normally installed
        return None
    return parser.parse


def _from_dateutil(value: str) -> str | None:
    """A full date via dateutil, or None when any of day/month/year was missing.

    dateutil fills missing parts from a default date; parsing with two different defaults exposes that.
    """
    parse = _dateutil_parser()
    if parse is None:
        return None
    results = []
    for default in (_dt.datetime(2001, 1, 1), _dt.datetime(2002, 2, 2)):
        try:
            with warnings.catch_warnings():  # "unknown timezone WIB" is noise here: only the date is kept
                warnings.simplefilter("ignore")
                results.append(parse(value, default=default, dayfirst=True))
        except (ValueError, OverflowError, TypeError, LookupError):
            return None
    if results[0].date() != results[1].date():
        return None
    found = _valid(results[0].year, results[0].month, results[0].day)
    return found.isoformat() if found else None


def parse_date(value: object) -> str | None:
    """Normalise a metadata date value to ISO "yyyy-mm-dd"; None for None, empty or unparseable values.

    Accepts ISO dates/datetimes, date objects (YAML front matter yields them), "19 Juli 2024, 14:11 WIB",
    "19/07/2024", "July 19, 2024" and most other forms find_dates knows.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if not stripped or len(stripped) > 200:
        return None
    iso = _from_isoformat(stripped)
    if iso:
        return iso
    found = find_dates(stripped)
    if found:
        return found[0].iso
    return _from_dateutil(stripped)


def date_words(iso: str) -> str:
    """Searchable words for an ISO date in both languages, so "18 July" finds "Kamis (18/7/2024)".

    Raises ValueError for a string that does not start with a valid yyyy-mm-dd.
    """
    day = _dt.date.fromisoformat(iso[:10])
    month_id, month_en = MONTH_NAMES_ID[day.month - 1], MONTH_NAMES_EN[day.month - 1]
    wd_id, wd_en = WEEKDAY_NAMES_ID[day.weekday()], WEEKDAY_NAMES_EN[day.weekday()]
    return f"{wd_id} {day.day} {month_id} {day.year} {wd_en} {day.day} {month_en} {day.year}"


# ---- relative dates ----------------------------------------------------------------------------------------------
# News dates many events by the publication day: "kemarin", "Kamis lalu", "bulan lalu". Read against the article's
# own date they become checkable dates: a story of Friday 19 July 2024 that says "kemarin" means 18 July 2024.

# word -> day offset from the article date
_RELATIVE_DAYS = {"kemarin lusa": -2, "kemarin": -1, "hari ini": 0, "besok": 1, "lusa": 2,
                  "yesterday": -1, "today": 0, "tomorrow": 1}
# (unit, offset): "bulan lalu" = the month before the article's month
_RELATIVE_PERIODS = {"bulan lalu": ("month", -1), "bulan ini": ("month", 0), "bulan depan": ("month", 1),
                     "tahun lalu": ("year", -1), "tahun ini": ("year", 0), "tahun depan": ("year", 1),
                     "last month": ("month", -1), "this month": ("month", 0), "next month": ("month", 1),
                     "last year": ("year", -1), "this year": ("year", 0), "next year": ("year", 1)}
_RELATIVE_WORDS = re.compile(rf"\b(?:{_alternation([*_RELATIVE_DAYS, *_RELATIVE_PERIODS])})\b", re.IGNORECASE)
# A weekday named without a date: capitalised (a weekday, not a common word), Indonesian "Minggu" left out (it is
# also "week": "Minggu lalu" may be either). Optional "lalu/kemarin" (before the article day) or "depan/mendatang/
# besok/lusa" (after it); English "last/next Thursday".
_BARE_WEEKDAY = re.compile(
    r"\b(?:(?P<en_dir>[Ll]ast|[Nn]ext|[Tt]his)\s+)?"
    r"(?P<wd>Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Ahad|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday)\b(?:\s+(?P<dir>lalu|kemarin|depan|mendatang|besok|lusa|ini)\b)?")
_FUTURE_CUE = re.compile(r"\b(?:akan|bakal|nanti|will|rencananya|dijadwalkan|scheduled)\b[^.!?]{0,40}$", re.IGNORECASE)


@dataclass
class RelativeDate:
    """A date written relative to the publication day, resolved against it. `value` is "yyyy-mm-dd" for a day,
    "yyyy-mm" for a month ("bulan lalu"), "yyyy" for a year ("tahun lalu"); `text[start:end]` is the phrase."""

    start: int
    end: int
    value: str
    text: str

    @property
    def granularity(self) -> str:
        return {10: "day", 7: "month", 4: "year"}[len(self.value)]


def _shift_period(reference: _dt.date, unit: str, offset: int) -> str:
    if unit == "year":
        return f"{reference.year + offset:04d}"
    months = reference.year * 12 + reference.month - 1 + offset
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def _weekday_date(reference: _dt.date, weekday: int, direction: str) -> _dt.date:
    """The named weekday nearest the article day in `direction`: "past" (on or before it), "before" (strictly),
    "after" (strictly), "next" (on or after)."""
    back = (reference.weekday() - weekday) % 7
    ahead = (weekday - reference.weekday()) % 7
    if direction == "before":
        return reference - _dt.timedelta(days=back or 7)
    if direction == "after":
        return reference + _dt.timedelta(days=ahead or 7)
    if direction == "next":
        return reference + _dt.timedelta(days=ahead)
    return reference - _dt.timedelta(days=back)


def find_relative_dates(text: str, reference: _dt.date | None,
                        explicit: list[DateMention] | None = None) -> list[RelativeDate]:
    """Relative dates in `text` resolved against `reference` (the article's date); none without one.

    "kemarin", "hari ini", "besok" (and English) are days; a weekday named without a date is the latest such day
    up to the article day ("Kamis" in a Friday story), strictly before with "lalu/kemarin/last", after with
    "depan/mendatang/next" or a future cue before it ("akan digelar Sabtu"); "bulan/tahun lalu" are a month or a
    year. Phrases that overlap an explicit date (find_dates: "Kamis (18/7)", "kemarin (18/7)") are left to it;
    `explicit` passes find_dates(text, reference) when the caller has it already. Without it, only the text around
    each phrase is searched for explicit dates: article_fingerprint asks this of every article on every rebuild."""
    if reference is None:
        return []
    found: list[RelativeDate] = []
    for m in _RELATIVE_WORDS.finditer(text):
        key = " ".join(m.group(0).lower().split())
        if key in _RELATIVE_DAYS:
            value = (reference + _dt.timedelta(days=_RELATIVE_DAYS[key])).isoformat()
        else:
            value = _shift_period(reference, *_RELATIVE_PERIODS[key])
        found.append(RelativeDate(m.start(), m.end(), value, m.group(0)))
    for m in _BARE_WEEKDAY.finditer(text):
        word = m["dir"] or (m["en_dir"] or "").lower()
        if word in ("lalu", "kemarin", "last"):
            direction = "before"
        elif word in ("depan", "mendatang", "besok", "lusa", "next"):
            direction = "after"
        elif _FUTURE_CUE.search(text, max(0, m.start() - 60), m.start()):
            direction = "next"
        else:
            direction = "past"
        day = _weekday_date(reference, WEEKDAYS[m["wd"].lower()], direction)
        found.append(RelativeDate(m.start(), m.end(), day.isoformat(), m.group(0)))
    # a weekday phrase wins over a word inside it ("Rabu kemarin" is one phrase, not "kemarin" = yesterday);
    # anything touching an explicit date is the explicit date's ("Kamis (18/7)", "kemarin (18/7)")
    found.sort(key=lambda r: (r.start, -(r.end - r.start)))
    out: list[RelativeDate] = []
    for r in found:
        if out and r.start < out[-1].end:
            continue
        near = explicit if explicit is not None else _explicit_near(text, r, reference)
        if any(e.start <= r.end + 3 and r.start <= e.end for e in near):
            continue
        out.append(r)
    return out


_NEAR = 40  # characters around a phrase searched for an explicit date touching it (a date mention is shorter)


def _explicit_near(text: str, phrase: RelativeDate, reference: _dt.date) -> list[DateMention]:
    """find_dates in a window around `phrase`, offsets into `text`."""
    low = max(0, phrase.start - _NEAR)
    return [DateMention(m.start + low, m.end + low, m.iso, m.text)
            for m in find_dates(text[low:phrase.end + _NEAR], reference)]


def iso_day(value: str | None) -> _dt.date | None:
    """The day of an ISO date or datetime string ("2024-07-19", "2024-07-19T14:11"); None when absent or invalid."""
    try:
        return _dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def period_words(value: str) -> str:
    """Searchable words for a date value of any granularity: a day as date_words, a month as "Juni 2024 June
    2024", a year as itself."""
    if len(value) >= 10:
        return date_words(value)
    if len(value) == 7:
        year, month = int(value[:4]), int(value[5:7])
        return f"{MONTH_NAMES_ID[month - 1]} {year} {MONTH_NAMES_EN[month - 1]} {year}"
    return value
