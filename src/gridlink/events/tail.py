"""``gridlink events tail``: print events as they are committed, one JSON object per line."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import orjson

from gridlink.events.repository import EventRepository
from gridlink.events.service import to_out
from gridlink.kit.db import Database
from gridlink.models import Event

BATCH = 500


class UnknownClient(LookupError):
    pass


def event_line(event: Event) -> str:
    """The event as the API returns it, with the client it belongs to first."""
    return orjson.dumps(
        {"client_id": event.client_id, **to_out(event).model_dump(mode="json")}
    ).decode()


async def _start_positions(db: Database, client_id: str | None) -> dict[str, int]:
    async with db.transaction(write=False) as session:
        repo = EventRepository(session)
        clients = await repo.client_ids()
        if client_id is not None:
            if client_id not in clients:
                raise UnknownClient(client_id)
            clients = [client_id]
        return {c: await repo.last_position(c) for c in clients}


async def _poll(db: Database, positions: dict[str, int], follow_new_clients: bool) -> list[Event]:
    found: list[Event] = []
    async with db.transaction(write=False) as session:
        repo = EventRepository(session)
        if follow_new_clients:
            for client in await repo.client_ids():
                positions.setdefault(client, 0)
        for client, position in positions.items():
            events = await repo.newer_than(client, position, BATCH)
            if events:
                positions[client] = events[-1].position
                found.extend(events)
    return sorted(found, key=lambda e: (e.created_at, e.id))


async def tail_events(
    db: Database,
    client_id: str | None,
    emit: Callable[[str], None],
    stop: asyncio.Event,
    ready: Callable[[], None] = lambda: None,
    poll_seconds: float = 0.5,
) -> None:
    """Emit every event committed after the start (for one client or all) until ``stop``;
    ``ready`` is called once the starting point is fixed.

    Events are followed by each client's commit-order position, so an event committed late
    (in a longer transaction) is still printed."""
    positions = await _start_positions(db, client_id)
    ready()
    while not stop.is_set():
        for event in await _poll(db, positions, follow_new_clients=client_id is None):
            emit(event_line(event))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
