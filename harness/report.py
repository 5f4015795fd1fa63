"""Allure report helpers: masked request/response attachments, labels from markers, run metadata."""

import atexit
import contextlib
import json
import os
import queue
import shutil
import threading
import time
import uuid
from pathlib import Path

from harness.masking import mask_text, masked_json

try:
    import allure
except ImportError:  # the suite still runs without allure-pytest; only the report is missing
    allure = None

SUITE_VERSION = "0.1.0"
DOC_URL = "https://pulse.local/docs/api-v2#"  # doc anchors; the doc is vendored in spec/source/

# Allure categories by grade (harness/checks.py). categories.json (Allure 2 format, read from the results) matches
# the failure message: the gate reports a non-gating failure as "XFAIL <grade>: I-NN", and a named check's message
# names its register id; CATEGORY_RULES (the Allure 3 config) match the "grade" label every graded case carries.
CATEGORIES = [
    {"name": "Flaky (passed on retry; never fails the gate alone)", "matchedStatuses": ["passed", "failed"], "flaky": True},
    {"name": "Informational (reported, never failing)", "matchedStatuses": ["skipped"],
     "messageRegex": r"(?s)XFAIL informational.*"},
    {"name": "Non-strict failures (rest on a register reading)", "matchedStatuses": ["failed", "skipped"],
     "messageRegex": r"(?s)(XFAIL non-strict|.*\[non-strict: rests on I-\d+|.*\(I-\d+\)\nreceived:).*"},
    {"name": "Strict failures (product defects)", "matchedStatuses": ["failed"]},
    {"name": "Suite errors", "matchedStatuses": ["broken"]},
]
CATEGORY_RULES = [
    {"name": "Flaky (passed on retry; never fails the gate alone)", "matchers": {"flaky": True}},
    {"name": "Informational (reported, never failing)", "matchers": {"labels": {"grade": "informational"}}},
    {"name": "Non-strict failures (rest on a register reading)", "matchers": {"labels": {"grade": "non-strict"}}},
    {"name": "Strict failures (product defects)", "matchers": {"statuses": ["failed"], "labels": {"grade": "strict"}}},
    {"name": "Suite errors", "matchers": {"statuses": ["broken"]}},
]


class BackgroundFiles:
    """Writes files on one thread beside the tests: ``put`` returns at once, ``flush`` waits until all are written.

    A new file costs this machine's file system 0.1-0.5 ms of kernel CPU (pulse-bench machines: ext4 in a VM), and a
    local run writes about 2,700 Allure files: on the test's own thread that was about a second of each ``-n 2``
    worker. The writer thread runs while the test waits for the gateway. Each file appears whole (written under
    ``<name>.tmp``, then renamed), as allure-commons writes them. A write that fails is reported by ``flush``."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.errors: list[str] = []

    def put(self, path: Path, data: bytes) -> None:
        with self._lock:
            if self._thread is None:
                # a daemon, flushed by pytest_unconfigure and at exit: a thread left waiting never holds up the exit
                self._thread = threading.Thread(target=self._run, name="allure-files", daemon=True)
                self._thread.start()
        self._queue.put((path, data))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            path, data = item
            temporary = path.with_name(path.name + ".tmp")
            try:
                with open(temporary, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except OSError as exc:
                self.errors.append(f"{path.name}: {exc}")

    def flush(self) -> list[str]:
        """Write everything put so far and stop the thread (a later ``put`` starts a new one); the failed writes."""
        with self._lock:  # held to the end: a put() meanwhile waits, and cannot start a writer that takes the None
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None
            errors, self.errors = self.errors, []
        return errors


def remove_in_background(directory: Path) -> None:
    """Empty a results directory at once: it is renamed aside (one rename however many files it holds) and the
    aside copies, this one and any an interrupted run left, are deleted on a daemon thread. A local run's ~2,700
    files took ~0.2 s to delete in line, before the first test."""
    if directory.is_dir():
        aside = directory.with_name(f".{directory.name}.old-{uuid.uuid4().hex[:12]}")
        with contextlib.suppress(OSError):
            directory.rename(aside)
    leftovers = list(directory.parent.glob(f".{directory.name}.old-*"))
    if leftovers:
        threading.Thread(target=lambda: [shutil.rmtree(old, ignore_errors=True) for old in leftovers],
                         name="allure-old-results", daemon=True).start()


FILES = BackgroundFiles()
atexit.register(FILES.flush)  # a process that ends without pytest_unconfigure (a crashed configure) still writes


if allure is not None:
    from allure_commons import hookimpl
    from allure_commons.logger import AllureFileLogger
    from attr import asdict

    class TerseFileLogger(AllureFileLogger):
        """allure-pytest's file logger, terser and off the test's thread:
        - no fixture container that says only "fixture X was set up" and, if at all, "torn down": every set-up and
          tear-down in it passed with no step, attachment or parameter. allure-pytest writes one per function-scope
          fixture and test (about 2,300 of a local run's 2,700 files were such); the report loses those lines of
          the test's "Set up" and "Tear down" lists and nothing else (a failed or broken fixture, and one with a
          step or attachment, is written as before);
        - the files are written by ``FILES`` on its own thread (``flush_files`` at the end of the run);
        - the previous run's results are removed off the critical path (``remove_in_background``)."""

        def __init__(self, report_dir, clean=False) -> None:
            if clean:
                remove_in_background(Path(report_dir).absolute())
            super().__init__(report_dir, clean=False)

        def _report_item(self, item) -> None:
            data = asdict(item, filter=lambda _, v: v or v is False)
            indent = 4 if os.environ.get("ALLURE_INDENT_OUTPUT") else None  # as allure-commons
            FILES.put(self._report_dir / item.file_pattern.format(prefix=uuid.uuid4()),
                      json.dumps(data, indent=indent, ensure_ascii=False).encode("utf-8"))

        @hookimpl
        def report_container(self, container) -> None:
            if not all(map(_trivial, container.befores + container.afters)):
                super().report_container(container)

        @hookimpl
        def report_attached_data(self, body, file_name) -> None:
            FILES.put(self._report_dir / file_name, body.encode("utf-8") if isinstance(body, str) else body)

        @hookimpl
        def report_attached_file(self, source, file_name) -> None:
            FILES.flush()  # in order with what was put before it
            super().report_attached_file(source, file_name)

    def _trivial(fixture) -> bool:
        return fixture.status == "passed" and not (fixture.steps or fixture.attachments or fixture.parameters)


