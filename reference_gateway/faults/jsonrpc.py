"""Faults of area ``jsonrpc``. JSON-RPC and transport: id echo, error vs result, version string, parse errors, the HTTP envelope."""

import json

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import replace
from reference_gateway.gateway import Gateway
from reference_gateway.params import ENVELOPE_METHODS


@fault("jsonrpc_id_not_echoed", "jsonrpc", "string request ids come back as null", "jsonrpc")
def _id_not_echoed(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if isinstance(reply.get("id"), str):
            reply["id"] = None
        return reply
    gw.reply_hooks.append(hook)


@fault("jsonrpc_error_as_result", "jsonrpc", "errors are sent as a result carrying the error object", "jsonrpc")
def _error_as_result(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if "error" in reply and reply.get("id") is not None:
            reply["result"] = reply.pop("error")
        return reply
    gw.reply_hooks.append(hook)


@fault("jsonrpc_wrong_version_string", "jsonrpc", "replies carry jsonrpc \"2\" instead of \"2.0\"", "jsonrpc")
def _wrong_version_string(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        reply["jsonrpc"] = "2"
        return reply
    gw.reply_hooks.append(hook)


@fault("parse_error_closes_connection", "jsonrpc", "a frame that is not JSON drops the connection unanswered", "jsonrpc")
def _parse_error_closes(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if (reply.get("error") or {}).get("code") == -32700:
            request["session"].close(1002, "protocol error")
        return reply
    gw.reply_hooks.append(hook)


@fault("jsonrpc_invalid_params_as_internal_error", "jsonrpc",
       "positional (array) params crash the handler: internal error instead of -32602", "jsonrpc")
def _invalid_params_as_internal(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        error = reply.get("error")
        try:
            positional = isinstance(json.loads(request["text"]).get("params"), list)
        except (ValueError, AttributeError):
            positional = False
        if error and error.get("code") == -32602 and positional:
            error.update(code=11050, message="internal_error", data={"reason": "list has no get", "status": 12})
        return reply
    gw.reply_hooks.append(hook)


@fault("http_envelope_version_ignored", "jsonrpc", "HTTP envelope bodies with a wrong jsonrpc version are served",
       "jsonrpc")
def _envelope_version_ignored(gw: Gateway) -> None:
    def lenient(original):
        def envelope_params(method, body):
            if isinstance(body, dict) and body.get("jsonrpc") != "2.0":
                body = {key: value for key, value in body.items() if key != "jsonrpc"}
            return original(method, body)
        return envelope_params
    replace(gw, "http_envelope_params", lenient)


@fault("http_envelope_bare_params_dropped", "jsonrpc", "bare params in an HTTP envelope body are silently ignored",
       "jsonrpc")
def _bare_params_dropped(gw: Gateway) -> None:
    def lenient(original):
        def envelope_params(method, body):
            if isinstance(body, dict) and method in ENVELOPE_METHODS:
                body = {key: value for key, value in body.items() if key in ("id", "jsonrpc", "method", "params")}
            return original(method, body)
        return envelope_params
    replace(gw, "http_envelope_params", lenient)
