"""Baseline: a nameko service with no dependency at all, answering ``ping``.

    nameko run --config bare.yml bare_service

What a bare nameko 2.14.1 round trip costs on this machine: the floor a portal service's
``ping`` (same answer, plus the chassis' per-worker dependencies) is compared with.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from nameko.rpc import rpc  # noqa: E402


class BareService:
    name = "bare"

    @rpc
    def ping(self) -> dict:
        return {"service": self.name, "status": "ok"}
