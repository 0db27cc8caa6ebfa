"""The utilities a client may connect to, and how the connectors' utilities get into the catalog.

Visibility follows the client's environment: sandbox clients see only sandbox utilities, live
clients never see them.

What a connector declares about a utility (``gridlink.connectors.UtilityInfo``) is the one
definition of it. At every start-up each utility served by a registered connector, built-in or
plugin, is written to the catalog (idempotently, restoring the declared definition) with the
serving connector as ``connector_id`` and status ``active``. A zip a utility declares ranks it
by its position among the utilities that declare that zip, in registration order: the first is
the best guess. The sandbox's utilities and zips are listed in docs/reference/sandbox.md.

A utility the EIA import already knows (same id) takes the connector's definition but keeps
what the import found: its EIA ids and edition, its search aliases, states and zips.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.connectors.models import Commodity
from gridlink.connectors.registry import ServedUtility
from gridlink.connectors.sandbox import SANDBOX_INFO
from gridlink.models import Utility
from gridlink.utilities.repository import UtilityRepository
from gridlink.utilities.zip_states import state_for_zip

SANDBOX = "sandbox"
LIVE = "live"
ACTIVE = "active"
# Zip rows a connector declares. Imported rows carry their data year, so an import never loses
# a row to a connector's and a zip that imported data covers keeps only the imported rows.
CONNECTOR_EDITION = 0


def _search_text(name: str, imported: Utility | None) -> str:
    """The declared name, plus what an import made searchable (official name, aliases)."""
    own = name.lower()
    if imported is None:
        return own
    if f"{imported.search_text} ".startswith(f"{own} "):  # seeded before: already merged
        return imported.search_text
    return f"{own} {imported.search_text}"


def _definition(served: ServedUtility, known: Utility | None, now: datetime) -> Utility:
    utility = served.utility
    imported = known if known is not None and known.eia_edition is not None else None
    return Utility(
        id=utility.id,
        name=utility.name,
        sort_name=utility.name.lower(),
        search_text=_search_text(utility.name, imported),
        logo_url=utility.logo_url,
        electric=Commodity.ELECTRIC in utility.commodities,
        gas=Commodity.GAS in utility.commodities,
        water=Commodity.WATER in utility.commodities,
        sign_in_kinds=[kind.value for kind in utility.sign_in_kinds],
        mfa_methods=[method.value for method in utility.mfa_methods],
        connector_id=served.connector_id,
        forgot_password_url=utility.forgot_password_url,
        status=ACTIVE,
        environment=utility.environment.value,
        eia_ids=list(imported.eia_ids) if imported is not None else [],
        eia_edition=imported.eia_edition if imported is not None else None,
        created_at=now,
        updated_at=now,
    )


def _zip_rows(served: Sequence[ServedUtility]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    listed: Counter[str] = Counter()  # zip → utilities declaring it so far
    for entry in served:
        utility = entry.utility
        for zip_code in utility.zips:
            rows.append(
                {
                    "zip": zip_code,
                    "utility_id": utility.id,
                    # Sandbox zips (000xx) are in no state: the utility's own stands in.
                    "state": state_for_zip(zip_code) or next(iter(utility.states), ""),
                    "service_type": "bundled",
                    "ownership": "Connector",
                    "rank": listed[zip_code],
                    "edition": CONNECTOR_EDITION,
                }
            )
            listed[zip_code] += 1
    return rows


async def ensure_connector_utilities(
    session: AsyncSession, served: Sequence[ServedUtility], now: datetime
) -> None:
    """Write every utility in ``served`` (``ConnectorRegistry.utilities()``) to the catalog as
    its connector declares it; safe to run on every start."""
    if not served:
        return
    repo = UtilityRepository(session)
    known = {
        entry.utility.id: await repo.get_visible(entry.utility.id, entry.utility.environment.value)
        for entry in served
    }
    await repo.upsert_definitions(
        [_definition(entry, known[entry.utility.id], now) for entry in served]
    )
    states = [(entry.utility.id, state) for entry in served for state in entry.utility.states]
    if states:
        await repo.add_states(states)
    zip_rows = _zip_rows(served)
    if zip_rows:
        await repo.upsert_zip_rows(zip_rows)


async def ensure_sandbox_utilities(session: AsyncSession, now: datetime) -> None:
    """Only the built-in sandbox connector's utilities (start-up writes every connector's)."""
    served = [ServedUtility(SANDBOX_INFO.id, utility) for utility in SANDBOX_INFO.utilities]
    await ensure_connector_utilities(session, served, now)


async def find_visible(session: AsyncSession, utility_id: str, environment: str) -> Utility | None:
    """The utility if a client of ``environment`` may use it, else None (unknown and hidden
    utilities look the same)."""
    return await UtilityRepository(session).get_visible(utility_id, environment)
