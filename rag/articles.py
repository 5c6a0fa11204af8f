"""Files -> Article records, with a precise per-file (or per-record) reason for everything that is skipped.

A corpus folder is user data: one corrupt, binary or half-written file must never stop the other 22k from
loading, so every failure becomes a (where, why) pair in `LoadResult.failed` instead of an exception.
"""
from __future__ import annotations

import datetime as _dt
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


@dataclass
class LoadResult:
    """Articles loaded, and (path or "path:line N" / "path: record N", reason) for everything skipped."""

    articles: list[Article] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


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


def _content_id(url: str | None, title: str, text: str) -> str:
    """Stable id for a record without one: its url when known (re-crawls update it), else its content."""
    if url:
        return "url-" + _sha16(url)
    return "sha-" + _sha16(title + "\n" + text)


def _build_article(record: Any, origin: str, default_id: str | None = None) -> Article:
    """Validate a record dict; `default_id` (a file's relative path) is used when the record has no id."""
    if not isinstance(record, dict):
        raise RecordError(f"record is not an object (got {type(record).__name__})", origin)
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
    date = parse_date(raw_date)
    if date is None and _optional_str(raw_date) is not None:
        metadata["date_raw"] = str(_jsonable(raw_date))
    article_id = _optional_str(record.get("id")) or default_id or _content_id(url, title, text)
    return Article(id=article_id, title=title, text=text, date=date, source=_optional_str(record.get("source")),
                   url=url, author=_optional_str(record.get("author")), metadata=metadata)


def article_from_record(record: dict[str, Any], origin: str = "<api>") -> Article:
    """An Article from `{id?, title, text, date?, source?, url?, author?, ...}`; extra fields go to metadata.

    Raises ValueError (a RecordError whose message is the bare reason, e.g. "missing title") for a non-dict or a
    missing/empty title or text. An unparseable date is kept in metadata["date_raw"], not an error.
    """
    return _build_article(record, origin)


# ---- reading bytes ---------------------------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing non-regular and oversized files before reading them whole."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _FileError("not a regular file")
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
    return f"file too large ({size / (1024 * 1024):.1f} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)"


def _decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional) or UTF-16 with a BOM; anything else is refused rather than guessed."""
    if not data:
        raise _FileError("empty file")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise _FileError("not valid UTF-8 text (UTF-32 is not supported)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _FileError(f"not valid UTF-16 text ({exc.reason} at byte {exc.start})") from None
    else:
        if b"\x00" in data:
            raise _FileError("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad = data[exc.start:exc.start + 1].hex()
            raise _FileError(f"not valid UTF-8 text (byte 0x{bad} at offset {exc.start})") from None
    if "\x00" in text:
        raise _FileError("binary file (contains NUL bytes)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _FileError("empty file")
    return text


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
    iso = parse_date(f"{match['day']} {match['mon']} {match['year']}")
    if iso is not None:
        fields["date"] = iso
        hh, mm = match["hh"], match["mm"]
        if hh is not None and int(hh) < 24 and int(mm) < 60:
            tz = _TZ_OFFSETS.get((match["tz"] or "").upper(), "")
            fields["published"] = f"{iso}T{int(hh):02d}:{mm}:00{tz}"
    return fields, line[match.end():]


def _parse_txt(text: str, default_id: str) -> Article:
    """Kompas-style .txt (title, "Outlet kategori | date" header, dateline, body, footer) or plain title + body."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise _FileError("empty file")
    title, rest = lines[first].strip(), lines[first + 1:]
    header_at = next((i for i, line in enumerate(rest) if line.strip()), None)
    header = _kompas_header(rest[header_at]) if header_at is not None else None
    if header is None or header_at is None:
        return _plain_txt(title, rest, default_id)
    fields, remainder = header
    return _kompas_txt(title, fields, [remainder, *rest[header_at + 1:]], default_id)


