"""The sync makes the sandbox GitHub match the desired rows: once, minimally, safely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.adapters.github.body import END_MARKER, extract_comment_key, extract_key
from bot.adapters.github.desired_state import add_comment, set_desired_issue
from bot.adapters.github.errors import GitHubPermanentError, GitHubRateLimited, GitHubTransientError
from bot.adapters.github.late_writes import LateWrites, SettleWait
from bot.adapters.github.pacer import WritePacer
from bot.adapters.github.sync import SyncIncomplete, SyncReport, sync_repository
from bot.adapters.queue import PermanentJobError, RetryAt
from bot.adapters.store.db import transaction
from bot.adapters.store.models import GitHubComment, GitHubIssue, utcnow
from tests.github.conftest import FULL_NAME, FakeTime, World, open_world

KEY = "campaign:e2e-staging"
LABELS = [
    {"name": "loopwatch", "color": "1d76db", "description": "Kept by Loopwatch"},
    {"name": "e2e", "color": "fbca04"},
]


def desire(world: World, section: str, **changes: object) -> None:
    fields: dict[str, object] = {
        "title": "E2E staging: tracking",
        "section": section,
        "labels": LABELS,
        "state": "open",
    }
    fields.update(changes)
    with transaction(world.factory) as session:
        set_desired_issue(session, world.repository_id, KEY, **fields)  # type: ignore[arg-type]


async def sync_after_the_window(world: World) -> SyncReport:
    """A sync once the late-write window of every earlier attempt has passed."""
    later = LateWrites(timedelta(seconds=60), lambda: utcnow() + timedelta(seconds=61))
    return await sync_repository(
        world.factory, world.repository_id, world.gh, world.pacer, late_writes=later
    )


def issue_row(world: World) -> GitHubIssue:
    with world.factory() as session:
        row = session.scalars(select(GitHubIssue).where(GitHubIssue.key == KEY)).one()
        session.expunge(row)
        return row


def comment_rows(world: World) -> list[GitHubComment]:
    with world.factory() as session:
        rows = list(session.scalars(select(GitHubComment).order_by(GitHubComment.id)))
        session.expunge_all()
        return rows


@pytest.mark.anyio
async def test_first_sync_creates_the_issue_with_its_labels(world: World) -> None:
    desire(world, "## Status\n3 passed, 1 failed")
    report = await world.sync()

    assert report.issues_created == [KEY]
    [issue] = await world.issues()
    assert issue["title"] == "E2E staging: tracking"
    assert issue["user"] == "loopwatch[bot]"
    assert sorted(issue["labels"]) == ["e2e", "loopwatch"]
    assert extract_key(issue["body"]) == KEY
    assert "3 passed, 1 failed" in issue["body"]
    labels = await world.labels()
    assert labels["loopwatch"]["color"] == "1d76db"
    assert labels["loopwatch"]["description"] == "Kept by Loopwatch"
    assert labels["e2e"]["color"] == "fbca04"
    row = issue_row(world)
    assert row.number == issue["number"]
    assert row.html_url == issue["html_url"]
    assert row.synced_hash == row.desired_hash
    assert report.writes == len(await world.writes()) == 3  # two labels, one issue


@pytest.mark.anyio
async def test_a_second_sync_with_nothing_changed_makes_no_call_at_all(world: World) -> None:
    desire(world, "## Status\nall green")
    await world.sync()
    desire(world, "## Status\nall green")  # the same run ingested again
    await world.forget_requests()

    report = await world.sync()

    assert await world.requests() == []
    assert report.writes == 0
    assert len(await world.issues()) == 1


@pytest.mark.anyio
async def test_a_changed_section_is_one_patch_and_peoples_text_survives(world: World) -> None:
    desire(world, "run 1: 1 failed")
    await world.sync()
    number = issue_row(world).number
    assert number is not None
    # A person edits the issue: a note above the bot's section and one below it.
    current = (await world.gh.rest.issues.async_get("octo", "widgets", number)).parsed_data
    edited = f"Owner: @alice\r\n\r\n{current.body}\r\n\r\n### Notes\r\nflaky on Mondays"
    await world.gh.rest.issues.async_update("octo", "widgets", number, body=edited)
    await world.forget_requests()

    desire(world, "run 2: all passed")
    report = await world.sync()

    assert await world.writes() == [f"PATCH /repos/{FULL_NAME}/issues/{number} 200"]
    assert report.issues_updated == [KEY]
    [issue] = await world.issues()
    assert issue["body"].startswith("Owner: @alice\r\n\r\n")
    assert issue["body"].endswith(f"{END_MARKER}\r\n\r\n### Notes\r\nflaky on Mondays")
    assert "run 2: all passed" in issue["body"]
    assert "run 1" not in issue["body"]


@pytest.mark.anyio
async def test_labels_people_added_stay_and_a_removed_bot_label_comes_back(world: World) -> None:
    desire(world, "v1")
    await world.sync()
    number = issue_row(world).number
    assert number is not None
    await world.gh.rest.issues.async_create_label("octo", "widgets", name="triaged", color="00ff00")
    await world.gh.rest.issues.async_set_labels(
        "octo", "widgets", number, labels=["loopwatch", "triaged"]
    )

    desire(world, "v2")
    await world.sync()

    [issue] = await world.issues()
    assert sorted(issue["labels"]) == ["e2e", "loopwatch", "triaged"]


@pytest.mark.anyio
async def test_a_desired_close_closes_the_issue(world: World) -> None:
    desire(world, "v1")
    await world.sync()
    desire(world, "v1", state="closed")
    await world.forget_requests()

    await world.sync()

    assert len(await world.writes()) == 1
    [issue] = await world.issues()
    assert issue["state"] == "closed"


@pytest.mark.anyio
async def test_a_create_whose_answer_was_lost_is_found_again_not_duplicated(
    world: World,
) -> None:
    desire(world, "first run")
    await world.fault(
        path_regex=f"^/repos/{FULL_NAME}/issues$", method="POST", status=502, after_store=True
    )

    with pytest.raises(GitHubTransientError):
        await world.sync()
    row = issue_row(world)
    assert row.number is None and row.create_claimed_at is not None
    assert len(await world.issues()) == 1  # GitHub stored it; we never heard back

    report = await world.sync()

    [issue] = await world.issues()
    assert report.issues_recovered == [KEY]
    assert report.issues_created == []
    assert issue_row(world).number == issue["number"]
    assert issue_row(world).synced_hash == issue_row(world).desired_hash
    await world.forget_requests()
    assert (await world.sync()).writes == 0
    assert await world.requests() == []


@pytest.mark.anyio
async def test_a_claimed_create_that_never_reached_github_is_created_once(world: World) -> None:
    desire(world, "first run")
    await world.fault(path_regex=f"^/repos/{FULL_NAME}/issues$", method="POST", status=502)

    with pytest.raises(GitHubTransientError):
        await world.sync()
    assert await world.issues() == []
    with pytest.raises(SettleWait):
        await world.sync()  # GitHub may still store it late: look again later, not create

    report = await sync_after_the_window(world)

    assert report.issues_created == [KEY]
    assert len(await world.issues()) == 1


@pytest.mark.anyio
async def test_comments_are_posted_exactly_once_across_a_lost_answer(world: World) -> None:
    desire(world, "tracking")
    with transaction(world.factory) as session:
        add_comment(session, world.repository_id, "note:run-1", "Run 1 regressed", issue_key=KEY)
        add_comment(session, world.repository_id, "note:run-2", "Run 2 regressed", issue_key=KEY)
    await world.fault(
        path_regex=r"/issues/\d+/comments$", method="POST", status=502, after_store=True
    )

    with pytest.raises(GitHubTransientError):
        await world.sync()
    first = await world.sync()
    again = await world.sync()

    assert first.comments_recovered == ["note:run-1"]
    assert first.comments_posted == ["note:run-2"]
    assert again.comments_posted == again.comments_recovered == []
    [issue] = await world.issues()
    keys = [extract_comment_key(c["body"]) for c in issue["comments"]]
    assert keys == ["note:run-1", "note:run-2"]
    assert all(c["user"] == "loopwatch[bot]" for c in issue["comments"])
    assert [row.comment_id is not None for row in comment_rows(world)] == [True, True]


@pytest.mark.anyio
async def test_a_comment_waits_for_its_issue_and_the_same_key_is_queued_once(
    world: World,
) -> None:
    desire(world, "tracking")
    await world.fault(path_regex=f"^/repos/{FULL_NAME}/issues$", method="POST", status=503)
    with transaction(world.factory) as session:
        add_comment(session, world.repository_id, "note:1", "hello", issue_key=KEY)
        add_comment(session, world.repository_id, "note:1", "hello again", issue_key=KEY)

    with pytest.raises(GitHubTransientError):
        await world.sync()
    assert comment_rows(world)[0].post_claimed_at is None  # never tried: no issue yet
    report = await sync_after_the_window(world)

    assert report.comments_posted == ["note:1"]
    [issue] = await world.issues()
    assert [c["body"].splitlines()[-1] for c in issue["comments"]] == ["hello"]


@pytest.mark.anyio
async def test_secondary_rate_limit_reschedules_at_retry_after(world: World) -> None:
    desire(world, "tracking")
    await world.fault(
        path_regex=f"^/repos/{FULL_NAME}/issues$", method="POST", status=403, retry_after=90
    )

    before = datetime.now(UTC)
    with pytest.raises(GitHubRateLimited) as info:
        await world.sync()
    after = datetime.now(UTC)

    assert isinstance(info.value, RetryAt)
    assert info.value.secondary
    assert before + timedelta(seconds=90) <= info.value.at <= after + timedelta(seconds=90)
    posts = [w for w in await world.writes() if w.startswith("POST /repos/octo/widgets/issues ")]
    assert posts == ["POST /repos/octo/widgets/issues 403"]  # githubkit did not retry or sleep
    assert len((await world.sync()).issues_created) == 1  # once the wait is over


@pytest.mark.anyio
async def test_primary_rate_limit_reschedules_after_the_reset(world: World) -> None:
    desire(world, "tracking")
    await world.fault(path_regex=f"^/repos/{FULL_NAME}/labels$", status=403, rate_limit_reset=600)

    before = datetime.now(UTC)
    with pytest.raises(GitHubRateLimited) as info:
        await world.sync()

    assert not info.value.secondary
    assert info.value.at >= before + timedelta(seconds=600)
    assert info.value.at <= datetime.now(UTC) + timedelta(seconds=602)


@pytest.mark.anyio
async def test_resource_not_accessible_is_permanent_and_not_retried(
    session_factory: object, app_keys: tuple[str, str]
) -> None:
    read_only = {"metadata": "read", "issues": "read", "contents": "read"}
    async for world in open_world(session_factory, app_keys, app_permissions=read_only):  # type: ignore[arg-type]
        desire(world, "tracking", labels=[])

        with pytest.raises(GitHubPermanentError) as info:
            await world.sync()

        assert info.value.status == 403
        assert "Resource not accessible by integration" in str(info.value)
        assert await world.writes() == [f"POST /repos/{FULL_NAME}/issues 403"]


@pytest.mark.anyio
async def test_writes_are_paced_and_notifying_writes_further_apart(
    world: World, fake_time: FakeTime
) -> None:
    desire(world, "tracking")
    with transaction(world.factory) as session:
        add_comment(session, world.repository_id, "note:1", "hello", issue_key=KEY)
    pacer = WritePacer(1.0, 3.0, clock=fake_time.clock, sleep=fake_time.sleep)

    report = await world.sync(pacer)

    writes = await world.writes()
    assert [w.split()[0] + " " + w.split()[1].rsplit("/", 1)[-1] for w in writes] == [
        "POST labels",
        "POST labels",
        "POST issues",
        "POST comments",
    ]
    # label, 1 s, label, 1 s, issue, 3 s (since the issue notified people), comment
    assert fake_time.sleeps == [1.0, 1.0, 3.0]
    assert report.writes == pacer.writes == 4


@pytest.mark.anyio
async def test_the_installation_token_is_fetched_once_and_reused(world: World) -> None:
    desire(world, "v1")
    await world.sync()
    desire(world, "v2")
    await world.sync()

    token_calls = [r for r in await world.requests() if r["path"].endswith("/access_tokens")]
    assert len(token_calls) == 1


@pytest.mark.anyio
async def test_an_issue_deleted_on_github_is_opened_again(world: World) -> None:
    desire(world, "v1")
    await world.sync()
    old_number = issue_row(world).number
    await world.fault(path_regex=f"/issues/{old_number}$", method="GET", status=410)

    desire(world, "v2")
    report = await world.sync()

    assert report.issues_created == [KEY]
    row = issue_row(world)
    assert row.number is not None and row.number != old_number
    new = next(i for i in await world.issues() if i["number"] == row.number)
    assert "v2" in new["body"]


@pytest.mark.anyio
async def test_one_refused_item_does_not_stop_the_others_and_the_job_then_fails(
    world: World,
) -> None:
    with transaction(world.factory) as session:
        gone = set_desired_issue(
            session, world.repository_id, "campaign:gone", title="G", section="g"
        )
        gone.number = 999  # an issue that no longer exists (404)
    desire(world, "tracking")

    with pytest.raises(SyncIncomplete) as info:
        await world.sync()

    assert isinstance(info.value, PermanentJobError)
    assert info.value.status == 404
    assert list(info.value.report.failed) == ["campaign:gone"]
    assert info.value.report.issues_created == [KEY]
    [issue] = await world.issues()
    assert extract_key(issue["body"]) == KEY
