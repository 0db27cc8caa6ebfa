"""The fake opower.com API of one utility: the REST endpoints and dsm-graphql-v1 that the
``opower`` library calls after login, answering from each meter's :class:`Truth`.

Shapes are opower's as the library parses them (0.22.4): DataBrowser-v1 reads with
``startTime``/``endTime`` in local ISO 8601 with milliseconds, ``value``, ``providedCost``,
``readType`` and ``readComponents``; the usage endpoint's ``consumption: {value, type}``;
GraphQL bills, forecasts, registers and read streams; DSS (City of Austin) service
agreements and bill history. Behaviour the library's comments describe is kept:

- DataBrowser windows are local dates: from ``startDate``'s local midnight to a fixed
  24 hours after ``endDate``'s local midnight (one read past the window after a
  spring-forward day, one hour short before a fall-back one), at most 720 hours of
  sub-daily reads or 365 days of daily ones per request.
- GraphQL read streams take an absolute ``[start, end)`` (reads starting at or after start),
  at most 720 hours sub-daily; unmeasured intervals are ``null``, unrated ones have no
  ``monetaryAmount``.
- Per utility: ConEd's cost endpoint answers 500 for sub-bill reads (the library falls back
  to the usage endpoint); AEP's and City of Austin's DataBrowser answer 403
  ACCOUNT_ACCESS_FORBIDDEN; City of Austin's multi-account customers and GraphQL answer 403
  (the library falls back to bill-trends).

Requests need ``authorization: Bearer <token>`` with a token a login flow issued
(:meth:`OpowerApi.issue_token`); a token covers the customers it was issued for.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.connectors.https_site import PARAMS, HttpsSite
from tests.connectors.opower_site import graphql
from tests.connectors.opower_site.truth import STEP, Component, Meter, Read, Truth, midnight

TOKEN_MARK = "opower-access"  # every bearer token starts so: a secret to look for
SUB_DAILY_CAP = timedelta(hours=720)
DAILY_CAP = timedelta(days=365)
AGGREGATES = {
    "quarter_hour": "QUARTER_HOUR",
    "half_hour": "HALF_HOUR",
    "hour": "HOUR",
    "day": "DAY",
}
FINEST = ["QUARTER_HOUR", "HALF_HOUR", "HOUR", "DAY", "BILLING"]


@dataclass(frozen=True)
class Profile:
    """How one utility's opower tenant behaves."""

    subdomain: str
    dss: bool = False
    cost_reads_status: int = 200  # ConEd: 500 for hour/day cost reads
    data_browser_status: int = 200  # AEP, City of Austin: 403 for every DataBrowser request
    customers_status: int = 200  # City of Austin: 403 (DSS falls back to bill-trends)
    graphql_status: int = 200  # City of Austin: 403
    completed_bills: bool = True  # False: GraphQL has no completed bills (bill reads only)

    @property
    def host(self) -> str:
        return f"{'dss-' if self.dss else ''}{self.subdomain}.opower.com"

    @property
    def root(self) -> str:
        return "webcenter" if self.dss else "ei"


@dataclass
class Customer:
    uuid: str
    meters: list[Meter]
    billing_uuid: str = ""

    @property
    def urn(self) -> str:
        return f"urn:opower:customer:uuid:{self.uuid}"

    @property
    def billing_urn(self) -> str:
        return f"urn:opower:v1:billing-account:uuid:{self.billing_uuid or self.uuid}"

    @property
    def account_number(self) -> str:
        return self.meters[0].account_number


def local_iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def _error(status: int, code: str, message: str = "") -> web.Response:
    body = {"error": {"code": code, "message": message or code}}
    return web.json_response(body, status=status)


