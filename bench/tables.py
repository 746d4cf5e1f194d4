"""The benchmark's figures as plain-text tables, each row compared with the baseline.

The baseline is ``GET /healthz`` at the same number of clients, measured in the same run:
gunicorn, Flask and the client itself, with no RPC. A row's extra milliseconds over it are
what the RPC, the service and the database add.
"""

from __future__ import annotations

import itertools

BASELINE = "GET /healthz"


def print_report(figures: dict) -> None:
    """Machine, load table, end-to-end path, e-mail backlog and memory."""
    print(
        f"\n{figures['date']}  cores: {figures['cpu_count']}  "
        f"load average at start: {figures['load_average_at_start']}"
    )
    print_load(figures.get("load", []))
    print_cpu(figures.get("load", []))
    if figures.get("end_to_end"):
        print_end_to_end(figures["end_to_end"])
    for row in figures.get("load", []):
        if row.get("email_backlog"):
            backlog = row["email_backlog"]
            print(
                f"\nAfter POST x{row['clients']}: {backlog['pending_after_load']} e-mails pending, "
                f"{backlog['still_pending']} left after {backlog['waited_s']} s "
                f"({backlog['emails_per_s']} e-mails/s while draining)"
            )
    print_memory(figures.get("processes", []))
    print_rounds(figures.get("rounds", []))
    for number, round_ in enumerate(figures.get("rounds") or [figures], start=1):
        print(f"\nGoals, round {number}:")
        print_goals(round_.get("load", []))


def with_baseline(rows: list[dict]) -> list[dict]:
    """Each row plus ``x_healthz_p50`` and ``extra_p50_ms`` against its level's baseline."""
    base = {r["clients"]: r for r in rows if r["scenario"] == BASELINE}
    out = []
    for row in rows:
        ref = base.get(row["clients"], {})
        p50, ref_p50 = row["p50_ms"], ref.get("p50_ms")
        ratio = round(p50 / ref_p50, 1) if p50 and ref_p50 else None
        extra = round(p50 - ref_p50, 2) if p50 and ref_p50 else None
        out.append(row | {"x_healthz_p50": ratio, "extra_p50_ms": extra})
    return out


def print_load(rows: list[dict]) -> None:
    header = (
        f"\n{'scenario':<22}{'clients':>8}{'requests':>9}{'errors':>7}{'req/s':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'x healthz':>10}{'+ms p50':>9}"
    )
    print(header)
    print("-" * (len(header) - 1))
    for r in with_baseline(rows):
        print(
            f"{r['scenario']:<22}{r['clients']:>8}{r['requests']:>9}{r['errors']:>7}"
            f"{r['requests_per_s']:>8}{_num(r['p50_ms']):>8}{_num(r['p95_ms']):>8}"
            f"{_num(r['p99_ms']):>8}{_num(r['x_healthz_p50']):>10}{_num(r['extra_p50_ms']):>9}"
        )


def print_cpu(rows: list[dict]) -> None:
    """CPU milliseconds per request of each process, during each scenario's window."""
    names = list(rows[0].get("cpu_ms_per_request", {})) if rows else []
    if not names:
        return
    print(f"\nCPU ms per request{'':<8}" + "".join(f"{n[:13]:>14}" for n in names))
    for r in rows:
        cpu = r["cpu_ms_per_request"]
        label = f"{r['scenario']} x{r['clients']}"
        print(f"{label:<26}" + "".join(f"{_num(cpu.get(n)):>14}" for n in names))


def print_end_to_end(e2e: dict) -> None:
    print(f"\n{e2e['scenario']}: {e2e['reports']} reports, one at a time, {e2e['errors']} errors")
    stages = (
        ("until the e-mail", "total_ms"),
        ("  until the row", "until_message_row_ms"),
        ("  row to e-mail", "row_to_email_ms"),
    )
    for label, key in stages:
        stats = e2e[key]
        print(
            f"  {label:<24} p50 {_num(stats['p50'])} ms  p95 {_num(stats['p95'])} ms  "
            f"min {_num(stats['min'])}  max {_num(stats['max'])}"
        )


def print_memory(processes: list[dict]) -> None:
    if not processes:
        return
    print(f"\n{'process':<28}{'peak RSS MiB':>13}{'RSS MiB':>9}")
    for p in processes:
        print(f"{p['process']:<28}{_num(p['peak_rss_mib']):>13}{_num(p['rss_mib']):>9}")
    total = sum(p["peak_rss_mib"] for p in processes if not p.get("baseline"))
    print(f"{'sum of peaks':<28}{total:>13.1f}  (the portal's processes, baselines left out)")


def print_rounds(rounds: list[dict]) -> None:
    """Each process's RSS after each round of loads: a leak grows round after round."""
    if len(rounds) < 2:
        return
    numbers = "".join(f"{n:>8}" for n in range(1, len(rounds) + 1))
    print(f"\n{'RSS MiB after round':<24}{numbers}")
    for index, row in enumerate(rounds[0]["processes"]):
        values = [r["processes"][index]["rss_mib"] for r in rounds if index < len(r["processes"])]
        grows = all(b > a + 1 for a, b in itertools.pairwise(values))
        print(
            f"{row['process']:<24}"
            + "".join(f"{_num(v):>8}" for v in values)
            + ("  grows" if grows else "")
        )


def print_goals(rows: list[dict]) -> None:
    """The issue's read and write goals, from this run's rows."""
    by = {(r["scenario"], r["clients"]): r for r in rows}
    for (name, clients), row in sorted(by.items()):
        mono = by.get(("GET report, monolith", clients))
        if name == "GET report" and mono and mono["requests_per_s"]:
            share = 100 * row["requests_per_s"] / mono["requests_per_s"]
            print(f"GET report x{clients}: {share:.0f}% of the monolith's req/s (goal >= 70%)")
    one, four = by.get(("POST report", 1)), by.get(("POST report", 4))
    if one and four and one["requests_per_s"]:
        ratio = four["requests_per_s"] / one["requests_per_s"]
        print(f"POST report x4 / x1: {ratio:.2f} times the req/s (goal >= 1.6)")
    for clients in (1, 4):
        row = by.get(("POST report", clients))
        if row and "stack_cpu_ms_per_request_with_emails" in row:
            cpu = row["stack_cpu_ms_per_request_with_emails"]
            print(
                f"POST report x{clients}: {cpu} ms of stack CPU per report, e-mail included "
                "(goal <= 8)"
            )


def _num(value) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
