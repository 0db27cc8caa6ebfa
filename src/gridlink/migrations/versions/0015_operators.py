"""Operators: the people who sign in to the dashboard, their sessions, sign-in throttling and
the audit log

``operators`` (email unique, lower-case; Argon2id password hash; sealed TOTP key),
``operator_sessions`` (only the token's SHA-256), ``operator_sign_in_failures`` (counted per
email hash and per IP, kept 15 minutes) and ``operator_audit_entries`` (kept as long as events;
``operator_id`` set null when the operator goes, the email stays).

Expand only: four new tables and their indexes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("client_ids", sa.JSON(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("disabled_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "password_changed_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    op.create_table(
        "operator_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "idle_expires_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("expires_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_sessions_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_operator_sessions_token_hash")),
    )
    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_operator_sessions_operator_id"), ["operator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_operator_sessions_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "operator_sign_in_failures",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("failed_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_sign_in_failures")),
    )
    with op.batch_alter_table("operator_sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_operator_sign_in_failures_email", ["email_hash", "failed_at"], unique=False
        )
        batch_op.create_index("ix_operator_sign_in_failures_ip", ["ip", "failed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_operator_sign_in_failures_failed_at"), ["failed_at"], unique=False
        )

    op.create_table(
        "operator_audit_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.String(length=40), nullable=True),
        sa.Column("operator_email", sa.String(length=254), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=True),
        sa.Column("client_id", sa.String(length=40), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_audit_entries_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_audit_entries")),
    )
    with op.batch_alter_table("operator_audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_operator_audit_entries_operator", ["operator_id", "id"], unique=False
        )
        batch_op.create_index("ix_operator_audit_entries_action", ["action", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_operator_audit_entries_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("operator_audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_audit_entries_at"))
        batch_op.drop_index("ix_operator_audit_entries_action")
        batch_op.drop_index("ix_operator_audit_entries_operator")
    op.drop_table("operator_audit_entries")

    with op.batch_alter_table("operator_sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_sign_in_failures_failed_at"))
        batch_op.drop_index("ix_operator_sign_in_failures_ip")
        batch_op.drop_index("ix_operator_sign_in_failures_email")
    op.drop_table("operator_sign_in_failures")

    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_operator_sessions_operator_id"))
    op.drop_table("operator_sessions")

    op.drop_table("operators")
