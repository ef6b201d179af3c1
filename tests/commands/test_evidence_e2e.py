"""The bot's five-whys draft end to end on the sandbox: drafted from evidence when a
failure issue opens or a failure comes back, replaced by a person's record, never
overwritten by the bot or an upload, and kept across close and reopen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.adapters.store.models import FiveWhysRecord
from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN, REPO, Talk
from tests.pipeline.conftest import Harness

GREEN_SHA = "c3d4e5f" + "0" * 33
RED_SHA = "d4e5f6a" + "0" * 33
FIVE_WHYS = """/five-whys
1. Why did the pipeline fail? -> WebSocket closed with 1011
2. Why did it close with 1011? -> Auth failed on the WebSocket path
root cause: E2E env vars not propagated to staging
fix: Propagate the E2E env vars @ana"""


def rows(h: Harness) -> list[tuple[str, str, str, str | None, int]]:
    with h.session_factory() as session:
        return [
            (r.subject.split(":")[0], r.source, r.status, r.author, r.version)
            for r in session.scalars(select(FiveWhysRecord).order_by(FiveWhysRecord.id))
        ]


def body(h: Harness, number: int) -> str:
    return str(next(i for i in h.issues() if i["number"] == number)["body"])


def section(text: str) -> str:
    return text[text.index("### Five whys") : text.index("### Signature")]


def compare_calls(h: Harness) -> list[dict[str, Any]]:
    log = h.sandbox.get("/_sandbox/requests").json()
    return [r for r in log if "/compare/" in r["path"]]


def push_commits(h: Harness) -> None:
    h.admin("POST", f"/repos/{REPO}/commits", json={"sha": GREEN_SHA, "message": "Green"})
    h.admin(
        "POST",
        f"/repos/{REPO}/commits",
        json={
            "sha": RED_SHA,
            "message": "Move the WebSocket auth to sessions\n\nLong body.",
            "author": "bo",
            "files": ["docs/changelog.md", "tests/e2e/test_pipeline.py"],
        },
    )


def test_a_first_failure_is_drafted_from_its_signature_and_asks_what_is_unknown(
    talk: Talk,
) -> None:
    text = section(body(talk.h, talk.failure))
    assert "**Draft by Loopwatch, from the facts below**" in text
    assert (
        "| 1 | Why did run 1 on aaaaaaa of e2e fail? | 1 test failed in "
        "tests/e2e/test\\_pipeline.py with “WebSocket closed 1011 (internal error)”: "
        "test\\_data\\_pipeline. | test results of run 1 on aaaaaaa |" in text
    )
    assert "keepalive" in text  # the 1011 from a missed keepalive ping is explained as such
    assert "These tests never passed in the recorded runs of e2e" in text
    assert "_open question_" in text
    assert rows(talk.h) == [("cluster", "evidence", "draft", None, 1)]
    assert compare_calls(talk.h) == []  # no green run: no range to ask GitHub for


def test_a_failure_after_a_green_run_lists_the_commits_and_changes_between(
    harness: Harness,
) -> None:
    push_commits(harness)
    green_env = {"ENVIRONMENT": "staging", "REGION": "us-central1"}
    harness.upload(
        {"report.xml": JUNIT_GREEN}, commit_sha=GREEN_SHA, branch="main", environment=green_env
    )
    harness.work_until_settled()
    harness.upload(
        {"report.xml": JUNIT_1011},
        commit_sha=RED_SHA,
        branch="main",
        environment={**green_env, "REGION": "europe-west1"},
    )
    harness.work_until_settled()
    failure = next(i for i in harness.issues() if "1011" in i["title"])
    text = section(failure["body"])
    assert (
        "What changed since they last passed, in run 1 on c3d4e5f? | Between c3d4e5f and "
        "d4e5f6a: 1 commit changed 2 files, 1 near the failing tests "
        "(tests/e2e/test\\_pipeline.py). Environment: REGION changed." in text
    )
    assert "GitHub compare c3d4e5f...d4e5f6a" in text
    assert "Move the WebSocket auth to sessions — `bo`" in text
    files = text[text.index("**Changed files**") :]
    assert files.index("tests/e2e/test_pipeline.py") < files.index("docs/changelog.md")
    assert "- `REGION`: `us-central1` → `europe-west1`" in text
    assert "Which of the changes to tests/e2e/test\\_pipeline.py made" in text
    assert len(compare_calls(harness)) == 1
    # the tracking issue has no five-whys of its own: it shows this draft, naming the issue
    tracking = next(i for i in harness.issues() if i["title"].startswith("Loopwatch:"))
    assert f"(#{failure['number']}), from the facts below**" in tracking["body"]


def test_an_unreadable_commit_range_is_said_in_the_draft(harness: Harness) -> None:
    harness.upload({"report.xml": JUNIT_GREEN}, commit_sha="1" * 40, branch="main")
    harness.work_until_settled()
    harness.upload({"report.xml": JUNIT_1011}, commit_sha="2" * 40, branch="main")
    harness.work_until_settled()
    failure = next(i for i in harness.issues() if "1011" in i["title"])
    assert (
        "The commits between 1111111 and 2222222 could not be read from GitHub "
        "(GitHub answered 404)." in failure["body"]
    )


def test_a_triage_users_five_whys_replaces_the_draft_and_uploads_never_overwrite_it(
    talk: Talk,
) -> None:
    talk.person("ana", "triage")
    talk.say(talk.failure, "ana", FIVE_WHYS)
    text = section(body(talk.h, talk.failure))
    assert "_Confirmed by `ana`, " in text and "Draft by Loopwatch" not in text
    assert "**Root cause:** E2E env vars not propagated to staging" in text
    assert rows(talk.h) == [("cluster", "person", "confirmed", "ana", 1)]
    # a later run fails the same way and brings its own analysis
    analysis = {"five_whys": [{"why": "Why upload?", "because": "the upload says so"}]}
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", analysis=analysis)
    text = section(body(talk.h, talk.failure))
    assert "_Confirmed by `ana`, " in text and "Why upload?" not in text
    assert rows(talk.h) == [("cluster", "person", "confirmed", "ana", 1)]


def test_the_record_survives_close_and_reopen_and_the_regression_says_the_fix_failed(
    talk: Talk,
) -> None:
    talk.person("ana", "triage")
    record_comment = talk.say(talk.failure, "ana", FIVE_WHYS)
    talk.h.admin("POST", f"/repos/{REPO}/issues/{talk.failure}/close", json={"user": "ana"})
    talk.h.work_until_settled()
    assert talk.issue(talk.failure)["state"] == "closed"
    talk.upload(JUNIT_1011, commit_sha="e" * 40, branch="main")
    issue = talk.issue(talk.failure)
    assert issue["state"] == "open" and "regression" in issue["labels"]
    text = section(issue["body"])
    assert "_Confirmed by `ana`, " in text
    assert "**Root cause:** E2E env vars not propagated to staging" in text
    assert "> **This fix did not hold:** the failure came back in run 2 on eeeeeee" in text
    [comment] = [c["body"] for c in talk.comments(talk.failure) if "Regression" in c["body"]]
    assert "> **This fix did not hold.**" in comment
    assert (
        f"> The [five-whys](http://sandbox.test/{REPO}/issues/{talk.failure}"
        f"#issuecomment-{record_comment['id']}) `ana` confirmed (version 1, " in comment
    )
    assert "**Fix recorded at the time:** Propagate the E2E env vars" in comment
    assert rows(talk.h) == [("cluster", "person", "confirmed", "ana", 1)]  # no new draft


def test_a_regression_without_a_record_is_drafted_again_about_the_new_run(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.h.admin("POST", f"/repos/{REPO}/issues/{talk.failure}/close", json={"user": "ana"})
    talk.h.work_until_settled()
    talk.upload(JUNIT_1011, commit_sha="e" * 40, branch="main")
    text = section(body(talk.h, talk.failure))
    assert "| 1 | Why did run 2 on eeeeeee of e2e fail?" in text
    assert "| Has it happened before? | It was resolved on " in text
    assert "by ana, and failed again in run 2 on eeeeeee." in text
    assert "No five-whys was recorded for it" in text
    assert rows(talk.h) == [("cluster", "evidence", "draft", None, 2)]


def test_confirm_keeps_the_draft_as_the_persons_record(talk: Talk) -> None:
    talk.person("ana", "triage")
    drafted = section(body(talk.h, talk.failure))
    comment = talk.say(talk.failure, "ana", "/five-whys confirm")
    assert talk.reactions(comment["id"]) == ["eyes", "+1"]
    text = section(body(talk.h, talk.failure))
    assert "_Confirmed by `ana`, " in text and "Draft by Loopwatch" not in text
    first_why = drafted.split("\n| 1 | ", 1)[1].split(" | ", 1)[0]
    assert f"| 1 | {first_why} |" in text
    assert rows(talk.h) == [("cluster", "person", "confirmed", "ana", 1)]
    assert "ana confirmed Loopwatch's five-whys draft" in " ".join(talk.command_log())
    talk.say(talk.failure, "ana", "/five-whys confirm")
    assert (
        "This five-whys is already confirmed by `ana` (version 1)."
        in talk.bot_replies(talk.failure)[-1]
    )


def test_confirm_on_the_tracking_issue_keeps_the_draft_it_shows(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.say(talk.tracking, "ana", "/five-whys confirm")
    text = body(talk.h, talk.tracking)
    assert "_Confirmed by `ana`, " in text and "Draft by Loopwatch" not in text
    assert ("campaign", "person", "confirmed", "ana", 1) in rows(talk.h)
    assert ("cluster", "evidence", "draft", None, 1) in rows(talk.h)  # the issue's own stays


def test_a_read_user_cannot_confirm_the_draft(talk: Talk) -> None:
    talk.person("rita", "read")
    talk.say(talk.failure, "rita", "/five-whys confirm")
    assert "needs **triage** permission" in talk.bot_replies(talk.failure)[-1]
    assert rows(talk.h) == [("cluster", "evidence", "draft", None, 1)]


def test_github_failing_on_the_range_still_gives_a_draft_that_says_so(harness: Harness) -> None:
    push_commits(harness)
    harness.upload({"report.xml": JUNIT_GREEN}, commit_sha=GREEN_SHA, branch="main")
    harness.work_until_settled()
    harness.admin("POST", "/faults", json={"path_regex": "/compare/", "status": 502, "count": 50})
    harness.upload({"report.xml": JUNIT_1011}, commit_sha=RED_SHA, branch="main")
    harness.work_until_settled()
    failure = next(i for i in harness.issues() if "1011" in i["title"])
    text = section(failure["body"])
    assert "The commits between c3d4e5f and d4e5f6a could not be read from GitHub (it kept " in text
    assert "failing after 3 tries: GitHub answered 502" in text
    assert "**Draft by Loopwatch" in text
