import datetime as dt

import pytest

from rag.dates import DateMention, date_words, find_dates, find_relative_dates, parse_date, period_words

REF = dt.date(2024, 7, 19)


def _found(text: str, reference: dt.date | None = REF) -> list[tuple[str, str]]:
    mentions = find_dates(text, reference)
    for m in mentions:
        assert isinstance(m, DateMention)
        assert text[m.start:m.end] == m.text
    return [(m.text, m.iso) for m in mentions]


@pytest.mark.parametrize("text, span, iso", [
    ("dilakukan di Pyongyang, Kamis (18/7/2024).", "Kamis (18/7/2024)", "2024-07-18"),
    ("pada (18/7/2024) lalu", "(18/7/2024)", "2024-07-18"),
    ("pada 18/7/2024 lalu", "18/7/2024", "2024-07-18"),
    ("pada 18-7-2024 lalu", "18-7-2024", "2024-07-18"),
    ("tanggal 18.07.2024", "18.07.2024", "2024-07-18"),
    ("KCNA, Jumat (19/7).", "Jumat (19/7)", "2024-07-19"),
    ("KCNA (19/7) menyebut", "(19/7)", "2024-07-19"),
    ("Jumat 19/7 malam", "Jumat 19/7", "2024-07-19"),
    ("pada 18 Juli 2024 di", "18 Juli 2024", "2024-07-18"),
    ("pada 18 Juli lalu", "18 Juli", "2024-07-18"),
    ("Senin, 18 Juli 2024 pukul", "Senin, 18 Juli 2024", "2024-07-18"),
    ("met on 18 July 2024.", "18 July 2024", "2024-07-18"),
    ("met on July 18, 2024.", "July 18, 2024", "2024-07-18"),
    ("Friday, July 19, 2024", "Friday, July 19, 2024", "2024-07-19"),
    ("on 18 Jul 2024", "18 Jul 2024", "2024-07-18"),
    ("on the 18th of July 2024", "18th of July 2024", "2024-07-18"),
    ("Who did Kim meet on July 18?", "July 18", "2024-07-18"),
    ("updated 2024-07-18T10:00:00", "2024-07-18", "2024-07-18"),
    ("17 Agustus 1945", "17 Agustus 1945", "1945-08-17"),
    ("18 JULI 2024", "18 JULI 2024", "2024-07-18"),
    ("18 juli 2024", "18 juli 2024", "2024-07-18"),
    ("Sun, 21 Jul 2024 10:00", "Sun, 21 Jul 2024", "2024-07-21"),
    ("Rabu,17/7 pagi", "Rabu,17/7", "2024-07-17"),
    ("XKamis (18/7)", "(18/7)", "2024-07-18"),  # a weekday only counts as a whole word
])
def test_date_forms(text, span, iso):
    assert _found(text) == [(span, iso)]


@pytest.mark.parametrize("abbrev, month", [
    ("Jan", 1), ("Feb", 2), ("Mar", 3), ("Apr", 4), ("Mei", 5), ("Jun", 6), ("Jul", 7), ("Agu", 8), ("Agt", 8),
    ("Agust", 8), ("Sep", 9), ("Sept", 9), ("Okt", 10), ("Nov", 11), ("Des", 12), ("Dec", 12), ("Aug", 8),
])
def test_month_abbreviations(abbrev, month):
    assert _found(f"pada 5 {abbrev} 2024") == [(f"5 {abbrev} 2024", f"2024-{month:02d}-05")]


def test_several_dates_in_order_and_non_overlapping():
    text = "Rapat Kamis (18/7/2024) dilanjutkan Jumat (19/7) dan 20 Juli 2024."
    assert _found(text) == [("Kamis (18/7/2024)", "2024-07-18"), ("Jumat (19/7)", "2024-07-19"),
                            ("20 Juli 2024", "2024-07-20")]


def test_yearless_dates_need_a_reference():
    assert _found("Jumat (19/7) dan 18 Juli", reference=None) == []
    assert _found("Kamis (18/7/2024)", reference=None) == [("Kamis (18/7/2024)", "2024-07-18")]


def test_yearless_date_takes_the_year_closest_to_the_reference():
    # published early January, "Kamis (28/12)" is last December
    assert _found("Kamis (28/12)", reference=dt.date(2024, 1, 5)) == [("Kamis (28/12)", "2023-12-28")]


@pytest.mark.parametrize("text", [
    "31/2/2024", "45/7/2024", "(31/4)", "30 Februari 2024", "2024-13-01", "0/7/2024",
])
def test_invalid_dates_are_skipped(text):
    assert _found(text) == []


@pytest.mark.parametrize("text", [
    "Indonesia menang skor 3-1 atas Vietnam",
    "inflasi 7/2024 naik",
    "pada pukul 14.11 WIB",
    "sekitar 18/7 persen",
    "menang 2-1 (1-0)",
    "Sebanyak 18 desa terdampak",
    "Option 2 may be better",
    "the year 2018 Juli",
    "nilai 3,5 Juli",
    "versi 1.18/7/2024",
])
def test_no_false_positives(text):
    assert _found(text) == []


