"""The store's commit protocol: manifest round-trip, atomic writes, orphan sweeping, and kill -9 mid-rebuild."""
from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FakeEmbedding
from rag import NewsQA
from rag.articles import load_articles
from rag.chunking import chunk_article
from rag.config import Config
from rag.fileio import atomic_write_text
from rag.store import MANIFEST, PENDING, ArticleEntry, Manifest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def fake() -> FakeEmbedding:
    return FakeEmbedding(model_name="fake")


def crash_before_manifest_rename(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the manifest's atomic rename fail as a process killed right there would; other renames still work."""
    real_replace = os.replace

    def crash(src, dst):
        if Path(dst).name == MANIFEST:
            raise OSError("killed before the manifest rename")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)


# ---- manifest ----------------------------------------------------------------------------------------------------

def _manifest() -> Manifest:
    return Manifest(embedder="fake:64", dim=64, tokenizer="tok:v1", generation=7, updated_at="2024-07-19T14:11:00",
                    articles={
                        "a.txt": ArticleEntry(version="v1", chunks=3, title="Judul “kutip” Ä", source="kompas.tv",
                                              date="2024-07-19", url="https://e.org/a", path="/c/a.txt"),
                        "b": ArticleEntry(version="v2", chunks=1, title="B"),
                    })


def test_manifest_round_trip(tmp_path):
    m = _manifest()
    m.write(tmp_path / MANIFEST)
    back = Manifest.read(tmp_path / MANIFEST)
    assert back == m
    assert back.bm25_folder == "bm25-7"
    assert back.live_chunk_ids() == {"a.txt::v1::0", "a.txt::v1::1", "a.txt::v1::2", "b::v2::0"}
    assert Manifest.read(tmp_path / "absent.json") == Manifest()


def test_atomic_write_keeps_old_file_when_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / MANIFEST
    old = _manifest()
    old.write(path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("simulated crash between temp write and rename")

    monkeypatch.setattr(os, "replace", crash)
    new = _manifest()
    new.articles.pop("b")
    new.generation = 8
    with pytest.raises(OSError, match="simulated crash"):
        new.write(path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert Manifest.read(path) == old
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST]  # no temp file left behind

    atomic_write_text(path, "{}")  # and the normal path does replace it
    assert path.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST]


def _write_articles(folder: Path, n: int, word: str, start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"a{i:02d}.txt").write_text(
            f"Kabar {word} nomor {i}\nWarga desa {i} melaporkan {word} kepada petugas pada pagi hari.\n",
            encoding="utf-8")