def _plain_txt(title: str, rest: list[str], default_id: str) -> Article:
    """A .txt without a recognised header: first line is the title, the rest keeps its paragraph layout."""
    body, footer = _split_footer([line for line in rest if not _BACA_JUGA.match(line)])
    record: dict[str, Any] = {"id": default_id, "title": title, "text": _clean_text("\n".join(body)),
                              "author": footer.pop("author", None)}
    article = _build_article(record, default_id)
    article.metadata.update(footer)
    return article


def _kompas_txt(title: str, fields: dict[str, Any], rest: list[str], default_id: str) -> Article:
    """Body from the dateline on, one paragraph per line; footer and dateline become metadata."""
    body, footer = _split_footer(_body_lines(rest))
    metadata = {k: v for k, v in fields.items() if k != "date"}
    source = fields["outlet"]
    if body and (dateline := _DATELINE.match(body[0])):
        metadata["dateline"] = dateline["place"].strip()
        outlet = (dateline["outlet"] or "").lower().rstrip(".")
        if _DOMAIN.match(outlet):
            source = outlet
    record: dict[str, Any] = {"id": default_id, "title": title, "text": "\n".join(body), "date": fields.get("date"),
                              "source": source, "author": footer.pop("author", None)}
    article = _build_article(record, default_id)
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


def _parse_md(text: str, default_id: str) -> Article:
    """Markdown with optional YAML front matter (title, date, source, url, author, id; the rest is metadata)."""
    import frontmatter  # imported here so .txt/.json loading works without the optional parsers

    try:
        post = frontmatter.loads(text)
    except Exception as exc:  # yaml raises many types; all mean the same thing to the user
        raise _FileError(f"invalid front matter: {' '.join(str(exc).split())}") from None
    record: dict[str, Any] = {str(k): v for k, v in post.metadata.items()}
    body = post.content
    if not _optional_str(record.get("title")):
        heading, body = _take_md_heading(body)
        if heading is None:
            raise _FileError("missing title (no 'title' in front matter and no '# heading')")
        record["title"] = heading
    record["text"] = body
    return _build_article(record, default_id, default_id=default_id)


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

    def walk(node: Any) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                current.append(str(child))
            elif isinstance(child, Tag):
                block = child.name in _HTML_BLOCKS
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    walk(root)
    flush()
    return [p for p in paragraphs if not _BACA_JUGA.match(p)]


def _parse_html(text: str, default_id: str) -> Article:
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
        raise _FileError("no article text")
    if not title:
        raise _FileError("missing title (no og:title, <title> or <h1>)")
    record: dict[str, Any] = {"title": title, "text": body, "date": raw_date, "source": meta.get("og:site_name"),
                              "url": url, "author": meta.get("author")}
    if meta.get("article:published_time"):
        record["published"] = meta["article:published_time"]
    return _build_article(record, default_id, default_id=default_id)


# ---- .json / .jsonl --------------------------------------------------------------------------------------------

def _json_error(exc: json.JSONDecodeError, with_line: bool) -> str:
    where = f"line {exc.lineno} column {exc.colno}" if with_line else f"column {exc.colno}"
    return f"invalid JSON: {exc.msg} ({where})"


def _json_records(data: Any) -> list[Any]:
    """One record, a list of records, or {"articles": [...]}."""
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        return list(data["articles"])
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise _FileError(f"JSON must be an object or a list of objects, not {type(data).__name__}")


# ---- files and folders -----------------------------------------------------------------------------------------

_SINGLE_PARSERS: dict[str, Callable[[str, str], Article]] = {
    ".txt": _parse_txt, ".md": _parse_md, ".html": _parse_html, ".htm": _parse_html,
}


def _load_file(path: Path, rel_id: str) -> tuple[list[tuple[str, Article]], list[tuple[str, str]]]:
    """(where, article) pairs and (where, reason) failures for one file; never raises for bad content."""
    where = str(path)
    suffix = path.suffix.lower()
    try:
        text = _decode_text(_read_bytes(path))
        if suffix in _SINGLE_PARSERS:
            article = _SINGLE_PARSERS[suffix](text, rel_id)
            return [(where, article)], []
        if suffix == ".json":
            return _load_json(text, where)
        if suffix == ".jsonl":
            return _load_jsonl(text, where)
        return [], [(where, f"unsupported file type '{path.suffix}'")]
    except _FileError as exc:
        return [], [(where, str(exc))]
    except RecordError as exc:
        return [], [(where, exc.reason)]
    except RecursionError:
        return [], [(where, "document too deeply nested")]
    except Exception as exc:  # a parser bug must cost one file, not the whole load
        return [], [(where, f"unexpected error: {type(exc).__name__}: {exc}")]


