"""The HTML report: cases grouped by doc section, request/response attachments with secrets masked."""

import json

import pytest

from harness.report_html import LOCAL_CLI, render
from reference_gateway import start_gateway
from tests.childrun import run_child

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


def test_report_groups_cases_by_doc_section_and_method(rendered):
    results = [json.loads(p.read_text()) for p in (rendered / "data" / "test-results").glob("*.json")]
    grouped = {(r["name"], tuple(r["groupedLabels"]["epic"]), tuple(r["groupedLabels"]["feature"])) for r in results}
    assert ("test_login", ("Authentication",), ("public/auth",)) in grouped, grouped
    assert (rendered / "index.html").exists()


def test_interpretation_failures_are_tagged_non_strict(rendered):
    results = {r["name"]: r for r in (json.loads(p.read_text()) for p in (rendered / "data" / "test-results").glob("*.json"))}
    failed = results["test_fails_non_strict"]
    assert failed["status"] == "failed" and "non-strict" in failed["groupedLabels"]["tag"]


def test_attachments_are_present_and_masked(rendered):
    attachments = list((rendered / "data" / "attachments").iterdir())
    assert attachments, "every request/response pair must be attached"
    text = "".join(a.read_text(errors="replace") for a in attachments)
    assert "public/auth" in text and "***" in text
    assert "maker-secret" not in text and "eyJ" not in text
