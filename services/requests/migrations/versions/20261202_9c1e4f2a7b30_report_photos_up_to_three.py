"""report photos: up to three per report, numbered by position

Revision ID: 9c1e4f2a7b30
Revises: a41c7e2d9b30
Create Date: 2026-12-02 20:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "9c1e4f2a7b30"
down_revision: str | Sequence[str] | None = "a41c7e2d9b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: existing photos become the first of their report."""
    op.add_column(
        "report_photos",
        sa.Column("position", sa.Integer(), server_default="1", nullable=False),
    )
    op.drop_constraint("report_photos_report_id_key", "report_photos", type_="unique")
    op.create_unique_constraint(None, "report_photos", ["report_id", "position"])
    op.create_index(
        op.f("ix_report_photos_report_id"), "report_photos", ["report_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema: only the first photo of each report is kept."""
    op.execute("DELETE FROM report_photos WHERE position > 1")
    op.drop_index(op.f("ix_report_photos_report_id"), table_name="report_photos")
    op.drop_constraint("report_photos_report_id_position_key", "report_photos", type_="unique")
    op.create_unique_constraint(None, "report_photos", ["report_id"])
    op.drop_column("report_photos", "position")
