"""private/get_instruments (doc section "Market Data"; register I-16)."""

import pytest

from harness.checks import Fail, check
from harness.schema import assert_conforms, result_schema
from harness.trades import currency_of
from harness.wire_checks import is_ms_timestamp

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "private/get_instruments")]

KINDS = ("future", "option")


@check(clause="GetInstrumentResponse: contract_size integer (JSON has one number type: 10.0 is the integer 10, I-404)")
def contract_size_is_integral(instrument: dict) -> None:
    size = instrument.get("contract_size")
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size != int(size):
        raise Fail(repr(size), "an integer (a number with an integral value)")


@check(clause="GetInstrumentResponse: kind string \"Instrument kind\"; I-16 reads future or option",
       interpretation="I-404", informational=True)
def kind_is_future_or_option(instrument: dict) -> None:
    if instrument.get("kind") not in KINDS:
        raise Fail(repr(instrument.get("kind")), f"one of {KINDS} (Deribit also lists spot and combos)")


def names(instruments: list[dict]) -> set[str]:
    return {i.get("instrument_name") for i in instruments}


@pytest.fixture
def instruments(pulse, transport, pulse_env):
    """``instruments(**params)``: get_instruments over the parametrized transport (currency defaults to the
    test instrument's)."""
    api = pulse("maker", transport)

    def call(**params) -> list[dict]:
        params.setdefault("currency", currency_of(pulse_env))
        result = api.call("private/get_instruments", **params)
        assert isinstance(result, list), f"received {result!r}; documented an array of GetInstrumentResponse"
        return result
    return call


@pytest.mark.check("schema")
def test_instrument_fields_have_documented_types(instruments):
    """Doc: GetInstrumentResponse: base_currency string, contract_size integer, expiration_timestamp integer,
    instrument_name string, is_active boolean, kind string, price_index string, ... strike number."""
    listed = instruments()
    assert listed, "received no instrument for the test instrument's currency; documented the available instruments"
    for instrument in listed:
        assert isinstance(instrument.get("instrument_name"), str), f"instrument_name: received {instrument!r}"
        contract_size_is_integral(instrument)
        assert is_ms_timestamp(instrument.get("expiration_timestamp")), (
            f"expiration_timestamp: received {instrument.get('expiration_timestamp')!r}; documented ms (I-19)")
        assert isinstance(instrument.get("is_active"), bool), f"is_active: received {instrument.get('is_active')!r}"
    for instrument in listed:  # informational, after every strict check has run
        kind_is_future_or_option(instrument)


@pytest.mark.interpretation("I-16")
@pytest.mark.check("semantics")
def test_option_type_only_on_options(instruments):
    """Doc: "option_type string ... Option only"."""
    for instrument in instruments():
        if instrument["kind"] == "option":
            assert instrument.get("option_type") in ("call", "put"), f"option_type: received {instrument!r}"
        else:
            assert "option_type" not in instrument, (
                f"{instrument['instrument_name']}: received option_type on a {instrument['kind']}; "
                "documented \"Option only\"")


@pytest.mark.check("semantics")
def test_test_instrument_is_listed_for_its_currency(instruments, pulse_env):
    """Doc: "Retrieves available trading instruments"; "currency ... The currency symbol"."""
    listed = names(instruments())
    assert pulse_env.test_instrument in listed, (
        f"received {sorted(listed)} for currency {currency_of(pulse_env)}; the test instrument "
        f"{pulse_env.test_instrument} is tradable, so documented to be listed")


@pytest.mark.interpretation("I-16")
@pytest.mark.check("semantics")
def test_currency_filter(instruments, pulse_env):
    """Doc: "currency body string true The currency symbol" (I-16: it matches base_currency)."""
    currency = currency_of(pulse_env)
    foreign = [i["instrument_name"] for i in instruments() if i.get("base_currency") != currency]
    assert not foreign, f"currency={currency}: received instruments of other currencies {foreign}"


@pytest.mark.check("semantics")
@pytest.mark.parametrize("kind", KINDS)
def test_kind_filter(instruments, kind):
    """Doc: "kind ... Instrument kind, if not provided instruments of all kinds are considered"."""
    every = instruments()
    filtered = instruments(kind=kind)
    wrong = [i["instrument_name"] for i in filtered if i.get("kind") != kind]
    assert not wrong, f"kind={kind}: received instruments of another kind {wrong}"
    expected = {i["instrument_name"] for i in every if i["kind"] == kind}
    assert names(filtered) == expected, (
        f"kind={kind}: received {sorted(names(filtered))}; documented every {kind} of the unfiltered list "
        f"{sorted(expected)}")


@pytest.mark.check("semantics")
def test_expired_filter(instruments):
    """Doc: "expired ... Set to true to show recently expired instruments instead of active ones"."""
    active, expired = instruments(), instruments(expired=True)
    assert all(i["is_active"] for i in active), (
        f"expired absent: received inactive instruments {[i['instrument_name'] for i in active if not i['is_active']]}")
    assert all(not i.get("is_active") for i in expired), (
        f"expired=true: received active instruments {[i['instrument_name'] for i in expired if i.get('is_active')]}; "
        "documented \"recently expired instruments instead of active ones\"")
    assert not names(active) & names(expired), f"listed both as active and as expired: {names(active) & names(expired)}"


@pytest.mark.check("negative")
def test_missing_currency_is_refused(pulse, transport):
    """Doc: "currency body string true The currency symbol" (required)."""
    error = pulse("maker", transport).error_of("private/get_instruments")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(instruments):
    """Doc: "200 OK ... [models.GetInstrumentResponse]" (spec/openapi.yaml)."""
    result = instruments()
    assert_conforms(result_schema("private/get_instruments"), result,
                    "private/get_instruments: 200 [models.GetInstrumentResponse]")
