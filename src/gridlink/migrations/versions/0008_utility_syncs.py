"""Utility syncs: one sync state row per credential (lease, due time, checkpoint)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 13:04:14.910815
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "utility_syncs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("utility_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("due_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column(
            "lease_expires_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("checkpoint", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Double(), server_default="0", nullable=False),
        sa.Column("eta", gridlink.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=60), nullable=True),
        sa.Column("started_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_utility_syncs_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["utility_credentials.id"],
            name=op.f("fk_utility_syncs_credential_id_utility_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utility_syncs")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_utility_syncs_credential_id")),
    )
    with op.batch_alter_table("utility_syncs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_utility_syncs_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_utility_syncs_state_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("utility_syncs", schema=None) as batch_op:
        batch_op.drop_index("ix_utility_syncs_state_due")
        batch_op.drop_index(batch_op.f("ix_utility_syncs_client_id"))

    op.drop_table("utility_syncs")
