"""Fakes of opower.com and five utilities' sign-in, at their HTTP boundary.

The connector drives the real ``opower`` library, which talks HTTPS to a loopback site
(tests/connectors/https_site.py) answering as opower.com and the utilities do:

- :mod:`.truth`: what each meter measured (deterministic, in local time) — the source of
  every answer, and of :meth:`OpowerSite.expected` for tests;
- :mod:`.api`, :mod:`.graph`, :mod:`.graphql`: opower.com's REST endpoints with the real
  windowing rules, and its GraphQL graph and executor;
- :mod:`.pge`, :mod:`.exelon`, :mod:`.coned`, :mod:`.coa`, :mod:`.aep`: the sign-in flows;
- :mod:`.site`: one utility's site and the connector wired to it (``pge_site()``...).
"""

from tests.connectors.opower_site.site import (
    AEP_OHIO,
    COA,
    COMED,
    CONED,
    PASSWORD,
    PGE,
    SECRET_MARKS,
    TOTP_SECRET,
    OpowerSite,
    aep_site,
    coa_site,
    comed_site,
    coned_site,
    pge_site,
)

__all__ = [
    "AEP_OHIO",
    "COA",
    "COMED",
    "CONED",
    "PASSWORD",
    "PGE",
    "SECRET_MARKS",
    "TOTP_SECRET",
    "OpowerSite",
    "aep_site",
    "coa_site",
    "comed_site",
    "coned_site",
    "pge_site",
]
