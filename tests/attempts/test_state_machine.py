"""Control 39: a stateful property test of the credential / attempt / link state machine.

Hypothesis drives the real app (the widget API, the /v1 API and the in-process worker) through
random sequences of what integrators and end users do — make connect tokens and links, open
Connect, sign in with a good, a wrong, another customer's or an MFA login, answer MFA right or
wrong, go Back, close, complete, revoke a link, delete a credential, move the clock — for two
clients sharing the same utility usernames, on SQLite and PostgreSQL. A small model predicts
what must be refused; after every step the database is checked against the invariants:

- a session whose token or link is spent, revoked or expired, or that was closed or ended,
  never takes input, and nothing verifies in it after it ended;
- at most one credential per (client, end user, utility, login);
- a credential's accounts only ever come from its own login;
- a refusal for too many failures is justified by the refused client's own failures;
- every credential's status is the one its latest status event announced.

How the async app meets the synchronous state machine: as in tests/test_schemathesis.py, the
app lives on the pytest-asyncio event loop, idle while this synchronous test runs; each step
runs its coroutine on that loop (the worker runs then too).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test

from gridlink import Settings
from tests.attempts.connect_machine import ConnectMachine
from tests.attempts.machine_model import Driver
from tests.conftest import TEST_MASTER_KEYS


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        migrate_on_start=False,
        run_worker=True,
        worker_poll_seconds=0.05,
        master_keys=TEST_MASTER_KEYS,  # type: ignore[arg-type]
        connect_wait_seconds=5.0,
        connect_input_timeout_seconds=300.0,  # idle time is real time: keep it out of the way
        attempt_lease_seconds=5.0,
        sync_history_months=1,
    )


@pytest.fixture
async def driver(app: FastAPI, api: httpx.AsyncClient) -> Driver:
    return Driver(app, api, asyncio.get_running_loop())


def test_connect_state_machine(driver: Driver) -> None:
    ConnectMachine.driver = driver
    ConnectMachine.seen = Counter()
    run_state_machine_as_test(
        ConnectMachine,
        settings=hypothesis_settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            # No shrinking: the app's timing is not replayable step for step, so a shrunk run
            # would not fail the same way; the failing run's own steps are printed instead.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # The run went through what this test is about (it is deterministic: derandomize).
    assert {
        "attempt verified",
        "attempt rejected INVALID_CREDENTIALS",
        "attempt rejected ACCOUNT_MISMATCH",
        "mfa challenge",
        "open token: refused",
        "open link: opened",
        "revoke link",
        "delete credential",
        "sign-in refused: session ended",
    } <= set(ConnectMachine.seen), sorted(ConnectMachine.seen.items())
