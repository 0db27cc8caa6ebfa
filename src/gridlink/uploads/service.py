"""Green Button files into stored data: one file, one transaction (Download My Data).

A file credential (method ``file``) is the Green Button downloads one end user gave for one
utility. The first file makes it, verified at once (there is no sign-in to wait for); each
later file for the same end user and utility merges into it: readings and bills are keyed as a
sync keys them (data/service.py), so a file sent twice, or two overlapping downloads, store
nothing twice. Everything a file brings is written through the same data functions and events
a sync uses, so the data API and the webhooks cannot tell the two apart.

Nothing of the file itself is kept: its readings and bills are, not the names and addresses a
download's preamble may carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.connectors.models import Account
from gridlink.credentials.events import record_status_event
from gridlink.credentials.methods import CredentialMethod
from gridlink.credentials.repository import CredentialRepository
from gridlink.data import service as data
from gridlink.data.files import FileStore
from gridlink.errors import Conflict, InvalidFile
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.greenbutton.model import ParsedFile, ParsedMeter
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.models import UtilityCredential
from gridlink.uploads.repository import UploadRepository

# Green Button files carry no account number we can trust (ESPI keeps it in the separate
# customer stream; CSV preambles differ), so a file credential's meters sit in one account.
FILE_ACCOUNT = "green-button"
NOT_A_FILE_CREDENTIAL = (
    "This utility credential signs in to its utility; Green Button files go to a file "
    "credential. Upload without utility_credential_id to make or extend one."
)
OTHER_USER = (
    "This utility credential belongs to another end user; send that user's client_user_id, or "
    "leave utility_credential_id out."
)
NOTHING_FOUND = (
    "The file holds no interval readings and no bills. Download the usage data (not only the "
    "bill summary) from the utility's Green Button page and upload that file."
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a file goes: an end user at a utility, or one of their file credentials."""

    client_id: str
    user_id: str
    utility_id: str
    credential_id: str | None = None
    # A Connect My Data sync stores its subscription's feed into its own credential the same way.
    method: CredentialMethod = CredentialMethod.FILE


@dataclass(frozen=True, slots=True)
class MeterFound:
    meter_id: str
    number: str
    commodity: str
    readings: int
    new_readings: int
    statements: int
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class StoredFile:
    credential: UtilityCredential
    created: bool
    account_id: str
    meters: tuple[MeterFound, ...]
    warnings: tuple[str, ...]

    @property
    def readings(self) -> int:
        return sum(m.readings for m in self.meters)

    @property
    def new_readings(self) -> int:
        return sum(m.new_readings for m in self.meters)

    @property
    def statements(self) -> int:
        return sum(m.statements for m in self.meters)

    @property
    def start(self) -> datetime | None:
        starts = [m.start for m in self.meters if m.start is not None]
        return min(starts) if starts else None

    @property
    def end(self) -> datetime | None:
        ends = [m.end for m in self.meters if m.end is not None]
        return max(ends) if ends else None


def check_not_empty(parsed: ParsedFile) -> None:
    if parsed.reading_count == 0 and not parsed.statements:
        raise InvalidFile(NOTHING_FOUND)


async def store_file(
    session: AsyncSession, clock: Clock, files: FileStore, target: Target, parsed: ParsedFile
) -> StoredFile:
    """Store a parsed file for ``target`` in the caller's transaction; never commits."""
    check_not_empty(parsed)
    credential, created = await _credential(session, clock, target)
    # Until the credential has data, what arrives is its history (as in a sync's backfill).
    first = credential.data_ready_at is None
    now = clock.now()
    (account,) = await data.upsert_accounts(
        session, clock, credential.id, [Account(FILE_ACCOUNT, None)]
    )
    client_user_id = await CredentialRepository(session).client_user_id(credential.user_id)
    events = _Events(session, clock, credential, client_user_id)
    if account.created:
        await events.add(
            EventType.UTILITY_ACCOUNTS_DISCOVERED,
            {"utility_id": credential.utility_id, "utility_account_ids": [account.id]},
        )
    meter_rows = await data.upsert_meters(
        session, clock, account.id, [item.meter for item in parsed.meters]
    )
    found: list[MeterFound] = []
    statement_ids: list[str] = []
    for item, row in zip(parsed.meters, meter_rows, strict=True):
        meter, new_statements = await _store_meter(
            session, clock, files, events, account.id, item, row.id, new_meter=row.created
        )
        found.append(meter)
        statement_ids.extend(new_statements)
    if first:
        await events.add(
            EventType.HISTORICAL_UTILITY_STATEMENTS_DISCOVERED,
            {"utility_account_id": account.id, "utility_statement_ids": statement_ids[:250]},
        )
    else:
        for statement_id in statement_ids:
            await events.add(
                EventType.NEW_UTILITY_STATEMENT_AVAILABLE,
                {"utility_account_id": account.id, "utility_statement_id": statement_id},
            )
    credential.last_synced_at = now
    credential.updated_at = now
    await data.mark_data_ready(session, clock, credential.id)
    return StoredFile(credential, created, account.id, tuple(found), parsed.warnings)


