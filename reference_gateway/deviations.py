"""The deviation catalogue: named latitudes a *correct* shared staging gateway may take within the doc.

The mirror image of the fault catalogue (``faults/``): each deviation is one small function that bends one
seam of a running ``Gateway`` (an engine method, a result/notification/reply hook, a timer hook or the request
delay), and some first adjust the configuration (``configure``: extra accounts, instruments, the funding period).
Nothing in the engine tests for deviations. ``pulse-mutation`` runs the suite once per deviation and expects it
to stay GREEN: a red run is a false alarm, a test that would fail on a legitimate staging gateway.

Settings (``[deviations]`` table of a ``--config`` TOML file) override ``DEFAULT_SETTINGS``.
"""

import functools
import itertools
import random
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from reference_gateway.config import PERPETUAL_EXPIRY_MS
from reference_gateway.engine.exchange import HOUR_MS
from reference_gateway.errors import TOO_MANY_REQUESTS, PulseError
from reference_gateway.faults import ORDER_METHODS, on_results, replace
from reference_gateway.faults.seams import without
from reference_gateway.gateway import Gateway
from reference_gateway.params import METHOD_PARAMS, validate


@dataclass(frozen=True)
class Deviation:
    name: str
    area: str
    description: str
    markers: str  # the pytest -m expression whose tests should stay green under it
    apply: Callable[[Gateway], None]
    configure: Callable[[dict], None] | None = None  # runs on the config before the Gateway is built
    # Readings (spec/INTERPRETATIONS.md) this latitude departs from by design: the suite's checks that rest on them
    # report it (non-strict, never failing). pulse-mutation turns a deviation run red on a non-strict report that
    # rests on no reading listed here: a check of the doc's words, or of another reading, read a correct gateway
    # as wrong.
    contradicts: tuple[str, ...] = ()


DEVIATIONS: dict[str, Deviation] = {}

DEFAULT_SETTINGS = {
    "seed": 17,
    "latency_ms": 20,            # latency: the least delay added before each request is handled
    "latency_jitter_ms": 10,     # ... plus up to this much
    "rate_limited_fraction": 0.03,
    "maker_refresh_ms": 500,     # market_maker_one_tick: how often the other firm re-quotes
    "maker_levels": 5,
    "taker_period_ms": 1500,     # other_taker: mean time between its trades
    "index_period_ms": 1000,     # index_moves: one random-walk step this often
    "index_step": 0.0002,        # ... of this relative standard deviation
    "funding_period_h": 8,
    "token_life_s": 30,          # short_token_life: access tokens' lifetime (expires_in)
}

# The other firms on a shared gateway: accounts the suite never uses.
OTHER_FIRMS = {
    "mm_firm": {"client_id": "mm_firm", "client_secret": "mm-firm-secret", "account_id": "66fa44883ea1ba9966db0f01",
                "email": "desk@mm-firm.example", "balance": 50_000_000.0},
    "taker_firm": {"client_id": "taker_firm", "client_secret": "taker-firm-secret",
                   "account_id": "66fa44883ea1ba9966db0f02", "email": "desk@taker-firm.example", "balance": 50_000_000.0},
}
QUOTED_INSTRUMENTS = ("BTC_USD-PERPETUAL", "ETH_USD-PERPETUAL")
FEE_PERCENTAGE = {"future": 0.05, "option": 0.03, "perpetual": 0.05}
EXTRA_FIELD = ("gateway_node", "stg-eu-2")

# Named bundles. ``staging``: a busy shared staging gateway. BTC_USD-25DEC26 and the extra BTC_USDC-PERPETUAL stay
# unquoted (empty books), so the suite can still find an instrument where it crosses only its own orders.
PROFILES: dict[str, tuple[str, ...]] = {
    "staging": ("market_maker_one_tick", "other_taker", "fees_on_fills", "funding_8h", "index_moves", "latency",
                "rate_limited", "opaque_tokens", "other_order_ids", "extra_fields", "change_only_channels",
                "other_instruments", "short_token_life"),
}


def deviation(name: str, area: str, description: str, markers: str, configure: Callable[[dict], None] | None = None,
              contradicts: tuple[str, ...] = ()):
    def register(apply: Callable[[Gateway], None]) -> Callable[[Gateway], None]:
        if name in DEVIATIONS:
            raise ValueError(f"duplicate deviation {name}")
        DEVIATIONS[name] = Deviation(name, area, description, markers, apply, configure, contradicts)
        return apply
    return register


