"""The suite's layout follows the doc (issue #15), checked at collection.

Three refusals, each naming the file (and the doc section):
- a ``doc(section, feature, ...)`` marker whose section is not the one spec/ lists a documented method or channel
  under (openapi tags; ``x-doc-section`` in spec/asyncapi.yaml for WS-only methods and channels);
- a documented method or channel with no ``suites/<section folder>/test_<name>.py`` (harness.doc.suite_file_of);
- a case under suites/ without a ``doc(...)`` or a ``check(...)`` marker: the conformance matrix could not place it,
  and its cells would read "no case checks it" while it runs (a helper inserted between a test and its markers took
  them once).
Markers that name no documented method or channel (``order flows``, ``JSON-RPC 2.0 envelope``) are not judged. In a
section folder every feature of a marker must be of its section; a cross-cutting case (suites/flows/, parity/,
access/...) may span sections: its marker's section is its first documented feature's.
"""

from collections.abc import Iterable
from pathlib import Path

import pytest

from harness import doc
from harness.methods import CHANNELS, OPERATIONS


def misplaced_markers(items: Iterable) -> list[str]:
    """One line per doc marker feature whose section disagrees with the spec's, naming the file."""
    problems = []
    for item in items:
        for marker in item.iter_markers("doc"):
            if not marker.args:
                continue
            section, *features = marker.args
            path = item.nodeid.split("::")[0]
            judged = [f for f in features if doc.section_of(f) is not None]
            if not in_section_folder(path):
                judged = judged[:1]  # a cross-cutting case files under its first feature's section (its report epic)
            for feature in judged:
                documented = doc.section_of(feature)
                if documented != section:
                    problems.append(f"{path}: doc({section!r}, {feature!r}): the doc lists {feature} under section "
                                    f"{documented!r}")
    return sorted(set(problems))


def in_section_folder(path: str) -> bool:
    """A file under suites/<doc section>/ (not flows/, parity/, access/, jsonrpc/, fuzz/: cross-cutting cases)."""
    parts = path.split("/")
    return len(parts) > 2 and parts[0] == "suites" and parts[1] in doc.SECTION_FOLDERS.values()


def missing_files(root: Path, features: Iterable[str] = (*OPERATIONS, *CHANNELS)) -> list[str]:
    """One line per documented method or channel without its suite file."""
    return [f"{doc.suite_file_of(feature)}: missing; {feature} is documented under section "
            f"{doc.section_of(feature)!r} and needs a file of its own" for feature in features
            if not (root / doc.suite_file_of(feature)).is_file()]


def unmarked_cases(items: Iterable) -> list[str]:
    """One line per case under suites/ that lacks the doc or the check marker the matrix reads."""
    problems = []
    for item in items:
        missing = [name for name in ("doc", "check") if not any(m.args for m in item.iter_markers(name))]
        if item.nodeid.startswith("suites/") and missing:
            problems.append(f"{item.nodeid.split('[')[0]}: no {' and no '.join(missing)} marker (the conformance "
                            f"matrix reads its row from doc(section, feature) and its column from check(kind))")
    return sorted(set(problems))


def layout_problems(root: Path, items: list) -> list[str]:
    problems = misplaced_markers(items) + unmarked_cases(items)
    if any(str(item.nodeid).startswith("suites/") for item in items):
        problems += missing_files(root)
    return problems


@pytest.hookimpl(trylast=True)  # after the conftests that add doc markers at collection (suites/fuzz)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    problems = layout_problems(Path(str(config.rootpath)), items)
    if problems:
        raise pytest.UsageError("the suite's layout disagrees with the doc (harness/layout.py):\n  "
                                + "\n  ".join(problems))
