"""Named checks and the one grading rule: what a failed case means for the regression gate.

A check is a small function named after what it checks. ``@check(clause=...)`` makes its failure a
``CheckFailure`` that names the check, the doc clause, the register entry it rests on (if any), what was received
and what is documented. ``grade`` turns a failure (or a pytest report) into strict / non-strict / informational /
flaky; conftest.py (the report's grade) and harness/outcomes.py (the gate and matrix) both call it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

STRICT, NON_STRICT, INFORMATIONAL, FLAKY = "strict", "non-strict", "informational", "flaky"
GRADES = (STRICT, NON_STRICT, INFORMATIONAL, FLAKY)
READING = re.compile(r"\bI-\d+\b")  # a reading's id in spec/INTERPRETATIONS.md


class CheckFailure(AssertionError):
    """A named check failed. ``grade_hint`` is what the check alone says (see ``grade``)."""

    def __init__(self, check: str, clause: str, received: Any, documented: Any, *,
                 interpretation: str | None = None, informational: bool = False, detail: str = "") -> None:
        self.check, self.clause, self.interpretation = check, clause, interpretation
        self.received, self.documented, self.detail = received, documented, detail
        self.grade_hint = INFORMATIONAL if informational else NON_STRICT if interpretation else STRICT
        super().__init__(self.text())

    def with_detail(self, detail: str) -> CheckFailure:
        """The same failure (check, clause, grade) with ``detail`` in place of its own, e.g. the request behind it."""
        return CheckFailure(self.check, self.clause, self.received, self.documented, interpretation=self.interpretation,
                            informational=self.grade_hint == INFORMATIONAL, detail=detail)

    def text(self) -> str:
        clause = f"{self.clause} ({self.interpretation})" if self.interpretation else self.clause
        lines = [f"check {self.check} failed", f"clause: {clause}", f"received: {self.received}",
                 f"documented: {self.documented}"]
        return "\n".join(lines + ([self.detail] if self.detail else []))


class Fail(Exception):
    """Raised inside a ``@check`` function: what was received and what is documented (the decorator adds the rest).

    An ``interpretation`` given here overrides the decorator's (one check may rest on a reading only for some
    of the rules it checks, e.g. a schema rule listed in spec/audit.toml)."""

    def __init__(self, received: Any, documented: Any, detail: str = "", *, interpretation: str | None = None,
                 informational: bool | None = None) -> None:
        super().__init__(received, documented)
        self.received, self.documented, self.detail = received, documented, detail
        self.interpretation, self.informational = interpretation, informational


def check(clause: str, interpretation: str | None = None, informational: bool = False) -> Callable:
    """Decorate a check function; inside it ``raise Fail(received, documented)`` (or a plain assert)."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except CheckFailure:
                raise  # a nested named check keeps its own name and grade
            except Fail as failure:
                raise CheckFailure(function.__name__, clause, failure.received, failure.documented,
                                   interpretation=failure.interpretation or interpretation,
                                   informational=informational if failure.informational is None
                                   else failure.informational, detail=failure.detail) from None
            except AssertionError as failure:
                raise CheckFailure(function.__name__, clause, str(failure), clause, interpretation=interpretation,
                                   informational=informational) from None
        run.clause, run.interpretation, run.informational = clause, interpretation, informational
        return run

    return decorate


def find_check_failure(exc: BaseException | None) -> CheckFailure | None:
    """The CheckFailure behind ``exc`` (hypothesis and schemathesis may wrap or chain it): the first one found."""
    for leaf in failure_leaves(exc):
        found = _behind(leaf)
        if found is not None:
            return found
    return None


def failure_leaves(exc: BaseException | None) -> list[BaseException]:
    """The separate failures inside ``exc``: each member of an exception group (hypothesis' distinct failures,
    schemathesis' FailureGroup of check failures; a check of ours raised inside schemathesis is the ``exception``
    of its CustomFailure), else ``exc`` itself."""
    leaves: list[BaseException] = []
    seen: set[int] = set()

    def walk(node: BaseException) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        inner = getattr(node, "exception", None)
        members = getattr(node, "exceptions", None)
        if isinstance(inner, BaseException):  # schemathesis' CustomFailure
            walk(inner)
        elif isinstance(members, (list, tuple)) and members and not isinstance(node, CheckFailure):
            for member in members:
                if isinstance(member, BaseException):
                    walk(member)
        else:
            leaves.append(node)

    if exc is not None:
        walk(exc)
    return leaves


