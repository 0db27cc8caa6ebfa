"""The sandbox clock: sandbox clients move their utility-side time forward (clients/clock.py).

Moving it runs the MFA session check for that client in the same transaction, so the
``utility_credential_mfa_expiring`` and ``..._mfa_refresh_required`` events it causes exist
when the response arrives. There is no way back: a sandbox client that wants real time again
starts over with a new sandbox client.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.credentials.mfa_expiry import check_mfa_sessions
from gridlink.errors import InvalidRequest, NotFound
from gridlink.kit.clock import Clock
from gridlink.sandbox.repository import SandboxRepository
from gridlink.sandbox.schemas import MAX_OFFSET_SECONDS, SandboxClockMove, SandboxClockOut

CLIENT_GONE = "This client no longer exists."


def clock_out(clock: Clock, offset_seconds: int) -> SandboxClockOut:
    return SandboxClockOut(
        now=clock.now() + timedelta(seconds=offset_seconds), offset_seconds=offset_seconds
    )


def read_clock(clock: Clock, client: AuthenticatedClient) -> SandboxClockOut:
    """The offset was read with the client when the request authenticated."""
    return clock_out(clock, client.sandbox_clock_offset_seconds)


def _new_offset(clock: Clock, current: int, body: SandboxClockMove) -> int:
    if (body.advance_seconds is None) == (body.now is None):
        raise InvalidRequest(
            "Pass exactly one of advance_seconds (move forward by that many seconds) or now "
            "(move forward to that time).",
            fields=["advance_seconds", "now"],
        )
    if body.advance_seconds is not None:
        return current + body.advance_seconds
    assert body.now is not None
    real_now = clock.now()
    sandbox_now = real_now + timedelta(seconds=current)
    if body.now < sandbox_now:
        raise InvalidRequest(
            f"now is before the sandbox clock ({sandbox_now.isoformat()}); the sandbox clock "
            "only moves forward. Pass a later time, or use a new sandbox client to start over.",
            fields=["now"],
        )
    return max(current, math.ceil((body.now - real_now).total_seconds()))


async def move_clock(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient, body: SandboxClockMove
) -> SandboxClockOut:
    repo = SandboxRepository(session)
    current = await repo.lock_clock_offset(client.id)
    if current is None:
        raise NotFound(CLIENT_GONE)
    offset = _new_offset(clock, current, body)
    if offset > MAX_OFFSET_SECONDS:
        raise InvalidRequest(
            f"The sandbox clock can run at most {MAX_OFFSET_SECONDS} seconds (about 10 years) "
            f"ahead; it is {current} seconds ahead now. Move it less far.",
            fields=["advance_seconds" if body.advance_seconds is not None else "now"],
        )
    await repo.set_clock_offset(client.id, offset)
    await check_mfa_sessions(session, clock, client_id=client.id)
    return clock_out(clock, offset)
