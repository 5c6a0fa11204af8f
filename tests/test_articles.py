import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from rag.articles import SUPPORTED_SUFFIXES, LoadResult, article_from_record, load_articles, without_dateline

SEED = Path(__file__).resolve().parent.parent / "corpus" / "000_bada8150801741bf.txt"


def _one(result: LoadResult):
    assert result.failed == []
    assert len(result.articles) == 1
    return result.articles[0]


def _reasons(result: LoadResult) -> dict[str, str]:
    return dict(result.failed)


# ---- the real Kompas TV seed file -----------------------------------------------------------------------------

def test_seed_file_kompas_shape():
    a = _one(load_articles([SEED]))
    assert a.id == "000_bada8150801741bf.txt"
    assert a.title == "Hubungan Militer Rusia-Korea Utara Makin Kuat, Sinyal Bahaya bagi AS dan Sekutunya"
    assert a.date == "2024-07-19"
    assert a.source == "kompas.tv"
    assert a.author == "Haryo Jati"
    assert a.metadata["editor"] == "Desy-Afrianti"
    assert a.metadata["category"] == "dunia"
    assert a.metadata["dateline"] == "PYONGYANG"
    assert a.metadata["published"] == "2024-07-19T14:11:00+07:00"
    assert a.metadata["credited_source"] == "Korea JongAng Daily"
    assert a.metadata["path"] == str(SEED)
    assert a.text.startswith("PYONGYANG, KOMPAS.TV - Hubungan militer Rusia-Korea Utara")
    assert "Kamis (18/7/2024)" in a.text
    assert "Baca Juga" not in a.text
    assert "Penulis" not in a.text and "Sumber :" not in a.text and "Editor" not in a.text
    assert a.text.endswith("perjanjian persenjataan tersebut.")
    lines = a.text.split("\n")
    assert len(lines) == 15 and all(line.strip() == line and line for line in lines)


def test_seed_file_found_in_folder_uses_relative_id(tmp_path):
    shutil.copy(SEED, tmp_path / SEED.name)
    a = _one(load_articles([tmp_path]))
    assert a.id == SEED.name
    assert a.metadata["path"] == str(tmp_path / SEED.name)


def test_kompas_header_on_its_own_line_without_time(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Judul Berita\nKompas nasional | 5 Agustus 2024\nJAKARTA, KOMPAS.com - Isi berita pertama.\n\n"
        "Baca juga: Berita lain\nParagraf kedua.\nPenulis : Budi\n", encoding="utf-8")
    a = _one(load_articles([tmp_path / "a.txt"]))
    assert (a.title, a.date, a.source, a.author) == ("Judul Berita", "2024-08-05", "kompas.com", "Budi")
    assert a.metadata["category"] == "nasional" and a.metadata["dateline"] == "JAKARTA"
    assert "published" not in a.metadata
    assert a.text == "JAKARTA, KOMPAS.com - Isi berita pertama.\nParagraf kedua."


def test_kompas_header_without_domain_outlet_uses_header_outlet(tmp_path):
    (tmp_path / "a.txt").write_text("Judul\nKompas regional | 1 Mei 2024, 08.30 WITA\nMAKASSAR - Isi.\n",
                                    encoding="utf-8")
    a = _one(load_articles([tmp_path / "a.txt"]))
    assert a.source == "Kompas" and a.metadata["dateline"] == "MAKASSAR"
    assert a.metadata["published"] == "2024-05-01T08:30:00+08:00"


def test_generic_txt(tmp_path):
    (tmp_path / "note.txt").write_text("\n\n  Sebuah Judul  \nBaris satu.\n\nBaris dua.  \n", encoding="utf-8")
    a = _one(load_articles([tmp_path / "note.txt"]))
    assert (a.title, a.text, a.date) == ("Sebuah Judul", "Baris satu.\n\nBaris dua.", None)


def test_txt_with_only_a_title_is_missing_text(tmp_path):
    (tmp_path / "t.txt").write_text("Hanya judul\n", encoding="utf-8")
    assert _reasons(load_articles([tmp_path / "t.txt"])) == {
        str(tmp_path / "t.txt"): "missing text (the file has only a title line)"}