def test_crash_at_the_commit_point_leaves_old_state_and_next_run_recovers(tmp_path, monkeypatch):
    """os.replace of the manifest fails (as if killed right before the rename) during a rebuild that changes,
    adds and removes articles: the index still shows the old state, and the next rebuild finishes cleanly."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _write_articles(corpus, 6, "versilama")
    qa = NewsQA(index, embedder=fake())
    qa.rebuild(corpus)
    old_manifest = Manifest.read(index / MANIFEST)
    old_rows = qa.store.chroma.count()

    for i in (0, 1):
        (corpus / f"a{i:02d}.txt").unlink()
    for i in (2, 3):
        (corpus / f"a{i:02d}.txt").write_text(f"Kabar versibaru nomor {i}\nIsi baru versibaru {i}.\n", "utf-8")
    _write_articles(corpus, 2, "versibaru", start=10)

    crash_before_manifest_rename(monkeypatch)
    with pytest.raises(OSError, match="killed before"):
        qa.rebuild(corpus)
    monkeypatch.undo()

    assert (index / PENDING).exists()
    reopened = NewsQA(index, embedder=fake())
    assert reopened.store.manifest == old_manifest
    assert {h.article_id for h in reopened.search("versilama", k=20, mode="bm25")} == set(old_manifest.articles)
    assert reopened.search("versibaru", k=20, mode="bm25") == []
    for h in reopened.search("versibaru kabar", k=20):  # dense sees the new rows in Chroma but must skip them
        assert h.chunk_id in old_manifest.live_chunk_ids()
    assert reopened.store.chroma.count() > old_rows  # the new vectors were written (and are reusable)

    report = reopened.rebuild(corpus)
    assert sorted(report.added) == ["a10.txt", "a11.txt"]
    assert sorted(report.updated) == ["a02.txt", "a03.txt"]
    assert sorted(report.removed) == ["a00.txt", "a01.txt"]
    assert not (index / PENDING).exists()
    live = reopened.store.manifest.live_chunk_ids()
    assert set(reopened.store.chroma.all_ids()) == live
    assert sorted(p.name for p in index.glob("bm25-*")) == [reopened.store.manifest.bm25_folder]


# ---- pending.json sweep ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [False, True], ids=["nothing-changed", "one-changed"])
def test_pending_sweep_removes_orphan_rows(tmp_path, change):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _write_articles(corpus, 4, "awal")
    qa = NewsQA(index, embedder=fake())
    qa.rebuild(corpus)
    live = qa.store.manifest.live_chunk_ids()
    emb = fake()
    orphans = ["a00.txt::bogusversion::0", "a00.txt::bogusversion::1", "gone.txt::deadbeef::0"]
    qa.store.chroma.upsert(
        ids=orphans,
        embeddings=[emb.get_text_embedding("orphan zorblatik text")] * 3,
        documents=["orphan zorblatik text"] * 3,
        metadatas=[{"article_id": cid.split("::")[0], "version": cid.split("::")[1], "index": 0, "title": "x",
                    "source": "", "url": "", "date": "", "date_int": 0, "start": 0, "end": 5, "dates": ""}
                   for cid in orphans])
    (index / PENDING).write_text(json.dumps({"started": time.time()}), encoding="utf-8")
    assert qa.store.chroma.count() == len(live) + 3
    # orphans are invisible to search even before the sweep
    assert not any(h.chunk_id in orphans for h in qa.search("orphan zorblatik text", k=20))

    if change:
        (corpus / "a01.txt").write_text("Kabar baru\nIsi yang berubah sama sekali.\n", encoding="utf-8")
    report = NewsQA(index, embedder=fake()).rebuild(corpus)
    assert report.updated == (["a01.txt"] if change else [])
    after = NewsQA(index, embedder=fake())
    assert not (index / PENDING).exists()
    ids = set(after.store.chroma.all_ids())
    assert not ids & set(orphans)
    assert ids == after.store.manifest.live_chunk_ids()


# ---- kill -9 in the middle of a rebuild --------------------------------------------------------------------------

SERVER = ("import sys; sys.path[:0] = [{root!r}, {tests!r}]; import slow_fake; slow_fake.serve()")


class ForkServer:
    """Drives tests/slow_fake.py's server: one interpreter started with `sys.executable -c`, one forked process
    per job (see slow_fake.py for why)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.errors = workdir / "server-stderr.txt"
        self._err = open(self.errors, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER.format(root=str(ROOT), tests=str(TESTS))],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err, bufsize=0)
        self._buf = b""
        self._jobs = 0
        assert self._reply(timeout=60).get("ready"), self.stderr()

    def stderr(self) -> str:
        return self.errors.read_text(errors="replace")[-3000:]

    def _reply(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        poller = select.poll()  # not select.select: it fails for descriptors >= 1024 late in a long test run
        poller.register(fd, select.POLLIN)
        while True:
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no reply from the fork server in {timeout}s; stderr:\n{self.stderr()}")
                if poller.poll(left * 1000):
                    data = os.read(fd, 65536)
                    if not data:
                        raise EOFError(f"fork server died; stderr:\n{self.stderr()}")
                    self._buf += data
            line, _, self._buf = self._buf.partition(b"\n")
            try:
                return json.loads(line)
            except ValueError:  # something else printed to stdout; not ours
                continue

    def run(self, job: dict, timeout: float = 60) -> tuple[dict, dict | None]:
        """Run a job (optionally killed after job["kill_after"] s); returns (exit status, result or None)."""
        self._jobs += 1
        out = self.workdir / f"job-{self._jobs}.json"
        self.proc.stdin.write((json.dumps(dict(job, out=str(out))) + "\n").encode())
        self.proc.stdin.flush()
        started = self._reply(timeout)
        status = self._reply(timeout)
        assert status["pid"] == started["pid"]
        return status, (json.loads(out.read_text()) if out.exists() else None)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        finally:
            self._err.close()


def _crash_corpora(root: Path) -> tuple[Path, Path]:
    """old: 20 articles; new: 4 of them unchanged, 8 changed, 8 gone, plus 28 new ones (40 in all)."""
    old, new = root / "old", root / "new"
    old.mkdir(parents=True)
    new.mkdir(parents=True)

    def body(kind: str, i: int) -> str:
        extra = " ".join(f"Paragraf {kind} {j} tentang desa {i} dan panen padi musim ini." for j in range(14)) \
            if i % 5 == 0 else ""  # every fifth article is long enough for two or more chunks
        return (f"Kabar {kind} nomor {i}\nWarga desa {i} melaporkan kabar {kind} kepada petugas kecamatan.\n"
                f"{extra}\nKepala desa {i} berjanji menindaklanjuti laporan itu.\n")

    for i in range(20):
        (old / f"o{i:02d}.txt").write_text(body("versilama", i), encoding="utf-8")
    for i in range(4):
        (new / f"o{i:02d}.txt").write_text(body("versilama", i), encoding="utf-8")
    for i in range(4, 12):
        (new / f"o{i:02d}.txt").write_text(body("versibaru", i), encoding="utf-8")
    for i in range(28):
        (new / f"n{i:02d}.txt").write_text(body("versibaru", 100 + i), encoding="utf-8")
    return old, new


def _versions(folder: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(article id -> version, chunk id -> text, article id -> article text) as a clean build would index."""
    cfg = Config()
    loaded = load_articles([folder])
    assert not loaded.failed
    versions, texts, bodies = {}, {}, {}
    for a in loaded.articles:
        chunks = chunk_article(a, cfg.chunk_max_chars, cfg.chunk_overlap_sentences)
        versions[a.id] = chunks[0].id.split("::")[1]
        bodies[a.id] = a.text
        texts.update({c.id: c.text for c in chunks})
    return versions, texts, bodies


def _check_state(state: dict, old_v: dict, new_v: dict, chunk_text: dict, bodies: dict, where: str) -> str:
    """Every article is wholly in its old or its new version (or absent where that is allowed); the manifest,
    BM25 and Chroma agree; every hit is a chunk of the version the manifest names. Returns 'old'/'new'/'mixed'."""
    arts = state["articles"]
    for aid in set(old_v) | set(new_v):
        allowed = {old_v.get(aid), new_v.get(aid)} - {None}
        if aid in old_v and aid in new_v:
            assert aid in arts, f"{where}: {aid} (in both corpora) vanished from the manifest"
        if aid in arts:
            assert arts[aid] in allowed, f"{where}: {aid} has version {arts[aid]}, neither old nor new"
    assert set(arts) <= set(old_v) | set(new_v), where
    live = set(state["live"])
    assert state["missing_live"] == [], f"{where}: manifest names chunks Chroma does not have"
    assert set(state["bm25_ids"]) == live, f"{where}: BM25 generation disagrees with the manifest"
    assert state["chroma_count"] >= len(live)
    if not state["pending"]:
        assert state["chroma_count"] == len(live), f"{where}: orphan rows without a pending marker"

    for key, hits in state["hits"].items():
        for h in hits:
            aid, version = h["article_id"], h["chunk_id"].split("::")[1]
            assert h["chunk_id"] in live, f"{where}: {key} returned a non-live chunk {h['chunk_id']}"
            assert arts[aid] == version, f"{where}: {key} hit of {aid} is from another version"
            assert chunk_text[h["chunk_id"]] == h["text"], f"{where}: {key} text does not match its version"
            assert bodies[(aid, version)][h["start"]:h["end"]] == h["text"], where
    # a keyword probe sees exactly the live version of every article (nothing stale, nothing missing)
    for word in ("versilama", "versibaru"):
        expected = {aid for aid, v in arts.items() if word in bodies[(aid, v)]}
        assert {h["article_id"] for h in state["hits"][f"bm25:{word}"]} == expected, f"{where}: bm25 {word}"

    if arts == old_v:
        return "old"
    if arts == new_v:
        return "new"
    return "mixed"  # per-article old/new (a checkpointed commit), each article whole


def test_kill_9_during_rebuild_never_leaves_a_mixed_article(tmp_path):
    _kill_9_during_rebuild(tmp_path, kills=5)


@pytest.mark.slow
def test_kill_9_at_20_random_moments(tmp_path):
    """Issue 5's fault test: 20 kills at random moments, each followed by open + search + consistency checks."""
    _kill_9_during_rebuild(tmp_path, kills=20)


def _kill_9_during_rebuild(tmp_path: Path, kills: int) -> None:
    old, new = _crash_corpora(tmp_path / "corpora")
    old_v, old_chunks, old_bodies = _versions(old)
    new_v, new_chunks, new_bodies = _versions(new)
    assert len(old_v) == 20 and len(new_v) == 40
    assert sum(1 for a in new_v if a in old_v and new_v[a] != old_v[a]) == 8
    chunk_text = {**old_chunks, **new_chunks}
    bodies = {(a, v): old_bodies[a] for a, v in old_v.items()} | {(a, v): new_bodies[a] for a, v in new_v.items()}
    seed = int(os.environ.get("RAG_KILL_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    index, clean = tmp_path / "index", tmp_path / "clean"
    rebuild_new = {"op": "rebuild", "index": str(index), "folder": str(new), "delay": 0.04}
    inspect = {"op": "inspect", "index": str(index), "queries": ["versilama", "versibaru", "kabar warga desa 7"]}

    server = ForkServer(tmp_path)
    try:
        # the reference: a clean, uninterrupted build of the new folder; its duration scales the kill delays
        status, result = server.run({"op": "rebuild", "index": str(clean), "folder": str(new), "delay": 0.04})
        assert status["exit"] == 0, server.stderr()
        assert len(result["report"]["added"]) == 40
        full = status["elapsed"]

        status, result = server.run({"op": "rebuild", "index": str(index), "folder": str(old)})
        assert status["exit"] == 0 and len(result["report"]["added"]) == 20, server.stderr()

        # Deterministic: killed right after the manifest rename, before old rows are deleted and the pending
        # marker removed. The new state is fully visible; the stale rows are only garbage for the next run.
        status, _ = server.run(dict(rebuild_new, die_after_manifest=True))
        assert status["signal"] == signal.SIGKILL, server.stderr()
        status, state = server.run(inspect)
        assert status["exit"] == 0, server.stderr()
        assert _check_state(state, old_v, new_v, chunk_text, bodies, "killed after commit") == "new"
        assert state["pending"] and state["chroma_count"] > len(state["live"])
        status, _ = server.run({"op": "rebuild", "index": str(index), "folder": str(old)})
        assert status["exit"] == 0, server.stderr()

        # One kill in each of `kills` equal slices of a full run (in random order), so the kills land in every
        # phase: opening, the orphan sweep, embedding, the commit. Before each kill the index is put back to the
        # old folder (which also sweeps what the previous killed run left); the final run continues from the last.
        # (0.8: the reruns embed 36 articles, the clean build that timed `full` embedded 40)
        delays = [full * 0.8 * (n + rng.random()) / kills for n in range(kills)]
        rng.shuffle(delays)
        log, interrupted = [], 0
        for n, delay in enumerate(delays):
            if n:
                status, _ = server.run({"op": "rebuild", "index": str(index), "folder": str(old)})
                assert status["exit"] == 0, server.stderr()
            status, _ = server.run(dict(rebuild_new, kill_after=delay))
            killed = status["signal"] == signal.SIGKILL
            assert killed or status["exit"] == 0, f"seed {seed}: rebuild failed: {server.stderr()}"
            interrupted += killed
            where = f"seed {seed}, kill {n} after {delay:.2f}s ({'killed' if killed else 'had finished'})"
            status, state = server.run(inspect)
            assert status["exit"] == 0, f"{where}: index does not open or search fails:\n{server.stderr()}"
            outcome = _check_state(state, old_v, new_v, chunk_text, bodies, where)
            log.append((round(delay, 2), killed, outcome, state["pending"]))
        print(f"kill log (seed {seed}, full run {full:.2f}s): {log}")
        assert interrupted >= max(2, kills // 2), f"seed {seed}: too few kills landed inside a rebuild: {log}"

        status, result = server.run(rebuild_new)  # the final, uninterrupted rerun
        assert status["exit"] == 0, server.stderr()
    finally:
        server.close()

    got, ref = NewsQA(index, embedder=fake()), NewsQA(clean, embedder=fake())
    assert {a: e.version for a, e in got.store.manifest.articles.items()} == new_v
    assert got.store.manifest.articles == ref.store.manifest.articles
    live = got.store.manifest.live_chunk_ids()
    assert got.store.chroma.count() == len(live) == ref.store.chroma.count(), f"seed {seed}: {log}"
    assert set(got.store.chroma.all_ids()) == live == set(ref.store.chroma.all_ids())
    assert not (index / PENDING).exists()
    assert sorted(p.name for p in index.glob("bm25-*")) == [got.store.manifest.bm25_folder]
    for q in ("versibaru", "kabar warga desa 105", "panen padi"):
        assert [(h.chunk_id, round(h.score, 4)) for h in got.search(q, k=10)] == \
               [(h.chunk_id, round(h.score, 4)) for h in ref.search(q, k=10)], q
