"""The pooled RPC client, with fake proxies: checkout, return, drop on error, fork, errors.

A real broker is the integration tier's business; here the pool logic and the way the
correlation id is bound to nameko's worker context are checked without one.
"""

from __future__ import annotations

import sys
import threading

import pytest
from amqp.exceptions import ConnectionError as AmqpConnectionError
from flask import Flask, g
from nameko.exceptions import MethodNotFound, RemoteError, RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from contracts import signed_caller
from contracts.errors import Invalid
from gateway import rpc as rpc_module
from gateway.errors import ServiceUnavailable
from gateway.rpc import PoolExhausted, ProxyPool, RpcClient, bind_context


class FakeWorkerContext:
    def __init__(self) -> None:
        self.data: dict = {}
        self._call_id = "standalone_rpc_proxy.call.old"
        self._call_id_stack = ["standalone_rpc_proxy.call.old"]


class FakeService:
    def __init__(self, proxy: FakeProxy, name: str) -> None:
        self._proxy, self._name = proxy, name

    def __getattr__(self, method: str):
        def call(*args):
            self._proxy.seen.append((self._name, method, args, dict(self._proxy._worker_ctx.data)))
            outcome = self._proxy.outcomes.pop(0) if self._proxy.outcomes else "ok"
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        return call


class FakeProxy:
    """What ``ClusterRpcProxy.start()`` returns: services by item, a worker context."""

    def __init__(self, outcomes: list) -> None:
        self._worker_ctx = FakeWorkerContext()
        self.outcomes = outcomes
        self.seen: list = []

    def __getitem__(self, service: str) -> FakeService:
        return FakeService(self, service)


class FakeRunner:
    """Stands in for ``ClusterRpcProxy``: start() connects, stop() disconnects."""

    def __init__(self, factory: FakeFactory, timeout: float) -> None:
        self.factory, self.timeout = factory, timeout
        self.proxy = FakeProxy(factory.outcomes)
        self.stopped = False

    def start(self) -> FakeProxy:
        if self.factory.refuse_start:
            raise ConnectionRefusedError("broker down")
        return self.proxy

    def stop(self) -> None:
        self.stopped = True


class FakeFactory:
    def __init__(self) -> None:
        self.runners: list[FakeRunner] = []
        self.outcomes: list = []
        self.refuse_start = False

    def __call__(self, config: dict, timeout: float) -> FakeRunner:
        runner = FakeRunner(self, timeout)
        self.runners.append(runner)
        return runner


@pytest.fixture
def factory():
    return FakeFactory()


@pytest.fixture
def pool(factory):
    return ProxyPool(lambda: factory({}, 1.0), size=2, wait=0.05)


def test_returned_proxy_is_reused(pool, factory):
    with pool.checkout() as first:
        pass
    with pool.checkout() as second:
        pass
    assert first is second
    assert len(factory.runners) == 1


def test_pool_hands_out_the_most_recently_returned_proxy(pool, factory):
    with pool.checkout() as a, pool.checkout() as b:
        assert a is not b
    with pool.checkout() as again:
        assert again is a  # a was returned last (the with statement exits b first)
    assert pool.idle_count() == 2


@pytest.mark.parametrize(
    "error", [RpcTimeout(1.0), OSError("reset"), AmqpConnectionError("closed"), RuntimeError()]
)
def test_proxy_is_dropped_after_a_transport_error(pool, factory, error):
    with pytest.raises(type(error)), pool.checkout():
        raise error
    assert factory.runners[0].stopped
    with pool.checkout():
        pass
    assert len(factory.runners) == 2


@pytest.mark.parametrize(
    "error", [Invalid("Erreurs"), RemoteError("ValueError"), MethodNotFound("x")]
)
def test_proxy_is_kept_when_the_service_answered(pool, factory, error):
    with pytest.raises(type(error)), pool.checkout():
        raise error
    assert not factory.runners[0].stopped
    assert pool.idle_count() == 1


def test_pool_never_lends_more_than_its_size(pool):
    with pool.checkout(), pool.checkout(), pytest.raises(PoolExhausted), pool.checkout():
        pass
    with pool.checkout():
        pass


def test_waiting_thread_gets_the_proxy_when_it_is_returned(factory):
    pool = ProxyPool(lambda: factory({}, 1.0), size=1, wait=2.0)
    got = []
    with pool.checkout() as held:
        waiter = threading.Thread(target=lambda: got.append(pool.checkout().__enter__()))
        waiter.start()
        waiter.join(0.05)
        assert got == []
    waiter.join(2.0)
    assert got == [held]


def test_pool_is_rebuilt_in_a_forked_child(pool, factory, monkeypatch):
    with pool.checkout() as parent_proxy:
        pass
    monkeypatch.setattr(rpc_module.os, "getpid", lambda: -1)
    with pool.checkout() as child_proxy:
        pass
    assert child_proxy is not parent_proxy
    assert not factory.runners[0].stopped  # the parent's socket is not the child's to close
    assert pool.idle_count() == 1


def test_failed_start_frees_the_slot(factory):
    pool = ProxyPool(lambda: factory({}, 1.0), size=1, wait=0.05)
    factory.refuse_start = True
    with pytest.raises(ConnectionRefusedError), pool.checkout():
        pass
    assert factory.runners[0].stopped
    factory.refuse_start = False
    with pool.checkout():
        pass


SIGNING_KEY = signed_caller.generate_key()
VERIFY_KEYS = signed_caller.load_verify_keys(signed_caller.public_pem(SIGNING_KEY))


