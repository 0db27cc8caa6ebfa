"""Smart Meter Texas as one catalog entry.

SMT is the meter-data portal every ERCOT transmission and distribution utility (Oncor,
CenterPoint, AEP Texas Central and North, TNMP, Lubbock Power & Light) feeds; one SMT login
sees every ESI ID the customer registered, whichever TDSP reads it. So it is one utility,
"Smart Meter Texas (ERCOT)", not one per TDSP: the end user signs in once, with the SMT
username, not a TDSP's. (AEP Texas also has its own opower portal: a separate entry.)
"""

from __future__ import annotations

from datetime import timedelta

from gridlink.connectors.metadata import ConnectorInfo, RequestBudget, SignInKind, UtilityInfo
from gridlink.connectors.models import Commodity

TIME_ZONE = "America/Chicago"  # ERCOT's and SMT's clock

# Whose customers' meters SMT reads, by EIA utility id: a catalog imported from EIA suggests SMT
# first in every zip it lists one of them (ADR 0007, "ERCOT"). The wires utilities (TDSPs) of
# ERCOT's competitive area, as newer EIA tables list them, and Lubbock Power & Light (competitive
# since 2024); and the retail providers that are the only entries the 2011 tables give for
# competitive zips. A retail provider sells only there, so each of its zips is SMT's.
ERCOT_WIRES_UTILITIES = (
    44372,  # Oncor Electric Delivery
    8901,  # CenterPoint Energy Houston Electric
    3278,  # AEP Texas Central
    20404,  # AEP Texas North
    40051,  # Texas-New Mexico Power
    11292,  # City of Lubbock (Lubbock Power & Light)
)
ERCOT_RETAIL_PROVIDERS = (
    19327,  # TXU Energy Retail
    15847,  # Reliant Energy Retail Services
)

SMT_UTILITY = UtilityInfo(
    id="smart_meter_texas",
    name="Smart Meter Texas (ERCOT)",
    states=("TX",),
    commodities=(Commodity.ELECTRIC,),
    sign_in_kinds=(SignInKind.PASSWORD,),
    serves_customers_of=ERCOT_WIRES_UTILITIES + ERCOT_RETAIL_PROVIDERS,
)

SMT_INFO = ConnectorInfo(
    id="smart_meter_texas",
    display_name="Smart Meter Texas",
    utilities=(SMT_UTILITY,),
    # SMT posts a day's reads the next day and replaces estimated reads within days.
    lookback=timedelta(days=7),
    # For the whole deployment: the connector paces each login itself (2 s apart, 20 a
    # minute; SMT throttles per sign-in), and this caps what all of them together ask of the
    # site, a person's paging through the portal's daily view times a few dozen users.
    request_budget=RequestBudget(per_minute=60, burst=5),
)