def _load_json(text: str, where: str) -> tuple[list[tuple[str, Article]], list[tuple[str, str]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _FileError(_json_error(exc, with_line=True)) from None
    records = _json_records(data)
    if not records:
        raise _FileError("no records (empty list)")
    loaded: list[tuple[str, Article]] = []
    failed: list[tuple[str, str]] = []
    for n, record in enumerate(records, 1):
        at = where if len(records) == 1 else f"{where}: record {n}"
        try:
            loaded.append((at, _build_article(record, at)))
        except RecordError as exc:
            failed.append((at, exc.reason))
    return loaded, failed


def _load_jsonl(text: str, where: str) -> tuple[list[tuple[str, Article]], list[tuple[str, str]]]:
    loaded: list[tuple[str, Article]] = []
    failed: list[tuple[str, str]] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        at = f"{where}:line {n}"
        try:
            loaded.append((at, _build_article(json.loads(line), at)))
        except json.JSONDecodeError as exc:
            failed.append((at, _json_error(exc, with_line=False)))
        except RecordError as exc:
            failed.append((at, exc.reason))
    return loaded, failed


def _sorted_entries(folder: Path, failed: list[tuple[str, str]]) -> Iterator[os.DirEntry[str]]:
    """Visible entries of `folder` by name; an unreadable folder is reported and yields nothing."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except PermissionError:
        failed.append((str(folder), "permission denied"))
        return iter(())
    except OSError as exc:
        failed.append((str(folder), f"cannot list folder: {exc.strerror or exc}"))
        return iter(())
    return (e for e in entries if not e.name.startswith("."))


def _walk(root: Path, failed: list[tuple[str, str]]) -> Iterator[tuple[Path, str]]:
    """(file, id relative to root) for supported files in sorted path order, skipping hidden entries.

    Directory symlinks are not followed, so a link loop cannot hang the walk.
    """
    stack = [_sorted_entries(root, failed)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                stack.append(_sorted_entries(path, failed))
            elif entry.name.lower().endswith(SUPPORTED_SUFFIXES):
                if entry.is_symlink() and not path.exists():
                    failed.append((str(path), "broken symbolic link"))
                elif entry.is_file():
                    yield path, path.relative_to(root).as_posix()
        except OSError as exc:
            failed.append((str(path), f"cannot read file: {exc.strerror or exc}"))


def _files(paths: Iterable[str | Path], failed: list[tuple[str, str]]) -> Iterator[tuple[Path, str]]:
    """Explicit files (id = their name) and the supported files under explicit folders."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, failed)
        elif path.exists():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                failed.append((str(path), f"unsupported file type '{path.suffix or '(none)'}'"))
            else:
                yield path, path.name
        elif path.is_symlink():
            failed.append((str(path), "broken symbolic link"))
        else:
            failed.append((str(path), "no such file or folder"))


def load_articles(paths: Iterable[str | Path]) -> LoadResult:
    """Load every article under `paths` (files or folders); what cannot be loaded is reported, not raised.

    Ids repeat-proof: the first article with an id wins and later ones are reported as duplicates.
    """
    result = LoadResult()
    first_seen: dict[str, str] = {}
    for path, rel_id in _files(paths, result.failed):
        loaded, failed = _load_file(path, rel_id)
        result.failed.extend(failed)
        for where, article in loaded:
            if article.id in first_seen:
                result.failed.append((where, f"duplicate id '{article.id}' (first seen in {first_seen[article.id]})"))
                continue
            first_seen[article.id] = where
            article.metadata["path"] = str(path)
            result.articles.append(article)
    return result
