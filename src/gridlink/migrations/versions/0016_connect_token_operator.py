"""Connect tokens remember the operator who made one in the dashboard

A token made in the operator dashboard opens Connect from this server's own origin (where the
dashboard is) for any client; ``operator_id`` says which token may. Null for the tokens client
backends make.

Expand only: a nullable column no earlier release reads.

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


def upgrade() -> None:
    op.add_column("connect_tokens", sa.Column("operator_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connect_tokens") as batch_op:
        batch_op.drop_column("operator_id")
