"""The gateway core: method table, authentication of calls, rate limits, subscriptions and timers.

Transports (``http.py``, ``ws.py``) turn wire messages into ``Gateway.call`` and back.
"""

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reference_gateway.auth import Authenticator, Identity
from reference_gateway.clock import Clock
from reference_gateway.engine.exchange import Exchange
from reference_gateway.engine.queries import Queries
from reference_gateway.errors import (
    FORBIDDEN,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    TOO_MANY_REQUESTS,
    PulseError,
)
from reference_gateway.params import ENVELOPE_METHODS, METHOD_PARAMS, validate

VERSION = "pulse-refgw 0.1.0"
OK_MESSAGE = {"description": "ok", "response": None, "status": 200}
HEARTBEAT_TRADE_PERIOD_MS = 10_000
ENVELOPE_MEMBERS = {"id", "jsonrpc", "method", "params"}

PUBLIC_CHANNELS = {
    "book": re.compile(r"^book\.(?P<instrument>[^.]+)\.raw$"),
    "deribit_price_index": re.compile(r"^deribit_price_index\.(?P<index>[a-z_]+)$"),
    "funding_payments": re.compile(r"^funding_payments\.(?P<instrument>[^.]+)$"),
    "funding_prices": re.compile(r"^funding_prices\.(?P<instrument>[^.]+)$"),
    "funding_rates": re.compile(r"^funding_rates\.(?P<instrument>[^.]+)$"),
    "heartbeat_trade": re.compile(r"^heartbeat_trade$"),
    "quote": re.compile(r"^quote\.(?P<instrument>[^.]+)$"),
    "settlement_prices": re.compile(r"^settlement_prices\.(?P<index>[a-z_]+)$"),
}
PRIVATE_CHANNELS = {
    "user.changes": re.compile(r"^user\.changes\.(?P<instrument>[^.]+)\.raw$"),
    "user.mmp_trigger": re.compile(r"^user\.mmp_trigger\.(?P<index>[a-z_]+)$"),
    "user.orders": re.compile(r"^user\.orders\.(?P<instrument>[^.]+)\.raw$"),
    "user.trades": re.compile(r"^user\.trades\.(?P<instrument>[^.]+)\.raw$"),
    "user_fee": re.compile(r"^user_fee$"),
}


@dataclass
class Session:
    """One WebSocket connection's state."""

    session_id: str
    send: Callable[[dict], None]
    close: Callable[[int, str], None]
    identity: Identity | None = None
    access_token: str | None = None
    cancel_on_disconnect: bool = False
    logged_out: bool = False
    heartbeat_interval_ms: int | None = None
    heartbeat_due_ms: int = 0
    test_request_pending: bool = False
    client_spoke: bool = False
    channels: set[str] = field(default_factory=set)


@dataclass
class CallContext:
    transport: str  # "http" | "ws"
    rate_key: str
    bearer: str | None = None
    session: Session | None = None
    after_reply: list[Callable[[], None]] = field(default_factory=list)


