"""pytest plugin: monkey-patch with eventlet before anything else is imported.

nameko 2.14.1 needs it for in-process containers (``pytest -p chassis.testing.eventlet_patch``).
Importing :mod:`chassis` (this module's package) has already filtered eventlet's deprecation
banner.
"""

import eventlet

eventlet.monkey_patch()
