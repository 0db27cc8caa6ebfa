"""Requests are counted by route template, method and status class; /metrics is refused to
callers that are not on this machine (or came through a proxy) unless they hold the token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from tests.factories import assert_error, make_client
from tests.lifespan import running
from tests.metrics.scrape import moved, scrape

DURATION_COUNT = "gridlink_http_request_duration_seconds_count"


async def test_requests_are_counted_by_route_template(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    before = await scrape(api)
    for _ in range(2):
        assert (await api.get("/healthz")).status_code == 200
    missing = await api.get("/v1/users/someone-private", auth=client.auth)
    assert missing.status_code == 404
    assert (await api.get("/no/such/place")).status_code == 404
    after = await scrape(api)

    def count(route: str, status_class: str) -> float:
        return moved(
            before, after, DURATION_COUNT, route=route, method="GET", status_class=status_class
        )

    assert count("/healthz", "2xx") == 2
    assert count("/v1/users/{client_user_id}", "4xx") == 1
    assert count("unmatched", "4xx") == 1
    routes = after.label_values("route")
    assert not any("someone-private" in route or "/no/such" in route for route in routes)
    # The scrape before this one was counted too, under its own template.
    assert count("/metrics", "2xx") == 1


async def test_a_caller_from_elsewhere_is_refused_without_a_token(app: FastAPI) -> None:
    outside = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=outside, base_url="http://testserver") as api:
        refused = await api.get("/metrics")
    assert_error(refused, 403, "forbidden")
    assert "GRIDLINK_METRICS_TOKEN" in refused.json()["error"]["message"]
    assert "gridlink_" not in refused.text


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_a_proxied_loopback_caller_is_refused_without_a_token(
    api: httpx.AsyncClient, header: str
) -> None:
    # A reverse proxy on this host connects from loopback: what it forwards is not local.
    refused = await api.get("/metrics", headers={header: "198.51.100.7"})
    assert_error(refused, 403, "forbidden")


@pytest.fixture
async def token_api(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("mt-canary-5d1e")})
    async with running(create_app(guarded, clock=clock)) as app:
        outside = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=outside, base_url="http://testserver") as api:
            yield api


async def test_with_a_token_only_its_bearer_reads_from_anywhere(
    token_api: httpx.AsyncClient,
) -> None:
    assert_error(await token_api.get("/metrics"), 401, "unauthorized")
    wrong = {"Authorization": "Bearer mt-canary-5d1f"}
    assert_error(await token_api.get("/metrics", headers=wrong), 401, "unauthorized")
    basic = {"Authorization": "Basic mt-canary-5d1e"}
    assert_error(await token_api.get("/metrics", headers=basic), 401, "unauthorized")
    samples = await scrape(token_api, {"Authorization": "Bearer mt-canary-5d1e"})
    assert samples.get_value("gridlink_build_info", version=_version()) == 1
    again = await token_api.get("/metrics", headers={"Authorization": "bearer mt-canary-5d1e"})
    assert "mt-canary-5d1e" not in again.text


def _version() -> str:
    from gridlink import __version__

    return __version__
