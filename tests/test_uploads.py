"""Upload intake: untrusted names and bytes are checked before anything is stored or indexed.

Every case uses real files in tmp_path; the last tests index the accepted files with a real (fast) NewsQA and
check that the per-file report maps the index's article ids and failures back to the names the user uploaded.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import FakeEmbedding

from rag import NewsQA
from rag.articles import load_articles
from rag.records import IndexReport
from rag.uploads import (
    UploadIntake,
    UploadLimits,
    accept_uploads,
    display_name,
    summary_line,
    upload_report,
    upload_warnings,
)

# Same shape as the seed article in corpus/: title, "Outlet kategori | date, time WIB" + dateline, body, footer.
SEED_TXT = (
    "Banjir Rendam Ratusan Rumah di Semarang Utara\n"
    "Kompas regional | 3 Februari 2024, 09:15 WIBSEMARANG, KOMPAS.TV - Banjir setinggi satu meter merendam "
    "ratusan rumah di Semarang utara, Sabtu (3/2/2024).\n"
    "Petugas menyebut pompa qwimbular rusak sejak pekan lalu.\n"
    "Baca Juga: Gempa Guncang Sukabumi\n"
    "Warga mengungsi ke masjid terdekat.\n"
    "Penulis : Rina Editor : Budi\n"
)
GOOD_JSON = json.dumps({"id": "kereta-1", "title": "Kereta cepat beroperasi", "date": "2024-03-01",
                        "text": "Kereta cepat Jakarta-Bandung mengangkut ribuan penumpang, kata petugas grelmitz."})
GOOD_JSONL = "\n".join([
    json.dumps({"id": "pemilu-1", "title": "Hitung cepat pemilu", "text": "Hasil hitung cepat flarnhoft."}),
    '{"id": "rusak", "title": "baris rusak"',  # line 2: broken JSON, the loader skips just this line
    json.dumps({"id": "gajah-1", "title": "Gajah liar", "text": "Gajah zorblatik masuk kebun warga di Riau."}),
]) + "\n"
STORED = re.compile(r"^upload-[0-9a-f]{16}\.[a-z]+$")


def upload(tmp_path: Path, name: str, content: bytes | str) -> tuple[str, Path]:
    """(browser name, temp path) as a web framework hands it over; the temp file has its own random-ish name."""
    folder = tmp_path / "tmp-uploads"
    folder.mkdir(exist_ok=True)
    temp = folder / f"gradio-{len(list(folder.iterdir()))}.bin"
    temp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return name, temp


def only_reason(intake: UploadIntake) -> str:
    assert not intake.saved, intake.saved
    assert len(intake.rejected) == 1, intake.rejected
    return intake.rejected[0][1]


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "uploads"  # not created yet: accept_uploads must create it


def test_good_txt_in_seed_format_is_stored_under_a_content_name(tmp_path: Path, dest: Path) -> None:
    intake = accept_uploads([upload(tmp_path, "Banjir Semarang.TXT", SEED_TXT)], dest)
    assert intake.rejected == []
    [(name, stored)] = intake.saved
    assert name == "Banjir Semarang.TXT"
    assert stored.parent == dest and STORED.match(stored.name) and stored.suffix == ".txt"
    assert stored.name == f"upload-{hashlib.sha256(SEED_TXT.encode()).hexdigest()[:16]}.txt"
    assert stored.read_text(encoding="utf-8") == SEED_TXT
    assert [p.name for p in dest.iterdir()] == [stored.name]  # no temp file left behind
    [article] = load_articles([stored]).articles
    assert article.date == "2024-02-03" and article.title.startswith("Banjir Rendam")


def test_good_json_and_jsonl_with_a_bad_line_are_accepted(tmp_path: Path, dest: Path) -> None:
    intake = accept_uploads([upload(tmp_path, "kereta.json", GOOD_JSON),
                             upload(tmp_path, "berita.jsonl", GOOD_JSONL)], dest)
    assert intake.rejected == []
    assert [(n, p.suffix) for n, p in intake.saved] == [("kereta.json", ".json"), ("berita.jsonl", ".jsonl")]


def test_traversal_and_absolute_names_never_build_a_path(tmp_path: Path, dest: Path) -> None:
    files = [upload(tmp_path, "../../evil.txt", "Judul satu\nIsi berita satu."),
             upload(tmp_path, "/etc/passwd.txt", "Judul dua\nIsi berita dua."),
             upload(tmp_path, "C:\\Users\\x\\..\\..\\win.txt", "Judul tiga\nIsi berita tiga.")]
    outside_before = set(tmp_path.rglob("*"))
    intake = accept_uploads(files, dest)
    assert [n for n, _ in intake.saved] == ["evil.txt", "passwd.txt", "win.txt"]
    assert all(p.parent == dest and STORED.match(p.name) for _, p in intake.saved)
    assert {p for p in tmp_path.rglob("*") if dest not in p.parents} - {dest} == outside_before
    assert not (dest / "../../evil.txt").exists() and not (dest / "evil.txt").exists()


def test_nul_and_control_characters_in_names_are_stripped_before_the_suffix_check(tmp_path: Path,
                                                                                  dest: Path) -> None:
    intake = accept_uploads([upload(tmp_path, "berita.txt\x00.exe", "Judul\nIsi.")], dest)
    assert intake.rejected == [("berita.txt.exe", intake.rejected[0][1])]
    assert "file type .exe is not accepted" in intake.rejected[0][1]
    assert display_name("a\x1b[31mb\u202ec.txt\n") == "a[31mbc.txt"
    long = display_name("x" * 300 + ".jsonl")
    assert len(long) == 120 and long.endswith("….jsonl")
    assert display_name("../") == "(unnamed)"


def test_too_many_files_rejects_the_extras(tmp_path: Path, dest: Path) -> None:
    files = [upload(tmp_path, f"b{i}.txt", f"Judul {i}\nIsi berita {i}.") for i in range(3)]
    intake = accept_uploads(files, dest, UploadLimits(max_files=2))
    assert [n for n, _ in intake.saved] == ["b0.txt", "b1.txt"]
    assert intake.rejected == [("b2.txt", "too many files: at most 2 per upload")]


def test_too_big_names_size_and_limit_and_the_limit_itself_is_fine(tmp_path: Path, dest: Path) -> None:
    limits = UploadLimits(max_bytes=100)
    reason = only_reason(accept_uploads([upload(tmp_path, "besar.txt", "Judul\n" + "a" * 95)], dest, limits))
    assert reason == "file too large (101 bytes > 100 bytes limit)"
    assert not dest.exists()
    ok = accept_uploads([upload(tmp_path, "pas.txt", "Judul\n" + "a" * 94)], dest, limits)
    assert len(ok.saved) == 1


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_empty_file_is_rejected(tmp_path: Path, dest: Path, content: bytes) -> None:
    assert only_reason(accept_uploads([upload(tmp_path, "kosong.txt", content)], dest)) == "empty file"


@pytest.mark.parametrize("name", ["setup.exe", "laporan.pdf", "README", "berita.markdown"])
def test_unsupported_suffix_is_rejected_with_the_accepted_list(tmp_path: Path, dest: Path, name: str) -> None:
    reason = only_reason(accept_uploads([upload(tmp_path, name, "Judul\nIsi.")], dest))
    assert reason.startswith("file type ") and "is not accepted; use .txt, .md, .html, .htm, .json, .jsonl" in reason


@pytest.mark.parametrize(("magic", "kind"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"), (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
    (b"GIF89a\x01\x00", "a GIF image"), (b"%PDF-1.7\n%\xe2\xe3", "a PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive (or .docx/.xlsx)"), (b"\x1f\x8b\x08\x00", "a gzip archive"),
    (b"\x7fELF\x02\x01\x01", "an ELF executable"),
])
def test_binary_content_is_named_by_its_magic_number(tmp_path: Path, dest: Path, magic: bytes, kind: str) -> None:
    reason = only_reason(accept_uploads([upload(tmp_path, "foto.txt", magic + b"rest")], dest))
    assert reason == f"content is {kind}, not a .txt article"


def test_nul_bytes_without_a_known_magic_are_binary(tmp_path: Path, dest: Path) -> None:
    reason = only_reason(accept_uploads([upload(tmp_path, "data.md", b"Judul\n\x00\x01\x02")], dest))
    assert reason == "content is not a .md article: binary file (contains NUL bytes)"


def test_invalid_utf8_is_rejected_like_the_loader_does(tmp_path: Path, dest: Path) -> None:
    latin1 = "Judul\nKeterangan café".encode("latin-1")
    reason = only_reason(accept_uploads([upload(tmp_path, "lama.txt", latin1)], dest))
    assert reason == "content is not a .txt article: not valid UTF-8 text (byte 0xe9 at offset 20)"
    # ...and the loader would have refused the same bytes
    raw = tmp_path / "raw.txt"
    raw.write_bytes(latin1)
    assert "not valid UTF-8" in load_articles([raw]).failed[0][1]


@pytest.mark.parametrize("encoded", [b"\xef\xbb\xbf" + b"Judul\nIsi berita.",
                                     "Judul\nIsi berita.".encode("utf-16")])
def test_utf8_bom_and_utf16_with_bom_are_accepted_and_loadable(tmp_path: Path, dest: Path, encoded: bytes) -> None:
    [(_, stored)] = accept_uploads([upload(tmp_path, "bom.txt", encoded)], dest).saved
    assert [a.title for a in load_articles([stored]).articles] == ["Judul"]


def test_broken_json_reason_has_the_position(tmp_path: Path, dest: Path) -> None:
    reason = only_reason(accept_uploads([upload(tmp_path, "rusak.json", '{"title": "x",\n "text": }')], dest))
    assert reason == "invalid JSON: Expecting value (line 2 column 10)"
    scalar = only_reason(accept_uploads([upload(tmp_path, "angka.json", "42")], dest))
    assert scalar == "JSON must be an object or a list of objects, not int"


def test_html_must_contain_tags(tmp_path: Path, dest: Path) -> None:
    reason = only_reason(accept_uploads([upload(tmp_path, "halaman.html", "Judul\nHanya teks biasa 3 < 4.")], dest))
    assert reason == "no HTML tags found; save plain text as .txt instead of .html"
    page = "<!DOCTYPE html><title>Judul</title><p>Isi berita.</p>"
    assert len(accept_uploads([upload(tmp_path, "halaman.HTM", page)], dest).saved) == 1


def test_missing_temp_file_is_rejected_not_raised(tmp_path: Path, dest: Path) -> None:
    reason = only_reason(accept_uploads([("hilang.txt", tmp_path / "does-not-exist")], dest))
    assert reason.startswith("upload could not be read")


def test_duplicate_content_maps_to_one_stored_file(tmp_path: Path, dest: Path) -> None:
    intake = accept_uploads([upload(tmp_path, "a.txt", SEED_TXT), upload(tmp_path, "salinan a.txt", SEED_TXT)], dest)
    assert len(intake.saved) == 2 and intake.saved[0][1] == intake.saved[1][1]
    assert intake.paths == [intake.saved[0][1]]
    assert len(list(dest.iterdir())) == 1
    rows = upload_report(intake, IndexReport(added=[intake.saved[0][1].name]))
    assert rows == [("a.txt", "added", "1 article"), ("salinan a.txt", "unchanged", "same content as a.txt")]


def test_report_without_indexing_marks_saved_files_not_indexed(tmp_path: Path, dest: Path) -> None:
    intake = accept_uploads([upload(tmp_path, "a.txt", SEED_TXT), upload(tmp_path, "x.exe", "MZ")], dest)
    rows = upload_report(intake, None)
    assert rows[0] == ("a.txt", "failed", "not indexed") and rows[1][:2] == ("x.exe", "rejected")
    assert summary_line(rows) == "0 added, 0 updated, 0 unchanged, 1 failed, 1 rejected"


# ---- with a real index -----------------------------------------------------------------------------------------

def test_accepted_files_index_and_report_per_file(tmp_path: Path, dest: Path) -> None:
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    intake = accept_uploads([upload(tmp_path, "banjir.txt", SEED_TXT), upload(tmp_path, "kereta.json", GOOD_JSON),
                             upload(tmp_path, "berita.jsonl", GOOD_JSONL), upload(tmp_path, "foto.exe", "x")], dest)
    report = qa.add(intake.paths)
    assert sorted(report.added) == sorted([intake.saved[0][1].name, "kereta-1", "pemilu-1", "gajah-1"])

    rows = upload_report(intake, report, qa.origins())
    assert rows[:4] == [
        ("banjir.txt", "added", "1 article"),
        ("kereta.json", "added", "1 article"),
        ("berita.jsonl", "added", "2 articles"),
        ("berita.jsonl", "failed", rows[3][2]),
    ]
    assert rows[3][2].startswith("line 2: invalid JSON")
    assert rows[4][:2] == ("foto.exe", "rejected") and len(rows) == 5
    assert summary_line(rows) == "3 added, 0 updated, 0 unchanged, 1 failed, 1 rejected"
    assert not any(str(dest) in detail for _, _, detail in rows)  # stored paths never reach the user

    # without the index's id -> file map: .txt by its stored name, JSON records credited to the JSON files jointly
    rows = upload_report(intake, report)
    assert ("banjir.txt", "added", "1 article") in rows
    assert ("kereta.json, berita.jsonl", "added", "3 articles") in rows

    again = accept_uploads([upload(tmp_path, "banjir lagi.txt", SEED_TXT)], dest)
    assert again.paths == [intake.saved[0][1]]
    rows = upload_report(again, qa.add(again.paths), qa.origins())
    assert rows == [("banjir lagi.txt", "unchanged", "1 article")]
    assert summary_line(rows) == "0 added, 0 updated, 1 unchanged, 0 failed, 0 rejected"


def test_articles_indexed_with_a_bad_date_are_reported_as_warnings(tmp_path: Path, dest: Path) -> None:
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    record = json.dumps({"id": "tanggal-1", "title": "Pasar murah", "date": "kemarin",
                         "text": "Pasar murah digelar di alun-alun, kata panitia blorvent."})
    intake = accept_uploads([upload(tmp_path, "pasar.json", record)], dest)
    report = qa.add(intake.paths)
    assert report.added == ["tanggal-1"]
    (name, note), = upload_warnings(intake, report)
    assert name == "pasar.json" and "kemarin" in note
    assert upload_warnings(intake, None) == []
