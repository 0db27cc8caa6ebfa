"""Connect links: the redirect URI their page returns to

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 13:47:41.054707
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connect_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redirect_uri", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connect_links", schema=None) as batch_op:
        batch_op.drop_column("redirect_uri")
