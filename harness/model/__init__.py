"""A shadow model of Pulse order semantics, written from the doc and the register (I-22..I-39, I-100..I-105).

``Ledger`` predicts what a gateway must answer to buy/sell/edit/cancel/cancel_all* for the suite's own orders
on one instrument: a list of order records, a list of trades and a log of what happened, with the doc's rules
as tables (``harness.model.rules``). ``harness.model.views`` reads what each query method must list off the
ledger; ``harness.model.checks`` compares a gateway's answers with it and says "received X; model predicts Y
(rule)"; ``harness.model.driver`` sends every request to both.
"""

from harness.model.ledger import Ledger, ModelError, Outcome
from harness.model.records import Holding, ModelOrder, ModelTrade

__all__ = ["Holding", "Ledger", "ModelError", "ModelOrder", "ModelTrade", "Outcome"]
