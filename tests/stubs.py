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


class AuthGateway:
    """A JSON-RPC WS stub that answers ``public/auth`` with a token of ``expires_in`` seconds and anything else with
    "ok", counting connections and logins; ``special(connection, request)`` may answer a request itself (True: done
    with it; None: the connection is over)."""

    def __init__(self, expires_in: float = 900) -> None:
        self.expires_in = expires_in
        self.connections = self.auths = 0
        self.lock = threading.Lock()

    def special(self, connection, request: dict) -> bool | None:
        return False

    def __call__(self, connection) -> None:
        with self.lock:
            self.connections += 1
        for frame in connection:
            try:
                request = json.loads(frame)
            except ValueError:
                continue
            handled = self.special(connection, request)
            if handled is None:
                return
            if handled:
                continue
            result = "ok"
            if request["method"] == "public/auth":
                with self.lock:
                    self.auths += 1
                result = {"access_token": "token", "refresh_token": "refresh", "expires_in": self.expires_in}
            connection.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}))

