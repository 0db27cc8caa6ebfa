"""Green Button Connect My Data: custodians, authorization trips, grants

``green_button_custodians`` (one per utility, registered by the operator),
``green_button_authorizations`` (an end user's trip to the custodian's consent page from a
Connect session, found by the hash of its OAuth state) and ``green_button_grants`` (the
subscription a Connect My Data credential reads; its tokens are in the vault).

Also, for choosing among a utility's connection methods: ``clients.connection_methods`` (a
client's preferred order, null for Gridlink's) and an index on connection attempts by utility
and end (the recent sign-ins that say whether a utility's connector is down).

Expand only: new tables, a nullable column and an index no earlier release reads.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 02:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridlink.models.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = gridlink.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "green_button_custodians",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("utility_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("oauth_client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("authorization_endpoint", sa.String(length=1000), nullable=False),
        sa.Column("token_endpoint", sa.String(length=1000), nullable=False),
        sa.Column("resource_endpoint", sa.String(length=1000), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("pkce", sa.Boolean(), nullable=False),
        sa.Column("client_cert_file", sa.String(length=1000), nullable=True),
        sa.Column("client_key_file", sa.String(length=1000), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_green_button_custodians")),
        sa.UniqueConstraint("utility_id", name=op.f("uq_green_button_custodians_utility_id")),
    )
    op.create_table(
        "green_button_authorizations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("custodian_id", sa.String(length=40), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("redirect_uri", sa.String(length=1000), nullable=False),
        sa.Column("attempt_id", sa.String(length=40), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_green_button_authorizations_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["connect_sessions.id"],
            name=op.f("fk_green_button_authorizations_session_id_connect_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["custodian_id"],
            ["green_button_custodians.id"],
            name=op.f("fk_green_button_authorizations_custodian_id_green_button_custodians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_green_button_authorizations")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_green_button_authorizations_state_hash")),
    )
    for column in ("client_id", "session_id", "custodian_id", "attempt_id"):
        op.create_index(
            op.f(f"ix_green_button_authorizations_{column}"),
            "green_button_authorizations",
            [column],
        )
    op.create_table(
        "green_button_grants",
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("custodian_id", sa.String(length=40), nullable=False),
        sa.Column("resource_uri", sa.String(length=1000), nullable=False),
        sa.Column("authorization_uri", sa.String(length=1000), nullable=True),
        sa.Column("access_expires_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["utility_credentials.id"],
            name=op.f("fk_green_button_grants_credential_id_utility_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["custodian_id"],
            ["green_button_custodians.id"],
            name=op.f("fk_green_button_grants_custodian_id_green_button_custodians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_green_button_grants")),
    )
    for column in ("custodian_id", "resource_uri"):
        op.create_index(op.f(f"ix_green_button_grants_{column}"), "green_button_grants", [column])

    op.add_column("clients", sa.Column("connection_methods", sa.JSON(), nullable=True))
    # Built CONCURRENTLY on PostgreSQL, outside the migration's transaction: connection
    # attempts are written by every sign-in and must not wait for the build.
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            _attempts_index()
    else:
        _attempts_index()


def _attempts_index() -> None:
    op.create_index(
        "ix_connection_attempts_utility_finished",
        "connection_attempts",
        ["utility_id", "finished_at"],
        postgresql_concurrently=True,
    )


def downgrade() -> None:
    op.drop_index("ix_connection_attempts_utility_finished", table_name="connection_attempts")
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_column("connection_methods")
    op.drop_table("green_button_grants")
    op.drop_table("green_button_authorizations")
    op.drop_table("green_button_custodians")
