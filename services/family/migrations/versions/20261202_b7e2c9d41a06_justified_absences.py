"""justified absences

Revision ID: b7e2c9d41a06
Revises: 54481b10c63f
Create Date: 2026-12-02 20:55:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b7e2c9d41a06"
down_revision: str | Sequence[str] | None = "54481b10c63f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """An agent's justification of an absence: reason, who, when, the medical certificate."""
    op.add_column("absences", sa.Column("reason", sa.String(length=500), nullable=True))
    op.add_column("absences", sa.Column("justified_by", sa.String(length=64), nullable=True))
    op.add_column("absences", sa.Column("justified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("absences", sa.Column("certificate_name", sa.String(length=255), nullable=True))
    op.add_column("absences", sa.Column("certificate_type", sa.String(length=50), nullable=True))
    op.add_column("absences", sa.Column("certificate", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for column in (
        "certificate",
        "certificate_type",
        "certificate_name",
        "justified_at",
        "justified_by",
        "reason",
    ):
        op.drop_column("absences", column)
