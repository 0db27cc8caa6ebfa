"""The ESPI resource server: who may read what, windows, and what our own reader makes of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
from lxml import etree

from gridlink.greenbutton import parse
from gridlink.greenbutton.custodian import SandboxFeeds
from gridlink.greenbutton.custodian.sandbox import ELECTRIC, GAS
from gridlink.greenbutton.custodian.testing import Served
from gridlink.kit.clock import ManualClock
from tests.greenbutton.custodian.conftest import SECRET, ThirdParty, connected

ZONE = "America/Los_Angeles"
ESPI = "{http://naesb.org/espi}"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _expected(feeds: SandboxFeeds, customer: str, now: datetime) -> dict[str, tuple[int, Decimal]]:
    """Reading count and sum per service, straight from the value function, hour by hour
    (gas: one per complete local day), without the block or XML code."""
    start, end = feeds.start(now), feeds.end(now)
    found: dict[str, tuple[int, Decimal]] = {}
    for meter in feeds.meters(customer):
        starts: list[datetime] = []
        if meter is ELECTRIC:
            moment = start
            while moment < end:
                starts.append(moment)
                moment += timedelta(hours=1)
        else:
            day = start.astimezone(feeds.zone).date()
            while feeds.midnight(day + timedelta(days=1)) <= end:
                starts.append(feeds.midnight(day))
                day += timedelta(days=1)
        total = sum(Decimal(feeds.value(customer, meter, s)) for s in starts)
        found[meter.service] = (len(starts), total.scaleb(meter.power_of_ten))
    return found


def _by_service(content: bytes) -> dict[str, tuple[int, Decimal]]:
    parsed = parse(content, time_zone=ZONE)
    assert parsed.warnings == ()
    return {
        m.meter.commodity.value: (len(m.readings), sum((r.value for r in m.readings), Decimal(0)))
        for m in parsed.meters
    }


async def test_a_full_fetch_parses_to_the_generated_readings(
    custodian: Served, third_party: ThirdParty, clock: ManualClock
) -> None:
    feeds = SandboxFeeds(days=40)
    async with connected(custodian, third_party, customer="customer-2") as conn:
        answer = await conn.oauth.get(str(conn.token["resourceURI"]))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    assert _by_service(answer.content) == _expected(feeds, "customer-2", clock.now())
    hours = (feeds.end(clock.now()) - feeds.start(clock.now())) / timedelta(hours=1)
    assert _by_service(answer.content)["electric"][0] == hours  # 40 days, one of them 23 h
    parsed = parse(answer.content, time_zone=ZONE)
    gas = next(m for m in parsed.meters if m.meter.commodity.value == "gas")
    assert {r.unit for r in gas.readings} == {"therm"}


async def test_adjacent_windows_give_the_full_set_exactly(
    custodian: Served, third_party: ThirdParty, clock: ManualClock
) -> None:
    feeds = SandboxFeeds(days=40)
    # A boundary that is exactly a block's published time (a local midnight).
    boundary = feeds.midnight((clock.now() - timedelta(days=12)).astimezone(feeds.zone).date())
    async with connected(custodian, third_party) as conn:
        resource = str(conn.token["resourceURI"])
        full = await conn.oauth.get(resource)
        early = await conn.oauth.get(resource, params={"published-max": _iso(boundary)})
        late = await conn.oauth.get(resource, params={"published-min": _iso(boundary)})
    whole = parse(full.content, time_zone=ZONE)
    halves = [parse(part.content, time_zone=ZONE) for part in (early, late)]
    keys = [(r.start, r.direction) for half in halves for m in half.meters for r in m.readings]
    assert len(keys) == len(set(keys))  # no duplicate at the boundary
    assert sorted(keys) == sorted(
        (r.start, r.direction) for m in whole.meters for r in m.readings
    )  # and no gap
    # The block published at the boundary (the day ending there) is in the later window.
    early_end = max(r.end for m in halves[0].meters for r in m.readings)
    late_start = min(r.start for m in halves[1].meters for r in m.readings)
    assert early_end == late_start == boundary - timedelta(days=1)
    bills = [len(half.statements) for half in halves]
    assert sum(bills) == len(whole.statements) == 1  # February 2025, published 1 March
    assert bills == [0, 1]


async def test_published_windows_select_usage_summaries(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        resource = str(conn.token["resourceURI"])
        answer = await conn.oauth.get(
            resource,
            params={
                "published-min": "2025-02-28T00:00:00Z",
                "published-max": "2025-03-02T00:00:00Z",
            },
        )
    parsed = parse(answer.content, time_zone=ZONE)
    [bill] = parsed.statements
    assert str(bill.period_start) == "2025-02-01"
    assert bill.new_charges == sum(item.amount for item in bill.line_items)
    assert bill.usage is not None
    assert bill.usage > 0


async def test_new_blocks_appear_as_the_clock_moves(
    custodian: Served, third_party: ThirdParty, clock: ManualClock
) -> None:
    async with connected(custodian, third_party) as conn:
        resource = str(conn.token["resourceURI"])
        before = clock.now()
        clock.advance(timedelta(hours=30))
        await conn.oauth.refresh_token(f"{custodian.base_url}/oauth/token")
        answer = await conn.oauth.get(resource, params={"published-min": _iso(before)})
    parsed = parse(answer.content, time_zone=ZONE)
    [electric] = [m for m in parsed.meters if m.readings]
    assert electric.readings[-1].end == SandboxFeeds().end(clock.now())
    assert len(electric.readings) >= 30


async def test_tokens_only_read_their_own_subscription(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with (
        connected(custodian, third_party) as first,
        connected(custodian, third_party, client_id="other-party", customer="customer-2") as other,
    ):
        mine = str(first.token["resourceURI"])
        assert (await other.oauth.get(mine)).status_code == 403
        assert (await other.oauth.get(str(first.token["authorizationURI"]))).status_code == 403
        assert (await first.oauth.get(mine)).status_code == 200
    async with httpx.AsyncClient() as anonymous:
        bare = await anonymous.get(mine)
        forged = await anonymous.get(mine, headers={"Authorization": "Bearer not-a-token"})
    assert bare.status_code == 401
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged.headers["www-authenticate"]


async def test_customer_revocation_ends_access_at_once(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        [authorization] = custodian.custodian.authorizations()
        custodian.custodian.revoke_authorization(authorization.id)
        assert (await conn.oauth.get(str(conn.token["resourceURI"]))).status_code == 401
        refused = await conn.oauth.post(
            f"{custodian.base_url}/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": conn.token["refresh_token"]},
            auth=("third-party", SECRET),
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        status = await _authorization_status(custodian, str(conn.token["authorizationURI"]))
    assert status == "0"


async def _authorization_status(custodian: Served, uri: str) -> str:
    async with httpx.AsyncClient() as raw:
        client_token = await raw.post(
            f"{custodian.base_url}/oauth/token",
            data={"grant_type": "client_credentials", "scope": "FB=36_40"},
            auth=("third-party", SECRET),
        )
        answer = await raw.get(
            uri, headers={"Authorization": f"Bearer {client_token.json()['access_token']}"}
        )
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    assert root.findtext(f".//{ESPI}authorizationURI") == uri
    return str(root.findtext(f".//{ESPI}status"))


async def test_authorization_resource_and_listing(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        own = await conn.oauth.get(str(conn.token["authorizationURI"]))
        root = etree.fromstring(own.content)
        assert root.findtext(f".//{ESPI}status") == "1"
        assert root.findtext(f".//{ESPI}resourceURI") == conn.token["resourceURI"]
        assert root.findtext(f".//{ESPI}scope") == conn.token["scope"]
        listing = await conn.oauth.get(f"{custodian.base_url}/espi/1_1/resource/Authorization")
        assert listing.status_code == 403  # a customer's token does not list
        status = await conn.oauth.get(f"{custodian.base_url}/espi/1_1/resource/ReadServiceStatus")
    assert etree.fromstring(status.content).findtext(f"{ESPI}currentStatus") == "1"
    assert await _authorization_status(custodian, str(conn.token["authorizationURI"])) == "1"


async def test_a_bad_window_is_400(custodian: Served, third_party: ThirdParty) -> None:
    async with connected(custodian, third_party) as conn:
        answer = await conn.oauth.get(
            str(conn.token["resourceURI"]), params={"published-min": "last tuesday"}
        )
    assert answer.status_code == 400


def test_values_are_plausible() -> None:
    feeds = SandboxFeeds()
    summer_evening = datetime.fromisoformat("2024-07-15T02:00:00+00:00")  # 19:00 in LA
    winter_night = datetime.fromisoformat("2024-01-15T11:00:00+00:00")  # 03:00 in LA
    assert feeds.value("customer-1", ELECTRIC, summer_evening) > 3 * feeds.value(
        "customer-1", ELECTRIC, winter_night
    )
    assert 100 < feeds.value("customer-1", ELECTRIC, winter_night) < 2000  # Wh in an hour
    january_gas = feeds.value(
        "customer-2", GAS, datetime.fromisoformat("2024-01-20T08:00:00+00:00")
    )
    july_gas = feeds.value("customer-2", GAS, datetime.fromisoformat("2024-07-20T07:00:00+00:00"))
    assert january_gas > 4 * july_gas
