"""The utilities a client may connect to.

For now the catalog holds the built-in sandbox utilities. Visibility follows the client's
environment: sandbox clients see only sandbox utilities, live clients never see them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Utility:
    id: str
    name: str
    states: tuple[str, ...]
    commodities: tuple[str, ...]
    environment: str


SANDBOX_UTILITIES: tuple[Utility, ...] = (
    Utility("sandbox_electric", "Sandbox Power & Light", ("CA",), ("electric",), "sandbox"),
    Utility("sandbox_gas", "Sandbox Gas Company", ("CA",), ("gas",), "sandbox"),
    Utility(
        "sandbox_combined",
        "Sandbox Energy (electric + gas)",
        ("NY",),
        ("electric", "gas"),
        "sandbox",
    ),
    Utility("sandbox_water", "Sandbox Water District", ("TX",), ("water",), "sandbox"),
)

_BY_ID = {u.id: u for u in SANDBOX_UTILITIES}


def visible_utilities(environment: str) -> list[Utility]:
    return [u for u in SANDBOX_UTILITIES if u.environment == environment]


def find_visible(utility_id: str, environment: str) -> Utility | None:
    utility = _BY_ID.get(utility_id)
    return utility if utility is not None and utility.environment == environment else None
