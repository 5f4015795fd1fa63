"""The Starlette application: HTTP JSON-RPC under /api/v2, WebSocket at /ws/api/v2, control under /_refgw."""

import asyncio
import json
import uuid
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from reference_gateway.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    PulseError,
)
from reference_gateway.gateway import VERSION, CallContext, Gateway, Session
from reference_gateway.params import WS_ONLY_METHODS


def _message(error: PulseError, status_code: int = 400) -> JSONResponse:
    return JSONResponse(error.http_message(), status_code=status_code)


def _query_params(request: Request) -> dict:
    params: dict = {}
    for key, value in request.query_params.items():
        if key == "timestamp":
            try:
                params[key] = int(value)
            except ValueError:
                params[key] = value  # validation reports it
        else:
            params[key] = value
    return params


def _gateway(connection: HTTPConnection) -> Gateway:
    return connection.app.state.gateway


async def http_rpc(request: Request) -> Response:
    gateway = _gateway(request)
    request.app.state.served["http_requests"] += 1
    method = f"{request.path_params['scope']}/{request.path_params['name']}"
    known = method in gateway.methods and method not in WS_ONLY_METHODS
    if not known:
        return _message(PulseError(METHOD_NOT_FOUND, f"no HTTP operation {request.url.path}"), 404)
    expected_verb = "GET" if method == "public/auth" else "POST"
    if request.method != expected_verb:
        refusal = _message(PulseError(INVALID_REQUEST, f"use {expected_verb} for {request.url.path}"), 405)
        refusal.headers["Allow"] = expected_verb
        return refusal
    if delay := gateway.request_delay_s():
        await asyncio.sleep(delay)
    authorization = request.headers.get("authorization", "")
    bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
    ctx = CallContext("http", rate_key=bearer or (request.client.host if request.client else "?"), bearer=bearer)
    max_bytes = gateway.limits["max_message_bytes"]
    try:
        if expected_verb == "GET":
            params = _query_params(request)
        else:
            raw = await request.body()
            if len(raw) > max_bytes:
                raise PulseError(INVALID_REQUEST, f"body larger than {max_bytes} bytes")
            try:
                body = json.loads(raw) if raw.strip() else None
            except (ValueError, UnicodeDecodeError) as exc:
                raise PulseError(PARSE_ERROR, f"body is not valid JSON ({exc})") from None
            params = gateway.http_envelope_params(method, body)
        result = gateway.call(method, params, ctx)
    except PulseError as error:
        return _message(error)
    except Exception as exc:  # never a 5xx: report the defect as a Message
        return _message(PulseError(INTERNAL_ERROR, f"request could not be processed: {exc!r}"))
    return JSONResponse(result)