@dataclass
class OpowerApi:
    profile: Profile
    zone: ZoneInfo
    now: datetime
    customers: list[Customer]
    lag: timedelta = timedelta(hours=30)
    forecasts: bool = True  # False: the tenant serves no bill forecast (some utilities don't)
    tokens: dict[str, list[str]] = field(default_factory=dict)  # bearer → customer uuids
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.truths = {
            m.uuid: Truth(m, self.zone, self.now, self.lag)
            for c in self.customers
            for m in c.meters
        }

    def truth(self, uuid: str) -> Truth:
        return self.truths[uuid]

    def issue_token(self, customers: Iterable[str] | None = None) -> str:
        token = f"{TOKEN_MARK}-{self.profile.subdomain}-{next(self._serial)}"
        self.tokens[token] = list(customers or [c.uuid for c in self.customers])
        return token

    # -- routes ----------------------------------------------------------------------------

    def install(self, site: HttpsSite) -> None:
        host, root = self.profile.host, self.profile.root
        apis = f"/{root}/edge/apis"
        code = self.profile.subdomain
        site.route("GET", host, f"{apis}/multi-account-v1/cws/{code}/customers", self._customers)
        site.route(
            "GET", host, f"{apis}/DataBrowser-v1/cws/cost/utilityAccount/{{uuid}}", self._cost
        )
        site.route(
            "GET",
            host,
            f"{apis}/DataBrowser-v1/cws/utilities/{code}/utilityAccounts/{{uuid}}/reads",
            self._usage,
        )
        site.route("POST", host, f"{apis}/dsm-graphql-v1/cws/graphql", self._graphql)
        if self.profile.dss:
            site.route(
                "GET",
                host,
                f"{apis}/dss-invite-v1/cws/v1/utilities/connectedaccounts",
                self._connected_accounts,
            )
            site.route(
                "GET", host, f"{apis}/bill-trends-v1/cws/serviceAgreements", self._agreements
            )
            site.route("GET", host, f"{apis}/bill-trends-v1/cws/billHistory", self._bill_history)

    def authorized(self, request: web.Request) -> list[Customer] | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not header.startswith("Bearer ") or token not in self.tokens:
            return None
        allowed = self.tokens[token]
        return [c for c in self.customers if c.uuid in allowed]

    def _meter(self, request: web.Request) -> tuple[Meter, Truth] | web.Response:
        customers = self.authorized(request)
        if customers is None:
            return _error(401, "UNAUTHORIZED")
        uuid = request[PARAMS]["uuid"]
        for customer in customers:
            for meter in customer.meters:
                if meter.uuid == uuid:
                    return meter, self.truths[uuid]
        return _error(403, "ACCOUNT_ACCESS_FORBIDDEN")

    async def _customers(self, request: web.Request) -> web.StreamResponse:
        customers = self.authorized(request)
        if customers is None:
            return _error(401, "UNAUTHORIZED")
        if self.profile.customers_status != 200:
            return _error(self.profile.customers_status, "EMPTY_AUTHORIZED_CUSTOMERS_LIST")
        return web.json_response({"customers": [_customer_json(c) for c in customers]})

    # -- DataBrowser-v1 --------------------------------------------------------------------

    async def _cost(self, request: web.Request) -> web.StreamResponse:
        return self._reads(request, usage_only=False)

    async def _usage(self, request: web.Request) -> web.StreamResponse:
        return self._reads(request, usage_only=True)

    def _reads(self, request: web.Request, *, usage_only: bool) -> web.StreamResponse:
        found = self._meter(request)
        if isinstance(found, web.Response):
            return found
        meter, truth = found
        if self.profile.data_browser_status != 200:
            return _error(self.profile.data_browser_status, "ACCOUNT_ACCESS_FORBIDDEN")
        aggregate = request.query.get("aggregateType", "")
        if aggregate == "bill":
            return web.json_response({"reads": self._bill_reads(truth, request.query)})
        wanted = AGGREGATES.get(aggregate)
        if wanted is None or FINEST.index(wanted) < FINEST.index(meter.resolution):
            return _error(400, "INVALID_AGGREGATE_TYPE", f"aggregateType {aggregate!r}")
        if not usage_only and self.profile.cost_reads_status != 200:
            return _error(self.profile.cost_reads_status, "INTERNAL_SERVER_ERROR")
        try:
            first = date.fromisoformat(request.query["startDate"][:10])
            last = date.fromisoformat(request.query["endDate"][:10])
        except (KeyError, ValueError):
            return _error(400, "INVALID_DATE_RANGE")
        # Local dates; the end date counts as a fixed 24 hours from its local midnight.
        start = midnight(first, self.zone)
        end = midnight(last, self.zone) + timedelta(hours=24)
        cap = DAILY_CAP if wanted == "DAY" else SUB_DAILY_CAP
        if end - start > cap + timedelta(hours=1):
            limit = "365 days" if wanted == "DAY" else "720 hours"
            return _error(
                400, "INVALID_DATE_RANGE", f"Provided range must be no more than {limit}."
            )
        reads = aggregate_reads(truth.reads(start, end), wanted, self.zone)
        return web.json_response(
            {"reads": [self._read_json(r, usage_only) for r in reads], "unit": meter.unit}
        )

    def _read_json(self, read: Read, usage_only: bool) -> dict[str, Any]:
        times = {
            "startTime": local_iso(read.start, self.zone),
            "endTime": local_iso(read.end, self.zone),
        }
        if usage_only:
            return {**times, "consumption": {"value": read.value, "type": "ACTUAL"}}
        return {
            **times,
            "value": read.value,
            "readType": "ACTUAL",
            "providedCost": read.cost,
            "readComponents": [c.as_json() for c in read.components],
        }

    def _bill_reads(self, truth: Truth, query: Any) -> list[dict[str, Any]]:
        reads = []
        for bill in truth.bills:
            reads.append(
                {
                    "startTime": local_iso(midnight(bill.start, self.zone), self.zone),
                    "endTime": local_iso(
                        midnight(bill.end, self.zone) - timedelta(seconds=1), self.zone
                    ),
                    "value": bill.usage,
                    "readType": "ACTUAL",
                    "providedCost": bill.current_amount,
                    "readComponents": [],
                }
            )
        return reads

    # -- DSS (City of Austin) --------------------------------------------------------------

    async def _connected_accounts(self, request: web.Request) -> web.StreamResponse:
        customers = self.authorized(request)
        if customers is None:
            return _error(401, "UNAUTHORIZED")
        accounts = [
            {
                "accountId": c.account_number,
                "accountType": "RESIDENTIAL",
                "premises": [{"premiseId": f"prem-{c.account_number}"}],
            }
            for c in customers
        ]
        return web.json_response({"accounts": accounts, "totalCount": len(accounts)})

    async def _agreements(self, request: web.Request) -> web.StreamResponse:
        customers = self.authorized(request)
        if customers is None:
            return _error(401, "UNAUTHORIZED")
        kinds = {"ELEC": "ELECTRIC", "GAS": "GAS", "WATER": "WATER"}
        agreements = [
            {"saId": m.uuid, "serviceType": kinds[m.meter_type], "status": "ACTIVE"}
            for c in customers
            for m in c.meters
        ]
        return web.json_response({"serviceAgreements": agreements})

    async def _bill_history(self, request: web.Request) -> web.StreamResponse:
        customers = self.authorized(request)
        if customers is None:
            return _error(401, "UNAUTHORIZED")
        months = int(request.query.get("numMonths", "13"))
        today = self.now.astimezone(self.zone).date()
        oldest = today - timedelta(days=31 * months)
        totals: dict[date, float] = {}
        for customer in customers:
            for meter in customer.meters:
                for bill in self.truths[meter.uuid].bills:
                    if bill.bill_date >= oldest:
                        totals[bill.bill_date] = (
                            totals.get(bill.bill_date, 0.0) + bill.current_amount
                        )
        bills = [
            {"billDate": day.isoformat(), "cost": round(cost, 2)}
            for day, cost in sorted(totals.items(), reverse=True)  # newest first
        ]
        return web.json_response({"bills": bills})

    # -- dsm-graphql-v1 --------------------------------------------------------------------

    async def _graphql(self, request: web.Request) -> web.StreamResponse:
        customers = self.authorized(request)
        if customers is None:
            return _error(401, "UNAUTHORIZED")
        if self.profile.graphql_status != 200:
            return _error(self.profile.graphql_status, "ACCOUNT_ACCESS_FORBIDDEN")
        from tests.connectors.opower_site.graph import GraphRoot  # the graph needs this module

        body = json.loads(await request.read())
        root = GraphRoot(self, customers).root()
        return web.json_response(graphql.execute(body["query"], body.get("variables"), root))


