"""The invariant catalogue (spec/invariants.toml) against its checks (harness/invariants.py) and its faults."""

import copy
import re
import tomllib

import pytest

from harness import invariants, schema
from harness.env import SPEC_DIR
from harness.methods import HTTP_METHODS, WS_ONLY_METHODS
from reference_gateway.faults import FAULTS

CATALOGUE = tomllib.loads((SPEC_DIR / "invariants.toml").read_text(encoding="utf-8"))
RELATIONS = {relation["id"]: relation for relation in CATALOGUE["relation"]}
KINDS = {"ordering", "totals", "account", "echo", "cross_method", "time"}
METHODS = sorted(set(HTTP_METHODS) | WS_ONLY_METHODS)
FAMILIES = sorted(invariants.CHANNEL_MODELS)
SCHEMAS = schema.openapi()["components"]["schemas"]


def example(model: str) -> object:
    """The doc's first example of ``model`` (spec/openapi.yaml), a fresh copy."""
    return copy.deepcopy(SCHEMAS[model]["examples"][0])


def with_(payload: dict, **changes) -> dict:
    return {**payload, **changes}


ORDER, BOOK, CHART = example("models.OrderConfirmation"), example("models.GetOrderBookResponse"), \
    example("models.GetTradingviewChartDataResponse")
TRADE, BUY = example("models.TradesResponse"), example("models.BuySellResponse")
POSITION, SUMMARY = example("models.PositionConfirmation"), example("models.GetAccountSummaryResponse")
FUNDING_PRICES, SNAPSHOT = example("models.FundingPriceArray"), example("models.BookNotification")
CANCELLED = with_(ORDER, order_state="cancelled", filled_amount=0)
LATER_TRADE = with_(TRADE, trade_seq=2, timestamp=TRADE["timestamp"] + 1)
CHANGE = {**SNAPSHOT, "type": "change", "prev_change_id": 1, "change_id": 2}

