"""NewsQA facade over a real Chroma + BM25 index, with the deterministic fake embedder (fast).

Covers the sync contract (add new, re-embed only what changed, delete what was removed, keep what failed to load),
`add()` with every input type, filters, `status()`, the embedder guard and persistence.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import PrivateAttr

from conftest import FakeEmbedding
from rag import Article, IndexReport, NewsQA
from rag.bm25 import Tokenizer
from rag.store import EmbedderMismatchError

# Made-up marker words: each occurs in exactly one article (version), so a keyword search for it is a probe.
LONG_BODY = " ".join(
    f"Kalimat ke-{i} menceritakan gajah liar nomor {i} yang memasuki kebun sawit warga di Riau."
    for i in range(1, 19)
)  # ~1,500 characters: several chunks of at most 700 characters


class CountingFake(FakeEmbedding):
    """FakeEmbedding that records every text it was asked to embed as a passage."""

    _embedded: list[str] = PrivateAttr(default_factory=list)

    def _get_text_embedding(self, text: str) -> list[float]:
        self._embedded.append(text)
        return self._vec(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._get_text_embedding(t) for t in texts]

    def take(self) -> list[str]:
        """Texts embedded since the last call."""
        out, self._embedded = self._embedded, []
        return out


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gajah.txt").write_text(
        "Gajah liar masuk kebun warga\n" + LONG_BODY + "\nWarga menyebut gajah itu zorblatik.\n", encoding="utf-8")
    (folder / "banjir.txt").write_text(
        "Banjir rendam Semarang\nBanjir setinggi satu meter merendam ratusan rumah di Semarang utara. "
        "Petugas menyebut pompa qwimbular rusak.\n", encoding="utf-8")
    records = [
        {"id": "pemilu-1", "title": "Hitung cepat pemilu", "text": "Hasil hitung cepat pemilu diumumkan malam ini "
         "oleh lembaga survei flarnhoft.", "date": "2024-02-14", "source": "kompas.tv",
         "url": "https://example.org/pemilu-1"},
        {"id": "kereta-1", "title": "Kereta cepat beroperasi", "text": "Kereta cepat Jakarta-Bandung mengangkut "
         "ribuan penumpang pada hari pertama, kata petugas grelmitz.", "date": "2024-03-01",
         "source": "detik.com"},
    ]
    (folder / "lain.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return folder


IDS = {"gajah.txt", "banjir.txt", "pemilu-1", "kereta-1"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def counting() -> CountingFake:
    return CountingFake(model_name="fake")


def live_chunks(qa: NewsQA) -> int:
    return sum(e.chunks for e in qa.store.manifest.articles.values())


def chroma_ids_of(qa: NewsQA, article_id: str) -> list[str]:
    return qa.store.chroma.collection.get(where={"article_id": article_id}, include=[])["ids"]


def hit_ids(hits) -> set[str]:
    return {h.article_id for h in hits}


def assert_consistent(qa: NewsQA) -> None:
    """Chroma holds exactly the live chunks, and BM25 indexes exactly them too."""
    live = qa.store.manifest.live_chunk_ids()
    assert qa.store.chroma.count() == len(live) == live_chunks(qa)
    assert set(qa.store.chroma.all_ids()) == live
    assert set(qa.store.bm25.chunk_ids) == live


# ---- rebuild: add / unchanged / update / remove ------------------------------------------------------------------

def test_rebuild_adds_every_article(tmp_path, corpus, counting):
    qa = NewsQA(tmp_path / "index", embedder=counting)
    report = qa.rebuild(corpus)
    assert isinstance(report, IndexReport)
    assert sorted(report.added) == sorted(IDS)
    assert report.updated == report.unchanged == report.removed == report.failed == []
    assert qa.store.manifest.articles["gajah.txt"].chunks >= 2  # the long article really is split
    assert len(counting.take()) == live_chunks(qa)  # every chunk embedded exactly once
    assert_consistent(qa)
    assert hit_ids(qa.search("flarnhoft", mode="bm25")) == {"pemilu-1"}
    assert hit_ids(qa.search("qwimbular", k=1)) == {"banjir.txt"}


def test_second_rebuild_reembeds_nothing(tmp_path, corpus, counting):
    qa = NewsQA(tmp_path / "index", embedder=counting)
    qa.rebuild(corpus)
    counting.take()
    generation = qa.store.manifest.generation
    report = qa.rebuild(corpus)
    assert sorted(report.unchanged) == sorted(IDS)
    assert report.added == report.updated == report.removed == report.failed == []
    assert counting.take() == []
    assert qa.store.manifest.generation == generation  # nothing was even rewritten
    # a new instance (a new process in real life) agrees: nothing to do
    again = NewsQA(tmp_path / "index", embedder=counting)
    assert sorted(again.rebuild(corpus).unchanged) == sorted(IDS)
    assert counting.take() == []


def test_changed_article_is_reembedded_and_old_text_is_gone(tmp_path, corpus, counting):
    qa = NewsQA(tmp_path / "index", embedder=counting)
    qa.rebuild(corpus)
    old_entry = qa.store.manifest.articles["gajah.txt"]
    old_ids = set(chroma_ids_of(qa, "gajah.txt"))
    assert len(old_ids) == old_entry.chunks >= 2
    assert hit_ids(qa.search("zorblatik", mode="bm25")) == {"gajah.txt"}
    counting.take()

    (corpus / "gajah.txt").write_text("Gajah liar kembali ke hutan\nGajah liar itu akhirnya kembali ke hutan "
                                      "setelah digiring petugas dengan bunyi mercon plindorf.\n", encoding="utf-8")
    report = qa.rebuild(corpus)
    assert report.updated == ["gajah.txt"]
    assert sorted(report.unchanged) == sorted(IDS - {"gajah.txt"})
    assert report.added == report.removed == report.failed == []

    new_entry = qa.store.manifest.articles["gajah.txt"]
    assert new_entry.version != old_entry.version and new_entry.chunks == 1
    embedded = counting.take()
    assert len(embedded) == 1 and "plindorf" in embedded[0]  # only the changed article, only its new chunk

    for mode in ("hybrid", "dense", "bm25"):
        hits = qa.search("zorblatik gajah Riau sawit", k=20, mode=mode)
        assert not any("zorblatik" in h.text or "Riau" in h.text for h in hits), mode
        assert all(h.chunk_id.split("::")[1] == new_entry.version for h in hits if h.article_id == "gajah.txt")
    assert qa.search("zorblatik", mode="bm25") == []
    assert hit_ids(qa.search("plindorf", mode="bm25")) == {"gajah.txt"}
    # Chroma itself holds no row of the old version (not merely hidden by the search filter)
    assert set(chroma_ids_of(qa, "gajah.txt")) == set(new_entry.chunk_ids("gajah.txt"))
    assert not old_ids & set(qa.store.chroma.all_ids())
    assert_consistent(qa)


def test_deleted_file_is_removed_from_search_and_chroma(tmp_path, corpus, counting):
    qa = NewsQA(tmp_path / "index", embedder=counting)
    qa.rebuild(corpus)
    counting.take()
    (corpus / "banjir.txt").unlink()
    report = qa.rebuild(corpus)
    assert report.removed == ["banjir.txt"]
    assert sorted(report.unchanged) == sorted(IDS - {"banjir.txt"})
    assert report.added == report.updated == []
    assert counting.take() == []
    assert "banjir.txt" not in qa.store.manifest.articles
    assert qa.search("qwimbular Semarang", mode="bm25") == []
    assert "banjir.txt" not in hit_ids(qa.search("Banjir rendam Semarang pompa qwimbular", k=20))
    assert chroma_ids_of(qa, "banjir.txt") == []
    assert_consistent(qa)


def test_removed_jsonl_record_is_removed(tmp_path, corpus):
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    lines = (corpus / "lain.jsonl").read_text(encoding="utf-8").splitlines()
    (corpus / "lain.jsonl").write_text(lines[1] + "\n", encoding="utf-8")  # drop pemilu-1
    report = qa.rebuild(corpus)
    assert report.removed == ["pemilu-1"]
    assert qa.search("flarnhoft", mode="bm25") == []
    assert chroma_ids_of(qa, "pemilu-1") == []
    assert_consistent(qa)


# ---- corrupt files -----------------------------------------------------------------------------------------------

def test_corrupt_files_are_reported_and_good_ones_indexed(tmp_path, corpus):
    (corpus / "rusak.json").write_text('{"title": "Setengah", "text": "tidak selesai', encoding="utf-8")
    (corpus / "biner.txt").write_bytes(b"\x00\x01\x02 judul\x00")
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    report = qa.rebuild(corpus)
    assert sorted(report.added) == sorted(IDS)
    failed = dict(report.failed)
    assert set(failed) == {str(corpus / "rusak.json"), str(corpus / "biner.txt")}
    assert "invalid JSON" in failed[str(corpus / "rusak.json")]
    assert "binary" in failed[str(corpus / "biner.txt")]
    assert qa.status()["articles"] == len(IDS)
    assert_consistent(qa)


def test_article_whose_file_becomes_corrupt_is_kept_in_last_good_version(tmp_path, corpus):
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    good = qa.store.manifest.articles["gajah.txt"]
    jsonl_versions = {aid: qa.store.manifest.articles[aid].version for aid in ("pemilu-1", "kereta-1")}

    (corpus / "gajah.txt").write_bytes(b"Gajah\x00\x00\xff\xfe rusak")  # half-written / binary
    (corpus / "lain.jsonl").write_text('{"id": "pemilu-1", "title": "Hitung\n', encoding="utf-8")  # truncated
    report = qa.rebuild(corpus)
    failed = dict(report.failed)
    assert str(corpus / "gajah.txt") in failed and failed[str(corpus / "gajah.txt")]
    assert any(where.startswith(str(corpus / "lain.jsonl")) for where in failed)
    assert report.removed == [] and report.updated == [] and report.added == []
    assert report.unchanged == ["banjir.txt"]

    entry = qa.store.manifest.articles["gajah.txt"]
    assert entry.version == good.version and entry.chunks == good.chunks
    assert {aid: qa.store.manifest.articles[aid].version for aid in jsonl_versions} == jsonl_versions
    assert hit_ids(qa.search("zorblatik", mode="bm25")) == {"gajah.txt"}  # last good text still searchable
    assert hit_ids(qa.search("flarnhoft", mode="bm25")) == {"pemilu-1"}
    assert_consistent(qa)

    # a new instance keeps them too, and once the file is repaired the article is updated normally
    qa2 = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    assert "gajah.txt" in qa2.store.manifest.articles
    (corpus / "gajah.txt").write_text("Gajah pulang\nGajah itu pulang ke hutan lindung.\n", encoding="utf-8")
    report = qa2.rebuild(corpus)
    assert report.updated == ["gajah.txt"]
    assert qa2.search("zorblatik", mode="bm25") == []


# ---- add() -------------------------------------------------------------------------------------------------------

def test_add_accepts_dicts_articles_and_paths(tmp_path, corpus, counting):
    qa = NewsQA(tmp_path / "index", embedder=counting)
    qa.rebuild(corpus)
    counting.take()
    loose = tmp_path / "lepas.txt"
    loose.write_text("Gempa di Cianjur\nGempa bermagnitudo 5 mengguncang Cianjur, kata BMKG trovalisk.\n",
                     encoding="utf-8")
    items = [
        {"title": "Harga beras naik", "text": "Harga beras medium naik di pasar induk, kata pedagang snerquat.",
         "date": "2024-07-19", "source": "kompas.tv", "url": "https://example.org/beras"},
        Article(id="art-1", title="Timnas menang", text="Timnas menang dua gol tanpa balas atas lawan brudvix.",
                date="2024-07-20", source="bola.com"),
        loose,
        {"text": "Artikel tanpa judul yang mestinya ditolak.", "source": "kompas.tv"},
        str(tmp_path / "tidak-ada.txt"),
    ]
    report = qa.add(items)
    assert len(report.added) == 3
    assert "art-1" in report.added and "lepas.txt" in report.added
    dict_id = next(a for a in report.added if a not in {"art-1", "lepas.txt"})
    failed = dict(report.failed)
    assert "title" in failed["<item 3>"]
    assert str(tmp_path / "tidak-ada.txt") in failed
    assert len(report.failed) == 2
    assert report.removed == [] and report.updated == []
    assert len(counting.take()) == 3  # one chunk each; nothing of the rebuilt corpus re-embedded

    assert hit_ids(qa.search("snerquat", mode="bm25")) == {dict_id}
    assert hit_ids(qa.search("brudvix", mode="bm25")) == {"art-1"}
    assert hit_ids(qa.search("trovalisk", mode="bm25")) == {"lepas.txt"}
    assert IDS <= set(qa.store.manifest.articles)  # add() never removes
    hit = qa.search("snerquat", k=1, mode="bm25")[0]
    assert (hit.title, hit.date, hit.source, hit.url) == ("Harga beras naik", "2024-07-19", "kompas.tv",
                                                          "https://example.org/beras")

    # adding the same dict again is a no-op; a changed one is an update of the same id
    assert qa.add([items[0]]).unchanged == [dict_id]
    changed = dict(items[0], text="Harga beras medium turun, kata pedagang snerquat.")
    assert qa.add([changed]).updated == [dict_id]
    assert "turun" in qa.search("snerquat", k=1, mode="bm25")[0].text
    assert_consistent(qa)


# ---- filters -----------------------------------------------------------------------------------------------------

DATED = [
    {"id": "x1", "title": "Debat pemilu pertama", "text": "Debat pemilu pertama berlangsung panas.",
     "date": "2024-07-01", "source": "kompas.tv"},
    {"id": "x2", "title": "Debat pemilu kedua", "text": "Debat pemilu kedua membahas ekonomi.",
     "date": "2024-07-15", "source": "detik.com"},
    {"id": "x3", "title": "Debat pemilu ketiga", "text": "Debat pemilu ketiga membahas pertahanan.",
     "date": "2024-08-01", "source": "kompas.tv"},
    {"id": "x4", "title": "Catatan pemilu", "text": "Catatan tentang pemilu tanpa tanggal dan sumber."},
]
FILTER_CASES = [  # (filters, article ids that "debat pemilu" must return); also run on a Chroma server
    (None, {"x1", "x2", "x3", "x4"}),
    ({"source": "kompas.tv"}, {"x1", "x3"}),
    ({"source": ["detik.com", "kompas.tv"]}, {"x1", "x2", "x3"}),
    ({"source": "other.com"}, set()),
    ({"date_from": "2024-07-15"}, {"x2", "x3"}),  # inclusive
    ({"date_to": "2024-07-15"}, {"x1", "x2"}),  # inclusive; undated articles never pass a date bound
    ({"date_from": "2024-07-02", "date_to": "2024-07-31"}, {"x2"}),
    ({"source": "kompas.tv", "date_from": "2024-07-02"}, {"x3"}),
    ({"date_from": "2024-09-01"}, set()),
]


@pytest.fixture
def dated(tmp_path) -> NewsQA:
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    report = qa.add(DATED)
    assert sorted(report.added) == ["x1", "x2", "x3", "x4"]
    return qa


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
@pytest.mark.parametrize("filters, expected", FILTER_CASES)
def test_filters(dated, mode, filters, expected):
    hits = dated.search("debat pemilu", k=10, filters=filters, mode=mode)
    assert hit_ids(hits) == expected
    for h in hits:
        if filters and "source" in filters:
            assert h.source in ([filters["source"]] if isinstance(filters["source"], str) else filters["source"])


@pytest.mark.parametrize("filters", [
    {"date_from": "kemarin"},
    {"date_to": "2024-13-01"},
    {"date_from": "19/07/2024"},
    {"colour": "red"},
])
def test_invalid_filter_raises_value_error(dated, filters):
    with pytest.raises(ValueError):
        dated.search("pemilu", filters=filters)


def test_source_filter_of_wrong_type_is_a_value_error(dated):
    with pytest.raises(ValueError):
        dated.search("pemilu", filters={"source": 5})


def test_invalid_filter_is_rejected_even_on_an_empty_index(tmp_path):
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    with pytest.raises(ValueError):
        qa.search("pemilu", filters={"date_from": "kemarin"})


# ---- status ------------------------------------------------------------------------------------------------------

def test_status_numbers(tmp_path, corpus):
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    empty = qa.status()
    assert (empty["articles"], empty["chunks"], empty["sources"], empty["last_rebuild"]) == (0, 0, [], None)
    assert empty["embedder"] == "fake:64"
    assert empty["index_dir"] == str(tmp_path / "index")

    qa.rebuild(corpus)
    st = qa.status()
    assert st["articles"] == len(IDS)
    assert st["chunks"] == qa.store.chroma.count() == live_chunks(qa) >= len(IDS) + 1
    assert st["sources"] == ["detik.com", "kompas.tv"]
    assert st["last_rebuild"]
    assert st["embedder"] == "fake:64"

    (corpus / "banjir.txt").unlink()
    qa.rebuild(corpus)
    after = qa.status()
    assert after["articles"] == len(IDS) - 1
    assert after["chunks"] == st["chunks"] - 1 == qa.store.chroma.count()
    assert NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake")).status() == after


# ---- embedder guard and persistence ------------------------------------------------------------------------------

def test_embedder_mismatch_is_refused(tmp_path, corpus):
    index = tmp_path / "index"
    NewsQA(index, embedder=FakeEmbedding(model_name="fake")).rebuild(corpus)
    other = FakeEmbedding(model_name="fake", dim=32)
    assert other.embedder_id != "fake:64"
    with pytest.raises(EmbedderMismatchError) as err:
        NewsQA(index, embedder=other)
    message = str(err.value)
    assert "rebuild" in message and "--fresh" in message
    assert "fake:64" in message and "fake:32" in message
    # a configured (not yet loaded) embedder is checked too, without loading any model
    with pytest.raises(EmbedderMismatchError):
        NewsQA(index)
    # the refused attempts changed nothing
    assert NewsQA(index, embedder=FakeEmbedding(model_name="fake")).status()["articles"] == len(IDS)


def test_two_instances_on_one_index_do_not_lose_each_others_articles(tmp_path, corpus):
    """The web UI keeps a NewsQA open while `python -m rag index` rebuilds the same folder: the UI's next
    upload must build on the index as it is on disk, not on the manifest it read at start-up."""
    index = tmp_path / "index"
    ui = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    ui.add([{"id": "ui-1", "title": "Unggahan pertama", "text": "Artikel unggahan pertama tentang vorpalix."}])
    NewsQA(index, embedder=FakeEmbedding(model_name="fake")).add(
        [{"id": "cli-1", "title": "Dari CLI", "text": "Artikel dari baris perintah tentang quendrix."}])
    ui.add([{"id": "ui-2", "title": "Unggahan kedua", "text": "Artikel unggahan kedua tentang zentavor."}])

    fresh = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    assert set(fresh.store.manifest.articles) == {"ui-1", "cli-1", "ui-2"}
    assert hit_ids(fresh.search("quendrix", mode="bm25")) == {"cli-1"}
    assert hit_ids(fresh.search("vorpalix", mode="bm25")) == {"ui-1"}
    assert_consistent(fresh)


class UnstemmedTokenizer(Tokenizer):
    """Stands in for an older package's tokenizer: whole words, another version string."""

    def __init__(self) -> None:
        super().__init__()
        self.version = "whole-words:v0"

    def __call__(self, text: str) -> list[str]:
        return [w for w in text.lower().split() if w.isalpha() and w not in self._stop]


