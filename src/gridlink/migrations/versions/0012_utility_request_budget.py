"""A request budget per utility, shared by every worker

One row per utility that Gridlink has sent a request to: ``full_at``, the moment its token
bucket is full again (seconds since the epoch). Workers take a token with one atomic upsert
(ADR 0017).

Expand only: a new table no earlier release reads.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "utility_request_budgets",
        sa.Column("utility_id", sa.String(length=100), nullable=False),
        sa.Column("full_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("utility_id", name=op.f("pk_utility_request_budgets")),
    )


def downgrade() -> None:
    op.drop_table("utility_request_budgets")
