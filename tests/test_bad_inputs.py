"""The bad-input suite (issue 5): one corpus folder with every kind of broken file next to good articles.

Contract: every bad file is reported exactly once with its path and a precise reason, every good article is
loaded and indexed, and the index stays consistent (a second rebuild is a no-op; an article whose file breaks
later keeps its last good version). The decisions for each kind are documented where the file is written and
in the rag/articles.py module docstring.

Runs in the default CI run: the whole file takes a few seconds (the 50 MB file is refused from its size).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, SEED
from rag.api import NewsQA
from rag.articles import MAX_FILE_BYTES, load_articles

AS_ROOT = os.geteuid() == 0  # root reads chmod 000 files: those kinds are good articles then, not failures
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
FIFTY_MB = 50 * 1024 * 1024


@dataclass
class Corpus:
    """A corpus folder and what the loader must make of it."""

    root: Path
    good: dict[str, str] = field(default_factory=dict)  # article id -> a word only that article contains
    bad: dict[str, str] = field(default_factory=dict)  # where (path, "path:line N", ...) -> exact reason
    warnings: dict[str, str] = field(default_factory=dict)  # where -> warning for an article loaded anyway
    ignored: list[str] = field(default_factory=list)  # names skipped silently (never loaded, never reported)
    locked: list[Path] = field(default_factory=list)  # chmod 000, restored after the tests

    def put(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def where(self, rel: str) -> str:
        return str(self.root / rel)


def kompas(title: str, body: list[str], date: str = "19 Juli 2024, 14:11 WIB", place: str = "JAKARTA") -> str:
    """A .txt in the seed's shape: title, "Kompas dunia | date" header with the dateline glued on, body,
    a "Baca Juga:" link line, "Penulis : ... Editor : ..." and "Sumber : ..." footers."""
    first, *rest = body
    return "\n".join([title, f"Kompas dunia | {date}{place}, KOMPAS.TV - {first}", *rest[:1],
                      "Baca Juga: Berita Lain yang Tidak Relevan", *rest[1:],
                      "Penulis : Nama Penulis Editor : Nama-Editor", "Sumber : Kompas.tv"]) + "\n"


def write_good(c: Corpus) -> None:
    """Articles that must load and be indexed, each with a distinctive word to search for."""
    # The real seed article (Kompas TV shape), and two more in the same shape.
    shutil.copy(SEED, c.root / "000_seed.txt")
    c.good["000_seed.txt"] = "Krivoruchko"
    c.put("good/kompas_satu.txt", kompas("Banjir Rob Melanda Pesisir Utara",
                                         ["Banjir rob zulvarkin melanda pesisir utara Jakarta, Kamis (18/7/2024).",
                                          "Warga mengungsi ke tempat yang lebih tinggi."]))
    c.good["good/kompas_satu.txt"] = "zulvarkin"
    c.put("good/kompas_dua.txt", "Harga Cabai Naik\nKompas ekonomi | 5 Agustus 2024\n"
          "SURABAYA, KOMPAS.com - Harga cabai quorbintex naik dua kali lipat.\nPenulis : Budi\n")
    c.good["good/kompas_dua.txt"] = "quorbintex"
    c.put("good/artikel.md", "---\ntitle: Pemilu Daerah\ndate: 2024-07-20 01:30:00+07:00\nsource: tempo.co\n"
          "tags: [politik]\n---\n\nPenghitungan suara xelmothar berjalan lancar.\n")
    c.good["good/artikel.md"] = "xelmothar"
    c.put("good/halaman.html", "<html><head><title>Kereta Cepat</title>"
          '<meta property="article:published_time" content="2024-07-18T09:00:00+07:00"></head>'
          "<body><nav>Menu</nav><article><p>Kereta cepat vyntrakol mulai beroperasi.</p></article></body></html>")
    c.good["good/halaman.html"] = "vyntrakol"
    c.put("good/satu.json", json.dumps({"id": "json-1", "title": "Gempa Bumi", "text": "Gempa ghorzilat terasa.",
                                        "date": "2024-07-17", "source": "antaranews.com"}))
    c.good["json-1"] = "ghorzilat"
    # JSONL with bad lines among good ones: the good lines load, each bad line is reported as "path:line N".
    c.put("umpan.jsonl", "\n".join([
        json.dumps({"id": "jl-1", "title": "Satu", "text": "Baris satu fenwickor."}),
        '{"id": "jl-2", "title": "Dua", "text": "terpotong',
        json.dumps({"id": "jl-3", "title": "Tiga", "text": "Baris tiga jarvostin."}),
        json.dumps({"id": "jl-4", "title": "Empat"}),
        "[1, 2]",
        "",
    ]))
    c.good.update({"jl-1": "fenwickor", "jl-3": "jarvostin"})
    c.bad[c.where("umpan.jsonl") + ":line 2"] = ("invalid JSON: Unterminated string starting at (column 40); "
                                                 "it ends before the JSON is complete (truncated?)")
    c.bad[c.where("umpan.jsonl") + ":line 4"] = "missing text"
    c.bad[c.where("umpan.jsonl") + ":line 5"] = "record is not an object (got list)"
    # UTF-16 and UTF-8 with a byte-order mark are valid text: they load.
    c.put("enc/utf16_bom.txt", "Judul UTF-16\r\nIsi dengan é dan kata wimbrelo.".encode("utf-16"))
    c.good["enc/utf16_bom.txt"] = "wimbrelo"
    c.put("enc/utf8_bom.txt", "Judul BOM\nIsi kata yazdrunik.".encode("utf-8-sig"))
    c.good["enc/utf8_bom.txt"] = "yazdrunik"
    # Spaces and non-ASCII letters in a name are fine; the id is the path inside the folder.
    c.put("berita dengan spasi – ü.txt", "Judul Spasi\nIsi kata plontravik.")
    c.good["berita dengan spasi – ü.txt"] = "plontravik"
    deep = "/".join(f"d{i:02d}" for i in range(40))
    c.put(f"{deep}/dalam.txt", "Judul Dalam\nIsi kata droskevan.")
    c.good[f"{deep}/dalam.txt"] = "droskevan"
    # A folder named like a file is a folder: what is inside loads.
    c.put("folder.txt/isi.txt", "Judul Isi Folder\nIsi kata brimtolek.")
    c.good["folder.txt/isi.txt"] = "brimtolek"
    # HTML without <body> but with text loads (the parser needs no <body>); so does HTML with thousands of
    # unclosed <p> (nested 3000 deep: the text walk must not recurse).
    c.put("html/tanpa_body_ada_teks.html", "<html><head><title>Tanpa Body</title></head>"
          "<p>Teks tanpa body kata snorkavet.</p></html>")
    c.good["html/tanpa_body_ada_teks.html"] = "snorkavet"
    c.put("html/p_tanpa_tutup.html", "<html><head><title>Banyak P</title></head><body>"
          + "<p>paragraf " * 3000 + "kata trumvelox</body></html>")
    c.good["html/p_tanpa_tutup.html"] = "trumvelox"
    # Extra fields of any JSON shape (NaN, nested) are metadata: they must not break the index.
    c.put("aneh.json", '{"id": "aneh-1", "title": "Aneh", "text": "Isi kata quibbletorn.", "skor": NaN, '
          '"lain": {"a": [1, null, {"b": true}]}, "author": ["A", "B"]}')
    c.good["aneh-1"] = "quibbletorn"
    # Duplicate ids across files: the first in sorted path order (duplikat_a.json) is kept, the other reported.
    c.put("duplikat_a.json", json.dumps({"id": "dup-1", "title": "Duplikat A", "text": "Versi A kata marvoldin."}))
    c.good["dup-1"] = "marvoldin"
    c.put("duplikat_b.json", json.dumps({"id": "dup-1", "title": "Duplikat B", "text": "Versi B."}))
    c.bad[c.where("duplikat_b.json")] = f"duplicate id 'dup-1' (first seen in {c.where('duplikat_a.json')})"


def write_warned(c: Corpus) -> None:
    """Articles that load, with something left out or repaired and a warning saying so."""
    # Dates: an unparseable date ("kemarin", 30 February) or one in the future (a typo, or a clock gone wrong)
    # must not drop the article: it is indexed without a date, the raw value in metadata["date_raw"].
    c.put("tanggal/kemarin.json", json.dumps({"id": "tgl-kemarin", "title": "Kemarin", "text": "Isi kelbrintos.",
                                              "date": "kemarin"}))
    c.good["tgl-kemarin"] = "kelbrintos"
    c.warnings[c.where("tanggal/kemarin.json")] = "date 'kemarin' is not a valid date; indexed without a date"
    c.put("tanggal/feb30.md", "---\ntitle: Tiga Puluh Februari\ndate: 2024-02-30\n---\nIsi kata feblorvan.\n")
    c.good["tanggal/feb30.md"] = "feblorvan"  # YAML used to turn this into a ValueError that lost the file
    c.warnings[c.where("tanggal/feb30.md")] = "date '2024-02-30' is not a valid date; indexed without a date"
    c.put("tanggal/masa_depan.json", json.dumps({"id": "tgl-2999", "title": "Masa Depan", "text": "Isi zaptrovel.",
                                                 "date": "2999-01-01"}))
    c.good["tgl-2999"] = "zaptrovel"
    c.warnings[c.where("tanggal/masa_depan.json")] = "date '2999-01-01' is in the future; indexed without a date"
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    c.put("tanggal/bulan_depan.json", json.dumps({"id": "tgl-soon", "title": "Bulan Depan", "text": "Isi holvrati.",
                                                  "date": soon}))
    c.good["tgl-soon"] = "holvrati"
    c.warnings[c.where("tanggal/bulan_depan.json")] = f"date '{soon}' is in the future; indexed without a date"
    c.put("tanggal/kompas_30feb.txt", kompas("Tanggal Salah Di Kepala", ["Isi kata grindolav."],
                                             date="30 Februari 2024, 10:00 WIB"))
    c.good["tanggal/kompas_30feb.txt"] = "grindolav"
    c.warnings[c.where("tanggal/kompas_30feb.txt")] = ("date '30 Februari 2024' is not a valid date; "
                                                       "indexed without a date")
    # Half of an emoji's surrogate pair ("\ud83d" alone) cannot be stored: replaced by U+FFFD, the rest kept.
    c.put("surrogat.json", '{"id": "sur-1", "title": "Emoji Putus", "text": "Isi vormblitz \\ud83d putus."}')
    c.good["sur-1"] = "vormblitz"
    c.warnings[c.where("surrogat.json")] = ("1 broken Unicode escape(s) (unpaired surrogates, e.g. half of an "
                                            "emoji) replaced with U+FFFD")
    # A pretty-printed JSON document saved as .jsonl, and JSON Lines saved as .json: read as what they are.
    c.put("cantik.jsonl", json.dumps({"id": "cantik-1", "title": "Cantik", "text": "Isi kata plimsokar."}, indent=2))
    c.good["cantik-1"] = "plimsokar"
    c.warnings[c.where("cantik.jsonl")] = ("is one JSON document over several lines, not JSON Lines: loaded as "
                                           ".json; rename it to .json")
    c.put("baris.json", json.dumps({"id": "baris-1", "title": "Baris", "text": "Isi dervantol."}) + "\n"
          + json.dumps({"id": "baris-2", "title": "Baris Dua", "text": "Isi wroxibald."}) + "\n")
    c.good.update({"baris-1": "dervantol", "baris-2": "wroxibald"})
    c.warnings[c.where("baris.json")] = ("holds one JSON object per line (JSON Lines): loaded line by line; "
                                         "rename it to .jsonl")


def write_bad(c: Corpus) -> None:
    """One file of each broken kind, with the exact reason the loader must give."""
    def bad(rel: str, content: str | bytes, reason: str) -> None:
        c.put(rel, content)
        c.bad[c.where(rel)] = reason

    supported = ".txt, .md, .html, .htm, .json or .jsonl"
    bad("rusak/kosong.txt", b"", "empty file (0 bytes)")
    bad("rusak/spasi.txt", b"  \n\t\r\n  ", "empty file (only whitespace)")
    bad("rusak/gambar.txt", PNG, "binary file (a PNG image), not text")
    noise = bytes([7]) + random.Random(5).randbytes(4096) + b"\x00"
    bad("rusak/acak.txt", noise, "binary file (contains NUL bytes)")
    bad("rusak/acak_tanpa_nul.txt", bytes(b or 1 for b in random.Random(6).randbytes(4096)),
        "not valid UTF-8 text (byte 0xfe at offset 0) on line 1; it looks like binary data, not text")
    # Not UTF-8: refused, never guessed or decoded with replacement characters (the loader's rule since the
    # start; the upload check shares it). The reason says where, and what the file probably is.
    latin1 = "Menteri Perancis\nMenteri Désiré berkata naïf.".encode("latin-1")
    bad("rusak/latin1.txt", latin1, f"not valid UTF-8 text (byte 0xe9 at offset {latin1.index(0xE9)}) on line 2: "
        "it looks like Latin-1/Windows-1252 text ('Désiré'); save the file as UTF-8")
    damaged = "Judul Rusak\nKata “kutip” lalu ".encode() + b"\xe2\x80" + b" putus."
    cut = damaged.index(b"\xe2\x80 ")
    bad("rusak/utf8_rusak.txt", damaged, f"not valid UTF-8 text (byte 0xe2 at offset {cut}) "
        "on line 2: the rest of the file is UTF-8, so it is damaged at that spot (1 bad byte sequence); fix it or "
        "re-save the file as UTF-8")
    bad("rusak/utf16_tanpa_bom.txt", "Judul\nIsi tanpa BOM.".encode("utf-16-le"),
        "UTF-16LE text without a byte-order mark; save it as UTF-8")
    bad("rusak/utf32.txt", "Judul\nIsi.".encode("utf-32"), "UTF-32 text (not supported); save it as UTF-8")
    # JSON: truncated, wrong shapes, nesting, records without title.
    bad("json/terpotong.json", '{\n  "title": "Setengah",\n  "text": "tidak sele',
        "invalid JSON: Unterminated string starting at (line 3 column 11); it ends before the JSON is complete "
        "(truncated?)")
    bad("json/koma.json", '{"title": "A" "text": "b"}', "invalid JSON: Expecting ',' delimiter (line 1 column 15)")
    bad("json/angka.json", "42", "JSON must be an object or a list of objects, not int")
    bad("json/daftar_angka.json", "[1, 2, 3]", "JSON must be an object or a list of objects, not a list of int "
        "(3 items)")
    bad("json/daftar_kosong.json", "[]", "no records (empty list)")
    bad("json/articles_salah.json", '{"articles": "bukan daftar"}', "'articles' must be a list of objects, not str")
    bad("json/dalam_sekali.json", "[" * 100_000 + "]" * 100_000, "document too deeply nested")
    # Missing title is refused, not derived from the text: an answer cites the title, and a guessed one (the
    # first sentence) would look authoritative. (A .txt always has one: its first line.)
    bad("json/tanpa_judul.json", json.dumps({"text": "Isi tanpa judul."}), "missing title")
    bad("json/judul_angka.json", json.dumps({"title": 5, "text": "Isi."}), "title must be a string, not int")
    bad("rusak/hanya_judul.txt", "Hanya Judul Saja\n", "missing text (the file has only a title line)")
    # HTML and Markdown.
    bad("html/tanpa_body.html", "<html><head><title>Kosong</title></head></html>",
        "no article text (the page has no <body> and no visible text)")
    bad("html/body_kosong.html", "<html><head><title>T</title></head><body><script>x()</script> </body></html>",
        "no article text (nothing visible in <body>)")
    bad("html/tanpa_judul.html", "<html><body><p>Isi tanpa judul.</p></body></html>",
        "missing title (no og:title, <title> or <h1>)")
    bad("md/yaml_rusak.md", "---\ntitle: [tidak ditutup\ndate: 2024-07-19\n---\nIsi.\n",
        "invalid front matter (YAML) on line 3: expected ',' or ']', but got ':' (while parsing a flow sequence "
        "from line 2)")
    bad("md/tanpa_judul.md", "---\nsource: tempo.co\n---\nIsi tanpa judul.\n",
        "missing title (no 'title' in front matter and no '# heading')")
    bad("md/tanpa_penutup.md", "---\ntitle: Judul\nIsi tanpa garis penutup.\n",
        "missing title (no 'title' in front matter and no '# heading'); it starts with '---' but the front matter "
        "has no closing '---' line")
    # 50 MB: refused from its size before any byte is read (the spy in the test checks it is never opened).
    with (c.root / "besar.jsonl").open("wb") as handle:
        block = (json.dumps({"title": "Besar", "text": "baris berulang " * 20}) + "\n").encode() * 2000
        while handle.tell() < FIFTY_MB:
            handle.write(block[:FIFTY_MB - handle.tell()])
    c.bad[c.where("besar.jsonl")] = (f"file too large (50.0 MB > {MAX_FILE_BYTES // 2**20} MB); "
                                     "split it into smaller files")
    # Document types someone may expect to be read are reported (and how to fix it); see `ignored` below.
    bad("laporan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        f"unsupported file type '.pdf'; save the article as {supported}")
    bad("naskah.docx", b"PK\x03\x04\x14\x00\x06\x00", f"unsupported file type '.docx'; save the article as {supported}")
    bad("catatan.markdown", "# Judul\nIsi.\n", "unsupported file type '.markdown'; rename it to .md")
    # Links and special files: a loop, a dangling link, a link to a folder (not followed), a named pipe.
    os.symlink("lingkaran_b.txt", c.root / "lingkaran_a.txt")
    os.symlink("lingkaran_a.txt", c.root / "lingkaran_b.txt")
    for rel in ("lingkaran_a.txt", "lingkaran_b.txt"):
        c.bad[c.where(rel)] = "symbolic link loop (the link leads back to itself)"
    os.symlink("tidak-ada.txt", c.root / "putus.txt")
    c.bad[c.where("putus.txt")] = "broken symbolic link (its target 'tidak-ada.txt' does not exist)"
    os.symlink(c.root / "good", c.root / "pintasan", target_is_directory=True)
    c.bad[c.where("pintasan")] = "symbolic link to a folder (not followed; index that folder itself)"
    os.mkfifo(c.root / "pipa.txt")  # opening it would block forever: refused from its type
    c.bad[c.where("pipa.txt")] = "not a regular file (a named pipe)"
    # Names whose bytes are not UTF-8 cannot be stored in the index (they crashed the whole rebuild before).
    (c.root / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Judul Kafe\nIsi kafe.")
    c.bad[str(c.root) + "/caf\\xe9.txt"] = "file name is not valid UTF-8; rename it"
    (c.root / os.fsdecode(b"arsip\xff")).mkdir()
    (c.root / os.fsdecode(b"arsip\xff") / "x.txt").write_bytes(b"Judul\nIsi.")
    c.bad[str(c.root) + "/arsip\\xff"] = "folder name is not valid UTF-8; rename it (its files were not read)"
    # Unreadable permissions. Root reads chmod 000 files anyway, so there they are good articles; for anyone
    # else they are reported. test_unreadable_files_as_another_user covers the refusal when run as root.
    locked_file = c.put("terkunci.txt", "Berkas Terkunci\nIsi kata lockravint.")
    locked_dir = c.root / "terkunci_folder"
    c.put("terkunci_folder/di_dalam.txt", "Di Dalam Folder Terkunci\nIsi kata foldrimax.")
    for path in (locked_file, locked_dir):
        path.chmod(0)
        c.locked.append(path)
    if AS_ROOT:
        c.good.update({"terkunci.txt": "lockravint", "terkunci_folder/di_dalam.txt": "foldrimax"})
    else:
        c.bad[str(locked_file)] = "permission denied"
        c.bad[str(locked_dir)] = "permission denied (cannot list the folder; its files were not read)"
    # Skipped silently: hidden entries and unknown types that are not documents (images, styles, backups).
    c.put(".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(100))
    c.put(".tersembunyi.txt", "Tersembunyi\nIsi.")
    c.put(".git/config.txt", "Git\nIsi.")
    c.put("foto.png", PNG)
    c.put("gaya.css", "body { color: red }")
    c.put("catatan.txt~", "Cadangan\nIsi.")
    c.put("README", "Folder berita.")
    c.ignored += [".DS_Store", ".tersembunyi.txt", ".git", "foto.png", "gaya.css", "catatan.txt~", "README"]


def build_corpus(root: Path) -> Corpus:
    root.mkdir(parents=True)
    c = Corpus(root)
    write_good(c)
    write_warned(c)
    write_bad(c)
    return c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    c = build_corpus(tmp_path_factory.mktemp("bad_inputs") / "corpus")
    yield c
    for path in c.locked:
        path.chmod(0o755)
    (c.root / "besar.jsonl").unlink()  # pytest keeps the last runs' folders: don't leave 50 MB behind


def test_the_suite_has_at_least_22_bad_kinds(corpus: Corpus) -> None:
    assert len(corpus.bad) >= 40 and len(corpus.warnings) >= 8 and len(corpus.good) >= 25


def test_every_bad_file_is_reported_once_with_its_reason_and_every_good_article_loads(corpus, monkeypatch):
    opened: list[str] = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    started = time.monotonic()
    result = load_articles([corpus.root])
    elapsed = time.monotonic() - started
    monkeypatch.undo()

    counts = Counter(where for where, _ in result.failed)
    assert [where for where, n in counts.items() if n > 1] == []  # reported exactly once
    reasons = dict(result.failed)
    assert sorted(set(reasons) - set(corpus.bad)) == []  # nothing reported that is not bad
    assert sorted(set(corpus.bad) - set(reasons)) == []  # 100% of the bad files reported
    for where, expected in corpus.bad.items():
        assert reasons[where] == expected, where

    ids = [a.id for a in result.articles]
    assert sorted(ids) == sorted(corpus.good)  # 0 good articles lost, none invented
    for article in result.articles:
        assert corpus.good[article.id] in article.text or corpus.good[article.id] in article.title, article.id

    assert dict(result.warnings) == corpus.warnings
    assert len(result.warnings) == len(corpus.warnings)
    for name in corpus.ignored:
        assert not any(f"/{name}" in where for where, _ in result.failed) and name not in ids

    assert "besar.jsonl" not in opened  # refused from its size: never opened, let alone read
    assert elapsed < 10, f"loading the bad-input corpus took {elapsed:.1f}s"


def test_what_the_good_and_warned_articles_hold(corpus: Corpus) -> None:
    by_id = {a.id: a for a in load_articles([corpus.root]).articles}
    one = by_id["good/kompas_satu.txt"]
    assert (one.title, one.date, one.source, one.author) == (
        "Banjir Rob Melanda Pesisir Utara", "2024-07-19", "kompas.tv", "Nama Penulis")
    assert one.text.startswith("JAKARTA, KOMPAS.TV - Banjir rob") and "Baca Juga" not in one.text
    assert by_id["good/artikel.md"].date == "2024-07-20"  # the YAML time zone does not move the day
    assert by_id["good/halaman.html"].date == "2024-07-18"
    assert by_id["enc/utf16_bom.txt"].text == "Isi dengan é dan kata wimbrelo."
    assert by_id["dup-1"].title == "Duplikat A" and by_id["dup-1"].metadata["path"] == corpus.where("duplikat_a.json")
    for aid, raw in [("tgl-kemarin", "kemarin"), ("tanggal/feb30.md", "2024-02-30"), ("tgl-2999", "2999-01-01"),
                     ("tanggal/kompas_30feb.txt", "30 Februari 2024")]:
        assert by_id[aid].date is None and by_id[aid].metadata["date_raw"] == raw, aid
    assert "published" not in by_id["tanggal/kompas_30feb.txt"].metadata  # no time without a valid day
    assert by_id["sur-1"].text == "Isi vormblitz \ufffd putus."
    assert by_id["aneh-1"].author == "A, B" and by_id["aneh-1"].metadata["lain"] == {"a": [1, None, {"b": True}]}


def consistent(qa: NewsQA) -> None:
    """Chroma and BM25 hold exactly the chunks the manifest names."""
    live = qa.store.manifest.live_chunk_ids()
    assert qa.store.chroma.count() == len(live) == sum(e.chunks for e in qa.store.manifest.articles.values())
    assert set(qa.store.chroma.all_ids()) == live
    assert set(qa.store.bm25.chunk_ids) == live


def assert_searchable(qa: NewsQA, good: dict[str, str]) -> None:
    for aid, word in good.items():
        hits = qa.search(word, k=3, mode="bm25")
        assert hits and hits[0].article_id == aid, (aid, word, [h.article_id for h in hits])


def test_rebuild_indexes_every_good_article_and_reports_every_bad_file(corpus, tmp_path, fake_embedder):
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder)
    started = time.monotonic()
    report = qa.rebuild(corpus.root)
    assert time.monotonic() - started < 30
    assert Counter(where for where, _ in report.failed) == Counter(set(corpus.bad))  # 100% reported, once each
    assert dict(report.failed) == corpus.bad
    assert sorted(report.added) == sorted(corpus.good)
    assert report.updated == report.unchanged == report.removed == []
    assert qa.status()["articles"] == len(corpus.good)
    consistent(qa)
    assert_searchable(qa, corpus.good)

    again = qa.rebuild(corpus.root)  # nothing changed: nothing to do
    assert sorted(again.unchanged) == sorted(corpus.good)
    assert again.added == again.updated == again.removed == []
    assert dict(again.failed) == corpus.bad
    consistent(qa)


def test_good_files_that_break_keep_their_last_good_version(tmp_path, fake_embedder):
    c = Corpus(tmp_path / "corpus")
    c.root.mkdir()
    write_good(c)
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder)
    first = qa.rebuild(c.root)
    assert dict(first.failed) == c.bad  # the bad JSONL lines and the duplicate id
    versions = {aid: e.version for aid, e in qa.store.manifest.articles.items()}
    saved = {rel: (c.root / rel).read_bytes() for rel in
             ("good/kompas_satu.txt", "good/satu.json", "good/artikel.md", "good/halaman.html", "umpan.jsonl")}

    # Half-written, re-encoded, replaced by an image, grown past the limit, emptied.
    (c.root / "good/kompas_satu.txt").write_bytes(PNG)
    (c.root / "good/satu.json").write_bytes(saved["good/satu.json"][:25])
    (c.root / "good/artikel.md").write_bytes(saved["good/artikel.md"].decode().replace("Pemilu", "Pémilu")
                                             .encode("latin-1"))
    with (c.root / "good/halaman.html").open("wb") as handle:  # sparse: the size is what counts
        handle.truncate(FIFTY_MB)
    (c.root / "umpan.jsonl").write_bytes(b"")
    report = qa.rebuild(c.root)
    failed = dict(report.failed)
    for rel in saved:
        assert c.where(rel) in failed, rel
    assert failed[c.where("good/halaman.html")].startswith("file too large (50.0 MB")
    assert report.removed == report.added == report.updated == []
    assert {aid: e.version for aid, e in qa.store.manifest.articles.items()} == versions
    consistent(qa)
    assert_searchable(qa, c.good)  # every article still found, in its last good version

    for rel, data in saved.items():  # repaired: back to the same content, nothing to re-embed
        (c.root / rel).write_bytes(data)
    repaired = qa.rebuild(c.root)
    assert sorted(repaired.unchanged) == sorted(c.good)
    assert repaired.added == repaired.updated == repaired.removed == []
    consistent(qa)


_AS_USER = """
import json, sys, types
pkg = types.ModuleType("rag")
pkg.__path__ = [sys.argv[1]]
sys.modules["rag"] = pkg  # rag.articles alone: the package __init__ loads the whole search stack
from rag.articles import load_articles
result = load_articles([sys.argv[2]])
print(json.dumps({"articles": [a.id for a in result.articles], "failed": result.failed}))
"""


def _python_for_nobody() -> str:
    """A Python >= 3.10 that user `nobody` may run (the venv's may live under /root); rag.articles itself only
    needs the standard library for .txt files."""
    for candidate in dict.fromkeys([sys.executable, os.path.realpath(sys.executable), shutil.which("python3") or "",
                                    "/usr/bin/python3", "/usr/local/bin/python3"]):
        if not candidate:
            continue
        try:
            probe = subprocess.run([candidate, "-I", "-c", "import sys; assert sys.version_info >= (3, 10)"],
                                   user=65534, group=65534, capture_output=True, timeout=30, cwd="/")
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    pytest.skip("running as root, and no Python interpreter is executable by user nobody to check chmod 000")


def test_unreadable_files_as_another_user() -> None:
    """chmod 000 files and folders are reported as "permission denied" and the rest loads. As root (CI) the
    loader runs in a child process as user `nobody`, since root reads everything."""
    folder = Path(tempfile.mkdtemp(prefix="rag-perm-"))
    try:
        folder.chmod(0o755)
        (folder / "baik.txt").write_text("Baik\nIsi.", encoding="utf-8")
        (folder / "terkunci.txt").write_text("Terkunci\nIsi.", encoding="utf-8")
        (folder / "terkunci").mkdir()
        (folder / "terkunci" / "x.txt").write_text("X\nIsi.", encoding="utf-8")
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        (folder / "terkunci.txt").chmod(0)
        (folder / "terkunci").chmod(0)
        if AS_ROOT:
            python = _python_for_nobody()
            run = subprocess.run([python, "-I", "-c", _AS_USER, str(ROOT / "rag"), str(folder)], user=65534,
                                 group=65534, capture_output=True, text=True, timeout=60, cwd="/",
                                 env={"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"})
            assert run.returncode == 0, run.stderr
            result = json.loads(run.stdout)
            articles, failed = result["articles"], {w: r for w, r in result["failed"]}
        else:
            loaded = load_articles([folder])
            articles, failed = [a.id for a in loaded.articles], dict(loaded.failed)
        assert articles == ["baik.txt"]
        assert failed == {str(folder / "terkunci.txt"): "permission denied",
                          str(folder / "terkunci"): "permission denied (cannot list the folder; its files were not "
                                                    "read)"}
    finally:
        (folder / "terkunci.txt").chmod(0o644)
        (folder / "terkunci").chmod(0o755)
        shutil.rmtree(folder)


def test_articles_of_a_folder_that_becomes_unreadable_are_kept(tmp_path, fake_embedder, monkeypatch):
    c = Corpus(tmp_path / "corpus")
    c.put("a.txt", "A\nIsi kata aplomvik.")
    c.put("sub/b.txt", "B\nIsi kata bemrostal.")
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder)
    assert sorted(qa.rebuild(c.root).added) == ["a.txt", "sub/b.txt"]
    real_scandir = os.scandir

    def deny(path="."):  # what chmod 000 does for anyone but root
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) == str(c.root / "sub"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", deny)
    report = qa.rebuild(c.root)
    assert dict(report.failed) == {
        c.where("sub"): "permission denied (cannot list the folder; its files were not read)"}
    assert report.removed == []  # fails today: ["sub/b.txt"]
