"""The kit must fail a connector for each way it can break the contract."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from gridlink.connectors import (
    Account,
    Commodity,
    Connector,
    ConnectorContext,
    ConnectorInfo,
    ConnectorSession,
    Credentials,
    IntervalReading,
    LineItem,
    LineItemKind,
    Meter,
    MfaChallenge,
    MfaMethod,
    MfaOption,
    Resolution,
    ServiceClass,
    SessionToken,
    SignInKind,
    Statement,
    TouUsage,
    UtilityInfo,
)
from gridlink.connectors.errors import InvalidCredentials, MfaRequired
from gridlink.connectors.testing import ConformanceError, Scenario, check_metadata, check_scenario
from gridlink.kit.clock import ManualClock
from tests.connectors.conftest import START

SECRET = "s3cret-pass"
CODE = "987654"
HOUR = timedelta(hours=1)
PACIFIC = ZoneInfo("America/Los_Angeles")
UTILITY = UtilityInfo(
    "lab_power",
    "Lab Power",
    ("OR",),
    (Commodity.ELECTRIC,),
    (SignInKind.PASSWORD_MFA,),
    (MfaMethod.SMS,),
)


class LabConnector(Connector):
    """Conforms, except for the one ``defect`` a subclass names."""

    info = ConnectorInfo("lab", "Lab", (UTILITY,))
    defect: ClassVar[str] = ""

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        if credentials.password != SECRET:
            message = (
                f"wrong password {credentials.password}" if self.defect == "leaky_error" else None
            )
            raise InvalidCredentials(message)
        if self.defect == "value_error_on_login":
            raise ValueError("boom")
        if self.defect == "returns_dict":
            return {}  # type: ignore[return-value]
        wants_mfa = credentials.username == "mfa" and self.defect != "skips_mfa"
        if wants_mfa and (session_token is None or self.defect == "token_ignored"):
            destination = "555-010-0199" if self.defect == "unmasked" else "***-***-0199"
            raise MfaRequired(MfaChallenge((MfaOption("o1", MfaMethod.SMS, destination),)))
        return LabSession(self.defect)

    async def select_mfa_option(self, challenge: MfaChallenge, option_id: str) -> None:
        challenge.selected_option_id = option_id

    async def submit_mfa_code(self, challenge: MfaChallenge, code: str) -> SessionToken:
        if code != CODE and self.defect != "accepts_any_code":
            from gridlink.connectors.errors import MfaCodeInvalid

            raise MfaCodeInvalid(3)
        return SessionToken("lab-token-abcdef", START + timedelta(days=1))


class LabSession(ConnectorSession):
    def __init__(self, defect: str) -> None:
        self.defect = defect

    def __repr__(self) -> str:
        return "LabSession()"

    async def fetch_accounts(self) -> Sequence[Account]:
        if self.defect == "value_error_on_fetch":
            raise KeyError("accounts")
        number = f"A-1 {SECRET}" if self.defect == "leaky_account" else "A-1"
        return [Account(number, None)]

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        zone = "Pacific Time" if self.defect == "bad_zone" else "America/Los_Angeles"
        commodity = Commodity.WATER if self.defect == "foreign_commodity" else Commodity.ELECTRIC
        return [Meter("M-1", commodity, ServiceClass.RESIDENTIAL, "R", zone)]

    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        first = _bill(date(2026, 1, 10), date(2026, 2, 10))
        second = _bill(date(2026, 2, 10), date(2026, 3, 10))
        changes: dict[str, dict[str, Any]] = {
            "items_mismatch": {"new_charges": Decimal("99.99")},
            "float_amount": {"amount_due": 30.5},
            "negative_payments": {"payments": Decimal("-5")},
            "demand_without_unit": {"demand": Decimal("12.5")},
            "unknown_item_kind": {"line_items": (LineItem("Energy", Decimal("30.50"), kind="x"),)},  # type: ignore[arg-type]
            "tou_in_gallons": {"tou_usage": (TouUsage("Peak", Decimal(80), "gal"),)},
            "volume_on_electric": {"usage_unit": "gal"},
            "unknown_unit": {"usage_unit": "bananas"},
            "datetime_period": {"period_start": datetime(2026, 2, 10, tzinfo=UTC)},
            "due_before_issued": {"due_date": date(2026, 3, 1)},
        }
        if self.defect == "same_period_twice":
            return [first, dataclasses.replace(first, amount_due=Decimal("31.00"))]
        if self.defect in changes:
            second = dataclasses.replace(second, **changes[self.defect])
        if self.defect == "unsorted_statements":
            return [second, first]
        # A corrected bill overlapping both (kept as the utility issued it) conforms.
        corrected = dataclasses.replace(first, period_end=date(2026, 2, 13), amount_due=None)
        return [first, corrected, second]

    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        first = start.replace(minute=0, second=0, microsecond=0)
        if first < start:
            first += HOUR
        if self.defect == "local_day_window":  # opower's old bug: from local midnight of the
            # window start's UTC date, so a window starting at UTC midnight loses 7-8 hours
            local = datetime.combine(start.date(), datetime.min.time(), PACIFIC).astimezone(UTC)
            first = max(first, local)
        hours = max(0, -(-(end - first) // HOUR))
        value = Decimal("0.5")
        readings = [
            IntervalReading(at, HOUR, value + at.hour % 7, "kWh", cost=Decimal("0.1"))
            for at in (first + i * HOUR for i in range(hours))
        ]
        if self.defect == "changes_on_reread":  # values counted from the window's start
            readings = [dataclasses.replace(r, value=Decimal(i)) for i, r in enumerate(readings)]
        if self.defect == "float_cost":
            readings[0] = dataclasses.replace(readings[0], cost=0.1)  # type: ignore[arg-type]
        if self.defect == "month_long_reading":
            readings[0] = dataclasses.replace(readings[0], duration=timedelta(days=30))
        if self.defect == "naive_time":
            readings[2] = dataclasses.replace(
                readings[2], start=readings[2].start.replace(tzinfo=None)
            )
        if self.defect == "unsorted":
            readings[1], readings[3] = readings[3], readings[1]
        if self.defect == "overlapping_readings":
            readings[2] = dataclasses.replace(readings[2], duration=3 * HOUR)
        if self.defect == "negative_value":
            readings[0] = dataclasses.replace(readings[0], value=Decimal("-1"))
        if self.defect == "outside_window":
            readings.append(IntervalReading(end, HOUR, Decimal(1), "kWh"))
        return readings


def _bill(start: date, end: date) -> Statement:
    items = (
        LineItem("Energy", Decimal("20.50"), kind=LineItemKind.SUPPLY),
        LineItem("Basic", Decimal("10.00"), kind=LineItemKind.DELIVERY),
    )
    issued = end + timedelta(days=2)
    return Statement(
        start,
        end,
        issued,
        issued + timedelta(days=21),
        Decimal("42.50"),
        Decimal(200),
        "kWh",
        items,
        new_charges=Decimal("30.50"),
        previous_balance=Decimal("40.00"),
        payments=Decimal("28.00"),
        tou_usage=(TouUsage("Peak", Decimal(80), "kWh"), TouUsage("Off-peak", Decimal(120), "kWh")),
    )


def _lab(defect: str) -> type[LabConnector]:
    return type(f"Lab_{defect}", (LabConnector,), {"defect": defect})


GOOD = Scenario("good", "lab_power", "plain", SECRET)
MFA = Scenario(
    "mfa",
    "lab_power",
    "mfa",
    SECRET,
    mfa_method=MfaMethod.SMS,
    mfa_code=CODE,
    wrong_mfa_code="111111",
)
BAD_PASSWORD = Scenario("bad", "lab_power", "plain", "not-it-at-all", raises=InvalidCredentials)


async def _check(defect: str, scenario: Scenario) -> None:
    await check_scenario(_lab(defect), scenario, ConnectorContext(clock=ManualClock(START)))


@pytest.mark.parametrize("scenario", [GOOD, MFA, BAD_PASSWORD], ids=lambda s: s.name)
async def test_a_conforming_connector_passes(scenario: Scenario) -> None:
    await _check("", scenario)


@pytest.mark.parametrize(
    ("defect", "scenario", "complaint"),
    [
        ("leaky_account", GOOD, "a secret shows in Account"),
        ("leaky_error", BAD_PASSWORD, "a secret shows in InvalidCredentials"),
        ("value_error_on_login", GOOD, "login raised ValueError"),
        ("value_error_on_fetch", GOOD, "fetch_accounts raised KeyError"),
        ("returns_dict", GOOD, "not a ConnectorSession"),
        ("token_ignored", MFA, "the session token did not skip MFA"),
        ("skips_mfa", MFA, "expected MFA, but logged in without it"),
        ("accepts_any_code", MFA, "a wrong MFA code was accepted"),
        ("unmasked", MFA, "destination must be masked"),
        ("bad_zone", GOOD, "is not an IANA zone"),
        ("foreign_commodity", GOOD, "water is not a commodity of lab_power"),
        ("items_mismatch", GOOD, "line items add up to 30.50, not new_charges 99.99"),
        ("float_amount", GOOD, "amount_due must be a finite Decimal or None"),
        ("negative_payments", GOOD, "payments are money received: not negative"),
        ("demand_without_unit", GOOD, "demand unit None is not one of ['kVA', 'kW']"),
        ("unknown_item_kind", GOOD, "line item kinds must be one of"),
        ("tou_in_gallons", GOOD, "time-of-use unit 'gal' is not a known electric unit"),
        ("volume_on_electric", GOOD, "'gal' is not a known electric unit"),
        ("unknown_unit", GOOD, "'bananas' is not a known electric unit"),
        ("datetime_period", GOOD, "must be dates, not datetimes"),
        ("due_before_issued", GOOD, "due before it was issued"),
        ("same_period_twice", GOOD, "the same period twice"),
        ("unsorted_statements", GOOD, "not sorted by period (oldest first)"),
        ("naive_time", GOOD, "timezone-aware UTC"),
        ("unsorted", GOOD, "not sorted"),
        ("overlapping_readings", GOOD, "overlaps the previous delivered reading"),
        ("negative_value", GOOD, "non-negative Decimal"),
        ("outside_window", GOOD, "outside the requested window"),
        ("local_day_window", GOOD, "windows cut at UTC midnight: 2"),
        ("changes_on_reread", GOOD, "readings differ"),
        ("float_cost", GOOD, "cost must be a finite Decimal"),
        ("month_long_reading", GOOD, "a bill period is a Statement"),
    ],
)
async def test_the_kit_names_each_defect(defect: str, scenario: Scenario, complaint: str) -> None:
    with pytest.raises(ConformanceError, match=re.escape(complaint)):
        await _check(defect, scenario)


async def test_an_expected_error_that_does_not_happen_fails() -> None:
    wrong = dataclasses.replace(GOOD, raises=InvalidCredentials)
    with pytest.raises(ConformanceError, match="expected InvalidCredentials, but logged in"):
        await _check("", wrong)


async def test_an_unexpected_error_fails() -> None:
    wrong = dataclasses.replace(BAD_PASSWORD, raises=None)
    with pytest.raises(ConformanceError, match="expected a successful login"):
        await _check("", wrong)


def test_bad_metadata_is_named() -> None:
    broken = UtilityInfo("Lab Power!", "", ("Oregon",), (), (SignInKind.PASSWORD_MFA,))
    connector = type("BadInfo", (LabConnector,), {"info": ConnectorInfo("lab", "Lab", (broken,))})
    with pytest.raises(ConformanceError) as raised:
        check_metadata(connector)
    message = str(raised.value)
    for complaint in (
        "id must be lower_snake_case",
        "name is empty",
        "'Oregon' is not a 2-letter code",
        "commodities is empty",
        "password_mfa sign-in needs at least one MFA method",
    ):
        assert complaint in message
