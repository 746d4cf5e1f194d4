"""How long the family import takes for a town-sized export, beside a raw-insert baseline.

    .venv/bin/python -P bench/family_import.py [--families 10000] [--json bench/results/family_import.json]

Writes a Windows-1252 export of ``--families`` families (two adults and two children each,
a quotient familial for each, so as many ``quotient_changed`` events), migrates a fresh
``family`` database on the local PostgreSQL, then times ``python -m family.importer`` as the
office runs it: the first import, and the same file again (nothing changes). The baseline is
the same families, adults and children inserted with plain ``executemany`` in one
transaction, without reading, checking or events, in another fresh database. The goal: 10,000
families in under a minute. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from chassis.testing.fixtures import create_database, drop_database, migrate

ROOT = Path(__file__).resolve().parents[1]
ALEMBIC_INI = ROOT / "services" / "family" / "alembic.ini"
HEADER = (
    "numero_famille;nom;adresse;quotient_familial;resident;"
    + ";".join(
        f"responsable{n}_{f}"
        for n in (1, 2)
        for f in ("prenom", "nom", "lien", "email", "telephone")
    )
    + ";"
    + ";".join(
        f"enfant{n}_{f}" for n in (1, 2) for f in ("prenom", "nom", "naissance", "ecole", "classe")
    )
)


def export(families: int, path: Path) -> None:
    rng = random.Random(8)
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(HEADER + "\r\n")
        for n in range(families):
            name = f"Lefèvre-{n}"
            out.write(
                f"{10000 + n};{name};{n} rue Jean Moulin, 69300 Caluire-et-Cuire;"
                f"{rng.randint(300, 2500)};oui;"
                f"Hélène;{name};Mère;h{n}@exemple.fr;06 12 34 56 78;"
                f"Jérôme;{name};Père;j{n}@exemple.fr;06 87 65 43 21;"
                "Léa;;02/04/2018;École élémentaire Jean Moulin;CE2;Noé;;15/09/2022;;\r\n"
            )


def timed_import(url: str, path: Path) -> tuple[float, str]:
    env = {**os.environ, "FAMILY_DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-P", "-m", "family.importer", str(path)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stdout.splitlines()[0]


def baseline(url: str, families: int) -> float:
    """The same rows with executemany, no checks: what the database alone needs."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with engine.begin() as connection:
        rows = [
            {"identifier": str(10000 + n), "name": f"Lefèvre-{n}", "address": f"{n} rue Jean Moulin",
             "created_at": now, "quotient": 850}
            for n in range(families)
        ]  # fmt: skip
        connection.execute(
            text(
                "insert into families (identifier, name, address, created_at, quotient_familial,"
                " resident, consent_photos, consent_outings)"
                " values (:identifier, :name, :address, :created_at, :quotient, true, false, false)"
            ),
            rows,
        )
        ids = dict(connection.execute(text("select identifier, id from families")).all())
        adults = [
            {"family_id": ids[str(10000 + n)], "position": p, "first_name": "Hélène", "last_name": "L",
             "kinship": "mere", "email": "h@exemple.fr", "phone": "06 12 34 56 78"}
            for n in range(families) for p in (1, 2)
        ]  # fmt: skip
        connection.execute(
            text(
                "insert into adults (family_id, position, first_name, last_name, kinship, email,"
                " phone, custody) values (:family_id, :position, :first_name, :last_name, :kinship,"
                " :email, :phone, 'exercee')"
            ),
            adults,
        )
        children = [
            {"family_id": ids[str(10000 + n)], "first_name": first, "birth_date": born}
            for n in range(families)
            for first, born in (("Léa", date(2018, 4, 2)), ("Noé", date(2022, 9, 15)))
        ]
        connection.execute(
            text(
                "insert into children (family_id, first_name, last_name, birth_date)"
                " values (:family_id, :first_name, 'L', :birth_date)"
            ),
            children,
        )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    urls = [create_database("family"), create_database("family")]
    try:
        for url in urls:
            migrate(ALEMBIC_INI, url)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "familles.csv"
            export(args.families, path)
            first, first_line = timed_import(urls[0], path)
            again, again_line = timed_import(urls[0], path)
        raw = baseline(urls[1], args.families)
    finally:
        for url in urls:
            drop_database(url)
    figures = {
        "families": args.families,
        "import_seconds": round(first, 2),
        "families_per_second": round(args.families / first),
        "same_file_again_seconds": round(again, 2),
        "baseline_executemany_seconds": round(raw, 2),
        "goal_seconds": 60,
    }
    print(first_line)
    print(again_line)
    for name, value in figures.items():
        print(f"{name:>30}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
