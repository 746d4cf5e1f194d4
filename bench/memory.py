"""Peak memory of ``requests`` under hostile photos and of ``accounts`` under a registration burst.

Starts the whole portal (``devstack.stack.start_stack``) and loads it through the gateway, as
browsers would, with ``--clients`` concurrent clients (each its own address):

- ``requests``: reports with a small photo (the baseline), then the issue's 6300 × 6300 PNG
  bomb (130 kB), then the largest PNG still accepted (4000 × 4000, decoded in full);
- ``accounts``: registrations one at a time (the baseline: one hash at a time), then all at once.

``VmHWM`` (peak RSS) only grows, so each step is read after the lighter ones: the growth
between two rows is what the heavier load added. With ``--unbounded`` a first stack runs with
``PHOTO_DECODE_CONCURRENCY`` and ``ARGON2_CONCURRENCY`` raised to the services'
``max_workers`` (10), as before they existed, beside the second with the defaults.

    .venv/bin/python -P bench/memory.py [--clients 20] [--unbounded] [--json FILE]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from PIL import Image
from procstats import stack_memory

from devstack.stack import start_stack

TIMEOUT = 120
CSRF = 'name="csrf_token" value="'
SETTINGS = ("PHOTO_DECODE_CONCURRENCY", "ARGON2_CONCURRENCY")


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(out, "PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def client() -> requests.Session:
    """A visitor with an address of its own, so per-IP limits never add up."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])
    return session


def report(base: str, photo: bytes) -> int:
    body = {
        "category": "voirie",
        "address": "12 avenue Général de Gaulle, Caluire-et-Cuire",
        "description": "Nid-de-poule devant le numéro 12.",
        "email": f"bench-{uuid.uuid4().hex[:8]}@exemple.fr",
        "photo": {"filename": "photo.png", "data": base64.b64encode(photo).decode()},
    }
    return client().post(f"{base}/api/v1/reports", json=body, timeout=TIMEOUT).status_code


def register(base: str) -> int:
    session = client()
    page = session.get(f"{base}/compte/creer", timeout=TIMEOUT).text
    token = page.split(CSRF, 1)[1].split('"', 1)[0]
    password = f"Tilleul-Saone-{uuid.uuid4().hex[:10]}-8!"
    form = {
        "csrf_token": token,
        "email": f"bench-{uuid.uuid4().hex[:8]}@exemple.fr",
        "password": password,
        "password_confirmation": password,
        "civility": "madame",
        "given_name": "Élise",
        "family_name": "Montessuy",
        "street": "3 rue Jean Moulin",
        "postal_code": "69300",
        "city": "Caluire-et-Cuire",
        "phone": "04 78 98 88 00",
        "email_notifications": "1",
    }
    response = session.post(f"{base}/compte/creer", data=form, timeout=TIMEOUT)
    return response.status_code


def burst(send, count: int, clients: int) -> dict[int, int]:
    """``count`` calls of ``send()`` by ``clients`` threads; how many answers of each status."""
    with ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(lambda _: send(), range(count)))
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def memory(stack, process: str) -> dict:
    return next(row for row in stack_memory(stack) if row["process"] == process)


def measure(stack, clients: int) -> list[dict]:
    base = stack.gateway_url
    small, bomb, largest = jpeg((640, 480)), png((6300, 6300)), png((4000, 4000))
    steps = [
        ("requests", "idle", None),
        ("requests", f"{clients} reports, 640×480 JPEG (baseline)", lambda: report(base, small)),
        ("requests", f"{clients} reports, 6300×6300 PNG bomb", lambda: report(base, bomb)),
        ("requests", f"{clients} reports, 4000×4000 PNG", lambda: report(base, largest)),
        ("accounts", "idle", None),
        ("accounts", f"{clients} registrations one at a time (baseline)", lambda: register(base)),
        ("accounts", f"{clients} simultaneous registrations", lambda: register(base)),
    ]
    print(f"photos: {len(small) // 1024} kB, {len(bomb) // 1024} kB, {len(largest) // 1024} kB")
    rows = []
    for process, name, send in steps:
        statuses = {}
        if send is not None:
            concurrency = 1 if "one at a time" in name else clients
            statuses = burst(send, clients, concurrency)
        rows.append(
            {"process": process, "load": name, "statuses": statuses, **memory(stack, process)}
        )
        print(f"{process:<10} {name:<52} {rows[-1]['peak_rss_mib']:>8} MiB  {statuses}")
    return rows


def run(label: str, clients: int, settings: dict[str, str]) -> dict:
    print(f"\n== {label}: {settings or 'defaults'}")
    saved = {name: os.environ.get(name) for name in SETTINGS}
    os.environ.update(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as workdir:
            stack = start_stack(Path(workdir))
            try:
                print(f"{'process':<10} {'load':<52} {'peak RSS':>12}  answers")
                return {"label": label, "settings": settings, "rows": measure(stack, clients)}
            finally:
                stack.close()
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.update({name: value})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--unbounded", action="store_true", help="first run without the bounds")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    runs = []
    if args.unbounded:
        runs.append(run("bounds at max_workers", args.clients, dict.fromkeys(SETTINGS, "10")))
    runs.append(run("default bounds", args.clients, {}))
    if args.json:
        result = {"date": datetime.now(UTC).isoformat(), "cores": os.cpu_count(), "runs": runs}
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
