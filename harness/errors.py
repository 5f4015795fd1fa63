"""What a failed call looks like to a test, whichever transport carried it."""

from dataclasses import dataclass

from harness.masking import masked_json

TOO_MANY_REQUESTS_STATUS = 7
TOO_MANY_REQUESTS_CODE = 10028


@dataclass
class PulseCallError(Exception):
    """The gateway answered with an error (HTTP 400 Message or a JSON-RPC error object)."""

    method: str
    transport: str
    status: int | None  # return_codes.CommonCodes, when the gateway gave one
    code: int | None  # JSON-RPC error code (WS only)
    message: str
    http_status: int | None = None
    payload: object = None

    def __str__(self) -> str:
        where = f"HTTP {self.http_status}" if self.transport == "http" else "JSON-RPC error"
        return (f"{self.method} over {self.transport} answered {where}: code={self.code} status={self.status} "
                f"message={self.message!r}\npayload: {masked_json(self.payload)}")

    @property
    def rate_limited(self) -> bool:
        return self.status == TOO_MANY_REQUESTS_STATUS or self.code == TOO_MANY_REQUESTS_CODE


def refused_for_rate(http_status: int, body: object) -> bool:
    """An HTTP answer that refuses the request for the gateway's rate: 400 with connection.Message status 7
    (too_many_requests, I-303). The request was not executed: a careful client sends it again after a backoff."""
    return http_status == 400 and isinstance(body, dict) and body.get("status") == TOO_MANY_REQUESTS_STATUS


class GatewayUnreachable(Exception):
    """The gateway did not answer in time, dropped the connection or sent something that is not JSON."""
