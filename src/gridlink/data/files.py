"""The file store: bill PDFs on the local disk, named by their content.

A file's name is the SHA-256 of its bytes (``ab/abcdef….pdf``), so storing the same bill twice
(a sync that was killed and runs again) writes nothing new, and a row can never point at a
different file than the one it was written with. Writes go to a temporary file in the same
folder, are flushed to disk, then renamed over the final name: a reader sees the whole file or
none, never half of one. A file whose transaction rolled back, or whose statements were deleted
with their credential or user, is removed by the sweeper (:mod:`gridlink.data.sweeper`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import time
from pathlib import Path

_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.[a-z]{1,8}")


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        """The file's path; a name this store did not make is refused (no path tricks)."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a file store name: {name!r}")
        return self.root / name

    def put(self, data: bytes, suffix: str = "pdf") -> str:
        digest = hashlib.sha256(data).hexdigest()
        name = f"{digest[:2]}/{digest}.{suffix}"
        target = self.path(name)
        if target.exists() and target.stat().st_size == len(data):
            return name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            with temporary.open("xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        return name

    async def put_async(self, data: bytes, suffix: str = "pdf") -> str:
        """:meth:`put` off the event loop (it waits for the disk)."""
        return await asyncio.to_thread(self.put, data, suffix)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def names_older_than(self, seconds: float) -> list[str]:
        """Names of the store's files last written more than ``seconds`` ago (temporary files
        of writes in progress are not names)."""
        if not self.root.is_dir():
            return []
        cutoff = time.time() - seconds
        found = []
        for path in self.root.glob("??/*"):
            name = f"{path.parent.name}/{path.name}"
            if _NAME.fullmatch(name) and path.stat().st_mtime < cutoff:
                found.append(name)
        return found

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(name).unlink()
