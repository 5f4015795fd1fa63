"""Everything the documentation lists is in the spec.

The lists come from `spec/source/pulse-api-v2.0.txt` itself, not from the spec: operation and channel
headings (a heading is a line followed by a blank line and "Code samples"), the section each one sits
in (a line standing alone right above a heading), the `GET|POST <path>` line that follows its code samples, and the model headings after "Schemas".
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from harness.schema import asyncapi, openapi

SOURCE = Path(__file__).resolve().parent.parent / "spec" / "source" / "pulse-api-v2.0.txt"
MODEL_HEADING = re.compile(r"^[a-z_]+\.[A-Za-z0-9_\-]+$")
ENDPOINT_LINE = re.compile(r"^(GET|POST) (/\S+)$")


@dataclass(frozen=True)
class DocEntry:
    heading: str  # "/private/buy" or "book.{instrument_name}.{interval}"
    section: str  # the doc section it sits in, e.g. "Trading"
    endpoint: str  # the path on its GET/POST line, e.g. "/api/v2/private/buy"

    @property
    def method(self) -> str:
        return self.heading.removeprefix("/")

    @property
    def is_http(self) -> bool:
        return self.endpoint.startswith("/api/v2/")


@cache
def doc_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").splitlines()


@cache
def doc_entries() -> list[DocEntry]:
    lines = doc_lines()
    headings = [i for i in range(len(lines) - 2) if lines[i] and not lines[i + 1] and lines[i + 2] == "Code samples"]
    heading_set = set(headings)
    entries, section = [], None
    for i in range(len(lines) - 2):
        if not lines[i - 1] and lines[i] and not lines[i + 1] and i + 2 in heading_set and i not in heading_set:
            section = lines[i]  # a title standing alone directly above its section's first heading
        if i in heading_set:
            endpoint = next(ENDPOINT_LINE.match(line).group(2) for line in lines[i + 3:] if ENDPOINT_LINE.match(line))
            entries.append(DocEntry(lines[i], section, endpoint))
    return entries


@cache
def doc_models() -> list[str]:
    lines = doc_lines()
    start = lines.index("Schemas")
    return [line for line in lines[start + 1:] if MODEL_HEADING.match(line)]


def doc_methods() -> list[DocEntry]:
    return [entry for entry in doc_entries() if entry.heading.startswith("/")]


def doc_channels() -> list[DocEntry]:
    return [entry for entry in doc_entries() if not entry.heading.startswith("/")]


def test_the_doc_parses_into_the_expected_sizes():
    # Guards the parser itself: if these move, the doc changed or the parser broke.
    assert len(doc_methods()) == 38
    assert len(doc_channels()) == 13
    assert len(doc_models()) == 77
    assert {entry.section for entry in doc_channels()} == {"Subscription"}


def http_operations() -> dict[str, tuple[str, dict]]:
    return {
        op["x-jsonrpc-method"]: (f"{verb.upper()} {path}", op)
        for path, item in openapi()["paths"].items()
        for verb, op in item.items()
    }


def test_every_documented_http_operation_is_in_openapi():
    operations = http_operations()
    missing = []
    for entry in doc_methods():
        if not entry.is_http:
            continue
        verb = "GET" if entry.method == "public/auth" else "POST"
        found = operations.get(entry.method)
        if found is None or found[0] != f"{verb} {entry.heading}" or found[1]["x-doc-section"] != entry.section:
            missing.append(f"{entry.section}: {verb} /api/v2{entry.heading}")
    assert not missing, "documented HTTP operations missing from spec/openapi.yaml:\n" + "\n".join(missing)


def test_ws_only_methods_are_not_http_operations():  # I-06
    ws_only = {entry.method for entry in doc_methods() if not entry.is_http}
    assert len(ws_only) == 8
    assert not ws_only & http_operations().keys()


def test_every_documented_method_is_an_asyncapi_operation():
    operations = {op.get("x-jsonrpc-method"): op for op in asyncapi()["operations"].values()}
    missing = [
        f"{entry.section}: {entry.method}"
        for entry in doc_methods()
        if entry.method not in operations or operations[entry.method].get("x-doc-section") != entry.section
    ]
    assert not missing, "documented methods missing from spec/asyncapi.yaml:\n" + "\n".join(missing)


def test_every_documented_channel_is_an_asyncapi_channel():
    sections = {
        asyncapi()["channels"][operation["channel"]["$ref"].rsplit("/", 1)[1]]["address"]: operation.get("x-doc-section")
        for operation in asyncapi()["operations"].values()
        if operation["action"] == "send"
    }
    missing = [entry.heading for entry in doc_channels() if sections.get(entry.heading) != entry.section]
    assert not missing, "documented channels missing from spec/asyncapi.yaml:\n" + "\n".join(missing)


@pytest.mark.parametrize("model", doc_models())
def test_every_documented_model_is_an_openapi_schema(model):
    schemas = openapi()["components"]["schemas"]
    assert model in schemas, f"documented model {model} missing from spec/openapi.yaml components/schemas"
    assert schemas[model].get("description"), f"{model} has no description"


@cache
def doc_model_properties() -> dict[str, set[str]]:
    """Property names of each documented model, from its "Properties" table."""
    lines, models = doc_lines(), set(doc_models())
    start = lines.index("Schemas")
    found, current, in_table = {}, None, False
    for line in lines[start + 1:]:
        if line in models:
            current, in_table = line, False
            found[current] = set()
        elif line.startswith("Name Type Required Restrictions Description"):
            in_table = True
        elif in_table and line and current:
            if line.startswith("Enumerated Values"):
                in_table = False
            else:
                found[current].add(line.split(" ", 1)[0])
        elif in_table and not line:
            in_table = False
    return found


def spec_properties(name: str) -> set[str]:
    schema = openapi()["components"]["schemas"][name]
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            names |= spec_properties(part["$ref"].rsplit("/", 1)[1])
        names |= set(part.get("properties", {}))
    return names


@pytest.mark.parametrize("model", doc_models())
def test_every_documented_property_is_in_the_schema(model):
    documented = doc_model_properties()[model]
    schema = openapi()["components"]["schemas"][model]
    if "enum" in schema:  # types.* and return_codes.*: a one-row table naming the type itself
        assert documented == {model.split(".", 1)[1]}
        return
    missing = documented - spec_properties(model)
    assert not missing, f"{model}: documented properties missing from the spec: {sorted(missing)}"
