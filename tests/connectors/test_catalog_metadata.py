"""What a connector may declare about sign-in with an authenticator app and about EIA utilities,
and what the built-in connectors do declare."""

from __future__ import annotations

import pytest

from gridlink.connectors import Commodity, Connector, ConnectorInfo, SignInKind, UtilityInfo
from gridlink.connectors.errors import TemporarilyUnavailable
from gridlink.connectors.opower import OPOWER_INFO
from gridlink.connectors.registry import ConnectorRegistry, RegistryError, default_registry
from gridlink.connectors.smart_meter_texas import SMT_INFO

E = (Commodity.ELECTRIC,)


def _utility(utility_id: str = "eia_100", **changes: object) -> UtilityInfo:
    fields: dict[str, object] = {
        "id": utility_id,
        "name": "Lab Power",
        "states": ("OR",),
        "commodities": E,
        "sign_in_kinds": (SignInKind.PASSWORD_TOTP,),
    }
    return UtilityInfo(**(fields | changes))  # type: ignore[arg-type]


def test_a_clean_declaration_has_no_problems() -> None:
    utility = _utility(eia_ids=(200, 300), serves_customers_of=(400,))
    assert utility.problems() == []
    assert utility.all_eia_ids == (100, 200, 300)  # its id names the first
    assert utility.takes_totp_secret
    assert _utility("lab_power").all_eia_ids == ()


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        (
            {"sign_in_kinds": (SignInKind.PASSWORD, SignInKind.PASSWORD_TOTP)},
            "password_totp cannot be offered with password or password_mfa",
        ),
        ({"eia_ids": (0,)}, "eia_ids has 0, not a positive integer"),
        ({"eia_ids": (True,)}, "eia_ids has True, not a positive integer"),
        ({"eia_ids": (100,)}, "eia_ids repeats an EIA id (its own id counts)"),
        ({"serves_customers_of": (7, 7)}, "serves_customers_of repeats an EIA id"),
        ({"serves_customers_of": (100,)}, "EIA id 100 is both in eia_ids and in serves_customers"),
    ],
)
def test_bad_declarations_are_named(changes: dict[str, object], complaint: str) -> None:
    assert any(complaint in problem for problem in _utility(**changes).problems())


def test_two_utilities_of_one_connector_cannot_be_the_same_eia_utility() -> None:
    info = ConnectorInfo("lab", "Lab", (_utility(), _utility("lab_gas", eia_ids=(100,))))
    assert "connector 'lab': EIA id 100 is claimed by two of its utilities" in info.problems()


def _connector(connector_id: str, utility: UtilityInfo) -> type[Connector]:
    class Lab(Connector):
        info = ConnectorInfo(connector_id, "Lab", (utility,))

        async def login(self, credentials, *, session_token=None):  # type: ignore[no-untyped-def]
            raise TemporarilyUnavailable

    return Lab


def test_two_connectors_cannot_be_the_same_eia_utility() -> None:
    registry = ConnectorRegistry([_connector("lab", _utility("lab_power", eia_ids=(4176,)))])
    with pytest.raises(RegistryError, match="claims EIA id 4176, which utility 'lab_power'"):
        registry.register(_connector("lab_two", _utility("eia_4176")), source="test")
    with pytest.raises(RegistryError, match="claims EIA id 4176"):  # Eversource's subsidiary
        ConnectorRegistry([*default_registry(discover=False).connectors()]).register(
            _connector("lab_three", _utility("lab_other", eia_ids=(4176,))), source="test"
        )


def test_the_built_in_connectors_declare_the_authenticator_utilities_and_subsidiaries() -> None:
    by_id = {u.id: u for u in OPOWER_INFO.utilities}
    totp = {u.id for u in OPOWER_INFO.utilities if u.takes_totp_secret}
    assert totp == {"eia_4226", "eia_14154"}  # ConEd and Orange & Rockland
    assert by_id["eia_4226"].sign_in_kinds == (SignInKind.PASSWORD_TOTP,)
    assert by_id["eia_54913"].all_eia_ids == (54913, 4176, 15472, 20455)  # Eversource
    assert by_id["eia_10000"].all_eia_ids == (10000, 22500, 10005, 12698)  # Evergy
    assert by_id["eia_14154"].all_eia_ids == (14154, 16213)  # O&R, Rockland Electric
    (smt,) = SMT_INFO.utilities
    assert {44372, 8901, 3278, 20404, 19327, 15847} <= set(smt.serves_customers_of)
    assert smt.all_eia_ids == ()
