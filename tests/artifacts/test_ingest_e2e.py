"""Workflow-run artifacts become runs, end to end on the sandbox (both databases):
the sandbox sends ``workflow_run`` ``completed``, the worker lists, downloads (token to the
API only), unpacks safely and ingests; a re-run attempt replaces the results."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.store.models import IngestedArtifact, Run, RunFile, SessionLogEntry, TestResult
from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN
from tests.pipeline.conftest import REPO, Harness
from tests.pipeline.conftest import harness as harness

SHA = "a" * 40
CTRF = json.dumps(
    {
        "results": {
            "tool": {"name": "jest"},
            "summary": {
                "tests": 2,
                "passed": 1,
                "failed": 1,
                "pending": 0,
                "skipped": 0,
                "other": 0,
                "start": 1,
                "stop": 2,
            },
            "tests": [
                {
                    "name": "checkout pays",
                    "status": "passed",
                    "duration": 12,
                    "filePath": "web/checkout.test.ts",
                },
                {
                    "name": "cart totals",
                    "status": "failed",
                    "duration": 30,
                    "message": "expected 3 got 4",
                    "filePath": "web/cart.test.ts",
                },
            ],
        }
    }
)


def _zip(entries: dict[str, bytes]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return base64.b64encode(buffer.getvalue()).decode()


def _bomb() -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("junit.xml", b"\0" * (120 * 1024 * 1024))
    return base64.b64encode(buffer.getvalue()).decode()


def _workflow_run(h: Harness, artifacts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {
        "head_sha": SHA,
        "head_branch": "main",
        "name": "E2E",
        "path": ".github/workflows/e2e.yml",
        "deliver": True,
        "artifacts": artifacts,
        **extra,
    }
    made: dict[str, Any] = h.admin("POST", f"/repos/{REPO}/actions/runs", json=body)
    assert made["delivery"]["status"] == 202, made["delivery"]
    h.work_until_settled()
    return made


def _runs(h: Harness) -> list[Run]:
    with h.session_factory() as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def _files(h: Harness, run_id: int) -> list[tuple[str, str | None]]:
    with h.session_factory() as session:
        rows = session.scalars(
            select(RunFile).where(RunFile.run_id == run_id).order_by(RunFile.filename)
        )
        return [(f.filename, f.format) for f in rows]


def _downloads(h: Harness) -> list[dict[str, Any]]:
    requests = h.sandbox.get("/_sandbox/requests").json()
    return [r for r in requests if r["path"].endswith("/zip") or "/_sandbox/blobs/" in r["path"]]


def _tracking_body(h: Harness) -> str:
    body: str = next(i["body"] for i in h.issues() if i["title"].startswith("Loopwatch:"))
    return body


def test_two_artifacts_one_nested_make_one_run(harness: Harness) -> None:
    made = _workflow_run(
        harness,
        [
            {
                "name": "junit-results",
                "zip_base64": _zip(
                    {
                        "reports/unit/e2e/junit.xml": JUNIT_1011,
                        "reports/screenshot.png": b"\x89PNG\r\n",
                    }
                ),
            },
            {"name": "ctrf-report", "files": {"ctrf.json": CTRF}},
            {"name": "coverage", "files": {"lcov.info": "TN:\n"}},
            {"name": "junit-logs", "files": {"pytest.log": "collected 2 items\n"}},
        ],
    )
    [run] = _runs(harness)
    assert (run.workflow, run.workflow_run_id, run.run_attempt) == ("E2E", made["run_id"], 1)
    assert (run.commit_sha, run.branch, run.status) == (SHA, "main", "processed")
    assert run.run_key == f"actions-run:{made['run_id']}"
    assert _files(harness, run.id) == [
        ("ctrf-report/ctrf.json", "ctrf"),
        ("junit-results/reports/unit/e2e/junit.xml", "junit"),
    ]
    with harness.session_factory() as session:
        results = session.scalar(
            select(func.count()).select_from(TestResult).where(TestResult.run_id == run.id)
        )
        outcomes = dict(
            session.execute(select(IngestedArtifact.name, IngestedArtifact.outcome)).all()
        )
    assert results == 4
    assert outcomes == {
        "junit-results": "ingested",
        "ctrf-report": "ingested",
        "junit-logs": "no-reports",
    }  # coverage: not wanted
    body = _tracking_body(harness)
    assert "E2E" in body  # the workflow's name is the campaign
    assert "Artifact 'junit-logs' of workflow run 1 holds 1 file(s), none of them a test" in body
    # The storage URL was fetched for each artifact read, without the token (the sandbox
    # refuses one).
    fetches = harness.sandbox.app.state.sandbox.blob_fetches  # type: ignore[attr-defined]
    assert [f["authorization"] for f in fetches] == [False, False, False]


def test_hostile_artifacts_are_refused_in_the_session_log(harness: Harness) -> None:
    _workflow_run(
        harness,
        [
            {"name": "junit-results", "files": {"junit.xml": JUNIT_1011.decode()}},
            {"name": "junit-bomb", "zip_base64": _bomb()},
            {"name": "junit-slip", "files": {"../../etc/junit.xml": JUNIT_GREEN.decode()}},
            {
                "name": "junit-nested",
                "zip_base64": _zip(
                    {"inner/results.zip": base64.b64decode(_zip({"junit.xml": JUNIT_GREEN}))}
                ),
            },
        ],
    )
    [run] = _runs(harness)
    assert _files(harness, run.id) == [("junit-results/junit.xml", "junit")]
    with harness.session_factory() as session:
        lines = list(
            session.scalars(select(SessionLogEntry.text).where(SessionLogEntry.kind == "artifact"))
        )
        outcomes = dict(
            session.execute(select(IngestedArtifact.name, IngestedArtifact.outcome)).all()
        )
    assert outcomes == {
        "junit-results": "ingested",
        "junit-bomb": "refused",
        "junit-slip": "refused",
        "junit-nested": "refused",
    }
    assert len(lines) == 3
    body = _tracking_body(harness)
    for name, words in (
        ("junit-bomb", "max_"),
        ("junit-slip", "zip-slip"),
        ("junit-nested", "archive inside"),
    ):
        line = next(t for t in lines if f"Artifact '{name}' of workflow run 1 " in t)
        assert "not read:" in line and words in line, line
        shown = line.replace("_", "\\_").replace("-", "-")  # as the session log escapes it
        assert shown in body, body  # the tracking issue's session log shows it


def test_a_rerun_attempt_replaces_the_results(harness: Harness) -> None:
    made = _workflow_run(
        harness,
        [
            {"name": "junit-results", "files": {"junit.xml": JUNIT_1011.decode()}},
            {"name": "ctrf-report", "files": {"ctrf.json": CTRF}},
        ],
    )
    [first] = _runs(harness)
    assert first.summary is not None and first.summary["counts"]["failed"] == 2
    again = harness.admin(
        "POST",
        f"/repos/{REPO}/actions/runs/{made['run_id']}/attempts",
        json={
            "artifacts": [{"name": "junit-results", "files": {"junit.xml": JUNIT_GREEN.decode()}}]
        },
    )
    assert again["delivery"]["status"] == 202
    harness.work_until_settled()
    [run] = _runs(harness)  # the same run, not a second one
    assert run.id == first.id and run.run_attempt == 2
    # junit-results is attempt 2's; ctrf-report (not re-uploaded) stays.
    assert _files(harness, run.id) == [
        ("ctrf-report/ctrf.json", "ctrf"),
        ("junit-results/junit.xml", "junit"),
    ]
    assert run.summary is not None and run.summary["counts"]["failed"] == 1  # only the CTRF one
    with harness.session_factory() as session:
        failed = set(
            session.scalars(
                select(TestResult.name).where(
                    TestResult.run_id == run.id, TestResult.outcome == "failed"
                )
            )
        )
    assert failed == {"cart totals"}
    # The unchanged artifact was downloaded once in all.
    zips = [r for r in _downloads(harness) if r["path"].endswith("/zip")]
    assert len(zips) == 3


def test_a_redelivered_webhook_reads_nothing_twice(harness: Harness) -> None:
    _workflow_run(harness, [{"name": "junit-results", "files": {"junit.xml": JUNIT_1011.decode()}}])
    delivery = harness.sandbox.app.state.sandbox.deliveries[-1]  # type: ignore[attr-defined]
    assert delivery["event"] == "workflow_run"
    redelivered = harness.web.post(
        "/webhooks/github",
        content=json.dumps(delivery["payload"]).encode(),
        headers=_signed(json.dumps(delivery["payload"]).encode(), "redelivery-1"),
    )
    assert redelivered.status_code == 202
    harness.work_until_settled()
    assert len(_runs(harness)) == 1
    with harness.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IngestedArtifact)) == 1
    assert len([r for r in _downloads(harness) if r["path"].endswith("/zip")]) == 1


def _signed(body: bytes, delivery: str) -> dict[str, str]:
    import hashlib
    import hmac

    from tests.pipeline.conftest import SECRET

    return {
        "X-GitHub-Event": "workflow_run",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256="
        + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }


def test_config_picks_workflows_names_and_campaigns(harness: Harness) -> None:
    harness.admin(
        "PUT",
        f"/repos/{REPO}/files",
        json={
            "path": ".github/loopwatch.yml",
            "content": "artifacts:\n  workflows: [e2e.yml]\n  names: ['results-*']\n"
            "  campaigns: {e2e.yml: nightly-e2e}\n",
        },
    )
    report = [{"name": "results-e2e", "files": {"junit.xml": JUNIT_GREEN.decode()}}]
    _workflow_run(harness, report, name="Lint", path=".github/workflows/lint.yml")
    assert _runs(harness) == []  # not a watched workflow
    _workflow_run(
        harness, [{"name": "junit-results", "files": {"junit.xml": JUNIT_GREEN.decode()}}]
    )
    assert _runs(harness) == []  # not a wanted name
    _workflow_run(harness, report)
    [run] = _runs(harness)
    with harness.session_factory() as session:
        from bot.adapters.store.models import Campaign

        assert session.get_one(Campaign, run.campaign_id).name == "nightly-e2e"


def _fork_pull_request(harness: Harness) -> int:
    """``stranger`` opens a pull request from a fork (head ``speed`` at ``f…f``)."""
    harness.admin("POST", "/users", json={"login": "stranger"})
    pull = harness.admin(
        "POST",
        f"/repos/{REPO}/pulls",
        json={
            "user": "stranger",
            "title": "Faster",
            "head_sha": "f" * 40,
            "head_branch": "speed",
            "from_fork": True,
        },
    )
    return int(pull["pull_request"]["number"])


def test_a_fork_pull_request_run_is_found_by_head_and_stays_untrusted(harness: Harness) -> None:
    number = _fork_pull_request(harness)
    _workflow_run(
        harness,
        [{"name": "junit-results", "files": {"junit.xml": JUNIT_1011.decode()}}],
        head_sha="f" * 40,
        head_branch="speed",
        event="pull_request",
        pull_request=number,
    )
    [run] = _runs(harness)
    assert (run.pull_request, run.head_repository) == (number, "stranger/shop")
    # Untrusted: a check run, but no tracking or failure issue.
    assert [i["title"] for i in harness.issues()] == ["Faster"]  # the pull request alone
    checks = harness.state()["repos"][0]["check_runs"]
    assert [c["head_sha"] for c in checks] == ["f" * 40]


@pytest.mark.parametrize("enabled", ["false"])
def test_artifacts_can_be_switched_off(harness: Harness, enabled: str) -> None:
    harness.admin(
        "PUT",
        f"/repos/{REPO}/files",
        json={"path": ".github/loopwatch.yml", "content": f"artifacts:\n  enabled: {enabled}\n"},
    )
    _workflow_run(
        harness, [{"name": "junit-results", "files": {"junit.xml": JUNIT_GREEN.decode()}}]
    )
    assert _runs(harness) == []
    assert _downloads(harness) == []


def test_a_job_that_fails_half_way_resumes_with_the_artifacts_not_read(harness: Harness) -> None:
    made = harness.admin(
        "POST",
        f"/repos/{REPO}/actions/runs",
        json={
            "head_sha": SHA,
            "name": "E2E",
            "artifacts": [
                {"name": "a-junit", "files": {"junit.xml": JUNIT_1011.decode()}},
                {"name": "b-junit", "files": {"junit.xml": JUNIT_GREEN.decode()}},
            ],
        },
    )
    first, second = (a["id"] for a in made["artifacts"])
    # GitHub keeps failing the second download: the job gives up this attempt (the client's
    # own retries included) after storing the first artifact, and is retried.
    harness.admin(
        "POST",
        "/faults",
        json={"path_regex": f"/artifacts/{second}/zip$", "status": 502, "count": 3},
    )
    harness.admin("POST", f"/repos/{REPO}/actions/runs/{made['run_id']}/deliveries")
    harness.work_until_settled()
    [run] = _runs(harness)
    assert _files(harness, run.id) == [
        ("a-junit/junit.xml", "junit"),
        ("b-junit/junit.xml", "junit"),
    ]
    assert run.status == "processed"
    zips = [r["path"] for r in _downloads(harness) if r["path"].endswith("/zip")]
    assert zips.count(f"/repos/{REPO}/actions/artifacts/{first}/zip") == 1  # not read again
    assert zips.count(f"/repos/{REPO}/actions/artifacts/{second}/zip") >= 2


def test_a_fork_run_is_read_even_when_its_pull_request_cannot_be_looked_up(
    harness: Harness,
) -> None:
    number = _fork_pull_request(harness)
    harness.admin("POST", "/faults", json={"path_regex": r"/pulls$", "status": 403, "count": 5})
    _workflow_run(
        harness,
        [{"name": "junit-results", "files": {"junit.xml": JUNIT_1011.decode()}}],
        head_sha="f" * 40,
        head_branch="speed",
        event="pull_request",
        pull_request=number,  # a fork's: left out of the event
    )
    [run] = _runs(harness)
    assert (run.pull_request, run.head_repository, run.status) == (
        None,
        "stranger/shop",
        "processed",
    )
