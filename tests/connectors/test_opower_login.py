"""The opower connector's sign-in, driving the real ``opower`` library against the fake
utility sites: PG&E and ComEd MFA, ConEd's authenticator-app (TOTP) codes, City of Austin's
SAML, AEP Ohio's form; stored login_data; error mapping; closing the library's aiohttp
sessions; and the catalog the connector declares."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from opower import Opower, create_cookie_jar, get_supported_utilities, get_supported_utility_names

from gridlink.connectors.base import ConnectorContext, Credentials, MfaChallenge, SessionToken
from gridlink.connectors.errors import (
    InvalidCredentials,
    MfaChallengeClosed,
    MfaCodeInvalid,
    MfaOptionInvalid,
    MfaRequired,
    MfaSessionExpired,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.connectors.metadata import MfaMethod, SignInKind
from gridlink.connectors.opower import (
    OPOWER_INFO,
    OPOWER_UTILITIES,
    OpowerConnector,
    OpowerLibrary,
)
from gridlink.connectors.opower.mfa import expires_at
from gridlink.kit.clock import ManualClock
from tests.connectors.https_site import Fault
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.opower_site import (
    TOTP_SECRET,
    OpowerSite,
    aep_site,
    coa_site,
    comed_site,
    coned_site,
    pge_site,
)

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
AURA = ("POST", "myaccount.pge.com", "/myaccount/s/sfsites/aura")
TENANT = "euazurecomed.onmicrosoft.com"


def _connector(
    site: OpowerSite, *, totp_secret: str | None = None, timeout: float = 20
) -> OpowerConnector:
    connector = site.connector(totp_secret=totp_secret, timeout=timeout)
    return connector(site.utility_id, ConnectorContext(clock=ManualClock(NOW)))


def _credentials(site: OpowerSite, password: str | None = None) -> Credentials:
    return Credentials(site.login.username, password or site.login.password)


async def _challenge(site: OpowerSite, connector: OpowerConnector) -> MfaChallenge:
    with pytest.raises(MfaRequired) as needed:
        await connector.login(_credentials(site))
    assert type(needed.value) is MfaRequired
    return needed.value.challenge


# -- PG&E ---------------------------------------------------------------------------------


async def test_pge_mfa_by_text_wrong_then_right_code_gives_a_token_that_skips_mfa() -> None:
    async with pge_site(NOW) as site:
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        assert [(o.id, o.method, o.destination) for o in challenge.options] == [
            ("Email", MfaMethod.EMAIL, "j*****@example.com"),
            ("Phone", MfaMethod.SMS, "***-***-4821"),  # PG&E's "Phone" sends a text
        ]
        assert site.sessions is not None
        assert not site.sessions.made[0].closed  # the handler still needs the login's session

        await connector.select_mfa_option(challenge, "Phone")
        assert [option for option, _ in site.login.codes] == ["Phone"]
        with pytest.raises(MfaCodeInvalid) as wrong:
            await connector.submit_mfa_code(challenge, "975310")
        assert wrong.value.attempts_left is None  # the library does not count attempts
        assert not challenge.closed

        token = await connector.submit_mfa_code(challenge, site.login.codes[-1][1])
        assert challenge.closed
        assert site.sessions.made[0].closed
        assert token.expires_at == NOW + timedelta(days=30)  # PG&E's expiryDateTime
        (cookie,) = site.login.trusted
        assert cookie not in repr(token)
        assert json.loads(token.value)["login_data"]["validationCookie"] == cookie

        session = await connector.login(_credentials(site), session_token=token)
        async with session:
            assert site.login.logins[-1]["validationCookie"] == cookie  # login_data went back
            assert [a.number for a in await session.fetch_accounts()] == ["0123456789"]
        assert site.sessions.all_closed
        assert len(site.sessions.made) == 2
        assert site.http.count(host="myaccount.pge.com", path="/myaccount/s/sfsites/aura") == 8


async def test_pge_mfa_by_email() -> None:
    async with pge_site(NOW) as site:
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        await connector.select_mfa_option(challenge, "Email")
        token = await connector.submit_mfa_code(challenge, site.login.codes[-1][1])
        assert [option for option, _ in site.login.codes] == ["Email"]
        async with await connector.login(_credentials(site), session_token=token) as session:
            assert await session.fetch_accounts()


async def test_a_token_the_utility_no_longer_accepts_asks_again() -> None:
    async with pge_site(NOW) as site:
        stale = SessionToken(json.dumps({"v": 1, "login_data": {"validationCookie": "old"}}))
        with pytest.raises(MfaSessionExpired) as expired:
            await _connector(site).login(_credentials(site), session_token=stale)
        assert site.login.logins[-1]["validationCookie"] == "old"
        assert expired.value.challenge.options
        foreign = SessionToken("gls1.not-ours")  # another connector's token: no login_data
        with pytest.raises(MfaSessionExpired):
            await _connector(site).login(_credentials(site), session_token=foreign)
        assert site.login.logins[-1]["validationCookie"] == "null"


async def test_options_must_be_offered_and_chosen_first() -> None:
    async with pge_site(NOW) as site:
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        with pytest.raises(MfaOptionInvalid):
            await connector.submit_mfa_code(challenge, "123456")
        with pytest.raises(MfaOptionInvalid):
            await connector.select_mfa_option(challenge, "Carrier pigeon")
        assert site.login.codes == []
        assert not challenge.closed


async def test_a_failed_step_ends_the_dialog_and_closes_its_session() -> None:
    async with pge_site(NOW) as site:
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        site.http.fail(*AURA, Fault(status=503))
        with pytest.raises(TemporarilyUnavailable):
            await connector.select_mfa_option(challenge, "Email")
        assert challenge.closed
        assert site.sessions is not None
        assert site.sessions.all_closed
        with pytest.raises(MfaChallengeClosed):
            await connector.submit_mfa_code(challenge, "123456")


async def test_no_options_means_the_code_was_sent_already() -> None:
    async with pge_site(NOW) as site:
        site.login.email = site.login.phone = ""
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        assert challenge.options == ()
        token = await connector.submit_mfa_code(challenge, site.login.codes[-1][1])
        assert token.value


async def test_wrong_password_is_invalid_credentials_and_closes_the_session() -> None:
    async with pge_site(NOW) as site:
        with pytest.raises(InvalidCredentials):
            await _connector(site).login(_credentials(site, "not-it"))
        assert site.sessions is not None
        assert site.sessions.all_closed
        assert site.login.codes == []


# -- ComEd (Exelon, Azure B2C) ------------------------------------------------------------


async def test_comed_mfa_by_text_and_a_token_that_refreshes_without_mfa() -> None:
    async with comed_site(NOW) as site:
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        assert [(o.id, o.method, o.destination) for o in challenge.options] == [
            ("Email", MfaMethod.EMAIL, "j***@example.com"),
            ("Text", MfaMethod.SMS, "***-***-4821"),  # "XXX-XXX-4821": masked here
        ]
        await connector.select_mfa_option(challenge, "Text")
        with pytest.raises(MfaCodeInvalid):
            await connector.submit_mfa_code(challenge, "000000")
        token = await connector.submit_mfa_code(challenge, site.login.codes[-1][1])
        assert [option for option, _ in site.login.codes] == ["Text"]
        assert token.expires_at is None  # Exelon gives no expiry
        stored = json.loads(token.value)["login_data"]
        assert stored["token"] in site.login.refresh_tokens
        assert stored["account"]["accountNumber"] == "9988776655"

        async with await connector.login(_credentials(site), session_token=token) as session:
            assert [a.number for a in await session.fetch_accounts()] == ["9988776655"]
        # The PKCE verifier matched, and the refresh token reached the opower scope.
        assert site.http.count(path=f"/{TENANT}/B2C_1A_SignIn_Mobile/oauth2/v2.0/token") == 4


async def test_comed_forced_email_mfa_offers_email_only() -> None:
    async with comed_site(NOW, mfa="email") as site:
        connector = _connector(site)
        challenge = await _challenge(site, connector)
        assert [o.id for o in challenge.options] == ["Email"]
        await connector.select_mfa_option(challenge, "Email")
        token = await connector.submit_mfa_code(challenge, site.login.codes[-1][1])
        async with await connector.login(_credentials(site), session_token=token) as session:
            assert await session.fetch_accounts()


async def test_comed_wrong_password_is_invalid_credentials() -> None:
    async with comed_site(NOW) as site:
        with pytest.raises(InvalidCredentials):
            await _connector(site).login(_credentials(site, "not-it"))
        assert site.login.codes == []


# -- ConEd (TOTP) -------------------------------------------------------------------------


@pytest.fixture
def instant_totp_retry(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The library waits for the next TOTP period before its second code; answer at once."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("opower.utilities.coned.sleep", sleep)
    return waits


async def test_coned_signs_in_with_a_code_computed_from_the_totp_secret(
    instant_totp_retry: list[float],
) -> None:
    async with coned_site(NOW) as site:
        connector = _connector(site, totp_secret=TOTP_SECRET)
        async with await connector.login(_credentials(site)) as session:
            assert {a.number for a in await session.fetch_accounts()} == {
                "3344556677",
                "3344556678",
            }
        assert len(site.login.accepted) == 1
        assert site.login.rejected == []
        assert instant_totp_retry == []


async def test_coned_a_code_used_moments_ago_is_refused_and_the_next_one_accepted(
    instant_totp_retry: list[float],
) -> None:
    async with coned_site(NOW) as site:
        for _ in range(2):
            session = await _connector(site, totp_secret=TOTP_SECRET).login(_credentials(site))
            await session.close()
        assert len(site.login.accepted) == 2
        assert len(site.login.rejected) == 1  # the second login's first code
        assert len(instant_totp_retry) == 1


async def test_coned_a_wrong_totp_secret_is_invalid_credentials(
    instant_totp_retry: list[float],
) -> None:
    async with coned_site(NOW) as site:
        wrong = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
        with pytest.raises(InvalidCredentials):
            await _connector(site, totp_secret=wrong).login(_credentials(site))
        assert len(site.login.rejected) == 2
        assert not site.login.accepted
        assert site.sessions is not None
        assert site.sessions.all_closed
        assert wrong not in repr(site.sessions.made)


async def test_coned_without_the_key_asks_the_end_user_for_it() -> None:
    """An authenticator-app account signed in without its setup key: the library says the key
    is required, and the end user is told to enter it."""
    async with coned_site(NOW) as site:
        with pytest.raises(InvalidCredentials, match="setup key"):
            await _connector(site).login(_credentials(site))


async def test_coned_account_without_a_factor_needs_no_secret() -> None:
    site = coned_site(NOW, totp_secret=None)
    async with site, await _connector(site).login(_credentials(site)) as session:
        assert await session.fetch_accounts()


# -- City of Austin, AEP Ohio ---------------------------------------------------------------


async def test_city_of_austin_signs_in_through_saml_and_finds_its_service_agreements() -> None:
    async with coa_site(NOW) as site:
        async with await _connector(site).login(_credentials(site)) as session:
            (account,) = await session.fetch_accounts()
            meters = await session.fetch_meters(account)
        assert account.number == "1002003004"
        assert [(m.number, m.commodity) for m in meters] == [
            ("700100200", "electric"),
            ("700100201", "water"),
        ]
        assert len(site.login.synced) == 1  # the customer-sync call the portal expects
        path = "/webcenter/edge/apis/bill-trends-v1/cws/serviceAgreements"
        assert site.http.count(path=path) == 1  # the multi-account fallback ran


async def test_city_of_austin_wrong_password_is_invalid_credentials() -> None:
    async with coa_site(NOW) as site:
        with pytest.raises(InvalidCredentials):
            await _connector(site).login(_credentials(site, "not-it"))


async def test_aep_ohio_signs_in_and_waits_for_its_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("opower.utilities.aepbase._VALID_TOKEN_RETRY_DELAY", 0)
    async with aep_site(NOW, not_ready=2) as site:
        async with await _connector(site).login(_credentials(site)) as session:
            assert [a.number for a in await session.fetch_accounts()] == ["11122233344"]
        assert site.http.count(path="/account/oauth/ValidToken") == 3


async def test_aep_ohio_wrong_password_is_invalid_credentials() -> None:
    async with aep_site(NOW) as site:
        with pytest.raises(InvalidCredentials):
            await _connector(site).login(_credentials(site, "not-it"))


# -- errors -------------------------------------------------------------------------------

CUSTOMERS = ("GET", "pge.opower.com", "/ei/edge/apis/multi-account-v1/cws/pge/customers")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault(status=500, body='{"error": "boom"}', times=None), TemporarilyUnavailable),
        (Fault(status=200, body="<html>maintenance</html>", times=None), TemporarilyUnavailable),
        (Fault(drop=True, times=None), TemporarilyUnavailable),
        (Fault(status=None, delay=0.5, times=None), UtilityTimeout),
    ],
    ids=["server error", "garbage", "hang-up", "too slow"],
)
async def test_failures_while_fetching_map_to_retry_later(
    fault: Fault, expected: type[Exception]
) -> None:
    async with pge_site(NOW, mfa=False) as site:
        connector = _connector(site, timeout=0.3)
        session = await connector.login(_credentials(site))
        site.http.fail(*CUSTOMERS, fault)
        with pytest.raises(expected):
            async with session:
                await session.fetch_accounts()
        assert site.sessions is not None
        assert site.sessions.all_closed  # closed on the way out


@pytest.mark.parametrize(
    "status", [401, 403, 503], ids=["unauthorized", "forbidden", "unavailable"]
)
async def test_a_refused_login_page(status: int) -> None:
    """PG&E's login action failing: 401/403 mean the credentials, the rest the site."""
    async with pge_site(NOW) as site:
        site.http.fail(*AURA, Fault(status=status, times=None))
        expected = InvalidCredentials if status in (401, 403) else TemporarilyUnavailable
        with pytest.raises(expected):
            await _connector(site).login(_credentials(site))
        assert site.sessions is not None
        assert site.sessions.all_closed


