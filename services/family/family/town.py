"""The town's crèches, public schools and school sectors, read once from ``data/town.json``.

The file is data the SimpliCité office keeps (a street-to-school map): changing a sector is an
edit of the file, not of the code. Streets are compared as activation compares names
(:func:`family.domain.normalized_name`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from family.domain import normalized_name

HOUSE_NUMBER = re.compile(r"^\s*\d+\s*(?:bis|ter|quater|[a-d])?\s*,?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Town:
    creches: dict[str, str]
    schools: dict[str, dict]
    sectors: dict[str, tuple[str, ...]]  # normalized street -> school codes

    def public_school_names(self) -> set[str]:
        return {normalized_name(school["name"]) for school in self.schools.values()}

    def sector_of(self, address: str) -> dict[str, dict]:
        """The sector schools of ``address`` by kind (``maternelle``, ``elementaire``)."""
        street = normalized_name(HOUSE_NUMBER.sub("", address).split(",", 1)[0])
        codes = self.sectors.get(street, ())
        return {self.schools[code]["kind"]: {"code": code, **self.schools[code]} for code in codes}


def parse(raw: dict) -> Town:
    sectors = {normalized_name(street): tuple(codes) for street, codes in raw["sectors"].items()}
    return Town(raw["creches"], raw["schools"], sectors)


@cache
def town() -> Town:
    text = resources.files("family").joinpath("data/town.json").read_text("utf-8")
    return parse(json.loads(text))
