"""Hostile reports never block a run (issue 18): out-of-range numbers are dropped with a
warning in the session log, and a 50 MB failure message keeps its file's other cases."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapters.store.models import Run, TestResult
from bot.core.reports.model import MAX_TRACE_CHARS
from tests.pipeline.conftest import Harness
from tests.reports.test_hostile_numbers import REPORTS, nul_report
from tests.reports.test_huge_text import huge_message_report


def test_hostile_numbers_process_with_a_warning_in_the_session_log(harness: Harness) -> None:
    files = {f"hostile-{fmt}.report": make() for fmt, make in sorted(REPORTS.items())}
    files["nul.json"] = nul_report()
    uploaded = harness.upload(files, commit_sha="b" * 40, branch="main")
    harness.work_until_settled()

    with harness.session_factory() as session:
        run = session.get_one(Run, uploaded["run_id"])
        assert (run.status, run.error) == ("processed", None)
        results = session.scalars(select(TestResult).where(TestResult.run_id == run.id)).all()
        assert len(results) >= 2 * len(REPORTS)  # every case of every file kept
        assert all(r.line is None or r.line < 2**31 for r in results)
        assert all(r.duration_s is None or r.duration_s < 1e9 for r in results)
    (tracking,) = [i for i in harness.issues() if "e2e" in i["title"]]
    body = tracking["body"]
    assert "Report warning: hostile-junit.report: 2 durations ignored" in body
    assert "Report warning: hostile-junit.report: 2 line numbers ignored" in body
    assert "Report warning: hostile-ctrf.report: 1 duration ignored" in body
    assert "Report warning: nul.json: 4 texts with NUL characters kept" in body


def test_a_50_mb_message_keeps_the_other_cases_of_its_file(harness: Harness) -> None:
    uploaded = harness.upload({"huge.xml": huge_message_report("text")}, branch="main")
    harness.work_until_settled()
    with harness.session_factory() as session:
        run = session.get_one(Run, uploaded["run_id"])
        assert (run.status, run.error) == ("processed", None)
        stored = session.execute(
            select(TestResult.name, TestResult.outcome, TestResult.trace)
            .where(TestResult.run_id == run.id)
            .order_by(TestResult.id)
        ).all()
    assert [(name, outcome) for name, outcome, _ in stored] == [
        ("first", "passed"),
        ("huge", "failed"),
        ("third", "failed"),
        ("last", "passed"),
    ]
    assert len(stored[1].trace or "") <= MAX_TRACE_CHARS
    (tracking,) = [i for i in harness.issues() if "e2e" in i["title"]]
    assert "Report warning: huge.xml: 1 text over 1,048,576 bytes cut" in tracking["body"]
