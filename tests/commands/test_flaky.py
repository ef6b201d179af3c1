"""``/flaky`` and ``/not-flaky`` on fakes (tests/commands/fakes.py): a person's word on
flakiness, and what it does to the noise of later runs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import CommandInvocation
from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio

TITLE = "WebSocket closed 1011 (internal error)"
FIRST_COMMIT = "a" * 40  # the talk fixture's failing run


async def test_flaky_pins_the_label_and_logs(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.failure, "ana", "/flaky")

    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert scene.labels(scene.failure) == ["flaky", "loopwatch:failure"]
    assert scene.bot_replies(scene.failure) == []
    cluster = scene.cluster()
    assert (cluster.flaky, cluster.flaky_pinned) == (True, True)
    [pinned] = scene.events("pinned_flaky")
    assert pinned.actor == "ana"
    assert pinned.details == {"was_flaky": False, "was_pinned": None}
    assert f"ana marked “{TITLE}” flaky" in scene.issue(scene.tracking)["body"]


async def test_a_cluster_pinned_flaky_makes_no_regression_noise(scene: Scene) -> None:
    scene.person("ana", "triage")
    scene.person("wes", "write")
    await scene.say(scene.failure, "ana", "/flaky")
    await scene.say(scene.failure, "wes", "/resolve")
    tracking_comments = len(scene.comments(scene.tracking))

    scene.upload(JUNIT_1011, commit_sha="c" * 40, branch="main")

    cluster = scene.cluster()
    assert (cluster.state, cluster.regressions) == ("resolved", 0)
    assert (cluster.runs_failed, cluster.flaky_runs) == (1, 1)  # counted, as flaky
    assert scene.issue(scene.failure)["state"] == "closed"
    assert scene.bot_replies(scene.failure) == []
    assert len(scene.comments(scene.tracking)) == tracking_comments
    assert scene.events("regressed") == []
    assert [e.run_id for e in scene.events("flaky")] == [2]


async def test_not_flaky_takes_away_detected_flakiness_for_good(scene: Scene) -> None:
    scene.person("ana", "triage")
    scene.upload(JUNIT_GREEN, commit_sha=FIRST_COMMIT, branch="main")  # passes on its commit
    assert scene.cluster().flaky and "flaky" in scene.labels(scene.failure)

    comment = await scene.say(scene.failure, "ana", "/not-flaky")

    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert scene.labels(scene.failure) == ["loopwatch:failure"]
    cluster = scene.cluster()
    assert (cluster.flaky, cluster.flaky_pinned) == (False, False)
    [pinned] = scene.events("pinned_not_flaky")
    assert pinned.actor == "ana" and pinned.details == {"was_flaky": True, "was_pinned": None}
    assert f"ana marked “{TITLE}” not flaky" in scene.issue(scene.tracking)["body"]

    # It fails and then passes on one commit again: detection would call it flaky.
    scene.upload(JUNIT_1011, commit_sha="d" * 40, branch="main")
    scene.upload(JUNIT_GREEN, commit_sha="d" * 40, branch="main")

    assert not scene.cluster().flaky
    assert scene.labels(scene.failure) == ["loopwatch:failure"]
    assert len(scene.events("marked_flaky")) == 1  # the one before /not-flaky


@pytest.mark.parametrize(
    ("pin", "regressed"),
    [
        (None, False),  # detected flaky: it passed on that commit, so no regression
        ("/not-flaky", True),  # a person said its failures are real
    ],
)
async def test_not_flaky_failures_regress_normally(
    scene: Scene, pin: str | None, regressed: bool
) -> None:
    scene.person("wes", "write")
    if pin:
        await scene.say(scene.failure, "wes", pin)
    await scene.say(scene.failure, "wes", "/resolve")
    scene.upload(JUNIT_GREEN, commit_sha="d" * 40, branch="main")
    scene.upload(JUNIT_1011, commit_sha="d" * 40, branch="main")  # fails where it passed

    cluster = scene.cluster()
    assert cluster.regressions == (1 if regressed else 0)
    assert scene.issue(scene.failure)["state"] == ("open" if regressed else "closed")
    assert ("regression" in scene.labels(scene.failure)) is regressed
    replies = scene.bot_replies(scene.failure)
    assert len(replies) == (1 if regressed else 0)
    if regressed:
        assert f"🔁 **Regression: {TITLE}** is failing again" in replies[0]


@pytest.mark.parametrize(("command", "state"), [("/flaky", "flaky"), ("/not-flaky", "not flaky")])
async def test_saying_it_twice_is_refused(scene: Scene, command: str, state: str) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", command)
    comment = await scene.say(scene.failure, "ana", command)

    [reply] = scene.bot_replies(scene.failure)
    assert f"> {command}" in reply and f"“{TITLE}” is marked {state} already." in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]


@pytest.mark.parametrize("command", ["/flaky", "/not-flaky"])
async def test_a_quoted_flaky_command_does_nothing(scene: Scene, command: str) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.failure, "ana", f"> {command}\n\nare we sure?")

    assert scene.reactions(comment["id"]) == []
    assert scene.bot_replies(scene.failure) == []
    assert scene.cluster().flaky_pinned is None
    with scene.factory() as session:
        assert session.scalars(select(CommandInvocation)).all() == []


@pytest.mark.parametrize("command", ["/flaky", "/not-flaky"])
async def test_a_read_user_may_not_pin_flakiness(scene: Scene, command: str) -> None:
    scene.person("rob", "read")
    comment = await scene.say(scene.failure, "rob", command)

    [reply] = scene.bot_replies(scene.failure)
    assert f"> {command}" in reply
    assert "needs **triage** permission" in reply and "`rob` has **read**" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert scene.cluster().flaky_pinned is None
    assert scene.labels(scene.failure) == ["loopwatch:failure"]
