"""Run the real web chat (`python app.py`, real embedder, real Chroma) in a subprocess for end-to-end tests.

The test corpus is the bundled seed article plus two small articles from other outlets: one to filter on, one
whose text carries an XSS payload (it must show as text and never run).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT, SEED, free_port

XSS_SCRIPT = "<script>window.__pwned=1</script>"
XSS_IMG = "<img src=x onerror=\"window.__pwned=2\">"
OTHER_ARTICLES = [
    {"id": "tempo-banjir-2024", "title": "Banjir Rendam Ratusan Rumah di Bekasi", "source": "tempo.co",
     "date": "2024-07-20", "url": "https://www.tempo.co/banjir-bekasi",
     "text": ("BEKASI, TEMPO - Banjir merendam 340 rumah di Kecamatan Bekasi Timur, Sabtu (20/7/2024). "
              "Kepala BPBD Kota Bekasi, Widayat Subroto, mengatakan air mulai surut pada Minggu pagi. "
              "Warga mengungsi ke masjid dan balai warga terdekat.")},
    {"id": "solopos-festival-2024", "title": f"Festival Budaya Solo {XSS_IMG}", "source": "solopos.com",
     "date": "2024-07-21", "url": "javascript:window.__pwned=3",
     "text": ("SOLO, SOLOPOS - Festival Budaya Solo dibuka oleh Wali Kota Teguh Prakosa di Benteng Vastenburg, "
              f"Sabtu (20/7/2024). Panitia menulis {XSS_SCRIPT} di papan pengumuman sebagai lelucon. "
              f"Spanduk festival bertuliskan {XSS_IMG} dipasang di gerbang. "
              "Festival berlangsung selama tiga hari dan menampilkan 45 kelompok seni.")},
]


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    index: Path
    corpus: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def make_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    with open(folder / "others.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in OTHER_ARTICLES)
    return folder


def start_app(workdir: Path, *args: str, timeout: float = 240, env: dict[str, str] | None = None) -> RunningApp:
    """Start app.py on a free loopback port over `workdir/corpus` (built on first launch) and wait until it serves."""
    corpus = workdir / "corpus"
    if not corpus.exists():
        make_corpus(corpus)
    port = free_port()
    log = workdir / f"app-{port}.log"
    full_env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1",
                    **(env or {}))
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--index", str(workdir / "index"),
                                 "--corpus", str(corpus), "--port", str(port), *args],
                                cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, text=True)
    app = RunningApp(f"http://127.0.0.1:{port}/", proc, workdir / "index", corpus, log)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{app.output()}")
        if "Ready in" in app.output():
            return app
        time.sleep(0.3)
    stop_app(app)
    raise TimeoutError(f"app.py did not become ready in {timeout} s:\n{app.output()}")


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()
