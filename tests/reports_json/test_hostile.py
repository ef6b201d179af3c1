"""Broken and hostile input: every parser gives a Report or a ReportError, never a crash."""

from __future__ import annotations

import json
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.reports.formats import (
    ctrf,
    dart_json,
    go_json,
    mocha_json,
    playwright_json,
    pytest_json,
    rspec_json,
    tap,
)
from bot.core.reports.formats._json import MAX_JSON_BYTES, load_object
from bot.core.reports.model import MAX_MESSAGE_CHARS, TRUNCATION_MARKER, Report, ReportError

PARSERS: list[ModuleType] = [
    ctrf, pytest_json, go_json, mocha_json, dart_json, tap, rspec_json, playwright_json,
]  # fmt: skip
WHOLE_DOCUMENT_PARSERS: list[ModuleType] = [
    ctrf,
    pytest_json,
    mocha_json,
    rspec_json,
    playwright_json,
]

VALID: dict[str, bytes] = {
    "ctrf": json.dumps({
        "reportFormat": "CTRF", "specVersion": "1.0.0",
        "results": {"tool": {"name": "jest"},
                    "summary": {"tests": 2, "passed": 1, "failed": 1, "pending": 0, "skipped": 0,
                                "other": 0, "start": 1, "stop": 2},
                    "tests": [{"name": "a", "status": "passed", "duration": 1},
                              {"name": "b", "status": "failed", "duration": 1, "message": "x",
                               "retries": 1,
                               "retryAttempts": [{"attempt": 1, "status": "failed"}]}]},
    }).encode(),
    "pytest-json": json.dumps({
        "created": 1, "duration": 1, "exitcode": 1, "root": "/r", "summary": {"total": 1},
        "tests": [{"nodeid": "t.py::test_a", "lineno": 1, "outcome": "failed",
                   "call": {"outcome": "failed", "duration": 0.1, "longrepr": "E boom",
                            "crash": {"path": "t.py", "lineno": 2, "message": "boom"}}}],
    }).encode(),
    "go-json": b"".join(json.dumps(e).encode() + b"\n" for e in [
        {"Action": "run", "Package": "p", "Test": "TestA"},
        {"Action": "output", "Package": "p", "Test": "TestA", "Output": "    a_test.go:3: no\n"},
        {"Action": "fail", "Package": "p", "Test": "TestA", "Elapsed": 0.1},
        {"Action": "fail", "Package": "p", "Elapsed": 0.2},
    ]),
    "mocha-json": json.dumps({
        "stats": {"tests": 1, "duration": 3},
        "tests": [{"title": "a", "fullTitle": "S a", "file": "a.js", "duration": 1,
                   "err": {"message": "m", "stack": "Error: m\n at (a.js:1:2)"}}],
        "failures": [{"title": "a", "fullTitle": "S a", "file": "a.js", "err": {}}],
        "passes": [], "pending": [],
    }).encode(),
    "dart-json": b"".join(json.dumps(e).encode() + b"\n" for e in [
        {"protocolVersion": "0.1.1", "type": "start", "time": 0},
        {"type": "suite", "suite": {"id": 0, "path": "test/a_test.dart"}},
        {"type": "testStart", "time": 1, "test": {"id": 1, "name": "a", "suiteID": 0}},
        {"type": "error", "testID": 1, "error": "boom", "stackTrace": "", "isFailure": True},
        {"type": "testDone", "testID": 1, "result": "failure", "hidden": False, "time": 2},
    ]),
    "rspec-json": json.dumps({
        "version": "3.13.0",
        "examples": [{"id": "./spec/a_spec.rb[1:1]", "description": "works",
                      "full_description": "A works", "status": "failed",
                      "file_path": "./spec/a_spec.rb", "line_number": 3, "run_time": 0.1,
                      "exception": {"class": "RuntimeError", "message": "boom",
                                    "backtrace": ["./spec/a_spec.rb:4:in `block'"]}}],
        "summary": {"duration": 0.2, "example_count": 1, "failure_count": 1,
                    "errors_outside_of_examples_count": 0},
        "summary_line": "1 example, 1 failure",
    }).encode(),
    "playwright-json": json.dumps({
        "config": {"rootDir": "/r", "projects": [{"name": "chromium"}]},
        "suites": [{"title": "a.spec.ts", "file": "a.spec.ts", "specs": [], "suites": [
            {"title": "group", "file": "a.spec.ts", "specs": [
                {"title": "loads", "file": "a.spec.ts", "line": 3, "tests": [
                    {"projectName": "chromium", "status": "unexpected", "results": [
                        {"status": "failed", "duration": 5, "retry": 0,
                         "error": {"message": "Error: nope", "stack": "at a.spec.ts:4"},
                         "stdout": [{"text": "hi"}], "stderr": []}]}]}]}]}],
        "errors": [],
        "stats": {"duration": 10},
    }).encode(),
    "tap": b"TAP version 13\n1..2\nok 1 - a\nnot ok 2 - b\n  ---\n  message: x\n  ...\n",
}  # fmt: skip
MODULES = {m.NAME: m for m in PARSERS}


