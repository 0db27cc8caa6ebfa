"""utility data: meters, statements, interval days

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 12:51:38.874686
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "utility_meters",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("commodity", sa.String(length=20), nullable=False),
        sa.Column("service_class", sa.String(length=20), nullable=False),
        sa.Column("tariff", sa.String(length=200), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("native_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["utility_accounts.id"],
            name=op.f("fk_utility_meters_account_id_utility_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_utility_meters_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["utility_credentials.id"],
            name=op.f("fk_utility_meters_credential_id_utility_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utility_meters")),
        sa.UniqueConstraint("account_id", "number", name=op.f("uq_utility_meters_account_id")),
    )
    with op.batch_alter_table("utility_meters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_utility_meters_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_utility_meters_credential_id"), ["credential_id"], unique=False
        )

    op.create_table(
        "utility_interval_days",
        sa.Column("meter_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("source_unit", sa.String(length=20), nullable=False),
        sa.Column("packed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["utility_meters.id"],
            name=op.f("fk_utility_interval_days_meter_id_utility_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "meter_id", "direction", "day", name=op.f("pk_utility_interval_days")
        ),
    )
    op.create_table(
        "utility_statements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("meter_id", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount_due", gridlink.models.base.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("usage", gridlink.models.base.ExactDecimal(), nullable=True),
        sa.Column("usage_unit", sa.String(length=20), nullable=True),
        sa.Column("normalized_usage", gridlink.models.base.ExactDecimal(), nullable=True),
        sa.Column("normalized_unit", sa.String(length=20), nullable=True),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("pdf_file", sa.String(length=100), nullable=True),
        sa.Column("native_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["utility_accounts.id"],
            name=op.f("fk_utility_statements_account_id_utility_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_utility_statements_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["utility_credentials.id"],
            name=op.f("fk_utility_statements_credential_id_utility_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["utility_meters.id"],
            name=op.f("fk_utility_statements_meter_id_utility_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utility_statements")),
        sa.UniqueConstraint(
            "meter_id", "period_start", "period_end", name=op.f("uq_utility_statements_meter_id")
        ),
    )
    with op.batch_alter_table("utility_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_utility_statements_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_utility_statements_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_utility_statements_credential_id"), ["credential_id"], unique=False
        )

    with op.batch_alter_table("utility_credentials", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "data_ready_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("utility_credentials", schema=None) as batch_op:
        batch_op.drop_column("data_ready_at")

    with op.batch_alter_table("utility_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_utility_statements_credential_id"))
        batch_op.drop_index(batch_op.f("ix_utility_statements_client_id"))
        batch_op.drop_index(batch_op.f("ix_utility_statements_account_id"))

    op.drop_table("utility_statements")
    op.drop_table("utility_interval_days")
    with op.batch_alter_table("utility_meters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_utility_meters_credential_id"))
        batch_op.drop_index(batch_op.f("ix_utility_meters_client_id"))

    op.drop_table("utility_meters")
