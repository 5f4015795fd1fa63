"""The drop-in CI pipelines under ci/: they parse, name the right secrets, and every command they call exists."""

import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from harness.env import ACCOUNTS, credential_variables

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "ci" / "github" / "pulse-conformance.yml"
GITLAB = ROOT / "ci" / "gitlab" / "pulse-conformance.gitlab-ci.yml"
SECRETS = {name for env in ("dev", "stg") for account in ACCOUNTS for name in credential_variables(env, account)}


def github_commands() -> list[str]:
    workflow = yaml.safe_load(GITHUB.read_text())
    steps = workflow["jobs"]["conformance"]["steps"]
    return [line.strip() for step in steps if "run" in step for line in step["run"].splitlines() if line.strip()]


def gitlab_commands() -> list[str]:
    pipeline = yaml.safe_load(GITLAB.read_text())
    job = pipeline[".pulse-conformance"]
    return [c for key in ("before_script", "script", "after_script") for c in job[key] if not c.startswith("cd ")]


def expand(command: str, env: str) -> list[str]:
    command = command.replace("${{ matrix.env }}", env).replace('"$PULSE_ENV"', env).replace("$PULSE_ENV", env)
    return shlex.split(command)


def test_github_workflow_parses_and_names_every_secret():
    workflow = yaml.safe_load(GITHUB.read_text())
    job = workflow["jobs"]["conformance"]
    assert job["strategy"]["matrix"]["env"] == ["dev", "stg"]
    assert set(job["env"]) == SECRETS
    assert all(value == f"${{{{ secrets.{name} }}}}" for name, value in job["env"].items())
    assert job["defaults"]["run"]["working-directory"] == job["steps"][0]["with"]["path"]


def test_gitlab_pipeline_parses_and_covers_both_environments():
    pipeline = yaml.safe_load(GITLAB.read_text())
    assert {pipeline[j]["variables"]["PULSE_ENV"] for j in ("pulse-dev", "pulse-stg")} == {"dev", "stg"}
    assert pipeline[".pulse-conformance"]["artifacts"]["reports"]["junit"].endswith("junit.xml")
    assert all(name in GITLAB.read_text() for name in SECRETS)


@pytest.mark.parametrize("command", sorted(set(github_commands()) | set(gitlab_commands())))
def test_every_pipeline_command_exists(command, tmp_path):
    argv = expand(command, "stg")
    if argv[:3] == ["python", "-m", "pip"]:
        extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
        assert "dev" in extras
    elif argv[:2] == ["npm", "ci"]:
        assert (ROOT / argv[argv.index("--prefix") + 1] / "package-lock.json").exists()
    elif argv[:3] == ["python", "-m", "pytest"]:
        # Options must parse; with (fake) credentials set, collection contacts no host.
        fake = {name: "ci-check" for name in SECRETS}
        completed = subprocess.run([sys.executable, *argv[1:], "--collect-only", "-q", "-p", "no:cacheprovider",
                                    "--junitxml", str(tmp_path / "j.xml"), "--alluredir", str(tmp_path / "a")],
                                   cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **fake})
        assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    elif argv[:2] == ["python", "-m"]:
        completed = subprocess.run([sys.executable, "-m", argv[2], "--help"], cwd=ROOT, capture_output=True,
                                   text=True, timeout=60)
        assert completed.returncode == 0, completed.stderr
        for option in (a for a in argv[3:] if a.startswith("--")):
            assert option in completed.stdout, f"{argv[2]} has no option {option}"
    else:
        pytest.fail(f"pipeline command not covered by this test: {command}")
