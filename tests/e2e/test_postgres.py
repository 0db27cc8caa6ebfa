"""One browser run on PostgreSQL: the same `gridlink serve`, on a scratch PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.flows import Connect, log_entries, open_demo
from tests.e2e.harness import Server, gridlink_server, missing_prerequisites, postgres_database


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    problems = missing_prerequisites()
    if problems:
        pytest.fail("; ".join(problems))
    with (
        postgres_database() as url,
        gridlink_server(tmp_path_factory.mktemp("serve-pg") / "data", url) as running,
    ):
        yield running


def test_user_good_links_an_account_on_postgresql(page: Page, server: Server) -> None:
    assert "GRIDLINK_DATABASE_URL" in server.env
    open_demo(page, server)
    connect = Connect(page)
    connect.open()
    connect.connect_user_good()
    connect.done()
    expect(log_entries(page, "exchange")).to_have_attribute("data-name", "verified")
    expect(page.locator("#credentials li")).to_have_attribute("data-status", "verified")
