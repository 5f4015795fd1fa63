"""Run the real conftest in a child pytest (``-p conftest``) on a test file written by the calling test."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(tmp_path: Path, body: str, *args: str, env: dict | None = None, wait: bool = True, timeout: float = 60,
              new_group: bool = False):
    """``new_group``: the child leads its own process group (a terminal's Ctrl-C goes to the whole group)."""
    test_file = tmp_path / "test_child.py"
    test_file.write_text(textwrap.dedent(body))
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
               "-p", "conftest", "-p", "no:cacheprovider", "-q", str(test_file),
               "--alluredir", str(tmp_path / "allure"), "--junitxml", str(tmp_path / "junit.xml"), *args]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "PYTEST_XDIST"))}
    child_env.update(env or {}, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(command, cwd=tmp_path, env=child_env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=new_group)
    if not wait:
        return process
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output
