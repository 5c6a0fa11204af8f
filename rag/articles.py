"""Files -> Article records, with a precise per-file (or per-record) reason for everything that is skipped.

A corpus folder is user data: one corrupt, binary or half-written file must never stop the other 22k from
loading, so every failure becomes a (where, why) pair in `LoadResult.failed` instead of an exception.

Policy for bad input (tests/test_bad_inputs.py holds one file of each kind and the exact reason):
- Text must be UTF-8 (BOM optional) or UTF-16 with a BOM. Other bytes are refused, never guessed or replaced:
  the reason names the byte, offset and line, and says when the file looks like Latin-1/Windows-1252 (save it
  as UTF-8), UTF-16 without a BOM, or a known binary format (PNG, PDF, ZIP/.docx...).
- Files over MAX_FILE_BYTES are refused from their size, before any byte is read.
- A JSON list / JSONL file reports each bad record ("path: record N", "path:line N"); the good ones load. A
  JSON list with no object in it at all is one file-level failure.
- A record without a title is refused ("missing title"): titles are what answers cite, and a guessed one would
  look like the outlet's. A .txt always has one (its first line).
- A bad or implausible date never drops an article: an unparseable date ("kemarin", "2024-02-30") or one in the
  future (more than a day after today) is left out, the raw value kept in metadata["date_raw"], and a warning
  goes to `LoadResult.warnings`.
- Unpaired surrogates (a "\\ud83d" escape cut in half) are replaced by U+FFFD with a warning: they cannot be
  stored, and the rest of the article is fine.
- Ids must be unique: in sorted path order the first article with an id wins; later ones are reported.
- Folder walks skip hidden entries (".DS_Store", ".git/") and files of unknown types (images, css...), but report
  document types someone may expect to be read (.pdf, .docx, .markdown...). Symbolic links to files are
  followed; links to folders are reported and not followed; broken links and link loops are reported. A folder
  named like a file ("x.txt/") is just a folder. Names that are not valid UTF-8 are reported (they cannot be
  stored in the index).
"""
from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import MONTH_RE, WEEKDAY_RE, parse_date
from .records import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
MAX_FILE_BYTES = 20 * 1024 * 1024  # news articles are KBs; anything this big is a dump or a mistake

_KNOWN_FIELDS = ("id", "title", "text", "date", "source", "url", "author")
_FUTURE_SLACK = _dt.timedelta(days=1)  # an article stamped in WIT (UTC+9) may be "tomorrow" on a UTC clock
_SURROGATE = re.compile("[\ud800-\udfff]")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
# Well-known binary formats, so the reason names what a mis-named file really is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive or .docx/.xlsx document"),
    (b"\x1f\x8b", "a gzip archive"), (b"\x7fELF", "an executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls)"),
)
# Unsupported types a folder walk reports (someone may expect them to be read), with what to do instead;
# anything else unsupported (images, css, js...) is skipped silently.
_SUPPORTED_LIST = ".txt, .md, .html, .htm, .json or .jsonl"
_REPORTED_SUFFIXES = {
    **dict.fromkeys((".pdf", ".doc", ".docx", ".odt", ".rtf", ".epub", ".pages", ".xml"),
                    f"save the article as {_SUPPORTED_LIST}"),
    ".markdown": "rename it to .md", ".mdown": "rename it to .md", ".text": "rename it to .txt",
    ".xhtml": "rename it to .html", ".ndjson": "rename it to .jsonl",
}
_TZ_OFFSETS = {"WIB": "+07:00", "WITA": "+08:00", "WIT": "+09:00"}

# "Kompas dunia | 19 Juli 2024, 14:11 WIB" (outlet, category | date[, time zone]); the dateline may follow
# on the same line with no separator at all ("...14:11 WIBPYONGYANG, KOMPAS.TV - ...").
_KOMPAS_HEADER = re.compile(
    rf"^\s*(?P<pre>[^|\n]{{1,80}}?)\s*\|\s*(?:{WEEKDAY_RE}\s*,?\s*)?"
    rf"(?P<day>\d{{1,2}})\s+(?P<mon>{MONTH_RE})\.?\s+(?P<year>\d{{4}})"
    r"(?:\s*,?\s*(?P<hh>\d{1,2})[:.](?P<mm>\d{2})(?:\s*(?P<tz>WITA|WIB|WIT))?)?",
    re.IGNORECASE,
)
# "PYONGYANG, KOMPAS.TV - " / "JAKARTA, KOMPAS.com — " / "JAKARTA - ": an upper-case place, optional outlet.
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'’/-]*[A-Z])\s*(?:,\s*(?P<outlet>[A-Za-z0-9][\w.-]*))?\s*[-–—]+\s")
_DOMAIN = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
_BACA_JUGA = re.compile(r"^\s*baca\s+juga\s*:", re.IGNORECASE)
_PENULIS = re.compile(r"^\s*Penulis\s*:\s*(?P<author>.*?)(?:\s+Editor\s*:\s*(?P<editor>.*?))?\s*$", re.IGNORECASE)
_EDITOR = re.compile(r"^\s*Editor\s*:\s*(?P<editor>.*?)\s*$", re.IGNORECASE)
_SUMBER = re.compile(r"^\s*Sumber\s*:\s*(?P<source>.*?)\s*$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$")

