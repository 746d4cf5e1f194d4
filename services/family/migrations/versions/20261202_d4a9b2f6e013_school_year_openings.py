"""school year openings

Revision ID: d4a9b2f6e013
Revises: c3f8a1e5d902
Create Date: 2026-12-02 21:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d4a9b2f6e013"
down_revision: str | Sequence[str] | None = "c3f8a1e5d902"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The school years opened by the office (rollover) and when they were published."""
    op.create_table(
        "school_year_openings",
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("school_year"),
    )


def downgrade() -> None:
    op.drop_table("school_year_openings")
