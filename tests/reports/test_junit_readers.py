"""The JUnit parser reads its input in chunks and reads cases from the tree between them,
with a compiled or a pure-Python case reader: wherever the chunks end and whichever reader
runs, the model must be the same, and the tree must not keep cases it has read."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.reports import ReportError, detect_format, parse_report
from bot.core.reports.common import parse_seconds
from bot.core.reports.formats import junit, junit_cases
from bot.core.reports.model import Outcome, Report
from bot.core.reports.sanitize import clean_duration
from tests.reports.test_junit_fast_path import NESTED_SUITES, PLAIN_CASES, REPEATS, SUREFIRE_CASES

WRAPPED = (
    '<testsuite name="outer"><block><group>'
    '<testcase classname="tests.test_w" name="test_a" time="1"/></group>'
    '<testsuite name="inner"><testcase classname="tests.test_w" name="test_b" time="2"/>'
    "</testsuite></block>"
    '<testcase classname="tests.test_w" name="test_c" time="0.5"><skipped/></testcase>'
    '<x:testcase xmlns:x="urn:x" classname="tests.test_w" name="test_ns" time="1"/>'
    '<testcase classname="tests.test_w" name="a &amp; b" time="3"/>'
    '<testcase classname="tests.test_w" name="test_d" time="4" x:y="1" xmlns:x="urn:x"/>'
    "</testsuite>"
    '<testcase classname="Loose" name="outside" time="1"/>'
)
BODIES = {
    "pytest": PLAIN_CASES,
    "nested": NESTED_SUITES,
    "surefire": SUREFIRE_CASES,
    "repeats": REPEATS,
    "wrapped": WRAPPED,
}


def _document(body: str) -> bytes:
    return f'<?xml version="1.0"?>\n<testsuites name="pytest tests">{body}</testsuites>'.encode()


def _parse_with(
    data: bytes,
    monkeypatch: pytest.MonkeyPatch,
    reader: junit_cases.ReadCases,
    chunk: int,
) -> Report:
    with monkeypatch.context() as patch:
        patch.setattr(junit, "read_cases", reader)
        patch.setattr(junit, "CHUNK_BYTES", chunk)
        return parse_report(data, path="r.xml")


def _readers() -> Iterator[junit_cases.ReadCases]:
    yield junit_cases.read_cases_python
    compiled = junit_cases.compiled_reader()
    if compiled is not None:
        yield compiled


def _same(left: Report, right: Report) -> None:
    assert left.cases == right.cases
    assert left.suites == right.suites
    assert left.warnings == right.warnings
    assert left.duration_s == right.duration_s
    assert left.counts == right.counts


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 333])
@pytest.mark.parametrize("name", sorted(BODIES))
def test_any_chunk_size_and_either_reader_give_the_same_model(
    name: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _document(BODIES[name])
    expected = _parse_with(data, monkeypatch, junit_cases.read_cases_python, len(data))
    for reader in _readers():
        _same(_parse_with(data, monkeypatch, reader, chunk), expected)


def test_wrapped_namespaced_and_escaped_cases(
    junit_reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(junit, "CHUNK_BYTES", 5)
    report = parse_report(_document(WRAPPED), path="r.xml")
    assert [(c.name, c.suite, c.outcome, c.duration_s) for c in report.cases] == [
        ("test_a", "outer", Outcome.PASSED, 1.0),
        ("test_b", "inner", Outcome.PASSED, 2.0),
        ("test_c", "outer", Outcome.SKIPPED, 0.5),
        # x:testcase is not a JUnit case; the escaped name and the namespaced attribute are
        ("a & b", "outer", Outcome.PASSED, 3.0),
        ("test_d", "outer", Outcome.PASSED, 4.0),
        ("outside", None, Outcome.PASSED, 1.0),
    ]


def test_the_compiled_reader_is_built_in_ci() -> None:
    """``pip install -e .`` builds it (setup.py); CI must not silently fall back."""
    import os

    if os.environ.get("CI") != "true" and junit_cases.compiled_reader() is None:
        pytest.skip(reason=f"not built here: {junit_cases.WHY_PYTHON}")
    assert junit_cases.compiled_reader() is not None, junit_cases.WHY_PYTHON
    assert junit_cases.IMPLEMENTATION == "compiled"


def test_compiled_plain_cases_are_left_to_reference_counting(junit_reader: str) -> None:
    """The compiled reader's plain cases hold only strings, numbers and empty containers:
    it does not hand them to the cyclic collector (a pass over 100k cases saved)."""
    report = parse_report(_document(PLAIN_CASES), path="r.xml")
    tracked = {case.name: gc.is_tracked(case) for case in report.cases}
    assert tracked["test_ok[a]"] is (junit_reader == "python")
    assert tracked["test_retried"] is True  # built by the general path


def _generated(cases: int) -> bytes:
    parts = ['<testsuites><testsuite name="big">']
    for index in range(cases):
        parts.append(
            f'<testcase classname="tests.test_big.TestBig" name="test_{index}" time="0.{index}">'
            f"<system-out>{'output ' * 20}</system-out></testcase>\n"
        )
    parts.append("</testsuite></testsuites>")
    return "".join(parts).encode()


def test_the_tree_never_holds_more_than_a_chunk_of_cases(
    junit_reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _generated(3000)  # ~570 KB
    chunk = 16 * 1024
    monkeypatch.setattr(junit, "CHUNK_BYTES", chunk)
    held: list[int] = []
    read_finished = junit._Builder.read_finished

    def counting(builder: junit._Builder) -> None:
        read_finished(builder)
        assert builder.root is not None
        held.append(sum(1 for _ in builder.root.iter("testcase")))

    monkeypatch.setattr(junit._Builder, "read_finished", counting)
    report = parse_report(data, path="big.xml")
    assert len(report.cases) == 3000
    assert len(held) == len(data) // chunk + 1
    assert max(held) <= 1  # only the case the next chunk goes on with


@pytest.mark.parametrize("cut", [-40, -12, -1])
def test_a_truncated_document_fails_the_same_whatever_the_chunks(
    junit_reader: str, monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    data = _document(PLAIN_CASES)[:cut]
    messages = []
    for chunk in (len(data), 3):
        monkeypatch.setattr(junit, "CHUNK_BYTES", chunk)
        with pytest.raises(ReportError) as info:
            parse_report(data, path="cut.xml")
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("cut.xml:2:")


# -- property: random documents ----------------------------------------------------------

_NAMES = st.sampled_from(["test_a", "test_b", "t[1-2]", "same", "x y", "", "api"])
_CLASSES = st.sampled_from(
    ["tests.test_m.TestK", "tests.test_m", "com.example.FooTest", "same", "src/a.test.ts", ""]
)
_TIMES = st.one_of(
    st.from_regex(r"\A[0-9]{1,17}(\.[0-9]{0,17})?\Z"),
    st.sampled_from(["", "1e3", "-1", "nan", "inf", "0,25", " 1.5", "1_0", "1.5s", ".5", "5."]),
    st.floats(min_value=0, max_value=1e6).map(repr),
)
_RESULTS = st.sampled_from(
    [
        "",
        "<system-out>out</system-out>",
        '<failure message="boom" type="E">Traceback\nE: boom</failure>',
        "<skipped/>",
        '<error message="x"/>',
        '<properties><property name="k" value="v"/></properties>',
        '<flakyFailure message="f"/>',
        '<rerunFailure message="r"/><system-err>e</system-err>',
        "<other><failure/></other>",
    ]
)


@st.composite
def _case(draw: st.DrawFn) -> str:
    attributes = [f'name="{draw(_NAMES)}"', f'classname="{draw(_CLASSES)}"']
    attributes.append(f'time="{draw(_TIMES)}"')
    extra = draw(st.sampled_from(["", 'file="tests/test_m.py"', 'line="3"', 'status="skipped"']))
    if extra:
        attributes.append(extra)
    order = draw(st.permutations(attributes))
    return f"<testcase {' '.join(order)}>{draw(_RESULTS)}</testcase>"


def _nodes(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    suite = children.map(lambda kids: '<testsuite name="s">' + "".join(kids) + "</testsuite>")
    wrapper = children.map(lambda kids: "<wrap>" + "".join(kids) + "</wrap>")
    output = st.just("<system-out>suite output</system-out>")
    return st.one_of(suite, wrapper, output)


_TREE = st.recursive(_case(), lambda inner: _nodes(st.lists(inner, max_size=6)), max_leaves=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(_TREE, min_size=1, max_size=5), chunk=st.integers(1, 200))
def test_random_documents_read_the_same_every_way(body: list[str], chunk: int) -> None:
    data = _document("".join(body))
    results = []
    with pytest.MonkeyPatch.context() as patch:
        for reader in _readers():
            for size in (len(data), chunk):
                patch.setattr(junit, "read_cases", reader)
                patch.setattr(junit, "CHUNK_BYTES", size)
                results.append(parse_report(data, path="r.xml"))
    for other in results[1:]:
        _same(other, results[0])


@settings(max_examples=300, deadline=None)
@given(time=_TIMES)
def test_a_plain_case_duration_is_what_float_reads(time: str) -> None:
    data = _document(
        f'<testsuite name="s"><testcase classname="C" name="t" time="{time}"/></testsuite>'
    )
    expected = clean_duration(parse_seconds(time))  # over a year: dropped (issue 18)
    for reader in _readers():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(junit, "read_cases", reader)
            (case,) = parse_report(data, path="r.xml").cases
        assert case.duration_s == expected, (reader, time)
        if expected is not None and time.replace(".", "").isdigit():
            assert case.duration_s == float(time)


@pytest.mark.corpus
def test_every_corpus_junit_file_reads_the_same_with_both_readers(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if junit_cases.compiled_reader() is None:
        pytest.skip(reason=f"the compiled reader is not built: {junit_cases.WHY_PYTHON}")
    compared = 0
    for path in sorted((corpus_dir / "reports").rglob("*.xml")):
        data = path.read_bytes()
        try:
            if detect_format(data) != "junit":
                continue
            expected = _parse_with(data, monkeypatch, junit_cases.read_cases_python, 1 << 30)
        except ReportError:
            continue
        for reader in _readers():
            _same(_parse_with(data, monkeypatch, reader, 1000), expected)
        compared += 1
    assert compared > 100
