"""The reference gateway starts on a free port and answers both transports."""

import json

import httpx
from websockets.sync.client import connect

from reference_gateway import start_gateway


def test_start_gateway_answers_http_and_ws():
    gateway = start_gateway()
    try:
        response = httpx.get(gateway.base_url + "/api/v2/public/auth",
                             params={"grant_type": "client_credentials", "client_id": "maker",
                                     "client_secret": "maker-secret"}, timeout=5)
        assert response.status_code == 200 and response.json()["token_type"] == "bearer"
        with connect(gateway.ws_url, open_timeout=5) as ws:
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 7, "method": "public/get_index_price",
                                "params": {"index_name": "btc_usd"}}))
            reply = json.loads(ws.recv(timeout=5))
        assert reply == {"jsonrpc": "2.0", "id": 7, "result": 60000.0}
    finally:
        gateway.stop()


def test_each_fault_lives_in_the_module_of_its_area():
    """reference_gateway/faults/ has one module per area: a fault written elsewhere would be hard to find."""
    from reference_gateway.faults import FAULTS

    misplaced = {f.name: f.apply.__module__ for f in FAULTS.values()
                 if f.apply.__module__ != f"reference_gateway.faults.{f.area}"}
    assert not misplaced, f"faults outside reference_gateway/faults/<area>.py: {misplaced}"
