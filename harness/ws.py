"""JSON-RPC over WebSocket: a synchronous client with its own I/O thread.

- id correlation, so several requests can be in flight;
- one bounded queue per subscription channel, read with bounded waits;
- heartbeat handling: a ``test_request`` is answered with ``public/test`` unless a test switches it off;
- every wait has a timeout and ends in a readable error naming what did not arrive.
"""

import asyncio
import itertools
import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import websockets
from websockets.asyncio.client import ClientConnection, connect

from harness import invariants
from harness.errors import GatewayUnreachable, PulseCallError
from harness.masking import register_received, register_sent
from harness.pacing import Pacer, request_timeout, resend_while_rate_limited

Exchange = Callable[[dict], None]
CHANNEL_QUEUE_LIMIT = 10_000


def call_error(method: str, reply: dict) -> PulseCallError:
    """The PulseCallError of a JSON-RPC error reply (its code, and the Pulse status in ``error.data`` if any)."""
    error = reply["error"] if isinstance(reply["error"], dict) else {}
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    return PulseCallError(method, "ws", data.get("status"), error.get("code"), str(error.get("message")), payload=reply)


class WsClient:
    def __init__(self, url: str, *, timeout: float = 10.0, answer_test_requests: bool = True,
                 pacer: Pacer | None = None, on_exchange: Exchange | None = None, max_size: int = 2 ** 22) -> None:
        self.url = url
        self.timeout = timeout
        self.answer_test_requests = answer_test_requests
        self.pacer = self._pacer = pacer or Pacer()
        self._on_exchange = on_exchange
        self._max_size = max_size
        self._ids = itertools.count(1)
        self._pending: dict[object, Future] = {}
        self._channels: dict[str, queue.Queue] = {}
        self._channels_lock = threading.Lock()
        self._overflowed: set[str] = set()
        self.heartbeats: queue.Queue = queue.Queue()
        self.unmatched: queue.Queue = queue.Queue()  # replies whose id matches no request (e.g. id null)
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._closed = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name=f"ws-client {url}")
        self._connection: ClientConnection | None = None
        self.invariants = invariants.memory_for(url)  # results and notifications read are checked (spec/invariants.toml)
        # What the connection was used for, so that WsPool hands it to another test only if nothing of a test can
        # outlive the test on it (see reusable()); and its own login (PulseApi renews it at 80 % of expires_in).
        self.methods_sent: set[str] = set()
        self.raw_sent = self.timed_out = False
        self.authorised_until = 0.0
        self.pool_epoch: object = None  # WsPool: the control-plane epoch it connected in

    # ------------------------------------------------------------------ lifecycle
    def connect(self) -> "WsClient":
        self._thread.start()
        try:
            self._run(self._open(), self.timeout)
        except Exception as exc:
            self._stop_loop()
            raise GatewayUnreachable(f"WebSocket {self.url}: could not connect ({exc!r})") from None
        return self

    async def _open(self) -> None:
        self._connection = await connect(self.url, max_size=self._max_size, open_timeout=self.timeout,
                                         ping_interval=None, close_timeout=2)
        self._reader = asyncio.ensure_future(self._read())

    def close(self) -> None:
        if self._thread.is_alive():
            try:
                self._run(self._close(), 5)
            except Exception:  # already gone: nothing to release but the loop
                pass
            self._stop_loop()

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> "WsClient":
        return self.connect()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _run(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # ------------------------------------------------------------------ reading
    async def _read(self) -> None:
        try:
            async for frame in self._connection:
                self._route(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self._connection.close_code
            self.close_reason = self._connection.close_reason
            self._closed.set()
            for future in list(self._pending.values()):
                if not future.done():
                    future.set_exception(GatewayUnreachable(
                        f"connection closed before the reply (code={self.close_code}, reason={self.close_reason!r})"))

    def _route(self, frame: str | bytes) -> None:
        try:
            message = json.loads(frame)
        except ValueError:
            self.unmatched.put({"unparseable_frame": frame if isinstance(frame, str) else repr(frame)})
            return
        if not isinstance(message, dict):
            self.unmatched.put({"unexpected_frame": message})
            return
        if message.get("method") == "subscription":
            params = message.get("params") or {}
            if not self._full(params):
                self._queue(str(params.get("channel"))).put_nowait(params.get("data"))
            return
        if message.get("method") == "heartbeat":
            self.heartbeats.put(message)
            if self.answer_test_requests and (message.get("params") or {}).get("type") == "test_request":
                asyncio.ensure_future(self._send_text(json.dumps(
                    {"jsonrpc": "2.0", "id": f"hb-{next(self._ids)}", "method": "public/test", "params": {}})))
            return
        future = self._pending.pop(message.get("id"), None) if isinstance(message.get("id"), (int, str)) else None
        if future is None:
            if not str(message.get("id", "")).startswith("hb-"):
                self.unmatched.put(message)
            return
        if getattr(future, "method", None) == "public/auth":
            register_received(message)  # before anyone (a report attachment) sees the reply
        future.set_result(message)

    def _full(self, params: dict) -> bool:
        channel = str(params.get("channel"))
        if self._queue(channel).qsize() >= CHANNEL_QUEUE_LIMIT:
            self._overflowed.add(channel)
            return True
        return False

    def _queue(self, channel: str) -> queue.Queue:
        # The I/O thread and the test thread both ask for a channel's queue; two of them must never exist
        # (found by a random-order run: the notification went into a queue nobody waited on).
        with self._channels_lock:
            if channel not in self._channels:
                self._channels[channel] = queue.Queue()
            return self._channels[channel]

    # ------------------------------------------------------------------ writing
    async def _send_text(self, text: str) -> None:
        await self._connection.send(text)

    def send_raw(self, text: str | bytes) -> None:
        """Send one frame exactly as given (malformed JSON, oversize payloads, binary...)."""
        self.raw_sent = True
        self._run(self._connection.send(text), self.timeout)

    def send_fragmented(self, fragments: Iterable[str]) -> None:
        """Send one message split across several WebSocket frames."""
        self.raw_sent = True
        self._run(self._connection.send(list(fragments)), self.timeout)

    def request(self, method: str, params: dict | None = None, *, request_id: object = None,
                timeout: float | None = None, cleanup: bool = False) -> dict:
        """Send one JSON-RPC request and return the whole reply object (result or error)."""
        future = self.submit(method, params, request_id=request_id, cleanup=cleanup)
        return self.wait(future, method, timeout)

    def submit(self, method: str, params: dict | None = None, *, request_id: object = None,
               cleanup: bool = False) -> Future:
        """Send without waiting; ``wait`` collects the reply. Several requests may be in flight.
        ``cleanup=True`` marks a cleanup request (may use the budget's reserve; see harness.pacing)."""
        request_id = next(self._ids) if request_id is None else request_id
        self.methods_sent.add(method)
        register_sent(params)
        self._pacer.wait(cleanup=cleanup)
        future: Future = Future()
        future.request_id, future.method = request_id, method
        self._pending[request_id] = future
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        started = time.monotonic()
        try:
            self._run(self._send_text(json.dumps(message)), self.timeout)
        except Exception as exc:
            self._pending.pop(request_id, None)
            raise GatewayUnreachable(f"{method}: could not send over WebSocket ({exc!r})") from None
        if self._on_exchange:
            future.add_done_callback(lambda f: self._on_exchange({
                "transport": "ws", "method": method, "request": message,
                "response": f.result() if not f.exception() else repr(f.exception()),
                "elapsed_ms": round((time.monotonic() - started) * 1000, 1)}))
        return future

    def wait(self, future: Future, method: str, timeout: float | None = None) -> dict:
        timeout = request_timeout(self.timeout if timeout is None else timeout)
        try:
            return future.result(timeout)
        except FutureTimeout:
            self.timed_out = True  # its reply may still arrive: the connection is not handed to another test
            self._pending.pop(getattr(future, "request_id", None), None)
            raise GatewayUnreachable(f"{method}: no JSON-RPC reply within {timeout}s "
                                     f"(id={getattr(future, 'request_id', None)!r})") from None

    def call(self, method: str, params: dict | None = None, *, timeout: float | None = None,
             cleanup: bool = False) -> object:
        """The result, or PulseCallError for a JSON-RPC error object; too_many_requests is retried like over HTTP
        (``harness.pacing.resend_while_rate_limited``: at most 4 attempts, exponential backoff, each attempt paced
        and counted against the budget; safe for order entry, the refused request was not executed). Deribit's
        "Rate Limits" article: https://support.deribit.com/hc/en-us/articles/25944617523357-Rate-Limits.
        """
        reply = resend_while_rate_limited(lambda: self.request(method, params, timeout=timeout, cleanup=cleanup),
                                          lambda answer: "error" in answer and call_error(method, answer).rate_limited)
        if "error" in reply:
            raise call_error(method, reply)
        invariants.check_result(method, params or {}, reply.get("result"), self.invariants)
        return reply.get("result")

    def login(self, grant: dict) -> object:
        """The connection's own ``public/auth`` (PulseApi's): remembered in ``authorised_until``; unlike a test's own
        public/auth call it leaves the connection reusable (WsPool keeps it for the same account)."""
        own = "public/auth" not in self.methods_sent
        result = self.call("public/auth", grant)
        if own:
            self.methods_sent.discard("public/auth")
        self.authorised_until = renewal_due(result)
        return result

    def reusable(self) -> bool:
        """True if another test may use this connection as if it were new: it is open, every request on it was a
        method without connection-scope state (not a subscription, heartbeat, cancel-on-disconnect, login, logout
        or token method, and a documented method), no raw frame was sent, every reply arrived, and nothing
        unread waits on it (a notification, a heartbeat, an unmatched reply)."""
        return (not self.closed and not self.raw_sent and not self.timed_out and not self._pending
                and not self._channels and self.heartbeats.empty() and self.unmatched.empty()
                and self.answer_test_requests and all(map(stateless_method, self.methods_sent)))

    # ------------------------------------------------------------------ notifications
    def next_notification(self, channel: str, timeout: float | None = None) -> object:
        timeout = self.timeout if timeout is None else timeout
        try:
            data = self._queue(channel).get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no notification on {channel} within {timeout}s") from None
        return self._checked(channel, [data])[0]

    def notifications_within(self, channel: str, seconds: float) -> list:
        """Everything that arrives on ``channel`` during ``seconds`` (for 'nothing arrives' checks)."""
        deadline = time.monotonic() + seconds
        received = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                received.append(self._queue(channel).get(timeout=left))
            except queue.Empty:
                break
        return self._checked(channel, received)

    def drain(self, channel: str) -> list:
        received = []
        while True:
            try:
                received.append(self._queue(channel).get_nowait())
            except queue.Empty:
                return self._checked(channel, received)

    def _checked(self, channel: str, notifications: list) -> list:
        """Every notification a test reads passes through here: its invariants run in the test's thread."""
        for data in notifications:
            invariants.check_notification(channel, data, self.invariants)
        return notifications

    def overflowed(self, channel: str) -> bool:
        return channel in self._overflowed

    def wait_closed(self, timeout: float | None = None) -> bool:
        return self._closed.wait(self.timeout if timeout is None else timeout)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()


# Deribit's connection-scope methods: their effect lasts as long as the connection (who it is, its subscriptions,
# heartbeat, cancel-on-disconnect), so a connection that sent one is not handed to another test.
CONNECTION_SCOPE = re.compile(r"auth|token|logout|hello|heartbeat|subscribe|cancel_on_disconnect")


def stateless_method(method: str) -> bool:
    """A documented JSON-RPC method without connection-scope state (an unknown method: treated as stateful)."""
    from harness.schema import jsonrpc_methods

    return method in jsonrpc_methods() and not CONNECTION_SCOPE.search(method)


class WsPool:
    """Idle WS connections of one worker, handed to the next test that asks (issue #18: a new connection and a
    ``public/auth`` per WS test cost ~9 ms of the suite's CPU each, and a request of a shared budget).

    A connection goes back only if ``WsClient.reusable()``; otherwise it is closed as before. A test that asks for
    an unauthenticated connection gets one that never logged in (a public call, or a subscription test, sees a
    connection as a new one would be); one that asks for an account's authenticated connection gets one that
    logged in as that account and whose login is still current, else an unauthenticated one (PulseApi logs it in).
    Connections idle longer than ``max_idle`` are closed rather than reused (a gateway may close idle ones), and so
    is every idle one once ``epoch()`` changes (the local control plane moved the gateway's clock: logins expire)."""

    def __init__(self, connect: Callable[[], WsClient], *, max_idle: float = 30.0, keep: int = 2,
                 epoch: Callable[[], object] = lambda: None) -> None:
        self._connect, self.max_idle, self.keep, self._epoch = connect, max_idle, keep, epoch
        self._idle_epoch = epoch()
        self._idle: dict[str | None, list[tuple[float, WsClient]]] = {}  # account (None: never logged in) -> idle
        self.connections = self.reuses = 0  # how often it had to connect, and reused (tests/test_ws_pool.py)

    def lease(self, account: str | None = None) -> WsClient:
        """A connection for a test: ``account`` = one authenticated as that account if there is one idle."""
        now = time.monotonic()
        self._drop_if_clock_moved()
        for key in ((account, None) if account is not None else (None,)):
            idle = self._idle.get(key, [])
            while idle:
                since, client = idle.pop()
                if (not client.closed and now - since < self.max_idle
                        and (key is None or client.authorised_until > now)):
                    self.reuses += 1
                    return client
                client.close()
        self.connections += 1
        client = self._connect()
        client.pool_epoch = self._idle_epoch
        return client

    def give_back(self, account: str | None, client: WsClient) -> None:
        """After the test: kept for the next one if reusable (and fewer than ``keep`` idle), else closed."""
        self._drop_if_clock_moved()
        key = account if client.authorised_until else None
        idle = self._idle.setdefault(key, [])
        if client.reusable() and len(idle) < self.keep and client.pool_epoch == self._idle_epoch:
            idle.append((time.monotonic(), client))
        else:
            client.close()

    def _drop_if_clock_moved(self) -> None:
        if self._epoch() != self._idle_epoch:
            self.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for _, client in idle:
                client.close()
        self._idle.clear()
        self._idle_epoch = self._epoch()


def renewal_due(login: object) -> float:
    """When (time.monotonic()) a careful client renews the token a public/auth ``login`` result gave: at 80 % of
    its ``expires_in`` ("Token lifetime in seconds", the environment's own: 900 s or 30 s), at least 1 s on."""
    expires_in = login.get("expires_in", 60) if isinstance(login, dict) else 60
    lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) else 60.0
    return time.monotonic() + max(1.0, lifetime * 0.8)


class SharedWs:
    """One WS connection per worker, authenticated once and reused by every test that only sends requests on it
    (the WS fuzz): a new connection and a ``public/auth`` per test would spend a request of a shared
    environment's budget per test (issue #18).

    ``client()`` hands the live connection: it reconnects when the gateway has closed it, and authenticates again
    when the connection is new, when its token is near expiry (80 % of ``expires_in``, as ``TokenManager``), or
    after ``forget_auth()`` (a test sent something that may have changed who the connection is, e.g. a
    ``public/auth`` case)."""

    def __init__(self, connect: Callable[[], WsClient], grant: Callable[[], dict]) -> None:
        self._connect, self._grant = connect, grant
        self._client: WsClient | None = None
        self.connections = self.authentications = 0  # how often it had to (tests/test_shared_ws.py reads them)

    def client(self, *, authenticated: bool = True) -> WsClient:
        """The live connection; ``authenticated=False`` (a public method's case) does not authenticate it first."""
        if self._client is None or self._client.closed:
            if self._client is not None:
                self._client.close()
            self._client = self._connect()
            self.connections += 1
        if authenticated and time.monotonic() >= self._client.authorised_until:
            self._client.login(self._grant())
            self.authentications += 1
        return self._client

    def forget_auth(self) -> None:
        if self._client is not None:
            self._client.authorised_until = 0.0

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
