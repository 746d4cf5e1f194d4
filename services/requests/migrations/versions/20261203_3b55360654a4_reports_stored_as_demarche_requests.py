"""reports stored as démarche requests: one storage for every request

Each public-space report becomes a ``demarche_requests`` row of the démarche
``espace_public`` (same tracking number, key, e-mail, account, status and dates), its history
moves to ``demarche_status_changes`` (who, when, comment), and ``reports`` keeps only what is
a report's own (category, place, description), keyed by the new request's id
(joined-table inheritance). Photos and followers (with their unsubscribe keys) follow their
report to its new id; the ESP numbering continues in ``demarche_counters`` after the highest
number given (the old counter's, or a number found in the reports if higher).

A report's id changes (an agent's bookmark of ``/agents/signalements/<id>`` may lead
elsewhere); its tracking number and key, which the citizens' links carry, do not.

Revision ID: 3b55360654a4
Revises: b83f0d6c2e47
Create Date: 2026-12-03 07:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3b55360654a4"
down_revision: str | Sequence[str] | None = "b83f0d6c2e47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEMARCHE = "espace_public"
MOVED = "tracking_number, tracking_key, email, account_id, status, submitted_at, updated_at"
"""The columns of ``reports`` that every request has: they move to ``demarche_requests``."""

CHILD_CONSTRAINTS = (
    ("report_photos", "report_photos_report_id_position_key", "report_id, position"),
    ("report_followers", "report_followers_report_id_email_key", "report_id, email"),
)


def drop_child_constraints() -> None:
    """Photos and followers are re-pointed in one UPDATE each: their foreign keys and unique
    constraints would see a half-moved state."""
    for table, unique, _ in CHILD_CONSTRAINTS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_report_id_fkey")
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {unique}")


def add_child_constraints() -> None:
    for table, unique, columns in CHILD_CONSTRAINTS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_report_id_fkey"
            " FOREIGN KEY (report_id) REFERENCES reports (id)"
        )
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {unique} UNIQUE ({columns})")


def upgrade() -> None:
    """Move every report, its history and its counter into the démarche tables."""
    op.execute("LOCK TABLE reports, report_status_changes, tracking_counters IN EXCLUSIVE MODE")
    op.add_column("reports", sa.Column("request_id", sa.Integer(), nullable=True))
    op.execute(
        f"INSERT INTO demarche_requests (demarche, {MOVED}, payload, assigned_name)"
        f" SELECT '{DEMARCHE}', {MOVED}, '{{}}'::jsonb, '' FROM reports ORDER BY id"
    )
    op.execute(
        "UPDATE reports SET request_id = d.id FROM demarche_requests d"
        " WHERE d.tracking_number = reports.tracking_number"
    )
    op.execute(
        "INSERT INTO demarche_status_changes (request_id, status, comment, changed_by,"
        " changed_at, internal_note, by_requester)"
        " SELECT r.request_id, c.status, c.comment, c.changed_by, c.changed_at, '', false"
        " FROM report_status_changes c JOIN reports r ON r.id = c.report_id ORDER BY c.id"
    )
    drop_child_constraints()
    for table in ("report_photos", "report_followers"):
        op.execute(
            f"UPDATE {table} SET report_id = r.request_id FROM reports r"
            f" WHERE {table}.report_id = r.id"
        )
    op.drop_index(op.f("ix_report_status_changes_report_id"), table_name="report_status_changes")
    op.drop_table("report_status_changes")

    op.execute("ALTER TABLE reports DROP CONSTRAINT reports_pkey")
    op.execute("UPDATE reports SET id = request_id")
    op.execute("ALTER TABLE reports ALTER COLUMN id DROP DEFAULT")
    op.execute("DROP SEQUENCE IF EXISTS reports_id_seq")
    op.create_primary_key("reports_pkey", "reports", ["id"])
    op.create_foreign_key("reports_id_fkey", "reports", "demarche_requests", ["id"], ["id"])
    op.drop_index(op.f("ix_reports_status"), table_name="reports")
    op.drop_index(op.f("ix_reports_submitted_at"), table_name="reports")
    op.drop_index(op.f("ix_reports_account_id"), table_name="reports")
    for column in ("request_id", *MOVED.split(", ")):
        op.drop_column("reports", column)  # tracking_number's unique constraint goes with it
    add_child_constraints()

    # The next ESP number follows the highest one given, per year.
    op.execute(
        "INSERT INTO demarche_counters (demarche, year, last_value)"
        f" SELECT '{DEMARCHE}', year, max(last_value) FROM ("
        "   SELECT year, last_value FROM tracking_counters"
        "   UNION ALL"
        "   SELECT split_part(tracking_number, '-', 2)::int, split_part(tracking_number, '-', 3)::int"
        f"  FROM demarche_requests WHERE demarche = '{DEMARCHE}'"
        " ) AS given GROUP BY year"
        " ON CONFLICT (demarche, year) DO UPDATE"
        " SET last_value = greatest(demarche_counters.last_value, excluded.last_value)"
    )
    op.drop_table("tracking_counters")


def downgrade() -> None:
    """Put the reports back in their own tables, with the ids they have now. What the old
    tables cannot hold is lost: a report's assignment and the internal notes of its steps."""
    op.create_table(
        "tracking_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.execute(
        "INSERT INTO tracking_counters (year, last_value) SELECT year, last_value"
        f" FROM demarche_counters WHERE demarche = '{DEMARCHE}'"
    )
    op.execute(f"DELETE FROM demarche_counters WHERE demarche = '{DEMARCHE}'")

    for table, _, _ in CHILD_CONSTRAINTS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_report_id_fkey")
    op.drop_constraint("reports_id_fkey", "reports", type_="foreignkey")
    op.add_column("reports", sa.Column("tracking_number", sa.String(length=20), nullable=True))
    op.add_column("reports", sa.Column("tracking_key", sa.String(length=64), nullable=True))
    op.add_column("reports", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column("reports", sa.Column("account_id", sa.String(length=64), nullable=True))
    op.add_column("reports", sa.Column("status", sa.String(length=20), nullable=True))
    op.add_column("reports", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("reports", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        f"UPDATE reports SET ({MOVED}) = (SELECT {MOVED} FROM demarche_requests d"
        " WHERE d.id = reports.id)"
    )
    for column in MOVED.split(", "):
        if column != "account_id":
            op.alter_column("reports", column, nullable=False)
    op.create_unique_constraint("reports_tracking_number_key", "reports", ["tracking_number"])
    op.create_index(op.f("ix_reports_status"), "reports", ["status"], unique=False)
    op.create_index(op.f("ix_reports_submitted_at"), "reports", ["submitted_at"], unique=False)
    op.create_index(op.f("ix_reports_account_id"), "reports", ["account_id"], unique=False)
    op.execute("CREATE SEQUENCE reports_id_seq OWNED BY reports.id")
    op.execute(
        "SELECT setval('reports_id_seq', coalesce((SELECT max(id) FROM reports), 0) + 1, false)"
    )
    op.execute("ALTER TABLE reports ALTER COLUMN id SET DEFAULT nextval('reports_id_seq')")

    op.create_table(
        "report_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_report_status_changes_report_id"),
        "report_status_changes",
        ["report_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO report_status_changes (report_id, status, comment, changed_by, changed_at)"
        " SELECT request_id, status, comment, changed_by, changed_at"
        " FROM demarche_status_changes WHERE request_id IN (SELECT id FROM reports) ORDER BY id"
    )
    for table in ("demarche_status_changes", "demarche_attachments", "demarche_views"):
        op.execute(f"DELETE FROM {table} WHERE request_id IN (SELECT id FROM reports)")
    op.execute(f"DELETE FROM demarche_requests WHERE demarche = '{DEMARCHE}'")
    for table, _, _ in CHILD_CONSTRAINTS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_report_id_fkey"
            " FOREIGN KEY (report_id) REFERENCES reports (id)"
        )
