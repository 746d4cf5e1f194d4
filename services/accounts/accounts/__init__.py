"""The ``accounts`` service: citizen and agent accounts, sessions and FranceConnect links."""

# chassis first: importing it filters eventlet's deprecation banner, which the command line
# (python -m accounts.cli) would otherwise print when accounts.passwords imports eventlet.
import chassis  # noqa: F401
