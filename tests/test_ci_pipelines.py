"""The drop-in CI pipelines under ci/: they parse, name the right secrets, and every command they call exists."""

import importlib.util
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from harness.env import ACCOUNTS, OPTIONAL_ACCOUNTS, credential_variables
from tools import mutation

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "ci" / "github" / "pulse-conformance.yml"
GITLAB = ROOT / "ci" / "gitlab" / "pulse-conformance.gitlab-ci.yml"
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
SECRETS = {name for env in ("dev", "stg") for account in ACCOUNTS + OPTIONAL_ACCOUNTS
           for name in credential_variables(env, account)}


def github_commands(job: str | None = None) -> list[str]:
    workflow = yaml.safe_load(GITHUB.read_text())
    steps = [step for name, spec in workflow["jobs"].items() if job in (None, name) for step in spec["steps"]]
    return [line.strip() for step in steps if "run" in step for line in step["run"].splitlines() if line.strip()]


def gitlab_commands(job: str | None = None) -> list[str]:
    pipeline = yaml.safe_load(GITLAB.read_text())
    jobs = [spec for name, spec in pipeline.items() if isinstance(spec, dict) and job in (None, name)]
    return [c for spec in jobs for key in ("before_script", "script", "after_script") for c in spec.get(key, [])
            if not c.startswith("cd ")]


def expand(command: str, env: str, shard: int = 1, total: int = 4) -> list[str]:
    command = command.replace("${{ matrix.env }}", env).replace('"$PULSE_ENV"', env).replace("$PULSE_ENV", env)
    for name, value in (("${{ matrix.shard }}", shard), ("${{ strategy.job-total }}", total),
                        ("$CI_NODE_INDEX", shard), ("$CI_NODE_TOTAL", total)):
        command = command.replace(name, str(value))
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


def assert_options(args: list[str], help_command: list[str], name: str) -> None:
    """The command's --help runs from the checkout and lists every option the pipeline passes."""
    completed = subprocess.run(help_command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    for option in (a for a in args if a.startswith("--")):
        assert option in completed.stdout, f"{name} has no option {option}"


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
        assert_options(argv[3:], [sys.executable, "-m", argv[2], "--help"], argv[2])
    elif argv[0] in SCRIPTS:  # a console script of pyproject's [project.scripts]: its entry point, as pip installs it
        module, _, function = SCRIPTS[argv[0]].partition(":")
        call = f"import sys; from {module} import {function}; sys.exit({function}(['--help']))"
        assert_options(argv[1:], [sys.executable, "-c", call], argv[0])
    else:
        pytest.fail(f"pipeline command not covered by this test: {command}")


def test_the_project_ci_command_calls_only_what_exists():
    """.ci/run (this project's own CI, not a drop-in pipeline): its console scripts are pyproject's, its
    ``python -m`` modules import, its npm prefix holds a lockfile, and it runs the mutation gate unconditionally."""
    lines = [shlex.split(line, comments=True) for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    words = [word for line in lines for word in line]
    scripts = {word for word in words if word.startswith("pulse-")}
    assert scripts <= set(SCRIPTS), f"{sorted(scripts - set(SCRIPTS))} are not console scripts of pyproject.toml"
    modules = {line[line.index("-m") + 1] for line in lines if line[:1] == ["python"] and "-m" in line}
    assert {"pytest", "pip", "venv"} & modules and all(importlib.util.find_spec(m) for m in modules), modules
    prefixes = [words[i + 1] for i, word in enumerate(words) if word == "--prefix"]
    assert prefixes and all((ROOT / p / "package-lock.json").exists() for p in prefixes), prefixes
    assert ["pulse-mutation", "--gate", "--with-deviations"] in lines


# ---------------------------------------------------------------------------------------------- mutation shards
def mutation_argv(commands: list[str], flag: str, shard: int, total: int) -> list[str]:
    found = [argv for c in commands if (argv := expand(c, "stg", shard, total))[0] == "pulse-mutation" and flag in argv]
    assert len(found) == 1, f"one pulse-mutation {flag} command expected, found {found}"
    return found[0]


def shards_run(commands: list[str], shards: list[int], total: int) -> list[tuple[int, int]]:
    """The K/N each matrix job passes to --shard (with --gate --with-deviations, CI's gate)."""
    runs = []
    for shard in shards:
        argv = mutation_argv(commands, "--shard", shard, total)
        assert {"--gate", "--with-deviations"} <= set(argv)
        runs.append(mutation.parse_shard(argv[argv.index("--shard") + 1]))
    return runs


def test_github_mutation_matrix_runs_every_shard_and_merges_them():
    jobs = yaml.safe_load(GITHUB.read_text())["jobs"]
    shards = jobs["mutation"]["strategy"]["matrix"]["shard"]
    total = len(shards)
    assert total >= 2
    assert shards_run(github_commands("mutation"), shards, total) == [(k, total) for k in range(1, total + 1)]
    upload = next(s for s in jobs["mutation"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"].rstrip("/").endswith("reports/mutation")
    merge = jobs["mutation-merge"]
    assert merge["needs"] == "mutation" and merge["if"] == "always()"
    download = next(s for s in merge["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["pattern"].rstrip("*") in upload["with"]["name"] and download["with"]["merge-multiple"]
    argv = mutation_argv(github_commands("mutation-merge"), "--merge", 1, total)
    assert download["with"]["path"].endswith(argv[argv.index("--merge") + 1].rsplit("/", 1)[0])


def test_gitlab_mutation_jobs_run_every_shard_in_parallel_and_merge_them():
    pipeline = yaml.safe_load(GITLAB.read_text())
    job, merge = pipeline["pulse-mutation"], pipeline["pulse-mutation-merge"]
    total = job["parallel"]
    assert total >= 2
    assert shards_run(gitlab_commands("pulse-mutation"), list(range(1, total + 1)), total) == [
        (k, total) for k in range(1, total + 1)]
    assert job["artifacts"]["when"] == "always" and job["artifacts"]["paths"] == ["$PULSE_DIR/reports/mutation/"]
    assert merge["when"] == "always" and merge["needs"] == [{"job": "pulse-mutation", "artifacts": True}]
    assert pipeline["stages"].index(merge["stage"]) > pipeline["stages"].index(job["stage"])
    mutation_argv(gitlab_commands("pulse-mutation-merge"), "--merge", 1, total)


@pytest.mark.parametrize("total", [4])
def test_shard_reports_land_where_the_merge_job_reads_them(total, tmp_path):
    """Each shard's report path matches the merge command's glob, one file per shard."""
    argv = mutation_argv(github_commands("mutation-merge"), "--merge", 1, total)
    pattern = argv[argv.index("--merge") + 1]
    paths = {mutation.shard_path(tmp_path, mutation.LOCAL, k, total).relative_to(tmp_path) for k in range(1, total + 1)}
    assert len(paths) == total and all(Path("reports", p).match(pattern) for p in paths)
