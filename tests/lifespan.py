"""Run an app's lifespan in a test, and prove its shut-down leaves nothing of ours running.

A task the app starts and does not wait for outlives `db.dispose()`; cancelled only when the
event loop closes, it can hang there (a SQLite connection's thread is gone) or write after
shut-down. Failing the test that leaked it names the task, instead of a timeout somewhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

import gridlink.app
from gridlink import Settings, create_app
from gridlink.connectors.registry import ConnectorRegistry
from gridlink.kit.clock import Clock


def _ours(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and "/gridlink/" in code.co_filename


def leftover_tasks() -> list[asyncio.Task[object]]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done() and _ours(t)]


@asynccontextmanager
async def running_with_connectors(
    settings: Settings,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    connectors: Callable[[Settings], ConnectorRegistry],
) -> AsyncIterator[FastAPI]:
    """An app whose connector registry is ``connectors(settings)`` instead of the server's."""
    monkeypatch.setattr(gridlink.app, "build_connectors", connectors)
    async with running(create_app(settings, clock=clock)) as app:
        yield app


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with LifespanManager(app):
        yield app
    await asyncio.sleep(0)  # let tasks cancelled by the shut-down finish
    left = leftover_tasks()
    assert not left, f"the app's shut-down left tasks running: {left}"
