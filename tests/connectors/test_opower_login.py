"""The opower connector's sign-in: MFA through the library's handler, stored login_data,
error mapping, closing the library's aiohttp sessions, and the catalog it declares."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from opower import CannotConnect, get_supported_utilities, get_supported_utility_names
from opower.exceptions import ApiException

from gridlink.connectors.base import ConnectorContext, Credentials, MfaChallenge, SessionToken
from gridlink.connectors.errors import (
    MfaChallengeClosed,
    MfaCodeInvalid,
    MfaOptionInvalid,
    MfaRequired,
    MfaSessionExpired,
    TemporarilyUnavailable,
    UnsupportedMfa,
)
from gridlink.connectors.metadata import MfaMethod, SignInKind
from gridlink.connectors.opower import OPOWER_INFO, OPOWER_UTILITIES
from gridlink.connectors.opower.mfa import expires_at
from gridlink.kit.clock import ManualClock
from tests.connectors.library_fakes import Sessions, no_sockets  # noqa: F401 - autouse
from tests.connectors.opower_fakes import (
    CODE,
    COOKIE,
    PASSWORD,
    FakeOpower,
    Site,
    agreement,
    connector_for,
)

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
PGE = "eia_14328"
CREDS = Credentials("pat@example.com", PASSWORD)


def _site(**changes: object) -> Site:
    settings: dict[str, object] = {"mfa": True, **changes}
    return Site(ZoneInfo("America/Los_Angeles"), NOW, [agreement("sa-1", "42")], **settings)  # type: ignore[arg-type]


def _connector(site: Site, sessions: Sessions, utility: str = PGE):  # type: ignore[no-untyped-def]
    return connector_for(site, sessions)(utility, ConnectorContext(clock=ManualClock(NOW)))


async def _challenge(site: Site, sessions: Sessions) -> MfaChallenge:
    with pytest.raises(MfaRequired) as needed:
        await _connector(site, sessions).login(CREDS)
    assert type(needed.value) is MfaRequired
    return needed.value.challenge


async def test_mfa_select_wrong_then_right_code_gives_a_token_that_skips_mfa() -> None:
    site, sessions = _site(), Sessions()
    connector = _connector(site, sessions)
    challenge = await _challenge(site, sessions)
    assert [(o.id, o.method, o.destination) for o in challenge.options] == [
        ("Email", MfaMethod.EMAIL, "j*****@example.com"),  # masked by the utility: kept
        ("Phone", MfaMethod.SMS, "***-***-4821"),  # unmasked by the utility: masked here
    ]
    assert not sessions.made[0].closed  # the handler still needs the login's session

    await connector.select_mfa_option(challenge, "Phone")
    assert site.selected == ["Phone"]
    with pytest.raises(MfaCodeInvalid) as wrong:
        await connector.submit_mfa_code(challenge, "975310")
    assert wrong.value.attempts_left is None  # the library does not count attempts
    assert not challenge.closed

    token = await connector.submit_mfa_code(challenge, CODE)
    assert challenge.closed
    assert sessions.made[0].closed
    assert token.expires_at == NOW + timedelta(days=30)
    assert COOKIE not in repr(token)
    assert json.loads(token.value)["login_data"] == site.login_data()

    session = await connector.login(CREDS, session_token=token)
    async with session:
        assert site.logins[-1] == site.login_data()  # the library got login_data back
        assert [a.number for a in await session.fetch_accounts()] == ["42"]
    assert sessions.all_closed
    assert len(sessions.made) == 2


async def test_a_token_the_utility_no_longer_accepts_asks_again() -> None:
    site, sessions = _site(), Sessions()
    stale = SessionToken(json.dumps({"v": 1, "login_data": {"validationCookie": "old"}}))
    with pytest.raises(MfaSessionExpired) as expired:
        await _connector(site, sessions).login(CREDS, session_token=stale)
    assert site.logins == [{"validationCookie": "old"}]
    assert expired.value.challenge.options
    foreign = SessionToken("gls1.not-ours")  # another connector's token: no login_data
    with pytest.raises(MfaSessionExpired):
        await _connector(site, sessions).login(CREDS, session_token=foreign)
    assert site.logins[-1] == {}


async def test_options_must_be_offered_and_chosen_first() -> None:
    site, sessions = _site(), Sessions()
    connector = _connector(site, sessions)
    challenge = await _challenge(site, sessions)
    with pytest.raises(MfaOptionInvalid):
        await connector.submit_mfa_code(challenge, CODE)
    with pytest.raises(MfaOptionInvalid):
        await connector.select_mfa_option(challenge, "Carrier pigeon")
    assert site.selected == []
    assert not challenge.closed


async def test_a_failed_step_ends_the_dialog_and_closes_its_session() -> None:
    site, sessions = _site(), Sessions()
    connector = _connector(site, sessions)
    challenge = await _challenge(site, sessions)

    async def broken(option_id: str) -> None:
        raise CannotConnect("Failed to select MFA option: error")

    site.handlers[0].async_select_mfa_option = broken  # type: ignore[method-assign]
    with pytest.raises(TemporarilyUnavailable):
        await connector.select_mfa_option(challenge, "Email")
    assert challenge.closed
    assert sessions.all_closed
    with pytest.raises(MfaChallengeClosed):
        await connector.submit_mfa_code(challenge, CODE)


async def test_only_unanswerable_options_is_unsupported_mfa() -> None:
    site, sessions = _site(options={"Authenticator": "Okta Verify push"}), Sessions()
    with pytest.raises(UnsupportedMfa):
        await _connector(site, sessions).login(CREDS)
    assert sessions.all_closed


async def test_no_options_means_the_code_was_sent_already() -> None:
    site, sessions = _site(options={}), Sessions()
    connector = _connector(site, sessions)
    challenge = await _challenge(site, sessions)
    assert challenge.options == ()
    token = await connector.submit_mfa_code(challenge, CODE)
    assert token.value


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            ApiException("HTTP Error: 500", url="https://x.opower.com", status=500),
            TemporarilyUnavailable,
        ),
        (CannotConnect("No utility customers found"), TemporarilyUnavailable),
        (KeyError("utilityAccounts"), TemporarilyUnavailable),
    ],
)
async def test_library_errors_while_fetching_map_to_retry_later(
    error: Exception, expected: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, sessions = _site(mfa=False), Sessions()

    async def failing(self: FakeOpower) -> list[object]:
        raise error

    monkeypatch.setattr(FakeOpower, "async_get_accounts", failing)
    session = await _connector(site, sessions).login(CREDS)
    with pytest.raises(expected):
        async with session:
            await session.fetch_accounts()
    assert sessions.all_closed  # closed on the way out of a failure too


async def test_a_bug_outside_the_library_is_not_disguised(monkeypatch: pytest.MonkeyPatch) -> None:
    site, sessions = _site(mfa=False), Sessions()

    async def buggy(self: FakeOpower) -> None:
        raise RuntimeError("not the utility's fault")

    monkeypatch.setattr(FakeOpower, "async_login", buggy)
    with pytest.raises(RuntimeError):
        await _connector(site, sessions).login(CREDS)
    assert sessions.all_closed


def test_the_catalog_lists_every_utility_the_library_supports() -> None:
    assert len(OPOWER_INFO.utilities) == len(get_supported_utilities()) == 31
    assert sorted(u.name for u in OPOWER_INFO.utilities) == get_supported_utility_names()
    for utility in OPOWER_UTILITIES:
        assert not utility.info.id.startswith("opower_"), f"{utility.library_name} has no facts"
        assert utility.info.states, utility.library_name
        ZoneInfo(utility.time_zone)
    assert OPOWER_INFO.problems() == []


def test_utilities_whose_library_code_raises_mfa_declare_it() -> None:
    """Read from the library's source, so an upgrade that adds MFA somewhere fails here."""
    by_name = {u.library_name: u.info for u in OPOWER_UTILITIES}
    for library_class in get_supported_utilities():
        modules = {
            inspect.getmodule(k)
            for k in library_class.__mro__
            if k.__module__.startswith("opower.")
        }
        raises_mfa = any("raise MfaChallenge(" in inspect.getsource(m) for m in modules if m)
        info = by_name[library_class.name()]
        assert (SignInKind.PASSWORD_MFA in info.sign_in_kinds) == raises_mfa, info.id
        assert bool(info.mfa_methods) == raises_mfa, info.id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-19T17:30:00Z", datetime(2026, 4, 19, 17, 30, tzinfo=UTC)),
        ("2026-04-19T10:30:00-07:00", datetime(2026, 4, 19, 17, 30, tzinfo=UTC)),
        (1776619800000, datetime(2026, 4, 19, 17, 30, tzinfo=UTC)),  # epoch milliseconds
        ("1776619800", datetime(2026, 4, 19, 17, 30, tzinfo=UTC)),
        ("2026-04-19T17:30:00", None),  # no offset: unknown, not guessed
        ("soon", None),
        (None, None),
    ],
)
def test_login_data_expiry(value: object, expected: datetime | None) -> None:
    assert expires_at({"expiryDateTime": value}) == expected


def test_the_reference_lists_every_opower_utility() -> None:
    from pathlib import Path

    reference = Path(__file__).parents[2] / "docs" / "reference" / "connectors.md"
    text = reference.read_text()
    for utility in OPOWER_UTILITIES:
        assert f"| `{utility.info.id}` | {utility.info.name} |" in text, utility.info.id
