"""``/resolve`` on fakes (tests/commands/fakes.py): the cluster is fixed now, its issue
closes, the next failure is a regression."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import CommandInvocation
from tests.commands.conftest import JUNIT_1011
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio

TITLE = "WebSocket closed 1011 (internal error)"


async def test_resolve_closes_the_issue_and_records_who_and_why(scene: Scene) -> None:
    scene.person("wes", "write")
    comment = await scene.say(scene.failure, "wes", "/resolve fixed by the keepalive change")

    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert scene.issue(scene.failure)["state"] == "closed"
    assert scene.bot_replies(scene.failure) == []  # the closed issue and the 👍 say it
    cluster = scene.cluster()
    assert (cluster.state, cluster.resolved_by, cluster.resolved_reason) == (
        "resolved",
        "wes",
        "command",
    )
    [resolved] = scene.events("resolved")
    assert resolved.actor == "wes" and resolved.at == cluster.resolved_at
    assert resolved.details == {"reason": "command", "text": "fixed by the keepalive change"}
    body = scene.issue(scene.tracking)["body"]
    assert f"wes resolved “{TITLE}” (reason: fixed by the keepalive change)" in body


async def test_the_next_failure_after_resolve_is_a_regression(scene: Scene) -> None:
    scene.person("wes", "write")
    await scene.say(scene.failure, "wes", "/resolve")
    scene.upload(JUNIT_1011, commit_sha="c" * 40, branch="main")

    issue = scene.issue(scene.failure)
    assert issue["state"] == "open"
    assert "regression" in scene.labels(scene.failure)
    [comment] = scene.bot_replies(scene.failure)
    assert f"🔁 **Regression: {TITLE}** is failing again" in comment
    assert "when `wes` typed /resolve" in comment  # who resolved it, and how
    cluster = scene.cluster()
    assert (cluster.state, cluster.regressions) == ("regressed", 1)


async def test_resolve_ends_a_mute(scene: Scene) -> None:
    scene.person("wes", "write")
    await scene.say(scene.failure, "wes", "/mute for 7d")
    await scene.say(scene.failure, "wes", "/resolve")

    assert scene.issue(scene.failure)["state"] == "closed"
    assert "muted" not in scene.labels(scene.failure)
    cluster = scene.cluster()
    assert (cluster.state, cluster.muted_until) == ("resolved", None)


async def test_resolving_twice_is_refused(scene: Scene) -> None:
    scene.person("wes", "write")
    await scene.say(scene.failure, "wes", "/resolve")
    comment = await scene.say(scene.failure, "wes", "/resolve again")

    [reply] = scene.bot_replies(scene.failure)
    assert "> /resolve again" in reply and f"“{TITLE}” is resolved already." in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert len(scene.events("resolved")) == 1


async def test_a_quoted_resolve_does_nothing(scene: Scene) -> None:
    scene.person("wes", "write")
    comment = await scene.say(scene.failure, "wes", "> /resolve\n\nnot before the fix ships")

    assert scene.reactions(comment["id"]) == []
    assert scene.bot_replies(scene.failure) == []
    assert scene.issue(scene.failure)["state"] == "open"
    with scene.factory() as session:
        assert session.scalars(select(CommandInvocation)).all() == []


@pytest.mark.parametrize("role", ["read", "triage"])
async def test_resolve_needs_write(scene: Scene, role: str) -> None:
    scene.person("rob", role)
    comment = await scene.say(scene.failure, "rob", "/resolve")

    [reply] = scene.bot_replies(scene.failure)
    assert "> /resolve" in reply
    assert "needs **write** permission" in reply and f"`rob` has **{role}**" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert scene.issue(scene.failure)["state"] == "open"
    assert scene.cluster().state != "resolved"
