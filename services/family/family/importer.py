"""Import families, adults and children from the previous software's CSV export.

    python -m family.importer familles.csv [--rejets rejets.csv]

Reads ``FAMILY_DATABASE_URL``. The column format is in ``docs/family-import.md``. The file
may be UTF-8 or Windows-1252 (detected), separated by ``;`` or ``,``. Import is idempotent:
a family is known by its identifier; running the same file again changes nothing, and a
corrected file updates the families it names (name, address, quotient, adults; children
are matched by first name and birth date, new ones added, none removed). Rows are stored in
transactions of ``BATCH`` families, so memory stays bounded and a stopped import can simply
be run again. A progress bar goes to the terminal; the rows rejected and why are printed at
the end (and written to ``--rejets`` as CSV). Each family created or updated with a quotient
familial is announced as ``quotient_changed`` through the outbox, for billing.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from chassis import config, tables
from chassis.database import make_engine
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from contracts import family_dossier
from family import dossier, import_rows
from family.domain import normalized_name
from family.import_rows import FamilyRow, RowRejected
from family.models import Adult, Base, Child, Family

BATCH = 1000


@dataclass
class Report:
    encoding: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, identifier, why


def import_file(engine: Engine, path: Path, progress: bool = False) -> Report:
    """Import ``path``; ``FileRefused`` when it cannot be read at all."""
    text, encoding = import_rows.decode(path.read_bytes())
    columns, rows = import_rows.read(text)
    children = import_rows.child_numbers(columns)
    report = Report(encoding)
    total = max(0, text.count("\n") - 1)
    seen: set[str] = set()
    batch: list[FamilyRow] = []
    with tqdm(total=total, unit=" familles", disable=not progress, file=sys.stderr) as bar:
        for line, values in rows:
            bar.update(1)
            try:
                row = import_rows.parse(line, values, children)
                if row.identifier in seen:
                    raise RowRejected(f"Numéro de famille {row.identifier} déjà vu plus haut.")
            except RowRejected as exc:
                report.rejected.append((line, values.get("numero_famille", ""), str(exc)))
                continue
            seen.add(row.identifier)
            batch.append(row)
            if len(batch) == BATCH:
                store(engine, batch, report)
                batch = []
        store(engine, batch, report)
    return report


def store(engine: Engine, rows: list[FamilyRow], report: Report) -> None:
    """Create or update the families of ``rows`` in one transaction."""
    if not rows:
        return
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    now = utcnow()
    with Session(engine) as session, session.begin():
        query = (
            select(Family)
            .where(Family.identifier.in_([row.identifier for row in rows]))
            .options(selectinload(Family.adults), selectinload(Family.children))
            .with_for_update(of=Family)
        )
        known = {family.identifier: family for family in session.scalars(query)}
        announced = []
        for row in rows:
            family = known.get(row.identifier)
            if family is None:
                family = Family(identifier=row.identifier, created_at=now, adults=[], children=[])
                session.add(family)
                changed_quotient = row.quotient_familial is not None
                apply(family, row, now)
                report.created += 1
            else:
                changed_quotient = family.quotient_familial != row.quotient_familial
                if not apply(family, row, now):
                    report.unchanged += 1
                    continue
                report.updated += 1
            if changed_quotient:
                announced.append(family)
        session.flush()  # once for the batch: the outbox inserts below would flush each family
        schema = family_dossier.QuotientChanged()
        for family in announced:
            event = dossier.quotient_event(family, now)
            outbox.add(session, family_dossier.QUOTIENT_CHANGED, schema, event)


def apply(family: Family, row: FamilyRow, now) -> bool:
    """Make ``family`` say what ``row`` says; True when anything changed."""
    changed = False

    def put(target, name: str, value) -> None:
        nonlocal changed
        if getattr(target, name, None) != value:
            setattr(target, name, value)
            changed = True

    put(family, "name", row.name)
    put(family, "address", row.address)
    put(family, "resident", row.resident)
    if family.quotient_familial != row.quotient_familial:
        put(family, "quotient_familial", row.quotient_familial)
        put(family, "quotient_valid_from", dossier.paris_today(now))
    for position, adult in enumerate(row.adults, start=1):
        current = next((a for a in family.adults if a.position == position), None)
        if current is None:
            current = Adult(position=position, custody="exercee")
            family.adults.append(current)
            changed = True
        for name in ("first_name", "last_name", "kinship", "email", "phone"):
            put(current, name, getattr(adult, name))
    for child in row.children:
        key = (normalized_name(child.first_name), child.birth_date)
        current = next(
            (c for c in family.children if (normalized_name(c.first_name), c.birth_date) == key),
            None,
        )
        if current is None:
            family.children.append(Child(first_name=child.first_name, birth_date=child.birth_date))
            current = family.children[-1]
            changed = True
        for name in ("last_name", "school", "class_name"):
            put(current, name, getattr(child, name))
    return changed


def write_rejections(path: Path, rejected: Iterable[tuple[int, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["ligne", "numero_famille", "motif"])
        writer.writerows(rejected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m family.importer", description="Importe les familles d'un export CSV."
    )
    parser.add_argument("file", type=Path, help="export CSV (UTF-8 ou Windows-1252)")
    parser.add_argument("--rejets", type=Path, help="écrire les lignes rejetées dans ce CSV")
    args = parser.parse_args(argv)
    engine = make_engine(config.database_url("family"))
    try:
        report = import_file(engine, args.file, progress=sys.stderr.isatty())
    except (OSError, import_rows.FileRefused) as exc:
        print(f"Fichier refusé : {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"Encodage {report.encoding} : {report.created} familles créées, {report.updated} mises "
        f"à jour, {report.unchanged} inchangées, {len(report.rejected)} lignes rejetées."
    )
    for line, identifier, reason in report.rejected:
        print(f"  ligne {line} (famille {identifier or '?'}) : {reason}")
    if args.rejets is not None:
        write_rejections(args.rejets, report.rejected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
