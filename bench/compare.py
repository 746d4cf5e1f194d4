"""The change between two result files of ``report_path.py`` or ``rpc_hop.py``.

    .venv/bin/python -P bench/compare.py bench/results/OLD.json bench/results/NEW.json

For every row found in both files (scenario and clients), prints each figure old -> new
with its change in percent, so a regression is visible in review. Latency, CPU or memory
going up, or throughput going down, by 10% and at least 0.1, are marked ``worse``. Runs on
a shared machine differ by their load: compare the ratios each file holds (``x_bare_p50``,
``x_healthz_p50``, the goals) before the raw figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LOWER_IS_BETTER = ("_ms", "ms_per", "x_", "peak_rss")
FIGURES = (
    "requests_per_s",
    "p50_ms",
    "p95_ms",
    "x_bare_p50",
    "service_cpu_ms_per_call",
    "extra_p50_ms",
    "stack_cpu_ms_per_request_with_emails",
)


def rows(figures: dict) -> dict[str, dict]:
    """Every comparable row, keyed by what it measures."""
    found = {}
    for section in ("load", "plain_client", "pages"):
        for row in figures.get(section, []):
            key = f"{row['scenario']} x{row.get('clients', 1)}"
            found[key] = {k: v for k, v in row.items() if k in FIGURES}
            for process, ms in row.get("cpu_ms_per_request", {}).items():
                found[key][f"cpu ms {process}"] = ms
    for process in figures.get("processes", []):
        found[f"memory {process['process']}"] = {"peak_rss_mib": process["peak_rss_mib"]}
    return found


def worse(name: str, old: float, new: float) -> bool:
    lower_better = any(part in name for part in LOWER_IS_BETTER) or name.startswith("cpu")
    return new > old if lower_better else new < old


def compare(old: dict, new: dict) -> list[str]:
    lines = []
    before, after = rows(old), rows(new)
    for key in [k for k in after if k in before]:
        for name, new_value in after[key].items():
            old_value = before[key].get(name)
            if not isinstance(old_value, int | float) or not isinstance(new_value, int | float):
                continue
            change = (new_value - old_value) / old_value * 100 if old_value else 0.0
            noticeable = abs(change) >= 10 and abs(new_value - old_value) >= 0.1
            mark = "  worse" if noticeable and worse(name, old_value, new_value) else ""
            lines.append(
                f"{key:<36}{name:<40}{old_value:>10g} -> {new_value:<10g}{change:+7.1f}%{mark}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    old, new = (json.loads(path.read_text()) for path in (args.old, args.new))
    print(f"old: {old.get('date')} (load {old.get('load_average_at_start')})")
    print(f"new: {new.get('date')} (load {new.get('load_average_at_start')})")
    print("\n".join(compare(old, new)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
