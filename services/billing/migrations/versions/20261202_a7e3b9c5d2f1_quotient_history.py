"""quotient history

Revision ID: a7e3b9c5d2f1
Revises: 8d4f6a2b1c37
Create Date: 2026-12-02 21:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a7e3b9c5d2f1"
down_revision: str | Sequence[str] | None = "8d4f6a2b1c37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema; the history starts with the announcement each family has now."""
    op.create_table(
        "family_quotient_changes",
        sa.Column("family_id", sa.String(length=5), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("quotient_familial", sa.Integer(), nullable=True),
        sa.Column("resident", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("family_id", "valid_from"),
    )
    op.execute(
        "INSERT INTO family_quotient_changes "
        "(family_id, valid_from, quotient_familial, resident, changed_at) "
        "SELECT family_id, valid_from, quotient_familial, resident, changed_at "
        "FROM family_quotients"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("family_quotient_changes")