# ---- markdown and html ----------------------------------------------------------------------------------------

def test_markdown_front_matter(tmp_path):
    (tmp_path / "m.md").write_text(
        "---\ntitle: Judul MD\ndate: 2024-07-19\nsource: tempo.co\nurl: https://tempo.co/x\nauthor: Ani\n"
        "tags: [politik, rusia]\nupdated: 2024-07-20\n---\n\n# Bukan judul\n\nIsi *markdown*.\n", encoding="utf-8")
    a = _one(load_articles([tmp_path / "m.md"]))
    assert (a.id, a.title, a.date, a.source, a.url, a.author) == (
        "m.md", "Judul MD", "2024-07-19", "tempo.co", "https://tempo.co/x", "Ani")
    assert a.metadata["tags"] == ["politik", "rusia"]
    assert a.metadata["updated"] == "2024-07-20"  # YAML date made JSON-safe
    assert a.text == "# Bukan judul\n\nIsi *markdown*."


def test_markdown_heading_is_the_title(tmp_path):
    (tmp_path / "m.md").write_text("Intro.\n\n```\n# code comment\n```\n# Judul Dari Heading\n\nIsi.\n",
                                   encoding="utf-8")
    a = _one(load_articles([tmp_path / "m.md"]))
    assert a.title == "Judul Dari Heading"
    assert "Judul Dari Heading" not in a.text and "# code comment" in a.text


def test_markdown_front_matter_id_wins_and_bad_date_is_kept_raw(tmp_path):
    (tmp_path / "m.md").write_text("---\nid: ' art-7 '\ntitle: T\ndate: kemarin sore\n---\nIsi.\n", encoding="utf-8")
    a = _one(load_articles([tmp_path / "m.md"]))
    assert a.id == "art-7" and a.date is None and a.metadata["date_raw"] == "kemarin sore"


HTML = """<!doctype html><html><head>
<title>Judul Tab | Situs</title>
<meta property="og:title" content="Judul HTML">
<meta property="og:site_name" content="Contoh News">
<meta property="article:published_time" content="2024-07-19T14:11:00+07:00">
<meta name="author" content="Citra">
<link rel="canonical" href="https://contoh.id/berita/1">
<style>.x { color: red }</style>
</head><body>
<nav><a href="/">Beranda</a></nav>
<header><h1>Judul HTML</h1></header>
<article>
  <p>Paragraf   pertama
     dengan spasi.</p>
  <script>var secret = "jangan diindeks";</script>
  <div>Teks langsung di div <b>tebal</b>.</div>
  <ul><li>Butir satu</li><li>Butir dua</li></ul>
  <aside>Iklan samping</aside>
  <p>Baca juga: berita lain</p>
</article>
<footer>Hak cipta</footer>
</body></html>"""


