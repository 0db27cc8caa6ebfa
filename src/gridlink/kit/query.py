"""Query strings say each thing once.

Starlette keeps every value of a repeated query parameter and FastAPI hands a scalar parameter
the last one, so ``?meter_id=a&meter_id=b`` would quietly filter by ``b``. Routers whose query
parameters are all scalars refuse a repeated name instead (422, the name in ``fields``).
"""

from __future__ import annotations

from collections import Counter

from fastapi import Request

from gridlink.errors import InvalidRequest


async def single_valued_query(request: Request) -> None:
    """A router dependency: 422 when a query parameter is given more than once."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise InvalidRequest(
            f"Give each query parameter once: {', '.join(repeated)} is repeated.", fields=repeated
        )
