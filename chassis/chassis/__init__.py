"""What every service of the portal needs and nobody should write twice.

- :mod:`chassis.config`: settings read once from the environment, failing fast in production;
- :mod:`chassis.database`: a SQLAlchemy session per worker (``Database`` dependency);
- :mod:`chassis.outbox`: events written in the state change's transaction, relayed with confirms;
- :mod:`chassis.events`: idempotent event handlers with retry, backoff and a dead-letter table;
- :mod:`chassis.retry_routing`: those retries through the service's own exchanges and queues;
- :mod:`chassis.identity`: the gateway-signed caller, verified, and role checks;
- :mod:`chassis.broker_access`: each component's RabbitMQ user and its narrowest permissions;
- :mod:`chassis.logging`: JSON logs carrying the correlation id;
- :mod:`chassis.health`: ``GET /healthz`` and ``ping()`` for every service.
"""

import warnings

# eventlet (pinned, required by nameko 2.14) prints a nine-line EventletDeprecationWarning
# banner when it is imported, in every service, migration and command-line run. Any process
# that imports chassis is a portal process that knows it: filtered by message (the warning is
# a plain ``Warning`` whose text starts with a newline), before anything imports eventlet.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