def test_unbalanced_parenthesis_is_not_in_the_span():
    assert _found("(18/7/2024 dan") == [("18/7/2024", "2024-07-18")]


@pytest.mark.parametrize("value, iso", [
    ("2024-07-19", "2024-07-19"),
    ("2024-07-19T14:11:00+07:00", "2024-07-19"),
    ("2024-07-19T23:30:00Z", "2024-07-19"),
    ("19 Juli 2024, 14:11 WIB", "2024-07-19"),
    ("Jumat, 19 Juli 2024 | 14:11 WIB", "2024-07-19"),
    ("19/07/2024", "2024-07-19"),
    ("July 19, 2024", "2024-07-19"),
    ("Fri, 19 Jul 2024 14:11:00 +0700", "2024-07-19"),
    ("  2024-07-19  ", "2024-07-19"),
    (dt.date(2024, 7, 19), "2024-07-19"),
    (dt.datetime(2024, 7, 19, 14, 11), "2024-07-19"),
])
def test_parse_date(value, iso):
    assert parse_date(value) == iso


@pytest.mark.parametrize("value", [None, "", "   ", "garbage", "kemarin", "2024", "July", "12", "31/2/2024", 42])
def test_parse_date_rejects_garbage(value):
    assert parse_date(value) is None


def test_date_words_in_both_languages():
    assert date_words("2024-07-18") == "Kamis 18 Juli 2024 Thursday 18 July 2024"
    assert date_words("2024-07-21") == "Minggu 21 Juli 2024 Sunday 21 July 2024"
    with pytest.raises(ValueError):
        date_words("not a date")


# ---- relative dates: read against the article's date (Friday 19 July 2024) ------------------------------------
FRIDAY = dt.date(2024, 7, 19)


@pytest.mark.parametrize("text, phrase, value", [
    ("Kim bertemu dia kemarin di Pyongyang.", "kemarin", "2024-07-18"),
    ("Rapat itu digelar hari ini.", "hari ini", "2024-07-19"),
    ("Hasilnya diumumkan besok.", "besok", "2024-07-20"),
    ("Rapat digelar Kamis di Jakarta.", "Kamis", "2024-07-18"),  # the latest Thursday up to the article day
    ("Jakarta, Jumat - Presiden membuka rapat.", "Jumat", "2024-07-19"),  # the article day itself
    ("Pada Jumat lalu ia tiba.", "Jumat lalu", "2024-07-12"),  # strictly before
    ("Pada Rabu kemarin ia tiba.", "Rabu kemarin", "2024-07-17"),  # one phrase, not "kemarin" = yesterday
    ("Sidang dilanjutkan Senin depan.", "Senin depan", "2024-07-22"),
    ("Penjualan dimulai Sabtu besok.", "Sabtu besok", "2024-07-20"),
    ("Final akan digelar Sabtu di Bandung.", "Sabtu", "2024-07-20"),  # a future cue before it
    ("Putin berkunjung bulan lalu.", "bulan lalu", "2024-06"),
    ("Inflasi tahun lalu tinggi.", "tahun lalu", "2023"),
    ("He arrived yesterday and leaves next Monday.", "yesterday", "2024-07-18"),
])
def test_relative_date_is_read_against_the_article_date(text, phrase, value):
    found = find_relative_dates(text, FRIDAY)
    assert [(r.text, r.value) for r in found][:1] == [(phrase, value)]
    assert text[found[0].start:found[0].end] == phrase


def test_relative_dates_have_a_granularity_and_english_next_weekday():
    found = find_relative_dates("He arrived yesterday and leaves next Monday; sales fell last month.", FRIDAY)
    assert [(r.text, r.value, r.granularity) for r in found] == [
        ("yesterday", "2024-07-18", "day"), ("next Monday", "2024-07-22", "day"), ("last month", "2024-06", "month")]


@pytest.mark.parametrize("text", [
    "Pertemuan dilakukan di Pyongyang, Kamis (18/7/2024).",  # an explicit date: find_dates reads it
    "Ia datang Rabu kemarin (17/7) bersama istrinya.",
    "Minggu lalu hujan turun.",  # "Minggu" is also "week": left out
    "rapat digelar kamis",  # not capitalised: not read as a weekday
])
def test_relative_date_left_out(text):
    assert find_relative_dates(text, FRIDAY) == []


def test_relative_dates_need_the_article_date():
    assert find_relative_dates("Kim bertemu dia kemarin.", None) == []


def test_period_words_for_each_granularity():
    assert period_words("2024-07-18") == date_words("2024-07-18")
    assert period_words("2024-06") == "Juni 2024 June 2024"
    assert period_words("2023") == "2023"
