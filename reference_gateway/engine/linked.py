"""Linked orders (OTO, OCO, OTOCO): secondaries drafted with their primary, activated by its fills.

Mixed into ``Exchange`` (engine/exchange.py), whose state and order entry (``_build_order``, ``_enter``,
``_cancel``) it uses.
"""

import math

from reference_gateway.engine.orders import Order


class LinkedOrders:
    def _attach_secondaries(self, primary: Order, params: dict) -> None:
        primary.linked_order_type = params["linked_order_type"]
        primary.trigger_fill_condition = params.get("trigger_fill_condition") or "first_hit"
        primary.is_primary_otoco = True
        primary.status_otoco = "active"
        instrument = self.instruments[primary.instrument_name]
        for config in params["otoco_config"]:
            secondary = self._build_order(primary.account_id, config["direction"], {
                **config, "instrument_name": primary.instrument_name, "label": primary.label,
                "post_only": False, "reduce_only": False, "mmp": False,
            }, instrument, primary.connection_id)
            secondary.order_state = "untriggered"
            secondary.is_secondary_oto = True
            secondary.primary_order_id = primary.order_id
            secondary.linked_order_type = primary.linked_order_type
            secondary.status_otoco = "draft"
            secondary.otoco_template = dict(config)
            primary.oto_order_ids.append(secondary.order_id)
            self._register(secondary)
            self._touch(secondary)

    def _secondary_target_amount(self, primary: Order, secondary: Order) -> float:
        condition = primary.trigger_fill_condition
        full = secondary.otoco_template["amount"]
        if condition == "complete_fill":
            return full if primary.remaining <= 0 else 0.0
        if condition == "incremental":
            step = self.instruments[secondary.instrument_name].contract_size
            return math.floor(full * primary.filled_amount / primary.amount / step + 1e-9) * step
        return full if primary.filled_amount > 0 else 0.0

    def _activate_secondaries(self, primary: Order) -> None:
        for order_id in primary.oto_order_ids:
            secondary = self.orders[order_id]
            if secondary.order_state not in ("untriggered", "open", "partially_filled"):
                continue
            target = self._secondary_target_amount(primary, secondary)
            if target <= 0:
                continue
            if secondary.status_otoco == "draft":
                secondary.amount = target
                secondary.status_otoco = "active"
                self._enter(secondary)
            elif target > secondary.amount:
                secondary.amount = target
                self._touch(secondary)

    def _cancel_oco_siblings(self, executed: Order) -> None:
        primary = self.orders.get(executed.primary_order_id)
        if primary is None:
            return
        for order_id in primary.oto_order_ids:
            sibling = self.orders[order_id]
            if sibling is not executed and sibling.is_open:
                self._cancel(sibling, "oco_other_closed")

    def _cancel_draft_secondaries(self, primary: Order) -> None:
        for order_id in primary.oto_order_ids:
            secondary = self.orders[order_id]
            if secondary.status_otoco == "draft" and secondary.is_open:
                self._cancel(secondary, "oto_primary_closed")