def test_index_from_an_older_tokenizer_gets_its_keyword_index_redone_without_re_embedding(tmp_path):
    index = tmp_path / "index"
    old = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    old.tokenizer = UnstemmedTokenizer()
    old.add([{"id": "temu-1", "title": "Kabar", "text": "Pertemuan kedua menteri berlangsung di Bogor kemarin"}])
    assert old.store.manifest.tokenizer == "whole-words:v0"

    fake = CountingFake(model_name="fake")
    qa = NewsQA(index, embedder=fake)
    with pytest.warns(UserWarning, match="no re-embedding"):
        hits = qa.search("bertemu", mode="bm25")  # "bertemu" and "pertemuan" share the stem "temu"
    assert hit_ids(hits) == {"temu-1"}
    assert qa.store.manifest.tokenizer == Tokenizer().version and fake.take() == []
    assert NewsQA(index, embedder=fake).store.manifest.tokenizer == Tokenizer().version  # persisted


def test_embedder_mismatch_is_refused_at_write_time_too(tmp_path, corpus):
    """Opened while the index was empty, then someone built it with another embedder: adding must refuse."""
    index = tmp_path / "index"
    late = NewsQA(index, embedder=FakeEmbedding(model_name="fake", dim=32))
    NewsQA(index, embedder=FakeEmbedding(model_name="fake")).rebuild(corpus)
    with pytest.raises(EmbedderMismatchError):
        late.add([{"title": "t", "text": "isi"}])
    assert NewsQA(index, embedder=FakeEmbedding(model_name="fake")).status()["articles"] == len(IDS)


