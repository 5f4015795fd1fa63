"""RestClient's direct path (a loopback gateway, no proxy: the request goes to httpx's transport, not through
httpx.Client) sends the same request on the wire as the client would, and is never taken for a remote host."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.rest import RestClient, is_loopback, proxy_configured


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        Recorder.seen.append({"verb": self.command, "path": self.path, "body": body,
                              "headers": {k.lower(): v for k, v in self.headers.items()}})
        reply = json.dumps({"jsonrpc": "2.0", "result": {"ok": True}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v2"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("method, params", [("private/get_positions", {"currency": "BTC"}),
                                            ("public/auth", {"grant_type": "client_credentials", "client_id": "x"})])
def test_the_direct_path_sends_what_the_client_sends(server, monkeypatch, method, params):
    seen = []
    for direct in (True, False):
        client = RestClient(server)
        assert client._direct  # loopback, no proxy variable in the test environment
        client._direct = direct
        response = client.send(method, params, token="t0ken")
        assert response.status_code == 200 and response.json()["result"] == {"ok": True}
        assert response.request.url.path == f"/api/v2/{method}"
        client.close()
        seen.append(Recorder.seen.pop())
    direct, through_client = seen
    assert direct == through_client


def test_a_remote_host_or_a_proxy_keeps_the_whole_client(monkeypatch):
    assert is_loopback("http://127.0.0.1:8080/api/v2") and is_loopback("http://localhost/api/v2")
    assert is_loopback("http://[::1]:9/api/v2")
    assert not is_loopback("https://stg.pulse.example/api/v2") and not is_loopback("http://10.0.0.7/api/v2")
    assert not RestClient("https://stg.pulse.example/api/v2")._direct
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert proxy_configured()
    assert not RestClient("http://127.0.0.1:9/api/v2")._direct
