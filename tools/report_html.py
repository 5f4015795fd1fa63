"""Render an environment's Allure results to HTML with the official Allure 3 CLI (npm package ``allure``).

    pulse-report --env local     # reports/local/allure-results -> reports/local/allure-report
    python -m tools.report_html --env local     # the same, without the console script installed

The report groups cases by doc section (epic), then method or channel (feature), then check (story), sorts failures
into categories by grade (strict, non-strict, informational, flaky: harness/report.py), and keeps a history file per
environment (``reports/<env>/history.jsonl``) so trends show across runs. It is one self-contained ``index.html``
(the Awesome plugin's ``singleFile`` mode): it opens from disk with a double click, no web server needed.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.report import CATEGORY_RULES

ROOT = Path(__file__).resolve().parent.parent
LOCAL_CLI = ROOT / "tests" / "node" / "node_modules" / ".bin" / "allure"


def allure_command() -> list[str]:
    if LOCAL_CLI.exists():
        return [str(LOCAL_CLI)]
    if shutil.which("npx"):
        return ["npx", "--yes", "allure@3"]
    raise SystemExit("the Allure 3 CLI is missing: run `npm ci --prefix tests/node` (Node 20+) first")


def render(env: str, results: Path, output: Path, history: Path) -> Path:
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise SystemExit(f"no Allure results in {results}: run `pytest --env {env}` first")
    config = {"name": f"Pulse API v2.0 conformance ({env})", "output": str(output), "historyPath": str(history),
              "categories": {"rules": CATEGORY_RULES},
              "plugins": {"awesome": {"options": {"groupBy": ["epic", "feature", "story"], "singleFile": True,
                                                  "reportName": f"Pulse conformance: {env}"}}}}
    with tempfile.TemporaryDirectory() as scratch:
        config_path = Path(scratch) / "allurerc.json"
        config_path.write_text(json.dumps(config))
        completed = subprocess.run([*allure_command(), "generate", "--config", str(config_path), str(results)],
                                   capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    if completed.returncode != 0 or not (output / "index.html").exists():
        raise SystemExit(f"allure generate failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return output / "index.html"


EMBEDDED_FILE = re.compile(r'\bd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')


def embedded_files(index: Path) -> dict[str, bytes]:
    """The report's data as the single-file index.html embeds it: {"data/test-results/<id>.json": bytes, ...}."""
    return {path: base64.b64decode(data) for path, data in EMBEDDED_FILE.findall(index.read_text(errors="replace"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse-report", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local", choices=("local", "dev", "stg"))
    parser.add_argument("--results", type=Path, help="default: reports/<env>/allure-results")
    parser.add_argument("--output", type=Path, help="default: reports/<env>/allure-report")
    args = parser.parse_args(argv)
    base = ROOT / "reports" / args.env
    index = render(args.env, args.results or base / "allure-results", args.output or base / "allure-report",
                   base / "history.jsonl")
    print(f"report: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
