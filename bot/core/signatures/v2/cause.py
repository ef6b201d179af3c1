"""The cause reader: which part of a failure's text is the failure (what is hashed).

Reporters put the cause in different places: Java's deepest ``Caused by:``, .NET's last
`` ---> `` inner exception, go-junit-report's body under a message that only says
"Failed" (the ``panic:`` line, testify's ``Error:`` block), jest's "Test suite failed to
run" body, pytest's last ``E`` exception, pydantic's validation block, rspec's
``Failure/Error:``. Each reader is one function of ``READERS``, tried in order; the first
that finds a cause wins. Examples with their sources: tests/signatures/v2/test_cause.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.reports.model import TestCase
from bot.core.signatures.v2.exception_type import clean, normalize_type, split_type

MAX_CAUSE_INPUT = 16_000


@dataclass(frozen=True, slots=True)
class Cause:
    type: str | None  # normalized class name, None when generic or unknown
    message: str  # the cause's message, type prefix removed (may be several lines)
    body: str  # message and trace, searched for codes and callees
    trace: str  # where frames are read (from the cause on)
    reader: str  # which reader picked it


@dataclass(frozen=True, slots=True)
class _Text:
    type: str | None
    message: str
    trace: str
    body: str
    test_name: str


Reader = Callable[[_Text], Cause | None]

UNINFORMATIVE = frozenset(
    {
        "",
        "failed",
        "failure",
        "fail",
        "error",
        "failed!",
        "test failed",
        "test failure",
        "runtime error",
        "build error",
        "assert",
        "assertion failed",
        "assertionerror",
        "x",
        "test suite failed to run",
    }
)
_CAUSED_BY = re.compile(r"^\s*Caused by: (?P<type>[\w$.]+)(?::[ \t]*(?P<message>[^\n]*))?", re.M)
# .NET: " ---> Inner: …" (exception ToString); xUnit: "---- Inner : …", "-------- Deeper : …"
_INNER = re.compile(
    r"(?: ---> |^-{4,} )(?P<type>[\w.`]+(?:Exception|Error))"
    r"(?: ?(?:\((?:0x)?[0-9A-Fa-f]+\))?:[ \t]*(?P<message>[^\n]*))?",
    re.M,
)
_SPRING_CONTEXT = re.compile(r"Failed to load ApplicationContext(?: for \[[^\n]*\])?")
_GO_RACE = "WARNING: DATA RACE"
_PANIC = re.compile(r"^panic: (?P<message>[^\n]+)", re.M)
_TESTIFY_ERROR = re.compile(
    r"^\s*Error:\s+(?P<message>[^\n]+(?:\n\s+(?:expected|actual)\s*:[^\n]*)*)", re.M
)
_GO_LOG = re.compile(r"^\s*[\w./-]+_test\.go:\d+: (?P<message>[^\n]+)", re.M)
_GO_NOISE = re.compile(r"^\s*(?:---|===) (?:FAIL|RUN|PASS|CONT|PAUSE)\b[^\n]*$", re.M)
_E_EXCEPTION = re.compile(
    r"^(?:E\s+)?(?P<type>[\w.]+(?:Error|Exception|Exit|Interrupt|Timeout|Failure))"
    r"(?::[ \t]*(?P<message>[^\n]*))?$",
    re.M,
)
_PYDANTIC = re.compile(r"(?P<count>\d+) validation errors? for (?P<model>\w+)")
# pydantic 2: "field\n  Message [type=missing, …]";
# pydantic 1: "field\n  message (type=value_error.missing)"
_PYDANTIC_FIELD = re.compile(
    r"^(?P<path>[\w.\[\]-]+)\n[ \t]+(?:[^\n]*?[\[(]type=(?P<type>[\w.]+)[^\n]*|[^\n]*)$", re.M
)
_RSPEC = re.compile(r"Failure/Error: [^\n]*\n(?P<rest>(?:[^\n]*\n?){1,6})")
_PLAYWRIGHT_MESSAGE = re.compile(r"^[^\s:]+\.\w+:\d+:\d+ \S[^\n]*$")  # "a.spec.ts:20:5 title"
_PLAYWRIGHT_HEADER = re.compile(r"^\s*(?:\[[^\]\n]*\] › )?[^\n]*›[^\n]*─*\s*$", re.M)
_JEST_SUITE = re.compile(r"Test suite failed to run", re.I)
_FRAME_LINE = re.compile(r"^\s*(?:at |File \")")
_LOCATION_PREFIX = re.compile(r"^[^\s:]+:\d+(?::\d+)?(?: - |: )")  # tsc: "a.ts:1:23 - error …"


def is_uninformative(text: str) -> bool:
    return text.strip().strip(".!:").lower() in UNINFORMATIVE


def _after(text: str, end: int) -> str:
    return text[end:]


def _java_caused_by(t: _Text) -> Cause | None:
    found = list(_CAUSED_BY.finditer(t.body))
    if not found:
        return None
    last = found[-1]
    kind, message = split_type(last.group("type") + ":", last.group("message") or "")
    return Cause(
        normalize_type(last.group("type")) or kind,
        message,
        t.body,
        _after(t.body, last.end()),
        "java-caused-by",
    )


def _dotnet_inner(t: _Text) -> Cause | None:
    found = list(_INNER.finditer(t.body))
    if not found:
        return None
    last = found[-1]
    return Cause(
        normalize_type(last.group("type")),
        (last.group("message") or "").strip(),
        t.body,
        _after(t.body, last.end()),
        "dotnet-inner",
    )


def _spring_context(t: _Text) -> Cause | None:
    if not _SPRING_CONTEXT.search(t.message):
        return None
    # The cause is in a Caused by (handled first); without one, the test class is noise.
    return Cause(t.type, "Failed to load ApplicationContext", t.body, t.trace, "spring-context")


def _go_body(t: _Text) -> Cause | None:
    if not is_uninformative(t.message) and not _GO_NOISE.match(t.message):
        return None
    panic = _PANIC.search(t.body)
    if panic:
        return Cause(
            "panic", panic.group("message"), t.body, _after(t.body, panic.end()), "go-panic"
        )
    if _GO_RACE in t.body:  # go test's own message for a race report under "Failed"
        return Cause(t.type, "race detected during execution of test", t.body, t.trace, "go-race")
    testify = _TESTIFY_ERROR.search(t.body)
    if testify:
        return Cause(t.type, testify.group("message"), t.body, t.trace, "testify")
    log = _GO_LOG.search(t.body)
    if log:
        kind, message = split_type(None, log.group("message"), t.test_name)
        return Cause(kind or t.type, message, t.body, t.trace, "go-log")
    return None


def _jest_suite(t: _Text) -> Cause | None:
    if not _JEST_SUITE.search(t.message):
        return None
    rest = _JEST_SUITE.split(t.body, maxsplit=1)[-1]
    for line in rest.splitlines():
        line = _LOCATION_PREFIX.sub("", line.strip(" ●:"))
        if line and not _FRAME_LINE.match(line) and not is_uninformative(line):
            kind, message = split_type(None, line, t.test_name)
            return Cause(kind or t.type, message, t.body, rest, "jest-suite")
    return None


def _playwright_junit(t: _Text) -> Cause | None:
    """Playwright's JUnit message is only ``file:line:col title``; the error is the body,
    under a ``[project] › file › title ────`` header."""
    if not _PLAYWRIGHT_MESSAGE.match(t.message) or not t.trace.strip():
        return None
    header = _PLAYWRIGHT_HEADER.search(t.trace)
    rest = t.trace[header.end() :] if header else t.trace
    lines = [line.strip() for line in rest.splitlines()]
    text = "\n".join(lines).strip()
    if not text:
        return None
    kind, message = split_type(None, text, t.test_name)
    return Cause(kind or t.type, message, t.body, rest, "playwright-junit")


def _pydantic(t: _Text) -> Cause | None:
    head = _PYDANTIC.search(t.body)
    if not head:
        return None
    block = t.body[head.end() : head.end() + 4_000]
    fields = [
        f"{m['path']} [type={m['type']}]" if m["type"] else m["path"]
        for m in _PYDANTIC_FIELD.finditer(block)
    ]
    message = f"validation error for {head.group('model')}: " + "; ".join(sorted(set(fields)))
    return Cause("ValidationError", message, t.body, t.trace, "pydantic")


# RSpec's aggregate of several errors in one example (an error in ``after`` as well): the
# first error is the failure, the wrapper says only that there were several.
_AGGREGATE_TYPES = frozenset({"MultipleExceptionError", "MultipleExpectationsNotMetError"})


def _rspec(t: _Text) -> Cause | None:
    found = _RSPEC.search(t.body)
    if not found:
        return None
    rest = found.group("rest").strip()
    if not rest:
        return None
    kind, message = split_type(None, rest, t.test_name)
    if t.type in _AGGREGATE_TYPES:
        return Cause(kind or t.type, message, t.body, t.trace, "rspec")  # its first error
    return Cause(t.type or kind, message, t.body, t.trace, "rspec")


def _last_exception(t: _Text) -> Cause | None:
    """pytest: the message says nothing (or a chained exception's first part): the last
    ``E   Type: message`` of the trace is the one that ended the test."""
    if not is_uninformative(t.message) and "The above exception" not in t.body:
        return None
    found = list(_E_EXCEPTION.finditer(t.trace))
    if not found:
        return None
    last = found[-1]
    kind = normalize_type(last.group("type"))
    return Cause(
        kind or t.type, (last.group("message") or "").strip(), t.body, t.trace, "last-exception"
    )


_GO_SUMMARY = re.compile(r"^(?:FAIL|ok|PASS)\b|^exit status \d+$|^DONE \d+ tests\b")
# A CI log's own timestamp before each line (GitHub Actions: "2022-10-06T17:46:07.24Z ").
_LOG_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z(?: |$)")
MAX_OUTPUT_LINES = 3


def _output_line(t: _Text) -> Cause | None:
    """The message says nothing and the output is a line or two of plain text (Go's
    ``Failed`` over ``dial tcp 127.0.0.1:5432: connect: connection refused`` logged by
    ``log.Fatal``): that text is the failure. Longer output is a log, not a cause."""
    if not is_uninformative(t.message):
        return None
    stripped = (_LOG_TIMESTAMP.sub("", line).strip() for line in t.trace.splitlines())
    lines = [
        line
        for line in stripped
        if line and not _GO_NOISE.match(line) and not _GO_SUMMARY.match(line)
    ]
    if not lines or len(lines) > MAX_OUTPUT_LINES or _FRAME_LINE.match(lines[0]):
        return None
    kind, message = split_type(None, lines[0], t.test_name)
    return Cause(kind or t.type, message, t.body, t.trace, "output-line")


READERS: tuple[tuple[str, Reader], ...] = (
    ("java-caused-by", _java_caused_by),
    ("dotnet-inner", _dotnet_inner),
    ("spring-context", _spring_context),
    ("go-body", _go_body),
    ("jest-suite", _jest_suite),
    ("playwright-junit", _playwright_junit),
    ("pydantic", _pydantic),
    ("rspec", _rspec),
    ("last-exception", _last_exception),
    ("output-line", _output_line),
)


def strip_test_prefix(message: str, test_id: str) -> str:
    """Without a leading ``<test name>: `` (gotestsum) or ``file_test.go:12: `` (go test)."""
    parts = [p for p in re.split(r"::|/|\.(?=Test)", test_id) if p]
    for count in range(1, min(4, len(parts)) + 1):
        name = "/".join(parts[-count:])
        if message.startswith(name + ": "):
            message = message[len(name) + 2 :]
            break
    return re.sub(r"^\s*[\w./-]+_test\.go:\d+:(?: |$)", "", message)


def pick_cause(case: TestCase) -> Cause:
    """The cause of ``case``'s failure, by the first reader that finds one."""
    test_name = re.split(r"::|/|\.", case.test_id)[-1]
    message = strip_test_prefix(clean(case.message)[:MAX_CAUSE_INPUT].strip(), case.test_id)
    message = _GO_NOISE.sub("", message).strip() if _GO_NOISE.match(message) else message
    kind, message = split_type(case.failure_type, message, test_name)
    trace = clean(case.trace)[:MAX_CAUSE_INPUT]
    # the reported type is part of the searched text: redis.exceptions.ConnectionError names
    # its service even when the message only says "localhost:6380"
    body = f"{case.failure_type or ''}\n{clean(case.message)[:MAX_CAUSE_INPUT]}\n{trace}"
    text = _Text(kind, message, trace, body, test_name)
    for _name, reader in READERS:
        found = reader(text)
        if found is not None:
            return found
    return Cause(kind, message, body, trace, "message")
