"""Built files (the Connect page's assets, connect.js, the demo's files, the favicon) served
pre-compressed, with content negotiation and validators.

Each file is read once per version (its size and modification time), and kept in memory with
its brotli (quality 11) and gzip (level 9) forms: the slow, best compression is paid once, not
per request, and always matches the bytes on disk, whatever built them (`npm run build`, a
GRIDLINK_WIDGET_DIST_DIR made elsewhere, the Python package's own files). A rebuild is picked up
by the next request. Every form has its own strong ETag (RFC 9110 §8.8.3: a representation
per encoding), and every answer says `Vary: Accept-Encoding`, so a shared cache never hands
brotli to a client that did not ask for it. These files carry no secret, so compressing them
is safe from BREACH-style attacks (see kit/compression.py).

The dynamic compression middleware leaves these paths alone (`app.py` lists them), so a body
is never compressed twice and the `Vary` header is said once.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import brotli
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

# Preference order when a client accepts several: brotli is 10-20 % smaller than gzip on our
# JavaScript and CSS, and every browser that sends `br` decodes it.
ENCODINGS = ("br", "gzip")
_MAX_CACHED_FILES = 64  # a handful of files per build; a rebuild leaves old names behind


@dataclass(frozen=True, slots=True)
class Variant:
    body: bytes
    etag: str
    encoding: str | None  # None: identity


@dataclass(frozen=True, slots=True)
class Prepared:
    identity: Variant
    compressed: dict[str, Variant]  # only the forms smaller than the file itself


_cache: dict[tuple[Path, bool], tuple[tuple[int, int], Prepared]] = {}


def _build(path: Path, compress: bool) -> Prepared | None:
    try:
        body = path.read_bytes()
    except OSError:  # gone since the stat, or a folder
        return None
    tag = hashlib.sha256(body).hexdigest()[:32]
    forms: dict[str, Variant] = {}
    if compress:
        squeezed = {"br": _brotli(body), "gzip": gzip.compress(body, compresslevel=9, mtime=0)}
        for name, data in squeezed.items():
            if len(data) < len(body):  # a tiny file can grow
                forms[name] = Variant(data, f'"{tag}-{name}"', name)
    return Prepared(Variant(body, f'"{tag}"', None), forms)


def _brotli(body: bytes) -> bytes:
    data = brotli.compress(body, quality=11)
    assert isinstance(data, bytes)
    return data


def _version(path: Path) -> tuple[int, int] | None:
    """Size and modification time: a stat, cheap enough for the event loop (as the UI's
    manifest check in connect/ui_assets.py)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


async def prepared(path: Path, *, compress: bool = True) -> Prepared | None:
    """The file's forms, or None when it is not a readable file. A file is read and compressed
    once per version, in a thread (brotli at quality 11 takes tens of milliseconds on the
    Connect page's script); later calls cost one ``stat``."""
    version = _version(path)
    if version is None:
        return None
    cached = _cache.get((path, compress))
    if cached is not None and cached[0] == version:
        return cached[1]
    built = await run_in_threadpool(_build, path, compress)
    if built is not None:
        if len(_cache) >= _MAX_CACHED_FILES:
            _cache.clear()
        _cache[(path, compress)] = (version, built)
    return built


def accepted(header: str | None) -> set[str]:
    """The content codings an ``Accept-Encoding`` header accepts (q > 0), lower case; ``*``
    stands for every coding not named."""
    codings: dict[str, float] = {}
    for item in (header or "").split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        codings[name] = quality
    wildcard = codings.pop("*", None)
    chosen = {name for name, quality in codings.items() if quality > 0}
    if wildcard is not None and wildcard > 0:
        chosen |= {name for name in ENCODINGS if name not in codings}
    return chosen


def choose(prepared: Prepared, accept_encoding: str | None) -> Variant:
    """The smallest form the client accepts; identity when it accepts none of ours."""
    wanted = accepted(accept_encoding)
    for name in ENCODINGS:
        if name in wanted and name in prepared.compressed:
            return prepared.compressed[name]
    return prepared.identity


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


async def file_response(
    request: Request,
    path: Path,
    media_type: str,
    cache_control: str,
    headers: dict[str, str] | None = None,
    *,
    compress: bool = True,
) -> Response | None:
    """The file as the client asked for it (200 or 304), or None when the file is missing."""
    forms = await prepared(path, compress=compress)
    if forms is None:
        return None
    variant = choose(forms, request.headers.get("accept-encoding"))
    common = {**(headers or {}), "Cache-Control": cache_control, "ETag": variant.etag}
    if compress:
        common["Vary"] = "Accept-Encoding"
    if _not_modified(request.headers.get("if-none-match"), variant.etag):
        return Response(status_code=304, headers=common)
    if variant.encoding is not None:
        common["Content-Encoding"] = variant.encoding
    return Response(variant.body, media_type=media_type, headers=common)
