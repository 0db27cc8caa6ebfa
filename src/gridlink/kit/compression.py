"""gzip for dynamic answers (JSON, the CSV export), through Starlette's own GZipMiddleware.

What is compressed, and why not the rest:

- **Only answers to GET and HEAD.** BREACH recovers a secret from the compressed size of an
  answer that holds it next to text the attacker chose. Every answer that holds a secret in
  Gridlink — access and connect tokens, frame and connect-link URLs, the Connect session token,
  webhook signing secrets, authorization codes — is the answer to a POST, so POST, PUT, PATCH
  and DELETE answers are never compressed, whatever they hold (they are small anyway).
  `tests/test_compression.py` checks that no GET route's response model has a secret field.
  (The attack also needs a browser that sends the victim's credentials by itself: Gridlink
  sets no cookie, and its API and widget calls carry their bearer in a header a page cannot make
  another origin's browser send, so this is a second wall, not the only one.)
- **Not below 1 KiB** (Starlette's check): the headers would cost more than the savings.
- **Not the pre-compressed files** (kit/static_files.py, paths given by app.py), nor PDFs
  (already compressed inside) — with Starlette's own list (images, fonts, archives, event
  streams).
- Level 6 (zlib's default): a meter-year of intervals, 3.5 MB of JSON, becomes 303 kB for about
  30 ms of CPU; level 9 saves 11 % more for about seven times the CPU, level 1 sends a third more
  bytes (`bench/bytes.py`). Bodies from 128 KiB on are compressed off the event loop.

Streaming answers (the CSV export) stay streamed: each chunk is compressed and flushed as it
comes (``Z_SYNC_FLUSH``), so nothing is buffered whole. A client that sends ``gzip;q=0`` (or no
``Accept-Encoding``) gets the identity body.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gridlink.kit.static_files import accepted

COMPRESSED_METHODS = frozenset({"GET", "HEAD"})
MINIMUM_SIZE = 1024
LEVEL = 6
EXCLUDED_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, precompressed: tuple[str, ...] = ()) -> None:
        """``precompressed``: paths (exact, or prefixes ending in ``/``) that negotiate their
        own encoding and must be passed through untouched."""
        self.app = app
        self.precompressed = precompressed
        self.gzip = GZipMiddleware(
            app,
            minimum_size=MINIMUM_SIZE,
            compresslevel=LEVEL,
            exclude_content_types=EXCLUDED_TYPES,
        )

    def _skips(self, path: str) -> bool:
        return any(path.startswith(p) if p.endswith("/") else path == p for p in self.precompressed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in COMPRESSED_METHODS
            or self._skips(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if "gzip" not in accepted(Headers(scope=scope).get("accept-encoding")):
            # Starlette looks for the word only; "gzip;q=0" means no. Without the header it
            # still adds `Vary: Accept-Encoding`, which a shared cache needs.
            scope = {**scope, "headers": _without_accept_encoding(scope)}
        await self.gzip(scope, receive, send)


def _without_accept_encoding(scope: Scope) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
