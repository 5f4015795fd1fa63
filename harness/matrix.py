"""The conformance matrix: each documented operation and channel x each kind of check, per environment.

A cell is ``pass``, ``fail``, ``non-strict`` (only failures resting on a register entry) or ``not covered``,
derived from the run's results: a case's row is its ``doc(section, feature)`` marker, its columns its
``check(kind, ...)`` marker. As a pytest plugin it writes ``reports/<env>/matrix.json`` and ``matrix.md`` and
attaches both to the Allure report; ``pulse-matrix-diff A B`` prints the drift between two environments.
"""

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from harness import report
from harness.methods import CHANNELS, OPERATIONS
from harness.outcomes import (
    CHECK_KINDS,
    FAILED,
    PASSED,
    UNCLASSIFIED,
    XFAILED,
    XPASS_STRICT,
    XPASSED,
    Outcome,
    allure_dir,
    collector,
    env_name,
    is_controller,
    reports_dir,
)

PASS, FAIL, NON_STRICT, NOT_COVERED = "pass", "fail", "non-strict", "not covered"
SYMBOL = {PASS: "✅", FAIL: "❌", NON_STRICT: "⚠️", NOT_COVERED: "·"}


def canonical_feature(feature: str) -> str:
    """A doc marker's feature as a matrix row: an operation, or a channel template (``book`` and
    ``book.BTC_USD-PERPETUAL.raw`` both mean ``book.{instrument_name}.{interval}``)."""
    if feature in OPERATIONS or feature in CHANNELS:
        return feature
    for channel in CHANNELS:
        family = channel.split(".{")[0]
        if feature == family or feature.startswith(family + "."):
            return channel
    return feature


def cell_status(outcomes: Sequence[Outcome]) -> str:
    ran = [o for o in outcomes if o.status in (PASSED, FAILED, XFAILED, XPASSED, XPASS_STRICT)]
    if not ran:
        return NOT_COVERED
    failing = [o for o in ran if o.status in (FAILED, XFAILED, XPASS_STRICT)]
    if not failing:
        return PASS
    return NON_STRICT if all(o.non_strict for o in failing) else FAIL


def build_matrix(outcomes: Iterable[Outcome], env: str) -> dict:
    cells: dict[tuple[str, str], list[Outcome]] = {}
    extra_rows: set[str] = set()
    kinds = list(CHECK_KINDS)
    for outcome in outcomes:
        if not outcome.doc:
            continue
        for row in dict.fromkeys(canonical_feature(feature) for feature in outcome.doc[1:]):
            if row not in OPERATIONS and row not in CHANNELS:
                extra_rows.add(row)
            for kind in outcome.checks or (UNCLASSIFIED,):
                if kind not in kinds:
                    kinds.append(kind)
                cells.setdefault((row, kind), []).append(outcome)
    rows = list(OPERATIONS) + list(CHANNELS) + sorted(extra_rows)
    matrix = {}
    for row in rows:
        matrix[row] = {}
        for kind in kinds:
            found = cells.get((row, kind), [])
            matrix[row][kind] = {
                "status": cell_status(found),
                "tests": len(found),
                "failed": sorted(o.nodeid for o in found if o.status in (FAILED, XPASS_STRICT)),
                "known": sorted(o.nodeid for o in found if o.status == XFAILED),
            }
    covered = sum(1 for r in matrix.values() for c in r.values() if c["status"] != NOT_COVERED)
    return {"env": env, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "kinds": kinds,
            "rows": matrix, "covered_cells": covered, "cells": len(rows) * len(kinds),
            "undocumented_rows": sorted(extra_rows)}


def render_markdown(matrix: dict) -> str:
    kinds = matrix["kinds"]
    lines = [f"# Conformance matrix: {matrix['env']}", "",
             (f"{matrix['covered_cells']}/{matrix['cells']} cells covered. {SYMBOL[PASS]} pass, {SYMBOL[FAIL]} fail, "
              f"{SYMBOL[NON_STRICT]} non-strict, {SYMBOL[NOT_COVERED]} not covered."),
             "", "| Operation / channel | " + " | ".join(kinds) + " |", "| --- |" + " --- |" * len(kinds)]
    for row, cells in matrix["rows"].items():
        lines.append(f"| `{row}` | " + " | ".join(SYMBOL[cells[k]["status"]] for k in kinds) + " |")
    return "\n".join(lines) + "\n"


def diff(before: dict, after: dict) -> list[str]:
    """One line per cell whose status differs between two environments' matrices."""
    lines = []
    kinds = list(dict.fromkeys(before["kinds"] + after["kinds"]))
    for row in dict.fromkeys(list(before["rows"]) + list(after["rows"])):
        for kind in kinds:
            a = before["rows"].get(row, {}).get(kind, {}).get("status", NOT_COVERED)
            b = after["rows"].get(row, {}).get(kind, {}).get("status", NOT_COVERED)
            if a != b:
                lines.append(f"{row:50} {kind:10} {a} ({before['env']}) -> {b} ({after['env']})")
    return lines


def diff_main(argv: Sequence[str] | None = None) -> int:
    """``pulse-matrix-diff A B``: exit 0 when the two matrices agree, 1 when any cell drifted."""
    parser = argparse.ArgumentParser(prog="pulse-matrix-diff", description="drift between two conformance matrices")
    parser.add_argument("before", type=Path, help="e.g. reports/dev/matrix.json")
    parser.add_argument("after", type=Path, help="e.g. reports/stg/matrix.json")
    args = parser.parse_args(argv)
    before, after = (json.loads(p.read_text()) for p in (args.before, args.after))
    drift = diff(before, after)
    for line in drift:
        print(line)
    print(f"{len(drift)} cell(s) differ between {before['env']} ({args.before}) and {after['env']} ({args.after})")
    return 1 if drift else 0


# ---------------------------------------------------------------------------------------------- plugin
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    outcomes = collector(config)
    target = reports_dir(config)
    if not is_controller(config) or target is None or not outcomes.conformance_run:
        return
    matrix = build_matrix(outcomes.outcomes.values(), env_name(config))
    markdown = render_markdown(matrix)
    target.mkdir(parents=True, exist_ok=True)
    (target / "matrix.json").write_text(json.dumps(matrix, indent=1) + "\n")
    (target / "matrix.md").write_text(markdown)
    results = allure_dir(config)
    if results:
        report.write_allure_result(
            results, f"Conformance matrix ({matrix['env']})", "passed",
            f"{matrix['covered_cells']}/{matrix['cells']} cells covered; see the attachments.",
            {"matrix.md": (markdown, "text/markdown"), "matrix.json": (json.dumps(matrix, indent=1), "application/json")},
            {"epic": "Reports", "feature": "Conformance matrix", "suite": "Reports"})


if __name__ == "__main__":
    sys.exit(diff_main())
