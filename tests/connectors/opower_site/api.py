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
from collections.abc import Callable, Iterable, Iterator
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


def _interval(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{start.astimezone(zone).isoformat()}/{end.astimezone(zone).isoformat()}"


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


class GraphRoot:
    """The GraphQL graph one request may see: its token's customers."""

    def __init__(self, api: OpowerApi, customers: list[Customer]) -> None:
        self.api = api
        self.zone = api.zone
        self.customers = customers

    def root(self) -> dict[str, Any]:
        return {
            "billingAccountsConnection": lambda **_: _connection(
                [self.billing_account(c) for c in self.customers]
            ),
            "billingAccountByAuthContext": self._by_auth_context,
        }

    def _by_auth_context(
        self, singlePremise: str | None = None, selectedAccount: str | None = None, **_: Any
    ) -> dict[str, Any] | None:
        for customer in self.customers:
            if singlePremise in (customer.urn, None) and selectedAccount in (
                customer.billing_urn,
                None,
            ):
                return self.billing_account(customer)
        return None

    def billing_account(self, customer: Customer) -> dict[str, Any]:
        return {
            "urn": customer.billing_urn,
            "uuid": customer.billing_uuid or customer.uuid,
            "accountNumber": customer.account_number,
            "utilityId": customer.account_number,
            "bills": lambda **args: self._bills(customer, **args),
            "billForecast": lambda **_: self._forecast(customer),
            "serviceAgreementsConnection": lambda matching=None, **_: _connection(
                [self.agreement(m) for m in customer.meters if matching in (None, m.uuid)]
            ),
        }

    def agreement(self, meter: Meter) -> dict[str, Any]:
        return {
            "uuid": meter.uuid,
            "utilityId": meter.account_number,
            "serviceType": meter.service_type,
            "mappedUtilityAccounts": [{"uuid": meter.uuid}],
            "servicePointsConnection": lambda matching=None, **_: _connection(
                [self.service_point(meter)] if matching in (None, meter.service_point) else []
            ),
        }

    def service_point(self, meter: Meter) -> dict[str, Any]:
        truth = self.api.truth(meter.uuid)
        available = _interval(
            midnight(meter.first_day, self.zone), truth.published_until, self.zone
        )
        kinds = ["NET_USAGE", "DELIVERED", "RECEIVED"] if meter.solar else ["NET_USAGE"]
        return {
            "uuid": meter.service_point,
            "utilityId": meter.account_number,
            "serviceType": meter.service_type,
            "registers": [
                {
                    "serviceQuantityIdentifier": kind,
                    "unitOfMeasure": meter.unit,
                    "availableReadsTimeInterval": available,
                }
                for kind in kinds
            ],
            "readStreams": lambda timeInterval, readResolution, **_: self._streams(
                meter, timeInterval, readResolution
            ),
        }

    def _streams(self, meter: Meter, time_interval: str, resolution: str) -> dict[str, Any]:
        truth = self.api.truth(meter.uuid)
        start_text, end_text = time_interval.split("/", 1)
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
        cap = DAILY_CAP if resolution == "DAY" else SUB_DAILY_CAP
        if end - start > cap:
            limit = "365 days" if resolution == "DAY" else "720 hours"
            raise graphql.GraphQLError(f"Provided range must be no more than {limit}.")
        if FINEST.index(resolution) < FINEST.index(meter.resolution):
            raise graphql.GraphQLError(f"readResolution {resolution} is not available")
        reads = aggregate_reads(truth.reads(start, end), resolution, self.zone)
        # Costs are rated a couple of days after the read is measured.
        rated_until = truth.published_until - timedelta(days=2)

        def stream(value: Callable[[Read], float | None], cost: bool) -> list[dict[str, Any]]:
            entries = []
            for read in reads:
                entry: dict[str, Any] = {
                    "timeInterval": _interval(read.start, read.end, self.zone),
                    "measuredAmount": {"value": value(read) if read.published else None},
                }
                if cost:
                    rated = read.published and read.end <= rated_until
                    entry["monetaryAmount"] = {"value": read.cost} if rated else None
                entries.append(entry)
            return [{"reads": entries}]

        return {
            "energyDelivered": stream(lambda r: r.imported, False) if meter.solar else [],
            "energyReceived": stream(lambda r: r.exported, False) if meter.solar else [],
            "netUsage": stream(lambda r: r.value, True),
        }

    def _bills(
        self,
        customer: Customer,
        last: int | None = None,
        orderBy: str | None = None,
        during: str | None = None,
        **_: Any,
    ) -> list[dict[str, Any]]:
        periods: dict[tuple[date, date], list[tuple[Meter, Any]]] = {}
        if not self.api.profile.completed_bills:
            return []
        for meter in customer.meters:
            for bill in self.api.truth(meter.uuid).bills:
                periods.setdefault((bill.start, bill.end), []).append((meter, bill))
        if during:
            first, after = (datetime.fromisoformat(t) for t in during.split("/", 1))
            periods = {
                k: v
                for k, v in periods.items()
                if midnight(k[0], self.zone) < after and midnight(k[1], self.zone) > first
            }
        bills = [
            self._bill(customer, start, end, periods[start, end]) for start, end in sorted(periods)
        ]
        if last is not None:
            bills = bills[-last:]
        return bills if orderBy != "DESCENDING" else bills[::-1]

    def _bill(
        self, customer: Customer, start: date, end: date, found: list[tuple[Meter, Any]]
    ) -> dict[str, Any]:
        period = _interval(midnight(start, self.zone), midnight(end, self.zone), self.zone)
        segments = []
        for meter, bill in found:
            segments.append(
                {
                    "usageInterval": period,
                    "serviceAgreement": self.agreement(meter),
                    "currentAmount": {"value": bill.current_amount},
                    "usageCharges": {"value": bill.usage_charges},
                    "serviceQuantities": [
                        {
                            "unit": meter.unit,
                            "serviceQuantityIdentifier": kind,
                            "serviceQuantity": {"value": value},
                        }
                        for kind, value in bill.quantities
                    ],
                }
            )
        return {
            "billDate": found[0][1].bill_date.isoformat(),
            "timeInterval": period,
            "usageCharges": {"value": round(sum(b.usage_charges for _, b in found), 2)},
            "segments": segments,
        }

    def _forecast(self, customer: Customer) -> dict[str, Any] | None:
        segments = []
        period: tuple[date, date] | None = None
        for meter in customer.meters:
            truth = self.api.truth(meter.uuid)
            period = truth.current_period()
            so_far = [r for r in truth.period_reads(*period) if r.published]
            last_year = truth.period_reads(
                period[0] - timedelta(days=365), period[1] - timedelta(days=365)
            )
            elapsed = max((self.api.now.astimezone(self.zone).date() - period[0]).days, 1)
            share = (period[1] - period[0]).days / elapsed
            usage = round(sum(r.value for r in so_far), 3)
            charges = round(sum(r.cost for r in so_far), 2)
            segments.append(
                {
                    "serviceAgreement": self.agreement(meter),
                    "estimatedUsage": {"value": round(usage * share, 3), "unit": meter.unit},
                    "estimatedUsageCharges": {"value": round(charges * share, 2)},
                    "soFarUsage": {"value": usage},
                    "soFarUsageCharges": {"value": charges},
                    "priorYearUsage": {"value": round(sum(r.value for r in last_year), 3)},
                    "priorYearUsageCharges": {"value": round(sum(r.cost for r in last_year), 2)},
                }
            )
        if period is None:
            return None
        return {
            "timeInterval": _interval(
                midnight(period[0], self.zone), midnight(period[1], self.zone), self.zone
            ),
            "currentDateTime": self.api.now.astimezone(self.zone).isoformat(),
            "segments": segments,
        }


def _connection(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"pageInfo": {"hasNextPage": False}, "edges": [{"node": n} for n in nodes]}
