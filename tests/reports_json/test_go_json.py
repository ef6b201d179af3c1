from __future__ import annotations

from typing import Any

from bot.core.reports.formats import go_json
from bot.core.reports.model import Outcome

from .conftest import json_lines

PKG = "example.com/app/store"


def ev(
    action: str, test: str | None = None, output: str | None = None, **extra: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {"Action": action, "Package": PKG}
    if test is not None:
        event["Test"] = test
    if output is not None:
        event["Output"] = output
    return {**event, **extra}


def test_tests_and_subtests_with_results_and_elapsed_seconds() -> None:
    data = json_lines(
        ev("start"),
        ev("run", "TestGet"),
        ev("output", "TestGet", "=== RUN   TestGet\n"),
        ev("pass", "TestGet", Elapsed=0.5),
        ev("run", "TestPut"),
        ev("run", "TestPut/empty_key"),
        ev("output", "TestPut/empty_key", "    store_test.go:42: want error, got nil\n"),
        ev("output", "TestPut/empty_key", "    --- FAIL: TestPut/empty_key (0.00s)\n"),
        ev("fail", "TestPut/empty_key", Elapsed=0.01),
        ev("fail", "TestPut", Elapsed=0.02),
        ev("run", "TestSlow"),
        ev("output", "TestSlow", "    store_test.go:60: needs -long\n"),
        ev("skip", "TestSlow", Elapsed=0),
        ev("fail", Elapsed=1.25),
    )
    report = go_json.parse(data, path="go.json")
    by_id = {c.test_id: c for c in report.cases}
    assert set(by_id) == {
        f"{PKG}/TestGet",
        f"{PKG}/TestPut",
        f"{PKG}/TestPut/empty_key",
        f"{PKG}/TestSlow",
    }
    sub = by_id[f"{PKG}/TestPut/empty_key"]
    assert sub.outcome is Outcome.FAILED
    assert sub.message == "store_test.go:42: want error, got nil"
    assert (sub.file, sub.line) == ("store_test.go", 42)
    assert by_id[f"{PKG}/TestGet"].duration_s == 0.5
    assert by_id[f"{PKG}/TestSlow"].outcome is Outcome.SKIPPED
    assert by_id[f"{PKG}/TestSlow"].message == "store_test.go:60: needs -long"
    assert report.duration_s == 1.25
    # the package failed because of its tests: no extra package-level case
    assert report.counts.as_dict() == {
        "total": 4, "passed": 1, "failed": 2, "errored": 0, "skipped": 1, "flaky": 0,
    }  # fmt: skip


def test_rerun_that_passes_is_flaky() -> None:
    data = json_lines(
        ev("run", "TestNet"), ev("fail", "TestNet", Elapsed=1),
        ev("run", "TestNet"), ev("pass", "TestNet", Elapsed=1), ev("pass"),
    )  # fmt: skip
    case = go_json.parse(data, path=None).cases[0]
    assert case.outcome is Outcome.FLAKY
    assert [a.outcome for a in case.attempts] == [Outcome.FAILED, Outcome.PASSED]


def test_panic_without_a_result_event_fails_the_running_test() -> None:
    data = json_lines(
        ev("run", "TestPanics"),
        ev("output", "TestPanics", "panic: runtime error: index out of range\n"),
        ev("output", "TestPanics", "\t/home/runner/work/app/app/store/store.go:17 +0x1d\n"),
        ev("output", None, "FAIL\texample.com/app/store\t0.01s\n"),
        ev("fail", Elapsed=0.01),
    )
    report = go_json.parse(data, path=None)
    [case] = report.cases
    assert case.outcome is Outcome.FAILED
    assert case.failure_type == "panic"
    assert case.message == "panic: runtime error: index out of range"
    assert (case.file, case.line) == ("store/store.go", 17)


def test_missing_result_in_a_passing_package_counts_as_passed() -> None:
    data = json_lines(ev("run", "TestLost"), ev("pass", Elapsed=0.1))
    assert go_json.parse(data, path=None).cases[0].outcome is Outcome.PASSED


def test_package_failure_without_failed_tests_is_an_errored_case() -> None:
    data = json_lines(
        ev("run", "TestOk"), ev("pass", "TestOk"),
        ev("output", None, "TestMain failed, returning early\n"),
        ev("output", None, "FAIL\texample.com/app/store\t0.01s\n"),
        ev("fail", Elapsed=0.01),
    )  # fmt: skip
    report = go_json.parse(data, path=None)
    error = report.cases[-1]
    assert error.test_id == f"{PKG}/[package failed]"
    assert error.outcome is Outcome.ERRORED
    assert error.message == "TestMain failed, returning early"


def test_build_failure_reports_the_compiler_output() -> None:
    data = json_lines(
        {"ImportPath": f"{PKG} [{PKG}.test]", "Action": "build-output", "Output": f"# {PKG}\n"},
        {"ImportPath": f"{PKG} [{PKG}.test]", "Action": "build-output",
         "Output": "./store_test.go:9:2: undefined: foo\n"},
        {"ImportPath": f"{PKG} [{PKG}.test]", "Action": "build-fail"},
        ev("start"),
        ev("fail", Elapsed=0, FailedBuild=f"{PKG} [{PKG}.test]"),
    )  # fmt: skip
    [case] = go_json.parse(data, path=None).cases
    assert case.test_id == f"{PKG}/[build failed]"
    assert case.outcome is Outcome.ERRORED
    assert case.message == "./store_test.go:9:2: undefined: foo"
    assert (case.file, case.line) == ("store_test.go", 9)


def test_non_json_lines_are_tolerated_and_plain_build_failures_are_read() -> None:
    data = (
        b"some stdout from TestMain\n"
        + json_lines(ev("run", "TestA"), ev("pass", "TestA"), ev("pass"))
        + b"# example.com/app/other\n./x.go:3:1: syntax error\n"
        + b"FAIL\texample.com/app/other [build failed]\n"
    )
    report = go_json.parse(data, path=None)
    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.ERRORED]
    assert report.cases[1].test_id == "example.com/app/other/[build failed]"
    assert report.cases[1].message == "./x.go:3:1: syntax error"


def test_sniff() -> None:
    assert go_json.sniff(json_lines(ev("start"), ev("run", "TestA")))
    assert not go_json.sniff(b'{"type": "testStart"}\n')


def test_sniff_recognises_a_stream_that_is_only_a_build_failure() -> None:
    assert go_json.sniff(b"# pkg/a\n./a.go:3:1: syntax error\nFAIL\tpkg/a [build failed]\n")
    assert not go_json.sniff(b"FAIL: the build failed\n")
