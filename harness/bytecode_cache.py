"""pytest plugin, loaded first (``-p harness.bytecode_cache`` in addopts): keep pytest's rewritten bytecode.

pytest rewrites the asserts of every test module and of every package that ships a pytest plugin (schemathesis,
hypothesis, anyio, xdist ...: ~370 modules in this suite) and normally caches the result as ``.pyc``. With
``PYTHONDONTWRITEBYTECODE`` set nothing is cached, and every process (the xdist controller and each worker)
parses and recompiles all of them again: about 3.5 s of CPU per process, half of a collect-only run
(``pulse-bench``; measured with ``python -m cProfile -m pytest --co``).

When the environment asks for no bytecode beside the sources and names no cache prefix of its own, this puts the
bytecode under ``.pytest_cache/pycache`` of this project (``sys.pycache_prefix``): still nothing is written beside
any source file. ``PULSE_BYTECODE_CACHE=0`` leaves the interpreter's setting alone.
"""

import os
import sys
from pathlib import Path

PREFIX = Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache"


def enable(environ=os.environ) -> bool:
    """Redirect bytecode to PREFIX when it is switched off and no prefix is set; True if it did."""
    if not sys.dont_write_bytecode or sys.pycache_prefix or environ.get("PULSE_BYTECODE_CACHE", "1") == "0":
        return False
    sys.pycache_prefix, sys.dont_write_bytecode = str(PREFIX), False
    return True


def child_environment(environ=os.environ) -> dict[str, str]:
    """The environment for a Python child this process starts (the reference gateway): with the same bytecode
    cache when this process uses it (else each gateway start recompiles the gateway's modules, ~30 ms)."""
    if sys.pycache_prefix != str(PREFIX) or sys.dont_write_bytecode:
        return dict(environ)
    child = {name: value for name, value in environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**child, "PYTHONPYCACHEPREFIX": str(PREFIX)}


enable()  # at import: pytest imports ``-p`` plugins before the installed plugins it rewrites
