from __future__ import annotations

from datetime import timedelta

from gridlink.auth.service import AuthenticatedClient
from gridlink.clients.clock import OffsetClock, client_clock
from gridlink.kit.clock import ManualClock


def test_an_offset_clock_follows_its_base() -> None:
    base = ManualClock()
    shifted = OffsetClock(base, timedelta(days=3))
    assert shifted.now() == base.now() + timedelta(days=3)
    base.advance(timedelta(minutes=5))
    assert shifted.now() == base.now() + timedelta(days=3)


def test_client_clock_is_the_base_itself_without_an_offset() -> None:
    base = ManualClock()
    assert client_clock(base, 0) is base
    assert client_clock(base, 60).now() == base.now() + timedelta(seconds=60)


def test_an_authenticated_client_knows_its_utility_clock() -> None:
    base = ManualClock()
    client = AuthenticatedClient(
        id="cli_1",
        name="Acme",
        environment="sandbox",
        allowed_origins=(),
        redirect_uris=(),
        secret_id="csec_1",
        sandbox_clock_offset_seconds=3600,
    )
    assert client.utility_clock(base).now() == base.now() + timedelta(hours=1)
