"""Claims across runs on the same accounts (harness.claims, harness.venue, I-222): two runs never take one
instrument, a tie never leaves two holders, a dead run's claim expires, and a gateway that cannot hold claims is
said so (the run goes on as before)."""

import itertools
import random
import re
from types import SimpleNamespace

import pytest

from harness.claims import Claim, ClaimRegistry, ClaimsUnavailable, label_for, parse
from harness.errors import PulseCallError
from harness.venue import NoVenue, choose_and_claim, choose_venue

REGISTRY = "ETH_USD-PERPETUAL"
FREE = ["BTC_USDC-PERPETUAL", "BTC_USD-25DEC26", "ETH_USD-27MAR27"]
QUOTED = ["BTC_USD-PERPETUAL"]  # one tick either side of the index: no room for the suite


class SharedGateway:
    """A stand-in for a shared gateway holding the maker account's open orders; ``now_ms`` is its clock, which
    moves 1 ms per request unless ``frozen`` (every order then gets the same creation_timestamp)."""

    def __init__(self, labels: bool = True, timestamps: bool = True, frozen: bool = False,
                 registry_listed: bool = True) -> None:
        self.registry_listed = registry_listed
        self.orders: dict[str, dict] = {}
        self.ids = (f"ETH-{n}" for n in itertools.count(1))
        self.now_ms, self.labels, self.timestamps, self.frozen = 1_800_000_000_000, labels, timestamps, frozen
        self.sent: list[str] = []
        self.before_listing = None  # a hook: another run acting between a placement and the listing after it
        self.after_listing = None  # a hook: another run acting after a listing was read, before its answer arrives

    def instruments(self, currency: str) -> list[dict]:
        names = [n for n in QUOTED + FREE + [REGISTRY] * self.registry_listed if n.startswith(currency)]
        return [{"instrument_name": n, "kind": "future", "tick_size": 0.5, "contract_size": 10,
                 "price_index": "eth_usd" if n.startswith("ETH") else "btc_usd"} for n in names]

    def __call__(self, method: str, params: dict):
        self.sent.append(method)
        if not self.frozen:
            self.now_ms += 1
        if method == "private/get_instruments":
            return self.instruments(params["currency"])
        if method == "public/get_index_price":
            return 60_000.0
        if method == "private/get_order_book":
            if params["instrument_name"] in QUOTED:
                return {"best_bid_price": 59_999.5, "best_ask_price": 60_000.5, "bids": [], "asks": []}
            return {"best_bid_price": None, "best_ask_price": None, "bids": [], "asks": []}
        if method == "private/buy":
            assert params["instrument_name"] == REGISTRY and params["price"] <= 30_000, params
            order = {"order_id": next(self.ids), "instrument_name": REGISTRY, "order_state": "open",
                     "price": params["price"], "amount": params["amount"]}
            if self.labels:
                order["label"] = params.get("label", "")
            if self.timestamps:
                order["creation_timestamp"] = self.now_ms
            self.orders[order["order_id"]] = order
            return {"order": order, "trades": []}
        if method == "private/cancel":
            if params["order_id"] not in self.orders:
                raise PulseCallError(method, "http", 11044, None, "not_open_order", 400)  # the gateway's refusal
            return self.orders.pop(params["order_id"])
        if method == "private/get_open_orders_by_instrument":
            if self.before_listing:
                hook, self.before_listing = self.before_listing, None
                hook()
            listed = [dict(o) for o in self.orders.values() if o["instrument_name"] == params["instrument_name"]]
            if self.after_listing:
                hook, self.after_listing = self.after_listing, None
                hook()
            return listed
        raise AssertionError(f"unexpected {method}")

    def claims(self) -> list[Claim]:
        return [c for c in map(parse, self.orders.values()) if c]


ENV = SimpleNamespace(name="stg", currencies=["BTC", "ETH"], test_instrument="BTC_USD-PERPETUAL", tick_size=0.5,
                      contract_size=10, index_name="btc_usd")


def registry(gateway: SharedGateway, owner: str, ttl_s: int = 1800, slept: list | None = None) -> ClaimRegistry:
    return ClaimRegistry(gateway, REGISTRY, owner, ttl_s, sleep=(slept.append if slept is not None else lambda s: None),
                         rng=random.Random(0))


