"""Catalog: utilities keep their legal name; a zip row says how it was matched

``utilities.legal_name`` is the name EIA gives a utility (``name`` is now the brand people
know, e.g. Xcel Energy for Northern States Power). ``utility_zip_codes.matched_by`` is ``zip``
for a utility the zip data lists there (or a connector declares) and ``area`` for one suggested
because no utility listed for the zip serves households and it does in the zips around
(ADR 0007).

Expand only: a nullable column and a column with a constant default.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("utilities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_name", sa.String(length=200), nullable=True))

    with op.batch_alter_table("utility_zip_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("matched_by", sa.String(length=10), server_default="zip", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("utility_zip_codes", schema=None) as batch_op:
        batch_op.drop_column("matched_by")

    with op.batch_alter_table("utilities", schema=None) as batch_op:
        batch_op.drop_column("legal_name")
