"""``/link #N``: the failure moves to a person's issue, the bot's is closed (end to end,
with the sync); what it refuses, on fakes (tests/commands/fakes.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import ClusterEvent, GitHubIssue
from tests.commands.conftest import JUNIT_1011, REPO, Talk
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio

PERSON_TEXT = "Seen in production since Monday; see the runbook."


def open_issue(where: Talk | Scene, user: str, title: str = "Pipeline socket drops") -> int:
    if isinstance(where, Scene):
        return where.open_issue(title, user, body=PERSON_TEXT)
    talk = where
    made = talk.h.admin(
        "POST", f"/repos/{REPO}/issues", json={"user": user, "title": title, "body": PERSON_TEXT}
    )
    talk.h.work_until_settled()
    return int(made["issue"]["number"])


def test_link_moves_the_failure_to_the_persons_issue_and_closes_the_bots(talk: Talk) -> None:
    talk.person("ana", "triage")
    target = open_issue(talk, "ana")
    comment = talk.say(talk.failure, "ana", f"/link #{target}")
    assert talk.reactions(comment["id"]) == ["eyes", "+1"]

    old = talk.issue(talk.failure)
    assert old["state"] == "closed"
    pointer, reply = talk.bot_replies(talk.failure)
    assert f"Done: this failure now lives in #{target}" in reply
    assert f"Loopwatch keeps this failure in #{target} from now on (linked by `ana`" in pointer

    moved = talk.issue(target)
    assert moved["state"] == "open"
    assert moved["title"] == "Pipeline socket drops"  # the person's title stays
    assert moved["body"].startswith(PERSON_TEXT + "\n\n<!-- loopwatch:begin key=cluster:")
    assert "WebSocket closed 1011" in moved["body"]
    assert "loopwatch:failure" in talk.labels(target)

    with talk.h.session_factory() as session:
        event = session.scalars(select(ClusterEvent).where(ClusterEvent.kind == "linked")).one()
        assert (event.actor, event.details) == ("ana", {"from": talk.failure, "to": target})
        numbers = {row.key: row.number for row in session.scalars(select(GitHubIssue))}
    fingerprint = talk.cluster().fingerprint
    assert numbers[f"cluster:{fingerprint}"] == target
    assert numbers[f"linked:{fingerprint}:{talk.failure}"] == talk.failure


def test_after_a_link_updates_go_to_the_new_issue_and_closing_it_resolves(talk: Talk) -> None:
    talk.person("ana", "triage")
    target = open_issue(talk, "ana")
    talk.say(talk.failure, "ana", f"/link #{target}")
    old_body = talk.issue(talk.failure)["body"]
    before = talk.issue(target)["body"]

    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main")
    assert talk.issue(talk.failure)["body"] == old_body
    assert talk.issue(talk.failure)["state"] == "closed"
    after = talk.issue(target)["body"]
    assert after != before
    assert talk.issue(target)["title"] == "Pipeline socket drops"
    assert after.startswith(PERSON_TEXT)
    assert talk.cluster().occurrences == 2

    talk.h.admin("POST", f"/repos/{REPO}/issues/{target}/close", json={"user": "ana"})
    talk.h.work_until_settled()
    resolved = talk.cluster()
    assert (resolved.state, resolved.resolved_by) == ("resolved", "ana")
    assert talk.issue(talk.failure)["state"] == "closed"


async def test_link_refuses_what_it_cannot_link_to(scene: Scene) -> None:
    scene.person("ana", "triage")
    pull = scene.pull_request("ana")
    await scene.say(
        scene.failure,
        "ana",
        f"/link #{pull}\n/link #{scene.tracking}\n/link #999\n/link #{scene.failure}\n/link soon",
    )
    [reply] = scene.bot_replies(scene.failure)
    assert f"> /link #{pull}\n\n🚫 #{pull} is a pull request; link an issue." in reply
    assert f"🚫 #{scene.tracking} is already an issue Loopwatch keeps" in reply
    assert "🚫 There is no issue #999 in this repository." in reply
    assert "🚫 That is this issue" in reply
    assert "> /link soon\n\n🚫 I could not read the arguments. Usage: `/link #N`" in reply
    assert scene.issue(scene.failure)["state"] == "open"


async def test_link_works_only_on_a_failure_issue(scene: Scene) -> None:
    scene.person("ana", "triage")
    target = open_issue(scene, "ana")
    await scene.say(scene.tracking, "ana", f"/link #{target}")
    [reply] = scene.bot_replies(scene.tracking)
    assert "🚫 `/link` works on a failure issue; this is a tracking issue." in reply
    assert scene.issue(target)["body"] == PERSON_TEXT


async def test_a_quoted_link_does_nothing(scene: Scene) -> None:
    scene.person("ana", "triage")
    target = open_issue(scene, "ana")
    await scene.say(scene.failure, "ana", f"> /link #{target}\n\nshould we?")
    assert scene.bot_replies(scene.failure) == []
    assert scene.issue(scene.failure)["state"] == "open"
    assert scene.issue(target)["body"] == PERSON_TEXT


async def test_a_reader_may_not_link(scene: Scene) -> None:
    scene.person("rita", "read")
    target = open_issue(scene, "rita")
    comment = await scene.say(scene.failure, "rita", f"/link #{target}")
    [reply] = scene.bot_replies(scene.failure)
    assert f"> /link #{target}\n\n🚫 `/link` needs **triage** permission" in reply
    assert "`rita` has **read**" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert scene.issue(scene.failure)["state"] == "open"
