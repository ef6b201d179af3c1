"""TAP (Test Anything Protocol) 12, 13 and 14.

Each top-level test point is one case: ``ok`` → passed, ``not ok`` → failed, ``# SKIP`` →
skipped, ``not ok # TODO`` → skipped (an expected failure), ``ok # TODO`` → passed.
Subtests (indented, TAP 14 ``# Subtest:``, or buffered ``{ … }``) are summarised by their
parent's test point; their lines go into the parent's output, failing ones into its
trace. A YAML diagnostic block after a test point gives message, severity, ``at``
file/line, stack and ``duration_ms``. Pragmas and unknown lines are ignored.

A broken run is not a green one: ``Bail out!`` ends the stream and adds an errored case
``Bail out!``; a plan that promised more tests than ran adds an errored case
``[missing tests]``. A missing plan only adds a warning. The id is the test's
description (the number when there is none; a repeated description gets ``[n]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.core.reports.common import line_number, strip_workspace
from bot.core.reports.formats._json import decode_text, head_text
from bot.core.reports.model import (
    MAX_MESSAGE_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_TRACE_CHARS,
    Outcome,
    Report,
    ReportError,
    Suite,
    TestCase,
    bounded,
    make_test_id,
)

NAME = "tap"

_VERSION = re.compile(r"^TAP version (\d+)\s*$", re.IGNORECASE)
_PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*))?$")
_POINT = re.compile(r"^(not )?ok\b(?:\s+(\d+))?(?:\s*-)?\s?(.*)$")
_DIRECTIVE = re.compile(r"(?<!\\)#\s*(SKIP|TODO)\S*\s*(.*)$", re.IGNORECASE)
_BAIL = re.compile(r"^Bail out!\s*(.*)$")
_SNIFF_LINE = re.compile(r"^(?:(?i:TAP version) \d+|\d+\.\.\d+\s*(?:#.*)?$|(?:not )?ok\b)")
_SNIFF_LINES = 20
_MAX_YAML_CHARS = 64_000
_MAX_LINES_PER_CASE = 2_000


def sniff(head: bytes) -> bool:
    """The first significant line is TAP; or, within the first lines, a version or plan
    line and a test point (a stream with junk before its plan)."""
    significant = [
        line.strip()
        for line in head_text(head).splitlines()[:_SNIFF_LINES]
        if line.strip() and not line.strip().startswith("#")
    ]
    if not significant:
        return False
    if _SNIFF_LINE.match(significant[0]):
        return True
    header = any(_VERSION.match(x) or _PLAN.match(x) for x in significant)
    return header and any(_POINT.match(x) for x in significant)


@dataclass(slots=True)
class _Point:
    ok: bool
    number: int
    description: str
    directive: str | None
    reason: str | None
    yaml_lines: list[str] = field(default_factory=list)
    yaml_chars: int = 0
    child_lines: list[str] = field(default_factory=list)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def parse(data: bytes, *, path: str | None) -> Report:
    text = decode_text(data, path=path)
    if not text.strip():
        raise ReportError("empty file, not a test report", path=path)
    points: list[_Point] = []
    plan: int | None = None
    skip_all: str | None = None
    bail: str | None = None
    saw_tap = False
    pending_children: list[str] = []
    yaml_indent = 0  # > 0 while inside a YAML diagnostic block
    in_buffer = 0
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        last = points[-1] if points else None
        if yaml_indent and last is not None:
            if stripped and _indent(line) < yaml_indent:
                yaml_indent = 0  # an unterminated block ends where the indentation does
            else:
                if stripped == "...":
                    yaml_indent = 0
                elif last.yaml_chars < _MAX_YAML_CHARS:
                    last.yaml_lines.append(line)
                    last.yaml_chars += len(line) + 1
                continue
        if in_buffer:
            if stripped == "}" and _indent(line) == 0:
                in_buffer = 0
            elif last is not None and len(last.child_lines) < _MAX_LINES_PER_CASE:
                last.child_lines.append(line)
            continue
        if _indent(line) > 0:
            if stripped == "---" and last is not None and not pending_children:
                yaml_indent = _indent(line)
            elif stripped and len(pending_children) < _MAX_LINES_PER_CASE:
                pending_children.append(line)
            continue
        if match := _VERSION.match(stripped):
            saw_tap = True
        elif match := _PLAN.match(stripped):
            saw_tap = True
            plan = line_number(match.group(1))
            if plan == 0 and match.group(2):
                skip_all = re.sub(r"^skip\S*\s*", "", match.group(2), flags=re.IGNORECASE)
        elif match := _BAIL.match(stripped):
            bail = match.group(1).replace("\\#", "#").replace("\\\\", "\\") or "no reason given"
            break
        elif match := _POINT.match(stripped):
            saw_tap = True
            point = _point(match, len(points) + 1)
            point.child_lines, pending_children = pending_children, []
            if point.description.endswith("{"):
                point.description = point.description[:-1].rstrip()
                in_buffer = 1
            points.append(point)
    if not saw_tap:
        raise ReportError("not a test report: no TAP plan or test lines", path=path)
    return _report(points, plan, skip_all, bail, path)


def _point(match: re.Match[str], position: int) -> _Point:
    rest = match.group(3) or ""
    directive = reason = None
    found = _DIRECTIVE.search(rest)
    if found:
        directive = found.group(1).upper()
        reason = found.group(2).strip() or None
        rest = rest[: found.start()]
    number = int(match.group(2)) if match.group(2) and len(match.group(2)) < 12 else position
    description = rest.strip().replace("\\#", "#")
    return _Point(match.group(1) is None, number, description, directive, reason)


def _report(
    points: list[_Point], plan: int | None, skip_all: str | None, bail: str | None, path: str | None
) -> Report:
    report = Report(format=NAME, path=path)
    report.suites.append(Suite(name=path or "tap", declared_tests=plan))
    seen: dict[str, int] = {}
    for point in points:
        report.cases.append(_case(point, seen))
    if skip_all is not None:
        report.warnings.append(f"all tests skipped: {skip_all}")
    if bail is not None:
        report.cases.append(_synthetic("Bail out!", "BailOut", bail))
    elif plan is not None and plan > len(points):
        message = f"the plan promised {plan} tests but {len(points)} ran"
        report.cases.append(_synthetic("[missing tests]", "MissingTests", message))
    elif plan is not None and plan < len(points):
        report.warnings.append(f"the plan promised {plan} tests but {len(points)} ran")
    if plan is None and bail is None:
        report.warnings.append("no TAP plan: the run may have ended early")
    return report


def _synthetic(name: str, failure_type: str, message: str) -> TestCase:
    return TestCase(
        test_id=name,
        name=name,
        outcome=Outcome.ERRORED,
        failure_type=failure_type,
        message=bounded(message, MAX_MESSAGE_CHARS),
    )


def _outcome(point: _Point) -> Outcome:
    if point.directive == "SKIP":
        return Outcome.SKIPPED
    if point.directive == "TODO":
        return Outcome.PASSED if point.ok else Outcome.SKIPPED
    return Outcome.PASSED if point.ok else Outcome.FAILED


def _diagnostics(point: _Point) -> dict[str, Any]:
    if not point.yaml_lines:
        return {}
    try:
        value = yaml.safe_load("\n".join(point.yaml_lines))
    except (yaml.YAMLError, RecursionError, ValueError):
        return {"message": "\n".join(x.strip() for x in point.yaml_lines)}
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _case(point: _Point, seen: dict[str, int]) -> TestCase:
    name = point.description or f"test {point.number}"
    seen[name] = seen.get(name, 0) + 1
    test_id = make_test_id(None, None, name if seen[name] == 1 else f"{name} [{seen[name]}]")
    outcome = _outcome(point)
    diag = _diagnostics(point)
    at_value = diag.get("at")
    at: dict[str, Any] = at_value if isinstance(at_value, dict) else {}
    file = strip_workspace(_text(at.get("file")) or _text(diag.get("file")))
    line_value = at.get("line", diag.get("line"))
    line = line_value if isinstance(line_value, int) and not isinstance(line_value, bool) else None
    failing = outcome is Outcome.FAILED
    message = _text(diag.get("message")) if failing else point.reason
    trace_parts = [_text(diag.get("stack"))] if failing else []
    failed_children = [x.strip() for x in point.child_lines if x.strip().startswith("not ok")]
    if failing and failed_children:
        trace_parts.append("\n".join(failed_children))
        message = message or failed_children[0]
    if failing and message is None:
        message = point.reason or name
    trace = "\n\n".join(p for p in trace_parts if p) or None
    duration = diag.get("duration_ms")
    output = "\n".join(point.child_lines)
    return TestCase(
        test_id=test_id,
        name=name,
        outcome=outcome,
        file=file,
        line=line,
        duration_s=duration / 1000.0 if isinstance(duration, int | float) else None,
        failure_type=(_text(diag.get("severity")) or "not ok") if failing else None,
        message=bounded(message, MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
        stdout=bounded(output, MAX_OUTPUT_CHARS) if output else None,
    )
