"""Backfill benchmark (issue 12): a 24-month backfill of one meter per connector, and the
incremental daily sync after it, against the HTTP fakes of the utilities the tests use.

Each library runs its own code over HTTPS on loopback (``tests/connectors/opower_site``,
``tests/connectors/smt_site.py``). The windows are the sync's: whole local days, 31 days a
chunk, daily readings before the connector's ``finest_months`` and the finest after; the
readings go through ``upsert_intervals`` into a real SQLite database. Pacing is on: every
request waits for a token of the utility's declared request budget, and the SMT connector
keeps its own per-login pace; waits advance a simulated clock, so the table gives the wall
time the backfill would take at that pace (and the seconds of computing it really took).

Printed per connector (opower also without its backfill policy, for comparison):
requests, readings stored vs expected (the fake's truth for the same windows: they must be
equal), simulated wall time; then one day later, the scheduled sync's re-read from the last
stored reading minus the connector's look-back: requests, readings re-read, readings that
changed (late or revised ones).

    .venv/bin/python bench/backfill.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fake sites

import opower.utilities.aepbase
from tests.connectors.https_site import HttpsSite
from tests.connectors.opower_site import OpowerSite, aep_site, comed_site, pge_site
from tests.connectors.opower_site.truth import Truth
from tests.connectors.smt_site import (
    HOME,
    PASSWORD,
    USERNAME,
    SmtSite,
    connector_for,
    truth_between,
)

from gridlink.clients.service import NewClient, create_client
from gridlink.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorSession,
    Credentials,
)
from gridlink.connectors.errors import MfaRequired
from gridlink.connectors.metadata import RequestBudget
from gridlink.connectors.models import Account, Meter, Resolution
from gridlink.data import intervals, service
from gridlink.data.repository import DataRepository
from gridlink.kit.clock import ManualClock, SystemClock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.kit.migrations import upgrade_to_head
from gridlink.models import UtilityCredential
from gridlink.sync.checkpoint import local_midnight, months_back
from gridlink.users.repository import UserRepository

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
HISTORY_MONTHS = 24
CHUNK_DAYS = 31
FIRST_DAY = date(2024, 1, 1)  # the fakes keep more than the history asks for
CENTRAL = ZoneInfo("America/Chicago")


class SimulatedTime:
    """The sync's clock: waits (the budget's, a connector's own) advance it at once."""

    def __init__(self, now: datetime) -> None:
        self.clock = ManualClock(now)

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


class Bucket:
    """The request budget's token bucket (``budgets/``) on the simulated clock: at most
    ``burst`` at once, then one per ``60 / per_minute`` seconds."""

    def __init__(self, budget: RequestBudget, time_: SimulatedTime) -> None:
        self.interval = timedelta(seconds=60 / budget.per_minute)
        self.burst = budget.burst
        self.time = time_
        self.due = time_.clock.now()
        self.taken = 0

    async def take(self) -> None:
        now = self.time.clock.now()
        self.due = max(self.due, now)
        wait = self.due - (self.burst - 1) * self.interval - now
        if wait > timedelta(0):
            await self.time.sleep(wait.total_seconds())
        self.due += self.interval
        self.taken += 1


@dataclass
class Case:
    name: str
    utility_id: str
    open_site: Callable[[], Awaitable[Opened]]
    meter_number: str


@dataclass
class Opened:
    site: Any
    connector: type[Connector]
    credentials: Credentials
    expected: Callable[[Meter, datetime, datetime, Resolution], list[Any]]


@dataclass
class Outcome:
    requests: int
    stored: int
    expected: int
    wall: timedelta
    seconds: float


async def _sign_in(connector: Connector, credentials: Credentials, site: Any) -> ConnectorSession:
    try:
        return await connector.login(credentials)
    except MfaRequired as needed:  # ComEd: the code the fake site sent
        challenge = needed.challenge
        if challenge.options:
            await connector.select_mfa_option(challenge, challenge.options[0].id)
        token = await connector.submit_mfa_code(challenge, site.login.codes[-1][1])
        return await connector.login(credentials, session_token=token)


