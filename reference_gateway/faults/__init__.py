"""The fault catalogue: named, realistic gateway bugs that ``--fault NAME`` switches in.

Each fault is one small function that bends one seam of a running ``Gateway``: it wraps an engine
method, or adds a hook on results, notifications or JSON-RPC replies. Nothing in the engine tests
for faults. The mutation campaign (``pulse-mutation``) runs the suite once per fault and expects it
to go red every time.

Layout: one module per fault ``area`` (the second argument of ``@fault``), named after it:
``access``, ``auth``, ``fields``, ``fuzz``, ``invariants``, ``jsonrpc``, ``orders``, ``queries``, ``session``,
``subscriptions``. ``registry`` holds ``Fault``, ``FAULTS`` and the ``@fault`` decorator; ``seams``
the helpers faults bend the gateway with (``on_results``, ``replace``, ``wrap_params``, ``on_notifications``
...).

Adding a fault: write it at the end of ``faults/<its area>.py`` (a new area gets a new module, imported
below), registered with ``@fault(name, area, description, markers)``. ``tests/test_mutation.py`` checks that
each fault lives in the module of its area. The catalogue lists the faults in ``HISTORICAL_ORDER`` (the order
they were written in, which ``--list-faults`` and the campaign report keep), then every other fault in the
order the area modules register them; a new fault needs no entry in that list.
"""

from reference_gateway.faults import (  # noqa: F401  (importing an area module registers its faults)
    access,
    auth,
    fields,
    fuzz,
    invariants,
    jsonrpc,
    orders,
    queries,
    session,
    subscriptions,
)
from reference_gateway.faults.registry import FAULTS, Fault, apply_faults, fault
from reference_gateway.faults.seams import ORDER_METHODS, on_results, replace

__all__ = ["FAULTS", "ORDER_METHODS", "Fault", "apply_faults", "fault", "on_results", "replace"]

HISTORICAL_ORDER = (
    'auth_expired_token_accepted', 'auth_signature_window_ignored', 'auth_nonce_reuse_accepted',
    'auth_logout_keeps_token', 'auth_private_get_positions_public', 'field_order_state_misspelled',
    'field_timestamp_in_seconds', 'field_filled_amount_missing', 'jsonrpc_id_not_echoed',
    'jsonrpc_error_as_result', 'jsonrpc_wrong_version_string', 'parse_error_closes_connection',
    'jsonrpc_invalid_params_as_internal_error', 'http_error_status_500', 'message_status_out_of_range',
    'content_type_text_plain', 'extra_enum_value_in_response', 'internal_error_on_deep_book',
    'book_timestamp_in_seconds', 'envelope_jsonrpc_ignored', 'order_direction_swapped', 'ws_invalid_params_code',
    'http_envelope_version_ignored', 'http_envelope_bare_params_dropped', 'refresh_token_not_rotated',
    'forged_token_accepted', 'auth_signature_data_ignored', 'enum_token_type_capitalised',
    'expires_in_as_timestamp', 'instruments_currency_filter_ignored', 'instruments_kind_filter_ignored',
    'instruments_expired_filter_ignored', 'order_book_depth_ignored', 'last_trades_sorting_reversed',
    'last_trades_count_ignored', 'last_trades_seq_window_ignored', 'last_trades_timestamp_window_ignored',
    'delivery_prices_offset_ignored', 'funding_chart_length_ignored', 'index_price_as_string',
    'tradingview_ticks_in_seconds', 'account_summary_missing_field', 'deposits_count_ignored',
    'positions_currency_filter_ignored', 'positions_kind_filter_ignored', 'settlement_type_filter_ignored',
    'book_change_id_gap', 'book_missing_snapshot', 'book_delete_sent_as_change', 'quote_stale',
    'user_orders_no_cancel_notification', 'user_trades_wrong_trade_id', 'notifications_after_unsubscribe',
    'private_channel_on_public_subscribe', 'funding_rates_not_published', 'heartbeat_never_closes_silent_client',
    'heartbeat_never_sends_test_request', 'disable_heartbeat_ignored', 'set_heartbeat_bounds_ignored',
    'cod_cancels_other_connections', 'cod_cancels_nothing', 'cod_state_not_reported', 'logout_fires_cod',
    'mmp_never_triggers', 'mmp_freeze_ignored', 'mmp_cancels_non_mmp_orders', 'ws_error_without_data',
    'cancelled_order_editable', 'new_order_not_found', 'cancelled_order_reads_open', 'fok_partially_fills',
    'ioc_rests', 'post_only_takes', 'reduce_only_increases', 'edit_loses_replaced',
    'cancel_all_leaves_trigger_orders', 'cancel_all_by_instrument_type_ignored', 'trigger_direction_inverted',
    'oco_sibling_not_cancelled', 'oto_secondaries_placed_early', 'incremental_places_full_size',
    'primary_cancel_keeps_secondaries', 'price_time_priority_broken', 'average_price_wrong',
    'history_include_unfilled_ignored', 'history_count_ignored', 'user_trades_sorting_reversed',
    'positions_sign_flipped', 'edit_keeps_priority_on_price_change', 'book_bids_unsorted',
    'best_bid_not_top_level', 'filled_exceeds_amount', 'tradingview_arrays_misaligned', 'account_margins_swapped',
    'subscribe_result_drops_a_channel', 'cancel_result_reads_open', 'order_state_disagrees_with_buy',
    'last_update_before_creation', 'quote_sides_swapped',
)


def _catalogue_order() -> None:
    """Reorder ``FAULTS`` in place: ``HISTORICAL_ORDER`` first, then the rest as registered."""
    ordered = {name: FAULTS.pop(name) for name in HISTORICAL_ORDER}
    ordered.update(FAULTS)
    FAULTS.clear()
    FAULTS.update(ordered)


_catalogue_order()
