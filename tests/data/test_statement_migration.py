"""0011 on a database with statements in it: the old ``amount_due`` (the sum of the current
charges) becomes ``new_charges``, the amount due becomes unknown, and the API reads the old
row; the downgrade puts it back. Both databases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from gridlink.data.reads import _meter_out, _statement_out
from gridlink.kit.db import Database
from gridlink.kit.migrations import downgrade_to, upgrade_to
from gridlink.models import UtilityMeter, UtilityStatement
from tests.migration_db import (  # noqa: F401 - fixtures
    empty_db,
    empty_url,
    in_transaction,
    reflect,
    write_rows,
)

OLD_ITEMS = [
    {"description": "Delivery", "amount": "34.33", "quantity": "142", "unit": "kWh", "rate": None},
    {
        "description": "Basic charge",
        "amount": "11.70",
        "quantity": None,
        "unit": None,
        "rate": None,
    },
]


def _old_statement(connection: Connection) -> None:
    """A row as the previous release wrote it: amount_due the sum of the line items."""
    write_rows(connection, 1)
    tables = reflect(connection).tables
    connection.execute(
        tables["utility_meters"].update().values(commodity="electric", service_class="residential")
    )
    table = tables["utility_statements"]
    exact: Any = Decimal if connection.dialect.name == "postgresql" else str  # see ExactDecimal
    connection.execute(
        table.update().values(
            amount_due=exact("46.03"),
            usage=exact("142"),
            normalized_usage=exact("142"),
            line_items=OLD_ITEMS,
        )
    )


def _row(connection: Connection, name: str) -> dict[str, Any]:
    table = reflect(connection).tables[name]
    return dict(connection.execute(sa.select(table)).one()._mapping)


async def test_old_statements_keep_their_charges_as_new_charges(
    empty_db: Database,  # noqa: F811 - the fixture
) -> None:
    await upgrade_to(empty_db, "0010")
    await in_transaction(empty_db, _old_statement)
    await upgrade_to(empty_db, "0011")

    async with empty_db.transaction(write=False) as session:
        statement = (await session.scalars(sa.select(UtilityStatement))).one()
        meter = (await session.scalars(sa.select(UtilityMeter))).one()
    assert statement.new_charges == Decimal("46.03")
    for unknown in ("amount_due", "total_charges", "previous_balance", "payments", "demand"):
        assert getattr(statement, unknown) is None, unknown
    assert (statement.demand_unit, statement.tou_usage) == (None, None)
    assert (meter.meter_number, meter.service_id) == (None, None)

    served = _statement_out(statement, "user-1", "sandbox_electric").model_dump(mode="json")
    assert (served["amount_due"], served["new_charges"]) == (None, "46.03")
    assert served["tou_usage"] == []
    assert [(i["amount"], i["kind"]) for i in served["line_items"]] == [
        ("34.33", "other"),  # written before line items had a kind
        ("11.70", "other"),
    ]
    assert sum(Decimal(i["amount"]) for i in served["line_items"]) == Decimal("46.03")
    meter_served = _meter_out(meter, "user-1", "sandbox_electric").model_dump(mode="json")
    assert (meter_served["meter_number"], meter_served["service_id"]) == (None, None)

    # A rollback gives the previous release its number back.
    await downgrade_to(empty_db, "0010")
    row = await in_transaction(empty_db, lambda c: _row(c, "utility_statements"))
    assert Decimal(str(row["amount_due"])) == Decimal("46.03")
    assert "new_charges" not in row
