"""Removes bill PDFs that no statement points at any more.

Statements go when their credential or user is deleted (the rows cascade), and a sync whose
transaction rolled back may have written a file first; in both cases the file is left behind. A
file is only removed once it is older than ``grace`` — a sync writes its PDFs *before* the
transaction that stores their statements commits, so a fresh unreferenced file may be about to
be referenced — and only when no statement references it (files are named by content, so two
statements may share one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from gridlink.data.files import FileStore
from gridlink.data.repository import DataRepository
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import beat

logger = logging.getLogger(__name__)

BATCH = 500


class FileSweeper:
    name = "file_sweeper"

    def __init__(
        self,
        db: Database,
        files: FileStore,
        every: timedelta = timedelta(hours=1),
        grace: timedelta = timedelta(hours=1),
    ) -> None:
        self.db = db
        self.files = files
        self.every = every
        self.grace = grace

    async def run(self, stop: asyncio.Event) -> None:
        # First sweep one period after start: walking the store is no start-up work.
        while True:
            beat(within=self.every.total_seconds())  # readiness: alive, back within a period
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every.total_seconds())
            if stop.is_set():
                return
            try:
                await self.sweep()
            except Exception:
                logger.exception("could not sweep the file store")

    async def sweep(self) -> int:
        """Delete the unreferenced files older than the grace period; returns how many."""
        names = await asyncio.to_thread(self.files.names_older_than, self.grace.total_seconds())
        removed = 0
        for start in range(0, len(names), BATCH):
            batch = names[start : start + BATCH]
            async with self.db.transaction() as session:
                kept = await DataRepository(session).referenced_files(batch)
            for name in batch:
                if name not in kept:
                    await asyncio.to_thread(self.files.delete, name)
                    removed += 1
        if removed:
            logger.info("removed %d unreferenced files from the file store", removed)
        return removed
