"""Market maker protection: per account and index, a fill quantity limit over an interval, then a freeze.

Mixed into ``Exchange`` (engine/exchange.py), whose state, ``_cancel`` and publication it uses.
"""

from collections import deque
from dataclasses import dataclass, field

from reference_gateway.config import Instrument
from reference_gateway.engine.orders import Order
from reference_gateway.errors import ORDER_REJECTED, PulseError


@dataclass
class MmpState:
    interval: float = 0.0
    frozen_time: float = 0.0
    quantity_limit: float = 0.0
    frozen_until: int = 0
    fills: deque = field(default_factory=deque)  # (timestamp_ms, amount)


class MarketMakerProtection:
    def _mmp_state(self, account_id: str, index_name: str) -> MmpState:
        return self.mmp.setdefault((account_id, index_name), MmpState())

    def _check_mmp_not_frozen(self, account_id: str, instrument: Instrument) -> None:
        state = self._mmp_state(account_id, instrument.price_index)
        if self.clock.now_ms() < state.frozen_until:
            raise PulseError(ORDER_REJECTED, f"mmp frozen until {state.frozen_until}")

    def _record_mmp_fill(self, order: Order, amount: float) -> None:
        instrument = self.instruments[order.instrument_name]
        state = self._mmp_state(order.account_id, instrument.price_index)
        if state.interval <= 0 or state.quantity_limit <= 0:
            return
        now = self.clock.now_ms()
        state.fills.append((now, amount))
        while state.fills and state.fills[0][0] < now - state.interval * 1000:
            state.fills.popleft()
        if self._mmp_breached(state):
            state.fills.clear()
            state.frozen_until = now + int(state.frozen_time * 1000)
            index = instrument.price_index
            self._followups.append(lambda: self._trigger_mmp(order.account_id, index, state.frozen_until))

    def _mmp_breached(self, state: MmpState) -> bool:
        return sum(amount for _, amount in state.fills) >= state.quantity_limit

    def _trigger_mmp(self, account_id: str, index_name: str, frozen_until: int) -> None:
        for order in sorted(self._live_orders(), key=lambda o: o.creation_timestamp):
            if (order.account_id == account_id and order.mmp and order.is_open
                    and self.instruments[order.instrument_name].price_index == index_name):
                self._cancel(order, "mmp_trigger")
        self._publish(f"user.mmp_trigger.{index_name}", {"frozen_until": frozen_until, "index_name": index_name},
                      account_id)

    def set_mmp_config(self, account_id: str, params: dict) -> dict:
        state = self._mmp_state(account_id, params["index_name"])
        state.interval, state.frozen_time = params["interval"], params["frozen_time"]
        state.quantity_limit = params["quantity_limit"]
        state.frozen_until = 0  # "triggers MMP reset"
        state.fills.clear()
        return self.get_mmp_config(account_id, params["index_name"])

    def get_mmp_config(self, account_id: str, index_name: str) -> dict:
        state = self._mmp_state(account_id, index_name)
        return {"frozen_time": state.frozen_time, "index_name": index_name, "interval": state.interval,
                "quantity_limit": state.quantity_limit}