def write_terse_allure_files() -> None:
    """Make allure-pytest (its pytest_configure runs after the suite's) write through TerseFileLogger."""
    if allure is not None:
        import allure_pytest.plugin

        allure_pytest.plugin.AllureFileLogger = TerseFileLogger


def flush_files() -> list[str]:
    """Finish writing the run's Allure files (pytest_unconfigure); the writes that failed."""
    return FILES.flush()


_muted = 0


@contextlib.contextmanager
def muted():
    """No per-request attachments inside (a state machine sends thousands; it attaches its replay script)."""
    global _muted
    _muted += 1
    try:
        yield
    finally:
        _muted -= 1


_exchanges: list[dict] = []  # the running test's request/response pairs, attached together at its end
_phase = "setup"


def attach_exchange(record: dict) -> None:
    """Keep one request/response pair for the running test's report (``attach_exchanges`` attaches them). Called
    from the test's thread (HTTP) and from the WebSocket client's thread (a reply arrived): list.append is atomic."""
    if allure is None or _muted:
        return
    _exchanges.append({"phase": _phase, **record})


def begin_phase(phase: str) -> None:
    """setup, call or teardown: each kept pair says in which phase of the test it was sent."""
    global _phase
    _phase = phase


def attach_exchanges() -> None:
    """Attach the running test's request/response pairs, in the order they completed, as one masked JSON attachment
    (a list; each pair names its phase, transport and method). One file per test instead of one per pair: a local
    run has about 4,500 pairs, and a file each cost about a second of the `-n 2` run (pulse-bench)."""
    if allure is None or not _exchanges:
        return
    pairs = _exchanges[:]
    del _exchanges[:len(pairs)]
    methods = ", ".join(dict.fromkeys(pair.get("method") or "?" for pair in pairs))
    allure.attach(masked_json(pairs), name=f"{len(pairs)} request/response pair(s): {methods}"[:200],
                  attachment_type=allure.attachment_type.JSON)


def doc_section_of(method: str) -> str | None:
    """The doc section (OpenAPI tag) a JSON-RPC method is documented under."""
    from harness.schema import openapi

    for item in openapi()["paths"].values():
        for operation in item.values():
            if operation.get("x-jsonrpc-method") == method:
                return operation["tags"][0]
    return None


def fuzz_section(item) -> tuple[str, str] | None:
    """A fuzz case spans operations, so it has no ``doc`` row in the matrix; in the report it still sits under its
    doc section: the WS fuzz per method (its ``method`` param), the HTTP fuzz per tag (its name), the stateful
    order flows under Trading."""
    if not item.get_closest_marker("fuzz"):
        return None
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("method") and doc_section_of(params["method"]):
        return doc_section_of(params["method"]), params["method"]
    name = getattr(item, "originalname", item.name)
    for section in ("Authentication", "Market Data", "Trading", "Wallet"):
        if name.endswith(section.lower().replace(" ", "_")):
            return section, f"fuzz: every {section} operation"
    return "Trading", "fuzz: order flows through the spec's links"


def apply_labels(item) -> None:
    """epic = doc section, feature = method or channel, story = check (from the ``doc`` marker; fuzz cases from
    the operations they exercise)."""
    if allure is None:
        return
    marker = item.get_closest_marker("doc")
    doc = fuzz_section(item) or (tuple(marker.args[:2]) if marker else None)
    if doc:
        section, feature = doc
        allure.dynamic.epic(section)
        allure.dynamic.feature(feature)
        anchor = feature.strip("/").replace("/", "-").replace(".", "-")
        allure.dynamic.link(DOC_URL + anchor, name=f"doc: {feature}")
    allure.dynamic.story(item.originalname if hasattr(item, "originalname") else item.name)
    interpretations = [i for m in item.iter_markers("interpretation") for i in m.args]
    if interpretations:
        allure.dynamic.label("reading", ",".join(sorted(set(interpretations))))


def label_grade(grade: str, rests_on: list[str] | tuple[str, ...] = ()) -> None:
    """The case's grade (harness.checks.grade) as an Allure label and tag: categories and filters use it."""
    if allure is None:
        return
    allure.dynamic.label("grade", grade)
    allure.dynamic.tag(grade)
    if rests_on:
        allure.dynamic.label("interpretation", ",".join(rests_on))


def attach_text(name: str, text: str) -> None:
    if allure is not None:
        allure.attach(mask_text(text), name=name, attachment_type=allure.attachment_type.TEXT)


def mark_flaky(config, nodeid: str, message: str) -> None:
    """Allure's flaky flag on the running case (allure-pytest has no API for it: set it on its open result)."""
    listener = config.pluginmanager.getplugin("allure_listener")
    if listener is None:
        return
    result = listener.allure_logger.get_test(listener._cache.get(nodeid))
    if result is not None:
        from allure_commons.model2 import StatusDetails

        result.statusDetails = StatusDetails(flaky=True, message=mask_text(message))


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