def test_reopened_index_gives_same_results(tmp_path, corpus):
    index = tmp_path / "index"
    qa = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    queries = ["gajah liar di kebun warga", "pompa qwimbular rusak", "hasil hitung cepat pemilu", "kereta cepat"]
    before = {(q, m): [(h.article_id, h.chunk_id, h.text, round(h.score, 5)) for h in qa.search(q, k=5, mode=m)]
              for q in queries for m in ("hybrid", "bm25", "dense")}
    del qa
    again = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    after = {(q, m): [(h.article_id, h.chunk_id, h.text, round(h.score, 5)) for h in again.search(q, k=5, mode=m)]
             for q in queries for m in ("hybrid", "bm25", "dense")}
    assert after == before
    assert all(before[(q, "hybrid")] for q in queries)
    assert before[("pompa qwimbular rusak", "hybrid")][0][0] == "banjir.txt"


def test_rebuild_of_missing_folder_raises(tmp_path):
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    with pytest.raises(FileNotFoundError):
        qa.rebuild(tmp_path / "nope")


@pytest.mark.parametrize("how", ["moved-folder", "relative-path"])
def test_corrupt_file_is_kept_after_the_folder_moved_or_is_named_differently(tmp_path, corpus, monkeypatch, how):
    """The last good version survives a corrupt file even when the corpus folder was renamed since (or is given
    as a relative path this time): the manifest must not keep stale file paths."""
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    if how == "moved-folder":
        corpus = corpus.rename(tmp_path / "arsip")
        assert sorted(qa.rebuild(corpus).unchanged) == sorted(IDS)
    else:
        monkeypatch.chdir(tmp_path)
        corpus = Path("corpus")
    (corpus / "gajah.txt").write_bytes(b"\x00rusak")
    (corpus / "lain.jsonl").write_text("{bukan json\n", encoding="utf-8")
    report = qa.rebuild(corpus)
    assert report.removed == []
    assert {"gajah.txt", "pemilu-1", "kereta-1"} <= set(qa.store.manifest.articles)
    assert hit_ids(qa.search("zorblatik", mode="bm25")) == {"gajah.txt"}