def test_every_parser_has_a_valid_fixture_that_parses() -> None:
    assert set(VALID) == set(MODULES)
    for name, data in VALID.items():
        report = MODULES[name].parse(data, path="ok")
        assert report.format == name
        assert report.counts.failed >= 1


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.NAME)
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (b'{"tests": [\xff\xfe]}\n', "invalid UTF-8"),
    ],
)
def test_empty_and_undecodable_files_are_refused(
    module: ModuleType, data: bytes, reason: str
) -> None:
    with pytest.raises(ReportError, match=reason) as info:
        module.parse(data, path="bad.report")
    assert str(info.value).startswith("bad.report")


def test_invalid_utf8_error_names_line_and_column() -> None:
    with pytest.raises(ReportError) as info:
        ctrf.parse(b'{\n  "results": "\xc3("\n}', path="r.json")
    assert (info.value.line, info.value.column) == (2, 15)


@pytest.mark.parametrize("module", WHOLE_DOCUMENT_PARSERS, ids=lambda m: m.NAME)
def test_truncated_json_names_line_and_column(module: ModuleType) -> None:
    name = module.NAME
    data = VALID[name][: len(VALID[name]) // 2]
    with pytest.raises(ReportError, match="invalid JSON") as info:
        module.parse(data, path="cut.json")
    assert info.value.line == 1
    assert info.value.column is not None
    assert str(info.value).startswith(f"cut.json:1:{info.value.column}: ")


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.NAME)
@pytest.mark.parametrize(
    "data",
    [
        b'{"name": "left-pad", "version": "1.3.0", "scripts": {"test": "jest"}}',
        b"[1, 2, 3]",
        b'"just a string"',
        b"null",
        b'{"stats": "no", "tests": 3, "results": []}',
    ],
)
def test_json_that_is_not_a_report_is_refused(module: ModuleType, data: bytes) -> None:
    with pytest.raises(ReportError, match="not a test report"):
        module.parse(data, path="package.json")


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.NAME)
def test_nesting_bomb_is_refused_or_ignored_without_crashing(module: ModuleType) -> None:
    bomb = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(ReportError):
        module.parse(bomb, path="bomb.json")
    inside = b'{"results": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001
    with pytest.raises(ReportError):
        module.parse(inside, path="bomb.json")


def test_size_cap_is_enforced_before_decoding() -> None:
    with pytest.raises(ReportError, match="more than the limit"):
        load_object(b"{}" + b" " * 100, path="big.json", max_bytes=50)
    assert MAX_JSON_BYTES >= 100 * 1024 * 1024


def test_huge_strings_are_bounded() -> None:
    doc = json.loads(VALID["ctrf"])
    doc["results"]["tests"][1]["message"] = "x" * 5_000_000
    doc["results"]["tests"][1]["trace"] = "y" * 5_000_000
    case = ctrf.parse(json.dumps(doc).encode(), path=None).cases[1]
    assert case.message is not None and len(case.message) == MAX_MESSAGE_CHARS
    assert case.message.endswith(TRUNCATION_MARKER)
    assert case.trace is not None and case.trace.endswith(TRUNCATION_MARKER)


def test_huge_go_output_is_bounded() -> None:
    line = json.dumps({"Action": "output", "Package": "p", "Test": "TestA", "Output": "z" * 50})
    data = (
        b'{"Action": "run", "Package": "p", "Test": "TestA"}\n'
        + (line.encode() + b"\n") * 50_000
        + b'{"Action": "fail", "Package": "p", "Test": "TestA"}\n'
    )
    case = go_json.parse(data, path=None).cases[0]
    assert case.trace is not None and case.trace.endswith(TRUNCATION_MARKER)


def _outcome_of(module: ModuleType, data: bytes) -> Report | ReportError:
    try:
        report: Report = module.parse(data, path="fuzz")
    except ReportError as exc:
        return exc
    return report


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module=st.sampled_from(PARSERS), data=st.binary(max_size=2_000))
def test_arbitrary_bytes_give_a_report_or_a_report_error(module: ModuleType, data: bytes) -> None:
    assert isinstance(_outcome_of(module, data), Report | ReportError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(VALID)),
    cuts=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.binary(max_size=12)),
        max_size=4,
    ),
)
def test_mutated_valid_documents_give_a_report_or_a_report_error(
    name: str, cuts: list[tuple[int, int, bytes]]
) -> None:
    data = bytearray(VALID[name])
    for position, length, replacement in cuts:
        at = position % (len(data) + 1)
        data[at : at + length] = replacement
    assert isinstance(_outcome_of(MODULES[name], bytes(data)), Report | ReportError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(VALID)), key_path=st.integers(0, 50), value=json_values)
def test_valid_documents_with_a_field_replaced_by_any_json_value(
    name: str, key_path: int, value: object
) -> None:
    """Structure-aware fuzzing: wrong types in any field must not crash a parser."""
    lines = VALID[name].decode().splitlines()
    index = key_path % len(lines)
    try:
        doc = json.loads(lines[index]) if len(lines) > 1 else json.loads(VALID[name])
    except ValueError:
        return  # a TAP line
    containers: list[dict[str, object] | list[object]] = [doc]
    stack: list[object] = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            containers.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            containers.append(item)
            stack.extend(item)
    target = containers[key_path % len(containers)]
    if isinstance(target, dict) and target:
        target[sorted(target)[key_path % len(target)]] = value
    elif isinstance(target, list) and target:
        target[key_path % len(target)] = value
    if len(lines) > 1:
        lines[index] = json.dumps(doc)
        data = "\n".join(lines).encode()
    else:
        data = json.dumps(doc).encode()
    assert isinstance(_outcome_of(MODULES[name], data), Report | ReportError)
