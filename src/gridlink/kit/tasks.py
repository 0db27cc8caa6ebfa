"""Ending background tasks so that nothing outlives the loop that started it."""

from __future__ import annotations

import asyncio


async def cancel_and_wait(*tasks: asyncio.Task[object] | asyncio.Future[object]) -> None:
    """Cancel ``tasks`` and return only once every one has ended.

    Cancelling is not ending: a task cancelled inside a transaction still has its connection to
    roll back. Left behind, it outlives the database (disposed right after the worker stops)
    and the event loop then waits on it forever at exit.
    """
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
