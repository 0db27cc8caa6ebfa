"""Which utility a file belongs to, and that utility's time zone."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.utilities.repository import UtilityRepository
from gridlink.utilities.zones import zone_for_states

# The utility of a file uploaded by an app that did not say whose file it is. Not in the
# catalog: the credential shows this id as its utility's name.
UNNAMED_UTILITY = "green_button"


async def zone_of(session: AsyncSession, utility_id: str) -> str | None:
    """The utility's IANA zone from the states it serves; None when unknown (the parser then
    reads the file's own LocalTimeParameters, or UTC for a CSV, and says so)."""
    states = await UtilityRepository(session).states_of([utility_id])
    return zone_for_states(states.get(utility_id, []))
