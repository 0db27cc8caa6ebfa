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
what the import found: its EIA ids and edition, its legal name, its search aliases, states and
zips. Then the connectors' claims on EIA utilities apply (``utilities/claims.py``): an imported
entry a connector utility claims to be (a subsidiary) is folded into it, and a utility serving
the customers of imported ones is suggested in their zips. The import applies them too, so the
order of start-up and import does not matter.
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
from gridlink.models import Utility, UtilityZipCode
from gridlink.utilities.claims import Claims
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
        eia_ids=sorted({*utility.all_eia_ids, *(imported.eia_ids if imported else ())}),
        eia_edition=imported.eia_edition if imported is not None else None,
        legal_name=imported.legal_name if imported is not None else None,
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
                    "matched_by": "zip",
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
    await apply_claims(repo, Claims.of(served), now)  # every utility it names was just written


async def apply_claims(repo: UtilityRepository, claims: Claims, now: datetime) -> None:
    """Fold imported entries into the connector utilities that claim to be them, then suggest
    each utility in the zips of those whose customers it serves. Idempotent."""
    aliases = claims.aliases()
    found = await repo.get_many(list(aliases))
    targets = await repo.get_many(sorted({aliases[alias] for alias in found}))
    folded = [  # an entry an operator pointed at a connector stays as it is
        alias
        for alias in sorted(found)
        if aliases[alias] in targets and found[alias].connector_id is None
    ]
    for alias in folded:
        await _fold(repo, found[alias], targets[aliases[alias]], now)
    await repo.delete_utilities(folded)
    sources = claims.customer_sources()
    copies = [
        _copied(row, utility_id)
        for row in await repo.zip_rows_of(sorted(sources))
        if row.edition > CONNECTOR_EDITION
        for utility_id in sources[row.utility_id]
    ]
    await repo.merge_zip_rows(copies)


async def _fold(repo: UtilityRepository, alias: Utility, target: Utility, now: datetime) -> None:
    rows = await repo.zip_rows_of([alias.id])
    await repo.merge_zip_rows([_copied(row, target.id) for row in rows])
    states = await repo.states_of([alias.id])
    await repo.add_states([(target.id, state) for state in states[alias.id]])
    search = target.search_text
    if alias.search_text not in search:
        search = f"{search} {alias.search_text}"[:500]
    eia_ids = sorted({*target.eia_ids, *alias.eia_ids})
    if (search, eia_ids) != (target.search_text, target.eia_ids):
        target.search_text, target.eia_ids, target.updated_at = search, eia_ids, now
    if alias.eia_edition is not None and (target.eia_edition or 0) < alias.eia_edition:
        target.eia_edition, target.updated_at = alias.eia_edition, now


def _copied(row: UtilityZipCode, utility_id: str) -> dict[str, Any]:
    return {
        "zip": row.zip,
        "utility_id": utility_id,
        "state": row.state,
        "service_type": row.service_type,
        "ownership": row.ownership,
        "rank": row.rank,
        "edition": row.edition,
        "matched_by": row.matched_by,
    }


async def ensure_sandbox_utilities(session: AsyncSession, now: datetime) -> None:
    """Only the built-in sandbox connector's utilities (start-up writes every connector's)."""
    served = [ServedUtility(SANDBOX_INFO.id, utility) for utility in SANDBOX_INFO.utilities]
    await ensure_connector_utilities(session, served, now)


async def find_visible(session: AsyncSession, utility_id: str, environment: str) -> Utility | None:
    """The utility if a client of ``environment`` may use it, else None (unknown and hidden
    utilities look the same)."""
    return await UtilityRepository(session).get_visible(utility_id, environment)
