"""Order flows: a hypothesis state machine over the maker and taker accounts, checked against the shadow model.

Every step (buy, sell, edit, cancel, cancel_all, cancel_all_by_instrument, crossing orders) is predicted
by ``harness.model`` and the gateway's answer compared with the prediction; after every step the open
orders of both accounts, every order the step closed and the trades it made are compared too, and one
rule per query method checks the other query methods (history with include_old/include_unfilled/count/offset,
by label, user trades by instrument and by order with sorting and windows, positions, account summary, book).
A failure shrinks to a minimal flow and prints it as a replayable list of calls.
"""

import contextlib
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine as hypothesis_engine
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from harness import report
from harness.band import order_params, read_band
from harness.env import load_environments
from harness.model.driver import start_driver
from strategies import orders as S

pytestmark = [pytest.mark.check("flows"), pytest.mark.trading, pytest.mark.doc("Trading", "order flows")]


@dataclass(frozen=True)
class FlowSetting:
    """What the flows of one test run against: the two accounts' clients, the environment, and what it allows."""

    apis: dict
    pulse_env: object
    order_spec: st.SearchStrategy
    isolated_book: bool  # only the suite trades on the instrument: cancel_all may run, the book is emptied after


# A query rule is due once the flow has made this many changes since the last query: the flows keep the mix of
# one query step in about six (as with the single query rule of before), so that one rule per query method does
# not crowd out the steps that build the book (the open orders are compared after every step anyway).
CHANGES_PER_QUERY = 5


def query_due(machine: "OrderFlows") -> bool:
    return machine.changes_since_query >= CHANGES_PER_QUERY


def query_on_flow_orders_due(machine: "OrderFlows") -> bool:
    return query_due(machine) and bool(machine.flow_orders())


