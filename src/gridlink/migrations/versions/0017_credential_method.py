"""How a credential connects: ``utility_credentials.method``

``login`` (a connector signs in with the end user's username and password), ``file`` (Green
Button files the end user or the app uploaded) or ``green_button`` (Green Button Connect My Data,
an OAuth authorization at the utility's Data Custodian). Every credential made before this
release signed in, so existing rows take ``login``.

Expand only: a column with a server default that no earlier release reads.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "utility_credentials",
        sa.Column("method", sa.String(length=20), nullable=False, server_default="login"),
    )


def downgrade() -> None:
    with op.batch_alter_table("utility_credentials") as batch_op:
        batch_op.drop_column("method")
