"""Start the reference gateway as a child process on a free loopback port (one per xdist worker).

The suites reach it over sockets only; this module starts the process and reads its READY line.
"""

import subprocess
import sys
import threading
import time

from harness.bytecode_cache import child_environment

READY_PREFIX = "PULSE_REFGW_READY"


class LocalGateway:
    def __init__(self, faults: tuple[str, ...] = (), config: str | None = None, deviations: tuple[str, ...] = (),
                 profile: str | None = None, start_timeout: float = 30.0) -> None:
        command = [sys.executable, "-m", "reference_gateway", "--host", "127.0.0.1", "--port", "0"]
        for name in faults:
            command += ["--fault", name]
        for name in deviations:
            command += ["--deviation", name]
        if profile:
            command += ["--profile", profile]
        if config:
            command += ["--config", config]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**child_environment(), "PYTHONUNBUFFERED": "1"})
        self.output: list[str] = []
        self.rest_base = self.ws_url = ""
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(ready,), daemon=True).start()
        if not ready.wait(start_timeout) or not self.rest_base:
            self.stop()
            raise RuntimeError("the reference gateway did not start within "
                               f"{start_timeout}s; its output:\n" + "".join(self.output[-50:]))

    def _pump(self, ready: threading.Event) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith(READY_PREFIX):
                _, http_url, ws_url = line.split()
                self.rest_base, self.ws_url = http_url + "/api/v2", ws_url
                ready.set()
        ready.set()

    @property
    def root_url(self) -> str:
        return self.rest_base.removesuffix("/api/v2")

    def stop(self) -> None:
        """Kill the gateway and reap it. It keeps everything in memory, so there is nothing a graceful stop would
        save, and uvicorn's graceful stop took ~0.2 s (its loop notices SIGTERM on a 0.1 s tick) at the end of
        every xdist worker's run, the time the controller then waits for (pulse-bench)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def alive(self) -> bool:
        return self.process.poll() is None


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
