"""Pooled RPC client: how the gateway asks a nameko service and waits for the answer.

A nameko standalone proxy is single-threaded, and opening one per request is slow and leaves
reply queues behind. So each process keeps a small LIFO pool of started
``ClusterRpcProxy`` objects: a thread checks one out for a call, puts it back when the service
answered (even with an error), and drops it on a transport failure. The pool is rebuilt in a
forked child, because AMQP sockets must not be shared between processes. Nothing connects
before the first call.

Every call's first argument, the caller dict a view built, is signed here and nowhere else
(``contracts.signed_caller``): the token names the service, the method and the request's
correlation id, and expires after a minute. Services verify it before believing it.

    rpc = current_app.extensions["rpc"]
    report = rpc.call("requests", "submit_report", caller, payload)
"""

from __future__ import annotations

import importlib.util
import logging
import os
import queue
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from amqp.exceptions import AMQPError
from flask import Flask, g, has_app_context
from kombu.exceptions import KombuError

from contracts import signed_caller
from contracts.errors import PortalError
from gateway.availability import ServiceConsumers
from gateway.errors import ServiceUnavailable

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

if importlib.util.find_spec("librabbitmq") is None:
    # kombu asks whether the optional C client is importable for every Connection object,
    # and nameko's publisher makes one per call: each failed import searched the whole
    # sys.path again (about a tenth of the gateway's CPU per RPC). Record it as absent once.
    sys.modules["librabbitmq"] = None  # type: ignore[assignment]

from nameko.exceptions import BadRequest, RemoteError, RpcTimeout, UnknownService  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from contracts.publishing import use_kept_publishers  # noqa: E402

use_kept_publishers()  # RPC requests on kept connections, not a Connection object per call

log = logging.getLogger("gateway.rpc")

ANSWERED = (PortalError, RemoteError, BadRequest)
"""The service replied: the proxy is healthy and goes back to the pool."""

UNAVAILABLE = (
    RemoteError,
    BadRequest,
    UnknownService,
    RpcTimeout,
    OSError,
    AMQPError,
    KombuError,
    RuntimeError,
)
"""Failures shown to people as 'service unavailable' (RuntimeError: nameko's lost consumer)."""


class PoolExhausted(RuntimeError):
    """Every proxy stayed busy for longer than the RPC timeout."""


