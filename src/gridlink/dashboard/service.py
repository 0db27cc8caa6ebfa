"""What the dashboard reads: the overview, the credentials list and a credential's page, users,
events and webhook endpoints — across the clients the operator sees.

Lists across clients are the dashboard's own queries (dashboard/repository.py); anything about
one client's record goes through the services the API uses, acting for that client in-process
(clients.service.in_process_client), so a credential's page shows what /v1 would answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.clients.schemas import ClientSummary
from gridlink.clients.service import in_process_client, list_clients
from gridlink.credentials.repository import CredentialRepository
from gridlink.credentials.schemas import UtilityRef
from gridlink.credentials.service import CREDENTIAL_NOT_FOUND, to_out
from gridlink.dashboard import repository as repo_module
from gridlink.dashboard.repository import (
    ATTENTION_KEYS,
    SCANNED_KEYS,
    CredentialRowView,
    DashboardRepository,
    Owned,
    Position,
)
from gridlink.dashboard.schemas import (
    AttemptOut,
    Attention,
    Branding,
    CredentialDetail,
    CredentialFull,
    CredentialPage,
    CredentialQuery,
    CredentialRow,
    DashboardClient,
    DayUsage,
    DeliveryOut,
    EndpointPage,
    EndpointRow,
    EventDetail,
    EventRow,
    EventRowPage,
    FailingEndpoint,
    Overview,
    Statement,
    StatusCount,
    TimelineEvent,
    Usage,
    UserDetail,
    UserPage,
    UserRow,
    UtilityOption,
)
from gridlink.data import reads, recent
from gridlink.data.schemas import DataFilters, UtilityMeterOut, UtilityStatementOut
from gridlink.errors import DataUnavailable, InvalidRequest, NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.ids import looks_like_id
from gridlink.kit.pagination import MAX_LIMIT, PageParams
from gridlink.links.service import list_links
from gridlink.models import Event, User, WebhookEndpoint
from gridlink.operators.audit import record_audit
from gridlink.operators.principal import OperatorPrincipal

LATEST_STATEMENTS = 12
USAGE_DAYS = 30
TIMELINE_EVENTS = 50
BAD_CURSOR = "This cursor is not one the dashboard gave: open the first page again."
CLIENT_NOT_FOUND = "No client with this id is visible to you."
EVENT_NOT_FOUND = "No event with this id is visible to you; events are kept 30 days."
USER_NOT_FOUND = "No end user with this client_user_id in this client is visible to you."


def _visible(operator: OperatorPrincipal, client_id: str | None) -> repo_module.Visible:
    if client_id is not None:
        operator.require_client(client_id, "client")
    return operator.client_ids


async def acting_client(
    session: AsyncSession, operator: OperatorPrincipal, client_id: str
) -> AuthenticatedClient:
    """The client, as its own backend would be, if the operator may see it."""
    operator.require_client(client_id, "client")
    client = await in_process_client(session, client_id)
    if client is None:
        raise NotFound(CLIENT_NOT_FOUND)
    return client


async def client_of(
    session: AsyncSession,
    operator: OperatorPrincipal,
    kind: Owned,
    record_id: str,
    missing: str,
) -> AuthenticatedClient:
    """The client a record belongs to, as its backend would be. Unknown, malformed and other
    clients' ids all read as unknown (``missing``), as on /v1."""
    client_id = None
    if looks_like_id(record_id):
        client_id = await DashboardRepository(session).owner(kind, record_id)
    if client_id is None or not operator.sees(client_id):
        raise NotFound(missing)
    return await acting_client(session, operator, client_id)


async def credential_client(
    session: AsyncSession, operator: OperatorPrincipal, credential_id: str
) -> AuthenticatedClient:
    return await client_of(session, operator, "credential", credential_id, CREDENTIAL_NOT_FOUND)


async def audit(
    session: AsyncSession,
    clock: Clock,
    operator: OperatorPrincipal,
    action: str,
    target: tuple[str, str],
    client_id: str,
    **detail: Any,
) -> None:
    """One audit entry for an operator's action, in the action's own transaction (``target``:
    its type and id; ``detail``: ids and names only, never a secret)."""
    await record_audit(
        session,
        clock,
        operator,
        action,
        target_type=target[0],
        target_id=target[1],
        client_id=client_id,
        detail=detail or None,
    )


def dashboard_client(summary: ClientSummary) -> DashboardClient:
    return DashboardClient(
        id=summary.client_id,
        name=summary.name,
        environment=summary.environment,
        allowed_origins=summary.allowed_origins,
        redirect_uris=summary.redirect_uris,
        branding=Branding(logo_url=summary.logo_url, accent_color=summary.accent_color),
        created_at=summary.created_at,
        active_secrets=summary.active_secrets,
    )


async def clients(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal
) -> list[DashboardClient]:
    return [
        dashboard_client(c)
        for c in await list_clients(session, clock)
        if operator.sees(c.client_id)
    ]


async def utilities(session: AsyncSession) -> list[UtilityOption]:
    return [UtilityOption(id=i, name=n) for i, n in await DashboardRepository(session).utilities()]


# The overview


