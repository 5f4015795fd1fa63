"""Environments (spec/environments.toml) and their credentials (environment variables only)."""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from harness.api import Credentials

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
ACCOUNTS = ("maker", "taker")
# Optional accounts: an environment may name them (credentials or default_accounts); the cases needing one skip,
# naming what to configure, where it does not.
MMP_ACCOUNT = "mmp"  # reserved for the suite (MMP breaches, I-640; remote cancel_all): nobody else uses it
OPTIONAL_ACCOUNTS = (MMP_ACCOUNT,)


class MissingCredentials(Exception):
    pass


def credential_variables(env_name: str, account: str) -> tuple[str, str]:
    prefix = f"PULSE_{env_name.upper()}_{account.upper()}"
    return f"{prefix}_CLIENT_ID", f"{prefix}_CLIENT_SECRET"


@dataclass
class Environment:
    name: str
    rest_base: str
    ws_url: str
    allowed_hosts: list[str]
    test_instrument: str
    tick_size: float
    contract_size: float
    index_name: str
    requests_per_second: float
    request_budget: int
    hypothesis_profile: str
    mode: str = "local"  # "local": the suite owns the gateway; "remote": shared, as dev and staging are
    currencies: list[str] = field(default_factory=lambda: ["BTC", "ETH"])
    simulator_profile: str = ""  # sim: the reference gateway profile the controller starts when no URL is given
    accounts: dict[str, Credentials] = field(default_factory=dict)
    local_gateway: bool = False  # True when the suite started the reference gateway itself
    no_venue: str = ""  # why no instrument leaves the suite room to trade (harness.venue), when none does
    perpetual: str = ""  # a perpetual to read funding from: the venue when it is one, else the configured instrument
    max_token_wait_s: float = 60  # the longest a check may wait for a token's expires_in to pass (I-645)
    claim_registry: str = ""  # remote: the instrument holding the runs' claims (harness.claims, I-222); "": none
    claims_note: str = ""  # why this run goes without claims, when the registry could not be used
    quiet_s: float = 0.2  # how long a "nothing arrives" check watches (harness.checks.channels.nothing_arrives)

    def __post_init__(self) -> None:
        self.perpetual = self.perpetual or self.test_instrument

    @property
    def is_local(self) -> bool:
        """The suite owns the gateway: control plane, account-wide calls and exact account state are fine."""
        return self.mode == "local"

    @property
    def is_remote(self) -> bool:
        """A shared gateway (dev, staging, the staging simulator): only the suite's own orders are touched."""
        return not self.is_local

    def hosts(self) -> set[str]:
        return {urlparse(self.rest_base).hostname or "", urlparse(self.ws_url).hostname or ""}

    def hosts_allowed(self) -> bool:
        return self.hosts() <= set(self.allowed_hosts)


def load_environments(path: Path = SPEC_DIR / "environments.toml") -> dict[str, dict]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def resolve(env_name: str, rest_base: str | None = None, ws_url: str | None = None) -> Environment:
    """Build the Environment; raises MissingCredentials naming the variables to set (before any network use)."""
    table = load_environments()
    if env_name not in table:
        raise ValueError(f"unknown environment {env_name!r}; spec/environments.toml has {sorted(table)}")
    raw = dict(table[env_name])
    defaults = raw.pop("default_accounts", None)
    raw.pop("description", None)
    environment = Environment(name=env_name, **raw)
    if rest_base:
        environment.rest_base = rest_base.rstrip("/")
    if ws_url:
        environment.ws_url = ws_url
    missing = []
    for account in ACCOUNTS + OPTIONAL_ACCOUNTS:
        id_var, secret_var = credential_variables(env_name, account)
        client_id, secret = os.environ.get(id_var), os.environ.get(secret_var)
        if (not client_id or not secret) and defaults and account in defaults:
            client_id, secret = defaults[account]
        if account in OPTIONAL_ACCOUNTS and (not client_id or not secret):
            continue  # not configured: unconfigured_account() says what to set
        if not client_id or not secret:
            missing += [v for v, value in ((id_var, client_id), (secret_var, secret)) if not value]
            continue
        environment.accounts[account] = Credentials(account, client_id, secret)
    if missing:
        raise MissingCredentials(
            f"--env {env_name} needs credentials for the maker and taker test accounts; set "
            + ", ".join(missing) + " (see README: 'Running against dev and staging'). No host was contacted.")
    return environment


def unconfigured_account(environment: Environment, account: str = MMP_ACCOUNT) -> str:
    """Why a case needing the optional ``account`` cannot run on ``environment``, naming what to configure
    (empty when the account is configured)."""
    if account in environment.accounts:
        return ""
    id_var, secret_var = credential_variables(environment.name, account)
    return (f"--env {environment.name} names no account reserved for the suite (its MMP breaches and account-wide "
            f"cancel_all, I-640): set {id_var} and {secret_var} to an account nobody else uses (a breach freezes its "
            f"mmp quoting on the index), or "
            f"name it in default_accounts of spec/environments.toml [{environment.name}]")
