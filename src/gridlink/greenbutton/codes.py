"""ESPI code tables (NAESB REQ.21, espi.xsd 4.0), only the codes we act on.

An unknown code is never an error: the reader falls back and says so in a warning.
"""

from __future__ import annotations

from gridlink.connectors.models import Commodity, Direction, LineItemKind, ReadingQuality

# UnitSymbolKind → the unit name our units module knows (or a plain name it does not).
UOM = {
    72: "Wh",
    73: "VArh",
    71: "VAh",
    38: "W",
    63: "VAr",
    61: "VA",
    169: "therm",
    42: "m3",
    119: "ft3",
    128: "gal",
    125: "m3",  # m3 compensated (ESPI: "m3 compensated for temperature")
    132: "Btu",
    31: "J",
    27: "s",
    80: "money",
}

# ServiceCategory/kind (the usage point's service).
SERVICE_KIND = {0: Commodity.ELECTRIC, 1: Commodity.GAS, 2: Commodity.WATER}

# ReadingType/commodity.
COMMODITY = {
    1: Commodity.ELECTRIC,
    2: Commodity.ELECTRIC,
    7: Commodity.GAS,
    8: Commodity.GAS,  # propane
    9: Commodity.WATER,
    14: Commodity.WATER,  # non-potable
}

# What a unit says about the commodity when nothing else does.
UNIT_COMMODITY = {
    "Wh": Commodity.ELECTRIC,
    "VArh": Commodity.ELECTRIC,
    "W": Commodity.ELECTRIC,
    "therm": Commodity.GAS,
    "gal": Commodity.WATER,
}

# FlowDirectionKind. 0 (none) and 20 (total) read as delivered: what a meter without
# generation reports.
FLOW = {
    0: Direction.DELIVERED,
    1: Direction.DELIVERED,
    20: Direction.DELIVERED,
    19: Direction.RECEIVED,
    4: Direction.NET,
}

# QualityOfReading. 10 (questionable), 13 (mixed), 15 (normalized), 16 (other) say nothing
# we can store, so they map to None.
QUALITY = {
    0: ReadingQuality.ACTUAL,
    14: ReadingQuality.ACTUAL,
    17: ReadingQuality.ACTUAL,
    18: ReadingQuality.ACTUAL,
    19: ReadingQuality.ACTUAL,
    7: ReadingQuality.EDITED,
    8: ReadingQuality.ESTIMATED,
    9: ReadingQuality.ESTIMATED,
    11: ReadingQuality.ESTIMATED,
    12: ReadingQuality.ESTIMATED,
}
# When a reading carries several qualities, the least trustworthy one describes it.
QUALITY_RANK = {ReadingQuality.ACTUAL: 0, ReadingQuality.EDITED: 1, ReadingQuality.ESTIMATED: 2}

# ItemKindValue of a bill's LineItem. 9 (payment) and 10 (information) are not charges.
ITEM_KIND = {
    1: LineItemKind.SUPPLY,  # energy generation fee
    2: LineItemKind.DELIVERY,  # energy delivery fee
    3: LineItemKind.SUPPLY,  # energy usage fee
    4: LineItemKind.FEE,  # administrative fee
    5: LineItemKind.TAX,
    6: LineItemKind.CREDIT,  # energy generation credit
    7: LineItemKind.CREDIT,  # energy delivery credit
    8: LineItemKind.CREDIT,  # administrative credit
}
ITEM_PAYMENT = 9
ITEM_INFORMATION = 10

# ISO 4217 numeric → alphabetic, for the currencies of the utilities Green Button covers.
CURRENCY = {840: "USD", 124: "CAD", 484: "MXN", 978: "EUR", 826: "GBP", 36: "AUD"}
