"""JSON-RPC over HTTP: the REST client (httpx)."""

import functools
import ipaddress
import json
import os
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from harness import invariants
from harness.errors import TOO_MANY_REQUESTS_STATUS, GatewayUnreachable, PulseCallError
from harness.masking import register_received, register_sent
from harness.methods import ENVELOPE_METHODS, WS_ONLY_METHODS
from harness.pacing import Pacer, request_timeout, resend_while_rate_limited

Exchange = Callable[[dict], None]  # receives one request/response record (for reports)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client: building one loads the CA bundle (~18 ms a client, per test
    where a fixture makes its own client; pulse-bench profile)."""
    return httpx.create_ssl_context()  # httpx's own default: certifi, or SSL_CERT_FILE / SSL_CERT_DIR


def http_client(base_url: str, timeout: httpx.Timeout | float,
                transport: httpx.HTTPTransport | None = None) -> httpx.Client:
    """An httpx client with TCP_NODELAY: httpcore writes a POST's headers and body separately, and Nagle plus the
    server's delayed ACK would hold the body back ~40 ms per request."""
    return httpx.Client(base_url=base_url, timeout=timeout, transport=transport or http_transport())


def http_transport() -> httpx.HTTPTransport:
    return httpx.HTTPTransport(verify=tls_context(), socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def proxy_configured(environ=os.environ) -> bool:
    """A proxy variable is set (any case): httpx.Client then routes some URLs through a proxy transport of its own."""
    return any(environ.get(name) or environ.get(name.upper()) for name in PROXY_VARIABLES)


class RestClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0, pacer: Pacer | None = None,
                 on_exchange: Exchange | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._transport = http_transport()
        self._http = http_client(self.base_url, httpx.Timeout(timeout, connect=5.0), self._transport)
        # To a gateway on this machine (no proxy), a request goes to the client's transport directly (httpx's
        # documented low-level API) with the client's default headers: the same request on the wire, a third less
        # CPU per call than through httpx.Client's merging, cookie, auth and redirect layers (~0.14 ms of ~0.45 ms;
        # pulse-bench profile). A remote gateway keeps the whole client: a load balancer's sticky-session cookie,
        # for one, must go back to it.
        self._direct = is_loopback(self.base_url) and not proxy_configured()
        self._default_headers = dict(self._http.headers)
        self._timeouts: dict[float, httpx.Timeout] = {}
        self.pacer = self._pacer = pacer or Pacer()
        self._on_exchange = on_exchange
        self._next_id = 0
        self.invariants = invariants.memory_for(self.base_url)  # every result is checked against spec/invariants.toml

    def close(self) -> None:
        self._http.close()

    def body_for(self, method: str, params: dict) -> dict:
        """The documented body: a JSON-RPC envelope for the eight envelope operations, else bare params (I-02)."""
        if method in ENVELOPE_METHODS:
            self._next_id += 1
            return {"id": self._next_id, "jsonrpc": "2.0", "method": method, "params": params}
        return params

    def send(self, method: str, params: dict | None = None, token: str | None = None, *,
             cleanup: bool = False) -> httpx.Response:
        """One documented request; returns the raw response (for tests of status codes and headers).
        ``cleanup=True`` marks it as cleanup: it may use the request budget's reserve (see harness.pacing)."""
        if method in WS_ONLY_METHODS:
            raise ValueError(f"{method} is a WebSocket-only method (register I-06)")
        params = params or {}
        register_sent(params)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        path = "/" + method
        self._pacer.wait(cleanup=cleanup)
        started = time.monotonic()
        timeout = self._timeout(request_timeout(self.timeout))
        try:
            if method == "public/auth":
                response = self._request("GET", path, params=params, headers=headers, timeout=timeout)
            else:
                response = self._request("POST", path, json=self.body_for(method, params), headers=headers,
                                         timeout=timeout)
        except httpx.TimeoutException as exc:
            raise GatewayUnreachable(f"{method}: no HTTP response within the timeout ({exc!r})") from None
        except httpx.TransportError as exc:
            raise GatewayUnreachable(f"{method}: HTTP transport failed ({exc!r})") from None
        if method == "public/auth":
            register_received(response.text)  # tokens are masked by value, whatever they look like
        if self._on_exchange:
            self._on_exchange({"transport": "http", "method": method, "request": params,
                               "status": response.status_code, "response": response.text[:20000],
                               "elapsed_ms": round((time.monotonic() - started) * 1000, 1)})
        return response

    def _timeout(self, seconds: float) -> httpx.Timeout:
        if seconds not in self._timeouts:
            self._timeouts[seconds] = httpx.Timeout(seconds, connect=min(5.0, seconds))
        return self._timeouts[seconds]

    def _request(self, verb: str, path: str, *, headers: dict, timeout: httpx.Timeout, **content) -> httpx.Response:
        if not self._direct:
            return self._http.request(verb, path, headers=headers, timeout=timeout, **content)
        request = httpx.Request(verb, self.base_url + path, headers={**self._default_headers, **headers},
                                extensions={"timeout": timeout.as_dict()}, **content)
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        response.request = request
        return response

    def call(self, method: str, params: dict | None = None, token: str | None = None, *,
             cleanup: bool = False) -> object:
        """The documented result, or PulseCallError; retries with backoff on too_many_requests.
        ``cleanup=True``: a cleanup request (may use the budget's reserve, still goes out after Ctrl-C)."""
        def send() -> tuple[httpx.Response, object]:
            response = self.send(method, params, token, cleanup=cleanup)
            try:
                return response, response.json()
            except json.JSONDecodeError:
                raise GatewayUnreachable(
                    f"{method}: HTTP {response.status_code} with a body that is not JSON: {response.text[:200]!r}") from None

        def refused(answer: tuple[httpx.Response, object]) -> bool:  # any error status with status 7, as before
            response, body = answer
            return response.status_code != 200 and isinstance(body, dict) and body.get("status") == TOO_MANY_REQUESTS_STATUS

        response, body = resend_while_rate_limited(send, refused)
        if response.status_code == 200:
            invariants.check_result(method, params or {}, body, self.invariants)
            return body
        raise PulseCallError(method, "http", body.get("status") if isinstance(body, dict) else None, None,
                             body.get("description", "") if isinstance(body, dict) else str(body),
                             http_status=response.status_code, payload=body)
