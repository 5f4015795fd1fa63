"""The mutation campaign's figures, read from ``reports/mutation.json`` (written by ``pulse-mutation``).

Read, never measured here: the campaign takes minutes. ``pulse-mutation`` writes ``wall_seconds``,
``median_seconds_to_kill``, ``killed``/``faults`` and ``outcomes`` (``status``, ``seconds`` per fault); the
reader also takes ``wall_time_s`` and, failing a median, computes it from the killed ``outcomes``.
A figure that is not there is reported "not run", never estimated.
"""

import json
from pathlib import Path

from tools.bench.stats import median
from tools.bench.table import Row, Target

ROOT = Path(__file__).resolve().parents[2]
MUTATION_REPORT = ROOT / "reports" / "mutation.json"
WALL_TIME_TARGET = Target("<=", 600.0)
WALL_KEYS = ("wall_seconds", "wall_time_s")
MEDIAN_KEYS = ("median_seconds_to_kill", "median_time_to_kill_s")
KILL_TIME_KEYS = ("seconds", "time_to_kill_s")
ENTRY_LISTS = ("outcomes", "mutants")


def first_number(data: dict, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        if isinstance(data.get(key), (int, float)) and not isinstance(data.get(key), bool):
            return float(data[key])
    return None


def is_killed(entry: dict) -> bool:
    return entry.get("killed") is True or str(entry.get("status", entry.get("verdict", ""))).lower() in ("killed", "caught")


def median_time_to_kill(data: dict) -> float | None:
    given = first_number(data, MEDIAN_KEYS)
    if given is not None:
        return given
    for key in ENTRY_LISTS:
        entries = data.get(key)
        if isinstance(entries, dict):
            entries = list(entries.values())
        if isinstance(entries, list):
            times = [first_number(e, KILL_TIME_KEYS) for e in entries if isinstance(e, dict) and is_killed(e)]
            times = [t for t in times if t is not None]
            if times:
                return median(times)
    return None


def mutation(quick: bool, progress, report: Path = MUTATION_REPORT) -> tuple[list[Row], dict]:
    data = None
    if report.exists():
        try:
            data = json.loads(report.read_text())
        except ValueError as exc:
            progress(f"mutation: {report} is not valid JSON ({exc}); reported as not run")
    if not isinstance(data, dict):
        progress(f"mutation: no {report.relative_to(ROOT) if report.is_relative_to(ROOT) else report}; not run")
        data = {}
    else:
        progress(f"mutation: read {report}")
    wall, kill = first_number(data, WALL_KEYS), median_time_to_kill(data)
    note = "" if data else "run pulse-mutation first"
    rows = [Row("mutation", "campaign wall time", wall, "s", WALL_TIME_TARGET, note=note),
            Row("mutation", "median time to kill", kill, "s", note=note),
            Row("mutation", "faults killed", first_number(data, ("killed",)), f"of {data.get('faults', '?')}",
                note=note)]
    return rows, {"report": str(report), "found": bool(data), "wall_time_s": wall, "median_time_to_kill_s": kill}
