"""Conformance against the shared corpus: every JSON, JSON-lines and TAP report of the
formats in ``bot/core/reports/formats/``: ctrf, pytest_json, go_json, mocha_json, dart_json,
tap, rspec_json, playwright_json.

The expected counts were checked by hand against each file (statuses, retries, result
events and test points counted in the file itself, see docs/reports-json.md for the
rules), not generated from the parser's output. Columns: total (executions, a retried
case once per attempt), passed, failed, errored, skipped, flaky.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

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
from bot.core.reports.model import ReportError

pytestmark = pytest.mark.corpus

MODULES: dict[str, ModuleType] = {
    m.NAME: m
    for m in (ctrf, pytest_json, go_json, mocha_json, dart_json, tap, rspec_json, playwright_json)
}

R = "reports/"
CTRF = R + "ctrf-io+ctrf/examples/"
DORNY = R + "dorny+test-reporter/__tests__/fixtures/"
GJR = R + "jstemmer+go-junit-report/testdata/"
GTS = R + "gotestyourself+gotestsum/"
TAPJS = R + "tapjs+tap-parser/test/fixtures/"
TSUM = R + "test-summary+action/test/resources/tap/"

# (path under the corpus, format, total, passed, failed, errored, skipped, flaky)
EXPECTED: list[tuple[str, str, int, int, int, int, int, int]] = [
    # CTRF: status passed/failed/skipped+pending/other; total = Σ(1 + retries)
    (CTRF + "minimal.json", "ctrf", 1, 1, 0, 0, 0, 0),
    (CTRF + "comprehensive.json", "ctrf", 4, 1, 1, 0, 0, 1),  # checkout: flaky, 1 retry
    (CTRF + "with-diagnostics.json", "ctrf", 1, 0, 1, 0, 0, 0),
    (CTRF + "with-insights.json", "ctrf", 2, 2, 0, 0, 0, 0),
    (CTRF + "with-retries.json", "ctrf", 4, 1, 0, 0, 0, 1),  # 3 attempts, last passed
    # 10 tests: 2 passed, 3 flaky (retries 2+1+3), 2 failed, skipped+pending, 1 other
    (R + "ctrf-io+github-test-reporter/ctrf-reports/ctrf-report.json", "ctrf", 16, 2, 2, 1, 2, 3),
    (R + "ctrf-io+github-test-reporter/test.json", "ctrf", 65, 65, 0, 0, 0, 0),
    (R + "generated-here/jest/jest-ctrf.json", "ctrf", 6, 3, 2, 0, 1, 0),
    # pytest-json-ctrf reports the fixture error as failed; the rerun test passed on try 2
    (R + "generated-here/pytest/pytest-ctrf.json", "ctrf", 15, 6, 5, 0, 2, 1),
    # pytest-json-report: passed+xpassed, failed, error, skipped+xfailed, rerun
    (R + "generated-here/pytest/pytest-json-report.json", "pytest-json", 15, 6, 4, 1, 2, 1),
    (R + "numirias+pytest-json-report/sample_report.json", "pytest-json", 10, 3, 3, 2, 2, 0),
    (R + "JeremieGince+PythonBasicTools/.report.json", "pytest-json", 12, 12, 0, 0, 0, 0),
    # mocha: tests[], minus failures[] and pending[]
    (DORNY + "mocha-json.json", "mocha-json", 6, 1, 4, 0, 1, 0),
    (DORNY + "empty/mocha-json.json", "mocha-json", 0, 0, 0, 0, 0, 0),
    (R + "generated-here/mocha/mocha.json", "mocha-json", 4, 1, 2, 0, 1, 0),
    (DORNY + "external/mocha/mocha-test-results.json", "mocha-json", 839, 833, 0, 0, 6, 0),
    # dart: visible testDone results success / failure / error / skipped
    (DORNY + "dart-json.json", "dart-json", 6, 1, 1, 3, 1, 0),
    (DORNY + "empty/dart-json.json", "dart-json", 0, 0, 0, 0, 0, 0),
    (R + "launchableinc+cli/tests/data/flutter/report.json", "dart-json", 3, 1, 0, 1, 1, 0),
    (DORNY + "external/flutter/provider-test-results.json", "dart-json", 269, 268, 0, 1, 0, 0),
    # rspec: examples passed / failed / pending
    (DORNY + "rspec-json.json", "rspec-json", 3, 1, 1, 0, 1, 0),
    (DORNY + "empty/rspec-json.json", "rspec-json", 0, 0, 0, 0, 0, 0),
    # playwright: stats say expected 78, unexpected 3, flaky 6, skipped 6; 120 results
    (R + "launchableinc+cli/tests/data/playwright/report.json", "playwright-json",
     120, 78, 3, 0, 6, 6),
    # go: one case per (package, test) with its last result; + a case per package that
    # failed without a failed test (panic, TestMain, race at exit, build/setup failure)
    (GJR + "100-pass.gojson.txt", "go-json", 1, 1, 0, 0, 0, 0),
    (GJR + "101-fail.gojson.txt", "go-json", 2, 1, 1, 0, 0, 0),
    (GJR + "102-broken.gojson.txt", "go-json", 1, 0, 0, 1, 0, 0),  # plain-text build failure
    (GJR + "103-subtests.gojson.txt", "go-json", 4, 2, 2, 0, 0, 0),
    (GJR + "104-race.gojson.txt", "go-json", 1, 0, 1, 0, 0, 0),
    (GJR + "105-panic.gojson.txt", "go-json", 1, 0, 0, 1, 0, 0),  # panic in init
    (GJR + "106-testmain.gojson.txt", "go-json", 3, 2, 0, 1, 0, 0),
    (GJR + "107-skip.gojson.txt", "go-json", 2, 0, 0, 0, 2, 0),
    (GJR + "108-paniclate.gojson.txt", "go-json", 2, 1, 0, 1, 0, 0),
    (GJR + "109-bench.gojson.txt", "go-json", 2, 2, 0, 0, 0, 0),  # passing benchmarks: output only
    (GJR + "110-benchfail.gojson.txt", "go-json", 3, 0, 2, 0, 1, 0),
    (GJR + "111-empty.gojson.txt", "go-json", 0, 0, 0, 0, 0, 0),
    (GJR + "112-parallel.gojson.txt", "go-json", 3, 0, 3, 0, 0, 0),
    (GJR + "113-race.gojson.txt", "go-json", 2, 2, 0, 0, 0, 0),
    (GTS + "testjson/testdata/input/go-test-json.out", "go-json", 60, 42, 12, 1, 5, 0),
    (GTS + "testjson/testdata/input/go-test-json-with-shuffle.out", "go-json", 60, 42, 12, 1, 5, 0),
    (GTS + "testjson/testdata/input/go-test-json-with-cover-go1.20.out", "go-json",
     60, 42, 12, 1, 5, 0),
    (GTS + "testjson/testdata/input/go-test-json-with-cover.out", "go-json", 47, 38, 4, 1, 4, 0),
    (GTS + "testjson/testdata/input/go-test-json-with-parallel-fails.out", "go-json",
     12, 4, 8, 0, 0, 0),
    (GTS + "testjson/testdata/input/go-test-json-misattributed.out", "go-json", 5, 4, 1, 0, 0, 0),
    # the panicking test has no result event; its package failed
    (GTS + "testjson/testdata/input/go-test-json-missing-test-fail.out", "go-json",
     1, 0, 1, 0, 0, 0),
    (GTS + "testjson/testdata/input/go-test-json-missing-skip-msg.out", "go-json",
     42, 40, 0, 0, 2, 0),
    (GTS + "testjson/testdata/input/go-test-json-with-attributes.out", "go-json", 1, 1, 0, 0, 0, 0),
    # 7 tests lack a result event in a package that passed: passed
    (GTS + "testjson/testdata/go-test-json-missing-test-events.out", "go-json",
     12, 11, 1, 0, 0, 0),
    (GTS + "testjson/testdata/go-test-json-with-nonjson-stdout.out", "go-json", 1, 1, 0, 0, 0, 0),
    (GTS + "cmd/testdata/input/go-test-json-panic-race-1.out", "go-json", 2, 1, 0, 1, 0, 0),
    (GTS + "cmd/testdata/input/go-test-json-panic-race-2.out", "go-json", 1, 0, 1, 0, 0, 0),
    (GTS + "cmd/testdata/input/go-test-build-failed.out", "go-json", 1, 0, 0, 1, 0, 0),
    (GTS + "cmd/testdata/input/go-test-setup-failed.out", "go-json", 2, 0, 0, 2, 0, 0),
    (DORNY + "golang-json.json", "go-json", 12, 5, 6, 0, 1, 0),
    # TAP: top-level test points; + an errored case for a bail-out or missing planned tests
    (TAPJS + "basic.tap", "tap", 6, 3, 2, 1, 0, 0),  # 1..6 with 5 points
    (TAPJS + "bailout.tap", "tap", 4, 3, 0, 1, 0, 0),
    (TAPJS + "bail-escaped.tap", "tap", 2, 1, 0, 1, 0, 0),
    (TAPJS + "giving-up.tap", "tap", 2, 0, 1, 1, 0, 0),
    (TAPJS + "missing.tap", "tap", 6, 5, 0, 1, 0, 0),
    (TAPJS + "not-enough.tap", "tap", 5, 4, 0, 1, 0, 0),
    (TAPJS + "too-many.tap", "tap", 4, 4, 0, 0, 0, 0),
    (TAPJS + "no-plan.tap", "tap", 4, 4, 0, 0, 0, 0),
    (TAPJS + "out-of-order.tap", "tap", 4, 4, 0, 0, 0, 0),
    (TAPJS + "duplicates.tap", "tap", 11, 11, 0, 0, 0, 0),
    (TAPJS + "combined.tap", "tap", 10, 6, 2, 0, 2, 0),  # TODO not ok → skipped, ok → passed
    (TAPJS + "escape_hash.tap", "tap", 3, 3, 0, 0, 0, 0),
    (TAPJS + "bignum.tap", "tap", 4, 4, 0, 0, 0, 0),
    (TAPJS + "skip-all.tap", "tap", 0, 0, 0, 0, 0, 0),
    (TAPJS + "todo.tap", "tap", 2, 2, 0, 0, 0, 0),
    (TAPJS + "version-14.tap", "tap", 5, 5, 0, 0, 0, 0),
    (TAPJS + "yamlish.tap", "tap", 1, 0, 1, 0, 0, 0),
    (TAPJS + "garbage-yamlish.tap", "tap", 4, 1, 3, 0, 0, 0),
    (TAPJS + "broken-yamlish-looks-like-child.tap", "tap", 3, 3, 0, 0, 0, 0),
    (TAPJS + "subtest-buffer.tap", "tap", 2, 2, 0, 0, 0, 0),
    (TAPJS + "subtest-unfinished.tap", "tap", 1, 1, 0, 0, 0, 0),
    (TAPJS + "perl-test2-streamed.tap", "tap", 2, 2, 0, 0, 0, 0),
    (TAPJS + "pragma-invalid.tap", "tap", 1, 1, 0, 0, 0, 0),
    (TAPJS + "plan-invalid.tap", "tap", 1, 1, 0, 0, 0, 0),
    (TAPJS + "junk_before_plan.tap", "tap", 1, 1, 0, 0, 0, 0),
    (TSUM + "01-common.tap", "tap", 6, 6, 0, 0, 0, 0),
    (TSUM + "02-unknown-amount-and-failure.tap", "tap", 7, 5, 2, 0, 0, 0),
    (TSUM + "04-skipped.tap", "tap", 5, 1, 0, 0, 4, 0),
    (TSUM + "05-skip-everything.tap", "tap", 0, 0, 0, 0, 0, 0),
    (TSUM + "06-todo.tap", "tap", 4, 2, 0, 0, 2, 0),
    (TSUM + "07-creative-liberties.tap", "tap", 9, 9, 0, 0, 0, 0),
    (TSUM + "08-everything.tap", "tap", 20, 6, 6, 0, 8, 0),  # plan says 12; 20 points
    (TSUM + "09-node-tap.tap", "tap", 10, 4, 4, 0, 2, 0),
    (TSUM + "10-results-after-trailer.tap", "tap", 10, 4, 4, 0, 2, 0),
]  # fmt: skip

# Files whose format cannot be told from their content (none so far; keep them listed
# here with the reason when one is added).
NOT_DETECTABLE: set[str] = set()

EMPTY_FILES = [TAPJS + "empty.tap", TAPJS + "die.tap"]


def _ids(row: tuple[Any, ...]) -> str:
    return str(row[0]).removeprefix(R)


@pytest.mark.parametrize("row", EXPECTED, ids=_ids)
def test_corpus_counts(
    corpus_dir: Path, row: tuple[str, str, int, int, int, int, int, int]
) -> None:
    relative, name, *counts = row
    path = corpus_dir / relative
    report = MODULES[name].parse(path.read_bytes(), path=relative)
    keys = ("total", "passed", "failed", "errored", "skipped", "flaky")
    assert report.counts.as_dict() == dict(zip(keys, counts, strict=True))
    assert report.format == name
    for case in report.cases:
        assert case.test_id
        if case.is_failure:
            assert case.message, case.test_id


def test_every_json_and_tap_report_of_these_formats_is_in_the_table(corpus_dir: Path) -> None:
    listed = {row[0] for row in EXPECTED} | set(EMPTY_FILES)
    found: set[str] = set()
    for path in (corpus_dir / "reports").rglob("*"):
        if not path.is_file() or path.suffix not in (".json", ".txt", ".out", ".tap"):
            continue
        head = path.read_bytes()[:65_536]
        if any(m.sniff(head) for m in MODULES.values()):
            found.add(str(path.relative_to(corpus_dir)))
    normative = {p for p in found if "/tests/" in p and p.endswith(".test.json")}
    missing = found - listed - normative - {R + "ctrf-io+ctrf/schema/ctrf.schema.json"}
    tap_parser = {p for p in missing if p.startswith(TAPJS)}
    assert missing - tap_parser == set()


@pytest.mark.parametrize("relative", EMPTY_FILES, ids=_ids)
def test_empty_tap_files_are_refused(corpus_dir: Path, relative: str) -> None:
    with pytest.raises(ReportError, match="empty"):
        tap.parse((corpus_dir / relative).read_bytes(), path=relative)


def _ctrf_cases(corpus_dir: Path) -> list[tuple[str, str, bool, bytes]]:
    cases = []
    folder = corpus_dir / R / "ctrf-io+ctrf/tests"
    for suite in sorted(folder.rglob("*.test.json")):
        for case in json.loads(suite.read_text())["tests"]:
            if "data" in case:
                data = json.dumps(case["data"]).encode()
            else:
                data = (suite.parent / case["dataPath"]).read_bytes()
            cases.append((suite.name, case["description"], case["valid"], data))
    return cases


# Invalid per the CTRF schema, accepted on purpose (see ctrf.py): unknown properties
# (real producers add their own, e.g. github-test-reporter's `ai`), the legacy
# (pre-1.0) shape without reportFormat/specVersion and with a string suite, and the
# analytics objects (environment, insights, baseline) that decide no result.
LENIENT_WORDS = (
    "unknown property",
    "Unknown property",
    "missing required reportFormat",
    "missing required specVersion",
    "Missing reportFormat",
    "Missing specVersion",
    "suite as string",
    "Environment",
    "environment",
    "nsights",
    "Baseline",
    "baseline",
    "MetricDelta",
)


def test_ctrf_normative_cases(corpus_dir: Path) -> None:
    cases = _ctrf_cases(corpus_dir)
    assert len(cases) > 150
    wrong: list[str] = []
    lenient = 0
    for suite, description, valid, data in cases:
        try:
            ctrf.parse(data, path=suite)
            accepted = True
        except ReportError:
            accepted = False
        if valid and not accepted:
            wrong.append(f"valid but refused: {suite}: {description}")
        elif not valid and accepted:
            if any(word in description for word in LENIENT_WORDS):
                lenient += 1
            else:
                wrong.append(f"invalid but accepted: {suite}: {description}")
    assert wrong == []
    assert lenient < len([c for c in cases if not c[2]]) / 3


def test_detection_picks_each_format(corpus_dir: Path) -> None:
    from bot.core.reports import registry

    assert set(MODULES) <= set(registry.FORMATS), "every JSON/TAP format is registered"
    wrong = []
    for relative, name, *_ in EXPECTED:
        if relative in NOT_DETECTABLE:
            continue
        detected = registry.detect_format((corpus_dir / relative).read_bytes(), relative)
        if detected != name:
            wrong.append(f"{relative}: {detected}, expected {name}")
    assert wrong == []


def test_no_xml_or_other_report_is_mistaken_for_these_formats(corpus_dir: Path) -> None:
    mistaken = []
    for path in (corpus_dir / "reports").rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".trx", ".golden", ".html"):
            head = path.read_bytes()[:65_536]
            mistaken += [f"{path.name}: {m.NAME}" for m in MODULES.values() if m.sniff(head)]
    assert mistaken == []