async def test_a_bug_outside_the_library_is_not_disguised() -> None:
    def broken(*args: object) -> Opower:
        raise RuntimeError("not the utility's fault")

    async with pge_site(NOW) as site:
        sessions = site.http.session_factory(cookie_jar=create_cookie_jar)
        connector = OpowerConnector.with_library(OpowerLibrary(session=sessions, client=broken))
        with pytest.raises(RuntimeError):
            await connector(site.utility_id).login(_credentials(site))
        assert sessions.all_closed
        assert site.http.requests == []


# -- catalog ------------------------------------------------------------------------------


def test_the_catalog_lists_every_utility_the_library_supports() -> None:
    assert len(OPOWER_INFO.utilities) == len(get_supported_utilities()) == 31
    assert sorted(u.name for u in OPOWER_INFO.utilities) == get_supported_utility_names()
    for utility in OPOWER_UTILITIES:
        assert not utility.info.id.startswith("opower_"), f"{utility.library_name} has no facts"
        assert utility.info.states, utility.library_name
        ZoneInfo(utility.time_zone)
    assert OPOWER_INFO.problems() == []


def test_the_declared_library_facts_are_the_installed_librarys() -> None:
    """The table is written down so a start need not import the library (ADR 0022): an upgrade
    that adds, renames or re-zones a utility, or makes it take a TOTP secret, fails here."""
    declared = {(u.library_name, u.time_zone, u.accepts_totp_secret) for u in OPOWER_UTILITIES}
    library = {(c.name(), c.timezone(), c.accepts_totp_secret()) for c in get_supported_utilities()}
    assert declared == library


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
