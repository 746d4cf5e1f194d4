"""pytest plugin: monkey-patch with eventlet before anything else is imported.

nameko 2.14.1 needs it for in-process containers (``pytest -p chassis.testing.eventlet_patch``).
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()
