"""requests' transport for plain HTTP over one keep-alive ``http.client`` connection per host.

The HTTP fuzz suite sends schemathesis' cases with a ``requests.Session`` (its transport): requests prepares each
request (how the generated body, query, headers and cookies are encoded), and the mounted adapter sends it. The
default adapter goes through urllib3's pool, which costs ~0.15 ms of client CPU per request on loopback (of
~0.45 ms; ~5 % of a fuzz run, `pulse-bench --only fuzz`). This adapter sends the same prepared bytes with the
standard library's ``http.client`` (which urllib3's connection is built on: the same header validation and
framing) and builds the ``requests.Response`` schemathesis reads: status, reason, headers (``raw.headers.getlist``
and ``raw.version`` too), content (gzip and deflate decoded, as urllib3 does), encoding, elapsed, cookies.

Plain ``http://`` only, no proxy; ``PULSE_PLAIN_HTTP=0`` keeps requests' own adapter (``mount_plain_http``).
A keep-alive connection the gateway closed is opened again once (nothing was read from it); a timeout is
``requests.exceptions.ReadTimeout``, any other socket error ``requests.exceptions.ConnectionError``.
"""

import http.client
import os
import zlib
from datetime import timedelta
from time import perf_counter
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPHeaderDict

STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class PlainHttpAdapter(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        key = (parts.hostname or "", parts.port or 80)
        timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        started = perf_counter()
        for attempt in (0, 1):
            connection = self.connections.get(key)
            reused = connection is not None
            if connection is None:
                connection = self.connections[key] = http.client.HTTPConnection(*key, timeout=timeout)
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            try:
                connection.request(request.method, request.path_url, body=request.body, headers=dict(request.headers))
                answer = connection.getresponse()
                content = answer.read()
                break
            except STALE_CONNECTION as exc:
                self._drop(key)
                if attempt or not reused:  # only a kept-alive connection may have gone stale meanwhile
                    raise requests.exceptions.ConnectionError(exc, request=request) from exc
            except TimeoutError as exc:
                self._drop(key)
                raise requests.exceptions.ReadTimeout(exc, request=request) from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                raise requests.exceptions.ConnectionError(exc, request=request) from exc
        if answer.will_close:
            self._drop(key)
        return build_response(request, answer, content, perf_counter() - started, self)

    def _drop(self, key: tuple[str, int]) -> None:
        connection = self.connections.pop(key, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for key in list(self.connections):
            self._drop(key)


def build_response(request, answer: http.client.HTTPResponse, content: bytes, elapsed_s: float,
                   adapter) -> requests.Response:
    headers = HTTPHeaderDict()
    for name, value in answer.getheaders():
        headers.add(name, value)
    response = requests.Response()
    response.status_code, response.reason = answer.status, answer.reason
    response.headers = CaseInsensitiveDict(headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response._content, response._content_consumed = decoded(content, headers.get("content-encoding", "")), True
    response.raw = RawResponse(headers, answer.version, answer.msg)
    response.url, response.request, response.connection = request.url, request, adapter
    response.elapsed = timedelta(seconds=elapsed_s)
    extract_cookies_to_jar(response.cookies, request, response.raw)
    return response


def decoded(content: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:  # raw deflate, as some servers send it
            return zlib.decompress(content, -zlib.MAX_WBITS)
    return content


class RawResponse:
    """What requests and schemathesis read of ``Response.raw``: headers (``getlist``), the HTTP version, and the
    message cookies are extracted from (``_original_response.msg``)."""

    def __init__(self, headers: HTTPHeaderDict, version: int, message) -> None:
        self.headers, self.version = headers, version
        self._original_response = self
        self.msg = message

    def release_conn(self) -> None:
        pass

    def close(self) -> None:
        pass


def mount_plain_http(session: requests.Session, base_url: str, proxies: dict) -> bool:
    """Mount the adapter for ``base_url`` when it is plain HTTP with no proxy; True when mounted."""
    if os.environ.get("PULSE_PLAIN_HTTP", "1") == "0" or not base_url.startswith("http://") or proxies:
        return False
    session.mount("http://", PlainHttpAdapter())
    return True
