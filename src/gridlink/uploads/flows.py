"""The two uploads, each as a few short transactions around a body read and a parse that hold
none (see uploads/reading.py for why): an app's backend (``from_backend``) and Connect
(``from_connect``).

Connect's upload ends like a sign-in: a verified connection attempt in the session, so
``POST /connect/api/attempts/{id}/complete`` hands out the authorization code and
``onSuccess`` fires exactly as for a login; the session's connect token or link is spent. In
update mode the file goes to the session's credential, which must be a file credential.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts.repository import AttemptRepository
from gridlink.auth.dependencies import authenticate_header
from gridlink.auth.service import AuthenticatedClient
from gridlink.config import Settings
from gridlink.connect import sessions
from gridlink.credentials.methods import CredentialMethod
from gridlink.credentials.repository import CredentialRepository
from gridlink.credentials.service import CREDENTIAL_NOT_FOUND, get_credential
from gridlink.data.files import FileStore
from gridlink.errors import Conflict, InvalidRequest, NotFound, TokenInvalid
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.ids import looks_like_id, new_id
from gridlink.models import ConnectionAttempt
from gridlink.uploads import service
from gridlink.uploads.reading import Upload, parse_upload
from gridlink.uploads.schemas import FileUploadOut, FoundOut, WidgetFileOut
from gridlink.uploads.utilities import UNNAMED_UTILITY, zone_of
from gridlink.users.repository import UserRepository
from gridlink.users.schemas import ClientUserId
from gridlink.utilities.catalog import find_visible
from gridlink.utilities.methods import offered

BACKEND_FIELDS = ("client_user_id", "utility_id", "utility_credential_id")
UNKNOWN_UTILITY = "Unknown utility_id; find the end user's utility with GET /v1/utilities."
SESSION_SPENT = (
    "This Connect session can no longer connect: its link was used or revoked meanwhile. Close "
    "Connect and open it again from the app."
)
ReadBody = Callable[[tuple[str, ...]], Awaitable[Upload]]

_CLIENT_USER_ID: TypeAdapter[str] = TypeAdapter(ClientUserId)


@dataclass(frozen=True, slots=True)
class _Fields:
    client_user_id: str
    utility_id: str
    credential_id: str | None


async def from_backend(
    db: Database, clock: Clock, settings: Settings, authorization: str | None, read: ReadBody
) -> tuple[FileUploadOut, AuthenticatedClient]:
    async with db.transaction(write=False) as session:
        client = await authenticate_header(session, clock, authorization)
    upload = await read(BACKEND_FIELDS)
    fields, zone = await _backend_target(db, client, upload.fields)
    parsed = await parse_upload(upload, zone, settings.max_upload_bytes)
    files = FileStore(settings.resolved_files_dir())
    async with db.transaction() as session:
        user = await UserRepository(session).get_or_create(
            client.id, fields.client_user_id, clock.now()
        )
        target = service.Target(client.id, user.id, fields.utility_id, fields.credential_id)
        stored = await service.store_file(session, clock, files, target, parsed)
        out = FileUploadOut(
            utility_credential=await get_credential(session, client, stored.credential.id),
            created=stored.created,
            found=FoundOut.of(stored),
        )
    return out, client


async def _backend_target(
    db: Database, client: AuthenticatedClient, fields: dict[str, str]
) -> tuple[_Fields, str | None]:
    """Check the form's fields; returns them and the utility's time zone (None: unknown)."""
    try:
        client_user_id = _CLIENT_USER_ID.validate_python(fields.get("client_user_id"))
    except ValidationError:
        raise InvalidRequest(
            "Send client_user_id: your id for the end user (1-255 characters, no NUL).",
            fields=["client_user_id"],
        ) from None
    utility_id = fields.get("utility_id") or None
    credential_id = fields.get("utility_credential_id") or None
    async with db.transaction(write=False) as session:
        if credential_id is not None:
            credential = None
            if looks_like_id(credential_id):
                credential = await CredentialRepository(session).get_for_client(
                    client.id, credential_id
                )
            if credential is None:
                raise NotFound(CREDENTIAL_NOT_FOUND)
            if utility_id is not None and utility_id != credential.utility_id:
                raise InvalidRequest(
                    "utility_id differs from the credential's utility; leave it out.",
                    fields=["utility_id"],
                )
            utility_id = credential.utility_id
        if utility_id is None:
            return _Fields(client_user_id, UNNAMED_UTILITY, credential_id), None
        if len(utility_id) > 100 or (
            utility_id != UNNAMED_UTILITY
            and await find_visible(session, utility_id, client.environment) is None
        ):
            raise InvalidRequest(UNKNOWN_UTILITY, fields=["utility_id"])
        zone = await zone_of(session, utility_id)
    return _Fields(client_user_id, utility_id, credential_id), zone


async def from_connect(
    db: Database, clock: Clock, settings: Settings, bearer: str, read: ReadBody
) -> WidgetFileOut:
    async with db.transaction(write=False) as session:
        context = await sessions.authenticate(session, clock, bearer)
        await _check_may_upload(session, context)
        assert context.row.utility_id is not None
        zone = await zone_of(session, context.row.utility_id)
    upload = await read(())
    parsed = await parse_upload(upload, zone, settings.max_upload_bytes)
    files = FileStore(settings.resolved_files_dir())
    async with db.transaction() as session:
        context = await sessions.authenticate(session, clock, bearer)
        await _check_may_upload(session, context)
        row = context.row
        assert row.utility_id is not None
        locked = await sessions.lock_for_verification(session, clock, row.id)
        if locked is None:
            raise TokenInvalid(SESSION_SPENT)
        # Update mode adds to the session's file credential; create mode finds or makes the
        # end user's (not a login credential an earlier sign-in of this session left).
        update_of = row.credential_id if row.mode == "update" else None
        target = service.Target(row.client_id, row.user_id, row.utility_id, update_of)
        stored = await service.store_file(session, clock, files, target, parsed)
        now = clock.now()
        attempt = ConnectionAttempt(
            id=new_id("att"),
            client_id=row.client_id,
            session_id=row.id,
            credential_id=stored.credential.id,
            utility_id=row.utility_id,
            mode=row.mode,
            new_login=False,
            status="verified",
            seq=1,
            input_seq=0,
            created_at=now,
            updated_at=now,
            finished_at=now,
        )
        await AttemptRepository(session).add(attempt)
        row.credential_id = stored.credential.id
        await sessions.spend(session, clock, locked)
    return WidgetFileOut(
        attempt_id=attempt.id,
        utility_credential_id=stored.credential.id,
        found=FoundOut.of(stored),
    )


async def _check_may_upload(session: AsyncSession, context: sessions.SessionContext) -> None:
    sessions.require_open(context)
    row = context.row
    if row.mode == "create" and row.consented_at is None:
        raise Conflict("Consent comes first: the end user must accept before uploading.")
    if row.utility_id is None:
        raise Conflict("Choose a utility before uploading its file.")
    utility = await find_visible(session, row.utility_id, context.environment)
    if utility is None:
        raise Conflict("This utility is not available here; choose another.")
    if not await offered(session, utility, row.client_id, "file"):
        raise Conflict("The app does not take Green Button files; connect another way.")
    if await AttemptRepository(session).verified_in_session(row.id):
        raise Conflict("A utility account was already connected in this session.")
    if await AttemptRepository(session).unfinished_in_session(row.id) is not None:
        raise Conflict("A sign-in is in progress in this session; wait for it to end.")
    if row.mode == "update":
        credential = await sessions.updated_credential(session, context)
        if credential is None or credential.method != CredentialMethod.FILE:
            raise Conflict(
                "This connection signs in to the utility; update it with the username and "
                "password, not a file."
            )
