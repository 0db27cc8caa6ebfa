"""Unit normalization: connectors keep the utility's unit, the engine converts with these.

Normalized units per commodity: electric → ``kWh``, gas → ``therm``, water → ``gal`` (or
``m3`` with ``metric=True``). Factors are exact (joules and litres as bases); gas volume
becomes energy through a heat content, by default the US average of 1,037 Btu per cubic
foot (EIA), i.e. 1 CCF ≈ 1.037 therm. The same "CCF" means energy-by-volume for gas and
plain volume for water, hence the ``commodity`` argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from gridlink.connectors.models import Commodity

DEFAULT_GAS_BTU_PER_FT3 = Decimal(1037)


class Dimension(StrEnum):
    ENERGY = "energy"
    VOLUME = "volume"


@dataclass(frozen=True, slots=True)
class _Unit:
    symbol: str
    dimension: Dimension
    base: Fraction  # joules for energy, litres for volume


_BTU_J = Fraction("1055.05585262")  # International Table Btu
_FT3_L = Fraction("28.316846592")

_UNITS = (
    _Unit("Wh", Dimension.ENERGY, Fraction(3600)),
    _Unit("kWh", Dimension.ENERGY, Fraction(3_600_000)),
    _Unit("MWh", Dimension.ENERGY, Fraction(3_600_000_000)),
    _Unit("Btu", Dimension.ENERGY, _BTU_J),
    _Unit("kBtu", Dimension.ENERGY, _BTU_J * 1000),
    _Unit("MMBtu", Dimension.ENERGY, _BTU_J * 1_000_000),
    _Unit("therm", Dimension.ENERGY, _BTU_J * 100_000),
    _Unit("dekatherm", Dimension.ENERGY, _BTU_J * 1_000_000),
    _Unit("MJ", Dimension.ENERGY, Fraction(1_000_000)),
    _Unit("GJ", Dimension.ENERGY, Fraction(1_000_000_000)),
    _Unit("L", Dimension.VOLUME, Fraction(1)),
    _Unit("m3", Dimension.VOLUME, Fraction(1000)),
    _Unit("gal", Dimension.VOLUME, Fraction("3.785411784")),
    _Unit("kgal", Dimension.VOLUME, Fraction("3785.411784")),
    _Unit("ft3", Dimension.VOLUME, _FT3_L),
    _Unit("CCF", Dimension.VOLUME, _FT3_L * 100),
    _Unit("MCF", Dimension.VOLUME, _FT3_L * 1000),
)
_BY_SYMBOL = {u.symbol: u for u in _UNITS}

_ALIASES = {
    "wh": "Wh",
    "kwh": "kWh",
    "kw-h": "kWh",
    "kilowatt-hour": "kWh",
    "kilowatt hours": "kWh",
    "mwh": "MWh",
    "btu": "Btu",
    "kbtu": "kBtu",
    "mbtu": "kBtu",  # US utility usage: M = thousand
    "mmbtu": "MMBtu",
    "therm": "therm",
    "therms": "therm",
    "thm": "therm",
    "dth": "dekatherm",
    "dekatherm": "dekatherm",
    "dekatherms": "dekatherm",
    "mj": "MJ",
    "gj": "GJ",
    "l": "L",
    "liter": "L",
    "liters": "L",
    "litre": "L",
    "litres": "L",
    "m3": "m3",
    "m³": "m3",
    "cubic meter": "m3",
    "cubic meters": "m3",
    "cubic metre": "m3",
    "cubic metres": "m3",
    "gal": "gal",
    "gallon": "gal",
    "gallons": "gal",
    "kgal": "kgal",
    "ft3": "ft3",
    "ft³": "ft3",
    "cf": "ft3",
    "cubic feet": "ft3",
    "ccf": "CCF",
    "hcf": "CCF",
    "mcf": "MCF",
}

NORMALIZED_UNITS = {Commodity.ELECTRIC: "kWh", Commodity.GAS: "therm", Commodity.WATER: "gal"}
_DIMENSIONS = {
    Commodity.ELECTRIC: frozenset({Dimension.ENERGY}),
    Commodity.GAS: frozenset({Dimension.ENERGY, Dimension.VOLUME}),
    Commodity.WATER: frozenset({Dimension.VOLUME}),
}


class UnknownUnit(ValueError):
    pass


class IncompatibleUnits(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal
    unit: str


def canonical_unit(unit: str) -> str:
    """The canonical symbol for a unit as utilities spell it ("KWH", "Therms", "HCF")."""
    symbol = _ALIASES.get(" ".join(unit.strip().lower().split()))
    if symbol is None:
        raise UnknownUnit(f"unknown unit {unit!r}; known: {', '.join(sorted(_BY_SYMBOL))}")
    return symbol


def is_known_unit(unit: str) -> bool:
    try:
        canonical_unit(unit)
    except UnknownUnit:
        return False
    return True


def dimension_of(unit: str) -> Dimension:
    return _BY_SYMBOL[canonical_unit(unit)].dimension


def fits_commodity(unit: str, commodity: Commodity) -> bool:
    """Whether a meter of this commodity can sensibly report in this unit."""
    return is_known_unit(unit) and dimension_of(unit) in _DIMENSIONS[Commodity(commodity)]


def convert(
    value: Decimal,
    from_unit: str,
    to_unit: str,
    *,
    gas_btu_per_ft3: Decimal = DEFAULT_GAS_BTU_PER_FT3,
) -> Decimal:
    """Convert between any two known units; volume → energy only through gas heat content."""
    source = _BY_SYMBOL[canonical_unit(from_unit)]
    target = _BY_SYMBOL[canonical_unit(to_unit)]
    amount = Fraction(value) * source.base
    if source.dimension != target.dimension:
        joules_per_litre = Fraction(gas_btu_per_ft3) * _BTU_J / _FT3_L
        if source.dimension == Dimension.VOLUME:
            amount *= joules_per_litre
        else:
            amount /= joules_per_litre
    result = amount / target.base
    return Decimal(result.numerator) / Decimal(result.denominator)


def normalize(
    value: Decimal,
    unit: str,
    commodity: Commodity | str,
    *,
    metric: bool = False,
    gas_btu_per_ft3: Decimal = DEFAULT_GAS_BTU_PER_FT3,
) -> Quantity:
    """Express a reading in its commodity's normalized unit (water in m3 when ``metric``)."""
    kind = Commodity(commodity)
    if not fits_commodity(unit, kind):
        raise IncompatibleUnits(f"a {kind.value} quantity cannot be measured in {unit!r}")
    target = "m3" if metric and kind == Commodity.WATER else NORMALIZED_UNITS[kind]
    return Quantity(convert(value, unit, target, gas_btu_per_ft3=gas_btu_per_ft3), target)


__all__ = [
    "DEFAULT_GAS_BTU_PER_FT3",
    "NORMALIZED_UNITS",
    "Dimension",
    "IncompatibleUnits",
    "Quantity",
    "UnknownUnit",
    "canonical_unit",
    "convert",
    "dimension_of",
    "fits_commodity",
    "is_known_unit",
    "normalize",
]
