"""Check JSON values against the Pulse spec (`spec/openapi.yaml`, `spec/asyncapi.yaml`).

Both files are loaded once into a `referencing.Registry` under their `file://` URIs, so the
AsyncAPI file's `./openapi.yaml#/...` references and OpenAPI's `#/components/...` references
resolve the same way. Validation is JSON Schema 2020-12 (OpenAPI 3.1's dialect).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from harness.checks import CheckFailure, check

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
OPENAPI_PATH = SPEC_DIR / "openapi.yaml"
ASYNCAPI_PATH = SPEC_DIR / "asyncapi.yaml"
OPENAPI_URI = OPENAPI_PATH.as_uri()
ASYNCAPI_URI = ASYNCAPI_PATH.as_uri()


class _Missing:
    """The `received` value of a Violation for a required field that is absent."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


@dataclass(frozen=True)
class Violation:
    pointer: str  # JSON pointer into the instance ("" = the whole value)
    received: Any
    rule: str  # failing keyword and its documented value, e.g. "enum ['open', ...]"
    schema_path: str
    rule_pointer: str = field(default="", compare=False)  # where the failing rule is in openapi.yaml ("" when elsewhere), e.g. /components/.../enum

    def __str__(self) -> str:
        return f"{self.pointer or '(root)'}: received {self.received!r}; documented {self.rule}"


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def json_pointer(parts) -> str:
    return "".join("/" + escape_pointer_token(str(part)) for part in parts)


# libyaml's safe loader parses the spec files ~8x faster than the pure-Python one (pulse-bench profile).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Parsed spec files, pickled under the project's .pytest_cache (beside the bytecode cache) and named by a digest of
# the file's bytes, PyYAML's version and the loader: an edited file or another PyYAML is parsed anew. Every process
# of a run (the xdist controller and each worker) parses both files at import; libyaml takes ~115 ms for the two on
# this 2-core machine, unpickling ~3 ms. PULSE_SPEC_CACHE=0 switches it off.
SPEC_CACHE = SPEC_DIR.parent / ".pytest_cache" / "spec"


def _cache_file(path: Path, text: bytes, cache: Path) -> Path:
    digest = hashlib.sha256(b"\0".join([text, yaml.__version__.encode(), YAML_LOADER.__name__.encode()]))
    return cache / f"{path.stem}-{digest.hexdigest()[:32]}.pickle"


def load_yaml(path: Path, cache: Path | None = SPEC_CACHE) -> dict:
    """The parsed YAML file: from the cache when it holds this very file, else parsed (and then kept there)."""
    text = path.read_bytes()
    if cache is None or os.environ.get("PULSE_SPEC_CACHE", "1") == "0":
        return yaml.load(text, Loader=YAML_LOADER)
    kept = _cache_file(path, text, cache)
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError):
        return pickle.loads(kept.read_bytes())
    data = yaml.load(text, Loader=YAML_LOADER)
    with contextlib.suppress(OSError):  # a read-only checkout parses every time, as before
        kept.parent.mkdir(parents=True, exist_ok=True)
        for stale in kept.parent.glob(f"{path.stem}-*.pickle"):
            stale.unlink(missing_ok=True)
        partial = kept.with_name(f"{kept.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, kept)  # whole or absent: the xdist workers may write at once
    return data


@functools.cache
def openapi() -> dict:
    return load_yaml(OPENAPI_PATH)


@functools.cache
def asyncapi() -> dict:
    return load_yaml(ASYNCAPI_PATH)


@functools.cache
def registry() -> Registry:
    return Registry().with_resources(
        [
            (OPENAPI_URI, DRAFT202012.create_resource(openapi())),
            (ASYNCAPI_URI, DRAFT202012.create_resource(asyncapi())),
        ]
    )


def schema_ref(name: str) -> dict:
    """A schema that refers to the component `name`, e.g. `models.OrderConfirmation`."""
    if name not in openapi()["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in {OPENAPI_PATH.name} components/schemas")
    return {"$ref": f"{OPENAPI_URI}#/components/schemas/{escape_pointer_token(name)}"}


def resolve(schema: dict) -> dict:
    """The schema a `{"$ref": ...}` wrapper points at (other schemas are returned as they are)."""
    if set(schema) != {"$ref"}:
        return schema
    return registry().resolver().lookup(schema["$ref"]).contents


# ---------------------------------------------------------------------------------------- validation


@functools.cache
def _validator_for_ref(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref}, registry=registry())