def test_html_article(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    a = _one(load_articles([tmp_path / "page.html"]))
    assert a.title == "Judul HTML"
    assert a.date == "2024-07-19"
    assert a.url == "https://contoh.id/berita/1"
    assert a.source == "Contoh News" and a.author == "Citra"
    assert a.text == "Paragraf pertama dengan spasi.\nTeks langsung di div tebal.\nButir satu\nButir dua"
    for absent in ("secret", "jangan diindeks", "Iklan", "Beranda", "Hak cipta", "color"):
        assert absent not in a.text


def test_html_fallbacks_title_tag_time_and_og_url(tmp_path):
    (tmp_path / "p.htm").write_text(
        '<html><head><title> Judul  Tab </title><meta property="og:url" content="https://x.id/2"></head>'
        '<body><main><time datetime="2024-07-18">Kamis</time><p>Isi utama.</p></main></body></html>',
        encoding="utf-8")
    a = _one(load_articles([tmp_path / "p.htm"]))
    assert (a.title, a.date, a.url) == ("Judul Tab", "2024-07-18", "https://x.id/2")
    assert a.text.endswith("Isi utama.")


def test_html_without_text_fails(tmp_path):
    (tmp_path / "e.html").write_text("<html><head><title>T</title><script>x()</script></head><body> </body></html>",
                                     encoding="utf-8")
    assert _reasons(load_articles([tmp_path / "e.html"])) == {
        str(tmp_path / "e.html"): "no article text (nothing visible in <body>)"}


# ---- json and jsonl -------------------------------------------------------------------------------------------

def test_json_list_with_one_bad_record(tmp_path):
    records = [
        {"title": "Satu", "text": "Isi satu.", "url": "https://a.id/1", "date": "19 Juli 2024", "lang": "id"},
        {"title": "", "text": "Tanpa judul."},
        {"id": " x-3 ", "title": "Tiga", "text": "Isi tiga.", "author": ["A", "B"]},
    ]
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = load_articles([path])
    assert [a.title for a in result.articles] == ["Satu", "Tiga"]
    assert result.failed == [(f"{path}: record 2", "missing title")]
    first, third = result.articles
    assert first.id.startswith("url-") and len(first.id) == 20
    assert first.date == "2024-07-19" and first.metadata["lang"] == "id"
    assert third.id == "x-3" and third.author == "A, B"
    assert all(a.metadata["path"] == str(path) for a in result.articles)


def test_json_articles_wrapper_and_single_object(tmp_path):
    (tmp_path / "w.json").write_text(json.dumps({"articles": [{"title": "W", "text": "w."}]}), encoding="utf-8")
    (tmp_path / "s.json").write_text(json.dumps({"title": "S", "text": "s."}), encoding="utf-8")
    result = load_articles([tmp_path / "w.json", tmp_path / "s.json"])
    assert [a.title for a in result.articles] == ["W", "S"] and result.failed == []
    assert result.articles[0].id.startswith("sha-")


def test_invalid_json_file(tmp_path):
    (tmp_path / "bad.json").write_text('{"title": "x",', encoding="utf-8")
    reason = _reasons(load_articles([tmp_path / "bad.json"]))[str(tmp_path / "bad.json")]
    assert reason.startswith("invalid JSON: ")


def test_jsonl_with_one_bad_line(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"title": "A", "text": "a."}\n\n{"title": "B", "text": \n{"text": "tanpa judul"}\n'
                    '{"title": "D", "text": "d."}\n', encoding="utf-8")
    result = load_articles([path])
    assert [a.title for a in result.articles] == ["A", "D"]
    reasons = _reasons(result)
    assert reasons[f"{path}:line 3"].startswith("invalid JSON: ")
    assert reasons[f"{path}:line 4"] == "missing title"
    assert len(result.failed) == 2


def test_article_from_record():
    a = article_from_record({"title": " T ", "text": "Isi.\r\nBaris.", "date": "2024-07-19T14:11:00+07:00",
                             "source": "kompas.tv", "extra": 1})
    assert (a.title, a.text, a.date, a.source, a.metadata) == ("T", "Isi.\nBaris.", "2024-07-19", "kompas.tv",
                                                               {"extra": 1})
    assert a.id == article_from_record({"title": "T", "text": "Isi.\nBaris."}).id  # content id, stable
    assert article_from_record({"title": "T", "text": "x", "url": "u"}).id == article_from_record(
        {"title": "Other", "text": "y", "url": "u"}).id
    assert article_from_record({"title": "T", "text": "x", "date": "nanti"}).metadata["date_raw"] == "nanti"


@pytest.mark.parametrize("record, reason", [
    ({"text": "x"}, "missing title"),
    ({"title": "  ", "text": "x"}, "missing title"),
    ({"title": "t"}, "missing text"),
    ({"title": "t", "text": " \n "}, "missing text"),
    ({"title": 5, "text": "x"}, "title must be a string, not int"),
    (["not", "a", "dict"], "record is not an object (got list)"),
])
def test_article_from_record_rejects(record, reason):
    with pytest.raises(ValueError) as info:
        article_from_record(record)
    assert str(info.value) == reason


# ---- folders, broken files, ids -------------------------------------------------------------------------------

def test_folder_with_a_corrupt_file_among_good_ones(tmp_path):
    (tmp_path / "b.txt").write_text("Judul B\nIsi B.", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.md").write_text("# Judul A\nIsi A.", encoding="utf-8")
    (tmp_path / "c.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage")
    (tmp_path / "d.jsonl").write_text('{"title": "D", "text": "d."}\n', encoding="utf-8")
    (tmp_path / "ignored.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden\nx", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("Git\nx", encoding="utf-8")
    result = load_articles([tmp_path])
    assert [a.title for a in result.articles] == ["Judul B", "D", "Judul A"]  # sorted walk: b, c, d, sub/a
    assert result.articles[0].id == "b.txt" and result.articles[2].id == "sub/a.md"
    assert result.failed == [(str(tmp_path / "c.json"), "binary file (a PNG image), not text")]


def test_walk_is_in_sorted_path_order(tmp_path):
    for rel in ("b.txt", "a/z.txt", "a/b/c.txt", "c.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"{rel}\nisi", encoding="utf-8")
    assert [a.id for a in load_articles([tmp_path]).articles] == ["a/b/c.txt", "a/z.txt", "b.txt", "c.txt"]


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"  \n\t\n", "empty file"),
    (b"Title\n\x00\x01\x02", "binary file (contains NUL bytes)"),
    (b"Judul\nCaf\xe9 latte", "not valid UTF-8 text"),
])
def test_unreadable_text_is_reported(tmp_path, content, reason):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    result = load_articles([path])
    assert result.articles == []
    assert len(result.failed) == 1 and result.failed[0][0] == str(path)
    assert result.failed[0][1].startswith(reason)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_bom_encodings_decode(tmp_path, encoding):
    path = tmp_path / "x.txt"
    data = "Judul Berita\r\nIsi dengan é dan “kutipan”.".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    a = _one(load_articles([path]))
    assert (a.title, a.text) == ("Judul Berita", "Isi dengan é dan “kutipan”.")


def test_explicit_unsupported_and_missing_paths(tmp_path):
    (tmp_path / "a.xyz").write_text("x", encoding="utf-8")
    result = load_articles([tmp_path / "a.xyz", tmp_path / "nope.txt"])
    assert result.failed == [(str(tmp_path / "a.xyz"),
                              "unsupported file type '.xyz'; supported: .txt, .md, .html, .htm, .json or .jsonl"),
                             (str(tmp_path / "nope.txt"), "no such file or folder")]


def test_file_too_large_is_refused_without_reading(tmp_path):
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:  # sparse: no 21 MB actually written
        handle.truncate(21 * 1024 * 1024)
    assert _reasons(load_articles([path])) == {
        str(path): "file too large (21.0 MB > 20 MB); split it into smaller files"}


def test_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text("T\nx", encoding="utf-8")
    real_open = Path.open

    def deny(self, *args, **kwargs):  # chmod 0 does not stop root, so simulate the OS refusing
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    assert _reasons(load_articles([path])) == {str(path): "permission denied"}


def test_symlink_loop_does_not_hang(tmp_path):
    (tmp_path / "a.txt").write_text("A\nisi", encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    result = load_articles([tmp_path])
    assert [a.id for a in result.articles] == ["a.txt"]
    assert result.failed == [
        (str(tmp_path / "dangling.txt"),
         f"broken symbolic link (its target '{tmp_path / 'missing.txt'}' does not exist)"),
        (str(tmp_path / "loop"), "symbolic link to a folder (not followed; index that folder itself)")]


def test_duplicate_ids_keep_the_first(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "x", "title": "Pertama", "text": "1"}\n'
                                      '{"id": "x", "title": "Kedua", "text": "2"}\n', encoding="utf-8")
    result = load_articles([tmp_path])
    assert [a.title for a in result.articles] == ["Pertama"]
    path = tmp_path / "a.jsonl"
    assert result.failed == [(f"{path}:line 2", f"duplicate id 'x' (first seen in {path}:line 1)")]


def test_ids_are_stable_and_editing_a_txt_keeps_its_id(tmp_path):
    (tmp_path / "a.txt").write_text("Judul\nIsi lama.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"title": "B", "text": "b."}\n{"title": "C", "text": "c.", "url": "u"}\n',
                                      encoding="utf-8")
    first = [a.id for a in load_articles([tmp_path]).articles]
    assert first == [a.id for a in load_articles([tmp_path]).articles]
    (tmp_path / "a.txt").write_text("Judul baru\nIsi baru.", encoding="utf-8")
    second = load_articles([tmp_path]).articles
    assert [a.id for a in second] == first
    assert second[0].text == "Isi baru."


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".json", ".jsonl")


