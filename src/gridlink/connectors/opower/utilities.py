"""The utilities the opower library supports, as Gridlink declares them.

Declared here, not read from the library's registry at import: reading it
(``opower.get_supported_utilities()``) imports the library and aiohttp, which a server that
never signs in to an opower utility should not pay at every start (ADR 0022). ``_FACTS`` holds,
by library class name, what the library says (the name ``opower.Opower(utility=...)`` takes,
the time zone, whether the class accepts a TOTP secret) and what it does not: our utility id
(stable, whatever the library renames), the states served, the commodities, and the MFA
methods its handler offers. tests/connectors/test_opower_login.py compares the library's part
with the installed library, so an upgrade that adds, renames or moves a utility fails there
until this table is brought up to date.

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

Sign-in kinds follow the library: a utility whose class accepts a TOTP secret (ConEd,
O&R) signs in with ``password_totp`` (Connect asks for the authenticator app's setup key and
the library computes each code); one whose MFA handler sends codes, with ``password_mfa``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
    library_name: str  # the class's name(): what opower.Opower(utility=...) takes
    time_zone: str  # the class's timezone()
    states: tuple[str, ...]
    commodities: tuple[Commodity, ...]
    mfa: tuple[MfaMethod, ...] = ()
    also_eia: tuple[int, ...] = ()  # subsidiaries' EIA ids: same portal, same sign-in
    totp: bool = False  # the class's accepts_totp_secret()


_FACTS: dict[str, _Facts] = {
    "AEPOHio": _Facts("eia_14006", "AEP Ohio", "America/New_York", ("OH",), (E,)),
    "AEPTexas": _Facts("aep_texas", "AEP Texas", "America/Chicago", ("TX",), (E,)),
    "AESIndiana": _Facts("eia_9273", "AES Indiana", "America/Indiana/Indianapolis", ("IN",), (E,)),
    "AppalachianPower": _Facts(
        "eia_733", "Appalachian Power", "America/New_York", ("VA", "WV", "TN"), (E,)
    ),
    "AtlanticCityElectric": _Facts(
        "eia_963", "Atlantic City Electric", "America/New_York", ("NJ",), (E,), _CODE
    ),
    "BGE": _Facts(
        "eia_1167", "Baltimore Gas and Electric (BGE)", "America/New_York", ("MD",), (E, G), _CODE
    ),
    "BurbankWaterAndPower": _Facts(
        "eia_2507", "Burbank Water and Power (BWP)", "America/Los_Angeles", ("CA",), (E, W)
    ),
    "ClarkPublicUtilities": _Facts(
        "eia_3660", "Clark Public Utilities", "America/Los_Angeles", ("WA",), (E, W)
    ),
    "COAUtilities": _Facts(
        "eia_1015", "City of Austin Utilities", "America/Chicago", ("TX",), (E, W)
    ),
    "ComEd": _Facts(
        "eia_4110", "Commonwealth Edison (ComEd)", "America/Chicago", ("IL",), (E,), _CODE
    ),
    "ConEd": _Facts(
        "eia_4226", "Consolidated Edison (ConEd)", "America/New_York", ("NY",), (E, G), totp=True
    ),
    "Delmarva": _Facts(
        "eia_5027", "Delmarva Power", "America/New_York", ("DE", "MD"), (E, G), _CODE
    ),
    "DuquesneLight": _Facts(
        "eia_5487", "Duquesne Light Company (DQE)", "America/New_York", ("PA",), (E,)
    ),
    "Evergy": _Facts(
        "eia_10000", "Evergy", "America/Chicago", ("KS", "MO"), (E,), also_eia=(22500, 10005, 12698)
    ),
    "Eversource": _Facts(
        "eia_54913",
        "Eversource",
        "America/New_York",
        ("CT", "MA", "NH"),
        (E, G),
        also_eia=(4176, 15472, 20455),
    ),
    "GlendaleWaterAndPower": _Facts(
        "eia_7294", "Glendale Water and Power (GWP)", "America/Los_Angeles", ("CA",), (E, W)
    ),
    "IndianaMichiganPower": _Facts(
        "eia_9324", "Indiana Michigan Power", "America/New_York", ("IN", "MI"), (E,)
    ),
    "KentuckyPower": _Facts("eia_22053", "Kentucky Power", "America/New_York", ("KY",), (E,)),
    "Nipsco": _Facts(
        "eia_13756",
        "Northern Indiana Public Service Company (NIPSCO)",
        "America/Indiana/Indianapolis",
        ("IN",),
        (E, G),
    ),
    "Oru": _Facts(
        "eia_14154",
        "Orange & Rockland Utilities (ORU)",
        "America/New_York",
        ("NY", "NJ"),
        (E, G),
        also_eia=(16213,),
        totp=True,
    ),
    "PECO": _Facts(
        "eia_14940", "PECO Energy Company (PECO)", "America/New_York", ("PA",), (E, G), _CODE
    ),
    "Pepco": _Facts(
        "eia_15270",
        "Potomac Electric Power Company (Pepco)",
        "America/New_York",
        ("DC", "MD"),
        (E,),
        _CODE,
    ),
    "PGE": _Facts(
        "eia_14328",
        "Pacific Gas and Electric Company (PG&E)",
        "America/Los_Angeles",
        ("CA",),
        (E, G),
        _CODE,
    ),
    "PSE": _Facts("eia_15500", "Puget Sound Energy (PSE)", "America/Los_Angeles", ("WA",), (E, G)),
    "PSOklahoma": _Facts(
        "eia_15474", "Public Service Company of Oklahoma (PSO)", "America/Chicago", ("OK",), (E,)
    ),
    "RhodeIslandEnergy": _Facts(
        "eia_13214", "Rhode Island Energy (RIEnergy)", "America/New_York", ("RI",), (E, G)
    ),
    "SCL": _Facts("eia_16868", "Seattle City Light (SCL)", "America/Los_Angeles", ("WA",), (E,)),
    "SMECO": _Facts(
        "eia_17637",
        "Southern Maryland Electric Cooperative (SMECO)",
        "America/New_York",
        ("MD",),
        (E,),
    ),
    "SMUD": _Facts(
        "eia_16534",
        "Sacramento Municipal Utility District (SMUD)",
        "America/Los_Angeles",
        ("CA",),
        (E,),
    ),
    "SouthwestGas": _Facts(
        "southwest_gas", "Southwest Gas", "America/Phoenix", ("AZ", "NV", "CA"), (G,)
    ),
    "SWEPCO": _Facts(
        "eia_17698",
        "Southwestern Electric Power Company (SWEPCO)",
        "America/Chicago",
        ("AR", "LA", "TX"),
        (E,),
    ),
}


@dataclass(frozen=True, slots=True)
class OpowerUtility:
    info: UtilityInfo
    library_name: str  # what opower.Opower(utility=...) takes
    time_zone: str
    accepts_totp_secret: bool


def _sign_in(facts: _Facts) -> SignInKind:
    if facts.totp:
        return SignInKind.PASSWORD_TOTP
    return SignInKind.PASSWORD_MFA if facts.mfa else SignInKind.PASSWORD


def _utility(facts: _Facts) -> OpowerUtility:
    info = UtilityInfo(
        id=facts.id,
        name=facts.library_name,
        states=facts.states,
        commodities=facts.commodities,
        sign_in_kinds=(_sign_in(facts),),
        mfa_methods=facts.mfa,
        eia_ids=facts.also_eia,
    )
    return OpowerUtility(info, facts.library_name, facts.time_zone, facts.totp)


# In name order, as the library's names sort (its own registry is in module import order).
OPOWER_UTILITIES: tuple[OpowerUtility, ...] = tuple(
    sorted((_utility(f) for f in _FACTS.values()), key=lambda u: u.info.name.lower())
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
