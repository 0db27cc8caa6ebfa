"""embed protocol: frame tickets and host origin on connect sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connect_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "ticket_expires_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "ticket_used_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("host_origin", sa.String(length=2000), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_connect_sessions_ticket_hash"), ["ticket_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("connect_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_connect_sessions_ticket_hash"), type_="unique")
        batch_op.drop_column("host_origin")
        batch_op.drop_column("ticket_used_at")
        batch_op.drop_column("ticket_expires_at")
        batch_op.drop_column("ticket_hash")
