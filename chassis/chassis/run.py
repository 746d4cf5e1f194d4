"""Start a service: ``python -m chassis.run --config config.yml accounts.service``.

The same as ``nameko run`` (same arguments, same process, same signals), after what must
happen before nameko starts:

- the settings every service needs are checked (:func:`chassis.config.check_service`): an
  unknown ``PORTAL_ENV``, or production without ``AMQP_URI``, stops the start with a one-line
  message and exit status 2 instead of running on ``config.yml``'s development defaults;
- eventlet's deprecation banner is filtered (importing :mod:`chassis` does it, before nameko
  imports eventlet);
- the amqp library's "Received method ... during closing channel" warning is dropped: the
  broker's late answer (a publisher confirm, a returned message) to a channel kombu is
  already closing, after an unroutable ``mandatory`` publish for instance. Nothing is lost
  there (the outbox keeps such an event and says why in ``last_error``), and one line per
  publish would flood the terminal of ``make run``;
- a caller's error that the entrypoint declares (``expected_exceptions``: a wrong password, an
  invalid form, a refused caller) is logged by nameko as a WARNING with its traceback, which
  reads like a crash; it is kept as one INFO line with its message, no traceback (the
  worker's own line already names the outcome). Unexpected errors keep their traceback;
- RPC requests and replies are published on kept connections
  (:func:`contracts.publishing.use_kept_publishers`), not one ``Connection`` object each;
- log records no longer look up their thread, process and caller, which the JSON line does
  not show (:func:`chassis.logging.lighten_log_records`).
"""

from __future__ import annotations

import logging
import sys

from amqp.abstract_channel import IGNORED_METHOD_DURING_CHANNEL_CLOSE

from chassis import config
from chassis.logging import lighten_log_records
from contracts.publishing import use_kept_publishers


class ClosingChannelNoise(logging.Filter):
    """Drops amqp's "method ignored during closing channel" records, and only those."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != IGNORED_METHOD_DURING_CHANNEL_CLOSE


EXPECTED_ERROR_PREFIX = "(expected) error handling worker"


class ExpectedErrorTraceback(logging.Filter):
    """Turns nameko's "(expected) error handling worker" records into plain INFO lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(EXPECTED_ERROR_PREFIX):
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def main(argv: list[str] | None = None) -> None:
    """Check the settings, quiet the known noise, then hand over to ``nameko run``."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        config.check_service()
    except config.SettingError as error:
        print(f"Démarrage refusé / start refused: {error}", file=sys.stderr)
        sys.exit(2)
    logging.getLogger("amqp").addFilter(ClosingChannelNoise())
    logging.getLogger("nameko.containers").addFilter(ExpectedErrorTraceback())
    use_kept_publishers()
    lighten_log_records()
    from nameko.cli.main import main as nameko_main

    sys.argv = ["nameko", "run", *arguments]
    nameko_main()


if __name__ == "__main__":
    main()
