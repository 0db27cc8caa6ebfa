"""What a connector declares about itself: its id and the utilities it serves.

The catalog, the widget and the registry read only this; nothing here talks to a utility.
``ConnectorInfo.problems()`` lists what is wrong with a declaration, so the registry and the
conformance kit reject a bad one with a message that names the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from gridlink.connectors.models import Commodity


class SignInKind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a sign-in kind, not a secret
    PASSWORD_MFA = "password_mfa"  # noqa: S105
    # Password plus the setup key of the end user's authenticator app (a TOTP secret), asked
    # up front: the connector computes each code itself, so no code is typed at sign-in.
    PASSWORD_TOTP = "password_totp"  # noqa: S105
    OAUTH = "oauth"
    FILE = "file"


class MfaMethod(StrEnum):
    SMS = "sms"
    CALL = "call"
    EMAIL = "email"


class Environment(StrEnum):
    SANDBOX = "sandbox"
    LIVE = "live"


_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_EIA_ID = re.compile(r"^eia_(\d{1,10})$")  # the id ``gridlink utilities import-eia`` gives
_STATE = re.compile(r"^[A-Z]{2}$")
_ZIP = re.compile(r"^\d{5}$")


@dataclass(frozen=True, slots=True)
class RequestBudget:
    """How fast Gridlink may call a utility, all workers together: a token bucket refilled at
    ``per_minute`` requests a minute that holds at most ``burst`` (requests that may go at once
    after a quiet spell). ``per_minute`` ``math.inf`` is unlimited. Enforced by the engine
    (budgets/pacing.py); a connector only awaits ``ConnectorContext.pace``."""

    per_minute: float
    burst: int = 1

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.per_minute)

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return 60.0 / self.per_minute

    def problems(self, where: str) -> list[str]:
        found: list[str] = []
        if not (self.per_minute > 0):  # also refuses NaN
            found.append(f"{where}: request_budget.per_minute must be above 0")
        if self.burst < 1:
            found.append(f"{where}: request_budget.burst must be at least 1")
        return found

    @classmethod
    def parse(cls, text: str) -> RequestBudget:
        """``"30"`` (a minute), ``"30/5"`` (with a burst of 5) or ``"unlimited"``."""
        text = text.strip()
        if text == "unlimited":
            return UNLIMITED
        rate, _, burst = text.partition("/")
        try:
            budget = cls(float(rate), int(burst) if burst else 1)
        except ValueError:
            raise ValueError(f"{text!r} is not PER_MINUTE[/BURST] or unlimited") from None
        problems = budget.problems(repr(text))
        if problems or budget.unlimited:
            raise ValueError(problems[0] if problems else f"{text!r}: write unlimited")
        return budget


UNLIMITED = RequestBudget(math.inf, 1)
# What a connector that declares nothing gets: as polite as the opower portals (30 a minute,
# see connectors/opower/utilities.py), since nothing is known about its utility.
DEFAULT_REQUEST_BUDGET = RequestBudget(per_minute=30, burst=5)


def parse_request_budgets(text: str) -> dict[str, RequestBudget]:
    """``GRIDLINK_REQUEST_BUDGETS``: ``id=PER_MINUTE[/BURST],...`` where an id is a utility's
    or a connector's; e.g. ``pge=20/5,smart_meter_texas=4,sandbox=unlimited``."""
    budgets: dict[str, RequestBudget] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = entry.partition("=")
        key = key.strip()
        if not equals or not _ID.match(key):
            raise ValueError(f"{entry!r} is not id=PER_MINUTE[/BURST]")
        if key in budgets:
            raise ValueError(f"{key!r} is given twice")
        budgets[key] = RequestBudget.parse(value)
    return budgets


@dataclass(frozen=True, slots=True)
class UtilityInfo:
    id: str
    name: str
    states: tuple[str, ...]
    commodities: tuple[Commodity, ...]
    sign_in_kinds: tuple[SignInKind, ...]
    mfa_methods: tuple[MfaMethod, ...] = ()
    forgot_password_url: str | None = None
    logo_url: str | None = None
    environment: Environment = Environment.LIVE
    # Sandbox utilities carry their own fake zips; live ones are placed by imported zip data.
    zips: tuple[str, ...] = ()
    # None: the connector's budget. A utility with its own site or limits declares its own.
    request_budget: RequestBudget | None = None
    # EIA utility ids this utility *is* besides the one in its id (``eia_<N>``): subsidiaries
    # whose customers sign in at the same place (Eversource: CL&P, PSNH, WMECO). An imported
    # catalog files their zips, states and names under this utility (one entry, not several).
    eia_ids: tuple[int, ...] = ()
    # EIA utilities whose customers can also connect through this one without it being them
    # (Smart Meter Texas reads the meters of the Texas wires utilities and of every retail
    # provider's customers there): it is suggested in their zips, their entries stay.
    serves_customers_of: tuple[int, ...] = ()

    @property
    def all_eia_ids(self) -> tuple[int, ...]:
        """The EIA ids this utility is: the one its id names, then ``eia_ids``."""
        own = _EIA_ID.match(self.id)
        return ((int(own.group(1)),) if own else ()) + self.eia_ids

    @property
    def takes_totp_secret(self) -> bool:
        return SignInKind.PASSWORD_TOTP in self.sign_in_kinds

    def problems(self) -> list[str]:
        where = f"utility {self.id!r}"
        found: list[str] = []
        if not _ID.match(self.id):
            found.append(f"{where}: id must be lower_snake_case (2-63 chars)")
        if not self.name.strip():
            found.append(f"{where}: name is empty")
        found += [
            f"{where}: state {s!r} is not a 2-letter code"
            for s in self.states
            if not _STATE.match(s)
        ]
        found += _enum_problems(where, "commodities", self.commodities, Commodity)
        found += _enum_problems(where, "sign_in_kinds", self.sign_in_kinds, SignInKind)
        found += _enum_problems(where, "mfa_methods", self.mfa_methods, MfaMethod, allow_empty=True)
        if SignInKind.PASSWORD_MFA in self.sign_in_kinds and not self.mfa_methods:
            found.append(f"{where}: password_mfa sign-in needs at least one MFA method")
        if self.takes_totp_secret and {SignInKind.PASSWORD, SignInKind.PASSWORD_MFA} & set(
            self.sign_in_kinds
        ):
            found.append(
                f"{where}: password_totp cannot be offered with password or password_mfa "
                "(Connect must know whether to ask for the authenticator key)"
            )
        found += _eia_problems(where, self)
        for name, url in (
            ("forgot_password_url", self.forgot_password_url),
            ("logo_url", self.logo_url),
        ):
            if url is not None and not url.startswith("https://"):
                found.append(f"{where}: {name} must be an https:// URL")
        found += [f"{where}: zip {z!r} is not 5 digits" for z in self.zips if not _ZIP.match(z)]
        if self.environment == Environment.SANDBOX and not self.zips:
            found.append(f"{where}: a sandbox utility must declare its fake zips")
        if self.environment not in tuple(Environment):
            found.append(f"{where}: environment must be sandbox or live")
        if self.request_budget is not None:
            found += self.request_budget.problems(where)
        return found


