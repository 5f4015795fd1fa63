"""Shared pieces of the market-data suite: trades of our own on the test instrument."""

import pytest

from harness.trades import NoRoomToCross, OwnTrade, cross_own_orders


@pytest.fixture
def own_trades(pulse, pulse_env):
    """``own_trades(n)``: n one-contract trades between our maker and taker, oldest first."""
    def make(count: int = 1) -> list[OwnTrade]:
        maker, taker = pulse("maker"), pulse("taker")
        try:
            return [cross_own_orders(maker, taker, pulse_env) for _ in range(count)]
        except NoRoomToCross as exc:
            pytest.skip(f"cannot trade with ourselves on {pulse_env.test_instrument} without foreign liquidity: {exc}")
    return make
