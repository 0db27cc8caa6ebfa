"""The utilities the opower library supports, as Gridlink declares them.

The list, the names and the time zones come from the library's own registry
(``opower.get_supported_utilities()``), so a library upgrade that adds a utility adds it
here. The library does not say where a utility operates, what it sells or which ones ask
for a code at sign-in, so ``_FACTS`` adds that, by library class name: our utility id
(stable, whatever the library renames), the states served, the commodities, and the MFA
methods its handler offers. A library utility missing from ``_FACTS`` still appears (id
``opower_<class>``, electric, no states) and tests/connectors/test_opower_catalog.py fails
until it is filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from opower import get_supported_utilities
from opower.utilities import UtilityBase

from gridlink.connectors.metadata import ConnectorInfo, MfaMethod, SignInKind, UtilityInfo
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


_FACTS: dict[str, _Facts] = {
    "AEPOHio": _Facts("aep_ohio", ("OH",), (E,)),
    "AEPTexas": _Facts("aep_texas", ("TX",), (E,)),
    "AESIndiana": _Facts("aes_indiana", ("IN",), (E,)),
    "AppalachianPower": _Facts("appalachian_power", ("VA", "WV", "TN"), (E,)),
    "AtlanticCityElectric": _Facts("atlantic_city_electric", ("NJ",), (E,), _CODE),
    "BGE": _Facts("baltimore_gas_and_electric", ("MD",), (E, G), _CODE),
    "BurbankWaterAndPower": _Facts("burbank_water_and_power", ("CA",), (E, W)),
    "ClarkPublicUtilities": _Facts("clark_public_utilities", ("WA",), (E, W)),
    "COAUtilities": _Facts("city_of_austin_utilities", ("TX",), (E, W)),
    "ComEd": _Facts("commonwealth_edison", ("IL",), (E,), _CODE),
    "ConEd": _Facts("consolidated_edison", ("NY",), (E, G)),
    "Delmarva": _Facts("delmarva_power", ("DE", "MD"), (E, G), _CODE),
    "DuquesneLight": _Facts("duquesne_light", ("PA",), (E,)),
    "Evergy": _Facts("evergy", ("KS", "MO"), (E,)),
    "Eversource": _Facts("eversource", ("CT", "MA", "NH"), (E, G)),
    "GlendaleWaterAndPower": _Facts("glendale_water_and_power", ("CA",), (E, W)),
    "IndianaMichiganPower": _Facts("indiana_michigan_power", ("IN", "MI"), (E,)),
    "KentuckyPower": _Facts("kentucky_power", ("KY",), (E,)),
    "Nipsco": _Facts("nipsco", ("IN",), (E, G)),
    "Oru": _Facts("orange_and_rockland", ("NY", "NJ"), (E, G)),
    "PECO": _Facts("peco", ("PA",), (E, G), _CODE),
    "Pepco": _Facts("pepco", ("DC", "MD"), (E,), _CODE),
    "PGE": _Facts("pacific_gas_and_electric", ("CA",), (E, G), _CODE),
    "PSE": _Facts("puget_sound_energy", ("WA",), (E, G)),
    "PSOklahoma": _Facts("public_service_company_of_oklahoma", ("OK",), (E,)),
    "RhodeIslandEnergy": _Facts("rhode_island_energy", ("RI",), (E, G)),
    "SCL": _Facts("seattle_city_light", ("WA",), (E,)),
    "SMECO": _Facts("southern_maryland_electric_cooperative", ("MD",), (E,)),
    "SMUD": _Facts("sacramento_municipal_utility_district", ("CA",), (E,)),
    "SouthwestGas": _Facts("southwest_gas", ("AZ", "NV", "CA"), (G,)),
    "SWEPCO": _Facts("southwestern_electric_power_company", ("AR", "LA", "TX"), (E,)),
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


def _utility(library_class: type[UtilityBase]) -> OpowerUtility:
    facts = _facts(library_class)
    kinds = (SignInKind.PASSWORD_MFA,) if facts.mfa else (SignInKind.PASSWORD,)
    info = UtilityInfo(
        id=facts.id,
        name=library_class.name(),
        states=facts.states,
        commodities=facts.commodities,
        sign_in_kinds=kinds,
        mfa_methods=facts.mfa,
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
)

_BY_ID = {u.info.id: u for u in OPOWER_UTILITIES}


def opower_utility(utility_id: str) -> OpowerUtility:
    return _BY_ID[utility_id]
