"""``go test -json`` / test2json event streams (JSON lines).

Each test and subtest with events is one case, id ``package/TestName/subtest``; Elapsed is
seconds. pass → passed, fail → failed, skip → skipped. A test seen again after its result
(``-count=N``, ``gotestsum --rerun-fails``) gains an attempt, so fail-then-pass is flaky.

Broken streams are read the way ``go test`` meant them:

* non-JSON lines (stdout of TestMain, build errors on stderr) are tolerated; a
  ``FAIL <pkg> [build failed]`` / ``[setup failed]`` line becomes an errored case;
* a test without a result event takes its ``--- PASS/FAIL/SKIP`` line if one was printed,
  else the package's result: passed in a passing package, failed in a failing or
  unfinished one (a panic or a timeout ends the binary before the test reports);
* a package that failed without any failed test (panic in init or TestMain, a race
  detected at exit) gets one errored case ``package/[package failed]``; a build failure
  (``build-fail`` / ``FailedBuild``) gets ``package/[build failed]`` with the compiler output.

Benchmarks that pass are only printed by older Go versions, not reported as events, and are
not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.reports.common import line_number
from bot.core.reports.formats._json import (
    JsonObject,
    get_number,
    get_str,
    head_text,
    iter_json_lines,
    workspace_relative,
)
from bot.core.reports.model import (
    MAX_MESSAGE_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_TRACE_CHARS,
    Attempt,
    Outcome,
    Report,
    ReportError,
    Suite,
    TestCase,
    bounded,
)

NAME = "go-json"

_ACTIONS = r"run|output|pass|fail|skip|start|pause|cont|bench|build-output|build-fail"
_SNIFF_EVENT = re.compile(r'^\s*\{.*"Action"\s*:\s*"(?:' + _ACTIONS + r')"', re.MULTILINE)
# `go test -json` when only the compiler ran: its stderr, no events.
_SNIFF_BUILD_FAIL = re.compile(r"^FAIL\t\S+ \[(?:build|setup) failed\]$", re.MULTILINE)
_RESULTS = {"pass": Outcome.PASSED, "fail": Outcome.FAILED, "skip": Outcome.SKIPPED}
_HEADER = re.compile(r"^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)\s|--- (?:PASS|FAIL|SKIP):\s)")
_STATUS_LINE = re.compile(r"^\s*--- (PASS|FAIL|SKIP): (\S+)")
_BUILD_FAIL_LINE = re.compile(r"^FAIL\s+(\S+)\s+\[(build|setup) failed\]\s*$")
_SHORT_LOCATION = re.compile(r"^\s*(?:[\w/.\-]+: )?(?:\./)?([\w.\-/]+\.go):(\d+):")
_ABSOLUTE_LOCATION = re.compile(r"^\s*(/\S+?\.go|[A-Za-z]:\\\S+?\.go):(\d+)")
_PACKAGE_CHATTER = re.compile(r"^(?:PASS|FAIL|ok\s|FAIL\s|exit status|coverage:|\?\s)")
# Bound per-test captured lines while streaming so one chatty test cannot grow memory.
_MAX_LINES_PER_RUN = 2_000


def sniff(head: bytes) -> bool:
    text = head_text(head)
    return bool(_SNIFF_EVENT.search(text) or _SNIFF_BUILD_FAIL.search(text))


@dataclass(slots=True)
class _Run:
    result: str | None = None
    elapsed: float | None = None
    output: list[str] = field(default_factory=list)

    def add_output(self, line: str) -> None:
        if len(self.output) < _MAX_LINES_PER_RUN:
            self.output.append(line)


@dataclass(slots=True)
class _Test:
    package: str
    name: str
    runs: list[_Run] = field(default_factory=lambda: [_Run()])

    @property
    def current(self) -> _Run:
        return self.runs[-1]


@dataclass(slots=True)
class _Package:
    name: str
    result: str | None = None
    elapsed: float | None = None
    failed_build: str | None = None
    output: list[str] = field(default_factory=list)


class _Stream:
    def __init__(self) -> None:
        self.tests: dict[tuple[str, str], _Test] = {}
        self.packages: dict[str, _Package] = {}
        self.build_output: dict[str, list[str]] = {}
        self.build_failures: list[tuple[str, str, list[str]]] = []
        self.plain_lines: list[str] = []

    def package(self, name: str) -> _Package:
        if name not in self.packages:
            self.packages[name] = _Package(name)
        return self.packages[name]

    def event(self, event: JsonObject) -> None:
        action = get_str(event, "Action") or ""
        output = get_str(event, "Output")
        import_path = get_str(event, "ImportPath")
        if action in ("build-output", "build-fail") and import_path:
            lines = self.build_output.setdefault(import_path, [])
            if output is not None and len(lines) < _MAX_LINES_PER_RUN:
                lines.append(output)
            return
        package_name = get_str(event, "Package") or ""
        test_name = get_str(event, "Test")
        package = self.package(package_name)
        if not test_name:
            if output is not None and len(package.output) < _MAX_LINES_PER_RUN:
                package.output.append(output)
            if action in _RESULTS:
                package.result = action
                package.elapsed = get_number(event, "Elapsed")
                package.failed_build = get_str(event, "FailedBuild")
            return
        key = (package_name, test_name)
        test = self.tests.get(key)
        if test is None:
            test = self.tests[key] = _Test(package_name, test_name)
        elif test.current.result is not None and (action == "run" or action in _RESULTS):
            test.runs.append(_Run())  # a rerun of the same test
        run = test.current
        if output is not None:
            run.add_output(output)
        if action in _RESULTS:
            run.result = action
            run.elapsed = get_number(event, "Elapsed")

    def plain_line(self, line: str) -> None:
        if line.startswith("# "):  # `# pkg` starts the compiler output of one package
            self.plain_lines.clear()
        self.plain_lines.append(line)
        if len(self.plain_lines) > _MAX_LINES_PER_RUN:
            del self.plain_lines[0]
        match = _BUILD_FAIL_LINE.match(line)
        if match:
            context = [x for x in self.plain_lines[:-1] if not _PACKAGE_CHATTER.match(x)]
            self.build_failures.append((match.group(1), match.group(2), context))
            self.plain_lines.clear()


def parse(data: bytes, *, path: str | None) -> Report:
    stream = _Stream()
    saw_event = False
    for _number, event, raw in iter_json_lines(data, path=path):
        if event is not None and "Action" in event:
            saw_event = True
            stream.event(event)
        else:
            stream.plain_line(raw)
    if not saw_event and not stream.build_failures:
        raise ReportError("not a test report: no go test -json events", path=path)
    return _report(stream, path)


def _report(stream: _Stream, path: str | None) -> Report:
    report = Report(format=NAME, path=path)
    failed_packages: set[str] = set()
    for test in stream.tests.values():
        package = stream.packages.get(test.package)
        case = _case(test, package.result if package else None)
        if case.outcome is Outcome.FAILED:
            failed_packages.add(test.package)
        report.cases.append(case)
    _explain_failed_parents(report.cases)
    for package in stream.packages.values():
        report.suites.append(Suite(name=package.name, duration_s=package.elapsed))
        if package.result != "fail" or package.name in failed_packages:
            continue
        if package.failed_build is not None:
            lines = stream.build_output.get(package.failed_build, [])
            report.cases.append(_package_error(package.name, "build", lines))
        else:
            lines = [x for x in package.output if not _PACKAGE_CHATTER.match(x)]
            if not "".join(lines).strip():
                lines = _late_output(stream, package.name)
            report.cases.append(_package_error(package.name, "package", lines, package.elapsed))
    for package_name, kind, lines in stream.build_failures:
        if package_name not in stream.packages:
            report.suites.append(Suite(name=package_name))
            report.cases.append(_package_error(package_name, kind, [x + "\n" for x in lines]))
    durations = [p.elapsed for p in stream.packages.values() if p.elapsed is not None]
    report.duration_s = sum(durations) if durations else None
    return report


def _explain_failed_parents(cases: list[TestCase]) -> None:
    """A parent test fails because a subtest did; say which, when it printed nothing."""
    failed = [c for c in cases if c.outcome is Outcome.FAILED]
    for case in failed:
        if case.message:
            continue
        prefix = case.test_id + "/"
        children = [c.name for c in failed if c.test_id.startswith(prefix)]
        if children:
            case.message = f"{len(children)} subtest(s) failed: {', '.join(children[:5])}"
        else:
            case.message = "the test failed without output"


def _late_output(stream: _Stream, package: str) -> list[str]:
    """Output printed after a test's own ``--- PASS`` line (a panic or race at exit)."""
    late: list[str] = []
    for test in stream.tests.values():
        if test.package != package:
            continue
        output = test.current.output
        ends = [i for i, x in enumerate(output) if _STATUS_LINE.match(x)]
        if ends:
            late.extend(output[ends[-1] + 1 :])
    return late


