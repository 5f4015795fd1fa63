"""private/set_mmp_config (doc section "Trading": "Set config for MMP - triggers MMP reset"; BuySell `mmp` "Market
maker protection"): what a breach does, the freeze, and the reset."""

import pytest

from harness.checks.cod import order_state
from harness.clock import advance_clock
from harness.doc import COMMON_CODES
from harness.errors import PulseCallError
from harness.mmp_flow import FROZEN_TIME_S, breach_mmp, mmp_config, quote
from harness.placement import far_prices

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session]
BREACH_IS_UNSAFE_REMOTELY = pytest.mark.local_only(
    reason="an MMP breach freezes the whole account's mmp quoting on the index and races with other workers and "
           "people setting MMP on the shared test account: unsafe on a shared gateway (I-624)")


@BREACH_IS_UNSAFE_REMOTELY
@pytest.mark.doc("Trading", "private/set_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135")
def test_breach_cancels_the_mmp_orders_only(mmp_maker, pulse, pulse_env):
    """I-42: trades on mmp orders reaching quantity_limit within interval cancel every open mmp order of the index
    with cancel_reason mmp_trigger; orders without mmp stay."""
    breach = breach_mmp(mmp_maker, pulse("taker"), pulse_env)
    other = order_state(mmp_maker, breach.other["order_id"])
    assert (other["order_state"], other.get("cancel_reason")) == ("cancelled", "mmp_trigger"), (
        f"the other mmp order: received {other['order_state']!r} / {other.get('cancel_reason')!r}; "
        f"documented cancelled / 'mmp_trigger' (I-42)")
    bystander = order_state(mmp_maker, breach.bystander["order_id"])
    assert bystander["order_state"] == "open", (
        f"an order without mmp: received {bystander['order_state']!r} {bystander.get('cancel_reason')!r}; "
        f"documented untouched by MMP")


@BREACH_IS_UNSAFE_REMOTELY
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


@BREACH_IS_UNSAFE_REMOTELY
@pytest.mark.doc("Trading", "private/set_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135")
def test_set_mmp_config_resets_a_freeze(mmp_maker, pulse, pulse_env):
    """Doc: "Set config for MMP - triggers MMP reset": setting the config again lifts the freeze at once."""
    breach_mmp(mmp_maker, pulse("taker"), pulse_env)
    mmp_maker.call("private/set_mmp_config", **mmp_config(pulse_env))
    buy, _ = far_prices(mmp_maker.call, pulse_env)
    assert quote(mmp_maker, pulse_env, "buy", buy)["order_state"] == "open", "mmp order after the reset was refused"