def _customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "uuid": customer.uuid,
        "utilityCustomerId": f"cust-{customer.account_number}",
        "type": "RESIDENTIAL",
        "utilityAccounts": [
            {
                "uuid": m.uuid,
                "utilityAccountId": m.account_number,
                "utilityAccountId2": None,
                "preferredUtilityAccountId": m.account_number,
                "servicePointId": m.service_point,
                "meterType": m.meter_type,
                "readResolution": m.resolution,
            }
            for m in customer.meters
        ],
    }


def aggregate_reads(reads: list[Read], resolution: str, zone: ZoneInfo) -> list[Read]:
    """Reads summed up to ``resolution`` (the meter's own reads pass as they are)."""
    step = STEP.get(resolution)
    groups: dict[Any, list[Read]] = {}
    for read in reads:
        if step is None:
            key: Any = read.start.astimezone(zone).date()
        else:
            seconds = int(step.total_seconds())
            key = int(read.start.timestamp()) // seconds * seconds
        groups.setdefault(key, []).append(read)
    found = []
    for group in groups.values():
        if len(group) == 1:
            found.append(group[0])
            continue
        found.append(
            Read(
                group[0].start,
                group[-1].end,
                round(sum(r.value for r in group), 3),
                round(sum(r.cost for r in group), 5),
                _merge(c for r in group for c in r.components),
                _sum_or_none(r.imported for r in group),
                _sum_or_none(r.exported for r in group),
                all(r.published for r in group),
            )
        )
    return found


def _merge(components: Iterable[Component]) -> tuple[Component, ...]:
    merged: dict[tuple[Any, ...], Component] = {}
    for c in components:
        key = (c.tier_type, c.tier_number, c.season, c.day_part)
        if key in merged:
            old = merged[key]
            c = Component(*key, round(old.cost + c.cost, 5), round(old.value + c.value, 3))
        merged[key] = c
    return tuple(merged.values())


def _sum_or_none(values: Iterable[float | None]) -> float | None:
    listed = list(values)
    if any(v is None for v in listed):
        return None
    return round(sum(v for v in listed if v is not None), 3)
