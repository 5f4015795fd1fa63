"""harness/schema.py's fast path: jsonschema-rs says "valid" exactly when the jsonschema path does.

The fast verdict is trusted only when it says valid (a refused value goes to the jsonschema path, which names the
violations), so a value jsonschema-rs passed and jsonschema refuses would be a violation the suite no longer sees.
Checked on every documented example and on mutations of them (a key dropped or re-valued, a value replaced by any
JSON value, a list grown or cut), against every model the suite validates replies and notifications with.
"""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from harness import schema
from harness.schema import (
    ASYNCAPI_URI,
    OPENAPI_URI,
    asyncapi,
    fast_is_valid,
    json_pointer,
    jsonrpc_methods,
    openapi,
    registry,
    result_schema,
    validate,
)


def _slow_is_valid(ref: str, instance) -> bool:
    return Draft202012Validator({"$ref": ref}, registry=registry()).is_valid(instance)


def _schemas_and_examples() -> list[tuple[str, object]]:
    """(schema $ref, example) for every component model, message payload and method result that has examples
    (a result's examples are its model's)."""
    pairs = []
    for name, model in openapi()["components"]["schemas"].items():
        ref = f"{OPENAPI_URI}#{json_pointer(['components', 'schemas', name])}"
        pairs += [(ref, example) for example in model.get("examples", [])] or [(ref, {})]
    for name, message in asyncapi()["components"]["messages"].items():
        ref = f"{ASYNCAPI_URI}#{json_pointer(['components', 'messages', name, 'payload'])}"
        pairs += [(ref, example["payload"]) for example in message.get("examples", []) if "payload" in example]
        pairs.append((ref, {}))
    for method in sorted(jsonrpc_methods()):
        try:
            pairs.append((result_schema(method)["$ref"], {}))
        except KeyError:  # a method without a reply
            continue
    return pairs


PAIRS = _schemas_and_examples()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(["buy", "sell", "open", "filled", "BTC-PERPETUAL", "limit", "usd"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def mutated(draw):
    ref, example = draw(st.sampled_from(PAIRS))
    value = copy.deepcopy(example)
    for _ in range(draw(st.integers(0, 3))):
        value = _mutate(draw, value)
    return ref, value


def _mutate(draw, value):
    """One change somewhere in ``value`` (it may be the root)."""
    if isinstance(value, (dict, list)) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value) if isinstance(value, dict) else range(len(value))))
        action = draw(st.sampled_from(["descend", "drop", "replace" if isinstance(value, dict) else "grow"]))
        if action == "descend":
            value[key] = _mutate(draw, value[key])
        elif action == "drop":
            del value[key]
        elif action == "replace":
            value[key] = draw(json_values)
        else:
            value.append(draw(json_values))
        return value
    if isinstance(value, dict) and draw(st.booleans()):
        value[draw(st.text(max_size=6))] = draw(json_values)
        return value
    return draw(json_values)


def test_every_model_is_covered():
    assert len({ref for ref, _ in PAIRS}) > 150


@pytest.mark.parametrize(("ref", "example"), PAIRS, ids=[f"{i}" for i in range(len(PAIRS))])
def test_documented_examples_agree(ref, example):
    assert fast_is_valid({"$ref": ref}, example) is _slow_is_valid(ref, example)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_values_agree(case):
    ref, value = case
    assert fast_is_valid({"$ref": ref}, value) is _slow_is_valid(ref, value), value


def test_a_refused_value_is_reported_by_the_jsonschema_path():
    buy = result_schema("private/buy")
    assert fast_is_valid(buy, {"order": {}, "trades": []}) is False
    assert "required 'amount'" in {violation.rule for violation in validate(buy, {"order": {}, "trades": []})}


def test_no_verdict_for_an_inline_schema_or_a_value_json_has_no_type_for():
    assert fast_is_valid({"type": "object"}, {}) is None
    assert validate({"type": "string"}, 1)  # the jsonschema path still refuses it


def test_the_fast_path_can_be_switched_off(monkeypatch):
    calls = []
    monkeypatch.setattr(schema, "FAST_PATH", False)
    monkeypatch.setattr(schema, "fast_is_valid", lambda *args: calls.append(args) or True)
    assert validate("models.OrderConfirmation", {}) != []
    assert calls == []
