"""Every test tier, each in its own pytest process (`make test` calls `python -m devstack.testrun`).

Tiers, in order: unit, integration, contract, e2e+browser. Each writes
``test-results/<tier>.xml`` (JUnit). Every tier runs even when an earlier one failed; the
last line sums them up as ``total: N passed, M failed, K skipped`` (errors count as
failed), and the exit status is non-zero when anything failed or when no test ran at all.
A tier whose folder is missing, or that collects no test, counts as one failure: a renamed
folder or a broken conftest must not turn a tier green by running nothing. A pattern with a
``*`` (``services/*/tests/unit``) needs its folder in every directory the ``*`` stands for.

Extra arguments are passed to every pytest run, e.g. ``python -m devstack.testrun -x``;
``TEST_TIERS=unit,contract`` runs only those tiers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS = "test-results"
TIMEOUT_SECONDS = 300
INTEGRATION_PLUGINS = ["-p", "chassis.testing.eventlet_patch", "-p", "chassis.testing.fixtures"]


@dataclass
class Tier:
    name: str
    patterns: list[str]
    options: list[str] = field(default_factory=list)
    needs_broker: bool = False

    @property
    def junit(self) -> str:
        return f"{RESULTS}/{self.name.replace('+', '-')}.xml"

    def paths(self, root: Path) -> list[str]:
        found: list[str] = []
        for pattern in self.patterns:
            for path in sorted(root.glob(pattern)):
                if path.is_dir():
                    found.append(str(path.relative_to(root)))
        return found

    def missing(self, root: Path) -> list[str]:
        """The folders the patterns ask for that do not exist."""
        absent: list[str] = []
        for pattern in self.patterns:
            parts = Path(pattern).parts
            wild = next((i for i, part in enumerate(parts) if "*" in part), None)
            if wild is None:
                if not (root / pattern).is_dir():
                    absent.append(pattern)
                continue
            owners = [p for p in sorted(root.glob(str(Path(*parts[: wild + 1])))) if p.is_dir()]
            if not owners:
                absent.append(pattern)
            rest = Path(*parts[wild + 1 :]) if len(parts) > wild + 1 else None
            for owner in owners if rest is not None else []:
                if not any(p.is_dir() for p in owner.glob(str(rest))):
                    absent.append(str((owner / rest).relative_to(root)))
        return absent


TIERS = [
    Tier(
        "unit",
        [
            "gateway/tests",
            "devstack/tests",
            "services/*/tests/unit",
            "chassis/tests/unit",
        ],
    ),
    Tier(
        "integration",
        ["chassis/tests/integration", "services/*/tests/integration"],
        INTEGRATION_PLUGINS,
        needs_broker=True,
    ),
    Tier("contract", ["contracts/tests", "tests/contract"]),
    # One process, so that the stack started by the end-to-end fixtures is shared.
    Tier(
        "e2e+browser", ["tests/e2e", "tests/browser"], ["-p", "devstack.stack"], needs_broker=True
    ),
]


@dataclass
class Outcome:
    tier: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    returncode: int | None = None
    seconds: float = 0.0
    note: str = ""


def read_junit(path: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) from a JUnit XML file; errors count as failed."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failures = errors = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    failed = failures + errors
    return max(tests - failed - skipped, 0), failed, skipped


def run_tier(tier: Tier, root: Path, extra: list[str]) -> Outcome:
    outcome = Outcome(tier.name)
    paths = tier.paths(root)
    missing = tier.missing(root)
    if not paths:
        outcome.failed = 1
        outcome.note = f"missing folder: {', '.join(missing)}"
        return outcome
    junit = root / tier.junit
    junit.unlink(missing_ok=True)
    # -P: keep the repository root off sys.path, where the project folders (gateway/,
    # devstack/: no __init__.py) would shadow the installed packages of the same name.
    command = [
        sys.executable,
        "-P",
        "-m",
        "pytest",
        *tier.options,
        f"--junitxml={tier.junit}",
        "-o",
        f"junit_suite_name={tier.name}",
        f"--timeout={TIMEOUT_SECONDS}",
        *extra,
        *paths,
    ]
    print(f"\n===== {tier.name}: pytest {' '.join(command[4:])}", flush=True)
    started = time.monotonic()
    outcome.returncode = subprocess.run(command, cwd=root).returncode
    outcome.seconds = time.monotonic() - started
    if junit.exists():
        try:
            outcome.passed, outcome.failed, outcome.skipped = read_junit(junit)
        except (ET.ParseError, ValueError) as error:
            outcome.note = f"unreadable {tier.junit}: {error}"
    if outcome.returncode == 5 and outcome.failed == 0:
        outcome.failed = 1
        outcome.note = outcome.note or "no test collected"
    elif outcome.returncode != 0 and outcome.failed == 0:
        # pytest stopped without a failing test to show for it (crash, usage error,
        # interrupted session): count the tier itself as one failure.
        outcome.failed = 1
        outcome.note = f"pytest exited with {outcome.returncode}"
    if missing:
        outcome.failed += 1
        outcome.note = "; ".join(
            filter(None, [outcome.note, f"missing folder: {', '.join(missing)}"])
        )
    return outcome


def ensure_broker() -> None:
    from devstack.rabbitmq import ensure_rabbitmq

    try:
        ensure_rabbitmq(wait_seconds=90)
    except Exception as error:  # the tests themselves will report what is missing
        print(f"[devstack] RabbitMQ: {error}", flush=True)


def main(argv: list[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    root = REPO_ROOT
    (root / RESULTS).mkdir(exist_ok=True)
    outcomes: list[Outcome] = []
    broker_checked = False
    wanted = {t.strip() for t in os.environ.get("TEST_TIERS", "").split(",") if t.strip()}
    unknown = wanted - {tier.name for tier in TIERS}
    if unknown:
        print(f"unknown TEST_TIERS: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for tier in TIERS:
        if wanted and tier.name not in wanted:
            continue
        if tier.needs_broker and not broker_checked and tier.paths(root):
            ensure_broker()
            broker_checked = True
        outcomes.append(run_tier(tier, root, extra))

    passed = sum(o.passed for o in outcomes)
    failed = sum(o.failed for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    print("\n===== summary", flush=True)
    for o in outcomes:
        if o.returncode is None:
            print(f"  {o.tier:<12} not run, counted as failed ({o.note})")
            continue
        detail = f"passed {o.passed}, failed {o.failed}, skipped {o.skipped}"
        note = f"; {o.note}" if o.note else ""
        print(f"  {o.tier:<12} {detail} in {o.seconds:.0f} s (exit {o.returncode}{note})")
    if passed + failed == 0:
        print("  no test ran at all")
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 1 if failed or passed + failed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
