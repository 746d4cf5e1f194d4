"""Demo data for the local run: a few reports, submitted through the public API.

``make run`` starts this in the background: it waits until the gateway is ready (its own
broker link), submits the demo reports once (again while the gateway answers that ``requests``
is momentarily unavailable, as it does while that service starts) (``var/demo-seeded`` remembers it), and exits. Going through the API means
the demo exercises the real path: the services store the reports, the outbox relays their
events and the confirmation e-mails show up in the SMTP sink.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEMO_REPORTS = [
    {
        "category": "eclairage_public",
        "address": "12 avenue Général de Gaulle, 69300 Caluire-et-Cuire",
        "latitude": 45.7953,
        "longitude": 4.8467,
        "description": "Le lampadaire devant le numéro 12 ne s'allume plus depuis trois jours.",
        "email": "camille.martin@example.org",
    },
    {
        "category": "voiture_ventouse",
        "address": "Rue Jean Moulin, 69300 Caluire-et-Cuire",
        "description": "Une camionnette blanche sans plaque est garée au même endroit depuis un mois.",
        "email": "lucas.bernard@example.org",
    },
    {
        "category": "tags",
        "address": "Montée des Forts, 69300 Caluire-et-Cuire",
        "description": "Tags sur le mur de soutènement, à hauteur de l'escalier.",
        "email": "ines.petit@example.org",
    },
]


def wait_until_ready(base_url: str, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=3) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    return False


def submit_when_served(base_url: str, report: dict, timeout: float = 120.0) -> str:
    """Submit ``report``, again while the gateway answers 503 (``requests`` still starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return submit(base_url, report)
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.monotonic() > deadline:
                raise
        time.sleep(1)


def submit(base_url: str, report: dict) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/v1/reports",
        data=json.dumps(report).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": "demo-seed"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.load(answer)["tracking_number"]


def main(base_url: str, marker: Path) -> int:
    if marker.exists():
        return 0
    if not wait_until_ready(base_url):
        print("[seed] le portail ne répond pas : pas de données de démonstration", flush=True)
        return 1
    try:
        numbers = [submit_when_served(base_url, report) for report in DEMO_REPORTS]
    except urllib.error.HTTPError as error:
        # 429: the portal's own rate limit on reports from one address (other local runs on
        # this machine's PostgreSQL count too); the next `make run` tries again.
        print(f"[seed] pas de données de démonstration cette fois : HTTP {error.code}", flush=True)
        return 1
    marker.write_text("\n".join(numbers) + "\n", encoding="utf-8")
    print(f"[seed] signalements de démonstration : {', '.join(numbers)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