def _validator(schema_or_name: str | dict) -> Draft202012Validator:
    schema = schema_ref(schema_or_name) if isinstance(schema_or_name, str) else schema_or_name
    if set(schema) == {"$ref"}:
        return _validator_for_ref(schema["$ref"])
    return Draft202012Validator(schema, registry=registry())


def _rule(error: ValidationError) -> str:
    return f"{error.validator} {error.validator_value!r}"


def _branch_errors(error: ValidationError) -> list[ValidationError]:
    """For a failed anyOf/oneOf, the errors of the alternative the value came closest to.

    An alternative that only fails deeper inside the value (a reply whose `result` is wrong) is
    closer than one that fails at the value itself (the error-reply alternative missing `error`).
    When every alternative fails at the value itself, the anyOf/oneOf error is kept whole.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)

    def failures_at_value(errors):
        return sum(1 for sub in errors if not sub.relative_path)

    best = min(branches.values(), key=lambda errors: (failures_at_value(errors), len(errors)))
    if failures_at_value(best):
        return [error]
    return [flat for sub in best for flat in _branch_errors(sub)]


def _rule_pointer(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:  # e.g. connection.Message status: 1..13 | 200
        inner = [_rule_pointer(sub) for sub in error.context if not sub.relative_path]
        return next((pointer for pointer in inner if pointer), "")
    owner = _node_pointers().get(id(error.schema))
    return f"{owner}/{error.validator}" if owner is not None else ""


def _violations(error: ValidationError) -> list[Violation]:
    schema_path = json_pointer(error.absolute_schema_path)
    rule_pointer = _rule_pointer(error)
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [
            Violation(json_pointer([*error.absolute_path, name]), MISSING, f"required {name!r}", schema_path, rule_pointer)
            for name in error.validator_value
            if name not in present
        ]
    if error.validator in ("anyOf", "oneOf"):
        alternatives = " | ".join(_rule(sub) for sub in error.context if not sub.relative_path)
        rule = f"{error.validator} [{alternatives}]" if alternatives else _rule(error)
        return [Violation(json_pointer(error.absolute_path), error.instance, rule, schema_path, rule_pointer)]
    return [Violation(json_pointer(error.absolute_path), error.instance, _rule(error), schema_path, rule_pointer)]


# The verdict "valid" comes first from jsonschema-rs (schemathesis' own dependency, compiled: ~0.006 ms against
# ~0.45 ms a reply, measured on the 4,313 replies one local run validates). A value it refuses, or one it cannot
# take, is validated by the jsonschema path below, which alone names the violations and their grades; so a value
# is only ever reported from that path, and the two must agree on "valid" (tests/test_schema_fast_path.py).
# PULSE_FAST_SCHEMA=0 turns the fast path off.
FAST_PATH = os.environ.get("PULSE_FAST_SCHEMA", "1") != "0"


@functools.cache
def _fast_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(OPENAPI_URI, openapi()), (ASYNCAPI_URI, asyncapi())])


@functools.cache
def _fast_validator_for_ref(ref: str):
    return jsonschema_rs.Draft202012Validator({"$ref": ref}, registry=_fast_registry(), validate_formats=False)


def fast_is_valid(schema_or_name: str | dict, instance: Any) -> bool | None:
    """jsonschema-rs' verdict on a `$ref` schema or a component name (None: no verdict, use the full path)."""
    schema = schema_ref(schema_or_name) if isinstance(schema_or_name, str) else schema_or_name
    if set(schema) != {"$ref"}:
        return None
    try:
        return _fast_validator_for_ref(schema["$ref"]).is_valid(instance)
    except (ValueError, TypeError, jsonschema_rs.ReferencingError):  # a value JSON has no type for, a bad ref
        return None


