"""One entry point for every Green Button download: :func:`parse` looks at the bytes."""

from __future__ import annotations

from gridlink.greenbutton.archive import parse_zip
from gridlink.greenbutton.csv_files import parse_csv
from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.espi import parse_espi
from gridlink.greenbutton.limits import Limits
from gridlink.greenbutton.model import ParsedFile

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def kind_of(data: bytes) -> str:
    """``zip``, ``xml`` or ``csv``, from the first bytes (names and types lie)."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"
    head = data[:64]
    for bom in _BOMS:
        if head.startswith(bom):
            if bom != b"\xef\xbb\xbf":
                return "xml" if b"<\x00" in head or b"\x00<" in head else "csv"
            head = head[len(bom) :]
    return "xml" if head.lstrip().startswith(b"<") else "csv"


def parse(
    data: bytes,
    *,
    time_zone: str | None = None,
    limits: Limits | None = None,
    name: str | None = None,
) -> ParsedFile:
    """Read a Green Button XML, CSV or zip file.

    ``time_zone`` is the utility's IANA zone when known: XML instants are UTC whatever it
    is, but bill dates and CSV wall times depend on it (without it, XML falls back to its
    LocalTimeParameters and CSV to UTC, with a warning). ``name`` only improves messages.
    """
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise GreenButtonError(
            f"the file is {len(data):,} bytes, over the limit of {limits.max_bytes:,}",
            where=name or "file",
        )
    if not data.strip():
        raise GreenButtonError("the file is empty", where=name or "file")
    kind = kind_of(data)
    if kind == "zip":

        def member(content: bytes, member_name: str) -> ParsedFile:
            if kind_of(content) == "zip":
                raise GreenButtonError("a zip inside a zip is not read", where=member_name)
            return _parse_one(content, time_zone, limits, member_name)

        return parse_zip(data, member, limits)
    return _parse_one(data, time_zone, limits, name)


def _parse_one(data: bytes, time_zone: str | None, limits: Limits, name: str | None) -> ParsedFile:
    try:
        if kind_of(data) == "xml":
            return parse_espi(data, time_zone=time_zone, limits=limits)
        return parse_csv(data, time_zone=time_zone, limits=limits)
    except GreenButtonError as error:
        if name is None:
            raise
        raise GreenButtonError(str(error), where=name) from None