def expand(names: tuple[str, ...] = (), profile: str | None = None) -> tuple[str, ...]:
    """The profile's deviations then ``names``, each once, in that order."""
    listed = (PROFILES[profile] if profile else ()) + tuple(names)
    return tuple(dict.fromkeys(listed))


def configure_deviations(config: dict, names: tuple[str, ...]) -> dict:
    for name in names:
        if DEVIATIONS[name].configure:
            DEVIATIONS[name].configure(config)
    return config


def apply_deviations(gateway: Gateway, names: tuple[str, ...]) -> None:
    gateway.requested_deviations = tuple(names)  # a deviation may bring another along unless it is switched in too
    for name in names:
        DEVIATIONS[name].apply(gateway)
        gateway.active_deviations.append(name)


def settings(gateway: Gateway) -> dict:
    return {**DEFAULT_SETTINGS, **gateway.config.get("deviations", {})}


def rng(gateway: Gateway, name: str) -> random.Random:
    """A deterministic random source per gateway and deviation."""
    return random.Random(f"{settings(gateway)['seed']}:{name}")


def every(period_s: Callable[[], float], action: Callable[[], None]) -> Callable[[], None]:
    """A timer hook that runs ``action`` once per ``period_s()`` of wall time (the gateway ticks every ~50 ms)."""
    due = [time.monotonic() + period_s()]

    def hook() -> None:
        if time.monotonic() >= due[0]:
            due[0] = time.monotonic() + period_s()
            action()
    return hook


def add_accounts(*client_ids: str) -> Callable[[dict], None]:
    def configure(config: dict) -> None:
        present = {account["client_id"] for account in config["accounts"]}
        config["accounts"] += [dict(OTHER_FIRMS[c]) for c in client_ids if c not in present]
    return configure


def other_firm(gw: Gateway, deviation_name: str, client_id: str) -> tuple:
    """(exchange, settings, random source, account id) of another firm's trading robot."""
    return gw.exchange, settings(gw), rng(gw, deviation_name), OTHER_FIRMS[client_id]["account_id"]


def limit_order(instrument_name: str, amount: float, price: float, **extra) -> dict:
    """Validated private/buy params (defaults filled in), as a handler receives them."""
    return validate(METHOD_PARAMS["private/buy"], {"instrument_name": instrument_name, "amount": amount,
                                                   "price": price, "type": "limit", **extra})


def on_tick_grid(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 10)


def map_dicts(value: object, change: Callable[[dict], dict], depth: int = 2) -> object:
    """``change`` applied to every dict in ``value`` down to ``depth`` levels of dicts and lists (new objects)."""
    if depth < 0:
        return value
    if isinstance(value, list):
        return [map_dicts(item, change, depth) for item in value]
    if isinstance(value, dict):
        return change({key: map_dicts(item, change, depth - 1) for key, item in value.items()})
    return value


# ---------------------------------------------------------------------------------------------- other firms
@deviation("market_maker_one_tick", "market", "another firm quotes 1..5 ticks either side of the index on "
           "BTC_USD-PERPETUAL and ETH_USD-PERPETUAL, re-quoting every 0.5 s", "trading or market_data or subscriptions",
           configure=add_accounts("mm_firm"))
def _market_maker(gw: Gateway) -> None:
    x, s, random_source, maker = other_firm(gw, "market_maker_one_tick", "mm_firm")

    def requote() -> None:
        for name in QUOTED_INSTRUMENTS:
            instrument = x.instruments[name]
            mid = on_tick_grid(x.index_prices[instrument.price_index], instrument.tick_size)
            x.cancel_all_by_instrument(maker, name, "all")
            for level in range(1, s["maker_levels"] + 1):
                for direction, sign in (("buy", -1), ("sell", 1)):
                    amount = instrument.contract_size * random_source.randint(1, 5)
                    price = on_tick_grid(mid + sign * level * instrument.tick_size, instrument.tick_size)
                    x.place_order(maker, direction, limit_order(name, amount, price, label="mm"), None)
        # the firm's replaced quotes are archived: the order history the gateway scans stays bounded
        for order_id in [order.order_id for order in x.account_orders(maker) if not order.is_open]:
            x.forget_order(order_id)

    requote()
    gw.timer_hooks.append(every(lambda: s["maker_refresh_ms"] / 1000, requote))


