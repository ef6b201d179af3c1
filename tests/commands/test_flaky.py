"""``/flaky`` and ``/not-flaky`` end to end: a person's word on flakiness, and what it
does to the noise of later runs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import CommandInvocation
from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN, Talk

TITLE = "WebSocket closed 1011 (internal error)"
FIRST_COMMIT = "a" * 40  # the talk fixture's failing run


def test_flaky_pins_the_label_and_logs(talk: Talk) -> None:
    talk.person("ana", "triage")
    comment = talk.say(talk.failure, "ana", "/flaky")

    assert talk.reactions(comment["id"]) == ["eyes", "+1"]
    assert talk.labels(talk.failure) == ["flaky", "loopwatch:failure"]
    assert talk.bot_replies(talk.failure) == []
    cluster = talk.cluster()
    assert (cluster.flaky, cluster.flaky_pinned) == (True, True)
    [pinned] = talk.events("pinned_flaky")
    assert pinned.actor == "ana"
    assert pinned.details == {"was_flaky": False, "was_pinned": None}
    assert f"ana marked “{TITLE}” flaky" in talk.issue(talk.tracking)["body"]


def test_a_cluster_pinned_flaky_makes_no_regression_noise(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.person("wes", "write")
    talk.say(talk.failure, "ana", "/flaky")
    talk.say(talk.failure, "wes", "/resolve")
    tracking_comments = len(talk.comments(talk.tracking))

    talk.upload(JUNIT_1011, commit_sha="c" * 40, branch="main")

    cluster = talk.cluster()
    assert (cluster.state, cluster.regressions) == ("resolved", 0)
    assert (cluster.runs_failed, cluster.flaky_runs) == (1, 1)  # counted, as flaky
    assert talk.issue(talk.failure)["state"] == "closed"
    assert talk.bot_replies(talk.failure) == []
    assert len(talk.comments(talk.tracking)) == tracking_comments
    assert talk.events("regressed") == []
    assert [e.run_id for e in talk.events("flaky")] == [2]


def test_not_flaky_takes_away_detected_flakiness_for_good(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.upload(JUNIT_GREEN, commit_sha=FIRST_COMMIT, branch="main")  # passes on its commit
    assert talk.cluster().flaky and "flaky" in talk.labels(talk.failure)

    comment = talk.say(talk.failure, "ana", "/not-flaky")

    assert talk.reactions(comment["id"]) == ["eyes", "+1"]
    assert talk.labels(talk.failure) == ["loopwatch:failure"]
    cluster = talk.cluster()
    assert (cluster.flaky, cluster.flaky_pinned) == (False, False)
    [pinned] = talk.events("pinned_not_flaky")
    assert pinned.actor == "ana" and pinned.details == {"was_flaky": True, "was_pinned": None}
    assert f"ana marked “{TITLE}” not flaky" in talk.issue(talk.tracking)["body"]

    # It fails and then passes on one commit again: detection would call it flaky.
    talk.upload(JUNIT_1011, commit_sha="d" * 40, branch="main")
    talk.upload(JUNIT_GREEN, commit_sha="d" * 40, branch="main")

    assert not talk.cluster().flaky
    assert talk.labels(talk.failure) == ["loopwatch:failure"]
    assert len(talk.events("marked_flaky")) == 1  # the one before /not-flaky


@pytest.mark.parametrize(
    ("pin", "regressed"),
    [
        (None, False),  # detected flaky: it passed on that commit, so no regression
        ("/not-flaky", True),  # a person said its failures are real
    ],
)
def test_not_flaky_failures_regress_normally(talk: Talk, pin: str | None, regressed: bool) -> None:
    talk.person("wes", "write")
    if pin:
        talk.say(talk.failure, "wes", pin)
    talk.say(talk.failure, "wes", "/resolve")
    talk.upload(JUNIT_GREEN, commit_sha="d" * 40, branch="main")
    talk.upload(JUNIT_1011, commit_sha="d" * 40, branch="main")  # fails where it passed

    cluster = talk.cluster()
    assert cluster.regressions == (1 if regressed else 0)
    assert talk.issue(talk.failure)["state"] == ("open" if regressed else "closed")
    assert ("regression" in talk.labels(talk.failure)) is regressed
    replies = talk.bot_replies(talk.failure)
    assert len(replies) == (1 if regressed else 0)
    if regressed:
        assert f"🔁 **Regression: {TITLE}** is failing again" in replies[0]


@pytest.mark.parametrize(("command", "state"), [("/flaky", "flaky"), ("/not-flaky", "not flaky")])
def test_saying_it_twice_is_refused(talk: Talk, command: str, state: str) -> None:
    talk.person("ana", "triage")
    talk.say(talk.failure, "ana", command)
    comment = talk.say(talk.failure, "ana", command)

    [reply] = talk.bot_replies(talk.failure)
    assert f"> {command}" in reply and f"“{TITLE}” is marked {state} already." in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]


@pytest.mark.parametrize("command", ["/flaky", "/not-flaky"])
def test_a_quoted_flaky_command_does_nothing(talk: Talk, command: str) -> None:
    talk.person("ana", "triage")
    comment = talk.say(talk.failure, "ana", f"> {command}\n\nare we sure?")

    assert talk.reactions(comment["id"]) == []
    assert talk.bot_replies(talk.failure) == []
    assert talk.cluster().flaky_pinned is None
    with talk.h.session_factory() as session:
        assert session.scalars(select(CommandInvocation)).all() == []


@pytest.mark.parametrize("command", ["/flaky", "/not-flaky"])
def test_a_read_user_may_not_pin_flakiness(talk: Talk, command: str) -> None:
    talk.person("rob", "read")
    comment = talk.say(talk.failure, "rob", command)

    [reply] = talk.bot_replies(talk.failure)
    assert f"> {command}" in reply
    assert "needs **triage** permission" in reply and "`rob` has **read**" in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]
    assert talk.cluster().flaky_pinned is None
    assert talk.labels(talk.failure) == ["loopwatch:failure"]
