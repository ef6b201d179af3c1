"""NUnit 2/3, xUnit.net v2 and TRX: outcomes, ids, locations, detection."""

from __future__ import annotations

from bot.core.reports import Outcome, detect_format, parse_report
from bot.core.reports.formats.trx import parse_timespan

NUNIT2 = b"""<?xml version="1.0" encoding="utf-8"?>
<test-results name="Tests.dll" total="4" errors="1" failures="1" not-run="1" time="0.5">
  <test-suite type="Assembly" name="Tests.dll" executed="True" result="Failure">
    <results>
      <test-suite type="TestFixture" name="CalcTests" executed="True" result="Failure">
        <results>
          <test-case name="Ns.CalcTests.Adds" executed="True" result="Success" time="0.010"/>
          <test-case name="Ns.CalcTests.Divides(1,&quot;a.b&quot;)" executed="True"
                     result="Failure" time="0.020">
            <failure><message><![CDATA[Expected: 3 But was: 2]]></message>
              <stack-trace><![CDATA[at Ns.CalcTests.Divides() in /src/CalcTests.cs:line 42
]]></stack-trace></failure>
          </test-case>
          <test-case name="Ns.CalcTests.Throws" executed="True" result="Error">
            <failure><message>boom</message></failure>
          </test-case>
          <test-case name="Ns.CalcTests.Later" executed="False" result="Ignored">
            <reason><message>not yet</message></reason>
          </test-case>
        </results>
      </test-suite>
    </results>
  </test-suite>
</test-results>"""

NUNIT3 = b"""<test-run id="2" total="3" passed="1" failed="1" skipped="1" duration="0.2">
  <test-suite type="TestFixture" name="T" fullname="Ns.T" total="3">
    <test-case name="A" fullname="Ns.T.A" classname="Ns.T" result="Passed" duration="0.1"/>
    <test-case name="B" fullname="Ns.T.B" classname="Ns.T" result="Failed" label="Error">
      <failure><message>crash</message></failure><output>printed</output>
    </test-case>
    <test-case name="C" fullname="Ns.T.C" classname="Ns.T" result="Skipped" label="Ignored">
      <reason><message>skip</message></reason></test-case>
  </test-suite>
  <test-suite type="TestFixture" name="Empty" fullname="Ns.Empty" total="5"/>
</test-run>"""

XUNIT = b"""<?xml version="1.0" encoding="utf-8"?>
<assemblies>
  <assembly name="/src/Tests.dll" total="4" passed="1" failed="1" skipped="1" time="0.3">
    <errors>
      <error type="fixture-cleanup" name="Ns.DbFixture">
        <failure exception-type="System.Exception"><message>cleanup failed</message></failure>
      </error>
    </errors>
    <collection name="Test collection for Ns.Calc" total="3">
      <test name="Ns.Calc.Adds(x: 1)" type="Ns.Calc" method="Adds" time="0.01" result="Pass">
        <traits><trait name="Category" value="fast"/></traits>
      </test>
      <test name="Ns.Calc.Fails" type="Ns.Calc" method="Fails" time="0.02" result="Fail">
        <failure exception-type="Xunit.Sdk.EqualException">
          <message>Assert.Equal() Failure</message>
          <stack-trace>   at Ns.Calc.Fails() in /home/runner/work/r/r/tests/Calc.cs:line 12
          </stack-trace>
        </failure>
        <output>hello</output>
      </test>
      <test name="Ns.Calc.Later" type="Ns.Calc" method="Later" time="0" result="Skip">
        <reason>not now</reason>
      </test>
    </collection>
  </assembly>
</assemblies>"""