@deviation("other_taker", "market", "another firm takes the market maker's liquidity within 2 ticks of the index "
           "on the quoted instruments every ~1.5 s (IOC), producing public trades; the market maker comes with it",
           "trading or market_data or subscriptions", configure=add_accounts("taker_firm", "mm_firm"))
def _other_taker(gw: Gateway) -> None:
    # A taker takes what the market maker quotes one tick from the index. Alone (the campaign switches deviations in
    # one at a time) it would take the suite's own resting orders on the suite's instrument, which I-220 rules out
    # (the suite trades where no one else does: the venue claims such an instrument remotely), so it brings the
    # market maker, whose better-priced quotes stand between it and the suite's orders, as on staging.
    if "market_maker_one_tick" not in getattr(gw, "requested_deviations", ()):
        _market_maker(gw)
    x, s, random_source, taker = other_firm(gw, "other_taker", "taker_firm")

    def take() -> None:
        instrument = x.instruments[random_source.choice(QUOTED_INSTRUMENTS)]
        direction = random_source.choice(("buy", "sell"))
        reach = (2 if direction == "buy" else -2) * instrument.tick_size
        price = on_tick_grid(x.index_prices[instrument.price_index] + reach, instrument.tick_size)
        x.place_order(taker, direction, limit_order(instrument.instrument_name, instrument.contract_size, price,
                                                    time_in_force="immediate_or_cancel", label="taker"), None)

    gw.timer_hooks.append(every(lambda: random_source.uniform(0.5, 1.5) * s["taker_period_ms"] / 1000, take))


# ---------------------------------------------------------------------------------------------- money and time
@deviation("fees_on_fills", "wallet", "every fill pays a fee (future/perpetual 0.05 %, option 0.03 % of the notional): "
           "balance reduced, user_fee reports the percentages", "trading or wallet or subscriptions")
def _fees_on_fills(gw: Gateway) -> None:
    x = gw.exchange
    paid: dict[str, float] = defaultdict(float)

    def count(original):
        def count_fee_volume(account, instrument, amount):
            original(account, instrument, amount)
            product = "option" if instrument.kind == "option" else "perpetual" if instrument.is_perpetual else "future"
            notional = amount * x.last_prices[instrument.instrument_name] if product == "option" else amount
            paid[account] += notional * FEE_PERCENTAGE[product] / 100
        return count_fee_volume

    replace(x, "_count_fee_volume", count)
    replace(x, "account_balance", lambda original: lambda account: original(account) - paid[account])
    replace(x, "user_fee", lambda original: lambda account: {
        key: {**value, "percentage": FEE_PERCENTAGE[key]} if key in FEE_PERCENTAGE else value
        for key, value in original(account).items()})


def _funding_period(config: dict) -> None:
    hours = {**DEFAULT_SETTINGS, **config.get("deviations", {})}["funding_period_h"]
    config["limits"]["funding_period_ms"] = int(hours * HOUR_MS)


@deviation("funding_8h", "market_data", "funding periods last 8 hours, not 1 (funding channels, chart and history)",
           "market_data or subscriptions", configure=_funding_period,
           contradicts=("I-45", "I-164"))  # both read the funding period as 1 h
def _funding_8h(gw: Gateway) -> None:
    """Everything happens in ``configure``: the funding period is a gateway setting."""


# Not with the local_only cases: they set the index through the control plane, which the walk then moves on from
# (the shadow model cannot predict a random index), and an environment whose index moves by itself has no control
# plane (staging, the simulator: local_only is skipped there).
@deviation("index_moves", "market_data", "every index takes a small random-walk step (0.02 %) each second",
           "(market_data or subscriptions or trading) and not local_only")
def _index_moves(gw: Gateway) -> None:
    x, s, random_source = gw.exchange, settings(gw), rng(gw, "index_moves")

    def step() -> None:
        for name, price in list(x.index_prices.items()):
            x.set_index_price(name, round(price * (1 + random_source.gauss(0, s["index_step"])), 2))

    gw.timer_hooks.append(every(lambda: s["index_period_ms"] / 1000, step))


# ---------------------------------------------------------------------------------------------- transport
@deviation("latency", "transport", "every HTTP request and WS message waits latency_ms (default 20) + up to "
           "latency_jitter_ms before it is handled (trading under latency: the --env sim run of .ci/run)",
           "jsonrpc or session")
