"""An executable model of Pulse order semantics, written from the doc and the register (I-22..I-38).

``ModelExchange`` predicts what a gateway must answer to buy/sell/edit/cancel/cancel_all* for the suite's
own orders on one instrument, and what every query must then show. ``harness.model.views`` turns the
model into the expected results of the query methods; ``harness.model.checks`` compares a gateway's
answers with them and says "received X; model predicts Y (rule)".
"""

from harness.model.exchange import ModelError, ModelExchange, Outcome
from harness.model.orders import ModelOrder, ModelTrade

__all__ = ["ModelError", "ModelExchange", "ModelOrder", "ModelTrade", "Outcome"]