# ---- bad input details (the full corpus of kinds is tests/test_bad_inputs.py) ---------------------------------

def test_bad_or_future_date_keeps_the_article_without_a_date():
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()  # time zones: still accepted
    for raw in ("kemarin", "2024-02-30", "2999-01-01", future):
        a = article_from_record({"title": "T", "text": "x", "date": raw})
        assert a.date is None and a.metadata["date_raw"] == raw, raw
    assert article_from_record({"title": "T", "text": "x", "date": tomorrow}).date == tomorrow


def test_date_warnings_are_reported_with_the_loaded_article(tmp_path):
    (tmp_path / "a.md").write_text("---\ntitle: T\ndate: 2024-02-30\n---\nIsi.\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"title": "B", "text": "b.", "date": "2999-01-01"}\n', encoding="utf-8")
    result = load_articles([tmp_path])
    assert [a.title for a in result.articles] == ["T", "B"] and result.failed == []
    assert result.warnings == [
        (str(tmp_path / "a.md"), "date '2024-02-30' is not a valid date; indexed without a date"),
        (f"{tmp_path / 'b.jsonl'}:line 1", "date '2999-01-01' is in the future; indexed without a date")]


def test_front_matter_dates_stay_as_written():
    a = article_from_record({"title": "T", "text": "x", "date": "2024-07-20 01:30:00+07:00"})
    assert a.date == "2024-07-20"


def test_unpaired_surrogates_are_replaced_not_stored():
    a = article_from_record(json.loads('{"title": "Judul \\udc00", "text": "Isi \\ud83d.", "id": "s", "x": "\\ud800"}'))
    assert (a.title, a.text, a.metadata["x"]) == ("Judul \ufffd", "Isi \ufffd.", "\ufffd")
    a.text.encode("utf-8")  # storable


def test_invalid_yaml_names_the_line(tmp_path):
    (tmp_path / "m.md").write_text("---\ntitle: T\nsource: [a\n---\nIsi.\n", encoding="utf-8")
    reason = _reasons(load_articles([tmp_path / "m.md"]))[str(tmp_path / "m.md")]
    assert reason.startswith("invalid front matter (YAML) on line 4: ")


def test_explicit_symlink_loop_and_fifo(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    os.mkfifo(tmp_path / "p.txt")
    result = load_articles([tmp_path / "a.txt", tmp_path / "p.txt"])
    assert result.failed == [(str(tmp_path / "a.txt"), "symbolic link loop (the link leads back to itself)"),
                             (str(tmp_path / "p.txt"), "not a regular file (a named pipe)")]


def test_deeply_nested_unclosed_html_still_loads(tmp_path):
    (tmp_path / "p.html").write_text("<title>T</title><body>" + "<div>a " * 5000 + "</body>", encoding="utf-8")
    a = _one(load_articles([tmp_path / "p.html"]))
    assert a.text.split("\n") == ["a"] * 5000


def test_without_dateline_drops_a_leading_place_and_outlet_only():
    assert without_dateline("PYONGYANG, KOMPAS.TV - Hubungan militer kuat.") == "Hubungan militer kuat."
    assert without_dateline("JAKARTA – Presiden datang.") == "Presiden datang."
    assert without_dateline("Kompas - Presiden datang.") == "Kompas - Presiden datang."  # not upper case
    assert without_dateline("Harga cabai naik.") == "Harga cabai naik."
    assert without_dateline("KCNA - ") == "KCNA - "  # nothing after it: kept as written