class OrderFlows(RuleBasedStateMachine):
    """One flow: orders of both accounts, each step predicted by the model and compared (``setting`` is set by
    the test that runs the machine)."""

    setting: FlowSetting
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.driver = None
        self.failed = False
        self.changes_since_query = 0

    @contextlib.contextmanager
    def step(self):
        try:
            yield
            self.driver.settle()
        except AssertionError as failure:
            self.failed = True
            raise AssertionError(f"{failure}\n\n{self.driver.replay_script()}") from None

    def flow_orders(self, account: str | None = None) -> list:
        """The orders this flow placed (not the levelling-out ones) that the gateway has given an id."""
        if self.driver is None:
            return []
        return [o for o in self.driver.model.orders[self.first_key:]
                if o.order_id and account in (None, o.account)]

    @initialize()
    def start(self) -> None:
        apis, pulse_env = self.setting.apis, self.setting.pulse_env
        self.driver = start_driver(apis, pulse_env, *read_band(apis["maker"], pulse_env))
        self.band = self.driver.band
        token = uuid.uuid4().hex[:10]
        self.labels = tuple(f"flow-{token}-{i}" for i in range(3))
        with self.step():
            self.driver.level_out(self.band.centre)
        # what the flow may pick from must not depend on how much levelling out the gateway's state needed
        self.first_key = len(self.driver.model.orders)

    # ------------------------------------------------------------------ steps that change the book
    @rule(target=orders, account=S.ACCOUNTS, direction=S.DIRECTIONS, data=st.data())
    def place(self, account, direction, data):
        self.changes_since_query += 1
        spec = data.draw(self.setting.order_spec, label="spec")
        with self.step():
            order = self.driver.place(account, direction, order_params(spec, self.band, self.labels))
        if order is None:
            return multiple()
        return multiple(order, *(self.driver.model.orders[k] for k in order.secondaries))

    @rule(target=orders, resting_account=S.ACCOUNTS, direction=S.DIRECTIONS, spec=S.CROSSING_SPEC)
    def cross(self, resting_account, direction, spec):
        """A resting limit order and a crossing order of the other account at or through its price."""
        self.changes_since_query += 1
        crossing_account = "taker" if resting_account == "maker" else "maker"
        through = spec["through_ticks"] if direction == "sell" else -spec["through_ticks"]
        opposite = "buy" if direction == "sell" else "sell"
        with self.step():
            resting = self.driver.place(resting_account, direction, {
                "type": "limit", "amount": self.band.amount(spec["resting_contracts"]),
                "price": self.band.price(spec["offset"]), "label": self.labels[0]})
            crossing = self.driver.place(crossing_account, opposite, {
                "type": "limit", "amount": self.band.amount(spec["crossing_contracts"]),
                "price": self.band.price(spec["offset"] + through), "label": self.labels[1],
                "time_in_force": spec["crossing_time_in_force"]})
        return multiple(*(o for o in (resting, crossing) if o is not None))

    @rule(order=orders, spec=S.EDIT_SPEC)
    def edit(self, order, spec):
        self.changes_since_query += 1
        price = None if spec["offset"] is None or order.is_market else self.band.price(spec["offset"])
        trigger_price = None
        if order.trigger == "last_price" and spec["trigger_offset"] is not None:
            trigger_price = self.band.price(spec["trigger_offset"])
        with self.step():
            self.driver.edit(order.account, order, self.band.amount(spec["contracts"]), price, trigger_price)

    @rule(order=orders)
    def cancel(self, order):
        self.changes_since_query += 1
        with self.step():
            self.driver.cancel(order.account, order)

    @precondition(lambda self: self.setting.isolated_book)  # cancel_all reaches beyond the test instrument
    @rule(account=S.ACCOUNTS)
    def cancel_all(self, account):
        self.changes_since_query += 1
        with self.step():
            self.driver.cancel_all(account)

    @rule(account=S.ACCOUNTS, type_filter=st.sampled_from(S.TYPE_FILTERS))
    def cancel_all_by_instrument(self, account, type_filter):
        self.changes_since_query += 1
        with self.step():
            self.driver.cancel_all_by_instrument(account, type_filter)

    # ------------------------------------------------------------------ one rule per query method
    @precondition(query_on_flow_orders_due)
    @rule(data=st.data())
    def get_order_state(self, data):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_order_state(data.draw(st.sampled_from(self.flow_orders()), label="order"))

    @precondition(query_due)
    @rule(account=S.ACCOUNTS, type_filter=S.OPEN_ORDERS_TYPE)
    def get_open_orders_by_instrument(self, account, type_filter):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_open_orders(account, type_filter)

    @precondition(query_due)
    @rule(account=S.ACCOUNTS, params=S.HISTORY_PARAMS)
    def get_order_history_by_instrument(self, account, params):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_history(account, **params)

    @precondition(query_due)
    @rule(account=S.ACCOUNTS, label=S.LABEL_INDEXES)
    def get_order_state_by_label(self, account, label):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_by_label(account, self.labels[label])

    @precondition(query_due)
    @rule(account=S.ACCOUNTS, params=S.TRADES_PARAMS)
    def get_user_trades_by_instrument(self, account, params):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_trades_by_instrument(account, **params)

    @precondition(query_on_flow_orders_due)
    @rule(data=st.data(), sorting=st.sampled_from(S.SORTINGS), count=st.integers(0, 3))
    def get_user_trades_by_order(self, data, sorting, count):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_trades_by_order(data.draw(st.sampled_from(self.flow_orders()), label="order"),
                                              sorting, count)

    @precondition(query_due)
    @rule(account=S.ACCOUNTS)
    def get_positions(self, account):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_positions(account)

    @precondition(query_due)
    @rule(account=S.ACCOUNTS)
    def get_account_summary(self, account):
        self.changes_since_query = 0
        with self.step():
            self.driver.check_account_summary(account)

    @precondition(query_due)
    @rule()
    def get_order_book(self):
        self.changes_since_query = 0
        reach = (self.band.half_width + 2) * self.band.tick
        with self.step():
            self.driver.check_book(self.band.centre - reach, self.band.centre + reach)

    # ------------------------------------------------------------------ after every step, and at the end
    @invariant()
    def open_orders_agree(self):
        if self.driver is None:
            return
        with self.step():
            for account in self.setting.apis:
                self.driver.check_open_orders(account)

    def teardown(self):
        try:
            if self.driver is not None and not self.failed:
                with self.step():  # every flow ends with each query method's view of it
                    self.driver.final_checks(self.labels)
        finally:
            self.clean_up()

    def clean_up(self):
        if self.driver is not None:
            self.driver.cancel_everything()
        if self.setting.isolated_book:  # nothing but the suite trades here: leave the book empty for the next flow
            for api in self.setting.apis.values():
                api.call("private/cancel_all_by_instrument", instrument_name=self.setting.pulse_env.test_instrument)


