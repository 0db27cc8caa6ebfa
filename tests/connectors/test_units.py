from __future__ import annotations

from decimal import Decimal

import pytest

from gridlink.connectors.models import Commodity
from gridlink.connectors.units import (
    IncompatibleUnits,
    Quantity,
    UnknownUnit,
    canonical_unit,
    convert,
    fits_commodity,
    normalize,
)


def q(value: Decimal, places: str = "0.0001") -> Decimal:
    return value.quantize(Decimal(places))


@pytest.mark.parametrize(
    ("spelled", "symbol"),
    [("KWH", "kWh"), (" kwh ", "kWh"), ("Therms", "therm"), ("THM", "therm"), ("HCF", "CCF"),
     ("ccf", "CCF"), ("m³", "m3"), ("Cubic  Meters", "m3"), ("litres", "L"), ("Gallons", "gal"),
     ("ft³", "ft3"), ("Dth", "dekatherm"), ("MMBtu", "MMBtu")],
)  # fmt: skip
def test_utility_spellings_map_to_one_symbol(spelled: str, symbol: str) -> None:
    assert canonical_unit(spelled) == symbol


def test_an_unknown_unit_is_named() -> None:
    with pytest.raises(UnknownUnit, match="'bananas'"):
        canonical_unit("bananas")


@pytest.mark.parametrize(
    ("value", "unit", "commodity", "expected"),
    [
        ("1500", "Wh", Commodity.ELECTRIC, Quantity(Decimal("1.5"), "kWh")),
        ("2.5", "MWh", Commodity.ELECTRIC, Quantity(Decimal("2500"), "kWh")),
        ("10", "CCF", Commodity.GAS, Quantity(Decimal("10.37"), "therm")),
        ("1000", "kBtu", Commodity.GAS, Quantity(Decimal("10"), "therm")),
        ("1", "dekatherm", Commodity.GAS, Quantity(Decimal("10"), "therm")),
        ("1", "kgal", Commodity.WATER, Quantity(Decimal("1000"), "gal")),
    ],
)
def test_normalize_to_the_commodity_unit(
    value: str, unit: str, commodity: Commodity, expected: Quantity
) -> None:
    assert normalize(Decimal(value), unit, commodity) == expected


def test_water_ccf_is_volume_not_gas_energy() -> None:
    water = normalize(Decimal(1), "CCF", Commodity.WATER)
    assert water.unit == "gal"
    assert q(water.value) == Decimal("748.0519")
    assert normalize(Decimal(1), "CCF", Commodity.GAS).value == Decimal("1.037")


def test_water_in_metric() -> None:
    assert normalize(Decimal(1000), "L", Commodity.WATER, metric=True) == Quantity(Decimal(1), "m3")
    assert q(normalize(Decimal(1), "CCF", Commodity.WATER, metric=True).value) == Decimal("2.8317")


def test_conversions_are_exact_where_the_definitions_are() -> None:
    assert q(convert(Decimal(1), "therm", "kWh"), "0.000001") == Decimal("29.307107")
    assert convert(Decimal(1), "gal", "L") == Decimal("3.785411784")
    assert convert(Decimal(1), "m3", "L") == Decimal(1000)
    assert convert(Decimal(100), "ft3", "CCF") == Decimal(1)
    assert q(convert(Decimal(1), "m3", "gal")) == Decimal("264.1721")


def test_gas_heat_content_is_a_parameter() -> None:
    assert convert(Decimal(1), "CCF", "therm", gas_btu_per_ft3=Decimal(1000)) == Decimal(1)
    back = convert(Decimal("1.037"), "therm", "CCF")
    assert back == Decimal(1)


def test_units_must_fit_the_commodity() -> None:
    assert fits_commodity("kWh", Commodity.ELECTRIC)
    assert fits_commodity("CCF", Commodity.GAS)
    assert fits_commodity("therm", Commodity.GAS)
    assert not fits_commodity("gal", Commodity.ELECTRIC)
    assert not fits_commodity("kWh", Commodity.WATER)
    assert not fits_commodity("furlongs", Commodity.WATER)
    with pytest.raises(IncompatibleUnits, match="water"):
        normalize(Decimal(1), "kWh", Commodity.WATER)
