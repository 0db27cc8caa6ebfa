"""The operator dashboard: who made a connect token, and credentials in order of their updates

- ``connect_tokens.operator_id``: a token made in the operator dashboard opens Connect from this
  server's own origin (where the dashboard is) for any client; null for the tokens client
  backends make.
- ``ix_utility_credentials_updated``: the dashboard's credentials list sorted by update time
  reads pages off this index instead of sorting every credential (bench/dashboard.py).

Expand only: a nullable column and an index no earlier release needs. On PostgreSQL the index is
built CONCURRENTLY, outside the migration's transaction, so writes to utility_credentials go on
while it is built; if that build is interrupted, drop the invalid index and migrate again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _index() -> None:
    op.create_index(
        "ix_utility_credentials_updated",
        "utility_credentials",
        ["updated_at", "id"],
        postgresql_concurrently=True,
    )


def upgrade() -> None:
    op.add_column("connect_tokens", sa.Column("operator_id", sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            _index()
    else:
        _index()


def downgrade() -> None:
    op.drop_index("ix_utility_credentials_updated", table_name="utility_credentials")
    with op.batch_alter_table("connect_tokens") as batch_op:
        batch_op.drop_column("operator_id")
