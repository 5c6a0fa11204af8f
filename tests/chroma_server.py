"""Start and stop a real Chroma server (`chroma run`) for tests and benchmarks.

The server is the venv's own `chroma` executable (the same chromadb as the client), listening on 127.0.0.1 on a
free port with a throw-away --path. `start_chroma` returns once its heartbeat answers, or fails with the server's
log; `stop_chroma` terminates it (and on Linux the server also dies with the process that started it, so a killed
test run leaves no server behind on a shared machine).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
# .venv/bin/chroma: next to the running interpreter (.venv/bin/python), else the project's venv
CHROMA = next((p for p in (Path(sys.executable).with_name("chroma"), ROOT / ".venv" / "bin" / "chroma") if p.exists()),
              Path(sys.executable).with_name("chroma"))


@dataclass
class ChromaServer:
    url: str
    port: int
    path: Path
    log: Path
    proc: subprocess.Popen

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


def heartbeat(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=timeout) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _pdeathsig() -> Callable[[], None] | None:
    """Linux: a function for the child (between fork and exec) asking for SIGTERM when the parent dies. libc is
    loaded here, in the parent, so the child only makes one C call (no imports, no locks after fork)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_DIE_WITH_PARENT = _pdeathsig()


def start_chroma(path: Path, port: int | None = None, timeout: float = 60.0, attempts: int = 3) -> ChromaServer:
    """`chroma run --path PATH --host 127.0.0.1 --port PORT`; waits for the heartbeat. A port taken between
    choosing and binding it is retried on another port; any other failure raises with the server's log."""
    if not CHROMA.exists():
        raise RuntimeError(f"no chroma executable at {CHROMA} (is chromadb installed in this venv?)")
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    last = ""
    for attempt in range(attempts):
        chosen = port or free_port()
        log = path.parent / f"{path.name}-chroma-{chosen}.log"
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False", NO_COLOR="1")
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(chosen)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                preexec_fn=_DIE_WITH_PARENT)  # noqa: PLW1509 (one C call, see _pdeathsig)
        server = ChromaServer(url=f"http://127.0.0.1:{chosen}", port=chosen, path=path, log=log, proc=proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if heartbeat(server.url):
                return server
            time.sleep(0.1)
        stop_chroma(server)
        last = server.log_tail()
        # chroma 1.5 says "Address 127.0.0.1:N is not available" (and exits 0)
        in_use = any(m in last.lower() for m in ("is not available", "address already in use"))
        if port is not None or not in_use:
            break
    raise RuntimeError(f"`chroma run` did not start (exit {proc.returncode}, attempt {attempt + 1}); "
                       f"its log {log}:\n{last}")


def stop_chroma(server: ChromaServer, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    proc = server.proc
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
