"""Load on the running web chat: N concurrent gradio_client sessions, each asking M questions through /chat.

    python bench/load.py [--url http://127.0.0.1:7860/] [--clients 8] [--questions 25]

Without --url it starts `app.py` itself over the bundled corpus plus the test articles (tests/app_server.py).
Prints errors, latency p50/p95 per request (queueing included: the app answers one question at a time, so
concurrent users wait in Gradio's queue) and throughput; a single client asking the same questions one by one is
the baseline in the same run.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

QUESTIONS_FILE = ROOT / "tests" / "fixtures" / "seed_questions.jsonl"


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: dict[str, set[str]] = field(default_factory=dict)  # question -> distinct answer texts seen

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")

    def summary(self) -> str:
        return (f"{self.clients} clients, {self.requests} requests, {len(self.errors)} errors, "
                f"p50 {self.pct(0.5):.2f} s, p95 {self.pct(0.95):.2f} s, "
                f"{self.requests / self.seconds:.2f} answers/s")


def questions() -> list[str]:
    """The seed-article questions (answerable and not, English and Indonesian) plus the test articles' ones."""
    qs = [json.loads(line)["question"] for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line]
    return qs + ["Siapa yang membuka Festival Budaya Solo?", "Berapa rumah terendam banjir di Bekasi?"]


def run_load(url: str, clients: int, per_client: int, auth: tuple[str, str] | None = None) -> LoadResult:
    """Each client is its own gradio_client session in its own thread, cycling through the questions from a
    different starting point, so the same questions are in flight from several sessions at once."""
    from gradio_client import Client

    pool = questions()
    result = LoadResult(clients, 0.0)
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client_loop(n: int) -> None:
        try:
            client = Client(url, auth=auth, verbose=False)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, none is hidden
            with lock:
                result.errors.extend([f"client {n}: connect: {exc!r}"] * per_client)
            barrier.abort()
            return
        barrier.wait()
        for i in range(per_client):
            q = pool[(n * 3 + i) % len(pool)]
            t0 = time.perf_counter()
            try:
                r = client.predict(q, api_name="/chat")
                dt = time.perf_counter() - t0
                with lock:
                    result.latencies.append(dt)
                    result.answers.setdefault(q, set()).add(r["answer"])
            except Exception as exc:  # noqa: BLE001
                with lock:
                    result.errors.append(f"client {n}, {q!r}: {exc!r}")

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - t0
    return result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--questions", type=int, default=25, help="questions per client")
    args = p.parse_args()
    running = None
    if not args.url:
        from app_server import start_app

        running = start_app(Path(tempfile.mkdtemp(prefix="newsqa-load-")))
        args.url = running.url
    try:
        single = run_load(args.url, 1, args.questions)
        loaded = run_load(args.url, args.clients, args.questions)
    finally:
        if running:
            from app_server import stop_app

            stop_app(running)
    print(f"# bench/load.py  {time.strftime('%Y-%m-%d %H:%M')}  {args.url}")
    print(f"baseline, one client:  {single.summary()}")
    print(f"load:                  {loaded.summary()}")
    ratio = (loaded.requests / loaded.seconds) / (single.requests / single.seconds)
    print(f"throughput ratio load/one client: {ratio:.2f}")
    differing = {q: a for q, a in loaded.answers.items() if len(a) > 1}
    print(f"questions answered differently across sessions: {len(differing)}")
    for e in loaded.errors[:10]:
        print("error:", e)
    print("mean latency under load:", f"{statistics.mean(loaded.latencies):.2f} s" if loaded.latencies else "-")


if __name__ == "__main__":
    main()