# relation id -> (arguments the doc's examples give: passes, a crafted payload: fails)
CASES: dict[str, tuple[tuple, tuple]] = {
    "book_bids_descending": ((BOOK,), (with_(BOOK, bids=[[1, 1], [2, 1]]),)),
    "book_asks_ascending": ((SNAPSHOT,), (with_(SNAPSHOT, asks=[["new", 3, 1], ["new", 2, 1]]),)),
    "trades_sorted_per_sorting": (({"sorting": "asc"}, [TRADE, LATER_TRADE]), ({"sorting": "asc"}, [LATER_TRADE, TRADE])),
    "trade_seq_follows_timestamp": (([TRADE, LATER_TRADE, with_(TRADE, direction="sell")],),
                                    ([TRADE, with_(LATER_TRADE, timestamp=1)],)),
    "tradingview_ticks_ascending": ((CHART,), (with_(CHART, ticks=CHART["ticks"][::-1]),)),
    "book_best_bid_is_top_level": ((BOOK,), (with_(BOOK, best_bid_price=3900),)),
    "book_best_ask_is_top_level": ((BOOK,), (with_(BOOK, best_ask_amount=1),)),
    "book_uncrossed": ((BOOK,), (with_(BOOK, best_bid_price=4000),)),
    "book_stats_low_below_high": ((BOOK["stats"],), ({"low": 2, "high": 1},)),
    "order_filled_within_amount": ((ORDER,), (with_(ORDER, filled_amount=20),)),
    "order_average_price_when_filled": ((ORDER,), (with_(ORDER, average_price=0),)),
    "order_state_matches_filled_amount": ((ORDER,), (with_(ORDER, filled_amount=5),)),
    "order_fills_within_limit_price": ((ORDER,), (with_(ORDER, average_price=50100),)),
    "order_trades_within_fill": ((BUY,), (with_(BUY, trades=BUY["trades"] * 2),)),
    "tradingview_series_aligned": ((CHART,), (with_(CHART, volume=[1.0]),)),
    "tradingview_bar_spans_open_close": ((CHART,), (with_(CHART, high=[1, 1]),)),
    "funding_prices_within_range": ((FUNDING_PRICES,), (with_(FUNDING_PRICES, spot_open=60000),)),
    "position_direction_matches_size": ((POSITION,), (with_(POSITION, size=-1),)),
    "position_initial_margin_covers_maintenance": ((POSITION,), (with_(POSITION, initial_margin=1),)),
    "account_initial_margin_covers_maintenance": ((SUMMARY,), (with_(SUMMARY, maintenance_margin=2),)),
    "account_summary_is_for_the_requested_currency": (({"currency": "USD"}, SUMMARY), ({"currency": "BTC"}, SUMMARY)),
    "subscribe_result_echoes_channels": (({"channels": ["quote.BTC_USD-PERPETUAL"]}, "ok"),
                                         ({"channels": ["a", "b"]}, ["a"])),
    "cancel_result_is_the_cancelled_order": (({"order_id": ORDER["order_id"]}, CANCELLED),
                                             ({"order_id": ORDER["order_id"]}, ORDER)),
    "cancel_all_lists_only_cancelled_orders": (({}, [CANCELLED]), ({}, [ORDER])),
    "order_entry_echoes_request": (("private/buy", {"instrument_name": ORDER["instrument_name"], "type": "limit"}, BUY),
                                   ("private/sell", {}, BUY)),
    "edit_result_is_the_edited_order": (({"order_id": ORDER["order_id"]}, BUY), ({"order_id": "other"}, BUY)),
    "order_state_is_the_requested_order": (({"order_id": ORDER["order_id"]}, [ORDER]), ({"order_id": "x"}, [ORDER])),
    "results_are_for_the_requested_instrument": (({"instrument_name": BOOK["instrument_name"]}, BOOK),
                                                 ({"instrument_name": "ETH_USD-PERPETUAL"}, [ORDER])),
    "trades_are_for_the_requested_order": (({"order_id": ORDER["order_id"]}, BUY["trades"]), ({"order_id": "x"}, BUY["trades"])),
    "results_respect_count": (({"count": 1}, [TRADE]), ({"count": 1}, [TRADE, LATER_TRADE])),
    "open_orders_are_open": (({}, [with_(ORDER, order_state="open", filled_amount=0)]), ({}, [ORDER])),
    "orders_carry_the_requested_label": (({"label": ORDER["label"]}, [ORDER]), ({"label": "other"}, [ORDER])),
    "history_excludes_unfilled_unless_asked": (({}, [ORDER]), ({}, [CANCELLED])),
    "mmp_config_echoes_request": ((example("models.SetMMPConfig"), example("models.SetMMPConfig")),
                                  (with_(example("models.SetMMPConfig"), interval=5), example("models.SetMMPConfig"))),
    "items_match_the_filter": (({"kind": "option"}, [example("models.GetInstrumentResponse")]),
                               ({"kind": "future"}, [example("models.GetInstrumentResponse")])),
    "order_trades_name_the_order": ((BUY,), (with_(BUY, trades=[with_(BUY["trades"][0], direction="sell")]),)),
    "order_immutable_fields_agree": ((ORDER, with_(ORDER, order_state="cancelled")), (ORDER, with_(ORDER, label="x"))),
    "trade_immutable_fields_agree": ((TRADE, with_(TRADE, direction="sell", amount=10.0)),
                                     (TRADE, with_(TRADE, timestamp=TRADE["timestamp"] // 1000 * 1000 + 1))),
    "order_updated_after_creation": ((ORDER,), (with_(ORDER, last_update_timestamp=ORDER["creation_timestamp"] - 1),)),
    "book_change_id_advances": ((CHANGE,), (with_(CHANGE, change_id=1),)),
    "funding_range_ordered": ((example("models.FundingRateNotification"),),
                              (with_(example("models.FundingRateNotification"), range_start=2 * 10**12),)),
    "tradingview_ticks_within_window": (({"end_timestamp": CHART["ticks"][-1]}, CHART),
                                        ({"end_timestamp": CHART["ticks"][0]}, CHART)),
    "trades_within_requested_window": (({"start_seq": 1, "end_seq": 1}, [TRADE]), ({"start_seq": 2}, [TRADE])),
}


def test_every_relation_is_well_formed_and_names_an_existing_check():
    """(a) id, kind, models, basis and check are present; the check is a function of harness/invariants.py."""
    assert RELATIONS, "spec/invariants.toml lists no relation"
    for relation in RELATIONS.values():
        assert relation["kind"] in KINDS, f"{relation['id']}: kind {relation['kind']!r} not in {sorted(KINDS)}"
        assert relation["check"] == relation["id"], f"{relation['id']}: the check's name is its id"
        assert callable(getattr(invariants, relation["check"], None)), f"{relation['id']}: no such check function"
        assert relation["models"] and relation["basis"], f"{relation['id']}: models and basis are required"
        assert relation["strict"] is (not relation["register"]) or not relation["strict"], (
            f"{relation['id']}: a relation resting on a register entry is non-strict")
        for model in relation["models"]:
            assert model in SCHEMAS, f"{relation['id']}: {model} is not a spec/openapi.yaml model"


def test_register_ids_exist():
    text = (SPEC_DIR / "INTERPRETATIONS.md").read_text(encoding="utf-8")
    for relation in RELATIONS.values():
        for entry in relation["register"]:
            assert f"### {entry} " in text, f"{relation['id']}: register entry {entry} is not in INTERPRETATIONS.md"


@pytest.mark.parametrize("relation_id", sorted(RELATIONS))
def test_dispatcher_runs_the_relation_where_the_catalogue_says(relation_id):
    """(a) The dispatcher reaches each relation on exactly the methods and channels the catalogue lists."""
    relation = RELATIONS[relation_id]
    methods = [m for m in METHODS if relation_id in invariants.relations_for_method(m)]
    families = [f for f in FAMILIES if relation_id in invariants.relations_for_channel(f)]
    assert methods or families, f"{relation_id}: check_result/check_notification never run it"
    assert (sorted(relation["methods"]), sorted(relation["channels"])) == (sorted(methods), sorted(families))
    assert set(relation["methods"]) <= set(METHODS)


def test_every_documented_model_is_catalogued():
    """Every documented model either has relations or says why it has none."""
    unrelated = {entry["model"] for entry in CATALOGUE["unrelated"]}
    related = {model for relation in RELATIONS.values() for model in relation["models"]}
    documented = {name for name in SCHEMAS if not name.startswith("pulse.")}
    assert documented - related - unrelated == set()
    assert not related & unrelated, f"listed both ways: {related & unrelated}"


@pytest.mark.parametrize(("channel", "bad", "relation_id"), [
    ("book.BTC_USD-PERPETUAL.raw", with_(SNAPSHOT, bids=[["new", 50020, 1]]), "book_uncrossed"),
    ("book.BTC_USD-PERPETUAL.100ms", with_(CHANGE, change_id=0), "book_change_id_advances"),
    ("quote.BTC_USD-PERPETUAL", with_(example("models.QuoteNotification"), best_bid_price=50001), "book_uncrossed"),
    ("user.orders.BTC_USD-PERPETUAL.raw", with_(ORDER, filled_amount=11), "order_filled_within_amount"),
    ("user.changes.BTC_USD-PERPETUAL.raw", {"orders": [with_(ORDER, last_update_timestamp=1)], "trades": []},
     "order_updated_after_creation"),
    ("funding_rates.BTC_USD-PERPETUAL", {"range_start": 2, "range_end": 1}, "funding_range_ordered"),
])
def test_notifications_reach_their_model_relations(channel, bad, relation_id):
    """check_notification finds the model of a concrete channel name; the doc's example notifications pass."""
    family = invariants.channel_family(channel)
    assert relation_id in invariants.relations_for_channel(family)
    for model in invariants.models_for_channel(family):
        for good in SCHEMAS[model].get("examples") or []:
            invariants.check_notification(channel, copy.deepcopy(good))
    with pytest.raises(AssertionError, match=f"invariant {relation_id} failed"):
        invariants.check_notification(channel, bad)


def test_every_relation_has_a_red_and_a_green_case():
    assert set(CASES) == set(RELATIONS), f"missing cases: {sorted(set(RELATIONS) - set(CASES))}"


@pytest.mark.parametrize("relation_id", sorted(CASES))
def test_check_is_green_on_the_doc_examples_and_red_on_a_crafted_payload(relation_id):
    """(b) The doc's example payloads pass; a crafted payload that breaks the relation fails, naming it."""
    check = getattr(invariants, relation_id)
    good, bad = CASES[relation_id]
    check(*copy.deepcopy(good))
    with pytest.raises(AssertionError) as failure:
        check(*copy.deepcopy(bad))
    message = str(failure.value)
    assert message.startswith(f"invariant {relation_id} failed\nclause: "), message
    assert "\nreceived: " in message and "\ndocumented: " in message, message


def doc_examples_of_result(method: str) -> list:
    """The doc's example results of an HTTP operation: its 200 schema's examples, or its model's."""
    operation = next(op for item in schema.openapi()["paths"].values() for op in item.values()
                     if op["x-jsonrpc-method"] == method)
    result_schema = operation["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {})
    if result_schema.get("examples"):
        return result_schema["examples"]
    ref = result_schema.get("$ref") or (result_schema.get("items") or {}).get("$ref") or ""
    model_examples = SCHEMAS.get(ref.rsplit("/", 1)[-1], {}).get("examples") or []
    return [[e] for e in model_examples] if "items" in result_schema else model_examples


@pytest.mark.parametrize("method", HTTP_METHODS)
def test_dispatcher_is_green_on_the_doc_example_of_each_result(method):
    """Every model relation holds on the doc's example result of each method. (The request/result relations are
    checked on CASES above: the doc's examples are per model, e.g. private/sell's example is a buy order.)"""
    for result in doc_examples_of_result(method):
        invariants.check_result_models(method, copy.deepcopy(result), invariants.Memory())


def test_memory_compares_replies_about_the_same_order():
    memory = invariants.Memory()
    invariants.check_result("private/buy", {}, BUY, memory)
    invariants.check_result("private/get_order_state", {}, [with_(ORDER, order_state="cancelled")], memory)
    with pytest.raises(AssertionError, match="invariant order_immutable_fields_agree failed"):
        invariants.check_result("private/get_order_state", {}, [with_(ORDER, direction="sell")], memory)


def test_every_relation_kind_has_a_fault():
    """(c) For each kind, a catalogued fault whose description names a relation of that kind ("kills <id>")."""
    killed_by = {}
    for fault in FAULTS.values():
        for name in re.findall(r"kills (\S+)", fault.description):
            ids = [r for r in RELATIONS if re.fullmatch(name.replace("*", ".*"), r)]
            assert ids, f"fault {fault.name} names {name}, which is not in spec/invariants.toml"
            for relation_id in ids:
                killed_by.setdefault(RELATIONS[relation_id]["kind"], []).append(fault.name)
    assert KINDS <= set(killed_by), f"kinds without a fault: {sorted(KINDS - set(killed_by))}"


@pytest.mark.parametrize(("value", "integer"), [(900, True), (900.0, True), (1796318864167.0, True), (0, True),
                                                (900.5, False), (True, False), ("900", False), (None, False)])
def test_a_json_integer_is_a_number_without_a_fraction_in_either_notation(value, integer):
    """JSON Schema's "integer" (the spec's dialect): 900.0 is 900; a bool or a string never is."""
    from harness.wire_checks import is_integer, is_ms_timestamp
    assert is_integer(value) is integer
    assert is_ms_timestamp(1796318864167.0) and not is_ms_timestamp(1796318864.0) and not is_ms_timestamp(1796318864167.5)