def test_reset_then_rebuild_writes_a_real_index(tmp_path, corpus):
    """reset() deletes the folder; the Chroma client must not keep writing into the deleted database."""
    index = tmp_path / "index"
    qa = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    assert qa.search("zorblatik", mode="bm25")
    qa.reset()
    assert qa.status()["articles"] == 0
    assert qa.store.chroma.count() == 0
    assert qa.search("zorblatik") == []
    assert sorted(qa.rebuild(corpus).added) == sorted(IDS)
    assert (index / "chroma" / "chroma.sqlite3").exists()
    assert_consistent(qa)
    again = NewsQA(index, embedder=FakeEmbedding(model_name="fake"))
    assert hit_ids(again.search("zorblatik", mode="bm25")) == {"gajah.txt"}
    assert again.store.chroma.count() == live_chunks(again)


def test_rebuild_of_a_single_file_syncs_only_that_file(tmp_path, corpus):
    """`python -m rag index one.txt` must not delete the rest of the index (the help says "folder (or file)")."""
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    extra = tmp_path / "satu.txt"
    extra.write_text("Satu artikel\nArtikel tunggal tentang kelvorin.\n", encoding="utf-8")
    report = qa.rebuild(extra)
    assert report.added == ["satu.txt"] and report.removed == []
    assert set(qa.store.manifest.articles) == IDS | {"satu.txt"}
    # syncing a .jsonl file still removes the records deleted from *that* file, and only those
    jsonl = corpus / "lain.jsonl"
    jsonl.write_text(jsonl.read_text(encoding="utf-8").splitlines()[1] + "\n", encoding="utf-8")
    report = qa.rebuild(jsonl)
    assert report.removed == ["pemilu-1"] and report.unchanged == ["kereta-1"]
    assert set(qa.store.manifest.articles) == IDS - {"pemilu-1"} | {"satu.txt"}
    assert_consistent(qa)


