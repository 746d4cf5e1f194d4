"""hall bookings: when the rent's invoice was paid (billing.invoice_paid)

Revision ID: b7d41e09c3a2
Revises: ad9d7a9a63bb
Create Date: 2026-12-02 17:05:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chassis.types

# revision identifiers, used by Alembic.
revision: str = "b7d41e09c3a2"
down_revision: str | Sequence[str] | None = "ad9d7a9a63bb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "hall_bookings",
        sa.Column("paid_at", chassis.types.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("hall_bookings", "paid_at")
