"""The opower library's MFA handler ↔ Gridlink's MFA challenge, and ``login_data`` tokens.

The library raises ``opower.MfaChallenge`` carrying a handler (``MfaHandlerBase``) bound to
the aiohttp session of that login. The handler offers options as ``{key: destination}``
(PG&E: ``{"Email": ..., "Phone": ...}``; Exelon utilities: ``{"Email": ..., "Text": ...}``);
the key is our option id unchanged, its method is read from the key (then the destination),
and the destination is masked if the utility did not mask it. On success the handler
returns ``login_data``, a dict the library takes back at login to skip MFA: that dict is the
session token's value (JSON). PG&E's carries ``expiryDateTime``, which becomes
``expires_at``; the others have no known expiry.

The library does not count attempts, so ``attempts_left`` stays None (the engine caps codes).
The challenge keeps the login's aiohttp session open until the dialog ends: a token, or an
error that ends the attempt. A dialog the end user abandons leaves it to garbage collection.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import aiohttp
from opower import InvalidAuth, MfaHandlerBase

from gridlink.connectors.base import MfaChallenge, MfaOption, SessionToken
from gridlink.connectors.errors import (
    MfaChallengeClosed,
    MfaCodeInvalid,
    MfaOptionInvalid,
    UnsupportedMfa,
)
from gridlink.connectors.library_support import close_session
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.opower.errors import library_errors, translate

T = TypeVar("T")

TOKEN_VERSION = 1

# Checked in order: "Phone" at PG&E sends a text message.
_METHOD_WORDS = (
    (MfaMethod.EMAIL, ("email", "e-mail")),
    (MfaMethod.CALL, ("call", "voice")),
    (MfaMethod.SMS, ("text", "sms", "phone", "mobile")),
)
_EMAIL = re.compile(r"^(?P<user>[^@\s]+)@(?P<domain>\S+)$")


@dataclass(eq=False)
class OpowerMfa:
    """What ``MfaChallenge.handle`` holds for an opower login."""

    handler: MfaHandlerBase
    http: aiohttp.ClientSession
    within: timedelta  # the time bound of each handler call

    async def close(self, challenge: MfaChallenge) -> None:
        challenge.closed = True
        await close_session(self.http)


def method_of(option_id: str, destination: str) -> MfaMethod | None:
    for text in (option_id.lower(), destination.lower()):
        for method, words in _METHOD_WORDS:
            if any(word in text for word in words):
                return method
    return None


def mask(method: MfaMethod, destination: str) -> str:
    """The destination as the end user may see it: already masked, or masked here."""
    if "*" in destination:
        return destination
    email = _EMAIL.match(destination.strip())
    if method == MfaMethod.EMAIL and email:
        return f"{email['user'][:1]}***@{email['domain']}"
    digits = re.sub(r"\D", "", destination)
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else "***"


async def challenge_for(
    handler: MfaHandlerBase, http: aiohttp.ClientSession, within: timedelta
) -> MfaChallenge:
    """The challenge for a library MFA handler; raises UnsupportedMfa if no option is usable.

    Owns ``http`` from here on: the challenge closes it, or this does when it fails.
    """
    try:
        async with library_errors(within):
            offered = await handler.async_get_mfa_options()
        options = []
        for key, destination in offered.items():
            method = method_of(key, destination or "")
            if method is not None:
                options.append(MfaOption(key, method, mask(method, destination or "")))
        if offered and not options:
            raise UnsupportedMfa
    except BaseException:
        await close_session(http)
        raise
    return MfaChallenge(tuple(options), handle=OpowerMfa(handler, http, within))


async def select(challenge: MfaChallenge, option_id: str) -> None:
    state = _open(challenge)
    if challenge.option(option_id) is None:
        raise MfaOptionInvalid
    await _step(challenge, state, state.handler.async_select_mfa_option(option_id))
    challenge.selected_option_id = option_id


async def submit(challenge: MfaChallenge, code: str) -> SessionToken:
    state = _open(challenge)
    if challenge.options and challenge.selected_option_id is None:
        raise MfaOptionInvalid
    call = state.handler.async_submit_mfa_code(code)
    login_data = await _step(challenge, state, call, code_step=True)
    await state.close(challenge)  # a token ends the dialog; the next login starts afresh
    return mint(login_data)


async def _step(
    challenge: MfaChallenge, state: OpowerMfa, call: Awaitable[T], *, code_step: bool = False
) -> T:
    """Await a handler call. A wrong code keeps the dialog open; any other failure ends it
    (the engine ends the attempt), closing the login's HTTP session."""
    try:
        async with asyncio.timeout(state.within.total_seconds()):
            return await call
    except InvalidAuth as error:
        if code_step:
            raise MfaCodeInvalid(challenge.attempts_left) from error
        await state.close(challenge)
        raise MfaChallengeClosed from error
    except BaseException as error:
        await state.close(challenge)
        mapped = translate(error) if isinstance(error, Exception) else None
        if mapped is None or mapped is error:
            raise
        raise mapped from error


def _open(challenge: MfaChallenge) -> OpowerMfa:
    state = challenge.handle
    if not isinstance(state, OpowerMfa) or challenge.closed:
        raise MfaChallengeClosed
    return state


def mint(login_data: dict[str, Any]) -> SessionToken:
    value = json.dumps({"v": TOKEN_VERSION, "login_data": login_data}, default=str)
    return SessionToken(value, expires_at(login_data))


def read(token: SessionToken | None) -> dict[str, Any]:
    """The stored ``login_data``; empty for no token or one this connector did not mint."""
    if token is None:
        return {}
    try:
        stored = json.loads(token.value)
    except ValueError:
        return {}
    if not isinstance(stored, dict) or stored.get("v") != TOKEN_VERSION:
        return {}
    login_data = stored.get("login_data")
    return login_data if isinstance(login_data, dict) else {}


def expires_at(login_data: dict[str, Any]) -> datetime | None:
    """PG&E's ``expiryDateTime`` (ISO 8601 or epoch seconds/milliseconds), when it is clear."""
    value = login_data.get("expiryDateTime")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    return None