def _first_output_line(text: str) -> str | None:
    lines = (x.strip() for x in text.splitlines())
    return next((x for x in lines if x and not x.startswith("# ")), None)


def _package_error(
    package: str, kind: str, lines: list[str], elapsed: float | None = None
) -> TestCase:
    text = "".join(lines).strip("\n")
    message = _first_output_line(text) or f"{kind} failed"
    file, line = _location(text.splitlines())
    return TestCase(
        test_id=f"{package}/[{kind} failed]",
        name=f"[{kind} failed]",
        outcome=Outcome.ERRORED,
        classname=package,
        suite=package,
        file=file,
        line=line,
        duration_s=elapsed,
        failure_type="BuildError" if kind in ("build", "setup") else "PackageFailure",
        message=bounded(message, MAX_MESSAGE_CHARS),
        trace=bounded(text, MAX_TRACE_CHARS) or None,
    )


def _run_outcome(test: _Test, run: _Run, package_result: str | None) -> Outcome:
    if run.result is not None:
        return _RESULTS[run.result]
    leaf = test.name.rsplit("/", 1)[-1]
    for line in run.output:
        match = _STATUS_LINE.match(line)
        if match and match.group(2).rsplit("/", 1)[-1] == leaf:
            return {"PASS": Outcome.PASSED, "FAIL": Outcome.FAILED}.get(
                match.group(1), Outcome.SKIPPED
            )
    return Outcome.PASSED if package_result == "pass" else Outcome.FAILED


