"""Child processes a benchmark measures: a reference gateway with bench limits, the echo server, RSS readings."""

import os
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from harness.local import LocalGateway

# The gateway's rate limit (500 requests/s per caller) would cap a sequential round-trip loop; the benchmarks
# measure the transport and the engine, so they lift it. Everything else is the default configuration.
BENCH_CONFIG = "[limits]\nrequests_per_second = 1000000\nrequest_burst = 1000000\n"


@contextmanager
def bench_gateway():
    """A ``pulse-refgw`` child process on a free loopback port with the rate limit lifted."""
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
        config = Path(folder) / "bench.toml"
        config.write_text(BENCH_CONFIG)
        gateway = LocalGateway(config=str(config))
        try:
            yield gateway
        finally:
            gateway.stop()


@contextmanager
def echo_server(start_timeout: float = 15.0):
    """The raw websockets echo server as a child process; yields its ws:// URL."""
    process = subprocess.Popen([sys.executable, "-m", "tools.bench.echo_server"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in process.stdout:
            if line.startswith("ECHO_READY"):
                url.append(line.split()[1])
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not ready.wait(start_timeout) or not url:
            raise RuntimeError(f"the echo server did not start within {start_timeout}s")
        yield url[0]
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc/<pid>/status (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS line in /proc/{pid}/status")