def _windows(
    start: datetime, end: datetime, zone: ZoneInfo, finest_from: datetime | None
) -> list[tuple[datetime, datetime, Resolution]]:
    """The sync's chunks: whole local days, daily before ``finest_from``."""
    found = []
    cursor = start
    while cursor < end:
        upto = min(
            local_midnight(cursor.astimezone(zone).date() + timedelta(CHUNK_DAYS), zone), end
        )
        daily = finest_from is not None and cursor < finest_from
        if daily and finest_from is not None:
            upto = min(upto, finest_from)
        found.append((cursor, upto, Resolution.DAY if daily else Resolution.FINEST))
        cursor = upto
    return found


async def _seed(db: Database, utility_id: str, meter: Meter) -> str:
    clock = SystemClock()
    async with db.transaction() as session:
        client = await create_client(
            session, clock, NewClient(f"bench {utility_id}", ["https://b.example"], [], "live")
        )
        now = clock.now()
        user = await UserRepository(session).get_or_create(client.client_id, "bench", now)
        credential = UtilityCredential(
            id=new_id("ucr"),
            client_id=client.client_id,
            user_id=user.id,
            utility_id=utility_id,
            status="verified",
            created_at=now,
            updated_at=now,
        )
        session.add(credential)
        await session.flush()
        [account] = await service.upsert_accounts(
            session, clock, credential.id, [Account(f"A-{utility_id}", None)]
        )
        [stored] = await service.upsert_meters(session, clock, account.id, [meter])
    return stored.id


async def _stored_count(db: Database, meter_id: str) -> int:
    async with db.transaction() as session:
        rows = await DataRepository(session).interval_days(
            meter_id, date(2000, 1, 1), date(2100, 1, 1)
        )
    return sum(1 for row in rows for value in row.unpacked().values if value != intervals.MISSING)


async def run_case(db: Database, case: Case, *, policy: bool = True) -> tuple[Outcome, Outcome]:
    time_ = SimulatedTime(NOW)
    opened = await case.open_site()
    site, connector_class, expected = opened.site, opened.connector, opened.expected
    try:
        budget = connector_class.info.budget_for(case.utility_id)
        bucket = Bucket(budget, time_)
        context = ConnectorContext(clock=time_.clock, sleep=time_.sleep).paced_by(bucket.take)
        connector = connector_class(case.utility_id, context)
        started = time.perf_counter()
        session = await _sign_in(connector, opened.credentials, site)
        async with session:
            meters = [
                m for a in await session.fetch_accounts() for m in await session.fetch_meters(a)
            ]
            meter = next(m for m in meters if m.number == case.meter_number)
            meter_id = await _seed(db, case.utility_id, meter)
            zone = ZoneInfo(meter.time_zone)
            history_start = local_midnight(months_back(NOW, HISTORY_MONTHS).date(), zone)
            finest = connector_class.info.finest_months if policy else None
            finest_from = local_midnight(months_back(NOW, finest).date(), zone) if finest else None
            want = 0
            for start, end, resolution in _windows(history_start, NOW, zone, finest_from):
                readings = await session.fetch_intervals(meter, start, end, resolution)
                async with db.transaction() as tx:
                    await service.upsert_intervals(tx, meter_id, readings)
                want += len(expected(meter, start, end, resolution))
            backfill = Outcome(
                bucket.taken,
                await _stored_count(db, meter_id),
                want,
                time_.clock.now() - NOW,
                time.perf_counter() - started,
            )
            # One day later: the scheduled sync re-reads from the last stored reading minus
            # the connector's look-back.
            taken, began = bucket.taken, time_.clock.now()
            time_.clock.advance(timedelta(days=1))
            site_now = time_.clock.now()
            _move_site(site, site_now)
            started = time.perf_counter()
            async with db.transaction() as tx:
                last = await service.last_reading_end(tx, meter_id)
            assert last is not None
            start = local_midnight(last - connector_class.info.lookback, zone)
            reread = changed = 0
            for window_start, window_end, _ in _windows(start, site_now, zone, None):
                readings = await session.fetch_intervals(meter, window_start, window_end)
                async with db.transaction() as tx:
                    change = await service.upsert_intervals(tx, meter_id, readings)
                reread += len(readings)
                changed += change.added + change.changed
            daily = Outcome(
                bucket.taken - taken,
                reread,
                changed,
                time_.clock.now() - began - timedelta(days=1),
                time.perf_counter() - started,
            )
        return backfill, daily
    finally:
        await site.__aexit__(None, None, None)


