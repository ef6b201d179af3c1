"""Each built-in command's handler on fakes (tests/commands/fakes.py), for what the
per-command files leave to the end-to-end cases: what a handler asks of GitHub, the
happy paths of ``/link``, ``/help``, ``/root-cause`` and ``/fix``, and refusals that
need GitHub to answer a certain way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.github.errors import GitHubPermanentError
from bot.adapters.store.models import ClusterEvent, FiveWhysRecord, GitHubIssue
from bot.handlers.commands.builtin import MODULES
from bot.handlers.commands.spec import REGISTRY
from tests.commands.conftest import JUNIT_1011
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio


def test_every_builtin_module_registers_a_command() -> None:
    # A new command file is a new command; its cases belong in this folder.
    assert len(MODULES) == len(REGISTRY.names()) == 14


async def test_help_asks_github_nothing_and_lists_the_enabled_commands(scene: Scene) -> None:
    scene.config("commands:\n  disabled: [rerun]\n")
    comment = await scene.say(scene.failure, "stranger", "/help")
    [reply] = scene.bot_replies(scene.failure)
    assert "Here is what I can do in this repository:" in reply
    assert "`/mute" in reply and "`/rerun" not in reply.split("How to talk to me")[0]
    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert [c[0] for c in scene.github.calls] == ["react", "react"]  # no permission asked


async def test_one_comment_asks_for_the_permission_once(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", "/flaky\n/label add needs-owner\n/status")
    assert [c for c in scene.github.calls if c[0] == "permission"] == [("permission", "ana")]
    assert ("add_labels", scene.failure, ("needs-owner",)) in scene.github.calls


async def test_link_moves_the_cluster_row_and_wants_the_bots_issue_closed(scene: Scene) -> None:
    scene.person("ana", "triage")
    old = scene.failure
    target = scene.open_issue("Pipeline socket drops", "ana", body="Seen since Monday.")
    comment = await scene.say(old, "ana", f"/link #{target}")

    assert ("get_issue", target) in scene.github.calls
    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    pointer, reply = scene.bot_replies(old)
    assert f"Done: this failure now lives in #{target}" in reply
    assert f"Loopwatch keeps this failure in #{target} from now on (linked by `ana`" in pointer
    assert scene.issue(old)["state"] == "closed"
    assert scene.issue(target)["title"] == "Pipeline socket drops"
    assert "loopwatch:failure" in scene.labels(target)
    with scene.factory() as session:
        event = session.scalars(select(ClusterEvent).where(ClusterEvent.kind == "linked")).one()
        assert (event.actor, event.details) == ("ana", {"from": old, "to": target})
        keys = {row.key.split(":")[0]: row.number for row in session.scalars(select(GitHubIssue))}
    assert (keys["cluster"], keys["linked"]) == (target, old)
    assert scene.command_log() == [f"ana linked failure issue #{old} to #{target} (#{old})"]


async def test_link_to_a_closed_issue_says_it_reopens_it(scene: Scene) -> None:
    scene.person("ana", "triage")
    old = scene.failure
    target = scene.open_issue("Old report", "ana")
    scene.github.issues[target].state = "closed"
    await scene.say(old, "ana", f"/link {target}")
    [_, reply] = scene.bot_replies(old)
    assert f"#{target} is closed and this failure is not resolved, so I reopen it." in reply


async def test_rerun_of_a_run_github_does_not_know_is_refused(scene: Scene) -> None:
    run_id = scene.github.workflow_run()
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    scene.github.rerun_error = GitHubPermanentError("Not Found", status=404)
    scene.person("wes", "write")
    comment = await scene.say(scene.tracking, "wes", "/rerun")
    [reply] = scene.bot_replies(scene.tracking)
    assert f"🚫 GitHub does not know [workflow run {run_id}](" in reply
    assert scene.github.reruns == []
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert scene.command_log() == []


async def test_rerun_when_github_fails_otherwise_says_github_refused(scene: Scene) -> None:
    run_id = scene.github.workflow_run()
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    scene.github.rerun_error = GitHubPermanentError("Validation Failed", status=422)
    scene.person("wes", "write")
    await scene.say(scene.tracking, "wes", "/rerun")
    [reply] = scene.bot_replies(scene.tracking)
    assert "😕 GitHub refused: Validation Failed" in reply


async def test_root_cause_and_fixes_edit_the_record_people_see(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.tracking, "ana", "/root-cause E2E env vars are not propagated")
    await scene.say(scene.tracking, "ana", "/fix Propagate the env vars @ana due 2026-12-31")
    body = scene.issue(scene.tracking)["body"]
    assert "**Root cause:** E2E env vars are not propagated" in body
    assert "- [ ] Propagate the env vars (owner: ana, due 2026-12-31)" in body
    await scene.say(scene.tracking, "ana", "/fix clear")
    body = scene.issue(scene.tracking)["body"]
    assert "Propagate the env vars" not in body
    assert "**Root cause:** E2E env vars are not propagated" in body
    assert [line.split(" (#")[0] for line in scene.command_log()] == [
        "ana set the root cause of the five-whys",
        "ana added a fix to the five-whys",
        "ana cleared the fix strategy of the five-whys",
    ]
    assert scene.bot_replies(scene.tracking) == []  # the 👍 and the body say it all


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("/why 7 Why? -> because", "The whys are numbered 1 to 5; `7` is not one of them."),
        ("/why", "I could not read the arguments. Usage: `/why N Why …? -> because …`"),
        ("/root-cause", "I could not read the arguments. Usage: `/root-cause text`"),
        ("/fix", "I could not read the arguments. Usage: `/fix what to do"),
        ("/five-whys confirm", "There is no five-whys draft here to confirm."),
    ],
)
async def test_five_whys_edits_that_cannot_apply_are_refused(
    scene: Scene, typed: str, why: str
) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.tracking, "ana", typed)
    [reply] = scene.bot_replies(scene.tracking)
    assert f"> {typed}" in reply and why in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    with scene.factory() as session:
        assert session.scalars(select(FiveWhysRecord)).all() == []


@pytest.mark.parametrize("typed", ["/why 1 Why? -> because", "/fix ship it", "/five-whys"])
async def test_a_reader_may_not_edit_the_five_whys(scene: Scene, typed: str) -> None:
    scene.person("rita", "read")
    await scene.say(scene.failure, "rita", typed)
    [reply] = scene.bot_replies(scene.failure)
    assert "needs **triage** permission" in reply and "`rita` has **read**" in reply
    with scene.factory() as session:
        assert session.scalars(select(FiveWhysRecord)).all() == []


async def test_label_remove_asks_github_per_label(scene: Scene) -> None:
    scene.person("tom", "triage")
    number = scene.open_issue("Q", "tom")
    scene.github.issues[number].labels = ["backend"]
    await scene.say(number, "tom", "/label remove backend frontend")
    assert scene.github.writes() == [
        ("remove_label", number, "backend"),
        ("remove_label", number, "frontend"),
    ]
    assert scene.labels(number) == []
