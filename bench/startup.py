"""Web chat start-up time: first launch (builds the index from corpus/) and launches over an existing index.

    python bench/startup.py [--corpus corpus] [--runs 3]

"ready" = from process start until app.py prints "Ready" (index opened, embedder and answer models loaded,
server listening); "page" = until GET / answers 200. Baseline in the same run: a bare interpreter importing the
same libraries (gradio, rag), the floor any launch pays.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import free_port  # noqa: E402


def launch(index: Path, corpus: Path) -> tuple[float, float]:
    """(seconds to "Ready", seconds to the first page) for one launch; the server is stopped afterwards."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--index", str(index), "--corpus", str(corpus),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    ready = page = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Ready in"):
                ready = time.perf_counter() - t0
                break
        while page is None and time.perf_counter() - t0 < 300:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    if r.status == 200:
                        page = time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if ready is None or page is None:
        raise RuntimeError("app.py did not start")
    return ready, page


def import_floor() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gradio, rag.api, rag.answering"], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", default=str(ROOT / "corpus"))
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        first = launch(index, Path(args.corpus))
        again = [launch(index, Path(args.corpus)) for _ in range(args.runs)]
        floor = [import_floor() for _ in range(args.runs)]
    print(f"# bench/startup.py  {time.strftime('%Y-%m-%d %H:%M')}  corpus {args.corpus}, {args.runs} runs")
    print("| launch | ready s | page s |")
    print("|---|---|---|")
    print(f"| first (builds the index) | {first[0]:.1f} | {first[1]:.1f} |")
    print(f"| existing index, median | {statistics.median(r for r, _ in again):.1f} | "
          f"{statistics.median(g for _, g in again):.1f} |")
    print(f"| baseline: import gradio + rag, median | {statistics.median(floor):.1f} | – |")


if __name__ == "__main__":
    main()
