from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gridlink.auth.dependencies import AppClock, CurrentClient, Session
from gridlink.kit.openapi import error_responses
from gridlink.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from gridlink.utilities import service
from gridlink.utilities.schemas import Commodity, UtilityOut

router = APIRouter(tags=["Utilities"])


@router.get(
    "/utilities",
    summary="List the utilities this client can connect to",
    response_model=Page[UtilityOut],
    responses=error_responses(401, 422),
)
async def list_utilities(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    zip: Annotated[
        str | None,
        Query(
            pattern=r"^\d{5}(-\d{4})?$",
            description="ZIP code (or ZIP+4): the utilities that serve it, best guess first. "
            "Without data for the zip, the utilities of its state.",
            examples=["10001"],
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Words the name contains, in any order and case.",
        ),
    ] = None,
    state: Annotated[
        str | None, Query(pattern="^[A-Za-z]{2}$", description="Two-letter state code.")
    ] = None,
    commodity: Annotated[Commodity | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(pattern=service.CURSOR_PATTERN, description="next_cursor from the previous page."),
    ] = None,
) -> Page[UtilityOut]:
    """Sandbox clients see only the sandbox utilities (zips 00010, 00011, 00020, 00030, 00031
    and 00040); live clients see the live catalog. Without `zip` the list is in name order;
    follow `next_cursor` while `has_more` is true."""
    filters = service.UtilityFilters(
        zip=zip[:5] if zip else None, q=q, state=state, commodity=commodity
    )
    return await service.list_utilities(
        session, client.environment, filters, limit, cursor, client_id=client.id, now=clock.now()
    )


@router.get(
    "/utilities/{utility_id}",
    summary="Get a utility",
    response_model=UtilityOut,
    responses=error_responses(401, 404, 422),
)
async def get_utility(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    utility_id: Annotated[str, Path(min_length=1, max_length=100, examples=["sandbox_electric"])],
) -> UtilityOut:
    return await service.get_utility(session, client, utility_id, clock.now())