class RateLimiter:
    """A token bucket per caller (register I-xx: too_many_requests)."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


class Gateway:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.limits = config["limits"]
        self.clock = Clock()
        self.auth = Authenticator(config["accounts"], self.clock, self.limits)
        self.exchange = Exchange(config, self.clock, self.publish)
        self.queries = Queries(self.exchange)
        self.rate_limiter = RateLimiter(self.limits["requests_per_second"], self.limits["request_burst"])
        self.sessions: dict[str, Session] = {}
        self.account_cod: set[str] = set()
        self.active_faults: list[str] = []
        # Hooks the fault catalogue uses to distort what goes out on the wire.
        self.result_hooks: list[Callable[[str, object], object]] = []
        self.notification_hooks: list[Callable[[str, dict], dict | None]] = []
        self.reply_hooks: list[Callable[[dict, dict], dict]] = []
        # Hooks the deviation catalogue (reference_gateway/deviations.py) uses: work on every timer tick (other
        # firms trading, a moving index) and the delay before a request is handled (network latency).
        self.active_deviations: list[str] = []
        self.timer_hooks: list[Callable[[], None]] = []
        self.request_delay_s: Callable[[], float] = lambda: 0.0
        now = self.clock.now_ms()
        self._funding_period = self.queries.funding_period_ms
        self._funding_hour = now - now % self._funding_period
        self._heartbeat_trade_due = now + HEARTBEAT_TRADE_PERIOD_MS
        self.methods: dict[str, tuple[Callable, bool]] = build_method_table(self)

    # ------------------------------------------------------------------ calls
    def call(self, method: str, raw_params: object, ctx: CallContext) -> object:
        entry = self.methods.get(method)
        if entry is None:
            raise PulseError(METHOD_NOT_FOUND, f"method {method!r} does not exist")
        handler, private = entry
        if not self.rate_limiter.allow(ctx.rate_key):
            raise PulseError(TOO_MANY_REQUESTS, "request rate limit exceeded; back off and retry")
        params = validate(METHOD_PARAMS[method], raw_params)
        identity = self.authenticate(ctx, raw_params) if private else None
        result = handler(ctx, identity, params)
        for hook in self.result_hooks:
            result = hook(method, result)
        return result

    def authenticate(self, ctx: CallContext, raw_params: object) -> Identity:
        token = ctx.bearer
        if ctx.transport == "ws":
            explicit = raw_params.get("access_token") if isinstance(raw_params, dict) else None
            token = explicit if isinstance(explicit, str) else ctx.session.access_token
        return self.private_method_identity(token)

    def private_method_identity(self, token: str | None) -> Identity:
        return self.auth.verify_access(token)

    def http_envelope_params(self, method: str, body: object) -> object:
        """The params of an HTTP request body (register I-02, I-130)."""
        if method not in ENVELOPE_METHODS:
            return {} if body is None else body
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise PulseError(INVALID_REQUEST, "the body must be a JSON-RPC envelope object")
        if "jsonrpc" in body and body["jsonrpc"] != "2.0":
            raise PulseError(INVALID_REQUEST, f"jsonrpc must be '2.0', received {body['jsonrpc']!r}")
        if "id" in body and (isinstance(body["id"], bool) or not isinstance(body["id"], int)):
            raise PulseError(INVALID_REQUEST, f"id must be an integer, received {body['id']!r}")
        if "method" in body and not isinstance(body["method"], str):
            raise PulseError(INVALID_REQUEST, "method must be a string")
        strangers = sorted(set(body) - ENVELOPE_MEMBERS)
        if strangers:  # bare params sent without the envelope: never drop them silently (I-130)
            raise PulseError(INVALID_REQUEST, f"unknown envelope members {strangers}; put the parameters in 'params'")
        if body.get("params") is not None and not isinstance(body["params"], dict):
            raise PulseError(INVALID_PARAMS, "params must be an object")
        return body.get("params") or {}

    # ------------------------------------------------------------------ sessions
    def open_session(self, session: Session) -> None:
        self.sessions[session.session_id] = session

    def close_session(self, session: Session) -> None:
        self.sessions.pop(session.session_id, None)
        if session.logged_out:
            return  # logout never fires cancel-on-disconnect (I-13)
        if session.cancel_on_disconnect:
            self.exchange.cancel_connection_orders(session.session_id)
        if session.identity and session.identity.account_id in self.account_cod:
            self.exchange.cancel_account_orders(session.identity.account_id, "cancel_on_disconnect")

    def client_message(self, session: Session) -> None:
        session.client_spoke = True
        session.test_request_pending = False

    # ------------------------------------------------------------------ publication
    def publish(self, channel: str, data: object, account_id: str | None) -> None:
        for hook in self.notification_hooks:
            data = hook(channel, data)
            if data is None:
                return
        for session in list(self.sessions.values()):
            if channel not in session.channels:
                continue
            if account_id is not None and (session.identity is None or session.identity.account_id != account_id):
                continue
            self.notify(session, channel, data)

    def notify(self, session: Session, channel: str, data: object) -> None:
        session.send({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}})

    def subscribe(self, ctx: CallContext, identity: Identity | None, channels: list[str], private: bool) -> str:
        if ctx.session is None:
            raise PulseError(METHOD_NOT_FOUND, "subscriptions are available on the WebSocket only")
        parsed = [self.parse_channel(channel) for channel in channels]
        for channel, (_, is_private, _) in zip(channels, parsed, strict=True):
            if is_private != private:
                kind = "private" if is_private else "public"
                raise PulseError(FORBIDDEN, f"{channel} is a {kind} channel; use {kind}/subscribe")
        if len(ctx.session.channels | set(channels)) > self.limits["max_subscriptions"]:
            raise PulseError(INVALID_PARAMS, "too many subscriptions on this connection")
        ctx.session.identity = identity or ctx.session.identity
        for channel, (family, _, match) in zip(channels, parsed, strict=True):
            new = channel not in ctx.session.channels
            ctx.session.channels.add(channel)
            if new:
                ctx.after_reply.append(
                    lambda c=channel, f=family, m=match: self._initial_notification(ctx.session, c, f, m))
        return "ok"

    def parse_channel(self, channel: str) -> tuple[str, bool, re.Match]:
        for is_private, table in ((False, PUBLIC_CHANNELS), (True, PRIVATE_CHANNELS)):
            for family, pattern in table.items():
                match = pattern.match(channel)
                if match:
                    self._check_channel_target(channel, match)
                    return family, is_private, match
        raise PulseError(INVALID_PARAMS, f"unknown or malformed channel {channel!r}")

    def _check_channel_target(self, channel: str, match: re.Match) -> None:
        target = match.groupdict()
        if "instrument" in target and target["instrument"] not in self.exchange.instruments:
            raise PulseError(INVALID_PARAMS, f"{channel}: unknown instrument {target['instrument']!r}")
        if "index" in target and target["index"] not in self.exchange.index_prices:
            raise PulseError(INVALID_PARAMS, f"{channel}: unknown index {target['index']!r}")
        if channel.startswith("funding_") and not target["instrument"].endswith("PERPETUAL"):
            raise PulseError(INVALID_PARAMS, f"{channel}: funding channels exist for perpetuals only")

    def _initial_notification(self, session: Session, channel: str, family: str, match: re.Match) -> None:
        """What a new subscriber receives at once (register I-45)."""
        target = match.groupdict()
        x = self.exchange
        data: object = None
        if family == "book":
            data = x.book_snapshot(target["instrument"])
        elif family == "quote":
            data = x.quote(target["instrument"])
        elif family == "deribit_price_index":
            data = x.price_index_data(target["index"])
        elif family == "settlement_prices":
            data = self.queries.settlement_price(target["index"])
        elif family.startswith("funding_"):
            data = self.queries.funding_notifications(target["instrument"], self._funding_hour - self._funding_period)[family]
        elif family == "heartbeat_trade":
            data = {"status_trade": "active"}
        elif family == "user_fee":
            data = x.user_fee(session.identity.account_id)
        if data is not None:
            for hook in self.notification_hooks:
                data = hook(channel, data)
                if data is None:
                    return
            self.notify(session, channel, data)

    def unsubscribe_all(self, ctx: CallContext) -> dict:
        if ctx.session is None:
            raise PulseError(METHOD_NOT_FOUND, "subscriptions are available on the WebSocket only")
        ctx.session.channels.clear()
        return dict(OK_MESSAGE)

    # ------------------------------------------------------------------ timers
    def tick(self) -> None:
        """Run everything that is due on the gateway clock; called every few tens of ms."""
        now = self.clock.now_ms()
        self.exchange.tick()
        hour = now - now % self._funding_period
        if hour > self._funding_hour:
            self._funding_hour = hour
            for name in self.exchange.instruments:
                if name.endswith("PERPETUAL"):
                    for family, data in self.queries.funding_notifications(name, hour - self._funding_period).items():
                        self.publish(f"{family}.{name}", data, None)
        if now >= self._heartbeat_trade_due:
            self._heartbeat_trade_due = now + HEARTBEAT_TRADE_PERIOD_MS
            self.publish("heartbeat_trade", {"status_trade": "active"}, None)
        for session in list(self.sessions.values()):
            self.heartbeat(session, now)
        for hook in self.timer_hooks:
            hook()

    def heartbeat(self, session: Session, now: int) -> None:
        """Heartbeat and test_request (register I-43)."""
        if session.heartbeat_interval_ms is None or now < session.heartbeat_due_ms:
            return
        session.heartbeat_due_ms = now + session.heartbeat_interval_ms
        if session.test_request_pending:
            session.close(4000, "heartbeat: test_request was not answered")
            return
        kind = "heartbeat" if session.client_spoke else "test_request"
        session.test_request_pending = kind == "test_request"
        session.client_spoke = False
        session.send({"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": kind}})

    async def run_timers(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # the timer must survive a bad tick; the error is printed for the operator
                print(f"pulse-refgw: timer error: {exc!r}", flush=True)
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.05)
            except TimeoutError:
                pass


def build_method_table(gw: Gateway) -> dict[str, tuple[Callable, bool]]:
    """method name -> (handler(ctx, identity, params), is_private)."""
    x, q = gw.exchange, gw.queries

    def account(handler):
        return lambda ctx, ident, p: handler(ident.account_id, p)

    def public(handler):
        return lambda ctx, ident, p: handler(p)

    def login(ctx, ident, p):
        result, identity = gw.auth.login(p)
        if ctx.session is not None:
            ctx.session.identity = identity
            ctx.session.access_token = result["access_token"]
        return result

    def set_heartbeat(ctx, ident, p):
        session = require_ws(ctx)
        session.heartbeat_interval_ms = p["interval"] * 1000
        session.heartbeat_due_ms = gw.clock.now_ms() + session.heartbeat_interval_ms
        session.test_request_pending = False
        return dict(OK_MESSAGE)

    def disable_heartbeat(ctx, ident, p):
        session = require_ws(ctx)
        session.heartbeat_interval_ms = None
        session.test_request_pending = False
        return dict(OK_MESSAGE)

    def cod_scope(ctx, p):
        return p.get("scope") or ("connection" if ctx.transport == "ws" else "account")

    def set_cod(enabled: bool):
        def handler(ctx, ident, p):
            if cod_scope(ctx, p) == "account":
                (gw.account_cod.add if enabled else gw.account_cod.discard)(ident.account_id)
            else:
                session = require_ws(ctx)
                session.cancel_on_disconnect = enabled
                session.identity = session.identity or ident
            return "ok"
        return handler

    def get_cod(ctx, ident, p):
        if cod_scope(ctx, p) == "account":
            return ident.account_id in gw.account_cod
        return require_ws(ctx).cancel_on_disconnect

    def logout(ctx, ident, p):
        session = require_ws(ctx)
        session.logged_out = True
        if p["invalidate_token"]:
            gw.auth.revoke_session(ident.session_id)
        session.close(1000, "logout")  # no response is sent (I-13): handle_ws_text sees logged_out

    def order(direction):
        return lambda ctx, ident, p: x.place_order(ident.account_id, direction, p, ctx.session.session_id if ctx.session else None)

    return {
        "public/auth": (login, False),
        "public/test": (lambda ctx, ident, p: {"version": VERSION}, False),
        "private/logout": (logout, True),
        "public/set_heartbeat": (set_heartbeat, False),
        "public/disable_heartbeat": (disable_heartbeat, False),
        "private/enable_cancel_on_disconnect": (set_cod(True), True),
        "private/disable_cancel_on_disconnect": (set_cod(False), True),
        "private/get_cancel_on_disconnect": (get_cod, True),
        "public/subscribe": (lambda ctx, ident, p: gw.subscribe(ctx, None, p["channels"], private=False), False),
        "private/subscribe": (lambda ctx, ident, p: gw.subscribe(ctx, ident, p["channels"], private=True), True),
        "public/unsubscribe_all": (lambda ctx, ident, p: gw.unsubscribe_all(ctx), False),
        "private/unsubscribe_all": (lambda ctx, ident, p: gw.unsubscribe_all(ctx), True),
        "private/get_instruments": (public(q.get_instruments), True),
        "private/get_tradingview_chart_data": (public(q.get_tradingview_chart_data), True),
        "public/get_delivery_prices": (public(q.get_delivery_prices), False),
        "public/get_funding_chart_data": (public(q.get_funding_chart_data), False),
        "public/get_funding_rate_history": (public(q.get_funding_rate_history), False),
        "public/get_index_price": (public(q.get_index_price), False),
        "public/last_trades_by_instrument": (public(q.last_trades_by_instrument), False),
        "private/buy": (order("buy"), True),
        "private/sell": (order("sell"), True),
        "private/edit": (account(x.edit), True),
        "private/cancel": (lambda ctx, ident, p: x.cancel(ident.account_id, p["order_id"]), True),
        "private/cancel_all": (lambda ctx, ident, p: x.cancel_all(ident.account_id), True),
        "private/cancel_all_by_instrument": (
            lambda ctx, ident, p: x.cancel_all_by_instrument(ident.account_id, p["instrument_name"], p["type"]), True),
        "private/get_mmp_config": (lambda ctx, ident, p: x.get_mmp_config(ident.account_id, p["index_name"]), True),
        "private/set_mmp_config": (account(x.set_mmp_config), True),
        "private/get_open_orders_by_instrument": (account(q.get_open_orders_by_instrument), True),
        "private/get_order_book": (public(q.get_order_book), True),
        "private/get_order_history_by_instrument": (account(q.get_order_history_by_instrument), True),
        "private/get_order_state": (account(q.get_order_state), True),
        "private/get_order_state_by_label": (account(q.get_order_state_by_label), True),
        "private/get_settlement_history_by_currency": (account(q.get_settlement_history_by_currency), True),
        "private/get_settlement_history_by_instrument": (account(q.get_settlement_history_by_instrument), True),
        "private/get_user_trades_by_instrument": (account(q.get_user_trades_by_instrument), True),
        "private/get_user_trades_by_order": (account(q.get_user_trades_by_order), True),
        "private/get_account_summary": (account(q.get_account_summary), True),
        "private/get_deposits": (account(q.get_deposits), True),
        "private/get_positions": (account(q.get_positions), True),
    }


def require_ws(ctx: CallContext) -> Session:
    if ctx.session is None:
        raise PulseError(METHOD_NOT_FOUND, "this method needs a WebSocket connection")
    return ctx.session
