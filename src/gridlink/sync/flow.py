"""One sync of one credential, run by the worker that holds its lease.

Log in with the stored login (and MFA session token) → discover accounts and meters →
statements per account → intervals per meter in chunks → done. Interval chunks are whole days
of the meter's local calendar (what utilities serve), and every run after the backfill re-reads
from the last stored reading minus the connector's look-back, so late, revised and
estimated-then-actual readings arrive and replace what is stored. Every step is one transaction
that writes the data, its events and the advanced checkpoint together, and only while this
worker still holds the lease (``SyncRepository.owned``), so a run killed anywhere resumes from
the checkpoint without gaps or duplicates, and a worker that lost its lease writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.clients.clock import client_clock
from gridlink.connectors.base import ConnectorSession, Credentials, SessionToken
from gridlink.connectors.errors import ConnectorError
from gridlink.connectors.models import Account, IntervalReading, Meter, Resolution, Statement
from gridlink.credentials.methods import CredentialMethod
from gridlink.data import service as data
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.logging import crash_trace
from gridlink.kit.request_context import bind_job
from gridlink.kit.vault import Owner, SealedValueMissing
from gridlink.models import UtilityCredential, UtilitySync
from gridlink.sync import green_button, reactions
from gridlink.sync.checkpoint import (
    Checkpoint,
    copied,
    day,
    iso,
    local_midnight,
    moment,
    months_back,
)
from gridlink.sync.repository import SyncRepository
from gridlink.sync.schedule import next_check

if TYPE_CHECKING:
    from gridlink.sync.runner import SyncRunner

logger = logging.getLogger(__name__)

EXTRACTING = "DATA_EXTRACTION_IN_PROGRESS"
# Status details a finished sync clears (they described the sync, not the login).
SYNC_DETAILS = (EXTRACTING, "UTILITY_UNAVAILABLE")
STATEMENT_LOOKBACK = timedelta(days=62)
# A meter whose readings stopped (removed, or the utility stopped publishing) is re-read over
# at most this long before the run's start, not back to its last reading on every run.
CATCH_UP = timedelta(days=31)


class LeaseLost(Exception):
    """Another worker took the sync over (this one stalled past its lease): stop, write nothing."""


class Stopping(Exception):
    """The worker is shutting down: stop between two steps and hand the lease back."""


@dataclass
class Login:
    client_id: str
    utility_id: str
    user_id: str
    credentials: Credentials
    token: SessionToken | None
    offset: int


@dataclass
class Found:
    account: Account
    account_id: str
    meters: list[tuple[Meter, str]]


class SyncRun:
    def __init__(self, runner: SyncRunner, sync_id: str) -> None:
        self.runner = runner
        self.settings = runner.settings
        self.sync_id = sync_id
        self.ck: Checkpoint = {}
        self.credential_id = ""
        self.client_id = ""
        self.client_user_id = ""
        self.utility_clock: Clock = runner.clock
        self.lookback = runner.settings.overlap
        self.finest_months: int | None = None

    async def run(self) -> None:
        try:
            await self._run()
        except LeaseLost:
            logger.warning("sync lease lost to another worker", extra={"sync_id": self.sync_id})
        except Stopping:
            await self._hand_back()
        except ConnectorError as error:
            await self._react(error)
        except Exception as error:
            # Our own exceptions and connector bugs: log the type and where only (crash_trace);
            # a connector's message could echo what it was given. A traceback (exc_info) would
            # print that message.
            logger.error(
                "sync failed",
                extra={
                    "sync_id": self.sync_id,
                    "error": type(error).__name__,
                    "trace": crash_trace(error),
                },
            )
            await self._react(None)

    async def _react(self, error: ConnectorError | None) -> None:
        try:
            async with self._owned() as (session, sync):
                await reactions.react(session, self.runner.clock, self.settings, sync, error)
        except LeaseLost:
            pass
        except Stopping:  # shutting down: the next worker retries the run from its checkpoint
            await self._hand_back()

    # -- the steps ------------------------------------------------------------------------

    async def _run(self) -> None:
        login = await self._load()
        if login is None:
            return
        if isinstance(login, green_button.Feed):
            # Green Button Connect: a feed from the utility's Data Custodian, not a sign-in.
            await green_button.GreenButtonRun(self, login).sync()
            return
        self.utility_clock = client_clock(self.runner.clock, login.offset)
        connector = self.runner.registry.create(
            login.utility_id, self.runner.pacing.context(login.utility_id, clock=self.utility_clock)
        )
        # The connector knows how late its utility publishes; the setting is a floor.
        self.lookback = max(connector.info.lookback, self.settings.overlap)
        # Its backfill policy (None: it cannot read daily); the setting overrides the months.
        self.finest_months = connector.info.finest_months
        if self.finest_months is not None and self.settings.finest_months is not None:
            self.finest_months = self.settings.finest_months
        utility_session = await connector.login(login.credentials, session_token=login.token)
        async with utility_session:
            found = await self._discover(utility_session, login)
            for entry in found:
                await self._statements(utility_session, entry)
            for entry in found:
                for meter, meter_id in entry.meters:
                    await self._intervals(utility_session, entry.account_id, meter, meter_id)
        await self._finish()

    async def _load(self) -> Login | green_button.Feed | None:
        """What the run reads with: a sign-in, or a Connect My Data feed; None: nothing to do."""
        vault = self.runner.vault
        async with self._owned() as (session, sync):
            repo = SyncRepository(session)
            credential = await repo.credential(sync.credential_id)
            if credential is None or credential.status != "verified":
                sync.state = "stopped"
                sync.lease_owner = sync.lease_expires_at = None
                return None
            self.ck = copied(sync.checkpoint)
            self.credential_id = credential.id
            bind_job(credential_id=credential.id)
            self.client_id = credential.client_id
            self.client_user_id = await repo.client_user_id(credential.user_id)
            if credential.method == CredentialMethod.GREEN_BUTTON:
                return await green_button.load(session, vault, credential)
            owner = Owner(credential.client_id, credential.id)
            username = (await vault.open(session, owner=owner, field="username")).decode()
            password = (await vault.open(session, owner=owner, field="password")).decode()
            token = None
            with contextlib.suppress(SealedValueMissing):
                value = await vault.open(session, owner=owner, field="session_token")
                token = SessionToken(value.decode(), credential.mfa_session_expires_at)
            totp_secret = None
            with contextlib.suppress(SealedValueMissing):  # password_totp utilities only
                key = await vault.open(session, owner=owner, field="totp_secret")
                totp_secret = key.decode()
            return Login(
                credential.client_id,
                credential.utility_id,
                credential.user_id,
                Credentials(username, password, totp_secret),
                token,
                await repo.client_offset(credential.client_id),
            )

    async def _discover(self, utility: ConnectorSession, login: Login) -> list[Found]:
        accounts = sorted(await utility.fetch_accounts(), key=lambda a: a.number)
        meters = {
            a.number: sorted(await utility.fetch_meters(a), key=lambda m: m.number)
            for a in accounts
        }
        clock = self.runner.clock
        async with self._owned() as (session, sync):
            credential = await self._credential(session)
            await self._keep_token(session, credential, login.token, utility.session_token)
            stored = await data.upsert_accounts(session, clock, credential.id, accounts)
            new_ids = [s.id for s in stored if s.created]
            if new_ids:
                await self._event(
                    session,
                    EventType.UTILITY_ACCOUNTS_DISCOVERED,
                    {"utility_id": credential.utility_id, "utility_account_ids": new_ids},
                )
            found: list[Found] = []
            for account, row in zip(accounts, stored, strict=True):
                meter_rows = await data.upsert_meters(
                    session, clock, row.id, meters[account.number]
                )
                found.append(
                    Found(
                        account,
                        row.id,
                        [
                            (m, r.id)
                            for m, r in zip(meters[account.number], meter_rows, strict=True)
                        ],
                    )
                )
            await self._plan(session, found)
            if sync.kind == "initial" and credential.status_detail is None:
                credential.status_detail = EXTRACTING
                credential.updated_at = clock.now()
            self._save(sync)
        return found

    async def _plan(self, session: AsyncSession, found: Sequence[Found]) -> None:
        """Start a run (unless resuming one): fix its end and each meter's first chunk."""
        ck = self.ck
        now = self.utility_clock.now()
        ck.setdefault("history_start", iso(months_back(now, self.settings.history_months)))
        history_start = moment(ck["history_start"])
        assert history_start is not None
        accounts = ck.setdefault("accounts", {})
        meters = ck.setdefault("meters", {})
        for entry in found:
            accounts.setdefault(entry.account_id, {"statements_until": None, "backfilled": False})
            for _, meter_id in entry.meters:
                meters.setdefault(
                    meter_id,
                    {
                        "account_id": entry.account_id,
                        "cursor": None,
                        "until": None,
                        "backfilled": False,
                        "first": None,
                    },
                )
        if ck.get("run_until") is not None:
            return  # resuming a run a dead worker left: same end, same chunks
        ck["run_until"] = iso(now)
        units = 0
        for entry in found:
            accounts[entry.account_id]["done"] = False
            units += 1
            for meter, meter_id in entry.meters:
                state = meters[meter_id]
                zone = ZoneInfo(meter.time_zone)
                # The history's first day, as a day of the meter's calendar.
                start = local_midnight(history_start.date(), zone)
                until = moment(state["until"])
                if until is None and self.finest_months is not None:
                    # The backfill reads daily readings up to here, the finest from here on.
                    finest = months_back(now, self.finest_months).date()
                    state["finest_from"] = iso(max(start, local_midnight(finest, zone)))
                if until is not None:
                    last = await data.last_reading_end(session, meter_id)
                    anchor = until if last is None else max(min(last, until), until - CATCH_UP)
                    start = max(start, local_midnight(anchor - self.lookback, zone))
                state["cursor"] = iso(start)
                units += max(1, math.ceil((now - start) / self.settings.chunk))
        ck["units_total"] = units
        ck["units_done"] = 0

    async def _statements(self, utility: ConnectorSession, entry: Found) -> None:
        state = self.ck["accounts"][entry.account_id]
        if state.get("done"):
            return
        history_start = moment(self.ck["history_start"])
        assert history_start is not None
        since = day(state["statements_until"])
        since = history_start.date() if since is None else since - STATEMENT_LOOKBACK
        fetched: list[tuple[str, Sequence[Statement], list[bytes | None] | None]] = []
        for meter, meter_id in entry.meters:
            statements = await utility.fetch_statements(meter, since)
            pdfs = await data.fetch_pdfs(statements) if not state["backfilled"] else None
            fetched.append((meter_id, statements, pdfs))
        async with self._owned() as (session, sync):
            files = self.runner.files
            ids: list[str] = []
            for meter_id, statements, pdfs in fetched:
                stored = await data.upsert_statements(
                    session, self.runner.clock, files, meter_id, statements, pdfs
                )
                if state["backfilled"]:
                    for row in stored:
                        if row.created:
                            await self._event(
                                session,
                                EventType.NEW_UTILITY_STATEMENT_AVAILABLE,
                                {
                                    "utility_account_id": entry.account_id,
                                    "utility_statement_id": row.id,
                                },
                            )
                ids.extend(row.id for row in stored)
            if not state["backfilled"]:
                await self._event(
                    session,
                    EventType.HISTORICAL_UTILITY_STATEMENTS_DISCOVERED,
                    {"utility_account_id": entry.account_id, "utility_statement_ids": ids[:250]},
                )
            run_until = moment(self.ck["run_until"])
            assert run_until is not None
            state.update(statements_until=run_until.date().isoformat(), backfilled=True, done=True)
            self._advance(sync)

    async def _intervals(
        self, utility: ConnectorSession, account_id: str, meter: Meter, meter_id: str
    ) -> None:
        state = self.ck["meters"][meter_id]
        run_until = moment(self.ck["run_until"])
        assert run_until is not None
        while True:
            cursor = moment(state["cursor"])
            assert cursor is not None
            if cursor >= run_until and state["until"] == self.ck["run_until"]:
                return
            end = min(self._chunk_end(cursor, ZoneInfo(meter.time_zone)), run_until)
            finest_from = moment(state.get("finest_from"))
            daily = finest_from is not None and cursor < finest_from
            if finest_from is not None and daily:
                end = min(end, finest_from)  # a chunk is all daily or all finest
            readings: Sequence[IntervalReading] = []
            if cursor < end:
                readings = await utility.fetch_intervals(
                    meter, cursor, end, Resolution.DAY if daily else Resolution.FINEST
                )
            async with self._owned() as (session, sync):
                change = await data.upsert_intervals(session, meter_id, readings)
                if state["backfilled"]:
                    if change.has_changes:
                        await self._event(
                            session,
                            EventType.NEW_UTILITY_INTERVALS_AVAILABLE,
                            data.interval_range(account_id, meter_id, change.start, change.end),
                        )
                elif change.start is not None and change.end is not None:
                    state["first"] = state.get("first") or iso(change.start)
                    state["last"] = iso(change.end)
                state["cursor"] = state["until"] = iso(end)
                if end >= run_until and not state["backfilled"]:
                    state["backfilled"] = True
                    state.pop("finest_from", None)
                    # the span of readings stored (the utility's data ends before "now")
                    start = moment(state["first"]) or moment(self.ck["history_start"])
                    await self._event(
                        session,
                        EventType.HISTORICAL_UTILITY_INTERVALS_DISCOVERED,
                        data.interval_range(
                            account_id, meter_id, start, moment(state.get("last")) or end
                        ),
                    )
                self._advance(sync)
            if self.settings.chunk_pause_seconds:
                # A pause between chunks, cut short when the worker stops (the next step then
                # hands the lease back instead of writing).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.runner.stopping.wait(), self.settings.chunk_pause_seconds
                    )

    async def _finish(self) -> None:
        clock = self.runner.clock
        async with self._owned() as (session, sync):
            credential = await self._credential(session)
            now = clock.now()
            await data.mark_data_ready(session, clock, credential.id)
            credential.last_synced_at = now
            if credential.status_detail in SYNC_DETAILS:
                credential.status_detail = None
            credential.updated_at = now
            self.ck["run_until"] = None
            for state in self.ck.get("accounts", {}).values():
                state.pop("done", None)
            self._save(sync)
            sync.state = "scheduled"
            sync.kind = "scheduled"
            sync.due_at = next_check(self.settings, self.utility_clock.now())
            sync.lease_owner = sync.lease_expires_at = None
            sync.failures = 0
            sync.last_error = None
            sync.progress = 1.0
            sync.eta = None
            sync.finished_at = now

    # -- helpers --------------------------------------------------------------------------

    def _chunk_end(self, cursor: datetime, zone: ZoneInfo) -> datetime:
        """The local midnight ``chunk`` days after the cursor's local day began."""
        days = max(1, self.settings.chunk.days)
        return local_midnight(cursor.astimezone(zone).date() + timedelta(days=days), zone)

    @asynccontextmanager
    async def _owned(self) -> AsyncIterator[tuple[AsyncSession, UtilitySync]]:
        # Checked before a step, never inside one: a step's transaction always runs whole.
        if self.runner.stopping.is_set():
            raise Stopping
        async with self.runner.db.transaction() as session:
            sync = await SyncRepository(session).owned(self.sync_id, self.runner.worker_id)
            if sync is None:
                raise LeaseLost
            yield session, sync

    async def _hand_back(self) -> None:
        """End the lease now, so any worker resumes the run from its checkpoint at once instead
        of waiting for the lease to run out."""
        with contextlib.suppress(LeaseLost):
            async with self.runner.db.transaction() as session:
                sync = await SyncRepository(session).owned(self.sync_id, self.runner.worker_id)
                if sync is None:
                    raise LeaseLost
                sync.lease_expires_at = self.runner.clock.now()

    async def _credential(self, session: AsyncSession) -> UtilityCredential:
        credential = await SyncRepository(session).credential(self.credential_id, for_update=True)
        if credential is None or credential.status != "verified":
            raise LeaseLost  # deleted or rejected meanwhile: nothing more to do for it
        return credential

    async def _keep_token(
        self,
        session: AsyncSession,
        credential: UtilityCredential,
        old: SessionToken | None,
        new: SessionToken | None,
    ) -> None:
        if new is None or (old is not None and new.value == old.value):
            return
        await self.runner.vault.seal(
            session,
            owner=Owner(credential.client_id, credential.id),
            field="session_token",
            plaintext=new.value.encode(),
        )
        credential.mfa_session_expires_at = new.expires_at
        credential.mfa_expiring_notified_at = None

    async def _event(self, session: AsyncSession, type_: EventType, data_: dict[str, Any]) -> None:
        await record_event(
            session,
            self.runner.clock,
            client_id=self.client_id,
            type=type_,
            client_user_id=self.client_user_id,
            utility_credential_id=self.credential_id,
            data=data_,
        )

    def _advance(self, sync: UtilitySync) -> None:
        self.ck["units_done"] = self.ck.get("units_done", 0) + 1
        self._save(sync)

    def _save(self, sync: UtilitySync) -> None:
        now = self.runner.clock.now()
        total = max(1, int(self.ck.get("units_total", 1)))
        done = min(total, int(self.ck.get("units_done", 0)))
        sync.checkpoint = copied(self.ck)
        sync.progress = round(done / total, 4)
        sync.eta = None
        if sync.started_at is not None and 0 < done < total:
            elapsed = now - sync.started_at
            sync.eta = now + elapsed * ((total - done) / done)
        sync.updated_at = now
