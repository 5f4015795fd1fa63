"""Misbehaving stand-ins for a gateway, on loopback, for tests of the harness's robustness."""

import http.server
import json
import threading
from collections.abc import Callable

from websockets.sync.server import ServerConnection, serve


class StubWsServer:
    """A WebSocket server whose per-connection behaviour is a plain function."""

    def __init__(self, behaviour: Callable[[ServerConnection], None], host: str = "127.0.0.1") -> None:
        self._server = serve(behaviour, host, 0)
        self.url = f"ws://{host}:{self._server.socket.getsockname()[1]}/ws/api/v2"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()

    def __enter__(self) -> "StubWsServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class StubHttpServer:
    """An HTTP server that answers every request with ``respond(handler)`` and records the paths it saw."""

    def __init__(self, respond: Callable[[http.server.BaseHTTPRequestHandler], None], host: str = "127.0.0.1") -> None:
        self.requests: list[str] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                stub.requests.append(self.path)
                respond(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "StubHttpServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def reply_json(handler: http.server.BaseHTTPRequestHandler, status: int, body: object) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
