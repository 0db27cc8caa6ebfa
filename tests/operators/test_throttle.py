"""Sign-in throttling: 5 failures per email and 20 per IP address in 15 minutes."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from gridlink.kit.clock import ManualClock
from tests.factories import assert_error
from tests.operators.conftest import Browser, make_operator, sign_in

WRONG = "wrong password, long"


async def test_five_failures_for_an_email_lock_it_for_fifteen_minutes(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    await make_operator(app)
    await make_operator(app, "ben@example.com")
    async with browser() as client:
        for _ in range(5):
            assert_error(await sign_in(client, password=WRONG), 401, "sign_in_failed")
            clock.advance(timedelta(minutes=1))
        locked = await sign_in(client)  # even the right password
        assert_error(locked, 429, "rate_limited")
        # The oldest failure was 5 minutes ago: it leaves the window in 10 minutes.
        assert locked.headers["retry-after"] == "600"
        # Another email from the same address is not locked (5 failures < 20 per IP).
        assert (await sign_in(client, "ben@example.com")).status_code == 200
    async with browser(ip="198.51.100.9") as elsewhere:  # nor is it per address only
        assert_error(await sign_in(elsewhere), 429, "rate_limited")
    clock.advance(timedelta(minutes=10))
    async with browser() as client:
        assert (await sign_in(client)).status_code == 200


async def test_unknown_emails_are_locked_alike(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    async with browser() as client:
        for _ in range(5):
            assert_error(await sign_in(client, "ghost@example.com"), 401, "sign_in_failed")
        assert_error(await sign_in(client, "ghost@example.com"), 429, "rate_limited")


async def test_twenty_failures_from_an_address_lock_it_and_success_does_not_reset(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    await make_operator(app)
    async with browser() as attacker:
        for number in range(19):
            response = await sign_in(attacker, f"user{number}@example.com", WRONG)
            assert_error(response, 401, "sign_in_failed")
        assert (await sign_in(attacker)).status_code == 200  # one real sign-in in between
        assert_error(await sign_in(attacker, "user19@example.com", WRONG), 401, "sign_in_failed")
        locked = await sign_in(attacker, "fresh@example.com", WRONG)
        assert_error(locked, 429, "rate_limited")
        assert 0 < int(locked.headers["retry-after"]) <= 900
        assert_error(await sign_in(attacker), 429, "rate_limited")
    async with browser(ip="198.51.100.9") as other:
        assert (await sign_in(other)).status_code == 200
