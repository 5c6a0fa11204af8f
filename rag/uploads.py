"""Safe intake of files uploaded through the web chat, before `NewsQA.add(intake.paths)` indexes them.

An upload is untrusted: its name may be a path (`../../etc/x.txt`), its bytes may be a PNG called `.txt`. So the
name is only ever *shown* (sanitised), the stored name is generated from the content hash, and the content is
checked the way `rag.articles` will read it, so the user hears "this is a PDF" now rather than a vague failure later.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The loader's own decoder, so an upload is accepted exactly when the loader can read it (UTF-8/UTF-16 BOM rules).
from .articles import SUPPORTED_SUFFIXES, _decode_text, _FileError, split_location
from .fileio import atomic_write_bytes
from .records import IndexReport

STATUSES = ("added", "updated", "unchanged", "failed", "rejected")
_MAX_NAME = 120
_MAGIC = (  # well-known binary formats, so the reason names what the file really is
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"), (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"PK\x05\x06", "a ZIP archive"), (b"\x1f\x8b", "a gzip archive"), (b"\x7fELF", "an ELF executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls)"), (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
)  # .exe, WebP, WAV... are caught by their NUL bytes; short ASCII magics ("MZ", "BM") would hit real text
_HTML_TAG = re.compile(r"<(?:!doctype\s+html|[a-z][a-z0-9]*)(?:\s[^<>]*)?/?>", re.IGNORECASE)


@dataclass(frozen=True)
class UploadLimits:
    """Per-upload limits; far below the loader's own 20 MB cap because a chat upload is a few articles."""

    max_files: int = 20
    max_bytes: int = 5 * 1024 * 1024
    suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES


