"""Helpers for the kill -9 tests: a slow fake embedder and a small fork server that runs index jobs.

Why a fork server: importing `rag` (llama-index, nltk, chromadb) costs ~5 s per interpreter, and the crash test
needs a dozen processes. `serve()` is started once with `sys.executable -c` and imports everything; each job then
runs in a *forked child* that is a separate OS process with its own Chroma client (the server itself never opens
Chroma, and has no threads when it forks), so the test can SIGKILL a child in the middle of a rebuild exactly as a
user would kill `python -m rag index`.

Protocol (JSON lines): the test writes {"op": "rebuild"|"inspect", "index": ..., ...} to stdin; the server replies
{"pid": N} right after forking, then {"pid": N, "exit": code | null, "signal": sig | null, "elapsed": seconds}
when the child ended.
With "kill_after": seconds, the server SIGKILLs the child if it still runs then (the server is the child's
parent and reaps it only afterwards, so the pid cannot have been reused by another process).
The child writes its own result as JSON to the file named by "out".
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

from conftest import FakeEmbedding


class SlowFakeEmbedding(FakeEmbedding):
    """FakeEmbedding (same embedder_id, same vectors) that sleeps per embedding batch, like a real model."""

    delay: float = 0.05

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        time.sleep(self.delay)
        return [self._vec(t) for t in texts]


def _rebuild(job: dict) -> dict:
    from rag import NewsQA

    if job.get("die_after_manifest"):  # kill -9 right after the commit point, before any cleanup
        real_replace = os.replace

        def replace(src, dst):
            real_replace(src, dst)
            if os.path.basename(dst) == "manifest.json":
                os.kill(os.getpid(), signal.SIGKILL)

        os.replace = replace

    qa = NewsQA(job["index"], embedder=SlowFakeEmbedding(model_name="fake", delay=job.get("delay", 0.05)),
                batch_size=job.get("batch_size", 4))
    report = qa.rebuild(job["folder"])
    return {"report": asdict(report)}


def _inspect(job: dict) -> dict:
    """Open the index as a new user would and describe what is live and what search returns."""
    from rag import NewsQA

    qa = NewsQA(job["index"], embedder=FakeEmbedding(model_name="fake"))
    store = qa.store
    live = sorted(store.manifest.live_chunk_ids())
    present = store.chroma.existing(live)
    hits = {}
    for query in job.get("queries", []):
        for mode in ("hybrid", "bm25", "dense"):
            hits[f"{mode}:{query}"] = [
                {"article_id": h.article_id, "chunk_id": h.chunk_id, "text": h.text, "start": h.start, "end": h.end}
                for h in qa.search(query, k=job.get("k", 100), mode=mode)
            ]
    return {
        "articles": {aid: e.version for aid, e in store.manifest.articles.items()},
        "live": live,
        "missing_live": sorted(set(live) - present),
        "chroma_count": store.chroma.count(),
        "bm25_ids": sorted(store.bm25.chunk_ids),
        "pending": store.needs_sweep(),
        "hits": hits,
    }


OPS = {"rebuild": _rebuild, "inspect": _inspect}


def serve() -> None:
    import rag  # noqa: F401  (the expensive imports happen once, before any fork)
    import rag.indexing  # noqa: F401
    import chromadb  # noqa: F401

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: do the job, write the result, leave without running any atexit hooks
            code = 0
            try:
                result = OPS[job["op"]](job)
                Path(job["out"]).write_text(json.dumps(result), encoding="utf-8")
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        started = time.monotonic()
        print(json.dumps({"pid": pid}), flush=True)
        status = _wait(pid, job.get("kill_after"))
        print(json.dumps({"pid": pid, "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                          "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                          "elapsed": time.monotonic() - started}), flush=True)


def _wait(pid: int, kill_after: float | None) -> int:
    """Reap the child; with `kill_after`, SIGKILL it if it still runs then. Until we reap it, the child's pid
    cannot be reused, so the kill can only ever hit our own child."""
    if kill_after is not None:
        deadline = time.monotonic() + kill_after
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.002)
        os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


if __name__ == "__main__":
    serve()
