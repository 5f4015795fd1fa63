"""The gateway's error catalogue: one name, one JSON-RPC code and one CommonCodes status each.

Register entries I-04 (CommonCodes meanings) and I-05 (JSON-RPC codes) define the numbers.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorKind:
    name: str
    jsonrpc_code: int
    status: int  # return_codes.CommonCodes, 1..13


INVALID_PARAMS = ErrorKind("invalid_params", -32602, 1)
UNAUTHORIZED = ErrorKind("unauthorized", 13009, 2)
FORBIDDEN = ErrorKind("forbidden", 13021, 3)
NOT_FOUND = ErrorKind("order_not_found", 10004, 4)
INVALID_INSTRUMENT = ErrorKind("invalid_or_unsupported_instrument", 10020, 5)
NOT_ENOUGH_FUNDS = ErrorKind("not_enough_funds", 10009, 6)
TOO_MANY_REQUESTS = ErrorKind("too_many_requests", 10028, 7)
NOT_OPEN_ORDER = ErrorKind("not_open_order", 11044, 8)
ORDER_REJECTED = ErrorKind("order_rejected", 11054, 9)
METHOD_NOT_FOUND = ErrorKind("method_not_found", -32601, 10)
INVALID_REQUEST = ErrorKind("invalid_request", -32600, 11)
PARSE_ERROR = ErrorKind("parse_error", -32700, 11)
INTERNAL_ERROR = ErrorKind("internal_error", 11050, 12)
INVALID_CREDENTIALS = ErrorKind("invalid_credentials", 13004, 13)


class PulseError(Exception):
    """A request the gateway refuses; it becomes a JSON-RPC error or an HTTP 400 Message."""

    def __init__(self, kind: ErrorKind, reason: str) -> None:
        super().__init__(f"{kind.name}: {reason}")
        self.kind = kind
        self.reason = reason

    def jsonrpc_error(self) -> dict:
        return {
            "code": self.kind.jsonrpc_code,
            "message": self.kind.name,
            "data": {"reason": self.reason, "status": self.kind.status},
        }

    def http_message(self) -> dict:
        return {"description": f"{self.kind.name}: {self.reason}", "response": None, "status": self.kind.status}