def test_label_round_trip_and_other_orders_are_not_claims():
    label = label_for("BTC_USD-25DEC26", "3f2a9c1d7e0b.gw1", 1826)
    assert parse({"order_id": "1", "label": label, "creation_timestamp": 5}) == Claim(
        "BTC_USD-25DEC26", "3f2a9c1d7e0b.gw1", 1826, "1", 5)
    for order in ({"order_id": "1", "label": "mm"}, {"order_id": "1", "label": ""}, {"order_id": "1"},
                  {"order_id": "1", "label": "pulse-claim/x/y/z"}, {"label": label}, "not an order"):
        assert parse(order) is None
    with pytest.raises(ValueError):
        label_for("X" * 60, "owner", 1)


def test_a_held_resource_is_not_taken_until_it_is_released():
    gateway = SharedGateway()
    first, second = registry(gateway, "runA.gw0"), registry(gateway, "runB.gw0")
    assert first.try_claim("BTC_USD-25DEC26")
    assert second.try_claim("BTC_USD-25DEC26") is None
    assert [c.owner for c in gateway.claims()] == ["runA.gw0"]  # the loser cancelled its own claim
    first.release("BTC_USD-25DEC26")
    assert second.try_claim("BTC_USD-25DEC26")
    assert [c.owner for c in gateway.claims()] == ["runB.gw0"]


def test_two_claims_placed_before_either_listing_leave_one_holder():
    """Run B places its claim between A's placement and A's listing: A is earlier, so A keeps it and B, listing
    after both, backs off."""
    gateway = SharedGateway()
    first, second = registry(gateway, "runA.gw0"), registry(gateway, "runB.gw0")
    results = {}
    gateway.before_listing = lambda: results.setdefault("B", second.try_claim("BTC_USD-25DEC26"))
    results["A"] = first.try_claim("BTC_USD-25DEC26")
    assert results["A"] and results["B"] is None
    assert [c.owner for c in gateway.claims()] == ["runA.gw0"]


@pytest.mark.parametrize("gateway", [SharedGateway(frozen=True), SharedGateway(timestamps=False)],
                         ids=["same millisecond", "no creation_timestamp"])
def test_a_tie_never_leaves_two_holders(gateway):
    """Both place before either lists, and the gateway cannot order them: whoever lists first backs off (a tie
    counts against it), so at most one keeps the resource."""
    first, second = registry(gateway, "runA.gw0"), registry(gateway, "runB.gw0")
    placed_a, placed_b = first.place("BTC_USD-25DEC26"), second.place("BTC_USD-25DEC26")
    assert first.decide("BTC_USD-25DEC26", placed_a) is None
    assert second.decide("BTC_USD-25DEC26", placed_b)
    assert [c.owner for c in gateway.claims()] == ["runB.gw0"]
    # both list before either cancels: both back off
    second.release_all()
    again_a, again_b = registry(gateway, "runC.gw0"), registry(gateway, "runD.gw0")
    placed_c, placed_d = again_a.place("BTC_USD-25DEC26"), again_b.place("BTC_USD-25DEC26")
    results = {}
    gateway.after_listing = lambda: results.setdefault("D", again_b.decide("BTC_USD-25DEC26", placed_d))
    results["C"] = again_a.decide("BTC_USD-25DEC26", placed_c)
    assert results == {"C": None, "D": None} and gateway.claims() == []


def test_a_dead_runs_expired_claim_is_cancelled_and_does_not_block():
    gateway = SharedGateway()
    assert registry(gateway, "dead.gw0", ttl_s=60).try_claim("BTC_USD-25DEC26")
    gateway.now_ms += 61_000
    alive = registry(gateway, "runB.gw0")
    assert alive.rivals(alive.claims(), now_ms=gateway.now_ms) == {}
    assert alive.try_claim("BTC_USD-25DEC26")
    assert [c.owner for c in gateway.claims()] == ["runB.gw0"]


def test_a_gateway_that_drops_labels_cannot_hold_claims():
    gateway = SharedGateway(labels=False)
    with pytest.raises(ClaimsUnavailable, match="not listed with its label"):
        registry(gateway, "runA.gw0").try_claim("BTC_USD-25DEC26")
    assert gateway.orders == {}  # the unlabelled claim was cancelled again


