"""report followers: a private key per follower for the unsubscribe link of their e-mails

Revision ID: b83f0d6c2e47
Revises: a41d7c5e9f12
Create Date: 2026-12-02 21:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b83f0d6c2e47"
down_revision: str | Sequence[str] | None = "a41d7c5e9f12"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema; followers already there get a key (122 random bits of a v4 UUID)."""
    op.add_column(
        "report_followers", sa.Column("unsubscribe_key", sa.String(length=64), nullable=True)
    )
    op.execute(
        "UPDATE report_followers SET unsubscribe_key = replace(gen_random_uuid()::text, '-', '')"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("report_followers", "unsubscribe_key")
