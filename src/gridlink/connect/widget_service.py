"""The widget's view of its session, assembled from the session, catalog and latest attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts import service as attempts
from gridlink.attempts.repository import AttemptRepository
from gridlink.config import Settings
from gridlink.connect import sessions
from gridlink.connect.widget_schemas import ClientInfo, SessionOut
from gridlink.utilities.catalog import find_visible
from gridlink.utilities.methods import method_context
from gridlink.utilities.repository import UtilityRepository
from gridlink.utilities.service import to_out


async def session_view(
    session: AsyncSession,
    context: sessions.SessionContext,
    settings: Settings,
    now: datetime | None = None,
) -> SessionOut:
    """``now``: to tell whether the utility's connector is down (utilities/methods.py)."""
    row = context.row
    utility_out = None
    if row.utility_id is not None:
        utility = await find_visible(session, row.utility_id, context.environment)
        if utility is not None:
            states = await UtilityRepository(session).states_of([utility.id])
            methods = await method_context(session, [utility.id], row.client_id, now)
            utility_out = to_out(utility, states[utility.id], None, methods)
    latest = await AttemptRepository(session).latest_for_session(row.id)
    start = sessions.update_step(await sessions.updated_credential(session, context))
    step = sessions.next_step(context, update_start=start)
    return SessionOut(
        id=row.id,
        mode=row.mode,
        step=step,
        client=ClientInfo(
            name=context.client_name,
            logo_url=context.client_logo_url,
            accent_color=context.client_accent_color,
        ),
        products=row.products,
        language=row.language,
        consent_version=sessions.CONSENT_VERSION,
        utility=utility_out,
        utility_preselected=row.utility_preselected,
        utility_credential_id=row.credential_id,
        attempt=None if latest is None else await attempts.view(session, latest),
        host_origin=row.host_origin,
        expires_at=row.expires_at,
        terms_url=settings.connect_terms_url,
        privacy_url=settings.connect_privacy_url,
        return_uri=row.redirect_uri if row.connect_link_id is not None else None,
    )