class ProxyPool:
    """At most ``size`` started proxies for this process, handed out one per checkout."""

    def __init__(self, factory: Callable[[], Any], size: int, wait: float) -> None:
        self._factory = factory
        self._size = size
        self._wait = wait
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self._size)

    @contextmanager
    def checkout(self) -> Iterator[Any]:
        """Lend a started proxy; keep it if the service answered, drop it otherwise."""
        if os.getpid() != self._pid:
            self._reset()
        if not self._slots.acquire(timeout=self._wait):
            raise PoolExhausted(f"no proxy free after {self._wait}s")
        try:
            runner, proxy = self._take()
            try:
                yield proxy
            except ANSWERED:
                self._idle.put((runner, proxy))
                raise
            except BaseException:
                _stop_quietly(runner)
                raise
            self._idle.put((runner, proxy))
        finally:
            self._slots.release()

    def _take(self) -> tuple[Any, Any]:
        """The most recently used idle proxy (its connection is the freshest), or a new one."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        runner = self._factory()
        try:
            return runner, runner.start()
        except BaseException:
            _stop_quietly(runner)
            raise

    def idle_count(self) -> int:
        return self._idle.qsize()

    def close(self) -> None:
        """Stop the idle proxies of this process (tests, clean shutdown)."""
        if os.getpid() != self._pid:
            self._reset()
            return
        while True:
            try:
                runner, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            _stop_quietly(runner)


class RpcClient:
    """Flask extension: ``call(service, method, *args, timeout=None)`` over pooled proxies.

    Before a call, ``consumers`` (:class:`gateway.availability.ServiceConsumers`) says whether
    any replica of the service listens; when none does, the call fails at once with
    :class:`ServiceUnavailable` instead of waiting for the RPC timeout. Tests that give a fake
    ``proxy_factory`` have no broker to ask, and skip that check unless they give ``consumers``.
    """

    def __init__(
        self,
        app: Flask | None = None,
        proxy_factory: Callable | None = None,
        consumers: ServiceConsumers | None = None,
    ) -> None:
        self._proxy_factory = proxy_factory or _cluster_proxy
        self._consumers = consumers
        self._pools: dict[float, ProxyPool] = {}
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        self._amqp_config = {"AMQP_URI": app.config["AMQP_URI"]}
        self._timeout = float(app.config["RPC_TIMEOUT"])
        self._size = int(app.config["RPC_POOL_SIZE"])
        if self._consumers is None and self._proxy_factory is _cluster_proxy:
            self._consumers = ServiceConsumers(
                app.config["AMQP_URI"], app.config.get("READY_TIMEOUT", 2.0)
            )
        key = app.config["CALLER_SIGNING_KEY"]
        self._key = signed_caller.load_signing_key(key) if isinstance(key, str) else key
        app.extensions["rpc"] = self

    def broker_reachable(self) -> bool:
        """The gateway's own readiness: RabbitMQ answers (True when there is no broker to ask)."""
        return self._consumers is None or self._consumers.broker_reachable()

    def call(self, service: str, method: str, *args: Any, timeout: float | None = None) -> Any:
        """Call ``service.method(*args)``; contracts errors pass through, the rest is 503.

        A dict first argument is the caller: it leaves signed for this service and method.
        """
        correlation_id = current_correlation_id()
        if args and isinstance(args[0], Mapping):
            token = signed_caller.sign(
                args[0], self._key, service=service, method=method, correlation_id=correlation_id
            )
            args = (token, *args[1:])
        if self._consumers is not None and not self._consumers.listening(service):
            log.warning("rpc %s.%s not sent: no replica of %s listens", service, method, service)
            raise ServiceUnavailable(f"{service}.{method}")
        try:
            with self._pool(timeout or self._timeout).checkout() as proxy:
                bind_context(proxy, correlation_id)
                return getattr(proxy[service], method)(*args)
        except PortalError:
            raise
        except (*UNAVAILABLE, PoolExhausted) as exc:
            log.warning("rpc %s.%s failed: %s: %s", service, method, type(exc).__name__, exc)
            raise ServiceUnavailable(f"{service}.{method}") from exc

    def _pool(self, timeout: float) -> ProxyPool:
        with self._lock:
            pool = self._pools.get(timeout)
            if pool is None:
                factory = _bound_factory(self._proxy_factory, self._amqp_config, timeout)
                pool = self._pools[timeout] = ProxyPool(factory, self._size, self._timeout)
            return pool

    def close(self) -> None:
        for pool in list(self._pools.values()):
            pool.close()
        if self._consumers is not None:
            self._consumers.close()


def bind_context(proxy: Any, correlation_id: str) -> None:
    """Give this checkout's calls the request's correlation id and a fresh nameko call id.

    nameko 2.14.1 keeps a standalone proxy's context data on its worker context, and caches
    the call id stack there; a pooled proxy would otherwise reuse both across requests.
    """
    ctx = proxy._worker_ctx
    ctx.data["correlation_id"] = correlation_id
    ctx._call_id = None
    ctx._call_id_stack = None


def current_correlation_id() -> str:
    """The request's correlation id, or a new one outside a request."""
    if has_app_context() and g.get("correlation_id"):
        return g.correlation_id
    return str(uuid.uuid4())


def _cluster_proxy(config: dict, timeout: float) -> ClusterRpcProxy:
    return ClusterRpcProxy(config, timeout=timeout)


def _bound_factory(factory: Callable, config: dict, timeout: float) -> Callable[[], Any]:
    return lambda: factory(dict(config), timeout)


def _stop_quietly(runner: Any) -> None:
    """Stop a proxy we give up on; its connection may already be dead."""
    try:
        runner.stop()
    except Exception as exc:  # a broken proxy may fail in any way while closing
        log.debug("ignoring error while stopping a proxy: %r", exc)
