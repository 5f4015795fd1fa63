"""Faults of area ``session``. Session: heartbeat, cancel on disconnect, logout, market maker protection (MMP)."""

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import before_each_heartbeat, on_results, replace
from reference_gateway.gateway import Gateway


@fault("heartbeat_never_closes_silent_client", "session", "a client that never answers test_request stays connected",
       "session")
def _heartbeat_never_closes(gw: Gateway) -> None:
    before_each_heartbeat(gw, lambda session: setattr(session, "test_request_pending", False))


@fault("heartbeat_never_sends_test_request", "session", "only 'heartbeat' messages are sent, never test_request",
       "session")
def _never_test_request(gw: Gateway) -> None:
    before_each_heartbeat(gw, lambda session: setattr(session, "client_spoke", True))


@fault("disable_heartbeat_ignored", "session", "disable_heartbeat answers ok but the heartbeat keeps running",
       "session")
def _disable_heartbeat_ignored(gw: Gateway) -> None:
    gw.methods["public/disable_heartbeat"] = (lambda ctx, identity, params: {"description": "ok", "response": None,
                                                                             "status": 200}, False)


@fault("set_heartbeat_bounds_ignored", "session", "set_heartbeat accepts intervals below 10 s and above 3600 s",
       "session")
def _heartbeat_bounds_ignored(gw: Gateway) -> None:
    def relax(original):
        def call(method, raw_params, ctx):
            interval = raw_params.get("interval") if isinstance(raw_params, dict) else None
            if (method == "public/set_heartbeat" and type(interval) is int and not 10 <= interval <= 3600):
                handler, _ = gw.methods[method]
                return handler(ctx, None, {"interval": max(interval, 1)})
            return original(method, raw_params, ctx)
        return call
    replace(gw, "call", relax)


@fault("cod_cancels_other_connections", "session", "a disconnect with COD cancels all of the account's orders",
       "session")
def _cod_cancels_others(gw: Gateway) -> None:
    def whole_account(original):
        def cancel_connection_orders(connection_id):
            accounts = {o.account_id for o in gw.exchange.orders.values() if o.connection_id == connection_id}
            return gw.exchange._cancel_where(lambda o: o.account_id in accounts, "cancel_on_disconnect")
        return cancel_connection_orders
    replace(gw.exchange, "cancel_connection_orders", whole_account)


@fault("cod_cancels_nothing", "session", "cancel on disconnect is accepted but a disconnect cancels nothing",
       "session")
def _cod_cancels_nothing(gw: Gateway) -> None:
    gw.exchange.cancel_connection_orders = lambda connection_id: []


@fault("cod_state_not_reported", "session", "get_cancel_on_disconnect always answers false", "session")
def _cod_state_not_reported(gw: Gateway) -> None:
    on_results(gw, {"private/get_cancel_on_disconnect"}, lambda result: False)


@fault("logout_fires_cod", "session", "logout runs cancel on disconnect like any other disconnect", "session")
def _logout_fires_cod(gw: Gateway) -> None:
    def forgetful(original):
        def close_session(session):
            session.logged_out = False
            original(session)
        return close_session
    replace(gw, "close_session", forgetful)


@fault("mmp_never_triggers", "session", "MMP limits are stored but a breach never triggers", "session or subscriptions")
def _mmp_never_triggers(gw: Gateway) -> None:
    gw.exchange._mmp_breached = lambda state: False


@fault("mmp_freeze_ignored", "session", "after an MMP trigger new mmp orders are accepted at once", "session")
def _mmp_freeze_ignored(gw: Gateway) -> None:
    gw.exchange._check_mmp_not_frozen = lambda account_id, instrument: None


@fault("mmp_cancels_non_mmp_orders", "session", "an MMP trigger also cancels the account's orders without mmp",
       "session")
def _mmp_cancels_all(gw: Gateway) -> None:
    def everything(original):
        def trigger(account_id, index_name, frozen_until):
            for order in list(gw.exchange.orders.values()):
                if order.account_id == account_id and order.is_open:
                    order.mmp = True
            original(account_id, index_name, frozen_until)
        return trigger
    replace(gw.exchange, "_trigger_mmp", everything)
