"""Reference-gateway benchmarks: WS round trip against a raw echo server, matching-engine throughput, memory.

Every comparison is measured within one run: the gateway and its baseline take turns in blocks, so load
from other processes on a shared machine falls on both.
"""

import asyncio
import gc
import json
import time

from websockets.asyncio.client import connect

from tools.bench.processes import bench_gateway, echo_server, rss_kib
from tools.bench.stats import latency_summary, rate, ratio
from tools.bench.table import Row, Target

INDEX_PRICE_REQUEST = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/get_index_price",
                                  "params": {"index_name": "btc_usd"}})
WS_LATENCY_RATIO_TARGET = Target("<=", 3.0)
INSTRUMENT = "BTC_USD-PERPETUAL"
PRICE, AMOUNT = 60_000.0, 10
CREDENTIALS = {"maker": "maker-secret", "taker": "taker-secret"}


async def _round_trips(connection, text: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await connection.send(text)
        await asyncio.wait_for(connection.recv(), timeout=10)
        samples.append(time.perf_counter() - started)
    return samples


async def _ws_latency(gateway_url: str, echo_url: str, calls: int, block: int) -> dict:
    async with connect(gateway_url, compression=None, max_size=2 ** 22) as gateway_ws, \
            connect(echo_url, compression=None, max_size=2 ** 22) as echo_ws:
        await gateway_ws.send(INDEX_PRICE_REQUEST)
        first = json.loads(await asyncio.wait_for(gateway_ws.recv(), timeout=10))
        if "result" not in first:
            raise RuntimeError(f"public/get_index_price failed: {first}")
        await _round_trips(gateway_ws, INDEX_PRICE_REQUEST, 50)  # warm-up, not counted
        await _round_trips(echo_ws, INDEX_PRICE_REQUEST, 50)
        samples: dict[str, list[float]] = {"gateway": [], "echo": []}
        while len(samples["gateway"]) < calls:
            size = min(block, calls - len(samples["gateway"]))
            samples["gateway"] += await _round_trips(gateway_ws, INDEX_PRICE_REQUEST, size)
            samples["echo"] += await _round_trips(echo_ws, INDEX_PRICE_REQUEST, size)
    return samples


def ws_latency(quick: bool, progress) -> tuple[list[Row], dict]:
    calls = 200 if quick else 2000
    with bench_gateway() as gateway, echo_server() as echo_url:
        progress(f"ws_latency: {calls} sequential public/get_index_price round trips, gateway and echo alternating")
        samples = asyncio.run(_ws_latency(gateway.ws_url, echo_url, calls, block=250))
    gateway_stats, echo_stats = latency_summary(samples["gateway"]), latency_summary(samples["echo"])
    p50_ratio = ratio(gateway_stats["p50_ms"], echo_stats["p50_ms"])
    rows = [
        Row("ws_latency", "gateway round trip p50", gateway_stats["p50_ms"], "ms"),
        Row("ws_latency", "gateway round trip p99", gateway_stats["p99_ms"], "ms"),
        Row("ws_latency", "echo server round trip p50", echo_stats["p50_ms"], "ms"),
        Row("ws_latency", "echo server round trip p99", echo_stats["p99_ms"], "ms"),
        Row("ws_latency", "gateway / echo at p50", p50_ratio, "x", WS_LATENCY_RATIO_TARGET),
        Row("ws_latency", "gateway / echo at p99", ratio(gateway_stats["p99_ms"], echo_stats["p99_ms"]), "x"),
    ]
    return rows, {"calls": calls, "gateway": gateway_stats, "echo": echo_stats}


# ---------------------------------------------------------------------------------------------- engine
def crossing_pair(step: int) -> tuple[tuple[str, str], tuple[str, str]]:
    """(account, direction) of the resting order and of the crossing one; sides alternate so positions stay flat."""
    if step % 2 == 0:
        return ("maker", "buy"), ("taker", "sell")
    return ("maker", "sell"), ("taker", "buy")


def engine_in_process(orders: int) -> dict:
    """Orders per second through ``Exchange.place_order`` with no transport, alternating crossing buys/sells."""
    # The in-process figure needs the engine itself (tools/ may import the gateway, harness/ may not); the
    # import stays here so the other benchmarks, and ``pulse-bench --help``, do not load it.
    from reference_gateway.clock import Clock
    from reference_gateway.config import load_config
    from reference_gateway.engine.exchange import Exchange
    from reference_gateway.params import METHOD_PARAMS, validate

    config = load_config()
    exchange = Exchange(config, Clock(), lambda channel, data, account_id: None)
    account_of = {spec["client_id"]: spec["account_id"] for spec in config["accounts"]}
    params = validate(METHOD_PARAMS["private/buy"], {"instrument_name": INSTRUMENT, "amount": AMOUNT,
                                                     "price": PRICE, "type": "limit"})
    fills = 0
    gc.collect()
    marks = [time.perf_counter()]  # after each quarter of the orders
    for step in range(orders // 2):
        for account, direction in crossing_pair(step):
            result = exchange.place_order(account_of[account], direction, dict(params), None)
            fills += len(result["trades"])
        if (step + 1) % max(1, orders // 8) == 0:
            marks.append(time.perf_counter())
    elapsed = time.perf_counter() - marks[0]
    if fills != orders // 2:
        raise RuntimeError(f"expected {orders // 2} fills, the engine made {fills}")
    quarter = orders // 4
    first, last = rate(quarter, marks[1] - marks[0]), rate(quarter, marks[-1] - marks[-2])
    return {"orders": orders, "seconds": elapsed, "orders_per_s": rate(orders, elapsed),
            "first_quarter_orders_per_s": first, "last_quarter_orders_per_s": last}


async def _ws_auth(url: str, account: str):
    connection = await connect(url, compression=None, max_size=2 ** 22)
    await connection.send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "public/auth", "params": {
        "grant_type": "client_credentials", "client_id": account, "client_secret": CREDENTIALS[account]}}))
    reply = json.loads(await asyncio.wait_for(connection.recv(), timeout=10))
    if "result" not in reply:
        raise RuntimeError(f"public/auth as {account} failed: {reply}")
    return connection


