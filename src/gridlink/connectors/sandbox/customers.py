"""Who a sandbox user is: accounts and meters, derived from a hash of utility and username.

Everything comes from a ``random.Random`` seeded with that hash (never the global random
state), so the same username always gets the same accounts, addresses and meter numbers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from gridlink.connectors.models import (
    Account,
    AccountStatus,
    Commodity,
    Meter,
    ServiceAddress,
    ServiceClass,
)
from gridlink.connectors.sandbox.scenarios import Scenario
from gridlink.connectors.sandbox.utilities import SandboxUtility

_STREETS = (
    "Alder Street", "Birch Avenue", "Cypress Lane", "Dogwood Drive", "Elm Court", "Fir Road",
    "Garnet Way", "Hawthorn Place", "Juniper Street", "Laurel Avenue", "Magnolia Drive",
    "Oak Terrace", "Pine Street", "Redwood Boulevard", "Sycamore Lane", "Willow Way",
)  # fmt: skip
_METER_PREFIX = {Commodity.ELECTRIC: "E", Commodity.GAS: "G", Commodity.WATER: "W"}


@dataclass(frozen=True, slots=True)
class SandboxMeter:
    meter: Meter
    seed: int
    size: float  # household/business size: scales all usage
    read_day: int  # day of the month the meter is read (billing cycle)
    solar_kw: float  # 0 when the meter has no solar


@dataclass(frozen=True, slots=True)
class SandboxAccount:
    account: Account
    meters: tuple[SandboxMeter, ...]


def seed_of(*parts: str) -> int:
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def customer(
    utility: SandboxUtility, username: str, scenario: Scenario
) -> tuple[SandboxAccount, ...]:
    rng = random.Random(seed_of(utility.info.id, username))  # noqa: S311 - synthetic data
    plan = _account_plan(utility, scenario)
    accounts = []
    for commodities, service_class in plan:
        number = _digits(rng, utility.account_format)
        address = _address(rng, utility)
        meters = tuple(
            _meter(rng, utility, number, commodity, service_class, scenario)
            for commodity in commodities
        )
        accounts.append(SandboxAccount(Account(number, address, AccountStatus.ACTIVE), meters))
    return tuple(accounts)


def _account_plan(
    utility: SandboxUtility, scenario: Scenario
) -> list[tuple[tuple[Commodity, ...], ServiceClass]]:
    """Which meters each account gets: user_multi has three accounts, everyone else one."""
    first = utility.info.commodities[0]
    if scenario != Scenario.MULTI:
        return [((first,), ServiceClass.RESIDENTIAL)]
    every = utility.info.commodities
    last = every[-1]
    return [
        (every, ServiceClass.RESIDENTIAL),
        ((first,), ServiceClass.RESIDENTIAL),
        ((last,), ServiceClass.COMMERCIAL),
    ]


def _meter(
    rng: random.Random,
    utility: SandboxUtility,
    account_number: str,
    commodity: Commodity,
    service_class: ServiceClass,
    scenario: Scenario,
) -> SandboxMeter:
    number = _METER_PREFIX[commodity] + _digits(rng, "#########")
    solar = scenario == Scenario.SOLAR and commodity == Commodity.ELECTRIC
    size = rng.uniform(0.75, 1.4) * (4.0 if service_class == ServiceClass.COMMERCIAL else 1.0)
    read_day = rng.randint(2, 27)
    solar_kw = round(rng.uniform(5.0, 8.5), 1) if solar else 0.0
    # Its own Random: drawing from ``rng`` here would change every later account and meter.
    service = random.Random(seed_of("service", utility.info.id, account_number, number))  # noqa: S311
    meter = Meter(
        number=number,
        commodity=commodity,
        service_class=service_class,
        tariff=utility.tariff(commodity, service_class, solar),
        time_zone=utility.time_zone,
        meter_number=number,  # the sandbox numbers its meters as printed on the bill
        service_id=_digits(service, "##########"),
    )
    return SandboxMeter(
        meter, seed_of(utility.info.id, account_number, number), size, read_day, solar_kw
    )


def _address(rng: random.Random, utility: SandboxUtility) -> ServiceAddress:
    unit = f"Apt {rng.randint(1, 24)}" if rng.random() < 0.25 else None
    return ServiceAddress(
        line1=f"{rng.randint(100, 9899)} {rng.choice(_STREETS)}",
        line2=unit,
        city=rng.choice(utility.cities),
        state=utility.info.states[0],
        postal_code=rng.choice(utility.info.zips),
    )


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)
