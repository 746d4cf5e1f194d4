"""No event is published that nothing consumes.

What can be published: every event schema of ``contracts`` (the outbox publishes only payloads
that follow one), named by its golden example in ``contracts.catalogue``. What is consumed:
the event handlers declared on the services' classes (``services/*/<package>/service.py``),
found the way nameko finds them, from their entrypoints.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import contracts
from contracts.base import Event
from contracts.catalogue import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]


def event_schemas() -> dict[type[Event], str]:
    """Every event schema of ``contracts`` with the service that publishes it."""
    found = {}
    for module_info in pkgutil.iter_modules(contracts.__path__):
        module = importlib.import_module(f"contracts.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Event) and cls is not Event and cls.__module__ == module.__name__:
                found[cls] = module.SERVICE
    return found


def published() -> set[tuple[str, str]]:
    """(source service, event type) of every event a service may publish."""
    schemas = event_schemas()
    return {(schemas[schema], name) for name, schema in EXAMPLES.items() if schema in schemas}


def service_classes() -> list[type]:
    classes = []
    for path in sorted(ROOT.glob("services/*/*/service.py")):
        module = importlib.import_module(f"{path.parent.name}.service")
        classes += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__ and isinstance(getattr(cls, "name", None), str)
        ]
    return classes


def consumed() -> set[tuple[str, str]]:
    """(source service, event type) of every event handler declared by a service."""
    bindings = set()
    for cls in service_classes():
        for _, method in inspect.getmembers(cls, callable):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if hasattr(entrypoint, "event_type"):
                    bindings.add((entrypoint.source_service, entrypoint.event_type))
    return bindings


def test_every_event_schema_has_a_golden_example():
    named = set(EXAMPLES.values())
    assert [cls.__name__ for cls in event_schemas() if cls not in named] == []


def test_the_services_are_found_with_their_handlers():
    names = {cls.name for cls in service_classes()}
    assert {"accounts", "requests", "notifications"} <= names
    assert ("requests", "report_submitted") in consumed()


def test_every_published_event_has_a_consumer():
    assert sorted(published() - consumed()) == []