def _location(lines: list[str]) -> tuple[str | None, int | None]:
    for line in lines:
        match = _ABSOLUTE_LOCATION.match(line)
        if match:
            relative = workspace_relative(match.group(1))
            if relative != match.group(1):
                return relative, line_number(match.group(2))
    for line in lines:
        match = _SHORT_LOCATION.match(line)
        if match:
            return match.group(1), line_number(match.group(2))
    return None, None


def _attempt(test: _Test, run: _Run, package_result: str | None) -> Attempt:
    outcome = _run_outcome(test, run, package_result)
    if outcome is Outcome.PASSED:
        return Attempt(outcome, run.elapsed)
    body = [x for x in run.output if not _HEADER.match(x)]
    text = "".join(body).strip("\n")
    first = _first_output_line(text)
    if first is None and run.result is None:
        first = "the test did not report a result (panic, timeout or a lost event)"
    failure_type = None
    if outcome is Outcome.FAILED:
        failure_type = "panic" if text.lstrip().startswith("panic:") else "Failure"
    return Attempt(
        outcome,
        run.elapsed,
        failure_type,
        bounded(first, MAX_MESSAGE_CHARS),
        bounded(text, MAX_TRACE_CHARS) if outcome is Outcome.FAILED and text else None,
    )


def _case(test: _Test, package_result: str | None) -> TestCase:
    attempts = tuple(_attempt(test, run, package_result) for run in test.runs)
    final = attempts[-1]
    outcome = final.outcome
    if outcome is Outcome.PASSED and any(a.outcome is Outcome.FAILED for a in attempts):
        outcome = Outcome.FLAKY
    last_output = [x for x in test.current.output if not _HEADER.match(x)]
    file, line = _location(last_output) if final.outcome is Outcome.FAILED else (None, None)
    stdout = "".join(last_output)
    return TestCase(
        test_id=f"{test.package}/{test.name}" if test.package else test.name,
        name=test.name,
        outcome=outcome,
        classname=test.package or None,
        suite=test.package or None,
        file=file,
        line=line,
        duration_s=final.duration_s,
        failure_type=final.failure_type,
        message=final.message,
        trace=final.trace,
        stdout=bounded(stdout, MAX_OUTPUT_CHARS) if stdout else None,
        attempts=attempts if len(attempts) > 1 else (),
    )