def test_changed_ef_search_is_applied_to_an_existing_collection(tmp_path, corpus):
    qa = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"))
    qa.rebuild(corpus)
    assert qa.store.chroma.collection.configuration["hnsw"]["ef_search"] == qa.config.hnsw_ef_search
    again = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"), hnsw_ef_search=300)
    assert again.store.chroma.collection.configuration["hnsw"]["ef_search"] == 300
    hits = again.search("pemilu", k=3)
    assert hits and hits == qa.search("pemilu", k=3)


def test_learned_fusion_falls_back_to_rrf_without_a_ranker(tmp_path, corpus):
    learned = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"), fusion="learned")
    learned.rebuild(corpus)
    learned.retriever.ranker = None  # as if rag/ranker.json were missing
    rrf = NewsQA(tmp_path / "index", embedder=FakeEmbedding(model_name="fake"), fusion="rrf")
    assert [h.chunk_id for h in learned.search("pemilu banjir", k=4)] == \
        [h.chunk_id for h in rrf.search("pemilu banjir", k=4)]


def test_an_unparseable_date_is_indexed_without_it_and_reported_as_a_warning(tmp_path, fake_embedder):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Panen raya\ndate: kemarin\n---\nPetani di Klaten memanen padi.\n",
                                 encoding="utf-8")
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder)
    report = qa.rebuild(folder)
    assert len(report.added) == 1 and report.failed == []
    (where, note), = report.warnings
    assert where.endswith("a.md") and "kemarin" in note
    assert qa.search("panen padi Klaten", k=1)[0].date is None
    added = qa.add([folder / "a.md"])
    assert added.unchanged and added.warnings == report.warnings


def test_close_releases_the_index_files_and_the_index_reopens_on_use(tmp_path, corpus):
    import os

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_fds()
    for n in range(4):
        with NewsQA(tmp_path / f"index{n}", embedder=FakeEmbedding(model_name="fake")) as qa:
            qa.rebuild(corpus)
            assert qa.search("padi", k=1)
    assert open_fds() - before <= 4  # without close: ~10 more per index
    qa.close()
    assert qa.search("padi", k=1)  # reopened
    qa.close()