TRX = """\ufeff<?xml version="1.0" encoding="utf-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testId="1" testName="Ns.C.Ok" duration="00:00:01.5000000" outcome="Passed"/>
    <UnitTestResult testId="2" testName="Rows" outcome="Failed" duration="00:00:00.2">
      <InnerResults>
        <UnitTestResult testId="2" testName="Rows (1)" outcome="Passed"/>
        <UnitTestResult testId="2" testName="Rows (2)" outcome="Failed">
          <Output><ErrorInfo><Message>bad row</Message>
          <StackTrace>at Ns.C.Rows() in D:\\a\\r\\r\\src\\C.cs:line 7</StackTrace></ErrorInfo>
          </Output>
        </UnitTestResult>
      </InnerResults>
    </UnitTestResult>
    <UnitTestResult testId="3" testName="Ns.C.Slow" outcome="Timeout"/>
    <UnitTestResult testId="4" testName="Ns.C.NotRun" outcome="NotExecuted"/>
  </Results>
  <TestDefinitions>
    <UnitTest id="1"><TestMethod className="Ns.C, Tests, Version=1.0" name="Ok"/></UnitTest>
    <UnitTest id="2"><TestMethod className="Ns.C" name="Rows"/></UnitTest>
  </TestDefinitions>
  <ResultSummary outcome="Failed"><RunInfos><RunInfo outcome="Error"><Text>crashed host</Text>
  </RunInfo></RunInfos></ResultSummary>
</TestRun>""".encode()


def test_detection() -> None:
    assert detect_format(NUNIT2) == "nunit"
    assert detect_format(NUNIT3) == "nunit"
    assert detect_format(XUNIT) == "xunit"
    assert detect_format(TRX) == "trx"


def test_nunit2() -> None:
    report = parse_report(NUNIT2)
    outcomes = [(c.test_id, c.outcome) for c in report.cases]
    assert outcomes == [
        ("Ns.CalcTests::Adds", Outcome.PASSED),
        ('Ns.CalcTests::Divides(1,"a.b")', Outcome.FAILED),
        ("Ns.CalcTests::Throws", Outcome.ERRORED),
        ("Ns.CalcTests::Later", Outcome.SKIPPED),
    ]
    failed = report.cases[1]
    assert (failed.message, failed.file, failed.line) == (
        "Expected: 3 But was: 2",
        "/src/CalcTests.cs",
        42,
    )
    assert report.cases[3].message == "not yet"


def test_nunit3() -> None:
    report = parse_report(NUNIT3)
    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.ERRORED, Outcome.SKIPPED]
    assert report.cases[1].test_id == "Ns.T::B" and report.cases[1].stdout == "printed"
    assert {s.name: s.declared_tests for s in report.suites} == {"Ns.T": None, "Ns.Empty": 5}
    assert report.duration_s == 0.2


def test_xunit_v2() -> None:
    report = parse_report(XUNIT)
    assert report.format == "xunit"
    assert [(c.test_id, c.outcome) for c in report.cases] == [
        ("/src/Tests.dll::[fixture-cleanup] Ns.DbFixture", Outcome.ERRORED),
        ("Ns.Calc::Adds(x: 1)", Outcome.PASSED),
        ("Ns.Calc::Fails", Outcome.FAILED),
        ("Ns.Calc::Later", Outcome.SKIPPED),
    ]
    by_name = {c.name: c for c in report.cases}
    fails = by_name["Fails"]
    assert (fails.failure_type, fails.message) == (
        "Xunit.Sdk.EqualException",
        "Assert.Equal() Failure",
    )
    assert (fails.file, fails.line, fails.stdout) == ("tests/Calc.cs", 12, "hello")
    assert by_name["Adds(x: 1)"].properties == {"Category": "fast"}
    assert by_name["Later"].message == "not now"
    assert report.counts.as_dict() == {
        "total": 4,
        "passed": 1,
        "failed": 1,
        "errored": 1,
        "skipped": 1,
        "flaky": 0,
    }


def test_trx_with_data_rows_and_late_definitions() -> None:
    report = parse_report(TRX, path="run.trx")
    assert [(c.test_id, c.outcome) for c in report.cases] == [
        ("Ns.C::Ok", Outcome.PASSED),
        ("Ns.C::Rows (1)", Outcome.PASSED),
        ("Ns.C::Rows (2)", Outcome.FAILED),
        ("Ns.C.Slow", Outcome.ERRORED),
        ("Ns.C.NotRun", Outcome.SKIPPED),
    ]
    row = report.cases[2]
    assert (row.message, row.file, row.line) == ("bad row", "src/C.cs", 7)
    assert report.cases[0].duration_s == 1.5
    assert report.warnings == ["crashed host"]


def test_timespans() -> None:
    assert parse_timespan("00:00:01.2500000") == 1.25
    assert parse_timespan("1.02:00:00") == 93600
    assert parse_timespan("soon") is None
