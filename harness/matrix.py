"""The conformance matrix: each documented operation and channel x each kind of check, per environment.

A cell is ``pass``, ``fail``, ``non-strict`` (only failures resting on a register entry), ``not covered`` (with
the reason: its cases were skipped or deselected in this run, or none exists) or ``n/a`` (the kind does not apply
to the row: HTTP/WS parity of a WS-only method or a channel, the result schema of a method documented without a
reply), derived from the run's results: a case's rows are its ``doc(section, feature, *more features)`` marker,
its columns its ``check(kind, ...)`` marker. As a pytest plugin it writes ``reports/<env>/matrix.json`` and
``matrix.md`` and attaches both to the Allure report; ``pulse-matrix-diff A B`` prints the drift between two
environments.

In remote mode (dev, staging, the simulator) the matrix is also a gate: a full run fails when a documented
operation or channel (``OPERATIONS`` + ``CHANNELS``, 51) has no case at all that ran its checks. A check kind
without a case does not fail it; local runs keep the regression gate alone.
"""

import argparse
import functools
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from harness import report
from harness.env import load_environments
from harness.methods import CHANNELS, OPERATIONS, WS_ONLY_METHODS
from harness.outcomes import (
    CHECK_KINDS,
    FAILED,
    PASSED,
    SKIPPED,
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
from harness.schema import result_schema

PASS, FAIL, NON_STRICT, NOT_COVERED, NOT_APPLICABLE = "pass", "fail", "non-strict", "not covered", "n/a"
SYMBOL = {PASS: "✅", FAIL: "❌", NON_STRICT: "⚠️", NOT_COVERED: "·", NOT_APPLICABLE: "n/a"}
NO_CASE = "no case checks it"


def not_applicable(row: str, kind: str) -> str | None:
    """Why a kind of check does not apply to a row, or None. Parity is "the same answer over HTTP and WS": a
    method documented under /ws/api/v2 only, and a subscription channel, have no HTTP form to agree with."""
    if kind == "parity" and row in WS_ONLY_METHODS:
        return "WS-only method: no HTTP form to compare"
    if kind == "parity" and row in CHANNELS:
        return "subscription channel: WS only, no HTTP form to compare"
    if kind == "schema" and row in WS_ONLY_METHODS and not has_reply(row):
        return "documented without a reply: no result to check"
    return None


@functools.cache
def has_reply(method: str) -> bool:
    try:
        result_schema(method)
    except KeyError:
        return False
    return True


def reason_label(reason: str) -> str:
    """A skip or deselection reason, shortened to its leading label (``local_only: needs ...`` -> ``local_only``)."""
    head = reason.split(":", 1)[0].strip()
    return head if head in ("local_only", "account_wide", "deselected") else reason.strip()[:120]


def uncovered_reason(outcomes: Sequence[Outcome]) -> str:
    """Why no case of a cell ran: its cases' skip/deselection reasons with counts, or that none exists."""
    counts: dict[str, int] = {}
    for o in outcomes:
        if o.status == SKIPPED:
            label = reason_label(o.skip_reason or "skipped")
            if label == "deselected":
                label = o.skip_reason
            counts[label] = counts.get(label, 0) + 1
    if not counts:
        return NO_CASE
    return "; ".join(f"{label} ({n})" for label, n in sorted(counts.items(), key=lambda kv: -kv[1]))


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


def build_matrix(outcomes: Iterable[Outcome], env: str, deselected: Iterable[Outcome] = ()) -> dict:
    cells: dict[tuple[str, str], list[Outcome]] = {}
    extra_rows: set[str] = set()
    kinds = list(CHECK_KINDS)
    outcomes = list(outcomes)
    ran = {o.nodeid for o in outcomes}
    for outcome in outcomes + [o for o in deselected if o.nodeid not in ran]:
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
            status = cell_status(found)
            cell = {
                "status": status,
                "tests": len(found),
                "failed": sorted(o.nodeid for o in found if o.status in (FAILED, XPASS_STRICT)),
                "known": sorted(o.nodeid for o in found if o.status == XFAILED),
            }
            if status == NOT_COVERED:
                na = not_applicable(row, kind) if not found else None
                cell["status"] = NOT_APPLICABLE if na else NOT_COVERED
                cell["reason"] = na or uncovered_reason(found)
            matrix[row][kind] = cell
    statuses = [c["status"] for r in matrix.values() for c in r.values()]
    covered = sum(1 for status in statuses if status not in (NOT_COVERED, NOT_APPLICABLE))
    applicable = sum(1 for status in statuses if status != NOT_APPLICABLE)
    documented = list(OPERATIONS) + list(CHANNELS)
    unreached = [row for row in documented
                 if all(c["status"] in (NOT_COVERED, NOT_APPLICABLE) for c in matrix[row].values())]
    return {"env": env, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "kinds": kinds,
            "rows": matrix, "covered_cells": covered, "cells": len(rows) * len(kinds), "applicable_cells": applicable,
            "undocumented_rows": sorted(extra_rows), "documented_rows": len(documented),
            "documented_rows_without_a_case": unreached}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def render_markdown(matrix: dict) -> str:
    kinds = matrix["kinds"]
    covered, cells = matrix["covered_cells"], matrix["cells"]
    applicable = matrix.get("applicable_cells", cells)
    documented = matrix.get("documented_rows", len(OPERATIONS) + len(CHANNELS))
    unreached = matrix.get("documented_rows_without_a_case", [])
    lines = [f"# Conformance matrix: {matrix['env']}", "",
             (f"{covered}/{cells} cells covered ({percent(covered, cells)}); {covered}/{applicable} of the applicable "
              f"cells ({percent(covered, applicable)}). {SYMBOL[PASS]} pass, {SYMBOL[FAIL]} fail, "
              f"{SYMBOL[NON_STRICT]} non-strict, {SYMBOL[NOT_COVERED]} not covered, {SYMBOL[NOT_APPLICABLE]} not "
              "applicable."),
             "", f"{documented - len(unreached)}/{documented} documented operations and channels have a case that ran"
             + (": none for " + ", ".join(f"`{r}`" for r in unreached) if unreached else "."),
             "", "| Operation / channel | " + " | ".join(kinds) + " |", "| --- |" + " --- |" * len(kinds)]
    for row, row_cells in matrix["rows"].items():
        lines.append(f"| `{row}` | " + " | ".join(SYMBOL[row_cells[k]["status"]] for k in kinds) + " |")
    empty = [(row, kind, cell.get("reason", NO_CASE)) for row, row_cells in matrix["rows"].items()
             for kind, cell in row_cells.items() if cell["status"] == NOT_COVERED]
    if empty:
        lines += ["", "## Cells not covered in this run, and why", "", "| Operation / channel | check | reason |",
                  "| --- | --- | --- |"]
        lines += [f"| `{row}` | {kind} | {reason} |" for row, kind, reason in empty]
    return "\n".join(lines) + "\n"


def gate_applies(config: pytest.Config) -> str | None:
    """Why the matrix gate (every documented row reached) does not judge this run, or None when it does: it judges
    full remote-mode runs only (local runs keep the regression gate alone; a run of a selection reaches a part)."""
    if load_environments()[env_name(config)].get("mode", "local") == "local":
        return "local mode"
    if config.getoption("--fault", default=None):
        return "a run with a switched-in fault"
    if (getattr(config, "args_source", None) == pytest.Config.ArgsSource.ARGS or config.option.keyword
            or config.option.markexpr):
        return "a run of a selection (paths, -k or -m)"
    return None


def gate_lines(matrix: dict, skipped_because: str | None) -> list[str]:
    unreached = matrix["documented_rows_without_a_case"]
    head = (f"matrix gate ({matrix['env']}): " + ("not applied: " + skipped_because if skipped_because
                                                  else "FAIL" if unreached else "PASS"))
    lines = [head, f"  {matrix['documented_rows'] - len(unreached)}/{matrix['documented_rows']} documented operations "
             f"and channels had a case that ran; {matrix['covered_cells']}/{matrix['cells']} cells covered "
             f"({matrix['covered_cells']}/{matrix['applicable_cells']} applicable)"]
    lines += [f"    no case ran for {row}" for row in unreached if not skipped_because]
    return lines


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
GATE = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(GATE, None)
    if lines:
        terminalreporter.section("matrix gate")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    outcomes = collector(config)
    target = reports_dir(config)
    if not is_controller(config) or target is None or not outcomes.conformance_run:
        return
    matrix = build_matrix(outcomes.outcomes.values(), env_name(config), outcomes.deselected.values())
    skipped_because = gate_applies(config)
    config.stash[GATE] = gate_lines(matrix, skipped_because)
    if skipped_because is None and matrix["documented_rows_without_a_case"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
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
