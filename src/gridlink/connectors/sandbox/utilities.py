"""The sandbox utilities: fictional, each with its own fake zips (000xx is unassigned in the US).

The one definition of them: ``gridlink.utilities.catalog`` writes them to the catalog at
start-up, and a zip's utilities are ranked in the order declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridlink.connectors.metadata import (
    UNLIMITED,
    ConnectorInfo,
    Environment,
    MfaMethod,
    SignInKind,
    UtilityInfo,
)
from gridlink.connectors.models import Commodity, ServiceClass

C = Commodity


@dataclass(frozen=True, slots=True)
class SandboxUtility:
    info: UtilityInfo
    time_zone: str
    cities: tuple[str, ...]
    account_format: str  # "#" = a digit
    # (commodity, service class) → tariff; solar meters append "-NEM".
    tariffs: tuple[tuple[Commodity, ServiceClass, str], ...]

    def tariff(self, commodity: Commodity, service_class: ServiceClass, solar: bool) -> str:
        name = next(t for c, s, t in self.tariffs if c == commodity and s == service_class)
        return f"{name}-NEM" if solar else name


def _info(
    utility_id: str,
    name: str,
    state: str,
    commodities: tuple[Commodity, ...],
    zips: tuple[str, ...],
    forgot_password_url: str | None = None,
    *,
    authenticator: bool = False,
) -> UtilityInfo:
    """``authenticator``: signs in with a password and an authenticator app's key (like ConEd)
    instead of offering password and password + MFA code."""
    kinds = (SignInKind.PASSWORD, SignInKind.PASSWORD_MFA)
    methods = (MfaMethod.SMS, MfaMethod.CALL, MfaMethod.EMAIL)
    return UtilityInfo(
        id=utility_id,
        name=name,
        states=(state,),
        commodities=commodities,
        sign_in_kinds=(SignInKind.PASSWORD_TOTP,) if authenticator else kinds,
        mfa_methods=() if authenticator else methods,
        environment=Environment.SANDBOX,
        zips=zips,
        forgot_password_url=forgot_password_url,
    )


def _forgot(host: str) -> str:
    """A fictional utility site (``.example`` never resolves): Connect shows the link as it would
    a real utility's. The water district has none, so both cases can be seen."""
    return f"https://{host}.sandbox.example/forgot-password"


RES, COM = ServiceClass.RESIDENTIAL, ServiceClass.COMMERCIAL

SANDBOX_UTILITIES: tuple[SandboxUtility, ...] = (
    SandboxUtility(
        _info(
            "sandbox_electric",
            "Sandbox Power & Light",
            "CA",
            (C.ELECTRIC,),
            ("00010", "00011"),
            _forgot("power"),
        ),
        "America/Los_Angeles",
        ("Alder Creek", "Mesa Verde", "Harbor Point"),
        "#### ### ###-#",
        ((C.ELECTRIC, RES, "R-TOU-4"), (C.ELECTRIC, COM, "B-1")),
    ),
    SandboxUtility(
        _info(
            "sandbox_gas",
            "Sandbox Gas Company",
            "CA",
            (C.GAS,),
            ("00011", "00020"),
            _forgot("gas"),
        ),
        "America/Los_Angeles",
        ("Alder Creek", "Oak Hollow", "Mesa Verde"),
        "##########-#",
        ((C.GAS, RES, "G-1"), (C.GAS, COM, "G-NR1")),
    ),
    SandboxUtility(
        _info(
            "sandbox_combined",
            "Sandbox Energy (electric + gas)",
            "NY",
            (C.ELECTRIC, C.GAS),
            ("00030", "00031"),
            _forgot("energy"),
        ),
        "America/New_York",
        ("Riverbend", "Kings Landing", "Maple Heights"),
        "##-####-####-####-#",
        (
            (C.ELECTRIC, RES, "EL1"),
            (C.ELECTRIC, COM, "EL2"),
            (C.GAS, RES, "GAS-1"),
            (C.GAS, COM, "GAS-2"),
        ),
    ),
    SandboxUtility(
        _info("sandbox_water", "Sandbox Water District", "TX", (C.WATER,), ("00040",)),
        "America/Chicago",
        ("Cedar Flats", "Bluebonnet", "Pecan Springs"),
        "W-########",
        ((C.WATER, RES, "W-RES"), (C.WATER, COM, "W-COM")),
    ),
    SandboxUtility(
        _info(
            "sandbox_authenticator",
            "Sandbox Metro Electric",
            "NJ",
            (C.ELECTRIC,),
            ("00050",),
            _forgot("metro"),
            authenticator=True,
        ),
        "America/New_York",
        ("Harbor Heights", "Ferry Point", "Palisade Park"),
        "####-####-####",
        ((C.ELECTRIC, RES, "EL-1"), (C.ELECTRIC, COM, "EL-2")),
    ),
)

SANDBOX_INFO = ConnectorInfo(
    id="sandbox",
    display_name="Gridlink sandbox",
    utilities=tuple(u.info for u in SANDBOX_UTILITIES),
    # Like the opower portals: the last 13 months at 15 minutes (a year to compare with),
    # daily readings before that.
    finest_months=13,
    # The sandbox answers in-process: no utility to be polite to, and no request to pace.
    request_budget=UNLIMITED,
)

_BY_ID = {u.info.id: u for u in SANDBOX_UTILITIES}


def sandbox_utility(utility_id: str) -> SandboxUtility:
    return _BY_ID[utility_id]
