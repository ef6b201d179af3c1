from __future__ import annotations

import pytest

from bot.core.reports.formats import tap
from bot.core.reports.model import Outcome, Report, ReportError


def parse(text: str) -> Report:
    return tap.parse(text.encode(), path="t.tap")


def test_points_directives_and_yaml_diagnostics() -> None:
    report = parse(
        "TAP version 13\n"
        "1..6\n"
        "ok 1 - adds\n"
        "not ok 2 - subtracts\n"
        "  ---\n"
        "  message: 'expected 1, got 2'\n"
        "  severity: fail\n"
        "  at:\n"
        "    file: test/math.js\n"
        "    line: 14\n"
        "  duration_ms: 12.5\n"
        "  ...\n"
        "ok 3 - divides # SKIP no floats\n"
        "not ok 4 - rounds # TODO later\n"
        "ok 5 - pragmas are ignored # todo done early\n"
        "pragma +strict\n"
        "ok 6 escaped \\# hash\n"
    )
    outcomes = [c.outcome for c in report.cases]
    assert outcomes == [Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED, Outcome.SKIPPED,
                        Outcome.PASSED, Outcome.PASSED]  # fmt: skip
    failed = report.cases[1]
    assert failed.test_id == "subtracts"
    assert failed.message == "expected 1, got 2"
    assert (failed.file, failed.line) == ("test/math.js", 14)
    assert failed.duration_s == 0.0125
    assert report.cases[2].message == "no floats"
    assert report.cases[5].name == "escaped # hash"
    assert report.warnings == []


def test_bail_out_ends_the_stream_and_is_an_error() -> None:
    report = parse("1..4\nok 1\nBail out! database gone\nok 2\nok 3\n")
    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.ERRORED]
    assert report.cases[-1].message == "database gone"


def test_fewer_tests_than_planned_is_an_error_and_no_plan_a_warning() -> None:
    short = parse("1..3\nok 1\nok 2\n")
    assert short.cases[-1].test_id == "[missing tests]"
    assert short.counts.errored == 1
    unplanned = parse("ok 1 - a\nok 2 - b\n")
    assert unplanned.counts.passed == 2
    assert any("no TAP plan" in w for w in unplanned.warnings)


def test_subtests_are_summarised_by_their_parent() -> None:
    report = parse(
        "TAP version 14\n"
        "# Subtest: group\n"
        "    ok 1 - inner a\n"
        "    not ok 2 - inner b\n"
        "    1..2\n"
        "not ok 1 - group\n"
        "ok 2 - buffered {\n"
        "    ok 1 - child\n"
        "    1..1\n"
        "}\n"
        "1..2\n"
    )
    assert [c.outcome for c in report.cases] == [Outcome.FAILED, Outcome.PASSED]
    assert report.cases[0].message == "not ok 2 - inner b"
    assert report.cases[1].name == "buffered"


def test_unterminated_yaml_ends_at_the_next_test_point() -> None:
    report = parse("1..2\nnot ok 1 - a\n  ---\n  message: broken\nok 2 - b\n")
    assert [c.outcome for c in report.cases] == [Outcome.FAILED, Outcome.PASSED]
    assert report.cases[0].message == "broken"


def test_duplicate_descriptions_get_distinct_ids() -> None:
    report = parse("1..2\nok 1 - same\nok 2 - same\n")
    assert [c.test_id for c in report.cases] == ["same", "same [2]"]


def test_skip_all_plan() -> None:
    report = parse("1..0 # SKIP no database\n")
    assert report.cases == []
    assert report.warnings == ["all tests skipped: no database"]


def test_text_that_is_not_tap_is_rejected() -> None:
    with pytest.raises(ReportError, match="not a test report"):
        parse("hello\nworld\n")


def test_sniff() -> None:
    assert tap.sniff(b"TAP version 14\n1..1\nok 1\n")
    assert tap.sniff(b"# comment\n1..2\n")
    assert tap.sniff(b"not ok 1 - x\n")
    assert not tap.sniff(b"okay then\n")
    assert not tap.sniff(b'{"ok": true}')


def test_sniff_finds_tap_after_leading_junk_but_not_in_prose() -> None:
    assert tap.sniff(b"compiling...\n# tests\n1..2\nok 1\nok 2\n")
    assert not tap.sniff(b"Release notes\n\nWe fixed 1..3 bugs and all is ok now\n")
