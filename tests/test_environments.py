"""Environment config (spec/environments.toml, harness/env.py): the required accounts, the optional account reserved
for MMP breaches (I-640), and the lock that keeps two workers' breaches apart."""

import fcntl

import pytest

from harness.env import MMP_ACCOUNT, MissingCredentials, load_environments, resolve, unconfigured_account
from harness.mmp_flow import exclusive
from reference_gateway.config import DEFAULT_CONFIG

REQUIRED = {"PULSE_STG_MAKER_CLIENT_ID": "m", "PULSE_STG_MAKER_CLIENT_SECRET": "ms",
            "PULSE_STG_TAKER_CLIENT_ID": "t", "PULSE_STG_TAKER_CLIENT_SECRET": "ts"}


@pytest.fixture
def stg_variables(monkeypatch):
    for name in [*REQUIRED, "PULSE_STG_MMP_CLIENT_ID", "PULSE_STG_MMP_CLIENT_SECRET"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("env_name", ["local", "sim"])
def test_local_and_sim_reserve_an_mmp_account_the_reference_gateway_knows(env_name):
    environment = resolve(env_name)
    assert unconfigured_account(environment) == ""
    known = {(a["client_id"], a["client_secret"]) for a in DEFAULT_CONFIG["accounts"]}
    for name, (client_id, secret) in load_environments()[env_name]["default_accounts"].items():
        assert (client_id, secret) in known, f"[{env_name}] default account {name} unknown to the reference gateway"
    assert environment.accounts[MMP_ACCOUNT].client_id not in {environment.accounts[a].client_id
                                                               for a in ("maker", "taker")}


def test_stg_without_mmp_credentials_resolves_and_names_what_to_configure(stg_variables):
    environment = resolve("stg")
    assert set(environment.accounts) == {"maker", "taker"}
    reason = unconfigured_account(environment)
    assert "PULSE_STG_MMP_CLIENT_ID" in reason and "PULSE_STG_MMP_CLIENT_SECRET" in reason


def test_stg_with_mmp_credentials_has_the_reserved_account(stg_variables):
    stg_variables.setenv("PULSE_STG_MMP_CLIENT_ID", "x")
    stg_variables.setenv("PULSE_STG_MMP_CLIENT_SECRET", "y")
    environment = resolve("stg")
    assert (environment.accounts[MMP_ACCOUNT].client_id, unconfigured_account(environment)) == ("x", "")


def test_missing_required_credentials_still_stop_the_run_without_asking_for_mmp(stg_variables):
    stg_variables.delenv("PULSE_STG_TAKER_CLIENT_SECRET")
    with pytest.raises(MissingCredentials) as missing:
        resolve("stg")
    assert "PULSE_STG_TAKER_CLIENT_SECRET" in str(missing.value) and "MMP" not in str(missing.value)


def test_a_held_breach_lock_blocks_another_holder(tmp_path):
    with exclusive(tmp_path):
        with open(tmp_path / "mmp-breach.lock", "a") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / "mmp-breach.lock", "a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the breach is over
