"""The sandbox's Green Button utility: the local Data Custodian (greenbutton/custodian) mounted
in `gridlink serve` at ``/sandbox/green-button`` and registered for "Sandbox Green Button
Utility", so an integrator tries Connect My Data from the demo with no utility account.

The custodian keeps its state in memory, so each start makes a new client secret and registers
it again (``--replace``): authorizations from an earlier run end with it, as a real
custodian's would after a re-registration. Only on a local server by default
(``GRIDLINK_SANDBOX_GREEN_BUTTON=auto``): its worker calls the custodian at the public URL.
"""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.custodians import service
from gridlink.custodians.authorization import CALLBACK_PATH
from gridlink.greenbutton.custodian import Custodian, Registration, SandboxFeeds, create_custodian
from gridlink.kit.clock import Clock
from gridlink.kit.keyring import Ring
from gridlink.models import Utility
from gridlink.utilities.repository import UtilityRepository

UTILITY_ID = "sandbox_green_button"
UTILITY_NAME = "Sandbox Green Button Utility"
STATE = "CA"
ZIPS = ("00060",)
MOUNT = "/sandbox/green-button"
CLIENT_ID = "gridlink-sandbox"
SCOPE = (
    "FB=1_3_4_5_13_14_15_39;IntervalDuration=3600;BlockDuration=Daily;"
    "HistoryLength=34128000;SubscriptionFrequency=Daily;AccountCollection=1;"
)


async def ensure_utility(session: AsyncSession, clock: Clock) -> None:
    """The catalog entry: a sandbox utility with no sign-in connector (Green Button only)."""
    now = clock.now()
    repo = UtilityRepository(session)
    utility = Utility(
        id=UTILITY_ID,
        name=UTILITY_NAME,
        sort_name=UTILITY_NAME.lower(),
        search_text=f"{UTILITY_NAME.lower()} green button",
        logo_url=None,
        electric=True,
        gas=True,
        water=False,
        sign_in_kinds=[],
        mfa_methods=[],
        connector_id=None,
        forgot_password_url=None,
        status="active",
        environment="sandbox",
        eia_ids=[],
        eia_edition=None,
        legal_name=None,
        created_at=now,
        updated_at=now,
    )
    await repo.upsert_definitions([utility])
    await repo.add_states([(UTILITY_ID, STATE)])
    await repo.upsert_zip_rows(
        [
            {
                "zip": code,
                "utility_id": UTILITY_ID,
                "state": STATE,
                "service_type": "bundled",
                "ownership": "Connector",
                "rank": 0,
                "edition": 0,
                "matched_by": "zip",
            }
            for code in ZIPS
        ]
    )


async def register(
    session: AsyncSession, clock: Clock, ring: Ring, public_url: str, secret: str
) -> str:
    """Register the mounted custodian for the sandbox utility; returns the registration's id."""
    await ensure_utility(session, clock)
    base = public_url.rstrip("/") + MOUNT
    given = service.CustodianIn(
        utility_id=UTILITY_ID,
        name=UTILITY_NAME,
        oauth_client_id=CLIENT_ID,
        client_secret=secret,
        authorization_endpoint=f"{base}/oauth/authorize",
        token_endpoint=f"{base}/oauth/token",
        resource_endpoint=f"{base}/espi/1_1/resource",
        scope=SCOPE,
    )
    custodian = await service.add_custodian(session, clock, ring, given, replace=True)
    return custodian.id


def build(public_url: str, secret: str, custodian_id: str) -> Custodian:
    public = public_url.rstrip("/")
    registration = Registration(
        client_id=CLIENT_ID,
        client_secret=secret,
        redirect_uris=(public + CALLBACK_PATH,),
        notify_uri=f"{public}/green_button/notifications/{custodian_id}",
        scope=SCOPE,
        name="Gridlink sandbox",
    )
    return create_custodian(
        base_url=public + MOUNT, registrations=[registration], feeds=SandboxFeeds()
    )


def new_secret() -> str:
    return secrets.token_urlsafe(32)
