"""What the registered connectors say about EIA utilities, as the catalog applies it (ADR 0007).

- A connector's utility *is* the EIA utilities of ``UtilityInfo.all_eia_ids`` (its own
  ``eia_<N>`` id and its subsidiaries'): an import files their zips, states and names under it,
  so a subsidiary (CL&P, served through Eversource's portal) is one supported entry, not an
  "unsupported" one beside it.
- It *serves the customers of* the EIA utilities of ``serves_customers_of`` (Smart Meter Texas
  for the ERCOT wires utilities and retail providers): it is suggested in their zips, and their
  own entries stay.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gridlink.connectors.registry import ServedUtility


def eia_utility_id(eiaid: int) -> str:
    """The catalog id of an EIA utility no connector claims."""
    return f"eia_{eiaid}"


@dataclass(frozen=True)
class Claims:
    owner: dict[int, str]  # EIA id → the connector utility that is it
    customers: dict[int, tuple[str, ...]]  # EIA id → connector utilities serving its customers

    @classmethod
    def of(cls, served: Sequence[ServedUtility]) -> Claims:
        owner: dict[int, str] = {}
        customers: dict[int, tuple[str, ...]] = {}
        for entry in served:
            utility = entry.utility
            owner.update({eiaid: utility.id for eiaid in utility.all_eia_ids})
            for eiaid in utility.serves_customers_of:
                customers[eiaid] = (*customers.get(eiaid, ()), utility.id)
        return cls(owner, customers)

    def utility_ids(self) -> list[str]:
        """Every connector utility named here."""
        named = {*self.owner.values(), *(u for ids in self.customers.values() for u in ids)}
        return sorted(named)

    def restricted_to(self, existing: Collection[str]) -> Claims:
        """Only the claims of utilities the catalog has."""
        return Claims(
            {eiaid: u for eiaid, u in self.owner.items() if u in existing},
            {
                eiaid: kept
                for eiaid, ids in self.customers.items()
                if (kept := tuple(u for u in ids if u in existing))
            },
        )

    def target(self, eiaid: int) -> str:
        """The catalog entry an EIA utility's rows belong to."""
        return self.owner.get(eiaid, eia_utility_id(eiaid))

    def aliases(self) -> dict[str, str]:
        """Imported entries (``eia_<N>``) that belong to another entry → that entry's id."""
        return {
            eia_utility_id(eiaid): target
            for eiaid, target in self.owner.items()
            if target != eia_utility_id(eiaid)
        }

    def customer_sources(self) -> dict[str, tuple[str, ...]]:
        """Catalog entry whose zips suggest them → the utilities serving its customers."""
        return {self.target(eiaid): ids for eiaid, ids in self.customers.items()}