async def _store_meter(
    session: AsyncSession,
    clock: Clock,
    files: FileStore,
    events: _Events,
    account_id: str,
    item: ParsedMeter,
    meter_id: str,
    *,
    new_meter: bool,
) -> tuple[MeterFound, list[str]]:
    statements = await data.upsert_statements(session, clock, files, meter_id, item.statements)
    try:
        change = await data.upsert_intervals(session, meter_id, item.readings)
    except ValueError as error:  # readings our day layout cannot hold (mixed lengths in a day)
        raise InvalidFile(f"meter {item.meter.number}: {error}") from None
    readings = item.readings
    start = min((r.start for r in readings), default=None)
    end = max((r.end for r in readings), default=None)
    if new_meter and start is not None:
        await events.add(
            EventType.HISTORICAL_UTILITY_INTERVALS_DISCOVERED,
            data.interval_range(account_id, meter_id, start, end),
        )
    elif change.has_changes:
        await events.add(
            EventType.NEW_UTILITY_INTERVALS_AVAILABLE,
            data.interval_range(account_id, meter_id, change.start, change.end),
        )
    found = MeterFound(
        meter_id=meter_id,
        number=item.meter.number,
        commodity=item.meter.commodity.value,
        readings=len(readings),
        new_readings=change.added,
        statements=len(item.statements),
        start=start,
        end=end,
    )
    return found, [s.id for s in statements if s.created]


async def _credential(
    session: AsyncSession, clock: Clock, target: Target
) -> tuple[UtilityCredential, bool]:
    """The file credential the file goes to, and whether it was made now. Two uploads for the
    same end user at once are taken one after the other (the user row is locked), so they
    make one credential, not two."""
    repo = UploadRepository(session)
    await repo.lock_user(target.user_id)
    if target.credential_id is not None:
        credential = await CredentialRepository(session).get_for_client(
            target.client_id, target.credential_id
        )
        assert credential is not None  # the caller found it for this client
        if credential.user_id != target.user_id:
            raise Conflict(OTHER_USER)
    else:
        credential = await repo.file_credential(target.user_id, target.utility_id)
    if credential is not None:
        if credential.method != target.method:
            raise Conflict(NOT_A_FILE_CREDENTIAL)
        return credential, False
    now = clock.now()
    credential = UtilityCredential(
        id=new_id("ucr"),
        client_id=target.client_id,
        user_id=target.user_id,
        utility_id=target.utility_id,
        method=CredentialMethod.FILE.value,
        status="verified",
        status_detail=None,
        action_required=False,
        verified_at=now,
        created_at=now,
        updated_at=now,
    )
    await repo.add(credential)
    await record_status_event(session, clock, credential, EventType.UTILITY_CREDENTIAL_VERIFIED)
    return credential, True


class _Events:
    """The credential's events, as the sync engine records them."""

    def __init__(
        self,
        session: AsyncSession,
        clock: Clock,
        credential: UtilityCredential,
        client_user_id: str,
    ) -> None:
        self.session, self.clock = session, clock
        self.credential, self.client_user_id = credential, client_user_id

    async def add(self, type_: EventType, data_: dict[str, Any]) -> None:
        await record_event(
            self.session,
            self.clock,
            client_id=self.credential.client_id,
            type=type_,
            client_user_id=self.client_user_id,
            utility_credential_id=self.credential.id,
            data=data_,
        )
