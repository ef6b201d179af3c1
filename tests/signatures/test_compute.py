"""The whole pipeline: grouping decisions a user would notice, on real corpus reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.reports import parse_report
from bot.core.reports.model import TestCase
from bot.core.signatures import (
    SIGNATURE_VERSION,
    SUPPORTED_VERSIONS,
    Signature,
    compute_signature,
    fingerprints_for_versions,
)
from bot.core.signatures.v1.compute import compute_v1
from tests.signatures.conftest import failure

FORMATS = [
    "pytest/pytest-junit.xml",
    "pytest/pytest-junit-xunit1.xml",
    "pytest/pytest-json-report.json",
    "pytest/pytest-ctrf.json",
    "jest/jest-junit.xml",
    "jest/jest-ctrf.json",
    "mocha/mocha-junit.xml",
    "mocha/mocha.json",
]


def corpus_failures(corpus_dir: Path, name: str) -> list[TestCase]:
    path = corpus_dir / "reports" / "generated-here" / name
    return parse_report(path.read_bytes(), path=str(path)).failures


def by_test(cases: list[TestCase], fragment: str) -> Signature:
    matches = [c for c in cases if fragment in c.test_id]
    assert len(matches) == 1, [c.test_id for c in cases]
    return compute_signature(matches[0])


def test_both_1011_failures_are_one_signature(corpus_dir: Path) -> None:
    cases = corpus_failures(corpus_dir, "pytest/pytest-junit.xml")
    plain = by_test(cases, "test_stream_websocket_reconnect")
    keepalive = by_test(cases, "test_data_agent_websocket_events")
    assert plain.fingerprint == keepalive.fingerprint
    assert plain.title == "WebSocket closed 1011 (internal error)"
    assert plain.family == "websocket-close-1011"


@pytest.mark.parametrize("name", FORMATS)
def test_the_1011_is_one_signature_in_every_format(corpus_dir: Path, name: str) -> None:
    reference = by_test(
        corpus_failures(corpus_dir, "pytest/pytest-junit.xml"), "test_stream_websocket_reconnect"
    )
    ws = [
        compute_signature(c)
        for c in corpus_failures(corpus_dir, name)
        if "websocket" in c.test_id.lower()
    ]
    assert ws
    assert {s.fingerprint for s in ws} == {reference.fingerprint}


@pytest.mark.parametrize("name", FORMATS[:4])
def test_pytest_formats_agree_on_every_failure(corpus_dir: Path, name: str) -> None:
    def fingerprints(report: str) -> dict[str, str]:
        return {
            c.test_id: compute_signature(c).fingerprint for c in corpus_failures(corpus_dir, report)
        }

    assert fingerprints(name) == fingerprints("pytest/pytest-junit.xml")


def test_jest_formats_agree(corpus_dir: Path) -> None:
    junit = {compute_signature(c).normalized for c in corpus_failures(corpus_dir, FORMATS[4])}
    ctrf = {compute_signature(c).normalized for c in corpus_failures(corpus_dir, FORMATS[5])}
    assert junit == ctrf


def test_corpus_failures_get_distinct_signatures(corpus_dir: Path) -> None:
    cases = corpus_failures(corpus_dir, "pytest/pytest-json-report.json")
    order = by_test(cases, "test_optimization_before_reporting")
    fixture = by_test(cases, "test_order_with_session")
    http = by_test(cases, "test_stream_auth_http")
    ws = by_test(cases, "test_stream_websocket_reconnect")
    assert len({order.fingerprint, fixture.fingerprint, http.fingerprint, ws.fingerprint}) == 4
    assert http.title == "HTTP 403 Forbidden (staging.example.test)"
    assert order.title == "AssertionError: execution order violated: […]"
    assert fixture.title.startswith("RuntimeError: SessionMiddleware must be installed")


def test_1011_and_1006_differ() -> None:
    a = compute_signature(failure("received 1011 (internal error)", "ConnectionClosedError"))
    b = compute_signature(failure("received 1006 (abnormal closure)", "ConnectionClosedError"))
    assert a.fingerprint != b.fingerprint
    assert b.title == "WebSocket closed 1006 (abnormal closure)"


def test_503_and_502_differ() -> None:
    a = compute_signature(failure("HTTP 503 from upstream", "AssertionError"))
    b = compute_signature(failure("HTTP 502 from upstream", "AssertionError"))
    assert a.fingerprint != b.fingerprint


def test_family_groups_across_call_sites() -> None:
    a = failure(
        "received 1011 (internal error)",
        "websockets.exceptions.ConnectionClosedError",
        trace='  File "tests/test_a.py", line 3, in test_a\n',
        test_id="tests/test_a.py::test_a",
    )
    b = failure(
        "ConnectionClosedError: received 1011 (internal error)",
        trace='  File "tests/test_b.py", line 9, in test_b\n',
        test_id="tests/test_b.py::test_b",
    )
    assert compute_signature(a).fingerprint == compute_signature(b).fingerprint


def pytest_trace(file: str, function: str) -> str:
    return (
        f"def {function}():\n>       assert x == 1\nE       assert 2 == 1\n\n"
        f"{file}:4: AssertionError"
    )


def test_same_assertion_in_different_files_differs() -> None:
    a = failure("assert 2 == 1", "AssertionError", pytest_trace("tests/test_a.py", "test_x"))
    b = failure("assert 2 == 1", "AssertionError", pytest_trace("tests/test_b.py", "test_x"))
    assert compute_signature(a).fingerprint != compute_signature(b).fingerprint


def test_same_assertion_with_other_values_and_line_is_one() -> None:
    a = failure("assert 2 == 1", "AssertionError", pytest_trace("tests/test_a.py", "test_x"))
    moved = pytest_trace("tests/test_a.py", "test_x").replace(":4:", ":40:")
    b = failure("assert 7 == 1", "AssertionError", moved)
    assert compute_signature(a).fingerprint == compute_signature(b).fingerprint


def test_app_error_from_two_tests_is_one() -> None:
    def trace(test: str) -> str:
        return (
            f'  File "tests/{test}.py", line 3, in {test}\n'
            '  File "app/orders.py", line 30, in place\n'
        )

    a = failure("order 42 has no items", "ValueError", trace("test_a"), "tests/test_a.py::test_a")
    b = failure("order 97 has no items", "ValueError", trace("test_b"), "tests/test_b.py::test_b")
    assert compute_signature(a).fingerprint == compute_signature(b).fingerprint


def test_test_name_fallback_collapses_parameters() -> None:
    a = compute_signature(failure(test_id="tests/a.py::test_x[a]"))
    b = compute_signature(failure(test_id="tests/a.py::test_x[b]"))
    c = compute_signature(failure(test_id="tests/a.py::test_y"))
    assert a.kind == "test-name"
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert a.title == "tests/a.py::test_x failed"


def test_bare_type_keeps_the_test_apart() -> None:
    a = compute_signature(failure(failure_type="AssertionError", test_id="t::a"))
    b = compute_signature(failure(failure_type="AssertionError", test_id="t::b"))
    assert a.kind == "computed"
    assert a.fingerprint != b.fingerprint


def test_signature_shape() -> None:
    signature = compute_signature(failure("boom 3", "ValueError"))
    assert signature.version == SIGNATURE_VERSION
    assert len(signature.fingerprint) == 20
    assert int(signature.fingerprint, 16) >= 0
    assert signature.normalized.startswith(
        f"v{SIGNATURE_VERSION} | computed | family=- | type=ValueError"
    )
    assert signature.title == "ValueError: boom <n>"
    assert (signature.labels, signature.severity, signature.rule_id) == ((), None, None)


def test_fingerprints_for_versions() -> None:
    case = failure("received 1011 (internal error)")
    versions = fingerprints_for_versions(case)
    assert versions[SIGNATURE_VERSION] == compute_signature(case).fingerprint
    assert set(versions) == set(SUPPORTED_VERSIONS) == {1, 2}
    assert versions[1] != versions[2]  # each version hashes its own normalized text


def test_message_from_trace_when_message_is_missing() -> None:
    a = failure(trace="ConnectionClosedError: received 1011 (internal error)\n    at x (t.js:1:2)")
    assert compute_signature(a).family == "websocket-close-1011"


def test_validation_fields_on_later_lines_split_since_v2() -> None:
    # v1's known miss: only the headline counted, so two different fields failing
    # validation at one place were one cluster; v2's cause reader reads the field paths.
    trace = '  File "agents/tools/base.py", line 9, in parse_call\n'
    a = failure(
        "1 validation error for ToolCall\narguments.query\n  Field required",
        "ValidationError",
        trace,
    )
    b = failure(
        "1 validation error for ToolCall\narguments.limit\n  Too large", "ValidationError", trace
    )
    assert compute_v1(a, ()).fingerprint == compute_v1(b, ()).fingerprint
    assert compute_signature(a).fingerprint != compute_signature(b).fingerprint


def test_timeouts_are_grouped_by_kind() -> None:
    # v1 made every timeout one cluster; v2 keeps the family and splits by what timed out
    # (a bare test timeout: by the hung test's file, whichever runner reported it).
    mocha = failure("Timeout of 2000ms exceeded.", "Error", test_id="a.spec.js::loads")
    jest = failure("Exceeded timeout of 5000 ms for a test.", None, test_id="a.spec.js::saves")
    other_file = failure("Timeout of 2000ms exceeded.", "Error", test_id="b.spec.js::loads")
    asyncio = failure("", "TimeoutError", test_id="tests/test_b.py::test_b")
    assert compute_signature(mocha).fingerprint == compute_signature(jest).fingerprint
    assert compute_signature(mocha).fingerprint != compute_signature(other_file).fingerprint
    assert compute_signature(mocha).fingerprint != compute_signature(asyncio).fingerprint
    assert compute_signature(mocha).title == "Test timed out"
    assert compute_v1(mocha, ()).fingerprint == compute_v1(asyncio, ()).fingerprint


def test_uninformative_messages_keep_tests_apart() -> None:
    a = compute_signature(failure("Failed", "failure", test_id="pkg::TestA"))
    b = compute_signature(failure("Failed", "failure", test_id="pkg::TestB"))
    assert a.kind == b.kind == "test-name"
    assert a.fingerprint != b.fingerprint


def test_go_test_name_prefix_is_ignored() -> None:
    a = failure("TestX/sub: x_test.go:50: failed sub", "Failure", test_id="pkg/TestX/sub")
    b = failure("x_test.go:50: failed sub", "Failure", test_id="pkg/TestX/sub")
    assert compute_signature(a).fingerprint == compute_signature(b).fingerprint