def _move_site(site: Any, now: datetime) -> None:
    """The fake utility publishes a day more: its clock moves with the sync's."""
    if isinstance(site, OpowerSite):
        site.api.now = now
        site.api.truths = {
            uuid: Truth(truth.meter, truth.zone, now, truth.lag)
            for uuid, truth in site.api.truths.items()
        }
    elif isinstance(site, SmtSiteHandle):
        site.smt.clock.set(now)
        site.smt.last_day = (now - timedelta(days=1)).astimezone(CENTRAL).date()


@dataclass
class SmtSiteHandle:
    smt: SmtSite
    http: HttpsSite

    async def __aexit__(self, *exc: object) -> None:
        await self.http.__aexit__(*exc)


def _opower(make: Callable[[], OpowerSite]) -> Callable[[], Awaitable[Any]]:
    async def open_site() -> Any:
        site = await make().__aenter__()

        def expected(
            meter: Meter, start: datetime, end: datetime, resolution: Resolution
        ) -> list[Any]:
            if resolution == Resolution.DAY:  # one reading per local day and direction
                zone = ZoneInfo(meter.time_zone)
                finest = site.expected(meter.number, start, end)
                return list({(r.start.astimezone(zone).date(), r.direction) for r in finest})
            return site.expected(meter.number, start, end)

        login = site.login
        credentials = Credentials(login.username, login.password)
        return Opened(site, site.connector(), credentials, expected)

    return open_site


async def _smt() -> Any:
    clock = ManualClock(NOW)
    smt = SmtSite(clock, first_day=FIRST_DAY, last_day=date(2026, 3, 19))
    http = await smt.install(HttpsSite()).__aenter__()
    connector, _ = connector_for(http)

    def expected(meter: Meter, start: datetime, end: datetime, resolution: Resolution) -> list[Any]:
        # SMT keeps no reads for today: the truth up to the end of its last day.
        last = datetime.combine(smt.last_day + timedelta(days=1), datetime.min.time(), CENTRAL)
        return truth_between(meter.number, start, min(end, last.astimezone(UTC)))

    return Opened(SmtSiteHandle(smt, http), connector, Credentials(USERNAME, PASSWORD), expected)


CASES = [
    Case(
        "opower PG&E, hourly electric",
        "eia_14328",
        _opower(lambda: pge_site(NOW, mfa=False, gas=False, first_day=FIRST_DAY)),
        "pge-elec-7c1e",
    ),
    Case(
        "opower ComEd, 15-minute electric",
        "eia_4110",
        _opower(lambda: comed_site(NOW, mfa="email", first_day=FIRST_DAY)),
        "cec-elec-2f4a",
    ),
    Case(
        "opower AEP Ohio, hourly (GraphQL)",
        "eia_14006",
        _opower(lambda: aep_site(NOW, first_day=FIRST_DAY)),
        "aep-elec-3d2c",
    ),
    Case("Smart Meter Texas, 15-minute", "smart_meter_texas", _smt, HOME),
]


async def main() -> None:
    opower.utilities.aepbase._VALID_TOKEN_RETRY_DELAY = 0
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
        await upgrade_to_head(db)
        print(
            "| connector | backfill requests | readings stored / expected | wall time at the pace "
            "| compute s | daily sync requests | re-read | changed |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for case in CASES:
            for policy in (True, False) if case.utility_id != "smart_meter_texas" else (True,):
                backfill, daily = await run_case(db, case, policy=policy)
                equal = "" if backfill.stored == backfill.expected else " **MISMATCH**"
                name = case.name if policy else f"{case.name}, finest for all 24 months"
                print(
                    f"| {name} | {backfill.requests} | {backfill.stored:,} / "
                    f"{backfill.expected:,}{equal} | {backfill.wall} | {backfill.seconds:.1f} "
                    f"| {daily.requests} | {daily.stored:,} | {daily.expected:,} |"
                )
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
