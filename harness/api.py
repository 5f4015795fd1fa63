"""One account's view of a gateway over either transport, with tokens and order tracking.

``PulseApi.call(method, **params)`` looks the same to a test whether it travels over HTTP or WS,
which is what lets most suites run every check on both transports.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import PulseCallError
from harness.masking import register_secret
from harness.rest import RestClient
from harness.ws import WsClient, renewal_due

ORDER_ENTRY = {"private/buy", "private/sell", "private/edit"}


@dataclass(frozen=True)
class Credentials:
    name: str  # maker | taker
    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        register_secret(self.client_secret)

    def grant(self) -> dict:
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}


@dataclass
class OrderTracker:
    """Every order id the suite created, per account, so teardown cancels exactly those (and no others).

    With a ``journal`` (a file in the run directory) each id is also appended there as it is created, with its
    instrument, so the end-of-run sweep can cancel what a crashed or interrupted worker left (harness.sweep)."""

    created: dict[str, set[str]] = field(default_factory=dict)
    journal: Path | None = None

    def record(self, account: str, result: object) -> None:
        order = result.get("order") if isinstance(result, dict) else None
        if not isinstance(order, dict):
            return
        ids = {order.get("order_id"), *(order.get("oto_order_ids") or [])}
        ids = {i for i in ids if isinstance(i, str)} - self.created.get(account, set())
        self.created.setdefault(account, set()).update(ids)
        if self.journal and ids:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with open(self.journal, "a", encoding="utf-8") as handle:
                for order_id in sorted(ids):
                    handle.write(json.dumps({"account": account, "order_id": order_id,
                                             "instrument_name": order.get("instrument_name")}) + "\n")

    def observe(self, account: str, result: object) -> None:
        """Forget the orders a result shows closed (filled, cancelled, rejected: terminal states), so cleanup
        does not spend a request of the run's budget on each of them."""
        open_ids = self.created.get(account)
        if not open_ids:
            return
        for order in orders_in(result):
            if order.get("order_state") in CLOSED_STATES:
                open_ids.discard(order.get("order_id"))


CLOSED_STATES = {"filled", "cancelled", "rejected"}


def orders_in(result: object) -> list[dict]:
    """Every OrderConfirmation in a result: a list of orders, BuySellResponse.order, or a bare order."""
    if isinstance(result, list):
        return [entry for entry in result if isinstance(entry, dict) and "order_state" in entry]
    if isinstance(result, dict):
        if isinstance(result.get("order"), dict):
            return [result["order"]]
        if "order_state" in result:
            return [result]
    return []


class TokenManager:
    """Logs in with client_credentials on first use and refreshes before expiry (one per account and worker)."""

    def __init__(self, rest: RestClient, credentials: Credentials) -> None:
        self._rest, self.credentials = rest, credentials
        self._token: dict | None = None
        self._expires_at = 0.0

    def access_token(self) -> str:
        if self._token is None or time.monotonic() > self._expires_at:
            grant = self.credentials.grant()
            if self._token is not None:
                grant = {"grant_type": "refresh_token", "refresh_token": self._token["refresh_token"]}
            try:
                self._store(self._rest.call("public/auth", grant))
            except PulseCallError:
                self._store(self._rest.call("public/auth", self.credentials.grant()))
        return self._token["access_token"]

    def _store(self, token: dict) -> None:
        self._token = token
        self._expires_at = renewal_due(token)

    def invalidate(self) -> None:
        self._token = None


class PulseApi:
    """An authenticated caller for one account over one transport ("http" or "ws")."""

    def __init__(self, transport: str, rest: RestClient, tokens: TokenManager, tracker: OrderTracker,
                 ws: WsClient | None = None, lease: Callable[[str | None], WsClient] | None = None) -> None:
        """Over WS: ``ws`` a connection, or ``lease(account or None)`` one from a WsPool, taken at first use: an
        authenticated one of this account if the first use is a private call, else one that never logged in."""
        self.transport, self.rest, self.tokens, self.tracker = transport, rest, tokens, tracker
        self._ws, self._lease = ws, lease
        self.account = tokens.credentials.name

    @property
    def leased(self) -> WsClient | None:
        """The connection taken from the pool (None: none taken yet, or a connection given at construction)."""
        return self._ws if self._lease is not None else None

    @property
    def ws(self) -> WsClient | None:
        if self._ws is None and self._lease is not None:
            self._ws = self._lease(None)
        return self._ws

    def call(self, method: str, **params) -> object:
        result = self._call(method, params)
        if method in ORDER_ENTRY:
            self.tracker.record(self.account, result)
        self.tracker.observe(self.account, result)
        return result

    def _call(self, method: str, params: dict) -> object:
        private = method.startswith("private/")
        if self.transport == "http":
            return self.rest.call(method, params, token=self.tokens.access_token() if private else None)
        if self._ws is None and self._lease is not None:
            self._ws = self._lease(self.account if private else None)
        if private and time.monotonic() >= self._ws.authorised_until:  # renewed like the TokenManager's (80 %)
            self._ws.login(self.tokens.credentials.grant())
        return self._ws.call(method, params)

    def error_of(self, method: str, **params) -> PulseCallError:
        """The error a call must produce; fails the test if the gateway accepted it."""
        try:
            result = self.call(method, **params)
        except PulseCallError as error:
            return error
        raise AssertionError(f"{method} over {self.transport} was accepted but must be refused; result: {result!r}")