@dataclass
class UploadIntake:
    """`saved`: (display name, stored path), one per accepted upload; `rejected`: (display name, reason)."""

    saved: list[tuple[str, Path]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Distinct stored files, in upload order: what to pass to `NewsQA.add`."""
        return list(dict.fromkeys(path for _, path in self.saved))


class _Rejected(Exception):
    """The message is the reason shown to the user."""


def _basename(raw: str) -> str:
    """The last path part (either slash) without control/format characters (NUL, bidi overrides), stripped."""
    base = re.split(r"[/\\]", str(raw))[-1]
    return "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf")).strip()


def display_name(raw: str) -> str:
    """The sanitised basename, at most 120 chars with its suffix kept; only for messages, never for paths."""
    name = _basename(raw) or "(unnamed)"
    if len(name) > _MAX_NAME:
        suffix = _suffix(name)[:10]
        name = name[:_MAX_NAME - 1 - len(suffix)] + "…" + suffix
    return name


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[1].lower() if "." in name else ""


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 ** 2:.1f} MB"


def _read(path: Path, limits: UploadLimits) -> bytes:
    """The bytes of the framework's temp file, refusing non-files and oversized files before reading them."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _Rejected("not a regular file")
        if info.st_size > limits.max_bytes:
            raise _Rejected(f"file too large ({_size(info.st_size)} > {_size(limits.max_bytes)} limit)")
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise _Rejected(f"upload could not be read ({exc.strerror or exc})") from None
    if len(data) > limits.max_bytes:  # grew after stat
        raise _Rejected(f"file too large (> {_size(limits.max_bytes)} limit)")
    if not data.strip():
        raise _Rejected("empty file")
    return data


def _check_content(data: bytes, suffix: str) -> None:
    """Refuse content the loader would refuse or misread, with a reason that names the real problem."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise _Rejected(f"content is {kind}, not a {suffix} article")
    try:
        text = _decode_text(data)
    except _FileError as exc:
        raise _Rejected(f"content is not a {suffix} article: {exc}") from None
    if suffix == ".json":
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Rejected(f"invalid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
        except RecursionError:
            raise _Rejected("invalid JSON: nested too deeply") from None
        if not isinstance(parsed, (dict, list)):
            raise _Rejected(f"JSON must be an object or a list of objects, not {type(parsed).__name__}")
    elif suffix in (".html", ".htm") and not _HTML_TAG.search(text):
        raise _Rejected(f"no HTML tags found; save plain text as .txt instead of {suffix}")


def _store(data: bytes, suffix: str, dest: Path) -> Path:
    """Write atomically as upload-<sha256[:16]><suffix>: same content, same file; the user's name plays no part."""
    target = dest / f"upload-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    atomic_write_bytes(target, data)
    return target


def accept_uploads(files: Sequence[tuple[str, str | Path]], dest: str | Path,
                   limits: UploadLimits = UploadLimits()) -> UploadIntake:
    """Check each (browser name, temp path) upload and copy the acceptable ones into `dest` (created if missing).

    Nothing raises for bad input: every upload ends up in `saved` or in `rejected` with a reason for the user.
    """
    intake, dest = UploadIntake(), Path(dest)
    for n, (raw_name, temp_path) in enumerate(files):
        name = display_name(raw_name)
        if n >= limits.max_files:
            intake.rejected.append((name, f"too many files: at most {limits.max_files} per upload"))
            continue
        suffix = _suffix(_basename(raw_name))
        try:
            if suffix not in limits.suffixes:
                raise _Rejected(f"file type {suffix or '(none)'} is not accepted; use {', '.join(limits.suffixes)}")
            data = _read(Path(temp_path), limits)
            _check_content(data, suffix)
            dest.mkdir(parents=True, exist_ok=True)
            intake.saved.append((name, _store(data, suffix, dest)))
        except _Rejected as exc:
            intake.rejected.append((name, str(exc)))
        except OSError as exc:
            intake.rejected.append((name, f"could not be stored ({exc.strerror or exc})"))
    return intake


def upload_report(intake: UploadIntake, report: IndexReport | None,
                  origins: Mapping[str, str | None] | None = None) -> list[tuple[str, str, str]]:
    """(display name, status, detail) rows: per file one row per status with its article count, one per failure.

    `IndexReport` only lists article ids. Rather than load the files a second time, ids are traced to files via
    `origins` (article id -> file path), which the index already keeps: `NewsQA.origins()`. Without it,
    .txt/.md/.html ids are matched by their stored file name (the loader's id for them) and the remaining ids (JSON
    records) are credited to the uploaded .json/.jsonl files together. `report=None` means indexing did not run:
    accepted files are then "failed", "not indexed".
    """
    files: dict[str, str] = {}  # stored file (absolute) -> first display name that produced it
    for name, path in intake.saved:
        files.setdefault(os.path.abspath(path), name)
    by_name = {Path(k).name: k for k in files}
    counts: dict[str, dict[str, int]] = {k: {} for k in [*files, ""]}  # "" collects ids no file claims
    for status in ("added", "updated", "unchanged"):
        for aid in getattr(report, status, []):
            origin = origins.get(aid) if origins else None
            k = os.path.abspath(origin) if origin else ""
            k = k if k in files else by_name.get(aid, "")
            counts[k][status] = counts[k].get(status, 0) + 1
    failed: dict[str, list[str]] = {}
    for where, reason in report.failed if report else []:
        path, part = split_location(where)
        k = os.path.abspath(path)
        failed.setdefault(k if k in files else where, []).append(f"{part}: {reason}" if part else reason)

    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for name, path in intake.saved:
        k = os.path.abspath(path)
        if k in seen:
            rows.append((name, "unchanged", f"same content as {files[k]}"))
            continue
        seen.add(k)
        own = [(name, s, _articles(n)) for s, n in counts[k].items()] + [(name, "failed", d) for d in failed.pop(k, [])]
        if report is None:
            own = [(name, "failed", "not indexed")]
        elif not own and not counts[""]:
            own = [(name, "failed", "no articles found")]
        rows += own
    if counts[""]:  # credited jointly to the files that claimed no id (JSON records carry their own ids)
        unclaimed = ", ".join(n for k, n in files.items() if not counts[k]) or "other articles"
        rows += [(unclaimed, s, _articles(n)) for s, n in counts[""].items()]
    rows += [(display_name(where), "failed", d) for where, details in failed.items() for d in details]
    return rows + [(name, "rejected", reason) for name, reason in intake.rejected]


def _articles(n: int) -> str:
    return f"{n} article{'s' * (n != 1)}"


def summary_line(rows: Sequence[tuple[str, str, str]]) -> str:
    """'2 added, 0 updated, 1 unchanged, 1 failed, 1 rejected' (counts rows, i.e. what the table shows)."""
    return ", ".join(f"{sum(1 for _, s, _ in rows if s == status)} {status}" for status in STATUSES)


def upload_warnings(intake: UploadIntake, report: IndexReport | None) -> list[tuple[str, str]]:
    """(display name, note) for articles indexed with something left out, e.g. a date that could not be read."""
    names = {os.path.abspath(path): name for name, path in intake.saved}
    out = []
    for where, note in report.warnings if report else []:
        path, part = split_location(where)
        name = names.get(os.path.abspath(path), display_name(Path(path).name))
        out.append((f"{name} ({part})" if part else name, note))
    return out
