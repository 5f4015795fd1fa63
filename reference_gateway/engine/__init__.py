"""The in-memory exchange: order books, matching, triggers, linked orders, MMP, positions."""
