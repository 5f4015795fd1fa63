"""The HTML report: cases grouped by doc section, request/response attachments with secrets masked."""

import json
import shutil
import subprocess

import pytest

from reference_gateway import start_gateway
from tests.childrun import run_child
from tools.report_html import LOCAL_CLI, embedded_files, render

CASES = """
import pytest

pytestmark = [pytest.mark.auth, pytest.mark.doc("Authentication", "public/auth")]

def test_login(rest, pulse_env):
    assert rest.call("public/auth", pulse_env.accounts["maker"].grant())["token_type"] == "bearer"

@pytest.mark.interpretation("I-11")
def test_fails_non_strict(rest, pulse_env):
    assert rest.call("public/auth", pulse_env.accounts["maker"].grant())["expires_in"] < 0
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    if not LOCAL_CLI.exists():
        pytest.fail("the Allure CLI is not installed: run `npm ci --prefix tests/node`")
    tmp = tmp_path_factory.mktemp("report")
    gateway = start_gateway()
    try:
        code, output = run_child(tmp, CASES, "--base-url", gateway.base_url + "/api/v2", "--ws-url", gateway.ws_url)
    finally:
        gateway.stop()
    assert code == 1, output
    render("local", tmp / "allure", tmp / "html", tmp / "history.jsonl")
    return tmp / "html"


def _results(rendered) -> list[dict]:
    return [json.loads(data) for path, data in embedded_files(rendered / "index.html").items()
            if path.startswith("data/test-results/")]


def test_report_groups_cases_by_doc_section_and_method(rendered):
    results = _results(rendered)
    grouped = {(r["name"], tuple(r["groupedLabels"]["epic"]), tuple(r["groupedLabels"]["feature"])) for r in results}
    assert ("test_login", ("Authentication",), ("public/auth",)) in grouped, grouped
    assert (rendered / "index.html").exists()


def test_interpretation_failures_are_tagged_non_strict(rendered):
    results = {r["name"]: r for r in _results(rendered)}
    failed = results["test_fails_non_strict"]
    assert failed["status"] == "failed" and "non-strict" in failed["groupedLabels"]["tag"]
    assert {"name": "grade", "value": "non-strict"} in failed["labels"]


def test_attachments_are_present_and_masked(rendered):
    attachments = [data for path, data in embedded_files(rendered / "index.html").items()
                   if path.startswith("data/attachments/")]
    assert attachments, "every request/response pair must be attached"
    text = "".join(a.decode(errors="replace") for a in attachments)
    assert "public/auth" in text and "***" in text
    assert "maker-secret" not in text and "eyJ" not in text


def test_report_is_one_file_that_opens_from_disk(rendered):
    """Double-clicking index.html works: headless Chromium opens it from file:// and shows the cases, not a spinner."""
    assert sorted(p.name for p in rendered.iterdir() if p.is_dir()) == [], "single-file mode: no data/ directory"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        pytest.fail("chromium is not installed (.ci/run installs it: apt-get install -y chromium)")
    for budget_ms in (15_000, 30_000, 60_000):  # on a loaded machine the page may render after the first dump
        completed = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                    f"--virtual-time-budget={budget_ms}", f"--timeout={budget_ms}", "--dump-dom",
                                    (rendered / "index.html").as_uri()], capture_output=True, text=True, timeout=180)
        if "Authentication" in completed.stdout and "test_login" in completed.stdout:
            break
    assert "Authentication" in completed.stdout and "test_login" in completed.stdout, completed.stdout[-2000:]