@pytest.mark.parametrize("gateway", [SharedGateway(labels=False), SharedGateway(registry_listed=False)],
                         ids=["labels dropped", "no registry instrument"])
def test_without_claims_the_run_goes_on_as_before_and_says_so(gateway):
    venue, note = choose_and_claim(gateway, ENV, 1, registry(gateway, "runA.gw1"), wait_s=60)
    assert venue.instrument == "BTC_USD-25DEC26"  # gw1: the second free one, as without a registry
    assert note.startswith("claims unavailable") and gateway.claims() == []


def test_two_runs_with_two_workers_trade_on_four_different_instruments_or_wait():
    """Three free instruments, two runs of two workers: run A takes two, run B's first worker the third, and run
    B's second worker waits until run A releases one."""
    gateway = SharedGateway()
    run_a = [registry(gateway, f"runA.gw{n}") for n in range(2)]
    chosen_a = [choose_venue(gateway, ENV, n, run_a[n], wait_s=600).instrument for n in range(2)]
    slept: list[float] = []
    run_b = [registry(gateway, f"runB.gw{n}", slept=slept) for n in range(2)]
    sent_before = len(gateway.sent)
    chosen_b0 = choose_venue(gateway, ENV, 0, run_b[0], wait_s=600).instrument
    assert len({*chosen_a, chosen_b0}) == 3 and REGISTRY not in {*chosen_a, chosen_b0}
    assert gateway.sent[sent_before:].count("private/buy") == 1  # no claim placed where run A's are seen

    clock = itertools.count(0, 5)  # 5 s a look; run A's first worker finishes after the third look
    run_b[1].sleep = lambda s: (slept.append(s), len(slept) == 3 and run_a[0].release_all())
    waited = choose_venue(gateway, ENV, 1, run_b[1], wait_s=600, clock=lambda: next(clock))
    assert waited.instrument == chosen_a[0] and "after waiting" in waited.reason
    assert len(slept) == 3 and all(5 <= s <= 15 for s in slept)  # the poll: ~10 s a look, randomised


def test_waiting_ends_not_covered_naming_the_holder():
    gateway = SharedGateway()
    for n, name in enumerate(FREE):
        assert registry(gateway, f"runA.gw{n}").try_claim(name)
    clock = itertools.count(0, 100)
    with pytest.raises(NoVenue, match=r"claimed by another run.*held by run runA\.gw0"):
        choose_venue(gateway, ENV, 0, registry(gateway, "runB.gw0"), wait_s=250, clock=lambda: next(clock))


def test_with_no_room_anywhere_another_runs_mmp_claim_is_no_reason_to_wait(monkeypatch):
    gateway = SharedGateway()
    assert registry(gateway, "runA.gw0").try_claim("mmp-breach")
    listed = SharedGateway.instruments
    monkeypatch.setattr(SharedGateway, "instruments", lambda self, currency: [
        i for i in listed(self, currency) if i["instrument_name"] in QUOTED + [REGISTRY]])  # no free instrument
    slept: list[float] = []
    with pytest.raises(NoVenue, match="no instrument leaves room"):
        choose_venue(gateway, ENV, 0, registry(gateway, "runB.gw0", slept=slept), wait_s=600)
    assert slept == []


def test_the_registry_is_never_a_venue_and_claims_cost_few_requests():
    gateway = SharedGateway()
    venue = choose_venue(gateway, ENV, 0, registry(gateway, "runA.gw0"))
    assert venue.instrument == "BTC_USDC-PERPETUAL"
    assert gateway.sent.count("private/get_open_orders_by_instrument") == 2 and gateway.sent.count("private/buy") == 1


def test_acquire_waits_for_the_mmp_breach_of_another_run():
    gateway = SharedGateway()
    other = registry(gateway, "runA.gw1")
    assert other.try_claim("mmp-breach")
    mine = registry(gateway, "runB.gw0")
    mine.sleep = lambda s: other.release_all()
    claim, _ = mine.acquire("mmp-breach", wait_s=100)
    assert claim.owner == "runB.gw0" and [c.owner for c in gateway.claims()] == ["runB.gw0"]
    mine.release_all()
    assert gateway.claims() == []
    other.try_claim("mmp-breach")
    clock = itertools.count(0, 50)
    with pytest.raises(TimeoutError, match="held by run runA.gw1"):
        registry(gateway, "runC.gw0").acquire("mmp-breach", wait_s=100, clock=lambda: next(clock))


