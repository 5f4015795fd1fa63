"""The fuzz suite's plain-HTTP transport (harness/plain_http.py) gives schemathesis and the checks what requests'
own adapter gives: the same status, reason, headers, content, encoding and cookies, and the same exceptions."""

import gzip
import http.server
import socket
import time
import zlib

import pytest
import requests

from harness.plain_http import PlainHttpAdapter, mount_plain_http
from tests.stubs import StubHttpServer

BODY = b'{"jsonrpc": "2.0", "id": 1, "result": {"price": 61234.5, "name": "\\u00e9t\\u00e9"}}'


def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
    """One response per path: plain, gzip, deflate, raw deflate, chunked, two Set-Cookie, repeated header, a
    closing connection, an empty 204, a non-JSON text with a charset, and the request echoed back."""
    path = handler.path.split("?")[0]
    length = int(handler.headers.get("Content-Length") or 0)
    sent = handler.rfile.read(length) if length else b""
    body, headers, status = BODY, [("Content-Type", "application/json")], 200
    if path == "/gzip":
        body, headers = gzip.compress(BODY), headers + [("Content-Encoding", "gzip")]
    elif path == "/deflate":
        body, headers = zlib.compress(BODY), headers + [("Content-Encoding", "deflate")]
    elif path == "/raw-deflate":
        squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body, headers = squeeze.compress(BODY) + squeeze.flush(), headers + [("Content-Encoding", "deflate")]
    elif path == "/cookies":
        headers += [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"), ("X-Many", "1"), ("X-Many", "2")]
    elif path == "/close":
        headers += [("Connection", "close")]
    elif path == "/empty":
        body, status, headers = b"", 204, []
    elif path == "/text":
        body, status, headers = "refusé".encode("latin-1"), 400, [("Content-Type", "text/plain; charset=latin-1")]
    elif path == "/echo":
        body = (f"{handler.command} {handler.path} " + "|".join(f"{k}={v}" for k, v in sorted(handler.headers.items()))
                ).encode("latin-1") + b" " + sent
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    if path == "/chunked":
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for piece in (BODY[:10], BODY[10:]):
            handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")
        return
    if status != 204:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    with StubHttpServer(answer) as stub:
        stub._server.RequestHandlerClass.protocol_version = "HTTP/1.1"  # keep-alive, as the gateway does
        yield stub


def sessions() -> tuple[requests.Session, requests.Session]:
    ours, theirs = requests.Session(), requests.Session()
    ours.trust_env = theirs.trust_env = False
    ours.mount("http://", PlainHttpAdapter())
    return ours, theirs


def seen(response: requests.Response) -> dict:
    """Everything of a response that schemathesis (Response.from_requests) and the checks read."""
    from schemathesis.core.transport import Response

    read = Response.from_requests(response, verify=True)
    return {"status": response.status_code, "reason": response.reason, "content": response.content,
            "text": response.text, "encoding": response.encoding, "cookies": response.cookies.get_dict(),
            "headers": {k.lower(): v for k, v in read.headers.items() if k.lower() not in ("date", "server")},
            "http_version": read.http_version, "message": read.message, "url": response.url}


@pytest.mark.parametrize("path", ["/plain", "/gzip", "/deflate", "/raw-deflate", "/chunked", "/cookies", "/close",
                                  "/empty", "/text", "/echo?a=1&b=%C3%A9"])
def test_the_same_response_as_requests_own_adapter(server, path):
    ours, theirs = sessions()
    kwargs = {"json": {"jsonrpc": "2.0", "method": "public/test", "params": {"x": "é", "n": [1, None]}},
              "headers": {"Authorization": "Bearer abc", "X-Odd": "a b;c"}, "timeout": 5}
    for _ in range(2):  # the second request on the kept-alive connection (or a new one after /close)
        assert seen(ours.post(server.base_url + path, **kwargs)) == seen(theirs.post(server.base_url + path, **kwargs))
    assert seen(ours.get(server.base_url + path, params={"q": ["1", "2"]}, timeout=5)) == seen(
        theirs.get(server.base_url + path, params={"q": ["1", "2"]}, timeout=5))


def test_one_connection_is_kept_alive_and_opened_again_when_the_server_closed_it(server):
    ours, _ = sessions()
    adapter = ours.get_adapter("http://")
    ours.get(server.base_url + "/plain", timeout=5)
    first = adapter.connections[("127.0.0.1", int(server.base_url.rsplit(":", 1)[1]))]
    ours.get(server.base_url + "/plain", timeout=5)
    assert adapter.connections[("127.0.0.1", int(server.base_url.rsplit(":", 1)[1]))] is first
    first.sock.shutdown(socket.SHUT_RDWR)  # as a gateway closing an idle connection
    assert ours.get(server.base_url + "/plain", timeout=5).status_code == 200
    ours.get(server.base_url + "/close", timeout=5)
    assert adapter.connections == {}  # "Connection: close" is honoured


def test_failures_are_requests_exceptions():
    ours, _ = sessions()
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(requests.exceptions.ConnectionError):
        ours.get(f"http://127.0.0.1:{port}/", timeout=2)

    def hang(handler):
        time.sleep(1.5)

    with StubHttpServer(hang) as slow:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            ours.get(slow.base_url + "/", timeout=0.3)
        assert time.monotonic() - started < 1.4


def test_mounted_only_for_plain_http_without_a_proxy(monkeypatch):
    session = requests.Session()
    assert not mount_plain_http(session, "https://stg.example/api/v2", {})
    assert not mount_plain_http(session, "http://10.0.0.1/api/v2", {"http": "http://proxy:3128"})
    monkeypatch.setenv("PULSE_PLAIN_HTTP", "0")
    assert not mount_plain_http(session, "http://127.0.0.1:1/api/v2", {})
    monkeypatch.delenv("PULSE_PLAIN_HTTP")
    assert mount_plain_http(session, "http://127.0.0.1:1/api/v2", {})
    assert isinstance(session.get_adapter("http://127.0.0.1:1/"), PlainHttpAdapter)