# How far back a scheduled sync may re-read: beyond this a utility's late data is history.
MAX_LOOKBACK = timedelta(days=62)


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """``lookback``: how long before the last stored reading every scheduled sync reads again,
    for readings the utility publishes late and estimates it replaces with actual reads.

    ``finest_months``: the backfill policy. The first sync reads the meter's finest readings
    for this many recent months and daily readings (``Resolution.DAY``) before them, sparing
    the utility most requests; None (the default) reads the finest readings for all history,
    for connectors that cannot read daily. Statements always cover all history.
    """

    id: str
    display_name: str
    utilities: tuple[UtilityInfo, ...]
    lookback: timedelta = timedelta(days=7)
    finest_months: int | None = None
    # Per utility (each utility has a bucket of its own) unless the utility declares its own.
    request_budget: RequestBudget = DEFAULT_REQUEST_BUDGET

    def utility(self, utility_id: str) -> UtilityInfo:
        for utility in self.utilities:
            if utility.id == utility_id:
                return utility
        raise LookupError(f"connector {self.id!r} does not serve utility {utility_id!r}")

    def budget_for(self, utility_id: str) -> RequestBudget:
        return self.utility(utility_id).request_budget or self.request_budget

    def problems(self) -> list[str]:
        found: list[str] = []
        if not _ID.match(self.id):
            found.append(f"connector {self.id!r}: id must be lower_snake_case (2-63 chars)")
        if not self.display_name.strip():
            found.append(f"connector {self.id!r}: display_name is empty")
        if not self.utilities:
            found.append(f"connector {self.id!r}: serves no utility")
        if not timedelta(days=1) <= self.lookback <= MAX_LOOKBACK:
            found.append(f"connector {self.id!r}: lookback must be 1 to 62 days")
        if self.finest_months is not None and self.finest_months < 1:
            found.append(f"connector {self.id!r}: finest_months must be at least 1 (or None)")
        ids = [u.id for u in self.utilities]
        found += [
            f"connector {self.id!r}: utility {i!r} declared twice"
            for i in sorted(set(ids))
            if ids.count(i) > 1
        ]
        found += self.request_budget.problems(f"connector {self.id!r}")
        for utility in self.utilities:
            found += utility.problems()
        claimed = [i for u in self.utilities for i in u.all_eia_ids]
        found += [
            f"connector {self.id!r}: EIA id {i} is claimed by two of its utilities"
            for i in sorted(set(claimed))
            if claimed.count(i) > 1
        ]
        return found


def _eia_problems(where: str, utility: UtilityInfo) -> list[str]:
    found: list[str] = []
    for name, ids in (
        ("eia_ids", utility.all_eia_ids),
        ("serves_customers_of", utility.serves_customers_of),
    ):
        found += [f"{where}: {name} has {i!r}, not a positive integer" for i in ids if not _eia(i)]
        if len(set(ids)) != len(ids):
            found.append(f"{where}: {name} repeats an EIA id (its own id counts)")
    both = sorted(set(utility.all_eia_ids) & set(utility.serves_customers_of))
    found += [f"{where}: EIA id {i} is both in eia_ids and in serves_customers_of" for i in both]
    return found


def _eia(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**10


def _enum_problems(
    where: str,
    field_name: str,
    values: tuple[StrEnum, ...],
    kind: type[StrEnum],
    *,
    allow_empty: bool = False,
) -> list[str]:
    found: list[str] = []
    if not values and not allow_empty:
        found.append(f"{where}: {field_name} is empty")
    allowed = {member.value for member in kind}
    found += [f"{where}: {field_name} has unknown value {v!r}" for v in values if v not in allowed]
    if len(set(values)) != len(values):
        found.append(f"{where}: {field_name} repeats a value")
    return found
