"""Which peers may say who the client is (``GRIDLINK_TRUSTED_PROXIES``).

A reverse proxy connects to ``gridlink serve`` itself, so without help every request would
come from the proxy's address and every end user would share one sign-in limit. The proxy
names the real client in ``X-Forwarded-For`` and the scheme it was reached by in
``X-Forwarded-Proto``. Anyone can send those headers, so they are believed only from the peers
listed here; uvicorn's ``ProxyHeadersMiddleware`` does the rest (the client becomes the
right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy: a client cannot
pick its own address by sending the header to the proxy, since the proxy appends the address it
saw).

Empty (the default) trusts nobody: the TCP peer is the client, whatever the request says.
"""

from __future__ import annotations

import ipaddress

WILDCARD_REFUSED = (
    "'*' would let any caller choose the address sign-in limits count; list the proxies' "
    "addresses or networks (e.g. 10.0.0.0/24), or 0.0.0.0/0,::/0 if every peer really is one"
)


def parse_trusted_proxies(value: str) -> list[str]:
    """The addresses and networks in a comma-separated list, each checked and normalised.

    uvicorn treats an entry that is not an address as a literal name and silently never
    matches it; a typo here would quietly put every end user behind the proxy's address, so
    it is an error instead."""
    entries: list[str] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if entry == "*":
            raise ValueError(WILDCARD_REFUSED)
        try:
            if "/" in entry:
                entries.append(str(ipaddress.ip_network(entry, strict=False)))
            else:
                entries.append(str(ipaddress.ip_address(entry.strip("[]"))))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or network (CIDR, e.g. 10.0.0.0/24)"
            ) from None
    return entries