def _behind(exc: BaseException | None) -> CheckFailure | None:
    """The CheckFailure ``exc`` is, or was raised from or while handling (its cause or context chain)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, CheckFailure):
            return exc
        inner = getattr(exc, "exception", None)
        if isinstance(inner, CheckFailure):
            return inner
        for member in getattr(exc, "exceptions", ()) or ():  # a group in the chain: its first CheckFailure
            found = _behind(member) if isinstance(member, BaseException) else None
            if found:
                return found
        exc = exc.__cause__ or exc.__context__
    return None


SEVERITY = {STRICT: 3, NON_STRICT: 2, INFORMATIONAL: 1}


def _leaf_grade(leaf: BaseException, case_interpretations) -> tuple[str, list[str]]:
    found = _behind(leaf)
    if found is not None:
        grade = NON_STRICT if found.grade_hint == STRICT and case_interpretations else found.grade_hint
        readings = [found.interpretation] if found.interpretation else list(case_interpretations)
        return grade, readings if grade == NON_STRICT else []
    return (NON_STRICT, list(case_interpretations)) if case_interpretations else (STRICT, [])


def grade(failure: BaseException | None = None, *, case_interpretations: tuple[str, ...] | list[str] = (),
          flaky: bool = False) -> str:
    """The grade of a failed case.

    - it passed when retried: ``flaky``;
    - a CheckFailure: its own hint (with an interpretation: non-strict; informational: informational), except that
      an informational check stays informational and a strict one becomes non-strict when the case itself (its
      function or param, never its module) carries ``interpretation(...)``;
    - any other failure (plain assert, error): strict, or non-strict when the case carries ``interpretation``;
    - several failures at once (an exception group, ``failure_leaves``): the strictest of their grades, so a
      non-strict check beside a strict failure never makes the case non-strict.

    ``failure`` may also be a pytest report with ``pulse`` data (see harness.outcomes): its stored grade is used.
    """
    if flaky:
        return FLAKY
    data = getattr(failure, "pulse", None)
    if isinstance(data, dict):  # a pytest TestReport: the grade computed on the worker
        return data.get("grade") or (NON_STRICT if data.get("case_interpretations") else STRICT)
    if not isinstance(failure, BaseException):
        return NON_STRICT if case_interpretations else STRICT
    grades = [_leaf_grade(leaf, case_interpretations)[0] for leaf in failure_leaves(failure)]
    return max(grades, key=SEVERITY.__getitem__)


def interpretation_of(failure: BaseException | None, case_interpretations=()) -> list[str]:
    """The register ids a failure rests on: each non-strict failure's (a check's own reading, else the case's)."""
    if not isinstance(failure, BaseException):
        return list(case_interpretations)
    found: list[str] = []
    for leaf in failure_leaves(failure):
        for reading in _leaf_grade(leaf, case_interpretations)[1]:
            if reading not in found:
                found.append(reading)
    return found


def graded_phase(item, when: str) -> list[str]:
    """The readings a failure in phase ``when`` of ``item`` may rest on besides its checks' own. The test's call:
    the case's ``interpretation(...)`` markers. A fixture's setup or teardown: none (such a failure is strict unless
    a named check in it says otherwise, e.g. a property the doc lets a gateway omit, harness.checks.presence, I-160:
    the MMP account's teardown reads its position to give it back), so an environment problem or a failed cleanup
    is never softened by the case's readings."""
    return case_interpretations(item) if when == "call" else []


def case_interpretations(item) -> list[str]:
    """``interpretation(...)`` markers on the test function or its param only: a module-level ``pytestmark`` one
    does not count (a module mixes cases that rest on a reading with cases that do not)."""
    own = getattr(item, "own_markers", [])  # the function's marks and its param's (pytest.param marks)
    found = []
    for marker in own:
        if marker.name == "interpretation":
            found += [i for i in marker.args if i not in found]
    return found