class WsConnection:
    """One WebSocket connection: a bounded outbox, a reader task and a writer task."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.gateway = _gateway(websocket)
        self.served = websocket.app.state.served
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.queue_limit = self.gateway.limits["notification_queue"]
        self.max_bytes = self.gateway.limits["max_message_bytes"]
        self.closing: dict = {}
        self.session = Session(uuid.uuid4().hex, self.send, self.close)

    def send(self, message: dict) -> None:
        if self.closing:
            return
        if self.outbox.qsize() >= self.queue_limit:  # a reader this slow would make memory grow without bound
            self.close(1008, "slow consumer: notification queue overflow")
            return
        self.outbox.put_nowait(message)

    def close(self, code: int, reason: str) -> None:
        if not self.closing:
            self.closing.update(code=code, reason=reason)
            self.outbox.put_nowait(None)

    async def writer(self) -> None:
        while (message := await self.outbox.get()) is not None:
            await self.websocket.send_text(json.dumps(message))

    async def reader(self) -> None:
        gateway, session = self.gateway, self.session
        while not self.closing:
            frame = await self.websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            text = frame.get("text")
            if text is None:
                self.send(_rpc_error(None, PulseError(INVALID_REQUEST, "binary frames are not supported")))
                continue
            self.served["ws_messages"] += 1
            if delay := gateway.request_delay_s():
                await asyncio.sleep(delay)
            gateway.client_message(session)
            ctx = CallContext("ws", rate_key=session.session_id, session=session)
            reply = handle_ws_text(gateway, ctx, text, self.max_bytes)
            if reply is not None:
                for hook in gateway.reply_hooks:
                    reply = hook(reply, {"text": text, "session": session, "ctx": ctx})
                self.send(reply)
            for follow_up in ctx.after_reply:
                follow_up()

    async def serve(self) -> None:
        # One reader and one writer task for the connection's life; whichever ends first ends the other
        # (a task and an asyncio.wait per frame cost ~15 us, 9%, of a loopback round trip; pulse-bench ws_latency).
        writer_task = asyncio.create_task(self.writer())
        reader_task = asyncio.create_task(self.reader())
        try:
            done, _ = await asyncio.wait({reader_task, writer_task}, return_when=asyncio.FIRST_COMPLETED)
            if reader_task in done:
                reader_task.result()  # a defect in the reader surfaces here, as it did inline
        except WebSocketDisconnect:
            pass
        finally:
            reader_task.cancel()
            if self.closing:
                try:
                    await asyncio.wait_for(writer_task, timeout=2)
                except (TimeoutError, Exception):
                    writer_task.cancel()
                try:
                    await self.websocket.close(self.closing["code"], self.closing["reason"])
                except Exception:  # already closed by the peer
                    pass
            else:
                writer_task.cancel()
            self.gateway.close_session(self.session)


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    connection = WsConnection(websocket)
    connection.gateway.open_session(connection.session)
    await connection.serve()


async def control(request: Request) -> Response:
    gateway = _gateway(request)
    action = request.path_params["action"]
    try:
        body = json.loads(await request.body() or b"{}")
        if action == "advance_clock":
            return JSONResponse({"now_ms": gateway.clock.advance(int(body["ms"]))})
        if action == "set_index_price":
            gateway.exchange.set_index_price(str(body["index_name"]), float(body["price"]))
            return JSONResponse({"ok": True})
        if action == "status":
            return JSONResponse({"version": VERSION, "now_ms": gateway.clock.now_ms(),
                                 "faults": gateway.active_faults, "deviations": gateway.active_deviations,
                                 "sessions": len(gateway.sessions), **request.app.state.served})
    except (KeyError, ValueError, TypeError) as exc:
        return JSONResponse({"error": f"bad control request: {exc!r}"}, status_code=400)
    return JSONResponse({"error": f"unknown control action {action!r}"}, status_code=404)


@asynccontextmanager
async def lifespan(app: Starlette):
    stop = asyncio.Event()
    timers = asyncio.create_task(app.state.gateway.run_timers(stop))
    yield
    stop.set()
    await timers


ROUTES = [
    Route("/api/v2/{scope}/{name}", http_rpc, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]),
    WebSocketRoute("/ws/api/v2", websocket_endpoint),
    Route("/_refgw/control/{action}", control, methods=["GET", "POST"]),
]


def build_app(gateway: Gateway) -> Starlette:
    """The application serving ``gateway``; the handlers find it (and the served counters) in ``app.state``."""
    app = Starlette(routes=ROUTES, lifespan=lifespan)
    app.state.gateway = gateway
    app.state.served = {"http_requests": 0, "ws_messages": 0}  # read through /_refgw/control/status (benchmarks)
    return app


def _rpc_error(request_id, error: PulseError) -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.jsonrpc_error()}


def handle_ws_text(gateway: Gateway, ctx: CallContext, text: str, max_bytes: int) -> dict | None:
    """One JSON-RPC 2.0 request frame in, one reply out (None: no reply, e.g. logout)."""
    if len(text.encode()) > max_bytes:
        return _rpc_error(None, PulseError(INVALID_REQUEST, f"message larger than {max_bytes} bytes"))
    try:
        request = json.loads(text)
    except ValueError as exc:
        return _rpc_error(None, PulseError(PARSE_ERROR, f"not valid JSON ({exc})"))
    if not isinstance(request, dict):
        return _rpc_error(None, PulseError(INVALID_REQUEST, "a request must be a JSON object (no batches)"))
    request_id = request.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, (int, str)):
        return _rpc_error(None, PulseError(INVALID_REQUEST, "id must be an integer or a string"))
    if request.get("jsonrpc") != "2.0":
        return _rpc_error(request_id, PulseError(INVALID_REQUEST, "jsonrpc must be '2.0'"))
    method = request.get("method")
    if not isinstance(method, str):
        return _rpc_error(request_id, PulseError(INVALID_REQUEST, "method must be a string"))
    params = request.get("params", {})
    if params is not None and not isinstance(params, dict):
        return _rpc_error(request_id, PulseError(INVALID_PARAMS, "params must be an object (no positional params)"))
    try:
        result = gateway.call(method, params, ctx)
    except PulseError as error:
        return _rpc_error(request_id, error)
    except Exception as exc:  # the connection survives a defect; the client gets an error naming it
        return _rpc_error(request_id, PulseError(INTERNAL_ERROR, f"request could not be processed: {exc!r}"))
    if ctx.session.logged_out:
        return None
    return {"jsonrpc": "2.0", "id": request_id, "result": result}