_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg",
              "iframe", "button")
_HTML_BLOCKS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "section", "article",
    "main", "table", "tr", "td", "th", "dl", "dt", "dd", "figure", "figcaption", "br", "hr", "body", "html",
})


class RecordError(ValueError):
    """A record that cannot become an Article; `str()` is the bare reason, `origin` says where it came from."""

    def __init__(self, reason: str, origin: str = "<api>") -> None:
        super().__init__(reason)
        self.reason = reason
        self.origin = origin


class _FileError(Exception):
    """A whole file is unusable; the message is the reason shown to the user."""


class _NotUtf8(_FileError):
    """Bytes that are not UTF-8; `offset` is the first bad byte (the loader adds the line and a hint)."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.offset = offset


def split_location(where: str) -> tuple[str, str]:
    """A failure's location -> (file, part): 'x.jsonl:line 3' -> ('x.jsonl', 'line 3'); 'x.json: record 2' ->
    ('x.json', 'record 2'); a whole file -> (where, '')."""
    head, sep, tail = where.rpartition(":line ")
    if sep and tail.strip().isdigit():
        return head, f"line {tail.strip()}"
    head, sep, tail = where.partition(": record ")
    return (head, f"record {tail}") if sep else (where, "")


@dataclass
class LoadResult:
    """Articles loaded, and (path or "path:line N" / "path: record N", reason) for everything skipped.

    `warnings` holds (where, note) for articles that *were* loaded with something left out or repaired (a date
    that is not a date or lies in the future, broken Unicode escapes, a .jsonl that is really one JSON document).
    """

    articles: list[Article] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


# ---- records ---------------------------------------------------------------------------------------------------

def _sha16(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _clean_text(value: str) -> str:
    """Unix newlines, no trailing spaces per line, at most one blank line in a row, stripped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    value = "\n".join(line.rstrip() for line in value.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", value).strip()


def _optional_str(value: Any) -> str | None:
    """A stripped string for an optional field; lists (several authors) are joined, empty becomes None."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v).strip() for v in value if v is not None and str(v).strip())
    text = str(value).strip()
    return text or None


def _required_str(record: dict[str, Any], key: str, origin: str) -> str:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(f"missing {key}", origin)
    if not isinstance(value, str):
        raise RecordError(f"{key} must be a string, not {type(value).__name__}", origin)
    return value


def _jsonable(value: Any) -> Any:
    """Metadata must survive JSON (the manifest, Chroma): dates from YAML become ISO strings."""
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def _scrub(value: Any, found: list[int]) -> Any:
    """`value` with unpaired surrogates (from "\\ud83d"-style escapes) replaced by U+FFFD; counts them in found[0].

    Python keeps them in a str, but no UTF-8 encoder accepts them, so one would crash hashing and storage."""
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value
        found[0] += len(_SURROGATE.findall(value))
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k, found): _scrub(v, found) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, found) for v in value]
    return value


def _article_date(raw: Any) -> tuple[str | None, str | None]:
    """(ISO date, None), or (None, why it was left out) for a value that is not a date or lies in the future."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    shown = " ".join(str(_jsonable(raw)).split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    iso = parse_date(raw)
    today = _dt.date.today()
    if iso is None:
        if any(int(year) > today.year for year in _YEAR.findall(shown)):
            return None, f"date '{shown}' is in the future; indexed without a date"
        return None, f"date '{shown}' is not a valid date; indexed without a date"
    if _dt.date.fromisoformat(iso) > today + _FUTURE_SLACK:
        return None, f"date '{shown}' is in the future; indexed without a date"
    return iso, None


def _content_id(url: str | None, title: str, text: str) -> str:
    """Stable id for a record without one: its url when known (re-crawls update it), else its content."""
    if url:
        return "url-" + _sha16(url)
    return "sha-" + _sha16(title + "\n" + text)


def _build_article(record: Any, origin: str, default_id: str | None = None,
                   notes: list[str] | None = None) -> Article:
    """Validate a record dict; `default_id` (a file's relative path) is used when the record has no id.

    What was left out or repaired (a bad date, broken escapes) is appended to `notes` as a warning."""
    notes = [] if notes is None else notes
    if not isinstance(record, dict):
        raise RecordError(f"record is not an object (got {type(record).__name__})", origin)
    surrogates = [0]
    record = _scrub(record, surrogates)
    if surrogates[0]:
        notes.append(f"{surrogates[0]} broken Unicode escape(s) (unpaired surrogates, e.g. half of an emoji) "
                     "replaced with U+FFFD")
    title = " ".join(_required_str(record, "title", origin).split())
    text = _clean_text(_required_str(record, "text", origin))
    if not text:
        raise RecordError("missing text", origin)
    url = _optional_str(record.get("url"))
    metadata: dict[str, Any] = {}
    extra_meta = record.get("metadata")
    if isinstance(extra_meta, dict):
        metadata.update(_jsonable(extra_meta))
    elif extra_meta is not None:
        metadata["metadata"] = _jsonable(extra_meta)
    metadata.update({str(k): _jsonable(v) for k, v in record.items() if k not in _KNOWN_FIELDS and k != "metadata"})
    raw_date = record.get("date")
    date, date_problem = _article_date(raw_date)
    if date_problem:
        metadata["date_raw"] = str(_jsonable(raw_date))
        notes.append(date_problem)
    article_id = _optional_str(record.get("id")) or default_id or _content_id(url, title, text)
    return Article(id=article_id, title=title, text=text, date=date, source=_optional_str(record.get("source")),
                   url=url, author=_optional_str(record.get("author")), metadata=metadata)


def article_from_record(record: dict[str, Any], origin: str = "<api>") -> Article:
    """An Article from `{id?, title, text, date?, source?, url?, author?, ...}`; extra fields go to metadata.

    Raises ValueError (a RecordError whose message is the bare reason, e.g. "missing title") for a non-dict or a
    missing/empty title or text. An unparseable or future date is left out and kept in metadata["date_raw"],
    not an error; unpaired surrogates are replaced by U+FFFD.
    """
    return _build_article(record, origin)


# ---- reading bytes ---------------------------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing non-regular and oversized files before reading them whole."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _FileError(f"not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > MAX_FILE_BYTES:
            raise _FileError(_too_large(info.st_size))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise _FileError("permission denied") from None
    except FileNotFoundError:
        raise _FileError("file not found") from None
    except IsADirectoryError:
        raise _FileError("is a directory") from None
    except OSError as exc:
        raise _FileError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # grew while we looked
        raise _FileError(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return (f"file too large ({size / (1024 * 1024):.1f} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB); "
            "split it into smaller files")


def _utf16_without_bom(data: bytes) -> str | None:
    """"UTF-16LE"/"UTF-16BE" when NULs sit in every other byte (mostly-ASCII UTF-16 text without a BOM)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if even == 0 and odd >= 0.6 * half:
        return "UTF-16LE"
    if odd == 0 and even >= 0.6 * half:
        return "UTF-16BE"
    return None


def _decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional) or UTF-16 with a BOM; anything else is refused rather than guessed."""
    if not data:
        raise _FileError("empty file (0 bytes)")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise _FileError("UTF-32 text (not supported); save it as UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _FileError(f"not valid UTF-16 text ({exc.reason} at byte {exc.start})") from None
    else:
        for magic, kind in _MAGIC:
            if data.startswith(magic):
                raise _FileError(f"binary file ({kind}), not text")
        if b"\x00" in data:
            if encoding := _utf16_without_bom(data):
                raise _FileError(f"{encoding} text without a byte-order mark; save it as UTF-8")
            raise _FileError("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad = data[exc.start:exc.start + 1].hex()
            raise _NotUtf8(f"not valid UTF-8 text (byte 0x{bad} at offset {exc.start})", exc.start) from None
    if "\x00" in text:
        raise _FileError("binary file (contains NUL bytes)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _FileError("empty file (only whitespace)")
    return text


def _explain_not_utf8(data: bytes, offset: int) -> str:
    """Where the bad byte is and what the file probably is: binary, damaged UTF-8, or Latin-1/Windows-1252."""
    line = data.count(b"\n", 0, offset) + 1
    sample = data[:4096]
    if sum(1 for b in sample if b < 32 and b not in (9, 10, 13)) > len(sample) // 100:
        return f" on line {line}; it looks like binary data, not text"
    lenient = data.decode("utf-8", "replace")
    bad = lenient.count("\ufffd")
    if len(_NON_ASCII.findall(lenient)) > bad:  # mostly real UTF-8: damaged here, not another encoding
        return (f" on line {line}: the rest of the file is UTF-8, so it is damaged at that spot ({bad} bad byte "
                f"sequence{'s' if bad != 1 else ''}); fix it or re-save the file as UTF-8")
    try:
        legacy = data.decode("cp1252")
    except UnicodeDecodeError:
        return f" on line {line}; the encoding is unknown: save the file as UTF-8"
    start = offset
    while start > 0 and not legacy[start - 1].isspace() and offset - start < 30:
        start -= 1
    end = offset + 1
    while end < len(legacy) and not legacy[end].isspace() and end - offset < 30:
        end += 1
    return (f" on line {line}: it looks like Latin-1/Windows-1252 text ('{legacy[start:end]}'); "
            "save the file as UTF-8")


# ---- .txt ------------------------------------------------------------------------------------------------------

def _split_footer(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Remove trailing "Penulis : X Editor : Y" / "Editor : Y" / "Sumber : Z" lines and return their values."""
    found: dict[str, str] = {}
    end = len(lines)
    while end > 0:
        line = lines[end - 1]
        if not line.strip():
            end -= 1
        elif match := _PENULIS.match(line):
            found.setdefault("author", match["author"])
            if match["editor"]:
                found.setdefault("editor", match["editor"])
            end -= 1
        elif match := _EDITOR.match(line):
            found.setdefault("editor", match["editor"])
            end -= 1
        elif match := _SUMBER.match(line):
            found.setdefault("credited_source", match["source"])
            end -= 1
        else:
            break
    return lines[:end], {k: v for k, v in found.items() if v}


def _body_lines(lines: Iterable[str]) -> list[str]:
    """Stripped, non-empty body lines without "Baca Juga:" links to other stories."""
    return [line.strip() for line in lines if line.strip() and not _BACA_JUGA.match(line)]


def _kompas_header(line: str) -> tuple[dict[str, Any], str] | None:
    """Fields of a "Kompas dunia | 19 Juli 2024, 14:11 WIB" header and the rest of the line (the dateline)."""
    match = _KOMPAS_HEADER.match(line)
    if not match:
        return None
    words = match["pre"].split()
    fields: dict[str, Any] = {"outlet": " ".join(words[:-1]) if len(words) > 1 else words[0]}
    if len(words) > 1:
        fields["category"] = words[-1]
    raw = f"{match['day']} {match['mon']} {match['year']}"
    fields["date"] = raw  # validated (and left out with a warning if bad) by _build_article
    iso = parse_date(raw)
    if iso is not None:
        hh, mm = match["hh"], match["mm"]
        if hh is not None and int(hh) < 24 and int(mm) < 60:
            tz = _TZ_OFFSETS.get((match["tz"] or "").upper(), "")
            fields["published"] = f"{iso}T{int(hh):02d}:{mm}:00{tz}"
    return fields, line[match.end():]


def _parse_txt(text: str, default_id: str, notes: list[str]) -> Article:
    """Kompas-style .txt (title, "Outlet kategori | date" header, dateline, body, footer) or plain title + body."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise _FileError("empty file")
    title, rest = lines[first].strip(), lines[first + 1:]
    header_at = next((i for i, line in enumerate(rest) if line.strip()), None)
    header = _kompas_header(rest[header_at]) if header_at is not None else None
    if header is None or header_at is None:
        return _plain_txt(title, rest, default_id, notes)
    fields, remainder = header
    return _kompas_txt(title, fields, [remainder, *rest[header_at + 1:]], default_id, notes)


def _plain_txt(title: str, rest: list[str], default_id: str, notes: list[str]) -> Article:
    """A .txt without a recognised header: first line is the title, the rest keeps its paragraph layout."""
    body, footer = _split_footer([line for line in rest if not _BACA_JUGA.match(line)])
    text = _clean_text("\n".join(body))
    if not text:
        raise _FileError("missing text (the file has only a title line" + (" and a footer)" if footer else ")"))
    record: dict[str, Any] = {"id": default_id, "title": title, "text": text, "author": footer.pop("author", None)}
    article = _build_article(record, default_id, notes=notes)
    article.metadata.update(footer)
    return article


def without_dateline(text: str) -> str:
    """`text` without a leading dateline ("PYONGYANG, KOMPAS.TV - "), which the article keeps as written (quotes
    are verbatim) but a reader of one sentence does not need: the outlet and place are metadata. Given to the
    1.5B LLM as "[2] PYONGYANG, KOMPAS.TV - Hubungan militer ...", it once answered with a few-shot example's
    sentence instead of the sources (bench/RESULTS.md, "News-style sentences")."""
    match = _DATELINE.match(text)
    rest = text[match.end():].strip() if match else ""
    return rest or text


def _kompas_txt(title: str, fields: dict[str, Any], rest: list[str], default_id: str, notes: list[str]) -> Article:
    """Body from the dateline on, one paragraph per line; footer and dateline become metadata."""
    body, footer = _split_footer(_body_lines(rest))
    if not body:
        raise _FileError("missing text (the file has only a title and the 'Outlet | date' header)")
    metadata = {k: v for k, v in fields.items() if k != "date"}
    source = fields["outlet"]
    if body and (dateline := _DATELINE.match(body[0])):
        metadata["dateline"] = dateline["place"].strip()
        outlet = (dateline["outlet"] or "").lower().rstrip(".")
        if _DOMAIN.match(outlet):
            source = outlet
    record: dict[str, Any] = {"id": default_id, "title": title, "text": "\n".join(body), "date": fields.get("date"),
                              "source": source, "author": footer.pop("author", None)}
    article = _build_article(record, default_id, notes=notes)
    if article.date is None:  # the header's date was left out: so is its time
        metadata.pop("published", None)
    article.metadata.update(metadata)
    article.metadata.update(footer)
    return article


# ---- .md -------------------------------------------------------------------------------------------------------

def _take_md_heading(body: str) -> tuple[str | None, str]:
    """The first level-1 "# heading" outside code fences, and the body without that line."""
    lines = body.split("\n")
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (match := _MD_HEADING.match(line)):
            return match["title"], "\n".join(lines[:i] + lines[i + 1:])
    return None, body


_FRONT_MATTER_LOADER: Any = None


def _front_matter_loader() -> Any:
    """yaml.SafeLoader without implicit timestamps: "date: 2024-02-30" stays a string that parse_date judges
    (kept without a date, with a warning) instead of a ValueError that failed the whole file."""
    global _FRONT_MATTER_LOADER
    if _FRONT_MATTER_LOADER is None:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        Loader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
        _FRONT_MATTER_LOADER = Loader
    return _FRONT_MATTER_LOADER


def _front_matter_error(exc: Exception, first_line: int) -> str:
    """"invalid front matter (YAML) on line 3: did not find expected ',' or ']'" (line in the file)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        reason = f"invalid front matter (YAML) on line {first_line + mark.line}: {' '.join(str(problem).split())}"
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark.line != mark.line:
            reason += f" ({' '.join(str(context).split())} from line {first_line + context_mark.line})"
        return reason
    return f"invalid front matter: {' '.join(str(exc).split())}"


def _split_front_matter(text: str) -> tuple[dict[str, Any], str, str]:
    """(front matter, body, note): YAML between '---' lines (or another python-frontmatter format)."""
    import frontmatter  # imported here so .txt/.json loading works without the optional parsers
    from frontmatter.default_handlers import YAMLHandler

    stripped = text.strip()
    handler = frontmatter.detect_format(stripped, frontmatter.handlers)
    if handler is None:
        return {}, text, ""
    try:
        raw, body = handler.split(stripped)
    except ValueError:  # an opening '---' that is never closed: maybe a thematic break, read it as body
        return {}, text, "; it starts with '---' but the front matter has no closing '---' line"
    leading = text[:len(text) - len(text.lstrip())].count("\n")
    first_line = leading + (stripped[:stripped.find(raw)].count("\n") + 1 if raw else 1)
    try:
        if isinstance(handler, YAMLHandler):
            import yaml

            data = yaml.load(raw, Loader=_front_matter_loader())  # a SafeLoader subclass
        else:
            data = handler.load(raw)
    except RecursionError:
        raise
    except Exception as exc:  # noqa: BLE001 - yaml/toml raise many types; all mean the same thing to the user
        raise _FileError(_front_matter_error(exc, first_line)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _FileError(f"invalid front matter: expected 'key: value' lines, got a {type(data).__name__}")
    return {str(k): v for k, v in data.items()}, body.strip(), ""


def _parse_md(text: str, default_id: str, notes: list[str]) -> Article:
    """Markdown with optional YAML front matter (title, date, source, url, author, id; the rest is metadata)."""
    record, body, unclosed = _split_front_matter(text)
    if not _optional_str(record.get("title")):
        heading, body = _take_md_heading(body)
        if heading is None:
            raise _FileError(f"missing title (no 'title' in front matter and no '# heading'){unclosed}")
        record["title"] = heading
    if not body.strip():
        raise _FileError("missing text (only a title)")
    record["text"] = body
    return _build_article(record, default_id, default_id=default_id, notes=notes)


# ---- .html -----------------------------------------------------------------------------------------------------

def _meta_values(soup: Any) -> dict[str, str]:
    """<meta property|name|itemprop=K content=V> as {k.lower(): v}, first occurrence wins."""
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = tag.get("content")
        if not content or not str(content).strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = tag.get(attr)
            if key:
                values.setdefault(str(key).strip().lower(), str(content).strip())
    return values


def _html_paragraphs(root: Any) -> list[str]:
    """Visible text as paragraphs: every block element starts a new one; whitespace collapsed inside."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = " ".join("".join(current).split())
        if joined:
            paragraphs.append(joined)
        current.clear()

    # An explicit stack, not recursion: broken HTML (thousands of unclosed <p> or <font>) nests that deep.
    stack: list[tuple[Iterator[Any], bool]] = [(iter(root.children), False)]
    while stack:
        children, block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if block:
                flush()
        elif isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
            continue
        elif isinstance(child, NavigableString):
            current.append(str(child))
        elif isinstance(child, Tag):
            block = child.name in _HTML_BLOCKS
            if block:
                flush()
            stack.append((iter(child.children), block))
    flush()
    return [p for p in paragraphs if not _BACA_JUGA.match(p)]


def _parse_html(text: str, default_id: str, notes: list[str]) -> Article:
    """An article page: og/meta tags for metadata, <article>/<main>/<body> for the text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    meta = _meta_values(soup)
    title = meta.get("og:title")
    if not title and soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    if not title and (h1 := soup.find("h1")) is not None:
        title = h1.get_text(" ", strip=True)
    time_tag = soup.find("time", attrs={"datetime": True})
    raw_date = (meta.get("article:published_time") or (time_tag.get("datetime") if time_tag else None)
                or meta.get("date") or meta.get("datepublished") or meta.get("pubdate"))
    canonical = soup.find("link", rel="canonical", href=True)
    url = (canonical.get("href") if canonical else None) or meta.get("og:url")
    root = soup.find("article") or soup.find("main") or soup.find("body") or soup
    for head in root.find_all("head"):
        head.decompose()
    for tag in root.find_all(_HTML_DROP):
        tag.decompose()
    body = "\n".join(_html_paragraphs(root))
    if not body:
        raise _FileError("no article text (the page has no <body> and no visible text)" if root is soup
                         else f"no article text (nothing visible in <{root.name}>)")
    if not title:
        raise _FileError("missing title (no og:title, <title> or <h1>)")
    record: dict[str, Any] = {"title": title, "text": body, "date": raw_date, "source": meta.get("og:site_name"),
                              "url": url, "author": meta.get("author")}
    if meta.get("article:published_time"):
        record["published"] = meta["article:published_time"]
    return _build_article(record, default_id, default_id=default_id, notes=notes)


# ---- .json / .jsonl --------------------------------------------------------------------------------------------

# (where, article, warnings about that article), (where, reason), (where, warning about the file)
_Loaded = list[tuple[str, Article, list[str]]]
_FileResult = tuple[_Loaded, list[tuple[str, str]], list[tuple[str, str]]]


def _json_error(exc: json.JSONDecodeError, with_line: bool, text: str) -> str:
    where = f"line {exc.lineno} column {exc.colno}" if with_line else f"column {exc.colno}"
    reason = f"invalid JSON: {exc.msg} ({where})"
    if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()):
        reason += "; it ends before the JSON is complete (truncated?)"
    return reason


def _json_records(data: Any) -> list[Any]:
    """One record, a list of records, or {"articles": [...]}."""
    if isinstance(data, dict) and "articles" in data and not ("title" in data or "text" in data):
        if not isinstance(data["articles"], list):
            raise _FileError(f"'articles' must be a list of objects, not {type(data['articles']).__name__}")
        data = data["articles"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        if data and not any(isinstance(item, dict) for item in data):
            kinds = "/".join(sorted({type(item).__name__ for item in data}))
            raise _FileError(f"JSON must be an object or a list of objects, not a list of {kinds} "
                             f"({len(data)} items)")
        return data
    raise _FileError(f"JSON must be an object or a list of objects, not {type(data).__name__}")


def _records_result(data: Any, where: str) -> _FileResult:
    records = _json_records(data)
    if not records:
        raise _FileError("no records (empty list)")
    loaded: _Loaded = []
    failed: list[tuple[str, str]] = []
    for n, record in enumerate(records, 1):
        at = where if len(records) == 1 else f"{where}: record {n}"
        notes: list[str] = []
        try:
            loaded.append((at, _build_article(record, at, notes=notes), notes))
        except RecordError as exc:
            failed.append((at, exc.reason))
    return loaded, failed, []


def _load_json(text: str, where: str) -> _FileResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = _json_error(exc, True, text)
        if exc.msg == "Extra data":  # several documents: maybe JSON Lines saved as .json
            loaded, failed, warnings = _load_jsonl(text, where)
            if loaded and not any(why.startswith("invalid JSON") for _, why in failed):
                note = "holds one JSON object per line (JSON Lines): loaded line by line; rename it to .jsonl"
                return loaded, failed, [*warnings, (where, note)]
            reason += "; if it holds one object per line, name it .jsonl"
        raise _FileError(reason) from None
    return _records_result(data, where)


def _load_jsonl(text: str, where: str) -> _FileResult:
    loaded: _Loaded = []
    failed: list[tuple[str, str]] = []
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    for n, line in lines:
        at = f"{where}:line {n}"
        notes: list[str] = []
        try:
            loaded.append((at, _build_article(json.loads(line), at, notes=notes), notes))
        except json.JSONDecodeError as exc:
            failed.append((at, _json_error(exc, False, line)))
        except RecursionError:
            failed.append((at, "record nested too deeply"))
        except RecordError as exc:
            failed.append((at, exc.reason))
    if not loaded and len(lines) > 1 and all(why.startswith("invalid JSON") for _, why in failed):
        try:  # one pretty-printed JSON document, not JSON Lines: read it as such rather than fail every line
            data = json.loads(text)
        except json.JSONDecodeError:
            return loaded, failed, []
        result_loaded, result_failed, _ = _records_result(data, where)
        note = "is one JSON document over several lines, not JSON Lines: loaded as .json; rename it to .json"
        return result_loaded, result_failed, [(where, note)]
    return loaded, failed, []


# ---- files and folders -----------------------------------------------------------------------------------------

_SINGLE_PARSERS: dict[str, Callable[[str, str, list[str]], Article]] = {
    ".txt": _parse_txt, ".md": _parse_md, ".html": _parse_html, ".htm": _parse_html,
}


def _shown(path: str | Path) -> str:
    """The path as text that can be printed and stored: undecodable name bytes appear as \\xe9."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _valid_name(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python keeps them as surrogates; no index can store them)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unsupported(suffix: str) -> str:
    hint = _REPORTED_SUFFIXES.get(suffix.lower(), f"supported: {_SUPPORTED_LIST}")
    return f"unsupported file type '{suffix or '(none)'}'; {hint}"


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a plain file"


def _link_problem(path: Path) -> str | None:
    """Why a symbolic link cannot be read (loop, missing target), or None when it leads somewhere."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself)"
        if exc.errno == errno.ENOENT:
            try:
                target = _shown(os.readlink(path))
            except OSError:
                target = "?"
            return f"broken symbolic link (its target '{target}' does not exist)"
        if exc.errno == errno.EACCES:
            return "permission denied"
        return f"cannot read file: {exc.strerror or exc}"
    return None


def _load_file(path: Path, rel_id: str) -> _FileResult:
    """Articles (with their warnings), failures and file warnings for one file; never raises for bad content."""
    where = _shown(path)
    suffix = path.suffix.lower()
    notes: list[str] = []
    try:
        data = _read_bytes(path)
        try:
            text = _decode_text(data)
        except _NotUtf8 as exc:
            raise _FileError(str(exc) + _explain_not_utf8(data, exc.offset)) from None
        del data
        if suffix in _SINGLE_PARSERS:
            article = _SINGLE_PARSERS[suffix](text, rel_id, notes)
            return [(where, article, notes)], [], []
        if suffix == ".json":
            return _load_json(text, where)
        if suffix == ".jsonl":
            return _load_jsonl(text, where)
        return [], [(where, _unsupported(path.suffix))], []
    except _FileError as exc:
        return [], [(where, str(exc))], []
    except RecordError as exc:
        return [], [(where, exc.reason)], []
    except RecursionError:
        return [], [(where, "document too deeply nested")], []
    except Exception as exc:  # a parser bug must cost one file, not the whole load
        return [], [(where, f"unexpected error: {type(exc).__name__}: {exc}")], []


def _sorted_entries(folder: Path, failed: list[tuple[str, str]]) -> Iterator[os.DirEntry[str]]:
    """Visible entries of `folder` by name; an unreadable folder is reported and yields nothing."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except PermissionError:
        failed.append((_shown(folder), "permission denied (cannot list the folder; its files were not read)"))
        return iter(())
    except OSError as exc:
        failed.append((_shown(folder), f"cannot list folder: {exc.strerror or exc}"))
        return iter(())
    return (e for e in entries if not e.name.startswith("."))


def _walk(root: Path, failed: list[tuple[str, str]]) -> Iterator[tuple[Path, str]]:
    """(file, id relative to root) for supported files in sorted path order, skipping hidden entries.

    Symbolic links to files are followed; links to folders are reported, not followed, so a loop cannot hang
    the walk. Unsupported document types are reported, other unsupported files skipped (see the module doc).
    """
    stack = [_sorted_entries(root, failed)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        suffix = path.suffix.lower()
        wanted = suffix in SUPPORTED_SUFFIXES
        try:
            if entry.is_symlink():
                if os.path.isdir(path):
                    failed.append((_shown(path), "symbolic link to a folder (not followed; index that folder itself)"))
                    continue
                if not (wanted or suffix in _REPORTED_SUFFIXES):
                    continue
                if problem := _link_problem(path):
                    failed.append((_shown(path), problem))
                    continue
            if entry.is_dir(follow_symlinks=False):
                if _valid_name(entry.name):
                    stack.append(_sorted_entries(path, failed))
                else:
                    failed.append((_shown(path), "folder name is not valid UTF-8; rename it (its files were not read)"))
            elif not wanted:
                if suffix in _REPORTED_SUFFIXES:
                    failed.append((_shown(path), _unsupported(path.suffix)))
            elif not _valid_name(entry.name):
                failed.append((_shown(path), "file name is not valid UTF-8; rename it"))
            elif entry.is_file():
                yield path, path.relative_to(root).as_posix()
            else:
                failed.append((_shown(path), f"not a regular file ({_file_kind(entry.stat().st_mode)})"))
        except PermissionError:
            failed.append((_shown(path), "permission denied"))
        except OSError as exc:
            failed.append((_shown(path), f"cannot read file: {exc.strerror or exc}"))


def _files(paths: Iterable[str | Path], failed: list[tuple[str, str]]) -> Iterator[tuple[Path, str]]:
    """Explicit files (id = their name) and the supported files under explicit folders."""
    for raw in paths:
        path = Path(raw)
        if not _valid_name(str(path)):
            failed.append((_shown(path), "path is not valid UTF-8; rename it"))
        elif path.is_dir():
            yield from _walk(path, failed)
        elif path.is_symlink() and (problem := _link_problem(path)):
            failed.append((str(path), problem))
        elif path.exists():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                failed.append((str(path), _unsupported(path.suffix)))
            else:
                yield path, path.name
        else:
            failed.append((str(path), "no such file or folder"))


def load_articles(paths: Iterable[str | Path]) -> LoadResult:
    """Load every article under `paths` (files or folders); what cannot be loaded is reported, not raised.

    Ids repeat-proof: the first article with an id (in sorted path order, then record order) wins and later ones
    are reported as duplicates. Articles loaded with something left out (a bad date...) are also in `warnings`.
    """
    result = LoadResult()
    first_seen: dict[str, str] = {}
    for path, rel_id in _files(paths, result.failed):
        loaded, failed, warnings = _load_file(path, rel_id)
        result.failed.extend(failed)
        result.warnings.extend(warnings)
        for where, article, notes in loaded:
            if article.id in first_seen:
                result.failed.append((where, f"duplicate id '{article.id}' (first seen in {first_seen[article.id]})"))
                continue
            first_seen[article.id] = where
            article.metadata["path"] = str(path)
            result.articles.append(article)
            result.warnings.extend((where, note) for note in notes)
    return result