async def overview(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, client_id: str | None
) -> Overview:
    visible = _visible(operator, client_id)
    repo = DashboardRepository(session)
    now = clock.now()
    groups = await repo.overview_counts(visible, client_id, now)
    attention = {key: sum(g.attention[key] for g in groups) for key in SCANNED_KEYS}
    for key in set(ATTENTION_KEYS) - set(SCANNED_KEYS):
        query = CredentialQuery(client_id=client_id, attention=key)
        attention[key] = await repo.credential_count(query, visible, now)
    endpoints = await repo.failing_endpoints(visible, client_id)
    statuses = await repo.last_status_codes([e.id for e in endpoints])
    return Overview(
        total=sum(g.credentials for g in groups),
        by_status=[
            StatusCount(status=g.status, status_detail=g.status_detail, count=g.credentials)
            for g in sorted(groups, key=lambda g: (-g.credentials, g.status, g.status_detail or ""))
        ],
        attention=Attention(**attention),
        failing_endpoints=[_failing(e, statuses.get(e.id)) for e in endpoints],
    )


def _failing(endpoint: WebhookEndpoint, last_status: int | None) -> FailingEndpoint:
    return FailingEndpoint(
        id=endpoint.id,
        client_id=endpoint.client_id,
        url=endpoint.url,
        disabled=not endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        failing_since=endpoint.failing_since,
        last_status=last_status,
    )


# Credentials


