"""Cross-cutting flows: state machines over several documented methods at once."""


def pytest_collection_modifyitems(config, items):
    """The order-flow state machines run after the example tests: with -x a broken rule is reported by its
    quick, readable example test first; the flows (and their shrinking) come last."""
    items.sort(key=lambda item: item.nodeid.startswith("suites/flows/test_order_flows.py"))
