"""The names people know, by EIA utility id.

EIA names the legal entity that reports on Form 861 ("Northern States Power Co - Minnesota",
"Union Electric Co - (MO)"); the bill, the website and the end user say "Xcel Energy" or
"Ameren Missouri". The catalog shows the brand and keeps EIA's name as ``legal_name``; search
matches both. The list lives here, in code reviewed like code, rather than in the database:
it is small, it changes when a company rebrands (rarely), and a wrong entry would put a wrong
name in front of every end user, so each one is a change someone reads.

Only brands known with confidence are listed, each with EIA's name beside it. Where one brand
covers several EIA utilities, a region in parentheses tells the entries apart in a list.
Utilities a connector serves show the connector's name instead (ADR 0007).
"""

from __future__ import annotations

BRANDS: dict[int, str] = {
    14354: "Rocky Mountain Power / Pacific Power",  # PacifiCorp
    13781: "Xcel Energy (Minnesota, Dakotas)",  # Northern States Power Co - Minnesota
    13780: "Xcel Energy (Wisconsin, Michigan)",  # Northern States Power Co (Wisconsin)
    15466: "Xcel Energy (Colorado)",  # Public Service Co of Colorado
    17718: "Xcel Energy (Texas, New Mexico)",  # Southwestern Public Service Co
    19436: "Ameren Missouri",  # Union Electric Co - (MO)
    14006: "AEP Ohio",  # Ohio Power Co
    5109: "DTE Energy",  # Detroit Edison Co
    19876: "Dominion Energy",  # Virginia Electric & Power Co
    17539: "Dominion Energy South Carolina",  # South Carolina Electric&Gas Co
    3046: "Duke Energy Progress",  # Progress Energy Carolinas Inc
    6455: "Duke Energy Florida",  # Progress Energy Florida Inc
    15270: "Pepco",  # Potomac Electric Power Co
    1167: "BGE",  # Baltimore Gas & Electric Co
    13573: "National Grid (New York)",  # Niagara Mohawk Power Corp.
    11804: "National Grid (Massachusetts)",  # Massachusetts Electric Co
    13206: "National Grid (Nantucket)",  # Nantucket Electric Co
    13214: "Rhode Island Energy",  # The Narragansett Electric Co
    11171: "PSEG Long Island",  # Long Island Power Authority
    15477: "PSE&G",  # Public Service Elec & Gas Co
    13407: "NV Energy (Southern Nevada)",  # Nevada Power Co
    17166: "NV Energy (Northern Nevada)",  # Sierra Pacific Power Co
    9273: "AES Indiana",  # Indianapolis Power & Light Co
    4922: "AES Ohio",  # Dayton Power & Light Co
    9417: "Alliant Energy (Iowa, Minnesota)",  # Interstate Power and Light Co
    20856: "Alliant Energy (Wisconsin)",  # Wisconsin Power & Light Co
    20847: "We Energies",  # Wisconsin Electric Power Co
    1179: "Versant Power",  # Bangor Hydro-Electric Co
    11522: "Versant Power (Maine Public District)",  # Maine Public Service Co
    7801: "FPL Northwest Florida (Gulf Power)",  # Gulf Power Co
    17633: "CenterPoint Energy (Indiana)",  # Southern Indiana Gas & Elec Co (Vectren)
    55936: "Entergy Louisiana",  # Entergy Gulf States - LA LLC
    19545: "Black Hills Energy",  # Black Hills Power Inc
    13756: "NIPSCO",  # Northern Indiana Pub Serv Co
    12796: "Mon Power",  # Monongahela Power Co
    3755: "The Illuminating Company",  # Cleveland Electric Illum Co
    9726: "Jersey Central Power & Light (JCP&L)",  # Jersey Central Power & Lt Co
    5860: "Liberty (Empire District)",  # Empire District Electric Co
    26510: "Liberty (New Hampshire)",  # Granite State Electric Co
    8287: "Hawaiian Electric (Hawaii Island)",  # Hawaii Electric Light Co Inc
    11843: "Hawaiian Electric (Maui County)",  # Maui Electric Co Ltd
    24590: "Unitil (New Hampshire)",  # Unitil Energy Systems
    6374: "Unitil (Massachusetts)",  # Fitchburg Gas & Elec Light Co
    14063: "OG&E",  # Oklahoma Gas & Electric Co
    13511: "NYSEG",  # New York State Elec & Gas Corp
    16183: "RG&E",  # Rochester Gas & Electric Corp
    11249: "LG&E",  # Louisville Gas & Electric Co
    15473: "PNM",  # Public Service Co of NM
    54913: "Eversource (NSTAR)",  # NSTAR Electric Company
    4176: "Eversource (Connecticut)",  # Connecticut Light & Power Co
    15472: "Eversource (New Hampshire)",  # Public Service Co of NH
    20455: "Eversource (Western Massachusetts)",  # Western Massachusetts Elec Co
    10000: "Evergy (Kansas City)",  # Kansas City Power & Light Co
    22500: "Evergy (Kansas Central)",  # Westar Energy Inc
    10005: "Evergy (Kansas South)",  # Kansas Gas & Electric Co
    12698: "Evergy (Missouri West)",  # KCP&L Greater Missouri Operations Co.
    16213: "Orange & Rockland (New Jersey)",  # Rockland Electric Co
}


def brand_of(eiaid: int, legal_name: str) -> str:
    """What the catalog shows for an EIA utility: its brand, else EIA's name."""
    return BRANDS.get(eiaid, legal_name)
