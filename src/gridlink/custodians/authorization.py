"""The end user's trip to the Data Custodian, from Connect and back (Connect My Data).

``start``: Connect asks for the custodian's authorization URL. A random ``state`` (its hash
stored, bound to the Connect session, single use, 10 minutes) and a PKCE verifier (sealed in the
vault) go with it. ``callback``: the custodian sends the browser back with ``code`` and
``state`` (or an ``error``); the code is sealed and a connection attempt queued, so a worker
exchanges it (it holds the keys that open the custodian's client secret) and the widget follows
that attempt as it follows a sign-in, to ``complete`` and ``onSuccess``. ``status``: what the
widget polls while the custodian's window is open.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts.repository import AttemptRepository
from gridlink.attempts.service import WORK_CHANNEL
from gridlink.connect import sessions
from gridlink.connect.repository import ConnectSessionRepository
from gridlink.credentials.methods import CredentialMethod
from gridlink.custodians.client import authorization_url
from gridlink.custodians.grants import config_of
from gridlink.custodians.repository import CustodianRepository
from gridlink.errors import Conflict, NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.vault import Owner, Vault
from gridlink.kit.wakeup import announce
from gridlink.models import (
    ConnectionAttempt,
    ConnectSession,
    GreenButtonAuthorization,
    GreenButtonCustodian,
    UtilityCredential,
)
from gridlink.utilities.catalog import find_visible
from gridlink.utilities.methods import offered

TRIP_TTL = timedelta(minutes=10)
CALLBACK_PATH = "/connect/green_button/callback"
VERIFIER_FIELD = "code_verifier"
CODE_FIELD = "authorization_code"
NOT_FOUND = "No such authorization in this Connect session."


class TripStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    DENIED = "denied"
    EXPIRED = "expired"
    FAILED = "failed"


@dataclass(frozen=True)
class Started:
    authorization: GreenButtonAuthorization
    url: str


def state_digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def start(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    context: sessions.SessionContext,
    public_url: str,
) -> Started:
    custodian = await _check_may_start(session, context)
    row = context.row
    now = clock.now()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks for 43 to 128
    trip = GreenButtonAuthorization(
        id=new_id("gba"),
        client_id=row.client_id,
        session_id=row.id,
        custodian_id=custodian.id,
        state_hash=state_digest(state),
        status=TripStatus.PENDING.value,
        redirect_uri=public_url.rstrip("/") + CALLBACK_PATH,
        expires_at=now + TRIP_TTL,
        created_at=now,
        updated_at=now,
    )
    await CustodianRepository(session).add_authorization(trip)
    if custodian.pkce:
        await vault.seal(
            session,
            owner=Owner(row.client_id, trip.id),
            field=VERIFIER_FIELD,
            plaintext=verifier.encode(),
        )
    url = authorization_url(config_of(custodian), trip.redirect_uri, state, verifier)
    return Started(trip, url)


async def _check_may_start(
    session: AsyncSession, context: sessions.SessionContext
) -> GreenButtonCustodian:
    sessions.require_open(context)
    row = context.row
    if row.mode == "create" and row.consented_at is None:
        raise Conflict("Consent comes first: the end user must accept before connecting.")
    if row.utility_id is None:
        raise Conflict("Choose a utility before connecting it.")
    utility = await find_visible(session, row.utility_id, context.environment)
    if utility is None:
        raise Conflict("This utility is not available here; choose another.")
    custodian = await CustodianRepository(session).for_utility(row.utility_id)
    if custodian is None or not await offered(session, utility, row.client_id, "green_button"):
        raise Conflict(
            "This utility does not offer Green Button Connect here; sign in or upload a file."
        )
    attempts = AttemptRepository(session)
    if await attempts.verified_in_session(row.id):
        raise Conflict("A utility account was already connected in this session.")
    if await attempts.unfinished_in_session(row.id) is not None:
        raise Conflict("A connection is in progress in this session; wait for it to end.")
    if row.mode == "update":
        credential = await sessions.updated_credential(session, context)
        if credential is None or credential.method != CredentialMethod.GREEN_BUTTON:
            raise Conflict(
                "This connection does not use Green Button Connect; update it the way it was made."
            )
    return custodian


@dataclass(frozen=True)
class TripView:
    id: str
    status: str
    attempt_id: str | None
    message: str | None


async def status(
    session: AsyncSession, clock: Clock, context: sessions.SessionContext, trip_id: str
) -> TripView:
    trip = await CustodianRepository(session).authorization_in_session(context.row.id, trip_id)
    if trip is None:
        raise NotFound(NOT_FOUND)
    if trip.status == TripStatus.PENDING and trip.expires_at <= clock.now():
        # Only reported: the callback records it, should the end user ever come back.
        return TripView(trip.id, TripStatus.EXPIRED.value, None, EXPIRED)
    return TripView(trip.id, trip.status, trip.attempt_id, trip.message)


EXPIRED = "The authorization took too long. Start again."
DENIED = "You did not allow sharing at the utility."
FAILED = "The utility could not complete the authorization. Start again."
SESSION_GONE = "This Connect session has ended. Go back to the app and open Connect again."
UNKNOWN = "This authorization link is not valid. Go back to the app and open Connect again."
USED = "This authorization was already used. Go back to the app."


@dataclass(frozen=True)
class Returned:
    """What the callback page tells the end user; ``trip_id`` None when no trip was found."""

    ok: bool
    message: str
    trip_id: str | None = None


async def callback(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
) -> Returned:
    if not state or len(state) > 200:
        return Returned(False, UNKNOWN)
    repo = CustodianRepository(session)
    trip = await repo.authorization_by_state(state_digest(state))
    if trip is None:
        return Returned(False, UNKNOWN)
    if trip.status != TripStatus.PENDING:
        ok = trip.status == TripStatus.AUTHORIZED
        return Returned(ok, "You can close this window." if ok else USED, trip.id)
    now = clock.now()
    row = await ConnectSessionRepository(session).get(trip.session_id)
    if trip.expires_at <= now:
        return _end(trip, now, TripStatus.EXPIRED, EXPIRED)
    if row is None or row.closed_at is not None or row.ended_at is not None:
        return _end(trip, now, TripStatus.FAILED, SESSION_GONE)
    if error is not None or not code:
        denied = error == "access_denied"
        return _end(
            trip,
            now,
            TripStatus.DENIED if denied else TripStatus.FAILED,
            DENIED if denied else FAILED,
        )
    if len(code) > 2000:
        return _end(trip, now, TripStatus.FAILED, FAILED)
    custodian = await repo.get(trip.custodian_id)
    if custodian is None:  # removed by the operator meanwhile
        return _end(trip, now, TripStatus.FAILED, FAILED)
    attempts = AttemptRepository(session)
    if await attempts.verified_in_session(row.id) or await attempts.unfinished_in_session(row.id):
        return _end(trip, now, TripStatus.FAILED, USED)
    credential = await _credential_for(session, row, custodian.utility_id, now)
    attempt = ConnectionAttempt(
        id=new_id("att"),
        client_id=row.client_id,
        session_id=row.id,
        credential_id=credential.id,
        utility_id=custodian.utility_id,
        mode=row.mode,
        new_login=False,
        status="queued",
        seq=1,
        input_seq=0,
        created_at=now,
        updated_at=now,
    )
    await attempts.add(attempt)
    await vault.seal(
        session, owner=Owner(trip.client_id, trip.id), field=CODE_FIELD, plaintext=code.encode()
    )
    trip.status = TripStatus.AUTHORIZED.value
    trip.attempt_id = attempt.id
    trip.updated_at = now
    await announce(session, WORK_CHANNEL)
    return Returned(True, "You can close this window.", trip.id)


def _end(
    trip: GreenButtonAuthorization, now: datetime, status_: TripStatus, message: str
) -> Returned:
    trip.status = status_.value
    trip.message = message
    trip.updated_at = now
    return Returned(False, message, trip.id)


async def _credential_for(
    session: AsyncSession, row: ConnectSession, utility_id: str, now: datetime
) -> UtilityCredential:
    """Update mode: the session's credential. Create mode: the end user's Connect My Data
    credential at this utility if there is one (authorizing again replaces its grant, never
    a second credential), else a new pending one."""
    attempts = AttemptRepository(session)
    if row.mode == "update":
        assert row.credential_id is not None
        credential = await attempts.credential(row.credential_id)
        assert credential is not None
        return credential
    existing = await CustodianRepository(session).green_button_credential(row.user_id, utility_id)
    if existing is not None:
        row.credential_id = existing.id
        return existing
    credential = UtilityCredential(
        id=new_id("ucr"),
        client_id=row.client_id,
        user_id=row.user_id,
        utility_id=utility_id,
        method=CredentialMethod.GREEN_BUTTON.value,
        status="pending",
        status_detail=None,
        action_required=False,
        created_at=now,
        updated_at=now,
    )
    await attempts.add_credential(credential)
    row.credential_id = credential.id
    return credential