def validate(schema_or_name: str | dict, instance: Any) -> list[Violation]:
    """Every way `instance` departs from the schema (a component name or a schema dict)."""
    if FAST_PATH and fast_is_valid(schema_or_name, instance):
        return []
    found: dict[tuple[str, str], Violation] = {}
    for error in _validator(schema_or_name).iter_errors(instance):
        for flat in _branch_errors(error):
            for violation in _violations(flat):
                found.setdefault((violation.pointer, violation.rule), violation)
    return sorted(found.values(), key=lambda violation: (violation.pointer, violation.rule))


def reading_of(violation: Violation) -> tuple[str, str | None]:
    """(grade, register id) of one violation: strict, unless spec/audit.toml keeps the rule as a reading."""
    entry = audit().get(violation.rule_pointer)
    if entry is None or entry.get("grade", "strict") == "strict":
        return "strict", None
    return entry["grade"], entry.get("interpretation")


@check(clause="the documented response model (spec/openapi.yaml, spec/asyncapi.yaml)")
def schema_conforms(schema_or_name: str | dict, instance: Any, clause: str) -> None:
    """Every violation is listed; the failure is strict when any violated rule is the doc's own, and graded as the
    reading spec/audit.toml names when every violated rule is one of our readings."""
    violations = validate(schema_or_name, instance)
    if not violations:
        return
    label = schema_or_name if isinstance(schema_or_name, str) else schema_or_name.get("$ref", "schema")
    graded = [(violation, *reading_of(violation)) for violation in violations]
    lines = "\n".join(f"  {v} [{grade}{': ' + rid if rid else ''}]" for v, grade, rid in graded)
    readings = sorted({rid for _, grade, rid in graded if grade != "strict" and rid})
    strict = any(grade == "strict" for _, grade, _ in graded)
    informational = not strict and all(grade == "informational" for _, grade, _ in graded)
    raise CheckFailure("schema_conforms", clause, f"{len(violations)} violation(s) of {label}:\n{lines}",
                       f"{label} (spec/openapi.yaml, spec/asyncapi.yaml; grades from spec/audit.toml)",
                       interpretation=None if strict else ", ".join(readings) or None, informational=informational)


def assert_conforms(schema_or_name: str | dict, instance: Any, clause: str) -> None:
    """Raise a CheckFailure (an AssertionError) listing every violation, naming the documentation clause checked."""
    schema_conforms(schema_or_name, instance, clause)


# ---------------------------------------------------------------------------------------- response rules
AUDITED_KEYWORDS = ("required", "enum", "const", "maximum", "exclusiveMaximum", "maxLength", "maxItems")
AUDIT_PATH = SPEC_DIR / "audit.toml"


