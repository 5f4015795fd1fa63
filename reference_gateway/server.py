"""Start the reference gateway: in a thread (fixtures, benchmarks) or as the ``pulse-refgw`` process."""

import asyncio
import socket
import threading
from dataclasses import dataclass

import uvicorn

from reference_gateway.app import build_app
from reference_gateway.config import load_config
from reference_gateway.deviations import apply_deviations, configure_deviations, expand
from reference_gateway.faults import apply_faults
from reference_gateway.gateway import Gateway


@dataclass
class RunningGateway:
    base_url: str
    ws_url: str
    gateway: Gateway
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def build_gateway(config_path: str | None = None, faults: tuple[str, ...] = (), deviations: tuple[str, ...] = (),
                  profile: str | None = None) -> Gateway:
    """A gateway with catalogued faults (bugs) and deviations (benign latitudes, or a named profile of them)."""
    names = expand(tuple(deviations), profile)
    gateway = Gateway(configure_deviations(load_config(config_path), names))
    apply_faults(gateway, faults)
    apply_deviations(gateway, names)
    return gateway


def bind(host: str, port: int) -> socket.socket:
    # proto IPPROTO_TCP (not 0): asyncio sets TCP_NODELAY only on sockets that say they are TCP. Without it
    # every HTTP response waits ~40 ms (Nagle + delayed ACK) between its header and body writes.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_loop(main) -> None:
    """Run ``main`` on uvloop's event loop (a dependency: with httptools, uvicorn's C HTTP parser, the gateway spends
    about a quarter less CPU a request than on asyncio's loop and h11), or on asyncio's where uvloop is missing."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def uvicorn_config(gateway: Gateway) -> uvicorn.Config:
    return uvicorn.Config(
        build_app(gateway), log_level="warning", access_log=False, lifespan="on",
        ws_max_size=4 * gateway.limits["max_message_bytes"], ws_ping_interval=None, timeout_keep_alive=30,
        proxy_headers=False,  # bound to loopback, no proxy in front: the client address is the peer's
    )


def start_gateway(config_path: str | None = None, faults: tuple[str, ...] = (), host: str = "127.0.0.1",
                  port: int = 0, ready_timeout: float = 10.0, deviations: tuple[str, ...] = (),
                  profile: str | None = None) -> RunningGateway:
    """Start a gateway on a free loopback port in a background thread; return once it accepts connections."""
    gateway = build_gateway(config_path, faults, deviations, profile)
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(gateway))
    thread = threading.Thread(target=lambda: run_loop(server.serve(sockets=[sock])), daemon=True,
                              name="pulse-refgw")
    thread.start()
    for _ in range(int(ready_timeout / 0.01)):
        if server.started:
            break
        threading.Event().wait(0.01)
    else:
        raise RuntimeError(f"reference gateway did not start within {ready_timeout}s")
    return RunningGateway(f"http://{host}:{actual_port}", f"ws://{host}:{actual_port}/ws/api/v2",
                          gateway, server, thread)
