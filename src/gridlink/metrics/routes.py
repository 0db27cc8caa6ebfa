"""``GET /metrics``: the Prometheus text exposition (not in the OpenAPI document: it is for
the operator's scraper, not for API clients)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from gridlink.metrics.access import refusal
from gridlink.metrics.exposition import Scraper

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    refused = refusal(request, request.app.state.settings.metrics_token)
    if refused is not None:
        raise refused
    scraper: Scraper = request.app.state.metrics
    body = await scraper.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
