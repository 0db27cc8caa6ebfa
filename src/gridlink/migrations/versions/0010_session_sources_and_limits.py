"""Connect sessions know what opened them and can be ended; abuse limits per client

Connect tokens and links open Connect again until a connection succeeds with them, so a
session names its token (``connect_token_id``; ``connect_link_id`` exists) and can be ended
(``ended_at``, ``end_reason``) when its link is revoked or its token or link succeeded
elsewhere. Failed sign-ins are counted per client (``client_id``, ``user_id``, ``ip``), and
verification codes sent and tried per utility login (``mfa_code_events``).

Expand only: new nullable columns, a new table and indexes. Failure rows written before this
have no client and count for nobody; the hourly purge removes them within 24 hours.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connect_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connect_token_id", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("ended_at", gridlink.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("end_reason", sa.String(length=20), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_connect_sessions_connect_token_id"), ["connect_token_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_connect_sessions_connect_link_id"), ["connect_link_id"], unique=False
        )

    with op.batch_alter_table("connection_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_ip", sa.String(length=64), nullable=True))

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("ip", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_login_failures_client_id_clients"),
            "clients",
            ["client_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_login_failures_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        # The old key (utility, username) counted across clients; nothing reads it any more.
        batch_op.drop_index("ix_login_failures_key")
        batch_op.create_index(
            "ix_login_failures_login",
            ["client_id", "utility_id", "username_hash", "failed_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_login_failures_user", ["client_id", "user_id", "failed_at"], unique=False
        )
        batch_op.create_index(
            "ix_login_failures_ip", ["client_id", "ip", "failed_at"], unique=False
        )
        batch_op.create_index("ix_login_failures_client", ["client_id", "failed_at"], unique=False)

    op.create_table(
        "mfa_code_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("utility_id", sa.String(length=100), nullable=False),
        sa.Column("username_hash", sa.String(length=64), nullable=False),
        sa.Column("at", gridlink.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_mfa_code_events_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mfa_code_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_code_events")),
    )
    with op.batch_alter_table("mfa_code_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mfa_code_events_login",
            ["client_id", "utility_id", "username_hash", "kind", "at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("mfa_code_events", schema=None) as batch_op:
        batch_op.drop_index("ix_mfa_code_events_login")
    op.drop_table("mfa_code_events")

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_client")
        batch_op.drop_index("ix_login_failures_ip")
        batch_op.drop_index("ix_login_failures_user")
        batch_op.drop_index("ix_login_failures_login")
        batch_op.create_index(
            "ix_login_failures_key", ["utility_id", "username_hash", "failed_at"], unique=False
        )
        batch_op.drop_constraint(batch_op.f("fk_login_failures_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_login_failures_client_id_clients"), type_="foreignkey"
        )
        batch_op.drop_column("ip")
        batch_op.drop_column("user_id")
        batch_op.drop_column("client_id")

    with op.batch_alter_table("connection_attempts", schema=None) as batch_op:
        batch_op.drop_column("client_ip")

    with op.batch_alter_table("connect_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connect_sessions_connect_link_id"))
        batch_op.drop_index(batch_op.f("ix_connect_sessions_connect_token_id"))
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("connect_token_id")