@pytest.fixture
def client_app(factory):
    app = Flask("test")
    app.config.update(AMQP_URI="amqp://x", RPC_TIMEOUT=5.0, RPC_POOL_SIZE=2)
    app.config["CALLER_SIGNING_KEY"] = signed_caller.private_pem(SIGNING_KEY)
    RpcClient(app, proxy_factory=factory)
    return app


def test_call_sends_the_request_correlation_id_and_a_fresh_call_id(client_app, factory):
    client = client_app.extensions["rpc"]
    with client_app.test_request_context():
        g.correlation_id = "req-1"
        assert client.call("requests", "get_report", {"roles": []}, 7) == "ok"
        g.correlation_id = "req-2"
        client.call("requests", "get_report", {"roles": []}, 8)
    proxy = factory.runners[0].proxy
    assert [s[3]["correlation_id"] for s in proxy.seen] == ["req-1", "req-2"]
    assert proxy.seen[0][:2] == ("requests", "get_report")
    assert proxy.seen[0][2][1] == 7
    assert proxy._worker_ctx._call_id is None and proxy._worker_ctx._call_id_stack is None
    assert factory.runners[0].timeout == 5.0


def test_the_caller_leaves_signed_for_one_service_method_and_request(client_app, factory):
    client = client_app.extensions["rpc"]
    agent = {"account_id": "7", "roles": ["agent_espace_public"], "family_id": None}
    with client_app.test_request_context():
        g.correlation_id = "req-9"
        client.call("requests", "get_report", agent, 7)
        client.call("requests", "ping")
    [(_, _, (token, report_id), context), (_, _, no_arguments, _)] = factory.runners[0].proxy.seen
    assert isinstance(token, str) and report_id == 7 and no_arguments == ()
    claims = signed_caller.verify(token, VERIFY_KEYS, service="requests", method="get_report")
    assert claims["caller"] == agent
    assert claims["cid"] == context["correlation_id"] == "req-9"


def test_call_with_a_short_timeout_uses_its_own_proxies(client_app, factory):
    client = client_app.extensions["rpc"]
    with client_app.app_context():
        client.call("requests", "ping")
        client.call("requests", "ping", timeout=2.0)
    assert [r.timeout for r in factory.runners] == [5.0, 2.0]


@pytest.mark.parametrize(
    "error",
    [RpcTimeout(5), MethodNotFound("ping"), UnknownService("requests"), RemoteError("KeyError"),
     OSError("refused"), AmqpConnectionError("closed")],
)  # fmt: skip
def test_transport_failures_become_service_unavailable(client_app, factory, error):
    factory.outcomes.append(error)
    with client_app.app_context(), pytest.raises(ServiceUnavailable):
        client_app.extensions["rpc"].call("requests", "ping")


def test_contract_errors_reach_the_view_unchanged(client_app, factory):
    factory.outcomes.append(Invalid("Erreurs", {"email": ["Adresse e-mail invalide."]}))
    with client_app.app_context(), pytest.raises(Invalid) as raised:
        client_app.extensions["rpc"].call("requests", "submit_report", {}, {})
    assert raised.value.fields == {"email": ["Adresse e-mail invalide."]}


def test_unreachable_broker_is_service_unavailable(client_app, factory):
    factory.refuse_start = True
    with client_app.app_context(), pytest.raises(ServiceUnavailable):
        client_app.extensions["rpc"].call("requests", "ping")


def test_binding_matches_nameko_standalone_proxy_internals():
    """nameko 2.14.1 reads context data from the worker context ``start()`` returns with."""
    standalone = ClusterRpcProxy({"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/"}, timeout=1)
    proxy = standalone._proxy  # what start() returns, without connecting
    bind_context(proxy, "req-42")
    headers = proxy._worker_ctx.context_data
    assert headers["correlation_id"] == "req-42"
    first_call_id = headers["call_id_stack"]
    bind_context(proxy, "req-43")
    assert proxy._worker_ctx.context_data["call_id_stack"] != first_call_id


class ImportSpy:
    """A meta path finder that only writes down which modules were looked for."""

    def __init__(self) -> None:
        self.looked_for: list[str] = []

    def find_spec(self, name, path=None, target=None):
        self.looked_for.append(name)
        return None


def test_kombu_connections_do_not_search_for_librabbitmq_each_time():
    """nameko's publisher makes a kombu Connection per call; the gateway must not pay a
    failed import of the absent C client for each one."""
    from kombu import Connection

    spy = ImportSpy()
    sys.meta_path.insert(0, spy)
    try:
        for _ in range(3):
            Connection("amqp://guest:guest@127.0.0.1:5672//")
    finally:
        sys.meta_path.remove(spy)
    assert "librabbitmq" not in spy.looked_for


def test_the_gateway_publishes_its_calls_on_kept_connections():
    """Importing the RPC client puts nameko's proxies on kept connections, not a kombu
    Connection object per call."""
    from nameko import rpc as nameko_rpc

    from contracts.publishing import KeptPublisher, ReplyPublisher

    assert rpc_module.ClusterRpcProxy is ClusterRpcProxy
    assert nameko_rpc.MethodProxy.publisher_cls is KeptPublisher
    assert nameko_rpc.MethodProxy.publisher_cls.use_confirms  # UnknownService needs them
    assert nameko_rpc.Responder.publisher_cls is ReplyPublisher
    assert not ReplyPublisher("memory://").use_confirms
