"""Two runs of one campaign through the whole pipeline: the tracking issue's session log
says what changed since the previous run."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapters.queue import enqueue
from bot.adapters.store.db import transaction
from bot.adapters.store.models import SessionLogEntry
from tests.pipeline.conftest import REPO, Harness
from tests.pipeline.conftest import harness as harness

FIRST = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="e2e" tests="3" failures="1">
  <testcase classname="tests.e2e.test_pipeline" name="test_data_pipeline" time="1.5"
            file="tests/e2e/test_pipeline.py">
    <failure message="ConnectionClosedError: received 1011 (internal error)"
             type="websockets.exceptions.ConnectionClosedError">received 1011</failure>
  </testcase>
  <testcase classname="tests.e2e.test_login" name="test_login" time="0.5"
            file="tests/e2e/test_login.py"/>
  <testcase classname="tests.e2e.test_login" name="test_logout" time="0.5"
            file="tests/e2e/test_login.py"/>
</testsuite>
"""

# The pipeline test passes and now takes minutes (real services); logout is skipped;
# checkout is new and fails.
SECOND = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="e2e" tests="4" failures="1" skipped="1">
  <testcase classname="tests.e2e.test_pipeline" name="test_data_pipeline" time="130"
            file="tests/e2e/test_pipeline.py"/>
  <testcase classname="tests.e2e.test_login" name="test_login" time="0.5"
            file="tests/e2e/test_login.py"/>
  <testcase classname="tests.e2e.test_login" name="test_logout" time="0"
            file="tests/e2e/test_login.py"><skipped/></testcase>
  <testcase classname="tests.e2e.test_checkout" name="test_checkout" time="0.5"
            file="tests/e2e/test_checkout.py">
    <failure message="AssertionError: total" type="AssertionError">total</failure>
  </testcase>
</testsuite>
"""


def log_lines(body: str) -> list[str]:
    """The session log's entries, as shown (markdown)."""
    section = body.split("### Session log", 1)[1]
    return [line for line in section.splitlines() if line.startswith("- **")]


def tracking_body(harness: Harness) -> str:
    body: str = next(i["body"] for i in harness.issues() if i["title"].startswith("Loopwatch:"))
    return body


def test_the_second_run_says_what_changed_since_the_first(harness: Harness) -> None:
    first = harness.upload({"report.xml": FIRST}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    [line] = log_lines(tracking_body(harness))
    assert "since" not in line  # a first run has nothing to compare with

    second = harness.upload({"report.xml": SECOND}, commit_sha="b" * 40, branch="main")
    harness.work_until_settled()
    lines = log_lines(tracking_body(harness))
    assert len(lines) == 2
    expected = (
        f"Run {second['run_id']} on bbbbbbb (main): ❌ 2 passed · 1 failed · 1 skipped; "
        "failing phases: tests/e2e/test\\_checkout.py; "
        f"since run {first['run_id']}: 1 new failure (test\\_checkout), "
        "1 fixed (test\\_data\\_pipeline), 1 newly skipped, 1 test added; "
        "tests/e2e/test\\_pipeline.py 1.5s → 2m 10s"  # with no config, a file is a phase
    )
    assert lines[1].endswith(" — " + expected)

    # A retried job for the second run: the same line, once.
    with transaction(harness.session_factory) as session:
        enqueue(session, "process_run", {"run_id": second["run_id"]}, lock_key=f"repo:{REPO}")
    harness.work_until_settled()
    assert log_lines(tracking_body(harness)) == lines
    with harness.session_factory() as session:
        texts = session.scalars(
            select(SessionLogEntry.text).where(SessionLogEntry.run_id == second["run_id"])
        ).all()
    assert len(texts) == 1


def test_a_fork_run_in_between_is_not_what_the_next_run_is_compared_with(
    harness: Harness,
) -> None:
    first = harness.upload({"report.xml": FIRST}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    # Untrusted: it gets its check run and changes nothing else, the comparison included.
    harness.upload(
        {"report.xml": SECOND},
        commit_sha="c" * 40,
        branch="patch-1",
        pull_request=9,
        head_repository="mallory/shop",
    )
    harness.work_until_settled()
    third = harness.upload({"report.xml": FIRST}, commit_sha="d" * 40, branch="main")
    harness.work_until_settled()
    lines = log_lines(tracking_body(harness))
    assert len(lines) == 2
    # The same results as the first run: nothing to say since it.
    assert lines[1].endswith(
        f"Run {third['run_id']} on ddddddd (main): ❌ 2 passed · 1 failed · "
        "0 skipped; failing phases: tests/e2e/test\\_pipeline.py"
    )
    assert first["run_id"] < third["run_id"] - 1


def test_the_duration_thresholds_come_from_the_campaigns_config(harness: Harness) -> None:
    """``comparison`` lowers the bar: a phase going from 1.5 s to 3 s is a shift."""
    harness.admin(
        "PUT",
        f"/repos/{REPO}/files",
        json={
            "path": ".github/loopwatch.yml",
            "content": (
                "campaigns:\n  e2e:\n    comparison: {min_shift_ratio: 0.5, min_shift_s: 1}\n"
            ),
        },
    )
    slow = (
        b'<testsuite name="e2e"><testcase classname="tests.e2e.test_pipeline" '
        b'name="test_data_pipeline" time="1.5" file="tests/e2e/test_pipeline.py"/></testsuite>'
    )
    harness.upload({"report.xml": slow}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    harness.upload(
        {"report.xml": slow.replace(b'time="1.5"', b'time="3.5"')},
        commit_sha="b" * 40,
        branch="main",
    )
    harness.work_until_settled()
    tracking = next(i for i in harness.issues() if i["title"].startswith("Loopwatch:"))
    assert "since run 1: tests/e2e 1.5s → 3.5s" in tracking["body"]  # the folder is its phase
