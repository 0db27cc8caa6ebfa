"""How Connect can connect a utility, in the order it offers them (issue 14, item 5).

A utility is reachable up to three ways: ``green_button`` (Green Button Connect My Data, where
the operator registered its Data Custodian: no password shared, the utility's own feed),
``login`` (a connector signs in, while one serves it and it is not unsupported) and ``file`` (a
Green Button download, for every utility). Gridlink's order is that one; a client may set its
own (``gridlink clients update --connection-methods``), leaving out what it does not want
offered, as the Universal Connect Widget lets an institution prefer one provider.

A connector that is down is skipped: when the utility's last ``DOWN_AFTER`` finished sign-ins in
``DOWN_WINDOW`` all ended with the utility unavailable, the utility reads ``degraded`` and its
``login`` moves after the other methods, so Connect opens on a way that works.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.clients.repository import ClientRepository
from gridlink.connectors.errors import TemporarilyUnavailable
from gridlink.custodians.repository import CustodianRepository
from gridlink.models import Utility
from gridlink.utilities.repository import UtilityRepository
from gridlink.utilities.schemas import ConnectionMethod

DEFAULT_ORDER: tuple[ConnectionMethod, ...] = ("green_button", "login", "file")
METHODS: frozenset[str] = frozenset(get_args(ConnectionMethod))
DOWN_AFTER = 3
DOWN_WINDOW = timedelta(minutes=15)
_UNAVAILABLE = TemporarilyUnavailable.status_detail


@dataclass(frozen=True)
class MethodContext:
    """What decides the methods of a page of utilities, read once for the page."""

    custodians: frozenset[str] = frozenset()
    down: frozenset[str] = frozenset()
    order: tuple[ConnectionMethod, ...] = DEFAULT_ORDER

    def methods(self, utility: Utility) -> list[ConnectionMethod]:
        available: set[ConnectionMethod] = {"file"}
        if utility.id in self.custodians:
            available.add("green_button")
        if utility.connector_id is not None and utility.status != "unsupported":
            available.add("login")
        methods = [m for m in self.order if m in available]
        if utility.id in self.down and "login" in methods and len(methods) > 1:
            methods = [m for m in methods if m != "login"] + ["login"]
        return methods

    def status(self, utility: Utility) -> str:
        if utility.status == "active" and utility.id in self.down:
            return "degraded"
        return utility.status


def check_order(methods: Sequence[str]) -> list[ConnectionMethod]:
    """A client's order: known methods, each once, at least one."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods or len(set(methods)) != len(methods):
        raise ValueError(
            "connection methods are a comma-separated order of green_button, login and file, "
            f"each at most once (got {','.join(methods) or 'nothing'})"
        )
    return [m for m in methods if m in METHODS]  # type: ignore[misc]


async def method_context(
    session: AsyncSession,
    utility_ids: Iterable[str],
    client_id: str | None,
    now: datetime | None,
) -> MethodContext:
    """``now`` None: no connector counts as down (a caller without a clock)."""
    ids = sorted(set(utility_ids))
    custodians = await CustodianRepository(session).utilities_with_custodian(ids)
    order = DEFAULT_ORDER
    if client_id is not None:
        chosen = await ClientRepository(session).connection_methods(client_id)
        if chosen:
            order = tuple(m for m in chosen if m in METHODS)  # type: ignore[misc]
    down: set[str] = set()
    if now is not None:
        down = await UtilityRepository(session).down(
            ids, since=now - DOWN_WINDOW, last=DOWN_AFTER, detail=_UNAVAILABLE
        )
    return MethodContext(frozenset(custodians), frozenset(down), order)


async def offered(
    session: AsyncSession, utility: Utility, client_id: str, method: ConnectionMethod
) -> bool:
    """Whether Connect offers ``method`` for ``utility`` to this client's end users (a down
    connector is still offered, last)."""
    context = await method_context(session, [utility.id], client_id, None)
    return method in context.methods(utility)