def _latency(gw: Gateway) -> None:
    s, random_source = settings(gw), rng(gw, "latency")
    gw.request_delay_s = lambda: (s["latency_ms"] + random_source.uniform(0, s["latency_jitter_ms"])) / 1000


@deviation("notifications_before_reply", "transport", "a subscription's first notifications are sent before the "
           "subscribe reply", "subscriptions")
def _notifications_before_reply(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        follow_ups = request["ctx"].after_reply
        for follow_up in follow_ups:
            follow_up()
        follow_ups.clear()
        return reply
    gw.reply_hooks.append(hook)


@deviation("rate_limited", "transport", "a random ~3 % of requests (HTTP and WS) are refused with too_many_requests "
           "(10028; HTTP: Message status 7)", "jsonrpc or market_data or trading")
def _rate_limited(gw: Gateway) -> None:
    fraction, random_source = settings(gw)["rate_limited_fraction"], rng(gw, "rate_limited")

    def make(call):
        def call_sometimes_refused(method, params, ctx):
            if random_source.random() < fraction:
                raise PulseError(TOO_MANY_REQUESTS, "request rate limit exceeded; back off and retry")
            return call(method, params, ctx)
        return call_sometimes_refused
    replace(gw, "call", make)


@deviation("deribit_envelope_fields", "transport", "WS replies carry Deribit's usIn/usOut/usDiff/testnet beside the "
           "result", "jsonrpc or session")
def _deribit_envelope(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        now_us = int(time.time() * 1_000_000)
        return {**reply, "usIn": now_us - 150, "usOut": now_us, "usDiff": 150, "testnet": True}
    gw.reply_hooks.append(hook)


@deviation("error_data_null", "transport", "WS errors carry data: null (JSON-RPC data is optional)", "jsonrpc")
def _error_data_null(gw: Gateway) -> None:
    def hook(reply: dict, request: dict) -> dict:
        if isinstance(reply.get("error"), dict):
            reply = {**reply, "error": {**reply["error"], "data": None}}
        return reply
    gw.reply_hooks.append(hook)


def _token_life(config: dict) -> None:
    seconds = {**DEFAULT_SETTINGS, **config.get("deviations", {})}["token_life_s"]
    config["limits"] = {**config["limits"], "access_token_ttl_s": int(seconds)}


@deviation("short_token_life", "auth", "access tokens live token_life_s (default 30 s), not 900: the doc's expires_in "
           "\"Token lifetime in seconds\" is the environment's own; a client renews its tokens (refresh_token grant or "
           "a new public/auth) and a WS connection authenticates again", "auth or session or subscriptions",
           configure=_token_life)
def _short_token_life(gw: Gateway) -> None:
    """Everything happens in ``configure``: the lifetime is a gateway setting (limits.access_token_ttl_s)."""


# ---------------------------------------------------------------------------------------------- identifiers
@deviation("opaque_tokens", "auth", "access and refresh tokens are opaque random strings, not JWTs", "auth or session")
def _opaque_tokens(gw: Gateway) -> None:
    signed: dict[str, str] = {}  # opaque token -> the gateway's own signed token

    def issue(original):
        def issue_opaque(account, session_id):
            result, identity = original(account, session_id)
            for key in ("access_token", "refresh_token"):
                opaque = secrets.token_urlsafe(32)
                signed[opaque] = result[key]
                result[key] = opaque
            return result, identity
        return issue_opaque

    def decode(original):
        return lambda token, expected_type, *args: original(signed.get(token, ""), expected_type, *args)

    replace(gw.auth, "_issue", issue)
    replace(gw.auth, "_decode", decode)


@deviation("other_order_ids", "trading", "order and trade ids look like Deribit's ('PLS-5912473'), not 32-hex",
           "trading or subscriptions or wallet")
def _other_order_ids(gw: Gateway) -> None:
    counter = itertools.count(rng(gw, "other_order_ids").randint(1_000_000, 5_000_000))
    gw.exchange.new_id = lambda: f"PLS-{next(counter)}"


# ---------------------------------------------------------------------------------------------- payloads
@deviation("extra_fields", "payload", f"results and notifications carry an undocumented field {EXTRA_FIELD[0]!r}",
           "market_data or trading or wallet or subscriptions or auth")
def _extra_fields(gw: Gateway) -> None:
    def extra(value: object) -> object:
        return map_dicts(value, lambda item: {**item, EXTRA_FIELD[0]: EXTRA_FIELD[1]})
    gw.result_hooks.append(lambda method, result: extra(result))
    gw.notification_hooks.append(lambda channel, data: extra(data))


TRADE_METHODS = {"private/buy", "private/sell", "private/edit", "public/last_trades_by_instrument",
                 "private/get_user_trades_by_instrument", "private/get_user_trades_by_order"}


# what a book may leave out (GetOrderBookResponse: every field Required false); kept: the levels, the best prices
# ("null if there aren't any") and instrument_name, which a book without them would not be one of
BOOK_OPTIONAL_FIELDS = ("index_price", "timestamp", "stats", "mark_price", "settlement_price", "state", "last_price",
                        "best_bid_amount", "best_ask_amount", "underlying_price", "underlying_index", "greeks",
                        "ask_iv", "bid_iv")


@deviation("optional_fields_absent", "payload", "fields the doc marks Required false are left out: trades without "
           "'api', 'index_price', 'mark_price', orders without 'max_show', order books with only their levels, best prices and instrument_name, "
           "TradingView charts without status and cost, funding charts without current_payment, perp_open, spot_open",
           "trading or market_data or subscriptions")
def _optional_fields_absent(gw: Gateway) -> None:
    def drop(item: dict) -> dict:
        if "trade_id" in item:  # real (Deribit) trades leave these out (I-403)
            for name in ("api", "index_price", "mark_price"):
                item.pop(name, None)
        if "order_state" in item:
            item.pop("max_show", None)
        return item

    def drop_funding_fields(chart: dict) -> dict:
        return {**without("current_payment")(chart),
                "funding_prices": [without("perp_open", "spot_open")(p) for p in chart.get("funding_prices") or []]}
    on_results(gw, TRADE_METHODS | ORDER_METHODS, lambda result: map_dicts(result, drop))
    # a book without these: the suite then reads public/get_index_price and its own clock (harness.placement)
    on_results(gw, {"private/get_order_book"}, without(*BOOK_OPTIONAL_FIELDS))
    on_results(gw, {"private/get_tradingview_chart_data"}, without("status", "cost"))
    on_results(gw, {"public/get_funding_chart_data"}, drop_funding_fields)
    gw.notification_hooks.append(lambda channel, data: map_dicts(data, drop) if channel.startswith("user.") else data)


# OrderConfirmation flags every order has (all Required false): I-160 reads them as present (non-strict)
ORDER_FLAGS = ("post_only", "reduce_only", "replaced", "mmp")


@deviation("order_flags_absent", "payload", "orders leave out their Required false flags post_only, reduce_only, "
           "replaced and mmp (in results and user.orders notifications)", "trading or subscriptions",
           contradicts=("I-160",))  # I-160: every unconditional property is present (non-strict)
def _order_flags_absent(gw: Gateway) -> None:
    def drop(item: dict) -> dict:
        return without(*ORDER_FLAGS)(item) if "order_state" in item else item
    on_results(gw, ORDER_METHODS, lambda result: map_dicts(result, drop))
    gw.notification_hooks.append(lambda channel, data: map_dicts(data, drop) if channel.startswith("user.") else data)


@deviation("change_only_channels", "subscriptions", "channels publish on change only: nothing at subscribe time except "
           "the book's snapshot", "subscriptions", contradicts=("I-45",))  # I-45: a value on subscribe
def _change_only_channels(gw: Gateway) -> None:
    def make(original):
        def initial_notification(session, channel, family, match):
            if family == "book":
                original(session, channel, family, match)
        return initial_notification
    replace(gw, "_initial_notification", make)


EXTRA_INSTRUMENTS = [  # on the doc's two indices ("Btc_usd or eth_usd"), with other grids and contract sizes
    {"instrument_name": "BTC_USDC-PERPETUAL", "kind": "future", "base_currency": "BTC", "price_index": "btc_usd",
     "tick_size": 1.0, "contract_size": 1, "expiration_timestamp": PERPETUAL_EXPIRY_MS},
    {"instrument_name": "ETH_USD-27MAR27", "kind": "future", "base_currency": "ETH", "price_index": "eth_usd",
     "tick_size": 0.25, "contract_size": 5, "expiration_timestamp": 1805875200000},
    {"instrument_name": "ETH-27MAR27-3000-C", "kind": "option", "base_currency": "ETH", "price_index": "eth_usd",
     "tick_size": 1.0, "contract_size": 1, "expiration_timestamp": 1805875200000, "strike": 3000, "option_type": "call"},
]


def _add_instruments(*instruments: dict) -> Callable[[dict], None]:
    def configure(config: dict) -> None:
        present = {i["instrument_name"] for i in config["instruments"]}
        config["instruments"] = config["instruments"] + [dict(i) for i in instruments if i["instrument_name"] not in present]
    return configure


@deviation("other_instruments", "market_data", "more instruments, other grids: BTC_USDC-PERPETUAL (tick 1, "
           "contract 1), ETH_USD-27MAR27 (tick 0.25, contract 5), option ETH-27MAR27-3000-C", "market_data or trading",
           configure=_add_instruments(*EXTRA_INSTRUMENTS))
def _other_instruments(gw: Gateway) -> None:
    """Everything happens in ``configure``."""


@deviation("combo_instrument", "market_data", "an extra instrument of kind 'future_combo' (BTC-FS-25DEC26_PERP); "
           "the doc's kind is a plain string", "market_data or trading",
           configure=_add_instruments({
               "instrument_name": "BTC-FS-25DEC26_PERP", "kind": "future_combo", "base_currency": "BTC",
               "price_index": "btc_usd", "tick_size": 0.5, "contract_size": 10,
               "expiration_timestamp": 1798185600000}))
def _combo_instrument(gw: Gateway) -> None:
    """Positions keep the doc's kinds (PositionConfirmation.kind: "future", "option"): a combo position is a future."""
    handler, private = gw.methods["private/get_positions"]

    def get_positions(ctx, identity, params):
        rows = handler(ctx, identity, {k: v for k, v in params.items() if k != "kind"})
        rows = [{**row, "kind": row["kind"] if row["kind"] in ("future", "option") else "future"} for row in rows]
        return [row for row in rows if params.get("kind") in (None, row["kind"])]

    gw.methods["private/get_positions"] = (get_positions, private)



# ------------------------------------------------------------------------- required properties only
SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"


@functools.cache
def _spec_documents() -> tuple[dict, dict, Registry]:
    openapi, asyncapi = (yaml.safe_load((SPEC_DIR / name).read_text()) for name in ("openapi.yaml", "asyncapi.yaml"))
    registry = Registry().with_resources([((SPEC_DIR / "openapi.yaml").as_uri(), DRAFT202012.create_resource(openapi)),
                                          ((SPEC_DIR / "asyncapi.yaml").as_uri(), DRAFT202012.create_resource(asyncapi))])
    return openapi, asyncapi, registry


@functools.cache
def _result_refs() -> dict[str, str]:
    """method -> the $ref of its documented HTTP 200 body."""
    openapi, _, _ = _spec_documents()
    uri, refs = (SPEC_DIR / "openapi.yaml").as_uri(), {}
    for path, item in openapi["paths"].items():
        for verb, operation in item.items():
            response = operation["responses"]["200"]
            pointer = response["$ref"][1:] if "$ref" in response else "/paths/" + "/".join(
                token.replace("~", "~0").replace("/", "~1") for token in (path, verb, "responses", "200"))
            refs[operation["x-jsonrpc-method"]] = f"{uri}#{pointer}/content/application~1json/schema"
    return refs


@functools.cache
def _notification_refs() -> list[tuple[re.Pattern, str]]:
    """(channel pattern, $ref of its `data`) for every documented channel."""
    _, asyncapi, _ = _spec_documents()
    uri, found = (SPEC_DIR / "asyncapi.yaml").as_uri(), []
    for name, message in asyncapi["components"]["messages"].items():
        if "x-pulse-visibility" in message:
            params = message["payload"]["allOf"][1]["properties"]["params"]["properties"]
            found.append((re.compile(params["channel"]["pattern"]),
                          f"{uri}#/components/messages/{name}/payload/allOf/1/properties/params/properties/data"))
    return found


def _required_only(value: object, schema: object, resolver) -> object:
    """``value`` with every object property its schema does not require left out (nested values too)."""
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    if not isinstance(schema, dict) or value is None:
        return value
    for key in ("oneOf", "anyOf"):  # the alternative of the value's own shape (an object, a list)
        for branch in schema.get(key, ()):
            target = branch
            while isinstance(target, dict) and "$ref" in target:
                target = resolver.lookup(target["$ref"]).contents
            shape = "items" if isinstance(value, list) else "object"
            if isinstance(target, dict) and (target.get("type") == ("array" if shape == "items" else "object")
                                             or (shape == "object" and ("properties" in target or "allOf" in target))):
                return _required_only(value, branch, resolver)
    if isinstance(value, list):
        return [_required_only(item, schema.get("items"), resolver) for item in value]
    if not isinstance(value, dict):
        return value
    parts, required, properties = [schema], set(), {}
    while parts:
        part = parts.pop()
        while isinstance(part, dict) and "$ref" in part:
            part = resolver.lookup(part["$ref"]).contents
        if not isinstance(part, dict):
            continue
        required |= set(part.get("required", ()))
        properties.update(part.get("properties", {}))
        parts += [*part.get("allOf", ()), part.get("then"), part.get("else")]
    if not properties and not required:  # a free-form map (e.g. by currency): as it is
        return value
    return {name: _required_only(item, properties.get(name), resolver) for name, item in value.items() if name in required}


@deviation("required_properties_only", "payload", "every result and notification carries only the properties "
           "spec/openapi.yaml's required lists name (the doc marks every property Required false; "
           "get_instruments whole)", "market_data or trading or wallet or subscriptions or auth",
           contradicts=("I-160",))  # I-160: every unconditional property is present (non-strict)
def _required_properties_only(gw: Gateway) -> None:
    _, _, registry = _spec_documents()
    resolver = registry.resolver()

    def result(method: str, value: object) -> object:
        ref = _result_refs().get(method)
        return value if ref is None or method.endswith("/get_instruments") else _required_only(value, {"$ref": ref}, resolver)

    def notification(channel: str, data: object) -> object:
        ref = next((ref for pattern, ref in _notification_refs() if pattern.fullmatch(channel)), None)
        return data if ref is None else _required_only(data, {"$ref": ref}, resolver)
    gw.result_hooks.append(result)
    gw.notification_hooks.append(notification)



# Listings the doc gives no order for and that take no count/offset (a page of a reversed list would be another
# page): a gateway may list them in any order. Open orders are oldest first by I-36 (a reading, graded non-strict).
UNORDERED_LISTINGS = {"private/get_positions", "private/get_instruments", "private/get_open_orders_by_instrument",
                      "public/get_funding_rate_history"}


@deviation("lists_in_another_order", "payload", "listings the doc gives no order for come newest first / reversed: "
           "positions, instruments, open orders (I-36 reads oldest first), funding rate history",
           "market_data or trading or wallet or subscriptions", contradicts=("I-36",))
def _lists_in_another_order(gw: Gateway) -> None:
    on_results(gw, UNORDERED_LISTINGS, lambda result: list(reversed(result)) if isinstance(result, list) else result)


def map_numbers(value: object, change: Callable[[int | float], int | float]) -> object:
    """``change`` applied to every number in ``value`` (never a bool), at any depth (new objects)."""
    if isinstance(value, list):
        return [map_numbers(item, change) for item in value]
    if isinstance(value, dict):
        return {key: map_numbers(item, change) for key, item in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return change(value)
    return value


def on_payloads(gw: Gateway, change: Callable[[object], object]) -> None:
    """``change`` applied to every result and every notification's data."""
    gw.result_hooks.append(lambda method, result: change(result))
    gw.notification_hooks.append(lambda channel, data: change(data))


# JSON has one number type: 10 and 10.0 are the same number, and JSON Schema's "integer" (the spec's dialect) is a
# number without a fractional part in either notation. A gateway picks its own notation.
@deviation("integral_floats_as_integers", "payload", "results and notifications write every number without a "
           "fractional part without one (10 for an amount of 10.0), as a JavaScript or Go gateway does",
           "market_data or trading or wallet or subscriptions or auth")
def _integral_floats_as_integers(gw: Gateway) -> None:
    on_payloads(gw, lambda value: map_numbers(
        value, lambda number: int(number) if float(number).is_integer() and abs(number) < 2**53 else number))


@deviation("integers_as_floats", "payload", "results and notifications write every integer as a float "
           "(expires_in 900.0, timestamps 1796318864167.0), as a gateway whose numbers are all doubles does",
           "market_data or trading or wallet or subscriptions or auth")
def _integers_as_floats(gw: Gateway) -> None:
    on_payloads(gw, lambda value: map_numbers(value, float))
