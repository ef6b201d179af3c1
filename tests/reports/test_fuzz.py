"""Property: whatever the bytes, parse_report returns a Report or raises ReportError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.reports import FORMATS, Report, ReportError, parse_report

VALID_JUNIT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites time="1.5">'
    b'<testsuite name="s" tests="3" time="1,234.5"><properties><property name="k" value="v"/>'
    b'</properties><testcase classname="tests.test_a.TestX" name="t[1]" time="N/A">'
    b'<failure message="boom" type="E">Traceback\n  File "tests/test_a.py", line 3</failure>'
    b"<system-out>out</system-out></testcase>"
    b'<testcase name="r"><flakyFailure type="x"><stackTrace>st</stackTrace></flakyFailure>'
    b'<rerunError message="m"/></testcase><testcase/><testcase name="s"><skipped/></testcase>'
    b"<testsuite name='inner' tests='2'/></testsuite></testsuites>"
)

SEEDS = [
    VALID_JUNIT,
    b'<test-run><test-suite type="Assembly"><test-case name="a" result="Failed"/></test-suite>'
    b"</test-run>",
    b'<assemblies><assembly name="a"><collection><test name="t" result="Pass"/></collection>'
    b"</assembly></assemblies>",
    b'<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>'
    b'<UnitTestResult testName="t" outcome="Failed"/></Results></TestRun>',
]


def _check(data: bytes, fmt: str | None = None) -> None:
    try:
        result = parse_report(data, path="fuzz.xml", format=fmt)
    except ReportError:
        return
    assert isinstance(result, Report)
    counts = result.counts
    assert counts.total >= counts.passed + counts.failed + counts.errored + counts.skipped


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(SEEDS),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.binary(max_size=8)),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=0, max_value=10_000),
)
def test_mutated_valid_xml(seed: bytes, edits: list[tuple[int, bytes]], cut: int) -> None:
    data = bytearray(seed)
    for position, replacement in edits:
        at = position % (len(data) + 1)
        data[at : at + len(replacement)] = replacement
    _check(bytes(data))
    _check(bytes(data[: cut % (len(data) + 1)]))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SEEDS), st.sampled_from(FORMATS), st.integers(0, 400))
def test_any_forced_format_on_any_seed(seed: bytes, fmt: str, cut: int) -> None:
    _check(seed[: len(seed) - cut % (len(seed) + 1)], fmt)
