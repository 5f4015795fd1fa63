"""Allure report helpers: masked request/response attachments, labels from markers, run metadata."""

import json
import time
import uuid
from pathlib import Path

from harness.masking import masked_json

try:
    import allure
except ImportError:  # the suite still runs without allure-pytest; only the report is missing
    allure = None

SUITE_VERSION = "0.1.0"
DOC_URL = "https://pulse.local/docs/api-v2#"  # doc anchors; the doc is vendored in spec/source/

CATEGORIES = [
    {"name": "Interpretation (non-strict) failures", "matchedStatuses": ["failed"],
     "messageRegex": r"(?s).*\[non-strict: rests on I-\d+.*"},
    {"name": "Product defects", "matchedStatuses": ["failed"]},
    {"name": "Suite errors", "matchedStatuses": ["broken"]},
]


def attach_exchange(record: dict) -> None:
    """Attach one request/response pair (secrets masked) to the running test's report."""
    if allure is None:
        return
    name = f"{record.get('transport')} {record.get('method')}"
    allure.attach(masked_json(record), name=name, attachment_type=allure.attachment_type.JSON)


def apply_labels(item) -> None:
    """epic = doc section, feature = method or channel, story = check (from the ``doc`` marker)."""
    if allure is None:
        return
    marker = item.get_closest_marker("doc")
    if marker:
        section, feature = marker.args[:2]
        allure.dynamic.epic(section)
        allure.dynamic.feature(feature)
        anchor = feature.strip("/").replace("/", "-").replace(".", "-")
        allure.dynamic.link(DOC_URL + anchor, name=f"doc: {feature}")
    allure.dynamic.story(item.originalname if hasattr(item, "originalname") else item.name)
    interpretation = item.get_closest_marker("interpretation")
    if interpretation:
        allure.dynamic.tag("non-strict")
        allure.dynamic.label("interpretation", ",".join(interpretation.args))


def write_run_metadata(results_dir: Path, properties: dict[str, str]) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "environment.properties").write_text(
        "".join(f"{key}={value}\n" for key, value in sorted(properties.items())))
    (results_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2))


def write_allure_result(results_dir: Path, name: str, status: str, description: str,
                        attachments: dict[str, tuple[str, str]], labels: dict[str, str] | None = None) -> None:
    """Write one synthetic Allure test result (e.g. the conformance matrix or the regression gate verdict).

    ``attachments`` maps a display name to (content, MIME type)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    files = []
    for title, (content, mime) in attachments.items():
        extension = {"application/json": "json", "text/markdown": "md"}.get(mime, "txt")
        source = f"{uuid.uuid4()}-attachment.{extension}"
        (results_dir / source).write_text(content)
        files.append({"name": title, "source": source, "type": mime})
    result = {
        "uuid": str(uuid.uuid4()), "historyId": name, "testCaseId": name, "name": name, "fullName": name,
        "status": status, "stage": "finished", "start": now, "stop": now, "description": description,
        "labels": [{"name": key, "value": value} for key, value in (labels or {}).items()],
        "attachments": files,
    }
    (results_dir / f"{result['uuid']}-result.json").write_text(json.dumps(result, indent=1))
