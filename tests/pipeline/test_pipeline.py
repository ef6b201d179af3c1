"""The worker pipeline against the in-process sandbox: what a user sees on GitHub."""

from __future__ import annotations

from loopwatch_sandbox.demo.fixtures import DEMO_CONFIG, FAILING_RUN_1, junit_report
from sqlalchemy import select

from bot.adapters.queue import enqueue
from bot.adapters.store.db import transaction
from bot.adapters.store.models import GitHubIssue, Job, Run, TestResult
from bot.adapters.store.run_files import run_file_contents
from tests.pipeline.conftest import REPO, Harness

BROKEN = b"<testsuite><testcase name='cut-off'"


def test_reprocessing_the_same_run_makes_no_github_write(harness: Harness) -> None:
    run = harness.upload({"report.xml": junit_report(FAILING_RUN_1)})
    harness.work()
    assert len(harness.issues()) == 2  # the tracking issue and one failure issue (#4)

    def reprocess() -> None:
        with transaction(harness.session_factory) as session:
            enqueue(session, "process_run", {"run_id": run["run_id"]}, lock_key=f"repo:{REPO}")
        harness.work()

    before = len(harness.writes())
    # A retried / redelivered job for the same run: same results, same body, no write.
    reprocess()
    assert len(harness.writes()) == before
    with harness.session_factory() as session:
        results = session.scalars(select(TestResult).where(TestResult.run_id == run["run_id"]))
        assert len(list(results)) == 17  # stored once, not twice


def test_a_burst_of_runs_is_one_edit(harness: Harness) -> None:
    harness.upload({"r.xml": junit_report(FAILING_RUN_1)}, workflow_run_id=1)
    harness.work()
    before = len(harness.writes())
    for number in (2, 3, 4):
        harness.upload({"r.xml": junit_report(FAILING_RUN_1[:1])}, workflow_run_id=number)
    harness.work()
    edits = [w["path"] for w in harness.writes()[before:] if w["method"] == "PATCH"]
    assert sorted(edits) == sorted(set(edits))  # one edit per issue (tracking, failure #4)
    body = harness.issues()[0]["body"]
    assert body.count("Run ") >= 4  # every run is in the session log


def test_unreadable_file_is_recorded_and_the_rest_is_kept(harness: Harness) -> None:
    run = harness.upload({"good.xml": junit_report([]), "broken.xml": BROKEN})
    harness.work()
    status = harness.web.get(
        f"/api/v1/runs/{run['run_id']}", headers={"Authorization": f"Bearer {harness.token}"}
    ).json()
    assert status["status"] == "processed"
    errors = {f["filename"]: f["error"] for f in status["files"]}
    assert errors["good.xml"] is None
    assert "broken.xml:1:" in errors["broken.xml"]
    body = harness.issues()[0]["body"]
    assert "Report not read: broken.xml" in body
    assert "17 passed" in body


def test_only_unreadable_files_mark_the_run_failed(harness: Harness) -> None:
    run = harness.upload({"broken.xml": BROKEN})
    harness.work()
    with harness.session_factory() as session:
        stored = session.get(Run, run["run_id"])
        assert stored is not None and stored.status == "failed"
        assert stored.error is not None and "broken.xml" in stored.error
        # The raw upload is kept so the run can be processed again.
        assert run_file_contents(session, stored.id) == [("broken.xml", BROKEN)]


def test_invalid_config_still_lands_the_run_and_says_why(harness: Harness) -> None:
    harness.admin(
        "PUT",
        f"/repos/{REPO}/files",
        json={"path": ".github/loopwatch.yml", "content": "campaigns:\n  e2e:\n    phase: []\n"},
    )
    harness.upload({"r.xml": junit_report([])})
    harness.work()
    body = harness.issues()[0]["body"]
    assert "phase" in body and "did you mean 'phases'" in body


def test_configured_phases_name_the_table_rows(harness: Harness) -> None:
    config = DEMO_CONFIG.replace("golden-path-staging:", "e2e:")
    harness.admin(
        "PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": config}
    )
    harness.upload({"r.xml": junit_report(FAILING_RUN_1)}, workflow_run_id=1)
    harness.work()
    issue = harness.issues()[0]
    assert issue["title"] == "Golden path e2e staging loop: e2e"
    assert "| ✅ Phase 4: Business value | 4 | 3 | 3 | 0 | 0 |" in issue["body"]
    with harness.session_factory() as session:
        stored = session.scalars(
            select(GitHubIssue).where(GitHubIssue.key.startswith("campaign:"))
        ).one()
        assert (stored.number, stored.key) == (issue["number"], "campaign:e2e")
        phases = set(session.scalars(select(TestResult.phase)))
    assert "Phase 1: Data agent pipeline" in phases


def test_a_github_outage_loses_nothing_and_the_issue_converges(harness: Harness) -> None:
    harness.admin("POST", "/faults", json={"path_regex": "^/repos/", "status": 503, "count": 4})
    run = harness.upload({"r.xml": junit_report(FAILING_RUN_1)})
    harness.work_until_settled()
    issues = harness.issues()
    assert len(issues) == 2  # the tracking issue and one failure issue (#4)
    assert "Phase 1: Data agent pipeline" not in issues[0]["body"]  # no config: folder phases
    assert "3 failed" in issues[0]["body"]
    with harness.session_factory() as session:
        stored = session.get(Run, run["run_id"])
        assert stored is not None and stored.status == "processed"
        retried = session.scalars(select(Job).where(Job.attempts > 1)).all()
        assert retried, "the outage made at least one job retry"
        assert all(job.status == "done" for job in session.scalars(select(Job)))


def test_people_notes_outside_the_bot_section_survive_updates(harness: Harness) -> None:
    harness.upload({"r.xml": junit_report(FAILING_RUN_1)}, workflow_run_id=1)
    harness.work()
    issue = harness.issues()[0]
    note = "Notes from ana: staging redeployed at 20:10."
    harness.admin(
        "POST",
        f"/repos/{REPO}/issues/{issue['number']}/edit",
        json={"user": "ana", "body": f"{note}\n\n{issue['body']}\n\nThanks, bot."},
    )
    harness.work()  # the `issues edited` webhook
    harness.upload({"r.xml": junit_report([])}, workflow_run_id=2)
    harness.work()
    body = harness.issues()[0]["body"]
    assert body.startswith(note)
    assert body.endswith("Thanks, bot.")
    assert "17 passed" in body and body.count("<!-- loopwatch:begin") == 1
