"""The suite speaks only the wire: nothing under harness/ (nor the suites, the strategies or the root conftest.py)
imports the reference gateway (issue #15).

The suites reach a gateway over HTTP and WebSocket only; the local one is a child process (harness/local.py starts
``python -m reference_gateway``, which is a command line, not an import). What measures or mutates the gateway
in-process lives in tools/ (benchmarks, the mutation campaign, the report renderer), which may import it.

Imports are read with ``ast``, not grep: ``import reference_gateway[.x] [as y]``, ``from reference_gateway[.x] import
...``, a relative import that resolves to it, and the dynamic forms ``importlib.import_module("reference_gateway...")``
and ``__import__("reference_gateway...")`` with a literal name.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATEWAY = "reference_gateway"
WIRE_ONLY = ("harness", "suites", "strategies", "conftest.py")  # the suite; tools/ and tests/ may import the gateway
DYNAMIC_IMPORTS = {"import_module", "__import__"}


def is_gateway(module: str | None) -> bool:
    return bool(module) and (module == GATEWAY or module.startswith(GATEWAY + "."))


def absolute(node: ast.ImportFrom, package: list[str]) -> str | None:
    """The module an ``from ... import`` names, relative levels resolved against the file's package."""
    if not node.level:
        return node.module
    base = package[:len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
    return ".".join([*base, *([node.module] if node.module else [])])


def gateway_imports(source: str, package: list[str], filename: str = "<source>") -> list[str]:
    """Every import of the reference gateway in a module's source, as ``line N: <the statement's text>``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            hit = any(is_gateway(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, package)
            hit = is_gateway(module) or any(is_gateway(f"{module}.{alias.name}" if module else alias.name)
                                            for alias in node.names)
        elif isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            hit = (name in DYNAMIC_IMPORTS and bool(node.args) and isinstance(node.args[0], ast.Constant)
                   and isinstance(node.args[0].value, str) and is_gateway(node.args[0].value))
        else:
            continue
        if hit:
            found.append(f"line {node.lineno}: {ast.get_source_segment(source, node)}")
    return found


def modules(root: str) -> list[Path]:
    path = ROOT / root
    return [path] if path.is_file() else sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("root", WIRE_ONLY)
def test_the_suite_never_imports_the_reference_gateway(root):
    files = modules(root)
    assert files, f"{root}: no Python file found (moved? update WIRE_ONLY)"
    offenders = {}
    for path in files:
        relative = path.relative_to(ROOT)
        found = gateway_imports(path.read_text(), list(relative.parent.parts), str(relative))  # its package
        if found:
            offenders[str(relative)] = found
    assert not offenders, ("the suite speaks only the wire; these import the reference gateway (move the code to "
                           f"tools/ or beside the gateway): {offenders}")


# ---------------------------------------------------------------------------------------------- the finder itself
@pytest.mark.parametrize("source", [
    "import reference_gateway",
    "import os, reference_gateway.engine.exchange as exchange",
    "from reference_gateway import start_gateway",
    "from reference_gateway.engine.exchange import Exchange",
    "def later():\n    from reference_gateway.clock import Clock\n    return Clock",
    "import importlib\nengine = importlib.import_module('reference_gateway.engine')",
    "from importlib import import_module\nimport_module('reference_gateway')",
    "gateway = __import__('reference_gateway.params')",
    "from .. import reference_gateway",  # harness/x.py's grandparent is the project root
    "from ..reference_gateway.config import load_config",
])
def test_the_finder_sees_every_form_of_import(source):
    assert gateway_imports(source, ["harness"]), source


@pytest.mark.parametrize("source", [
    "command = [sys.executable, '-m', 'reference_gateway', '--port', '0']",  # a child process: the wire
    "import reference_gateway_client",
    "from harness.local import LocalGateway",
    "from . import reference_gateway",  # harness.reference_gateway: a module of the harness, not the gateway
    "importlib.import_module(name)",
    "'''python -m reference_gateway'''",
])
def test_the_finder_leaves_the_wire_alone(source):
    assert not gateway_imports(source, ["harness"]), source
