"""private/set_mmp_config (doc section "Trading": "Set config for MMP - triggers MMP reset"; BuySell `mmp` "Market
maker protection"): what a breach does, the freeze, and the reset.

The breach runs on shared gateways too (I-640): on the account reserved for MMP breaches, one at a time across the
run's workers, the taker meeting only the suite's own mmp ask in the claimed band. One breach serves the checks
that read its outcome (``breached``); the freeze running out needs the clock and stays a local_only twin."""

from dataclasses import dataclass

import pytest

from harness.checks.cod import order_state
from harness.checks.presence import sent_field
from harness.clock import advance_clock
from harness.doc import COMMON_CODES
from harness.errors import PulseCallError
from harness.mmp_flow import FROZEN_TIME_S, MmpBreach, breach_mmp, quote
from harness.placement import far_prices

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session]


@dataclass
class Breached:
    """A breach on the reserved account and what the gateway answered after it, step by step (a result, or the
    PulseCallError a step was refused with)."""
    breach: MmpBreach
    mmp_while_frozen: object  # a new mmp order right after the breach
    plain_while_frozen: object  # a new order without mmp, still frozen
    other: dict  # the other mmp order's state after the breach
    bystander: dict  # the order without mmp, its state after the breach
    mmp_after_reset: object  # a new mmp order after set_mmp_config


def attempt(step):
    try:
        return step()
    except PulseCallError as refused:
        return refused


@pytest.fixture(scope="module")
def breached(mmp_accounts, pulse_env) -> Breached:
    """One breach, then the steps in the order the freeze needs: the refused and the accepted order while frozen
    (first: well inside frozen_time on a paced gateway), the states MMP left, then the reset and a new mmp order."""
    maker = mmp_accounts()
    breach = breach_mmp(maker, mmp_accounts("taker"), pulse_env)
    price = breach.bid_price  # far below the book (far_prices): these orders rest and never trade
    mmp_while_frozen = attempt(lambda: quote(maker, pulse_env, "buy", price))
    plain_while_frozen = attempt(lambda: quote(maker, pulse_env, "buy", price, mmp=False))
    other, bystander = (order_state(maker, breach.other["order_id"]), order_state(maker, breach.bystander["order_id"]))
    maker.call("private/set_mmp_config", **breach.config)
    return Breached(breach, mmp_while_frozen, plain_while_frozen, other, bystander,
                    attempt(lambda: quote(maker, pulse_env, "buy", price)))


@pytest.mark.doc("Trading", "private/set_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135", "I-640")
def test_breach_cancels_the_mmp_orders_only(breached):
    """I-42: trades on mmp orders reaching quantity_limit within interval cancel every open mmp order of the index
    with cancel_reason mmp_trigger; orders without mmp stay."""
    other, bystander = breached.other, breached.bystander
    assert other["order_state"] == "cancelled", (
        f"the other mmp order: received {other['order_state']!r} / {other.get('cancel_reason')!r}; "
        f"documented cancelled / 'mmp_trigger' (I-42)")
    reason = sent_field(other, "cancel_reason", "the other mmp order, cancelled")
    assert reason == "mmp_trigger", f"the other mmp order: received cancel_reason {reason!r}; documented 'mmp_trigger' (I-42)"
    assert bystander["order_state"] == "open", (
        f"an order without mmp: received {bystander['order_state']!r} {bystander.get('cancel_reason')!r}; "
        f"documented untouched by MMP")


@pytest.mark.doc("Trading", "private/set_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135", "I-640")
def test_quoting_is_frozen_after_a_breach(breached):
    """I-42, I-135: right after a breach a new mmp order is refused (frozen until frozen_until); an order without
    mmp is accepted."""
    refused = breached.mmp_while_frozen
    assert isinstance(refused, PulseCallError), f"mmp order while frozen: received {refused}; documented refused"
    assert refused.status in COMMON_CODES, f"frozen mmp order: received {refused}"
    plain = breached.plain_while_frozen
    assert not isinstance(plain, PulseCallError) and plain["order_state"] == "open", (
        f"an order without mmp while frozen: received {plain}; documented accepted (only mmp quoting is frozen)")


@pytest.mark.doc("Trading", "private/set_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135", "I-640")
def test_set_mmp_config_resets_a_freeze(breached):
    """Doc: "Set config for MMP - triggers MMP reset": setting the config again lifts the freeze at once."""
    resumed = breached.mmp_after_reset
    assert not isinstance(resumed, PulseCallError) and resumed["order_state"] == "open", (
        f"mmp order after the reset: received {resumed}; documented accepted")


@pytest.mark.local_only(reason="frozen_time running out needs the reference gateway's clock (a real wait of "
                               f"frozen_time, {FROZEN_TIME_S} s, under the reserved account's lock)")
@pytest.mark.doc("Trading", "private/set_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135")
def test_quoting_stays_frozen_until_frozen_time_has_passed(mmp_maker, pulse, control, tokens, pulse_env):
    """I-42: after a breach new mmp orders are rejected until frozen_until (frozen_time seconds later); then
    quoting resumes. Orders without mmp are not frozen."""
    breach_mmp(mmp_maker, pulse("taker"), pulse_env)
    buy, _ = far_prices(mmp_maker.call, pulse_env)
    with pytest.raises(PulseCallError) as refused:
        quote(mmp_maker, pulse_env, "buy", buy)
    assert refused.value.status in COMMON_CODES, f"frozen mmp order: received {refused.value}"
    quote(mmp_maker, pulse_env, "buy", buy, mmp=False)  # not an mmp order: accepted while frozen
    advance_clock(control, tokens, FROZEN_TIME_S - 1)
    with pytest.raises(PulseCallError):
        quote(mmp_maker, pulse_env, "buy", buy)
    advance_clock(control, tokens, 2)
    resumed = quote(mmp_maker, pulse_env, "buy", buy)
    assert resumed["order_state"] == "open", f"mmp order after frozen_time: received {resumed}; documented accepted"
