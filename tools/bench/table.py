"""Benchmark results as rows with targets: a printed table and ``reports/bench.json``."""

import json
import operator
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

COMPARATORS = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Target:
    comparator: str  # "<=" or ">="
    bound: float

    def met_by(self, value: float) -> bool:
        return COMPARATORS[self.comparator](value, self.bound)

    def __str__(self) -> str:
        return f"{self.comparator} {self.bound:g}"


@dataclass
class Row:
    benchmark: str
    metric: str
    value: float | None  # None: not run / not measurable here
    unit: str = ""
    target: Target | None = None
    note: str = ""

    @property
    def status(self) -> str:
        if self.value is None:
            return "not run"
        if self.target is None:
            return ""
        return "met" if self.target.met_by(self.value) else "MISSED"


@dataclass
class BenchRun:
    rows: list[Row] = field(default_factory=list)
    details: dict = field(default_factory=dict)  # raw samples and settings, per benchmark
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def add(self, rows: list[Row], name: str, details: dict) -> None:
        self.rows.extend(rows)
        self.details[name] = details


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "not run"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip()


def render_table(rows: list[Row], markdown: bool = False) -> str:
    header = ("Benchmark", "Metric", "Value", "Target", "Status", "Note")
    body = [(r.benchmark, r.metric, format_value(r.value, r.unit), f"{r.target} {r.unit}".strip() if r.target else "",
             r.status, r.note) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(str(cells[i])) for cells in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() for cells in body]
    return "\n".join(lines)


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def to_json(run: BenchRun) -> dict:
    return {
        "started_at": run.started_at,
        "machine": machine(),
        "rows": [{**asdict(r), "target": str(r.target) if r.target else None, "status": r.status} for r in run.rows],
        "details": run.details,
    }


def write_json(run: BenchRun, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(run), indent=2, sort_keys=False) + "\n")
    return path