def response_rules() -> dict[str, Any]:
    """Every required/enum/const/maximum rule reachable from an HTTP response of spec/openapi.yaml: {pointer: value}.

    These are the places where the spec can be stricter than the doc (spec/audit.toml lists each one)."""
    rules: dict[str, Any] = {}
    followed: set[str] = set()

    def walk(node, pointer: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and ref not in followed:
                followed.add(ref)
                walk(_follow_local(openapi(), ref)[1], ref[1:])
            for key, value in node.items():
                if key in AUDITED_KEYWORDS and not (key == "required" and isinstance(value, bool)):
                    rules[f"{pointer}/{key}"] = value
                if key not in ("examples", "example", "description", "links"):
                    walk(value, f"{pointer}/{escape_pointer_token(str(key))}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    for path, item in openapi()["paths"].items():
        for verb, operation in item.items():
            for code, response in operation.get("responses", {}).items():
                walk(response, json_pointer(["paths", path, verb, "responses", code]))
    return rules


@functools.cache
def audit() -> dict[str, dict]:
    """spec/audit.toml's kept rules by pointer: how a violation of each is graded (strict, or a reading)."""
    with open(AUDIT_PATH, "rb") as handle:
        return {entry["pointer"]: entry for entry in tomllib.load(handle).get("rule", [])}


@functools.cache
def _node_pointers() -> dict[int, str]:
    """id(schema node) -> its JSON pointer in openapi.yaml, to name the rule a validation error comes from."""
    found: dict[int, str] = {}

    def walk(node, pointer: str) -> None:
        if isinstance(node, dict):
            found.setdefault(id(node), pointer)
            for key, value in node.items():
                walk(value, f"{pointer}/{escape_pointer_token(str(key))}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(openapi(), "")
    return found


# ---------------------------------------------------------------------------------------- lookups


def _http_operations() -> dict[str, tuple[str, str, dict]]:
    return {
        operation["x-jsonrpc-method"]: (path, verb, operation)
        for path, item in openapi()["paths"].items()
        for verb, operation in item.items()
    }


@functools.cache
def jsonrpc_methods() -> frozenset[str]:
    """Every documented JSON-RPC method (the HTTP operations' and the WebSocket-only ones)."""
    return frozenset(_http_operations()) | frozenset(
        operation["x-jsonrpc-method"] for operation in asyncapi()["operations"].values()
        if operation.get("x-jsonrpc-method"))


def _asyncapi_operation(method: str) -> dict:
    for operation in asyncapi()["operations"].values():
        if operation.get("x-jsonrpc-method") == method:
            return operation
    raise KeyError(f"no JSON-RPC method {method!r} in {ASYNCAPI_PATH.name} or {OPENAPI_PATH.name}")


def _follow_local(document: dict, ref: str) -> tuple[str, dict]:
    pointer = ref.split("#", 1)[1]
    node = document
    for token in pointer.lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return pointer, node


def http_response_schema(method: str, status: str) -> dict | None:
    """The schema of an HTTP operation's ``status`` response body, as a `$ref` wrapper (None: not documented)."""
    http = _http_operations()
    if method not in http:
        return None
    path, verb, operation = http[method]
    response = operation["responses"].get(status)
    if response is None:
        return None
    pointer = json_pointer(["paths", path, verb, "responses", status])
    if "$ref" in response:
        pointer, response = _follow_local(openapi(), response["$ref"])
    return {"$ref": f"{OPENAPI_URI}#{pointer}/content/application~1json/schema"}


def result_schema(method: str) -> dict:
    """The schema of a JSON-RPC method's result (HTTP 200 body, WS `result`), as a `$ref` wrapper."""
    http = http_response_schema(method, "200")
    if http is not None:
        return http
    operation = _asyncapi_operation(method)
    if "reply" not in operation:
        raise KeyError(f"{method} has no reply (see its description in {ASYNCAPI_PATH.name})")
    message_ref = operation["reply"]["messages"][0]["$ref"]
    _, channel_message = _follow_local(asyncapi(), message_ref)
    pointer, _ = _follow_local(asyncapi(), channel_message["$ref"])
    return {"$ref": f"{ASYNCAPI_URI}#{pointer}/payload/oneOf/0/allOf/1/properties/result"}


@dataclass(frozen=True)
class ChannelSpec:
    key: str
    address: str  # the documented template, e.g. "book.{instrument_name}.{interval}"
    visibility: str  # "public" or "private" (I-44)
    message_pointer: str  # JSON pointer of the notification message in asyncapi.yaml


@functools.cache
def _channels() -> list[tuple[re.Pattern, ChannelSpec]]:
    specs = []
    for key, channel in asyncapi()["channels"].items():
        if "x-pulse-visibility" not in channel:
            continue
        pointer, message = _follow_local(asyncapi(), channel["messages"]["notification"]["$ref"])
        pattern = message["payload"]["allOf"][1]["properties"]["params"]["properties"]["channel"]["pattern"]
        spec = ChannelSpec(key, channel["address"], channel["x-pulse-visibility"], pointer)
        specs.append((re.compile(pattern), spec))
    return specs


def channel_spec(channel: str) -> ChannelSpec:
    """The documented channel a concrete name such as `book.BTC_USD-PERPETUAL.raw` belongs to."""
    for pattern, spec in _channels():
        if pattern.fullmatch(channel):
            return spec
    raise KeyError(f"{channel!r} matches no documented channel")


def notification_schema(channel: str) -> dict:
    """The schema of `params.data` in a notification of a concrete channel, as a `$ref` wrapper."""
    pointer = channel_spec(channel).message_pointer
    return {"$ref": f"{ASYNCAPI_URI}#{pointer}/payload/allOf/1/properties/params/properties/data"}
