"""Mounted under a prefix in FastAPI, as the sandbox serves it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from gridlink.greenbutton import custodian as package
from gridlink.greenbutton import parse
from gridlink.greenbutton.custodian import SandboxFeeds, create_custodian
from gridlink.greenbutton.custodian.testing import Served, serve_app
from tests.greenbutton.custodian.conftest import NOW, ThirdParty, connected, registration

PREFIX = "/sandbox/green-button"


async def test_the_whole_flow_works_under_a_prefix(third_party: ThirdParty) -> None:
    def build(base_url: str) -> FastAPI:
        api = FastAPI()
        built = create_custodian(
            base_url=base_url,
            registrations=[registration(third_party)],
            feeds=SandboxFeeds(days=3),
            now=lambda: NOW,
        )
        api.mount(PREFIX, built.app)
        api.state.custodian = built
        return api

    with serve_app(build, prefix=PREFIX) as (base_url, api):
        served = Served(base_url, api.state.custodian)
        assert base_url.endswith(PREFIX)
        async with connected(served, third_party) as conn:
            assert str(conn.token["resourceURI"]).startswith(f"{base_url}/espi/1_1/resource/")
            feed = await conn.oauth.get(str(conn.token["resourceURI"]))
    assert feed.status_code == 200
    # 7 March 00:00 to 10 March 08:00 in Los Angeles, 9 March (DST starts) being 23 hours
    assert parse(feed.content, time_zone="America/Los_Angeles").reading_count == 3 * 24 - 1 + 8


def test_public_surface() -> None:
    assert set(package.__all__) >= {
        "Registration",
        "Customer",
        "FileFeeds",
        "SandboxFeeds",
        "create_custodian",
        "Custodian",
    }


def test_a_plain_http_base_url_off_loopback_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="must be https"):
        create_custodian(
            base_url="http://sandbox.example/green-button", registrations=[], feeds=SandboxFeeds()
        )
