"""A ``.zip`` of Green Button files (PG&E's "Download My Data" gives one), read safely.

Zip bombs and path tricks are refused before anything is inflated: the member count, each
member's declared size and ratio, and the total are capped, and inflation stops at the cap
even when a member lies about its size. Names are only used in messages, never as paths, but
a name that climbs out (``../``) or is absolute marks a hostile archive and is refused.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from pathlib import PurePosixPath

from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.limits import Limits
from gridlink.greenbutton.model import ParsedFile, merge

_READ_CHUNK = 1024 * 1024
_SKIPPED_PREFIXES = ("__MACOSX/", ".")


def _check_name(name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
        raise GreenButtonError("a file name in the zip points outside it; refused", where=name)


def _wanted(info: zipfile.ZipInfo) -> bool:
    base = PurePosixPath(info.filename).name
    return not (
        info.is_dir() or info.filename.startswith(_SKIPPED_PREFIXES) or base.startswith(".")
    )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    out = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(_READ_CHUNK):
            out += chunk
            if len(out) > budget:
                raise GreenButtonError(
                    "the zip inflates past our limit for uncompressed data", where=info.filename
                )
    return bytes(out)


def parse_zip(
    data: bytes, parse_member: Callable[[bytes, str], ParsedFile], limits: Limits
) -> ParsedFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise GreenButtonError(f"not a readable zip file ({error})", where="zip") from None
    if len(infos) > limits.max_members:
        raise GreenButtonError(
            f"{len(infos):,} files in the zip, over the limit of {limits.max_members}",
            where="zip",
        )
    for info in infos:
        _check_name(info.filename)
    members = [info for info in infos if _wanted(info)]
    declared = sum(info.file_size for info in members)
    if declared > limits.max_unzipped:
        raise GreenButtonError(
            f"the zip holds {declared:,} bytes uncompressed, over {limits.max_unzipped:,}",
            where="zip",
        )
    for info in members:
        if info.file_size > limits.max_ratio * max(info.compress_size, 1) + 65536:
            raise GreenButtonError("compressed suspiciously well; refused", where=info.filename)
    results: list[ParsedFile] = []
    budget = limits.max_unzipped
    for info in members:
        try:
            content = _inflate(archive, info, min(budget, limits.max_bytes))
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as e:
            raise GreenButtonError(f"cannot be unpacked ({e})", where=info.filename) from None
        except zlib.error as error:
            raise GreenButtonError(f"cannot be unpacked ({error})", where=info.filename) from None
        budget -= len(content)
        results.append(parse_member(content, info.filename))
    if not results:
        raise GreenButtonError("the zip holds no file to read", where="zip")
    return merge(results)
