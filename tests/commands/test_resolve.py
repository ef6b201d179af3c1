"""``/resolve`` end to end: the cluster is fixed now, its issue closes, the next failure
is a regression."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import CommandInvocation
from tests.commands.conftest import JUNIT_1011, Talk

TITLE = "WebSocket closed 1011 (internal error)"


def test_resolve_closes_the_issue_and_records_who_and_why(talk: Talk) -> None:
    talk.person("wes", "write")
    comment = talk.say(talk.failure, "wes", "/resolve fixed by the keepalive change")

    assert talk.reactions(comment["id"]) == ["eyes", "+1"]
    assert talk.issue(talk.failure)["state"] == "closed"
    assert talk.bot_replies(talk.failure) == []  # the closed issue and the 👍 say it
    cluster = talk.cluster()
    assert (cluster.state, cluster.resolved_by, cluster.resolved_reason) == (
        "resolved",
        "wes",
        "command",
    )
    [resolved] = talk.events("resolved")
    assert resolved.actor == "wes" and resolved.at == cluster.resolved_at
    assert resolved.details == {"reason": "command", "text": "fixed by the keepalive change"}
    body = talk.issue(talk.tracking)["body"]
    assert f"wes resolved “{TITLE}” (reason: fixed by the keepalive change)" in body


def test_the_next_failure_after_resolve_is_a_regression(talk: Talk) -> None:
    talk.person("wes", "write")
    talk.say(talk.failure, "wes", "/resolve")
    talk.upload(JUNIT_1011, commit_sha="c" * 40, branch="main")

    issue = talk.issue(talk.failure)
    assert issue["state"] == "open"
    assert "regression" in talk.labels(talk.failure)
    [comment] = talk.bot_replies(talk.failure)
    assert f"🔁 **Regression: {TITLE}** is failing again" in comment
    assert "when `wes` typed /resolve" in comment  # who resolved it, and how
    cluster = talk.cluster()
    assert (cluster.state, cluster.regressions) == ("regressed", 1)


def test_resolve_ends_a_mute(talk: Talk) -> None:
    talk.person("wes", "write")
    talk.say(talk.failure, "wes", "/mute for 7d")
    talk.say(talk.failure, "wes", "/resolve")

    assert talk.issue(talk.failure)["state"] == "closed"
    assert "muted" not in talk.labels(talk.failure)
    cluster = talk.cluster()
    assert (cluster.state, cluster.muted_until) == ("resolved", None)


def test_resolving_twice_is_refused(talk: Talk) -> None:
    talk.person("wes", "write")
    talk.say(talk.failure, "wes", "/resolve")
    comment = talk.say(talk.failure, "wes", "/resolve again")

    [reply] = talk.bot_replies(talk.failure)
    assert "> /resolve again" in reply and f"“{TITLE}” is resolved already." in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]
    assert len(talk.events("resolved")) == 1


def test_a_quoted_resolve_does_nothing(talk: Talk) -> None:
    talk.person("wes", "write")
    comment = talk.say(talk.failure, "wes", "> /resolve\n\nnot before the fix ships")

    assert talk.reactions(comment["id"]) == []
    assert talk.bot_replies(talk.failure) == []
    assert talk.issue(talk.failure)["state"] == "open"
    with talk.h.session_factory() as session:
        assert session.scalars(select(CommandInvocation)).all() == []


@pytest.mark.parametrize("role", ["read", "triage"])
def test_resolve_needs_write(talk: Talk, role: str) -> None:
    talk.person("rob", role)
    comment = talk.say(talk.failure, "rob", "/resolve")

    [reply] = talk.bot_replies(talk.failure)
    assert "> /resolve" in reply
    assert "needs **write** permission" in reply and f"`rob` has **{role}**" in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]
    assert talk.issue(talk.failure)["state"] == "open"
    assert talk.cluster().state != "resolved"
