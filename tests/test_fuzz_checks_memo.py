"""The fuzz suite remembers schemathesis' checks configuration per operation and phase for its own schemas
(suites/fuzz/conftest.py, memoise_checks_config): the remembered merge must be exactly schemathesis' own, for every
operation, phase and generation mode, locally and remotely; any other configuration is computed as before."""

import types

import pytest
import schemathesis

from suites.fuzz import conftest as fuzz

PHASES = (None, "examples", "coverage", "fuzzing", "stateful")


def environment(remote: bool):
    return types.SimpleNamespace(rest_base="http://127.0.0.1:9/api/v2", hypothesis_profile="local", name="x",
                                 is_remote=remote, is_local=not remote)


@pytest.mark.parametrize("remote", [False, True])
@pytest.mark.parametrize("modes", [["positive"], ["negative"], ["positive", "negative"]])
def test_the_remembered_checks_configuration_is_schemathesis_own(remote, modes):
    schema = fuzz.build_schema(environment(remote), {"maker": object()}, modes, coverage=not remote)
    config = schema.config
    memoised = type(config).checks_config_for
    assert memoised.pulse_memo
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for phase in PHASES:
            first = config.checks_config_for(operation=operation, phase=phase)
            assert first == memoised.original(config, operation=operation, phase=phase), (operation.label, phase)
            assert config.checks_config_for(operation=operation, phase=phase) is first  # remembered
    assert config.checks_config_for() == memoised.original(config)


def test_a_configuration_the_suite_did_not_build_is_not_remembered():
    fuzz.build_schema(environment(False), {"maker": object()}, ["positive"], coverage=True)  # installs the memo
    other = schemathesis.openapi.from_dict(fuzz.load_spec())
    operation = next(iter(other.get_all_operations())).ok()
    assert (other.config.checks_config_for(operation=operation, phase="fuzzing")
            is not other.config.checks_config_for(operation=operation, phase="fuzzing"))


def test_the_memo_tells_phases_and_operations_apart():
    """A configuration whose checks differ per phase and per operation (the suite's own do not, today): each
    (operation, phase) is remembered apart."""
    config = schemathesis.Config.from_dict({
        "phases": {"coverage": {"checks": {"not_a_server_error": {"enabled": False}}}},
        "operations": [{"include-path": "/public/auth", "checks": {"status_code_conformance": {"enabled": False}}}],
    })
    schema = schemathesis.openapi.from_dict(fuzz.load_spec(), config=config)
    fuzz.memoise_checks_config(schema.config)
    original = type(schema.config).checks_config_for.original
    operations = [result.ok() for result in schema.get_all_operations()]
    seen = set()
    for operation in operations:
        for phase in PHASES:
            remembered = schema.config.checks_config_for(operation=operation, phase=phase)
            assert remembered == original(schema.config, operation=operation, phase=phase), (operation.label, phase)
            seen.add((remembered.not_a_server_error.enabled, remembered.status_code_conformance.enabled))
    assert len(seen) > 2  # the configuration really differs per phase and per operation