async def _engine_over_ws(url: str, orders: int) -> dict:
    connections = {account: await _ws_auth(url, account) for account in CREDENTIALS}
    try:
        fills = 0
        started = time.perf_counter()
        for step in range(orders // 2):
            for account, direction in crossing_pair(step):
                connection = connections[account]
                await connection.send(json.dumps({"jsonrpc": "2.0", "id": step, "method": f"private/{direction}",
                                                  "params": {"instrument_name": INSTRUMENT, "amount": AMOUNT,
                                                             "price": PRICE, "type": "limit"}}))
                reply = json.loads(await asyncio.wait_for(connection.recv(), timeout=10))
                if "result" not in reply:
                    raise RuntimeError(f"private/{direction} failed: {reply}")
                fills += len(reply["result"]["trades"])
        elapsed = time.perf_counter() - started
    finally:
        for connection in connections.values():
            await connection.close()
    if fills != orders // 2:
        raise RuntimeError(f"expected {orders // 2} fills over WS, the gateway made {fills}")
    return {"orders": orders, "seconds": elapsed, "orders_per_s": rate(orders, elapsed)}


def engine(quick: bool, progress) -> tuple[list[Row], dict]:
    orders = 200 if quick else 4000
    progress(f"engine: {orders} alternating crossing limit orders in-process")
    in_process = engine_in_process(orders)
    ws_orders = 200 if quick else 2000
    with bench_gateway() as gateway:
        progress(f"engine: {ws_orders} alternating crossing limit orders over WS (maker rests, taker crosses)")
        over_ws = asyncio.run(_engine_over_ws(gateway.ws_url, ws_orders))
    rows = [
        Row("engine", "orders/s in-process (Exchange)", in_process["orders_per_s"], "orders/s"),
        Row("engine", "in-process: last / first quarter orders/s",
            ratio(in_process["last_quarter_orders_per_s"], in_process["first_quarter_orders_per_s"]), "x",
            note="below 1: the cost of an order grows with the orders already placed"),
        Row("engine", "orders/s end-to-end over WS", over_ws["orders_per_s"], "orders/s"),
        Row("engine", "WS / in-process throughput", ratio(over_ws["orders_per_s"], in_process["orders_per_s"]), "x"),
    ]
    return rows, {"in_process": in_process, "over_ws": over_ws}


# ---------------------------------------------------------------------------------------------- memory
async def _open_subscribed(url: str, count: int) -> list:
    connections = []
    for index in range(count):
        connection = await connect(url, compression=None, max_size=2 ** 22)
        await connection.send(json.dumps({"jsonrpc": "2.0", "id": index, "method": "public/subscribe",
                                          "params": {"channels": ["deribit_price_index.btc_usd"]}}))
        reply = json.loads(await asyncio.wait_for(connection.recv(), timeout=10))
        if "result" not in reply:
            raise RuntimeError(f"public/subscribe on connection {index} failed: {reply}")
        connections.append(connection)
    return connections


async def _memory(gateway, count: int) -> dict:
    warm = await _open_subscribed(gateway.ws_url, 5)  # first-connection allocations are not per-connection cost
    for connection in warm:
        await connection.close()
    await asyncio.sleep(0.3)
    before = rss_kib(gateway.process.pid)
    connections = await _open_subscribed(gateway.ws_url, count)
    await asyncio.sleep(0.5)
    after = rss_kib(gateway.process.pid)
    for connection in connections:
        await connection.close()
    return {"connections": count, "rss_before_kib": before, "rss_after_kib": after,
            "kib_per_connection": (after - before) / count}


def memory(quick: bool, progress) -> tuple[list[Row], dict]:
    count = 50 if quick else 500
    with bench_gateway() as gateway:
        progress(f"memory: {count} WS connections with one subscription each; gateway RSS before/after")
        result = asyncio.run(_memory(gateway, count))
    rows = [Row("memory", f"gateway RSS per WS connection (N={count})", result["kib_per_connection"], "KiB")]
    return rows, result
