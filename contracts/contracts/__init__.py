"""The shared language of the citizen portal.

Every payload that crosses a process boundary (RPC arguments and results, events) is defined
once here as a marshmallow schema, with a golden example under ``examples/`` that producer and
consumer tests both load. Error types live in :mod:`contracts.errors`.
"""
