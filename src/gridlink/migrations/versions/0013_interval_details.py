"""Interval readings keep their details: cost, quality, time-of-use or tier components

Each packed day row gets three nullable columns beside its values: ``costs`` (one integer per
slot in millionths of the currency, packed like ``packed``), ``qualities`` (one byte per slot:
0 unknown, 1 actual, 2 estimated, 3 edited) and ``components`` (JSON by slot). Null means no
reading of the row carries that detail, which is what every existing row holds.

Expand only: new nullable columns.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("utility_interval_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("costs", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("qualities", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("components", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("utility_interval_days", schema=None) as batch_op:
        batch_op.drop_column("components")
        batch_op.drop_column("qualities")
        batch_op.drop_column("costs")
