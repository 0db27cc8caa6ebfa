"""Statements as the utility issued them; the numbers a meter is known by

Statements gain the bill's money as it states it, each null when unknown: ``new_charges``
(this meter's current charges), ``total_charges`` (the whole bill's), ``previous_balance``,
``payments``; and ``demand``/``demand_unit`` and ``tou_usage`` (JSON). ``amount_due`` becomes
nullable: most utilities' data has no amount due, and a sum of something else must not stand
in for it. Meters gain ``meter_number`` (as printed on the bill) and ``service_id``.

Existing rows: their ``amount_due`` was the sum of the bill's current charges (opower's
segment amounts, the sandbox's line items), never a balance. It moves to ``new_charges`` and
``amount_due`` becomes null (unknown), so no bill keeps showing a misnamed sum; bills fetched
from now on fill both. This rewrite is listed in ``ALLOWED`` and ``MOVED`` in
``tests/test_migrations.py``: no release has shipped (CHANGELOG: Unreleased), so no previous
release reads these rows during a rolling deploy. After the first release such a change
needs a new column instead, as a previous release cannot show a null ``amount_due``.

The downgrade puts ``new_charges`` back where ``amount_due`` is null (else
``total_charges``, else 0: the previous schema has no null amount) and drops the new columns.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = ("new_charges", "total_charges", "previous_balance", "payments")


def upgrade() -> None:
    with op.batch_alter_table("utility_statements", schema=None) as batch_op:
        for name in MONEY:
            batch_op.add_column(sa.Column(name, gridlink.models.base.ExactDecimal(), nullable=True))
        batch_op.add_column(sa.Column("demand", gridlink.models.base.ExactDecimal(), nullable=True))
        batch_op.add_column(sa.Column("demand_unit", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("tou_usage", sa.JSON(), nullable=True))
        batch_op.alter_column(
            "amount_due", existing_type=gridlink.models.base.ExactDecimal(), nullable=True
        )
    op.execute("UPDATE utility_statements SET new_charges = amount_due, amount_due = NULL")

    with op.batch_alter_table("utility_meters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meter_number", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("service_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("utility_meters", schema=None) as batch_op:
        batch_op.drop_column("service_id")
        batch_op.drop_column("meter_number")

    op.execute(
        "UPDATE utility_statements SET amount_due = COALESCE(new_charges, total_charges, 0) "
        "WHERE amount_due IS NULL"
    )
    with op.batch_alter_table("utility_statements", schema=None) as batch_op:
        batch_op.alter_column(
            "amount_due", existing_type=gridlink.models.base.ExactDecimal(), nullable=False
        )
        batch_op.drop_column("tou_usage")
        batch_op.drop_column("demand_unit")
        batch_op.drop_column("demand")
        for name in reversed(MONEY):
            batch_op.drop_column(name)
