"""childcare certificates

Revision ID: 5c1e2d7a9b40
Revises: 2b0797212d93
Create Date: 2026-12-02 20:50:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5c1e2d7a9b40"
down_revision: str | Sequence[str] | None = "2b0797212d93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "children",
        sa.Column("child_id", sa.String(length=32), nullable=False),
        sa.Column("family_id", sa.String(length=5), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("child_id"),
    )
    op.create_index(op.f("ix_children_family_id"), "children", ["family_id"], unique=False)
    op.create_table(
        "childcare_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.String(length=32), nullable=False),
        sa.Column("child_first_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id", "year", "child_id"),
    )
    op.create_index(
        op.f("ix_childcare_certificates_family_id"),
        "childcare_certificates",
        ["family_id"],
        unique=False,
    )
    op.create_table(
        "certificate_runs",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("certificate_runs")
    op.drop_index(op.f("ix_childcare_certificates_family_id"), table_name="childcare_certificates")
    op.drop_table("childcare_certificates")
    op.drop_index(op.f("ix_children_family_id"), table_name="children")
    op.drop_table("children")
