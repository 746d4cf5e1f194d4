"""état-civil copies on the shared workflow: their statuses and history renamed

The copy of an act had statuses of its own (nouvelle, en_cours, envoyee, rejetee); it now
follows the workflow of every other démarche (deposee, recue, en_cours, en_attente, delivree,
rejetee, close). Existing requests and every step of their history are renamed in place, so
nothing is lost: nouvelle becomes deposee and envoyee becomes delivree.

Revision ID: a41c7e2d9b30
Revises: 5579d8bfb7ad
Create Date: 2026-12-02 20:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a41c7e2d9b30"
down_revision: str | Sequence[str] | None = "5579d8bfb7ad"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEMARCHE = "acte_etat_civil"
RENAMED = {"nouvelle": "deposee", "envoyee": "delivree"}


def _rename(renamed: dict[str, str]) -> None:
    for old, new in renamed.items():
        params = {"old": old, "new": new, "demarche": DEMARCHE}
        op.execute(
            sa.text(
                "UPDATE demarche_status_changes SET status = :new WHERE status = :old "
                "AND request_id IN (SELECT id FROM demarche_requests WHERE demarche = :demarche)"
            ).bindparams(**params)
        )
        op.execute(
            sa.text(
                "UPDATE demarche_requests SET status = :new "
                "WHERE status = :old AND demarche = :demarche"
            ).bindparams(**params)
        )


def upgrade() -> None:
    """Rename the statuses of existing état-civil copies and of their history."""
    _rename(RENAMED)


def downgrade() -> None:
    """Back to the former names; a status the former workflow lacked (recue, en_attente,
    close) has no former name and stays as it is."""
    _rename({new: old for old, new in RENAMED.items()})