# Locally the flows run as FLOW_PARTS_LOCAL machines of equal size; each has its own name, so its own hypothesis
# seed (also derandomized, under CI) and database key.
PARTS = tuple(type(f"OrderFlowsPart{n + 1}", (OrderFlows,), {"__doc__": OrderFlows.__doc__})
              for n in range(S.FLOW_PARTS_LOCAL))


def flow_settings(remote: bool, parts: int = 1) -> settings:
    """One part's budget: the flows of the profile (capped), shared evenly between ``parts`` independent runs."""
    cap = S.FLOW_EXAMPLES_REMOTE if remote else S.FLOW_EXAMPLES_LOCAL
    # On a shared gateway no shrinking: its state (other firms' orders, the other worker) changes under a replay,
    # which hypothesis reports as FlakyStrategyDefinition instead of the failure it found, and every shrink step
    # spends requests of the run's budget. The failing flow is reported as found.
    phases = [Phase.explicit, Phase.reuse, Phase.generate] if remote else list(Phase)
    return settings(max_examples=-(-min(settings.default.max_examples, cap) // parts), phases=phases,
                    stateful_step_count=min(settings.default.stateful_step_count, S.FLOW_STEPS_LOCAL))


def flow_parts(config: pytest.Config) -> int:
    """Locally the flows run as FLOW_PARTS_LOCAL independent state machines of equal size (the same flows in
    total), so that ``-n 2`` can spread them over the workers; on a shared gateway as one run, as before."""
    remote = load_environments()[config.getoption("--env")].get("mode", "local") != "local"
    return 1 if remote else S.FLOW_PARTS_LOCAL


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parts = flow_parts(metafunc.config)
    if "flow_part" in metafunc.fixturenames and parts > 1:
        metafunc.parametrize("flow_part", range(parts), ids=[f"part{n + 1}of{parts}" for n in range(parts)])


@pytest.fixture
def flow_part() -> int:
    """The part of the flows an item runs (0 when they are not split; pytest_generate_tests parametrizes it)."""
    return 0


# Shrinking replays whole flows against a live gateway (~50 ms each): bound it so a red run stays short.
SHRINKING_SECONDS = 30


@pytest.mark.interpretation("I-25", "I-27", "I-28", "I-29", "I-30", "I-31", "I-33", "I-35", "I-36",
                                         "I-37", "I-38", "I-100", "I-103")
def test_order_flows_agree_with_the_model(accounts, pulse_env, monkeypatch, request, flow_part):
    """Doc (Trading): buy/sell "Places a buy order for an instrument", edit "edits an order", cancel
    "Cancel an order, specified by order id", cancel_all_by_instrument with ``type``; the query methods
    retrieve those orders and trades. Every step must be what the model of the register predicts."""
    isolated = pulse_env.is_local
    parts = flow_parts(request.config)
    machine = PARTS[flow_part] if parts > 1 else OrderFlows
    monkeypatch.setattr(OrderFlows, "setting", FlowSetting(
        accounts, pulse_env, S.ORDER_SPEC if isolated else S.REMOTE_ORDER_SPEC, isolated), raising=False)
    monkeypatch.setattr(hypothesis_engine, "MAX_SHRINKING_SECONDS", SHRINKING_SECONDS)
    with report.muted():
        run_state_machine_as_test(machine, settings=flow_settings(pulse_env.is_remote, parts))
