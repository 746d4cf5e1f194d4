"""agent disabling and FranceConnect re-authentication

Revision ID: 7c1d2e3f4a5b
Revises: 5ad885ead3b8
Create Date: 2026-12-02 11:25:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "7c1d2e3f4a5b"
down_revision: str | Sequence[str] | None = "5ad885ead3b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("accounts", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "sessions", sa.Column("reauthenticated_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("sessions", "reauthenticated_at")
    op.drop_column("accounts", "disabled_at")
