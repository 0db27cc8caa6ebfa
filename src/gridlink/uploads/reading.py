"""Reading an upload: the multipart body as it streams, then the Green Button parse off the loop.

The body is read only after the caller is authenticated, and before any write transaction is
opened: a slow upload must not hold SQLite's writer lock. Its size is capped by the edge
(``kit/body_limit.py``: these routes are ``BodyLimits.streamed`` with
``GRIDLINK_MAX_UPLOAD_BYTES``); Starlette's form parser spools a file part over 1 MiB to a
temporary file, so memory holds at most the file once, when it is parsed.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import anyio
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from gridlink.errors import InvalidFile, InvalidRequest
from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.limits import Limits
from gridlink.greenbutton.model import ParsedFile
from gridlink.greenbutton.reader import parse
from gridlink.kit.body_limit import BodyTooLarge

FILE_FIELD = "file"
NOT_MULTIPART = (
    "Send the file as multipart/form-data with the Green Button file in the `file` field."
)
NO_FILE = "Attach the Green Button file (XML, CSV or a zip of them) in the `file` field."
# At most this many files are parsed at once per process: a large file's parse takes a few
# hundred milliseconds of CPU and several times its size in memory.
PARSERS = 2


@dataclass(frozen=True, slots=True)
class Upload:
    fields: dict[str, str]
    data: bytes
    filename: str | None


async def read_upload(request: Request, allowed: Iterable[str], max_bytes: int) -> Upload:
    """The form's text fields (only ``allowed`` ones) and its one file."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequest(NOT_MULTIPART, fields=[FILE_FIELD])
    names = set(allowed)
    try:
        form = await request.form(max_files=1, max_fields=len(names) + 1, max_part_size=64 * 1024)
    except BodyTooLarge:
        raise  # the edge's 413, raised while the form streamed in
    except (MultiPartException, HTTPException) as error:
        # Starlette raises HTTPException(400) for a broken form when called inside an app.
        detail = error.message if isinstance(error, MultiPartException) else error.detail
        raise InvalidRequest(
            f"The form could not be read ({detail}). Send multipart/form-data with the fields "
            "this endpoint lists and one file in `file`.",
            fields=[FILE_FIELD],
        ) from None
    fields: dict[str, str] = {}
    upload: UploadFile | str | None = None
    try:
        for name, value in form.multi_items():
            if name == FILE_FIELD:
                if upload is not None:
                    raise InvalidRequest("Send one file per request.", fields=[FILE_FIELD])
                upload = value  # a file part, or the file's text sent as a plain field
            elif isinstance(value, UploadFile):
                raise InvalidRequest(NO_FILE, fields=[FILE_FIELD])
            elif name not in names:
                raise InvalidRequest(f"Unknown form field {name!r}.", fields=[name[:100]])
            elif name in fields:
                raise InvalidRequest(f"The field {name!r} is sent twice.", fields=[name])
            else:
                fields[name] = value
        if upload is None:
            raise InvalidRequest(NO_FILE, fields=[FILE_FIELD])
        if isinstance(upload, str):
            return Upload(fields, upload.encode(), None)
        data = await upload.read(max_bytes + 1)
        return Upload(fields, data, _display_name(upload.filename))
    finally:
        await form.close()


def _display_name(filename: str | None) -> str | None:
    """The file's name for messages: printable characters only, at most 100."""
    if not filename:
        return None
    kept = "".join(c for c in filename if unicodedata.category(c)[0] not in "CZ" or c == " ")
    return kept[-100:] or None


@functools.cache
def _limiter() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(PARSERS)


async def parse_upload(upload: Upload, time_zone: str | None, max_bytes: int) -> ParsedFile:
    """Parse in a worker thread (never on the event loop that serves sign-ins); a file we
    cannot read is ``InvalidFile`` with the reader's message."""
    limits = Limits(max_bytes=max_bytes)
    work = functools.partial(
        parse, upload.data, time_zone=time_zone, limits=limits, name=upload.filename
    )
    try:
        parsed = await anyio.to_thread.run_sync(work, limiter=_limiter())
    except GreenButtonError as error:
        raise InvalidFile(f"This is not a Green Button file we can read: {error}") from None
    _check_text(parsed)
    return parsed


def _check_text(parsed: ParsedFile) -> None:
    """Names a file gives its meters and bills become stored text: a control character there
    (a NUL cannot even be stored on PostgreSQL) means the file is damaged."""
    for item in parsed.meters:
        meter = item.meter
        texts = [meter.number, meter.tariff, meter.meter_number, meter.service_id]
        texts += [line.description for s in item.statements for line in s.line_items]
        for text in texts:
            if text and any(unicodedata.category(c) == "Cc" for c in text):
                raise InvalidFile(
                    "This file is damaged: a meter or bill name in it holds control "
                    "characters. Download it from the utility again."
                )
