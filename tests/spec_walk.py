"""Walks over the spec documents: every `$ref` and every example, for the spec tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.schema import json_pointer, registry


def walk(node: Any, tokens: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path tokens, value) pair of a parsed YAML document, depth first."""
    yield tokens, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*tokens, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*tokens, index))


def refs(document: dict) -> Iterator[tuple[str, str]]:
    """(JSON pointer of the referring object, reference) for every `$ref` in a document."""
    for tokens, node in walk(document):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            yield json_pointer(tokens), node["$ref"]


def _in_schema(tokens: tuple) -> bool:
    return any(token in ("schema", "schemas", "payload") for token in tokens)


def examples(document: dict, uri: str) -> Iterator[tuple[str, dict, Any]]:
    """(label, schema, example) for every example in an OpenAPI or AsyncAPI document.

    Schema `examples` are checked against the schema holding them, a parameter's `example`
    against the parameter's schema, an AsyncAPI message example's `payload` against the
    message payload, and an AsyncAPI parameter's `examples` against its `enum`.
    """
    for tokens, node in walk(document):
        if not isinstance(node, dict):
            continue
        pointer = json_pointer(tokens)
        if _in_schema(tokens) and isinstance(node.get("examples"), list):
            for index, example in enumerate(node["examples"]):
                yield f"{pointer}/examples/{index}", {"$ref": f"{uri}#{pointer}"}, example
        elif len(tokens) >= 2 and tokens[-2] == "parameters" and "example" in node and "schema" in node:
            yield f"{pointer}/example", {"$ref": f"{uri}#{pointer}/schema"}, node["example"]
        elif tokens[:2] == ("components", "messages") and len(tokens) == 3:
            for index, example in enumerate(node.get("examples", [])):
                yield f"{pointer}/examples/{index}", {"$ref": f"{uri}#{pointer}/payload"}, example["payload"]
        elif tokens[:2] == ("components", "parameters") and len(tokens) == 3 and "enum" in node:
            for index, example in enumerate(node.get("examples", [])):
                yield f"{pointer}/examples/{index}", {"enum": node["enum"]}, example


def unresolved_refs(document: dict, uri: str) -> list[str]:
    """Every `$ref` of a document (loaded at `uri`) that the harness registry cannot resolve."""
    resolver = registry().resolver(base_uri=uri)
    unresolved = []
    for pointer, ref in refs(document):
        try:
            resolver.lookup(ref)
        except Exception as error:  # noqa: BLE001 - report every failure, whatever its type
            unresolved.append(f"{pointer}: {ref} ({error.__class__.__name__})")
    return unresolved
