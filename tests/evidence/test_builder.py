"""The evidence draft, built from hand-made histories: every step says where its facts
come from, and where the facts run out the draft asks instead of guessing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.evidence.builder import build_draft, near_failure
from bot.core.evidence.facts import (
    ChangedFile,
    Commit,
    CommitRange,
    EvidenceFacts,
    FailingTest,
    PriorResolution,
    RelatedCluster,
    RunFacts,
)

T0 = datetime(2025, 9, 12, 10, 0, tzinfo=UTC)
GREEN_SHA = "c3d4e5f" + "0" * 33
RED_SHA = "d4e5f6a" + "0" * 33
WS_TEST = FailingTest(
    "tests/e2e/test_pipeline.py::test_data_pipeline", "Data pipeline", "tests/e2e/test_pipeline.py"
)
STAGING = {"ENVIRONMENT": "staging", "REGION": "us-central1"}


def facts(**changes: object) -> EvidenceFacts:
    base: dict[str, object] = {
        "campaign": "golden-path",
        "cluster_title": "WebSocket closed 1011 (internal error)",
        "fingerprint": "f" * 20,
        "run": RunFacts(5, T0, RED_SHA, "main", STAGING),
        "tests": [WS_TEST],
        "family": "websocket-close-1011",
        "message": "ConnectionClosedError: received 1011 (internal error)",
        "trace_paths": ["tests/e2e/test_pipeline.py", "app/ws/session.py"],
        "last_green": RunFacts(4, T0 - timedelta(hours=3), GREEN_SHA, "main", STAGING),
    }
    base.update(changes)
    return EvidenceFacts(**base)  # type: ignore[arg-type]


def commit_range(*paths: str, error: str | None = None) -> CommitRange:
    if error is not None:
        return CommitRange(GREEN_SHA, RED_SHA, error=error)
    return CommitRange(
        GREEN_SHA,
        RED_SHA,
        commits=[
            Commit("1" * 40, "Move staging to europe-west1", "ana", "https://x.test/c/1"),
            Commit("2" * 40, "Refactor the session middleware", "bo", "https://x.test/c/2"),
        ],
        files=[ChangedFile(p, additions=3, deletions=1) for p in paths],
        total_commits=2,
        url="https://x.test/compare",
    )


def whys(draft: object) -> list[str]:
    return [step.why for step in draft.steps]  # type: ignore[attr-defined]


def test_a_config_change_between_runs_is_the_named_suspect() -> None:
    moved = RunFacts(5, T0, GREEN_SHA, "main", {**STAGING, "REGION": "europe-west1"})
    draft = build_draft(facts(run=moved))  # same commit: nothing to compare
    steps = draft.steps
    assert steps[0].because == (
        "1 test failed in Data pipeline with “WebSocket closed 1011 (internal error)”: "
        "test_data_pipeline."
    )
    assert steps[0].sources == ["test results of run 5 on c3d4e5f"]
    assert steps[1].because.startswith("The server closed the WebSocket with 1011")
    assert steps[1].sources == ["signature table: RFC 6455 §7.4.1"]
    assert steps[2].why == "What changed since they last passed, in run 4 on c3d4e5f?"
    assert steps[2].because == (
        "The code did not change: both runs are on c3d4e5f. Environment: REGION changed."
    )
    assert "environments of run 4 on c3d4e5f and run 5 on c3d4e5f" in steps[2].sources
    assert steps[-1].why == "Did the change to REGION make the server fail?"
    assert steps[-1].because == ""  # a question, not a guess
    assert [(c.key, c.before, c.after) for c in draft.environment] == [
        ("REGION", "us-central1", "europe-west1")
    ]
    assert draft.commits == [] and draft.compare_url is None


def test_a_commit_range_touching_the_failing_code_lists_those_files_first() -> None:
    commits = commit_range("docs/README.md", "app/ws/session.py", "tests/e2e/test_pipeline.py")
    draft = build_draft(facts(), commits)
    assert [f.path for f in draft.files] == [
        "app/ws/session.py",  # in the failure's trace
        "tests/e2e/test_pipeline.py",  # the failing test's own file
        "docs/README.md",
    ]
    assert [f.near_failure for f in draft.files] == [True, True, False]
    change = draft.steps[2]
    assert change.because == (
        "Between c3d4e5f and d4e5f6a: 2 commits changed 3 files, 2 near the failing tests "
        "(app/ws/session.py and tests/e2e/test_pipeline.py). The recorded environment is the same."
    )
    assert "GitHub compare c3d4e5f...d4e5f6a" in change.sources
    assert draft.steps[-1].why == (
        "Which of the changes to app/ws/session.py and tests/e2e/test_pipeline.py made the "
        "server fail?"
    )
    assert [c.title for c in draft.commits] == [
        "Move staging to europe-west1",
        "Refactor the session middleware",
    ]
    assert (draft.base_sha, draft.head_sha, draft.total_commits) == (GREEN_SHA, RED_SHA, 2)


def test_changes_far_from_the_failure_leave_the_question_open() -> None:
    draft = build_draft(facts(), commit_range("docs/README.md"))
    assert draft.files[0].near_failure is False
    assert draft.steps[-1].why == "Which of these changes made the server fail?"


def test_no_green_run_ever_asks_whether_the_tests_ever_worked() -> None:
    draft = build_draft(facts(last_green=None))
    assert whys(draft) == [
        "Why did run 5 on d4e5f6a of golden-path fail?",
        "Why did it fail?",
        "These tests never passed in the recorded runs of golden-path: did they ever work "
        "against this environment, or is the feature not there yet?",
    ]
    assert draft.steps[-1].because == ""
    assert draft.base_sha is None and draft.environment == []


def test_nothing_changed_asks_about_the_world_outside_the_repository() -> None:
    same = RunFacts(5, T0, GREEN_SHA, "main", STAGING)
    draft = build_draft(facts(run=same))
    assert draft.steps[2].because == (
        "The code did not change: both runs are on c3d4e5f. The recorded environment is the same."
    )
    assert draft.steps[-1].why.startswith("Nothing recorded changed since run 4 on c3d4e5f:")


def test_many_clusters_starting_in_one_run_point_at_a_shared_cause() -> None:
    related = [
        RelatedCluster("HTTP 503 Service Unavailable", "a" * 20, issue_number=7, tests=4),
        RelatedCluster("Connection refused", "b" * 20, tests=1),
        RelatedCluster("Timeout", "c" * 20, tests=1),
        RelatedCluster("DNS lookup failed", "d" * 20, tests=1),
    ]
    draft = build_draft(facts(related=related), commit_range("app/ws/session.py"))
    step = next(s for s in draft.steps if s.why == "Did anything else break at the same time?")
    assert step.because == (
        "Yes: 4 other failures started in run 5 on d4e5f6a: “HTTP 503 Service Unavailable”, "
        "“Connection refused”, “Timeout” and 1 more. One change may explain them all."
    )
    assert step.sources == ["failure clusters first seen in run 5 on d4e5f6a"]
    assert [(r.title, r.issue_number) for r in draft.related][:1] == [
        ("HTTP 503 Service Unavailable", 7)
    ]


def test_a_regression_after_a_confirmed_fix_says_the_fix_did_not_hold() -> None:
    prior = PriorResolution(
        at=T0 - timedelta(days=2),
        by="ana",
        reason="issue_closed",
        pull_request=140,
        regressions=1,
        record_author="ana",
        record_root_cause="SessionMiddleware installed after auth",
        record_fixes=["Fix the middleware order"],
    )
    draft = build_draft(facts(prior=prior), commit_range("app/ws/session.py"))
    step = next(s for s in draft.steps if s.why == "Has it happened before?")
    assert step.because == (
        "It was resolved on 2025-09-10 by ana with pull request #140, and failed again in "
        "run 5 on d4e5f6a. ana's five-whys named root cause “SessionMiddleware installed "
        "after auth” and fix “Fix the middleware order”: that fix did not hold."
    )
    assert step.sources == ["the failure's history"]


def test_a_regression_with_no_record_asks_for_one() -> None:
    prior = PriorResolution(at=T0 - timedelta(days=2), reason="green_runs", regressions=3)
    draft = build_draft(facts(prior=prior))
    step = next(s for s in draft.steps if s.why == "Has it happened before?")
    assert "resolved on 2025-09-10 after green runs" in step.because
    assert "(it has come back 3 times)" in step.because
    assert "No five-whys was recorded for it" in step.because


def test_an_unreadable_commit_range_is_said_not_guessed() -> None:
    draft = build_draft(facts(), commit_range(error="GitHub answered 404"))
    assert draft.steps[2].because.startswith(
        "The commits between c3d4e5f and d4e5f6a could not be read from GitHub "
        "(GitHub answered 404)."
    )
    assert draft.files == [] and draft.compare_url is None


def test_an_unknown_signature_skips_the_meaning_rather_than_guessing() -> None:
    draft = build_draft(facts(family=None, message="ValueError: bad row"))
    assert "Why did it fail?" not in whys(draft)


def test_the_chain_has_at_most_five_steps_and_ends_with_the_question() -> None:
    prior = PriorResolution(at=T0 - timedelta(days=2), by="ana", regressions=1)
    related = [RelatedCluster("Timeout", "c" * 20, tests=1)]
    draft = build_draft(facts(prior=prior, related=related), commit_range("app/ws/session.py"))
    assert len(draft.steps) == 5
    assert draft.steps[-1].because == "" and draft.steps[-1].sources == []
    assert all(step.sources for step in draft.steps[:-1])
    assert draft.related  # the step that did not fit is still listed under the steps
    as_record = draft.as_block()
    assert [s.why for s in as_record.five_whys] == whys(draft)


def test_nearness_of_a_changed_file() -> None:
    tests = [WS_TEST]
    assert near_failure("tests/e2e/test_pipeline.py", tests, []) == 3
    assert near_failure("tests/e2e/conftest.py", tests, []) == 2
    assert near_failure("tests/unit/test_x.py", tests, []) == 1
    assert near_failure("app/ws/session.py", tests, ["app/ws/session.py"]) == 3
    assert near_failure("app/ws/auth.py", tests, ["app/ws/session.py"]) == 2
    assert near_failure("docs/index.md", tests, ["app/ws/session.py"]) == 0
