"""What the doc says, once, read from spec/: its sections, where each method and channel is listed, and the
constants the checks compare with (return_codes.CommonCodes, the market order types, time units).

The suite's layout follows the doc: ``suites/<section folder>/test_<name>.py`` for every documented method and
channel (``suite_file_of``); the collection refuses a ``doc(section, feature)`` marker whose section is not the
spec's (harness.layout). The reference gateway keeps its own constants: it shares no code with the suite.
"""

import functools
import re

from harness import schema
from harness.methods import CHANNELS, OPERATIONS

# The doc's sections, in the doc's order ("This API documentation is organized into the following sections"),
# and the folder under suites/ of each.
SECTIONS = ("Authentication", "Market Data", "Trading", "Wallet", "Subscription management", "Subscription")
SECTION_FOLDERS = {section: section.lower().replace(" ", "_") for section in SECTIONS}

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _enum(name: str) -> tuple:
    return tuple(schema.openapi()["components"]["schemas"][name]["enum"])


# return_codes.CommonCodes: the status of every refusal (I-04), 1..13 as the spec lists them.
COMMON_CODES = _enum("return_codes.CommonCodes")
# The order types without a price (pulse.OrderType: market and the market trigger orders).
MARKET_TYPES = frozenset(t for t in _enum("pulse.OrderType") if t.endswith("market"))


@functools.cache
def feature_sections() -> dict[str, str]:
    """Each documented method and channel with the doc section that lists it: an HTTP method's openapi tag, a
    WS-only method's and a channel's ``x-doc-section`` in spec/asyncapi.yaml (the channel's notify operation)."""
    sections = {}
    for item in schema.openapi()["paths"].values():
        for operation in item.values():
            sections[operation["x-jsonrpc-method"]] = operation["tags"][0]
    asyncapi = schema.asyncapi()
    for operation in asyncapi["operations"].values():
        section = operation.get("x-doc-section")
        if section is None:
            continue
        if operation.get("x-jsonrpc-method"):
            sections.setdefault(operation["x-jsonrpc-method"], section)
        else:
            channel = asyncapi["channels"][operation["channel"]["$ref"].rsplit("/", 1)[1]]["address"]
            sections[channel] = section
    return {feature: sections[feature] for feature in (*OPERATIONS, *CHANNELS) if feature in sections}


def section_of(feature: str) -> str | None:
    """The doc section of a documented method or channel (a channel also by its family: ``book``,
    ``book.BTC_USD-PERPETUAL.raw``); None for anything else (``order flows``, ``JSON-RPC 2.0 envelope``)."""
    sections = feature_sections()
    if feature in sections:
        return sections[feature]
    for channel in CHANNELS:
        family = channel.split(".{")[0]
        if feature == family or feature.startswith(family + "."):
            return sections.get(channel)
    return None


def module_name_of(feature: str) -> str:
    """``private/get_positions`` -> ``test_private_get_positions``; a channel: its address up to the first
    ``{``, dots as underscores (``book.{instrument_name}.{interval}`` -> ``test_book``)."""
    if "/" in feature:
        return "test_" + feature.replace("/", "_")
    return "test_" + re.sub(r"_+$", "", feature.split("{")[0].replace(".", "_"))


def suite_file_of(feature: str) -> str:
    """The suite file of a documented method or channel, relative to the repository root."""
    return f"suites/{SECTION_FOLDERS[section_of(feature)]}/{module_name_of(feature)}.py"
