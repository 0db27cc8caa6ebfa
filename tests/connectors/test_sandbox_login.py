"""What each sandbox scenario does at login, step by step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridlink.connectors.base import ConnectorContext, Credentials, MfaChallenge, SessionToken
from gridlink.connectors.errors import (
    AccountLocked,
    InvalidCredentials,
    MfaChallengeClosed,
    MfaCodeInvalid,
    MfaOptionInvalid,
    MfaRequired,
    MfaSessionExpired,
    TemporarilyUnavailable,
    UnsupportedMfa,
    UtilityTimeout,
)
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.sandbox import (
    GOOD_PASSWORD,
    MFA_ATTEMPTS,
    MFA_CODE,
    NEW_PASSWORD,
    SandboxConnector,
    SandboxSettings,
)
from gridlink.kit.clock import ManualClock
from tests.connectors.conftest import RecordingSleep


def sandbox(context: ConnectorContext, utility: str = "sandbox_electric") -> SandboxConnector:
    return SandboxConnector(utility, context)


async def challenge_for(connector: SandboxConnector, username: str) -> MfaChallenge:
    with pytest.raises(MfaRequired) as raised:
        await connector.login(Credentials(username, GOOD_PASSWORD))
    return raised.value.challenge


async def test_user_good_logs_in_without_a_token(context: ConnectorContext) -> None:
    session = await sandbox(context).login(Credentials("user_good", GOOD_PASSWORD))
    assert session.session_token is None
    assert len(await session.fetch_accounts()) == 1


@pytest.mark.parametrize("username", ["user_good", "user_mfa_sms", "user_locked", "user_solar"])
async def test_any_wrong_password_is_rejected(context: ConnectorContext, username: str) -> None:
    with pytest.raises(InvalidCredentials):
        await sandbox(context).login(Credentials(username, "pass_wrong"))


async def test_an_unknown_username_is_rejected(context: ConnectorContext) -> None:
    with pytest.raises(InvalidCredentials):
        await sandbox(context).login(Credentials("user_nobody", GOOD_PASSWORD))


async def test_locked_and_unsupported_mfa(context: ConnectorContext) -> None:
    with pytest.raises(AccountLocked):
        await sandbox(context).login(Credentials("user_locked", GOOD_PASSWORD))
    with pytest.raises(UnsupportedMfa):
        await sandbox(context).login(Credentials("user_unsupported_mfa", GOOD_PASSWORD))


async def test_user_down_carries_a_retry_hint(context: ConnectorContext) -> None:
    with pytest.raises(TemporarilyUnavailable) as raised:
        await sandbox(context).login(Credentials("user_down", "anything"))
    assert raised.value.retry_after == timedelta(minutes=15)


async def test_slow_and_silent_utilities_wait_as_configured(
    context: ConnectorContext, sleep: RecordingSleep
) -> None:
    session = await sandbox(context).login(Credentials("user_slow", GOOD_PASSWORD))
    assert len(await session.fetch_accounts()) == 1
    with pytest.raises(UtilityTimeout):
        await sandbox(context).login(Credentials("user_timeout", GOOD_PASSWORD))
    assert sleep.calls == [20.0, 30.0]  # the defaults; nothing actually waited
    tuned = SandboxConnector.with_settings(SandboxSettings(slow_delay=timedelta(seconds=2)))
    await tuned("sandbox_gas", context).login(Credentials("user_slow", GOOD_PASSWORD))
    assert sleep.calls[-1] == 2.0


@pytest.mark.parametrize(
    ("username", "methods"),
    [
        ("user_mfa_sms", [MfaMethod.SMS]),
        ("user_mfa_call", [MfaMethod.CALL]),
        ("user_mfa_email", [MfaMethod.EMAIL]),
        ("user_mfa_choice", [MfaMethod.SMS, MfaMethod.CALL, MfaMethod.EMAIL]),
    ],
)
async def test_mfa_methods_with_masked_destinations(
    context: ConnectorContext, username: str, methods: list[MfaMethod]
) -> None:
    challenge = await challenge_for(sandbox(context), username)
    assert [o.method for o in challenge.options] == methods
    assert challenge.attempts_left == MFA_ATTEMPTS
    for option in challenge.options:
        if option.method == MfaMethod.EMAIL:
            assert option.destination == "u***@example.com"
        else:
            assert option.destination.startswith("***-***-")
            assert option.destination[-4:].isdigit()


async def test_a_wrong_code_can_be_retried_then_the_right_one_works(
    context: ConnectorContext,
) -> None:
    connector = sandbox(context, "sandbox_combined")
    challenge = await challenge_for(connector, "user_mfa_choice")
    await connector.select_mfa_option(challenge, "email-1")
    for left in (4, 3):
        with pytest.raises(MfaCodeInvalid) as raised:
            await connector.submit_mfa_code(challenge, "000000")
        assert raised.value.attempts_left == left
    token = await connector.submit_mfa_code(challenge, MFA_CODE)
    assert token.expires_at == context.now() + timedelta(days=90)
    session = await connector.login(
        Credentials("user_mfa_choice", GOOD_PASSWORD), session_token=token
    )
    assert session.session_token == token
    with pytest.raises(MfaChallengeClosed):  # a challenge yields one token
        await connector.submit_mfa_code(challenge, MFA_CODE)


async def test_five_wrong_codes_close_the_challenge(context: ConnectorContext) -> None:
    connector = sandbox(context)
    challenge = await challenge_for(connector, "user_mfa_sms")
    await connector.select_mfa_option(challenge, "sms-1")
    for _ in range(MFA_ATTEMPTS - 1):
        with pytest.raises(MfaCodeInvalid):
            await connector.submit_mfa_code(challenge, "111111")
    with pytest.raises(MfaChallengeClosed):
        await connector.submit_mfa_code(challenge, "111111")
    assert challenge.closed
    with pytest.raises(MfaChallengeClosed):
        await connector.submit_mfa_code(challenge, MFA_CODE)
    with pytest.raises(MfaChallengeClosed):
        await connector.select_mfa_option(challenge, "sms-1")


async def test_an_option_must_be_chosen_among_those_offered(context: ConnectorContext) -> None:
    connector = sandbox(context)
    challenge = await challenge_for(connector, "user_mfa_sms")
    with pytest.raises(MfaOptionInvalid):
        await connector.submit_mfa_code(challenge, MFA_CODE)
    with pytest.raises(MfaOptionInvalid):
        await connector.select_mfa_option(challenge, "email-1")
    assert challenge.attempts_left == MFA_ATTEMPTS  # neither cost an attempt


async def passed_mfa(connector: SandboxConnector, username: str) -> SessionToken:
    challenge = await challenge_for(connector, username)
    await connector.select_mfa_option(challenge, challenge.options[0].id)
    return await connector.submit_mfa_code(challenge, MFA_CODE)


async def test_the_expiring_mfa_session_needs_a_refresh(
    context: ConnectorContext, clock: ManualClock
) -> None:
    connector = sandbox(context)
    credentials = Credentials("user_mfa_expiring", GOOD_PASSWORD)
    token = await passed_mfa(connector, "user_mfa_expiring")
    assert token.expires_at == clock.now() + timedelta(minutes=10)
    clock.advance(timedelta(minutes=9, seconds=59))
    await connector.login(credentials, session_token=token)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(MfaSessionExpired) as raised:
        await connector.login(credentials, session_token=token)
    assert raised.value.status_detail == "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
    challenge = raised.value.challenge  # update mode opens at the method step
    await connector.select_mfa_option(challenge, challenge.options[-1].id)
    fresh = await connector.submit_mfa_code(challenge, MFA_CODE)
    assert fresh.expires_at == clock.now() + timedelta(minutes=10)
    await connector.login(credentials, session_token=fresh)


async def test_the_expiry_of_user_mfa_expiring_is_configurable(clock: ManualClock) -> None:
    settings = SandboxSettings(mfa_expiring_lifetime=timedelta(days=2))
    connector = SandboxConnector.with_settings(settings)(
        "sandbox_gas", ConnectorContext(clock=clock)
    )
    token = await passed_mfa(connector, "user_mfa_expiring")
    assert token.expires_at == clock.now() + timedelta(days=2)


async def test_a_token_works_only_for_its_own_user_and_utility(context: ConnectorContext) -> None:
    token = await passed_mfa(sandbox(context), "user_mfa_sms")
    with pytest.raises(MfaRequired):
        await sandbox(context).login(
            Credentials("user_mfa_call", GOOD_PASSWORD), session_token=token
        )
    with pytest.raises(MfaRequired):
        await sandbox(context, "sandbox_gas").login(
            Credentials("user_mfa_sms", GOOD_PASSWORD), session_token=token
        )
    tampered = SessionToken(token.value[:-2] + "00", token.expires_at)
    with pytest.raises(MfaRequired):
        await sandbox(context).login(
            Credentials("user_mfa_sms", GOOD_PASSWORD), session_token=tampered
        )
    garbage = SessionToken("not-a-token", None)
    with pytest.raises(MfaRequired):
        await sandbox(context).login(
            Credentials("user_mfa_sms", GOOD_PASSWORD), session_token=garbage
        )


async def test_the_password_changes_once_the_clock_passes_the_configured_point(
    context: ConnectorContext, clock: ManualClock
) -> None:
    connector = sandbox(context)
    old = Credentials("user_password_changed", GOOD_PASSWORD)
    first = await connector.login(old)
    token = first.session_token
    assert token is not None
    assert token.expires_at is None  # login history, not an expiring MFA session
    clock.advance(timedelta(minutes=59))  # the backfill right after verification still works
    again = await connector.login(old, session_token=token)
    assert again.session_token == token
    clock.advance(timedelta(minutes=1))  # the next scheduled sync: the password has changed
    with pytest.raises(InvalidCredentials):
        await connector.login(old, session_token=token)
    repaired = await connector.login(
        Credentials("user_password_changed", NEW_PASSWORD), session_token=token
    )
    assert repaired.session_token == token  # update mode keeps the history


async def test_the_password_change_is_deterministic_given_clock_and_history(
    clock: ManualClock,
) -> None:
    outcomes = []
    for _ in range(2):
        replay = ManualClock(clock.now())
        connector = SandboxConnector("sandbox_electric", ConnectorContext(clock=replay))
        token = (
            await connector.login(Credentials("user_password_changed", GOOD_PASSWORD))
        ).session_token
        replay.advance(timedelta(hours=3))
        with pytest.raises(InvalidCredentials):
            await connector.login(
                Credentials("user_password_changed", GOOD_PASSWORD), session_token=token
            )
        outcomes.append(token)
    assert outcomes[0] == outcomes[1]
    # Without the stored history a login counts as the first one again.
    fresh = SandboxConnector("sandbox_electric", ConnectorContext(clock=replay))
    await fresh.login(Credentials("user_password_changed", GOOD_PASSWORD))
    with pytest.raises(InvalidCredentials):
        await fresh.login(Credentials("user_password_changed", NEW_PASSWORD))


def test_secrets_stay_out_of_reprs() -> None:
    credentials = Credentials("user_good", GOOD_PASSWORD)
    token = SessionToken("gls1.secret-value", None)
    assert GOOD_PASSWORD not in repr(credentials)
    assert GOOD_PASSWORD not in str(credentials)
    assert "secret-value" not in repr(token)
