"""spec/asyncapi.yaml: accepted by the official AsyncAPI parser, resolvable, examples valid, conventions."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.schema import ASYNCAPI_URI, asyncapi, openapi, validate
from tests.spec_walk import examples, refs, unresolved_refs

NODE_DIR = Path(__file__).resolve().parent / "node"
WS_ONLY_METHODS = {  # I-06
    "private/logout", "public/set_heartbeat", "public/disable_heartbeat", "private/get_cancel_on_disconnect",
    "public/subscribe", "private/subscribe", "public/unsubscribe_all", "private/unsubscribe_all",
}
OPENAPI_SCHEMAS = "./openapi.yaml#/components/schemas/"


def rpc_operations():
    return {op["x-jsonrpc-method"]: op for op in asyncapi()["operations"].values() if "x-jsonrpc-method" in op}


def channels():
    return {key: channel for key, channel in asyncapi()["channels"].items() if "x-pulse-visibility" in channel}


def message(ref: str) -> dict:
    node = asyncapi()
    for token in ref.removeprefix("#/").split("/"):
        node = node[token]
    return asyncapi()["components"]["messages"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def test_official_asyncapi_parser_accepts_the_file():
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH; the AsyncAPI check needs Node 20+")
    if not (NODE_DIR / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail(f"{NODE_DIR}/node_modules is missing: run `npm ci --prefix tests/node` first")
    command = ["node", str(NODE_DIR / "validate.mjs")]
    run = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"AsyncAPI parser diagnostics:\n{run.stdout}\n{run.stderr}"


def test_version_and_server_path():
    assert asyncapi()["asyncapi"] == "3.0.0"
    assert {server["pathname"] for server in asyncapi()["servers"].values()} == {"/ws/api/v2"}


def test_every_http_method_and_the_ws_only_methods_are_operations():
    http_methods = {op["x-jsonrpc-method"] for item in openapi()["paths"].values() for op in item.values()}
    documented = http_methods | WS_ONLY_METHODS
    assert len(documented) == 38
    assert documented <= rpc_operations().keys()
    assert rpc_operations().keys() - documented == {"public/test"}  # I-81
    assert rpc_operations()["public/test"]["x-pulse-undocumented"] is True


@pytest.mark.parametrize("method", sorted(rpc_operations()))
def test_rpc_operation_shape(method):
    operation = rpc_operations()[method]
    assert operation["action"] == "receive"
    assert operation["channel"] == {"$ref": "#/channels/rpc"}
    request = message(operation["messages"][0]["$ref"])
    assert request["x-jsonrpc-method"] == method
    request_parts = request["payload"]["allOf"]
    assert request_parts[0] == {"$ref": OPENAPI_SCHEMAS + "pulse.JsonRpcRequest"}
    assert request_parts[1]["properties"]["method"] == {"const": method}
    if method == "private/logout":  # I-13: no reply, the socket closes
        assert "reply" not in operation
        return
    reply = message(operation["reply"]["messages"][0]["$ref"])
    assert reply["x-jsonrpc-method"] == method
    success, failure = reply["payload"]["oneOf"]
    assert success["allOf"][0] == {"$ref": OPENAPI_SCHEMAS + "pulse.JsonRpcResultReply"}
    assert failure == {"$ref": OPENAPI_SCHEMAS + "pulse.JsonRpcErrorReply"}  # I-05


def test_thirteen_channels_with_visibility():  # I-44
    found = channels()
    assert len(found) == 13
    for key, channel in found.items():
        address = channel["address"]
        private = address.startswith("user.") or address == "user_fee"
        assert channel["x-pulse-visibility"] == ("private" if private else "public"), address
        assert set(channel.get("parameters", {})) == set(re.findall(r"\{(\w+)\}", address)), address
        operation = asyncapi()["operations"][f"{key}.notify"]
        assert operation["action"] == "send"
        notification = message(operation["messages"][0]["$ref"])
        assert notification["payload"]["allOf"][0] == {"$ref": OPENAPI_SCHEMAS + "pulse.Notification"}


def test_heartbeat_and_test_request_messages():  # I-43
    rpc = asyncapi()["channels"]["rpc"]["messages"]
    assert {"heartbeat", "test_request"} <= rpc.keys()
    for name in ("heartbeat", "test_request"):
        assert asyncapi()["operations"][name]["action"] == "send"


def test_schemas_are_defined_once_in_openapi():
    assert not asyncapi().get("components", {}).get("schemas")
    local_schema_refs = [ref for _, ref in refs(asyncapi()) if ref.startswith("#/components/schemas")]
    assert not local_schema_refs


def test_every_ref_resolves():
    unresolved = unresolved_refs(asyncapi(), ASYNCAPI_URI)
    assert not unresolved, "\n".join(unresolved)


def test_every_example_validates_against_its_schema():
    found = list(examples(asyncapi(), ASYNCAPI_URI))
    assert len(found) >= 13 + 39 + 2
    failures = [f"{label}: {violation}" for label, schema, example in found for violation in validate(schema, example)]
    assert not failures, "\n".join(failures)