def _row(view: CredentialRowView) -> CredentialRow:
    row = view.credential
    return CredentialRow(
        id=row.id,
        client_id=row.client_id,
        client_name=view.client_name,
        client_user_id=view.client_user_id,
        utility=UtilityRef(id=row.utility_id, name=view.utility_name),
        status=row.status,
        status_detail=row.status_detail,
        action_required=row.action_required,
        mfa_session_expires_at=row.mfa_session_expires_at,
        last_synced_at=row.last_synced_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _cursor(query: CredentialQuery, view: CredentialRowView) -> str:
    """An id for the id orders; the row's update time (in microseconds) and id otherwise."""
    row = view.credential
    if query.sort in ("created_at", "-created_at"):
        return row.id
    micros = int(row.updated_at.timestamp() * 1_000_000)
    return f"{micros}.{row.id}"


def _position(query: CredentialQuery, cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    if query.sort in ("created_at", "-created_at"):
        if not looks_like_id(cursor):
            raise InvalidRequest(BAD_CURSOR, fields=["after"])
        return Position(cursor)
    micros, _, ident = cursor.partition(".")
    if not (micros.isdigit() and len(micros) <= 18 and looks_like_id(ident)):
        raise InvalidRequest(BAD_CURSOR, fields=["after"])
    stamp = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
    return Position(ident, stamp)


async def credentials(
    session: AsyncSession,
    clock: Clock,
    operator: OperatorPrincipal,
    query: CredentialQuery,
    after: str | None,
    limit: int,
) -> CredentialPage:
    visible = _visible(operator, query.client_id)
    repo = DashboardRepository(session)
    now = clock.now()
    views = await repo.credential_page(query, visible, now, _position(query, after), limit)
    more = len(views) > limit
    views = views[:limit]
    return CredentialPage(
        data=[_row(v) for v in views],
        has_more=more,
        next_cursor=_cursor(query, views[-1]) if more else None,
        total=await repo.credential_count(query, visible, now),
    )


async def credential_detail(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, credential_id: str
) -> CredentialDetail:
    client = await credential_client(session, operator, credential_id)
    repo = DashboardRepository(session)
    api_view = await CredentialRepository(session).view(client.id, credential_id)
    assert api_view is not None  # credential_client found it
    api = to_out(api_view)
    view = CredentialRowView(
        api_view.credential, api_view.client_user_id, api_view.utility_name, client.name
    )
    full = CredentialFull(**_row(view).model_dump(), verified_at=api.verified_at, sync=api.sync)
    filters = DataFilters(utility_credential_id=credential_id)
    accounts = await recent.every(reads.list_accounts, session, client, filters)
    meters: list[UtilityMeterOut] = []
    statements: list[UtilityStatementOut] = []
    state = "none" if view.credential.verified_at is None else "ready"
    try:
        meters = await recent.every(reads.list_meters, session, client, filters)
        statements = await recent.every(reads.list_statements, session, client, filters)
    except DataUnavailable:
        state = "syncing" if state == "ready" else state
    latest = sorted(statements, key=lambda s: (s.period_end, s.id), reverse=True)
    links = await list_links(
        session, clock, client, credential_id, PageParams(limit=MAX_LIMIT, after=None)
    )
    events = await repo.event_page(
        operator.client_ids, client.id, None, credential_id, None, TIMELINE_EVENTS
    )
    return CredentialDetail(
        credential=full,
        data_state=state,
        accounts=accounts,
        meters=meters,
        statements=[_statement(s) for s in latest[:LATEST_STATEMENTS]],
        usage=await _usage(session, clock, client, meters[0]) if meters else None,
        events=[
            TimelineEvent(id=e.id, type=e.type, created_at=e.created_at, data=e.data)
            for e in events[:TIMELINE_EVENTS]
        ],
        links=list(reversed(links.data)),
    )


def _statement(row: UtilityStatementOut) -> Statement:
    pdf_url = f"/dashboard/api/statements/{quote(row.id, safe='')}/pdf" if row.has_pdf else None
    return Statement(**row.model_dump(), pdf_url=pdf_url)


async def _usage(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient, meter: UtilityMeterOut
) -> Usage | None:
    """Daily delivered totals of the last 30 local days at the meter, utility-side time."""
    zone = ZoneInfo(meter.time_zone)
    today = recent.utility_today(clock, client, zone)
    start = recent.days_before(today, USAGE_DAYS - 1)
    try:
        series = await recent.delivered_series(
            session, client, meter, start, today + timedelta(days=1), "day"
        )
    except DataUnavailable:
        return None
    return Usage(
        meter_id=meter.id,
        unit=meter.unit,
        time_zone=meter.time_zone,
        days=[DayUsage(date=s.date(), value=v) for s, v in recent.points(series, zone)],
    )


async def statement_client(
    session: AsyncSession, operator: OperatorPrincipal, statement_id: str
) -> AuthenticatedClient:
    return await client_of(session, operator, "statement", statement_id, reads.STATEMENT_NOT_FOUND)


# Users


def _user(user: User, credentials: int) -> UserRow:
    return UserRow(
        client_id=user.client_id,
        client_user_id=user.client_user_id,
        created_at=user.created_at,
        credentials=credentials,
    )


async def users(
    session: AsyncSession,
    operator: OperatorPrincipal,
    client_id: str | None,
    client_user_id: str | None,
    after: str | None,
    limit: int,
) -> UserPage:
    if after is not None and not looks_like_id(after):
        raise InvalidRequest(BAD_CURSOR, fields=["after"])
    visible = _visible(operator, client_id)
    rows = await DashboardRepository(session).user_page(
        visible, client_id, client_user_id, after, limit
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return UserPage(
        data=[_user(u, n) for u, n in rows],
        has_more=more,
        next_cursor=rows[-1][0].id if more else None,
    )


async def user_detail(
    session: AsyncSession,
    clock: Clock,
    operator: OperatorPrincipal,
    client_id: str,
    client_user_id: str,
) -> UserDetail:
    now = clock.now()
    operator.require_client(client_id, "end user")
    repo = DashboardRepository(session)
    user = await repo.user(client_id, client_user_id)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    query = CredentialQuery(client_id=client_id, client_user_id=client_user_id)
    views = await repo.credential_page(query, operator.client_ids, now, None, MAX_LIMIT)
    return UserDetail(user=_user(user, len(views)), credentials=[_row(v) for v in views])


# Events and webhook endpoints


def _event(event: Event) -> EventRow:
    return EventRow(
        id=event.id,
        client_id=event.client_id,
        type=event.type,
        created_at=event.created_at,
        utility_credential_id=event.utility_credential_id,
        client_user_id=event.client_user_id,
        data=event.data,
    )


async def events(
    session: AsyncSession,
    operator: OperatorPrincipal,
    client_id: str | None,
    event_type: str | None,
    credential_id: str | None,
    after: str | None,
    limit: int,
) -> EventRowPage:
    if after is not None and not looks_like_id(after):
        raise InvalidRequest(BAD_CURSOR, fields=["after"])
    visible = _visible(operator, client_id)
    rows = await DashboardRepository(session).event_page(
        visible, client_id, event_type, credential_id, after, limit
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return EventRowPage(
        data=[_event(e) for e in rows], has_more=more, next_cursor=rows[-1].id if more else None
    )


async def event_detail(
    session: AsyncSession, operator: OperatorPrincipal, event_id: str
) -> EventDetail:
    repo = DashboardRepository(session)
    event = await repo.event(event_id, operator.client_ids) if looks_like_id(event_id) else None
    if event is None:
        raise NotFound(EVENT_NOT_FOUND)
    deliveries = [
        DeliveryOut(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            url=url,
            status=delivery.status,
            attempts=[
                AttemptOut(
                    at=a.attempted_at,
                    status_code=a.status_code,
                    latency_ms=a.duration_ms,
                    error=a.error,
                    outcome=a.outcome,
                )
                for a in attempts
            ],
            next_attempt_at=delivery.due_at if delivery.status == "pending" else None,
        )
        for delivery, url, attempts in await repo.deliveries(event.id)
    ]
    return EventDetail(event=_event(event), deliveries=deliveries)


def endpoint_row(endpoint: WebhookEndpoint) -> EndpointRow:
    return EndpointRow(
        id=endpoint.id,
        client_id=endpoint.client_id,
        url=endpoint.url,
        enabled_events=endpoint.event_types,
        disabled=not endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
        failing_since=endpoint.failing_since,
    )


async def endpoints(
    session: AsyncSession, operator: OperatorPrincipal, client_id: str | None
) -> EndpointPage:
    visible = _visible(operator, client_id)
    rows = await DashboardRepository(session).endpoints(visible, client_id)
    return EndpointPage(data=[endpoint_row(e) for e in rows])
