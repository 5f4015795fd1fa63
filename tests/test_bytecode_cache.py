"""harness/bytecode_cache.py: pytest's rewritten bytecode is kept under .pytest_cache when the environment turns
bytecode off, and the interpreter's own choices are left alone otherwise."""

import sys

import pytest

from harness import bytecode_cache


@pytest.fixture
def interpreter(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    return monkeypatch


def test_bytecode_goes_under_the_project_cache_when_switched_off(interpreter):
    assert bytecode_cache.enable({}) is True
    assert sys.pycache_prefix == str(bytecode_cache.PREFIX) and not sys.dont_write_bytecode
    assert bytecode_cache.PREFIX.parts[-2:] == (".pytest_cache", "pycache")


@pytest.mark.parametrize("change", ["opted_out", "own_prefix", "bytecode_on"])
def test_the_interpreters_own_choice_is_kept(interpreter, change):
    environ = {"PULSE_BYTECODE_CACHE": "0"} if change == "opted_out" else {}
    if change == "own_prefix":
        interpreter.setattr(sys, "pycache_prefix", "/somewhere/else")
    if change == "bytecode_on":
        interpreter.setattr(sys, "dont_write_bytecode", False)
    before = (sys.pycache_prefix, sys.dont_write_bytecode)
    assert bytecode_cache.enable(environ) is False
    assert (sys.pycache_prefix, sys.dont_write_bytecode) == before


def test_a_child_gateway_shares_the_cache(interpreter):
    bytecode_cache.enable({})
    child = bytecode_cache.child_environment({"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/bin"})
    assert child == {"PATH": "/bin", "PYTHONPYCACHEPREFIX": str(bytecode_cache.PREFIX)}


def test_a_child_keeps_the_environment_when_the_cache_is_off(interpreter):
    environ = {"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/bin"}
    assert bytecode_cache.child_environment(environ) == environ
