"""Pulse API v2.0 reference gateway: the suite's embedded default target.

It is the executable reading of the Pulse documentation (see ``spec/INTERPRETATIONS.md``).
The suites never import this package; they reach it over sockets like any other gateway.
"""

from reference_gateway.server import RunningGateway, start_gateway

__all__ = ["RunningGateway", "start_gateway"]
