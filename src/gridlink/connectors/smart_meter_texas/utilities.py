"""Smart Meter Texas as one catalog entry.

SMT is the meter-data portal every ERCOT transmission and distribution utility (Oncor,
CenterPoint, AEP Texas Central and North, TNMP, Lubbock Power & Light) feeds; one SMT login
sees every ESI ID the customer registered, whichever TDSP reads it. So it is one utility,
"Smart Meter Texas (ERCOT)", not one per TDSP: the end user signs in once, with the SMT
username, not a TDSP's. (AEP Texas also has its own opower portal: a separate entry.)
"""

from __future__ import annotations

from gridlink.connectors.metadata import ConnectorInfo, RequestBudget, SignInKind, UtilityInfo
from gridlink.connectors.models import Commodity

TIME_ZONE = "America/Chicago"  # ERCOT's and SMT's clock

SMT_UTILITY = UtilityInfo(
    id="smart_meter_texas",
    name="Smart Meter Texas (ERCOT)",
    states=("TX",),
    commodities=(Commodity.ELECTRIC,),
    sign_in_kinds=(SignInKind.PASSWORD,),
)

SMT_INFO = ConnectorInfo(
    id="smart_meter_texas",
    display_name="Smart Meter Texas",
    utilities=(SMT_UTILITY,),
    # One request every 5 s (bursts of 2): SMT answers 403 to clients it finds too busy and
    # throttles sign-ins, and 24 months are ~730 one-day requests per ESI ID, about an hour at
    # this pace. A person paging through the portal's daily view goes about as fast.
    request_budget=RequestBudget(per_minute=12, burst=2),
)
