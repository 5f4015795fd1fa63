"""private/get_mmp_config (doc section "Trading"): answers the config private/set_mmp_config stored
(models.SetMMPConfig)."""

import pytest

from harness.checks.presence import sent_fields
from harness.mmp_flow import mmp_config
from harness.wire_checks import echoes

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session]


@pytest.mark.doc("Trading", "private/get_mmp_config")
@pytest.mark.interpretation("I-42", "I-80", "I-135")
def test_set_then_get_returns_the_config(mmp_maker, pulse_env):
    """Doc: set_mmp_config and get_mmp_config both answer models.SetMMPConfig {frozen_time, index_name, interval,
    quantity_limit}; I-80: the result echoes the stored config."""
    config = mmp_config(pulse_env)
    result = mmp_maker.call("private/set_mmp_config", **config)
    assert echoes(sent_fields(result, config, "set_mmp_config"), config), (
        f"set_mmp_config: received {result}; documented the config just set {config}")
    got = mmp_maker.call("private/get_mmp_config", index_name=pulse_env.index_name)
    assert echoes(sent_fields(got, config, "get_mmp_config"), config), (
        f"get_mmp_config: received {got}; documented the config just set {config}")
