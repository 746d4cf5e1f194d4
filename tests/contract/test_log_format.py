"""The gateway and the services write the same log line (contracts.logs), from one class."""

from contracts.logs import JsonFormatter


def test_the_gateway_and_the_services_use_this_formatter():
    from chassis.logging import JsonFormatter as ServiceFormatter
    from gateway.logs import JsonFormatter as GatewayFormatter

    assert GatewayFormatter is JsonFormatter
    assert issubclass(ServiceFormatter, JsonFormatter)
    assert ServiceFormatter.format is JsonFormatter.format
