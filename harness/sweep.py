"""The end-of-run sweep on a shared gateway: cancel what the suite created and left open, and nothing else.

Every order the suite creates is appended to a journal in the run directory (``OrderTracker.journal``), one
file per worker. After every worker has finished, the xdist controller (or the single process) reads the
journals, lists the open orders of each (account, instrument) the run used, and cancels exactly the journalled
ones. Other people's orders on the same accounts are never touched.
"""

import json
import os
import shutil
from collections import defaultdict
from pathlib import Path

from harness.errors import PulseCallError

JOURNAL_GLOB = "orders-*.jsonl"
OWNER_FILE = "owner.json"  # the controller's pid and gateway: a later run sweeps what a run killed outright left
RUN_DIR_GLOB = "pulse-run-*"


def cancel_tracked_orders(rest, tokens: dict, tracker) -> None:
    """Cancel every still-open order this worker created (OrderTracker), and nothing else."""
    for account, order_ids in tracker.created.items():
        for order_id in sorted(order_ids):
            try:
                with rest.pacer.cleanup():  # may use the budget's cleanup reserve
                    rest.call("private/cancel", {"order_id": order_id}, token=tokens[account].access_token())
            except PulseCallError:
                pass  # already filled or cancelled
        order_ids.clear()


def journal_path(run_dir: Path, worker: str) -> Path:
    return run_dir / f"orders-{worker}.jsonl"


def journalled(run_dir: Path) -> dict[tuple[str, str], set[str]]:
    """(account, instrument) -> the order ids the run created there."""
    created: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(run_dir.glob(JOURNAL_GLOB)):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted worker
            if entry.get("instrument_name"):
                created[(entry["account"], entry["instrument_name"])].add(entry["order_id"])
    return created


def open_orders_of_the_run(rest, tokens: dict, run_dir: Path) -> dict[str, list[str]]:
    """account -> the run's order ids that are still open (untriggered included)."""
    left: dict[str, list[str]] = defaultdict(list)
    for (account, instrument), ids in journalled(run_dir).items():
        if account not in tokens:
            continue
        listed = rest.call("private/get_open_orders_by_instrument", {"instrument_name": instrument, "type": "all"},
                           token=tokens[account].access_token())
        left[account] += sorted(o["order_id"] for o in listed if isinstance(o, dict) and o.get("order_id") in ids)
    return dict(left)


def sweep_run_orders(rest, tokens: dict, run_dir: Path) -> tuple[int, list[str]]:
    """Cancel the run's open orders; returns (cancelled, problems). Never raises: the run's verdict stands."""
    cancelled, problems = 0, []
    try:
        with rest.pacer.cleanup():
            left = open_orders_of_the_run(rest, tokens, run_dir)
    except Exception as exc:  # noqa: BLE001 - reported, the sweep must not hide the run's own result
        return 0, [f"listing open orders failed: {exc}"]
    for account, order_ids in left.items():
        for order_id in order_ids:
            try:
                with rest.pacer.cleanup():
                    rest.call("private/cancel", {"order_id": order_id}, token=tokens[account].access_token())
                cancelled += 1
            except PulseCallError:
                pass  # filled or cancelled meanwhile
            except Exception as exc:  # noqa: BLE001
                problems.append(f"cancel {order_id} ({account}) failed: {exc}")
    return cancelled, problems


def record_owner(run_dir: Path, rest_base: str) -> None:
    """Name the run's controller and gateway in its run directory (see ``leftover_runs``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "rest_base": rest_base}), encoding="utf-8")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def leftover_runs(temp_dir: Path, rest_base: str, this_run: Path) -> list[Path]:
    """Run directories on this machine of runs against the same gateway whose controller is gone without its end
    (a second Ctrl-C exits at once, SIGKILL, a lost terminal): their journals name the orders and claims they left."""
    found = []
    for directory in sorted(temp_dir.glob(RUN_DIR_GLOB)):
        if directory == this_run:
            continue
        try:
            owner = json.loads((directory / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a run directory of this suite, or one still being written
        if owner.get("rest_base") == rest_base and isinstance(owner.get("pid"), int) and not alive(owner["pid"]):
            found.append(directory)
    return found


def sweep_leftover_runs(rest, tokens: dict, temp_dir: Path, this_run: Path) -> list[str]:
    """Cancel what runs killed outright left open on this gateway (their journalled orders and claims, nothing
    else) and remove their directories; returns one line per run swept. Never raises."""
    lines = []
    for directory in leftover_runs(temp_dir, rest.base_url, this_run):
        cancelled, problems = sweep_run_orders(rest, tokens, directory)
        if not problems:
            shutil.rmtree(directory, ignore_errors=True)
        lines.append(f"swept {cancelled} order(s) left open by a run killed outright ({directory.name})"
                     + "".join(f"; {p}" for p in problems))
    return lines
