"""Countries named by a question's category and by a short answer (rag/countries.py)."""
from __future__ import annotations

import pytest

from rag.countries import asks_country, country_conflict, is_countries, named_countries, qualifying_countries


@pytest.mark.parametrize("question, expected", [
    ("Which Russian news agency first reported the meeting?", {"RU"}),
    ("Which North Korean military officials accompanied Kim Jong-un?", {"KP"}),
    ("What kind of Chinese weapons were shown?", {"CN"}),
    ("Who is the German chancellor?", {"DE"}),
    ("Kantor berita Rusia apa yang pertama melaporkan pertemuan itu?", {"RU"}),
    ("Siapa pejabat pertahanan Korea Utara yang berkunjung ke Moskow?", {"KP"}),
    ("Siapakah nama Presiden Peru?", {"PE"}),
    ("Apa nama kantor berita Rusia yang melaporkan pertemuan itu?", {"RU"}),
    ("Apa yang dikatakan Rusia?", set()),
    # the country is not the answer's: the question is about a meeting with Russia, not a Russian agency
    ("Which agency reported Kim's meeting with Russia?", set()),
    ("Kapan Kim Jong-un bertemu delegasi Rusia?", set()),
    # a region is no country
    ("Which Latin American country did he visit?", set()),
])
def test_qualifying_countries(question, expected):
    assert qualifying_countries(question) == expected


@pytest.mark.parametrize("text, expected", [
    ("Kantor Berita Korea Utara", {"KP"}),
    ("Presiden AS George W Bush", {"US"}),
    ("Tiongkok", {"CN"}),
    ("RRC", {"CN"}),
    ("Amerika Latin", set()),  # a region, named whole
    ("Stenley Jordan", set()),  # an English country name is a surname in Indonesian text
    ("as well as", set()),  # "AS" only as written
    ("Bahasa Inggris", set()),  # a language named like its country
    ("pemerintah rusia", set()),  # news capitalises country names; lower case is no name
])
def test_named_countries(text, expected):
    assert named_countries(text) == expected


@pytest.mark.parametrize("question, short, expected", [
    ("Which Russian news agency first reported the meeting?", "Kantor Berita Korea Utara", True),
    ("Which Russian news agency first reported the meeting?", "Kantor Berita Rusia TASS", False),
    ("Which Russian news agency first reported the meeting?", "TASS", False),  # names no country: no conflict
    ("Which news agency first reported the meeting?", "Kantor Berita Korea Utara", False),  # none asked for
    ("Siapa pejabat pertahanan Korea Utara yang bertemu Krivoruchko?", "militer Rusia pertama", True),
    ("Siapa Presiden AS?", "Presiden Belarusia Alexander Lukashenko", True),
    ("Siapa Presiden AS?", "Presiden Amerika Serikat George W Bush", False),
])
def test_country_conflict(question, short, expected):
    assert country_conflict(question, short) is expected


@pytest.mark.parametrize("text, expected", [
    ("Korea Selatan", True),
    ("Vietnam, Thailand, dan Meksiko", True),
    ("negara Jepang", True),
    ("Kantor Berita Korea Utara", False),  # an agency of a country
    ("Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko", False),  # a person
    ("Pyongyang", False),  # a city
])
def test_is_countries(text, expected):
    assert is_countries(text) is expected


@pytest.mark.parametrize("question, expected", [
    ("Di negara manakah kota Incheon terletak?", True),
    ("Which country did Russia's deputy defence minister travel to?", True),
    ("Apakah negara asal Dr Johny Setiawan?", True),
    ("Di negara bagian manakah kota Austin?", False),  # a state of a federation
    ("Di kota manakah Kim Jong-un bertemu Krivoruchko?", False),
])
def test_asks_country(question, expected):
    assert asks_country(question) is expected
