"""The fake opower.com speaks the library's language: the ``opower`` library, driven
directly, parses what the site serves into exactly the truth's numbers (costs, time-of-use
and tier components, registers, bills, forecast units), and the site keeps opower's window
rules. Fields the connector does not map yet are checked here, so the fixtures stay true."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from opower import AggregateType, MeterType, Opower, UnitOfMeasure, create_cookie_jar

from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.opower_site import OpowerSite, aep_site, coned_site, pge_site
from tests.connectors.opower_site.truth import midnight

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)


@pytest.fixture
async def pge() -> AsyncIterator[tuple[OpowerSite, Opower]]:
    site = pge_site(NOW, mfa=False, solar=True)
    async with site, site.http.session_factory(cookie_jar=create_cookie_jar)() as http:
        client = Opower(http, "PGE", site.login.username, site.login.password)
        await client.async_login()
        yield site, client


async def test_cost_reads_carry_the_truths_costs_components_and_registers(
    pge: tuple[OpowerSite, Opower],
) -> None:
    site, client = pge
    electric, gas = await client.async_get_accounts()
    day = datetime(2026, 1, 14, tzinfo=site.zone)
    reads = await client.async_get_cost_reads(electric, AggregateType.HOUR, day, day)
    truth = site.api.truth(electric.uuid).reads(day, day + timedelta(days=2))
    assert len(reads) == len(truth) == 48  # the day asked for and the one after it
    for read, measured in zip(reads, truth, strict=True):
        assert read.start_time == measured.start
        assert (read.consumption, read.provided_cost) == (measured.value, measured.cost)
        assert (read.imported, read.exported) == (measured.imported, measured.exported)
        (component,) = read.read_components
        (expected,) = measured.components
        assert (component.tier_type, component.season, component.day_part) == (
            expected.tier_type,
            expected.season,
            expected.day_part,
        )
        assert (component.cost, component.consumption) == (expected.cost, expected.value)
    assert {c.day_part for r in reads for c in r.read_components} == {
        "ON_PEAK+E-TOU-C",
        "OFF_PEAK+E-TOU-C",
    }
    gas_reads = await client.async_get_cost_reads(gas, AggregateType.DAY, day, day)
    tiers = {c.tier_number for r in gas_reads for c in r.read_components}
    assert tiers == {1, 2}
    # The library finds registers by utility account number, which PG&E gives the gas
    # agreement too: its daily reads come back carrying the electric (solar) registers.
    electric_days = await client.async_get_cost_reads(electric, AggregateType.DAY, day, day)
    assert [(r.imported, r.exported) for r in gas_reads] == [
        (r.imported, r.exported) for r in electric_days
    ]


async def test_completed_bills_come_newest_first_with_segments_and_quantities(
    pge: tuple[OpowerSite, Opower],
) -> None:
    site, client = pge
    bills = await client.async_get_bills(40)
    assert [b.bill_date for b in bills] == sorted((b.bill_date for b in bills), reverse=True)
    truth = site.api.truth("pge-elec-7c1e").bills
    assert len(bills) == len(truth) == 10  # June 2025 to March 2026
    newest = bills[0]
    assert newest.start_time == midnight(truth[-1].start, site.zone)
    by_type = {s.account.meter_type: s for s in newest.segments}
    assert by_type[MeterType.ELEC].current_amount == truth[-1].current_amount
    quantities = {
        q.service_quantity_identifier: q.value for q in by_type[MeterType.ELEC].service_quantities
    }
    assert quantities == dict(truth[-1].quantities)  # net, delivered and received
    assert {q.unit_of_measure for q in by_type[MeterType.GAS].service_quantities} == {
        UnitOfMeasure.THERM
    }
    assert newest.usage_charges == round(
        sum(site.api.truth(u).bills[-1].usage_charges for u in ("pge-elec-7c1e", "pge-gas-91b0")), 2
    )


async def test_forecasts_carry_the_unit_of_measure(pge: tuple[OpowerSite, Opower]) -> None:
    _, client = pge
    units = {f.account.meter_type: f.unit_of_measure for f in await client.async_get_forecast()}
    assert units == {MeterType.ELEC: UnitOfMeasure.KWH, MeterType.GAS: UnitOfMeasure.THERM}


async def test_bill_reads_are_the_billed_periods_and_amounts(
    pge: tuple[OpowerSite, Opower],
) -> None:
    site, client = pge
    electric, _ = await client.async_get_accounts()
    reads = await client.async_get_cost_reads(electric, AggregateType.BILL)
    truth = site.api.truth(electric.uuid).bills
    assert [(r.provided_cost, r.consumption) for r in reads] == [
        (b.current_amount, b.usage) for b in truth
    ]


async def _get(site: OpowerSite, url: str, **params: str) -> Any:
    token = site.api.issue_token()
    async with site.http.session_factory()() as http:
        headers = {"authorization": f"Bearer {token}"}
        async with http.get(url, params=params, headers=headers) as answer:
            return answer.status, await answer.json()


@pytest.mark.parametrize(
    ("end_day", "reads", "last_start"),
    [
        (date(2026, 3, 8), 24, datetime(2026, 3, 9, tzinfo=UTC) + timedelta(hours=7)),
        (date(2025, 11, 2), 24, datetime(2025, 11, 3, tzinfo=UTC) + timedelta(hours=6)),
        (date(2026, 1, 14), 24, datetime(2026, 1, 15, tzinfo=UTC) + timedelta(hours=7)),
    ],
    ids=["spring-forward: one read past", "fall-back: one read short", "plain day"],
)
async def test_the_data_browser_serves_a_fixed_24_hours_from_the_end_date(
    end_day: date, reads: int, last_start: datetime
) -> None:
    url = "https://pge.opower.com/ei/edge/apis/DataBrowser-v1/cws/cost/utilityAccount/pge-elec-7c1e"
    async with pge_site(NOW, mfa=False) as site:
        start = f"{end_day.isoformat()}T00:00:00-08:00"
        status, body = await _get(site, url, aggregateType="hour", startDate=start, endDate=start)
        assert status == 200
        assert len(body["reads"]) == reads
        last = datetime.fromisoformat(body["reads"][-1]["startTime"])
        assert last == last_start
        assert (
            body["reads"][0]["startTime"].endswith(".000-08:00")
            or "-07:00" in body["reads"][0]["startTime"]
        )


async def test_the_data_browser_refuses_more_than_720_hours() -> None:
    url = "https://pge.opower.com/ei/edge/apis/DataBrowser-v1/cws/cost/utilityAccount/pge-elec-7c1e"
    async with pge_site(NOW, mfa=False) as site:
        status, body = await _get(
            site, url, aggregateType="hour", startDate="2026-01-01", endDate="2026-02-01"
        )
    assert status == 400
    assert "720 hours" in body["error"]["message"]


async def test_graphql_answers_only_what_was_asked_and_refuses_unknown_fields() -> None:
    url = "https://aepohio.opower.com/ei/edge/apis/dsm-graphql-v1/cws/graphql"
    async with aep_site(NOW) as site:
        token = site.api.issue_token()
        query = "query Q { billingAccountsConnection(first: 5) { edges { node { urn } } } }"
        bad = "query Q { billingAccountsConnection(first: 5) { edges { node { balance } } } }"
        async with site.http.session_factory()() as http:
            headers = {"authorization": f"Bearer {token}"}
            ok = await (await http.post(url, json={"query": query}, headers=headers)).json()
            refused = await (await http.post(url, json={"query": bad}, headers=headers)).json()
    assert ok == {
        "data": {
            "billingAccountsConnection": {
                "edges": [{"node": {"urn": "urn:opower:v1:billing-account:uuid:b9c8d7e6-aep"}}]
            }
        }
    }
    assert "Cannot query field 'balance'" in refused["errors"][0]["message"]


async def test_aep_read_streams_carry_rated_costs_and_the_unrated_come_back_as_zero() -> None:
    site = aep_site(NOW)
    async with site, site.http.session_factory(cookie_jar=create_cookie_jar)() as http:
        client = Opower(http, "AEP Ohio", site.login.username, site.login.password)
        await client.async_login()
        (account,) = await client.async_get_accounts()
        day = datetime(2026, 1, 14, tzinfo=site.zone)
        old = await client.async_get_cost_reads(account, AggregateType.HOUR, day, day)
        recent_day = datetime(2026, 3, 18, tzinfo=site.zone)
        recent = await client.async_get_cost_reads(
            account, AggregateType.HOUR, recent_day, recent_day
        )
    truth = site.api.truth(account.uuid)
    assert [(r.consumption, r.provided_cost) for r in old] == [
        (t.value, t.cost) for t in truth.reads(day, day + timedelta(days=2))
    ]
    assert recent
    assert all(r.provided_cost == 0 for r in recent)  # not rated yet: the library says 0


async def test_coned_cost_endpoint_fails_and_the_library_reads_usage_instead() -> None:
    async with coned_site(NOW, totp_secret=None) as site:
        async with site.http.session_factory(cookie_jar=create_cookie_jar)() as http:
            client = Opower(http, "ConEd", site.login.username, site.login.password)
            await client.async_login()
            electric, _ = await client.async_get_accounts()
            day = datetime(2026, 1, 14, tzinfo=site.zone)
            reads = await client.async_get_cost_reads(electric, AggregateType.HOUR, day, day)
        assert len(reads) == 48
        assert all(r.provided_cost == 0 for r in reads)
        usage = (
            "/ei/edge/apis/DataBrowser-v1/cws/utilities/cned/utilityAccounts/cned-elec-5a6b/reads"
        )
        assert site.http.count(path=usage) == 1
        asked = next(r.query for r in site.http.requests if r.path == usage)
        assert (asked["startDate"], asked["endDate"]) == ("2026-01-14", "2026-01-15")


async def test_the_librarys_batches_meet_without_a_gap(pge: tuple[OpowerSite, Opower]) -> None:
    """Sixty days of hourly reads are three requests, walked back from the newest."""
    site, client = pge
    electric, _ = await client.async_get_accounts()
    first, last = datetime(2026, 1, 10, tzinfo=site.zone), datetime(2026, 3, 10, tzinfo=site.zone)
    reads = await client.async_get_cost_reads(electric, AggregateType.HOUR, first, last)
    truth = site.api.truth(electric.uuid).reads(first, last + timedelta(days=2))
    assert [(r.start_time, r.consumption) for r in reads] == [(t.start, t.value) for t in truth]
    assert site.data_requests("DataBrowser-v1") == 3


async def test_alone_the_library_loses_the_last_hour_of_a_fall_back_day_between_batches(
    pge: tuple[OpowerSite, Opower],
) -> None:
    """Why the connector asks for one batch at a time: when an older batch ends on a
    fall-back day, opower's fixed 24 hours stop an hour short of the newer batch."""
    site, client = pge
    electric, _ = await client.async_get_accounts()
    first, last = datetime(2025, 10, 20, tzinfo=site.zone), datetime(2025, 11, 28, tzinfo=site.zone)
    reads = await client.async_get_cost_reads(electric, AggregateType.HOUR, first, last)
    truth = site.api.truth(electric.uuid).reads(first, last + timedelta(days=2))
    missing = sorted({t.start for t in truth} - {r.start_time for r in reads})
    assert missing == [datetime(2025, 11, 3, 7, tzinfo=UTC)]  # Nov 2, 23:00 PST
