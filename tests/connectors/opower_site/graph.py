"""The fake dsm-graphql-v1's graph: what a token's customers look like to the library's
GraphQL queries (billing accounts, bills, forecasts, service agreements and points,
registers, read streams), built from the meters' truth and resolved by :mod:`.graphql`.

Read streams take an absolute ``[start, end)`` (reads starting at or after start), at
most 720 hours sub-daily or 365 days daily; unmeasured intervals are ``null``, unrated
ones have no ``monetaryAmount``. Serving ``uuid`` equal to the REST utility account's is
what makes the library's forecasts match their accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tests.connectors.opower_site import graphql
from tests.connectors.opower_site.api import (
    DAILY_CAP,
    FINEST,
    SUB_DAILY_CAP,
    Customer,
    aggregate_reads,
)
from tests.connectors.opower_site.truth import Meter, Read, midnight

if TYPE_CHECKING:
    from tests.connectors.opower_site.api import OpowerApi


def _interval(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{start.astimezone(zone).isoformat()}/{end.astimezone(zone).isoformat()}"


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
        if not self.api.forecasts:
            return None
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
