"""Small Green Button files written for the tests (not customer data), with what they hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

LA = ZoneInfo("America/Los_Angeles")


def opower_csv(first: date, days: int, *, meter_kwh: float = 0.25, nul: bool = False) -> bytes:
    """An Opower-style hourly export: ``days`` local days from ``first``, each hour
    ``meter_kwh`` plus a hundredth per hour of the day (so each reading differs)."""
    lines = [
        "\ufeffName,JANE DOE",
        'Address,"1 MAIN ST, ANYTOWN CA 94000"',
        "Account Number,1234567890",
        "Service,Service 1" + ("\x00" if nul else ""),
        "",
        "TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES",
    ]
    for offset in range(days):
        day = first + timedelta(days=offset)
        for hour in range(24):
            value = Decimal(str(meter_kwh)) + Decimal(hour) / 100
            lines.append(
                f"Electric usage,{day.isoformat()},{hour:02d}:00,{hour:02d}:59,{value},kWh,$0.05,"
            )
    return ("\n".join(lines) + "\n").encode()


def opower_csv_sum(first: date, days: int, *, meter_kwh: float = 0.25) -> Decimal:
    per_day = sum(Decimal(str(meter_kwh)) + Decimal(h) / 100 for h in range(24))
    return Decimal(per_day * days)


def utc_span(first: date, days: int) -> tuple[datetime, datetime]:
    start = datetime(first.year, first.month, first.day, tzinfo=LA).astimezone(UTC)
    last = first + timedelta(days=days)
    end = datetime(last.year, last.month, last.day, tzinfo=LA).astimezone(UTC)
    return start, end
