"""client branding: logo and accent colour

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 12:47:59.085992
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("accent_color", sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("accent_color")
        batch_op.drop_column("logo_url")
