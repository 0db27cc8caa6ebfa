"""The utilities the opower library supports, as Gridlink declares them.

The list, the names and the time zones come from the library's own registry
(``opower.get_supported_utilities()``), so a library upgrade that adds a utility adds it
here. The library does not say where a utility operates, what it sells or which ones ask
for a code at sign-in, so ``_FACTS`` adds that, by library class name: our utility id
(stable, whatever the library renames), the states served, the commodities, and the MFA
methods its handler offers. A library utility missing from ``_FACTS`` still appears (id
``opower_<class>``, electric, no states) and tests/connectors/test_opower_login.py fails
until it is filled in.

The id is the EIA one (``eia_<EIA utility id>``, as ``gridlink utilities import-eia`` names
utilities) wherever EIA lists the utility, so an imported catalog and the connector describe
one entry: the connector's definition with EIA's zips (ADR 0007). Where EIA lists the
service area under several ids (Eversource: NSTAR 54913, CL&P 4176, PSNH 15472, WMECO
20455; Evergy: KCP&L 10000, Westar 22500, Kansas Gas & Electric 10005, KCP&L Greater
Missouri Operations 12698; O&R: 14154, Rockland Electric 16213) the id is the first named
and the others are declared as ``UtilityInfo.eia_ids``: their customers sign in at the same
portal, so an import files their zips under this one entry (ADR 0007). EIA's electric tables
do not list Southwest Gas (gas only), nor AEP Texas (its 2011 ERCOT zips name retail
providers): they have ids of their own.

Sign-in kinds come from the library too: a utility whose class accepts a TOTP secret (ConEd,
O&R) signs in with ``password_totp`` (Connect asks for the authenticator app's setup key and
the library computes each code); one whose MFA handler sends codes, with ``password_mfa``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from opower import get_supported_utilities
from opower.utilities import UtilityBase

from gridlink.connectors.metadata import (
    ConnectorInfo,
    MfaMethod,
    RequestBudget,
    SignInKind,
    UtilityInfo,
)
from gridlink.connectors.models import Commodity

E, G, W = Commodity.ELECTRIC, Commodity.GAS, Commodity.WATER
# What the two MFA handlers in the library (PG&E's, Exelon's) can send a code to.
_CODE = (MfaMethod.EMAIL, MfaMethod.SMS)


@dataclass(frozen=True, slots=True)
class _Facts:
    id: str
    states: tuple[str, ...]
    commodities: tuple[Commodity, ...]
    mfa: tuple[MfaMethod, ...] = ()
    also_eia: tuple[int, ...] = ()  # subsidiaries' EIA ids: same portal, same sign-in


_FACTS: dict[str, _Facts] = {
    "AEPOHio": _Facts("eia_14006", ("OH",), (E,)),
    "AEPTexas": _Facts("aep_texas", ("TX",), (E,)),
    "AESIndiana": _Facts("eia_9273", ("IN",), (E,)),
    "AppalachianPower": _Facts("eia_733", ("VA", "WV", "TN"), (E,)),
    "AtlanticCityElectric": _Facts("eia_963", ("NJ",), (E,), _CODE),
    "BGE": _Facts("eia_1167", ("MD",), (E, G), _CODE),
    "BurbankWaterAndPower": _Facts("eia_2507", ("CA",), (E, W)),
    "ClarkPublicUtilities": _Facts("eia_3660", ("WA",), (E, W)),
    "COAUtilities": _Facts("eia_1015", ("TX",), (E, W)),
    "ComEd": _Facts("eia_4110", ("IL",), (E,), _CODE),
    "ConEd": _Facts("eia_4226", ("NY",), (E, G)),
    "Delmarva": _Facts("eia_5027", ("DE", "MD"), (E, G), _CODE),
    "DuquesneLight": _Facts("eia_5487", ("PA",), (E,)),
    "Evergy": _Facts("eia_10000", ("KS", "MO"), (E,), also_eia=(22500, 10005, 12698)),
    "Eversource": _Facts("eia_54913", ("CT", "MA", "NH"), (E, G), also_eia=(4176, 15472, 20455)),
    "GlendaleWaterAndPower": _Facts("eia_7294", ("CA",), (E, W)),
    "IndianaMichiganPower": _Facts("eia_9324", ("IN", "MI"), (E,)),
    "KentuckyPower": _Facts("eia_22053", ("KY",), (E,)),
    "Nipsco": _Facts("eia_13756", ("IN",), (E, G)),
    "Oru": _Facts("eia_14154", ("NY", "NJ"), (E, G), also_eia=(16213,)),
    "PECO": _Facts("eia_14940", ("PA",), (E, G), _CODE),
    "Pepco": _Facts("eia_15270", ("DC", "MD"), (E,), _CODE),
    "PGE": _Facts("eia_14328", ("CA",), (E, G), _CODE),
    "PSE": _Facts("eia_15500", ("WA",), (E, G)),
    "PSOklahoma": _Facts("eia_15474", ("OK",), (E,)),
    "RhodeIslandEnergy": _Facts("eia_13214", ("RI",), (E, G)),
    "SCL": _Facts("eia_16868", ("WA",), (E,)),
    "SMECO": _Facts("eia_17637", ("MD",), (E,)),
    "SMUD": _Facts("eia_16534", ("CA",), (E,)),
    "SouthwestGas": _Facts("southwest_gas", ("AZ", "NV", "CA"), (G,)),
    "SWEPCO": _Facts("eia_17698", ("AR", "LA", "TX"), (E,)),
}


@dataclass(frozen=True, slots=True)
class OpowerUtility:
    info: UtilityInfo
    library_name: str  # what opower.Opower(utility=...) takes
    time_zone: str
    accepts_totp_secret: bool


def _facts(library_class: type[UtilityBase]) -> _Facts:
    name = library_class.__name__
    return _FACTS.get(name) or _Facts(f"opower_{name.lower()}", (), (E,))


def _sign_in(library_class: type[UtilityBase], facts: _Facts) -> SignInKind:
    if library_class.accepts_totp_secret():
        return SignInKind.PASSWORD_TOTP
    return SignInKind.PASSWORD_MFA if facts.mfa else SignInKind.PASSWORD


def _utility(library_class: type[UtilityBase]) -> OpowerUtility:
    facts = _facts(library_class)
    info = UtilityInfo(
        id=facts.id,
        name=library_class.name(),
        states=facts.states,
        commodities=facts.commodities,
        sign_in_kinds=(_sign_in(library_class, facts),),
        mfa_methods=facts.mfa,
        eia_ids=facts.also_eia,
    )
    return OpowerUtility(
        info, library_class.name(), library_class.timezone(), library_class.accepts_totp_secret()
    )


# In name order: the library's registry is in module import order, which varies by machine.
OPOWER_UTILITIES: tuple[OpowerUtility, ...] = tuple(
    sorted((_utility(c) for c in get_supported_utilities()), key=lambda u: u.info.name.lower())
)

OPOWER_INFO = ConnectorInfo(
    id="opower",
    display_name="Opower (utility portals on opower.com)",
    utilities=tuple(u.info for u in OPOWER_UTILITIES),
    # Opower publishes reads one to three days late, and costs and estimates settle when the
    # bill closes: two weeks back catches both without re-reading much.
    lookback=timedelta(days=14),
    # Opower serves daily reads for three years and finer ones for about as long, but a
    # daily read per request covers 363 days: 13 months at the finest resolution (a year to
    # compare with) and daily before that cut a 24-month 15-minute backfill's requests by
    # half.
    finest_months=13,
    # Per utility portal: one request every 2 s, bursts of 5 (a sign-in's redirect chain goes
    # mostly at once). A 24-month 15-minute backfill is ~125 requests per meter, about four
    # minutes at this pace; a daily check a handful. A person browsing the portal's usage
    # pages makes requests about as often.
    request_budget=RequestBudget(per_minute=30, burst=5),
)

_BY_ID = {u.info.id: u for u in OPOWER_UTILITIES}


def opower_utility(utility_id: str) -> OpowerUtility:
    return _BY_ID[utility_id]
