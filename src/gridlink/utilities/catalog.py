"""The utilities a client may connect to, and the built-in sandbox utilities.

Visibility follows the client's environment: sandbox clients see only sandbox utilities, live
clients never see them. The sandbox utilities are defined here and written to the catalog at
start-up (idempotently), each with a zip code of its own from the unassigned range 00001-00099
so a sandbox integration can exercise zip pre-fill:

=========  ==========================================
zip        utilities
=========  ==========================================
00001      sandbox_electric
00002      sandbox_gas
00003      sandbox_combined
00004      sandbox_water
00005      all four, best guess first (combined, electric, gas, water)
=========  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import Utility
from gridlink.utilities.repository import UtilityRepository

SANDBOX = "sandbox"
LIVE = "live"
SANDBOX_CONNECTOR_ID = "sandbox"
SANDBOX_EDITION = 0


@dataclass(frozen=True)
class SandboxUtility:
    id: str
    name: str
    state: str
    commodities: tuple[str, ...]
    zips: tuple[tuple[str, int], ...]  # (zip, rank)


SANDBOX_UTILITIES: tuple[SandboxUtility, ...] = (
    SandboxUtility(
        "sandbox_electric",
        "Sandbox Power & Light",
        "CA",
        ("electric",),
        (("00001", 0), ("00005", 1)),
    ),
    SandboxUtility(
        "sandbox_gas", "Sandbox Gas Company", "CA", ("gas",), (("00002", 0), ("00005", 2))
    ),
    SandboxUtility(
        "sandbox_combined",
        "Sandbox Energy (electric + gas)",
        "NY",
        ("electric", "gas"),
        (("00003", 0), ("00005", 0)),
    ),
    SandboxUtility(
        "sandbox_water", "Sandbox Water District", "TX", ("water",), (("00004", 0), ("00005", 3))
    ),
)
SANDBOX_ZIPS = frozenset(z for u in SANDBOX_UTILITIES for z, _ in u.zips)


def _row(spec: SandboxUtility, now: datetime) -> Utility:
    return Utility(
        id=spec.id,
        name=spec.name,
        sort_name=spec.name.lower(),
        search_text=spec.name.lower(),
        logo_url=None,
        electric="electric" in spec.commodities,
        gas="gas" in spec.commodities,
        water="water" in spec.commodities,
        sign_in_kinds=["password", "password_mfa"],
        mfa_methods=["sms", "call", "email"],
        connector_id=SANDBOX_CONNECTOR_ID,
        forgot_password_url=None,
        status="active",
        environment=SANDBOX,
        eia_ids=[],
        eia_edition=None,
        created_at=now,
        updated_at=now,
    )


async def ensure_sandbox_utilities(session: AsyncSession, now: datetime) -> None:
    """Write the sandbox utilities as defined above; safe to run on every start."""
    repo = UtilityRepository(session)
    await repo.upsert_definitions([_row(spec, now) for spec in SANDBOX_UTILITIES])
    await repo.add_states([(spec.id, spec.state) for spec in SANDBOX_UTILITIES])
    await repo.upsert_zip_rows(
        [
            {
                "zip": zip_code,
                "utility_id": spec.id,
                "state": spec.state,
                "service_type": "bundled",
                "ownership": "Sandbox",
                "rank": rank,
                "edition": SANDBOX_EDITION,
            }
            for spec in SANDBOX_UTILITIES
            for zip_code, rank in spec.zips
        ]
    )


async def find_visible(session: AsyncSession, utility_id: str, environment: str) -> Utility | None:
    """The utility if a client of ``environment`` may use it, else None (unknown and hidden
    utilities look the same)."""
    return await UtilityRepository(session).get_visible(utility_id, environment)
