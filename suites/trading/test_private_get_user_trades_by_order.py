"""private/get_user_trades_by_order (doc section "Trading"): "Retrieve the list of user trades that was
created for given order"."""

import pytest

from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/get_user_trades_by_order")]


@pytest.mark.interpretation("I-70")
@pytest.mark.parametrize("sorting", ["asc", "desc", "default"])
def test_lists_every_trade_of_the_order_on_both_sides(driver, sorting):
    """Both sides of one execution share its trade_id; each side sees its own direction."""
    sells = [limit(driver, "maker", "sell", 1, offset) for offset in (1, 2)]
    taker = limit(driver, "taker", "buy", 2, 2)
    driver.check_trades_by_order(taker, sorting, count=1)
    received = driver.apis["taker"].call("private/get_user_trades_by_order", order_id=taker.order_id, sorting="asc")
    maker_ids = [driver.apis["maker"].call("private/get_user_trades_by_order", order_id=s.order_id)[0]["trade_id"]
                 for s in sells]
    assert [t["trade_id"] for t in received] == maker_ids, (
        f"trade ids: the taker's {[t['trade_id'] for t in received]}; the makers' {maker_ids}: one id per execution")
