from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridlink.auth.dependencies import CurrentClient
from gridlink.kit.openapi import error_responses
from gridlink.utilities.catalog import visible_utilities
from gridlink.utilities.schemas import Commodity, UtilityList, UtilityOut

router = APIRouter(tags=["Utilities"])


@router.get(
    "/utilities",
    summary="List the utilities this client can connect to",
    response_model=UtilityList,
    responses=error_responses(401, 422),
)
async def list_utilities(
    client: CurrentClient,
    q: Annotated[str | None, Query(max_length=100, description="Name contains")] = None,
    state: Annotated[
        str | None, Query(pattern="^[A-Za-z]{2}$", description="Two-letter state")
    ] = None,
    commodity: Annotated[Commodity | None, Query()] = None,
) -> UtilityList:
    """Sandbox clients see the sandbox utilities; live clients see the live catalog."""
    found = []
    for utility in visible_utilities(client.environment):
        if q and q.lower() not in utility.name.lower():
            continue
        if state and state.upper() not in utility.states:
            continue
        if commodity and commodity not in utility.commodities:
            continue
        found.append(
            UtilityOut(
                id=utility.id,
                name=utility.name,
                states=list(utility.states),
                commodities=list(utility.commodities),
                sandbox=utility.environment == "sandbox",
            )
        )
    return UtilityList(data=found)
