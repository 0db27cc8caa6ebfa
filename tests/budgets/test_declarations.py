"""Request budgets as connectors declare them and operators override them."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from pydantic import ValidationError

from gridlink import Settings
from gridlink.connectors.metadata import (
    DEFAULT_REQUEST_BUDGET,
    UNLIMITED,
    RequestBudget,
    parse_request_budgets,
)
from gridlink.connectors.opower.utilities import OPOWER_INFO
from gridlink.connectors.registry import ConnectorRegistry, RegistryError
from gridlink.connectors.sandbox import SandboxConnector


def test_the_budget_text_is_per_minute_and_burst() -> None:
    assert RequestBudget.parse("30") == RequestBudget(30, 1)
    assert RequestBudget.parse(" 12.5/3 ") == RequestBudget(12.5, 3)
    assert RequestBudget.parse("unlimited") is UNLIMITED
    assert RequestBudget(30, 5).interval == 2.0
    assert UNLIMITED.unlimited
    assert not RequestBudget(30).unlimited
    assert math.isinf(UNLIMITED.per_minute)


@pytest.mark.parametrize("text", ["", "fast", "0", "-3/2", "30/0", "30/1.5", "nan", "inf"])
def test_a_budget_that_cannot_be_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text.strip()) if text.strip() else "''"):
        RequestBudget.parse(text)


def test_the_overrides_name_utilities_or_connectors() -> None:
    assert parse_request_budgets("") == {}
    assert parse_request_budgets("eia_14328=20/5, smart_meter_texas=4,sandbox=unlimited") == {
        "eia_14328": RequestBudget(20, 5),
        "smart_meter_texas": RequestBudget(4, 1),
        "sandbox": UNLIMITED,
    }
    for bad, says in (
        ("pge", "is not id="),
        ("PG&E=3", "is not id="),
        ("pge=3,pge=4", "given twice"),
        ("pge=slow", "is not PER_MINUTE"),
    ):
        with pytest.raises(ValueError, match=says):
            parse_request_budgets(bad)


def test_the_setting_is_checked_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDLINK_REQUEST_BUDGETS", "pge=3/0")
    with pytest.raises(ValidationError, match="burst must be at least 1"):
        Settings()
    monkeypatch.setenv("GRIDLINK_REQUEST_BUDGETS", "pge=3/2")
    assert Settings().request_budget_overrides() == {"pge": RequestBudget(3, 2)}


def test_a_utility_s_own_budget_wins_over_its_connector_s() -> None:
    pge, other = OPOWER_INFO.utilities[0], OPOWER_INFO.utilities[1]
    own = RequestBudget(10, 2)
    info = replace(OPOWER_INFO, utilities=(replace(pge, request_budget=own), other))
    assert info.budget_for(pge.id) == own
    assert info.budget_for(other.id) == OPOWER_INFO.request_budget
    plain = replace(OPOWER_INFO, request_budget=DEFAULT_REQUEST_BUDGET)
    assert plain.budget_for(other.id) == DEFAULT_REQUEST_BUDGET


def test_a_connector_declaring_an_impossible_budget_is_not_registered() -> None:
    utility = replace(SandboxConnector.info.utilities[0], request_budget=RequestBudget(30, 0))
    broken = replace(
        SandboxConnector.info,
        request_budget=RequestBudget(0, 1),
        utilities=(utility,),
    )
    assert broken.problems() == [
        "connector 'sandbox': request_budget.per_minute must be above 0",
        f"utility {utility.id!r}: request_budget.burst must be at least 1",
    ]
    connector = type("Broken", (SandboxConnector,), {"info": broken})
    with pytest.raises(RegistryError, match="per_minute must be above 0"):
        ConnectorRegistry([connector])