# ---------------------------------------------------------------------------------------------- end to end
# A child run in remote mode (--env dev, pointed at an in-process reference gateway) while "another run" holds
# claims on the gateway: the child keeps off the claimed instrument, waits, and ends NOT COVERED naming the holder
# when every free one is held; the other run's claims are never touched and the child leaves none of its own.
BOOK_TEST = """
import pytest
from harness.band import read_band

@pytest.mark.trading
def test_trades_where_it_claimed(pulse, pulse_env):
    band, _ = read_band(pulse("maker"), pulse_env)
    pulse("maker").call("private/buy", instrument_name=pulse_env.test_instrument, amount=pulse_env.contract_size,
                        price=band.price(-2), type="limit")
"""
AS_DEV = {f"PULSE_DEV_{account.upper()}_CLIENT_{part.upper()}": value
          for account in ("maker", "taker") for part, value in (("id", account), ("secret", f"{account}-secret"))}


@pytest.fixture
def reference():
    from reference_gateway import start_gateway

    running = start_gateway()
    yield running
    running.stop()


def other_runs_claims(reference, *resources: str) -> list[str]:
    """Claims of another run (a live ttl), placed as the maker the way harness.claims places them."""
    import httpx

    api = reference.base_url + "/api/v2"
    token = httpx.get(api + "/public/auth", params={"grant_type": "client_credentials", "client_id": "maker",
                                                    "client_secret": "maker-secret"}).json()["access_token"]
    ids = []
    for resource in resources:
        params = {"instrument_name": REGISTRY, "type": "limit", "price": 1000.0, "amount": 1,
                  "label": label_for(resource, "otherrun0000.gw0", 3600)}
        reply = httpx.post(api + "/private/buy", headers={"Authorization": f"Bearer {token}"},
                           json={"jsonrpc": "2.0", "id": 1, "method": "private/buy", "params": params}).json()
        order = reply["order"]
        ids.append(order["order_id"])
    return ids


@pytest.mark.parametrize("held", [["BTC_USD-PERPETUAL"], ["BTC_USD-PERPETUAL", "BTC_USD-25DEC26"]],
                         ids=["one held", "all held"])
def test_a_remote_run_keeps_off_another_runs_instrument(tmp_path, reference, held):
    from tests.childrun import run_child
    from tests.test_suite_safety import external, open_orders

    theirs = other_runs_claims(reference, *held)
    code, output = run_child(tmp_path, BOOK_TEST, "--env", "dev", "--allow-any-host", *external(reference),
                             "--venue-wait-seconds", "2", env=AS_DEV, timeout=120)
    left = sorted(o["order_id"] for o in open_orders(reference))
    assert left == sorted(theirs), output[-3000:]  # theirs untouched, nothing of the child's left open
    if len(held) == 1:
        assert code == 0, output[-3000:]
        assert re.search(r"venue main: BTC_USD-25DEC26 \(empty book; claimed for run \w+\.main\)", output), output
    else:
        assert code != 0
        assert "NOT COVERED" in output and "held by run otherrun0000.gw0" in output, output[-3000:]


def test_the_mmp_lock_claims_the_breach_across_runs_and_goes_without_where_it_cannot(tmp_path):
    from harness.mmp_flow import MMP_RESOURCE, exclusive

    gateway = SharedGateway()
    mine = registry(gateway, "runB.gw0")
    with exclusive(tmp_path, registry=mine, wait_s=5):
        assert [(c.resource, c.owner) for c in gateway.claims()] == [(MMP_RESOURCE, "runB.gw0")]
    assert gateway.claims() == []
    with exclusive(tmp_path, registry=registry(SharedGateway(labels=False), "runB.gw0"), wait_s=5):
        pass  # no claim possible: the run-wide lock alone, as before
    assert registry(gateway, "runA.gw0").try_claim(MMP_RESOURCE)
    clock = itertools.count(0, 10)
    held = registry(gateway, "runB.gw0")
    held.acquire = lambda resource, wait_s: ClaimRegistry.acquire(held, resource, wait_s, clock=lambda: next(clock))
    with pytest.raises(TimeoutError, match="held by run runA.gw0"), exclusive(tmp_path, registry=held, wait_s=15):
        pass
