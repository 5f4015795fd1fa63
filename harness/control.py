"""The reference gateway's local-only control plane (``/_refgw/control``): move the clock, set an index.

Only tests marked ``local_only`` use it; on dev and staging those tests are skipped.
"""

from harness.rest import http_client


class GatewayControl:
    changes = 0  # control actions taken in this process: a moved clock outlives logins (harness.ws.WsPool reads it)

    def __init__(self, root_url: str, timeout: float = 5.0) -> None:
        self._http = http_client(root_url.rstrip("/") + "/_refgw/control", timeout)

    def _post(self, action: str, body: dict | None = None) -> dict:
        if action != "status":
            GatewayControl.changes += 1
        response = self._http.post(f"/{action}", json=body or {})
        if response.status_code != 200:
            raise AssertionError(f"control {action} failed: HTTP {response.status_code} {response.text[:300]}")
        return response.json()

    def advance_clock(self, seconds: float) -> int:
        return self._post("advance_clock", {"ms": int(seconds * 1000)})["now_ms"]

    def set_index_price(self, index_name: str, price: float) -> None:
        self._post("set_index_price", {"index_name": index_name, "price": price})

    def status(self) -> dict:
        return self._post("status")

    def close(self) -> None:
        self._http.close()
