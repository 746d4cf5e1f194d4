"""Every golden example validates against its schema and survives a load/dump round trip."""

from __future__ import annotations

import pytest

from contracts.base import EXAMPLES_DIR, example
from contracts.catalogue import EXAMPLES


def test_every_example_file_has_a_schema():
    files = {p.stem for p in EXAMPLES_DIR.glob("*.json")}
    assert files == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates(name):
    schema = EXAMPLES[name]()
    data = example(name)
    assert schema.validate(data) == {}
    assert schema.load(schema.dump(schema.load(data))) == schema.load(data)
