"""``/label add|remove NAME…`` on fakes (tests/commands/fakes.py), and end to end that the
sync keeps what people chose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import GitHubIssue
from bot.handlers.commands.builtin.label import parse_names
from tests.commands.conftest import JUNIT_1011, Talk
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("bug", ["bug"]),
        ("bug, backend ui", ["bug", "backend", "ui"]),
        ('"needs triage",p1', ["needs triage", "p1"]),
        ("'good first issue' Bug bug", ["good first issue", "Bug"]),
    ],
)
def test_parse_names(text: str, names: list[str]) -> None:
    assert parse_names(text) == names


@pytest.mark.parametrize(
    ("text", "error"),
    [('"needs triage', "a quote is not closed"), ('""', "empty"), ("x" * 51, "at most 50")],
)
def test_parse_names_says_what_is_wrong(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_names(text)


async def test_label_add_and_remove_on_any_issue(scene: Scene) -> None:
    scene.person("tom", "triage")
    number = scene.open_issue("Q", "tom")
    comment = await scene.say(number, "tom", '/label add "needs triage", backend flaky')
    assert scene.labels(number) == ["backend", "flaky", "needs triage"]
    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert scene.bot_replies(number) == []  # the 👍 says it all
    await scene.say(number, "tom", "/label remove backend frontend")
    assert scene.labels(number) == ["flaky", "needs triage"]
    [reply] = scene.bot_replies(number)
    assert "> /label remove backend frontend\n\n`frontend` was not on this issue." in reply


def test_a_label_added_on_a_failure_issue_survives_the_next_run(talk: Talk) -> None:
    talk.person("tom", "triage")
    talk.say(talk.failure, "tom", "/label add needs-owner")
    assert "needs-owner" in talk.labels(talk.failure)
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main")
    assert "needs-owner" in talk.labels(talk.failure)
    assert "loopwatch:failure" in talk.labels(talk.failure)


def test_a_label_the_bot_took_back_is_kept_when_a_person_adds_it(talk: Talk) -> None:
    talk.person("tom", "triage")
    with talk.h.session_factory() as session, session.begin():
        row = session.scalars(select(GitHubIssue).where(GitHubIssue.number == talk.failure)).one()
        row.unlabels = ["ops"]  # as after a config change dropped ``ops`` from its labels
    talk.say(talk.failure, "tom", "/label add ops")
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main")
    assert "ops" in talk.labels(talk.failure)


async def test_state_labels_on_a_failure_issue_point_to_their_commands(scene: Scene) -> None:
    scene.person("tom", "triage")
    await scene.say(
        scene.failure, "tom", "/label add muted\n/label remove flaky\n/label remove regression"
    )
    [reply] = scene.bot_replies(scene.failure)
    assert (
        "> /label add muted\n\n🚫 I keep `muted` on this issue myself; to add it, use `/mute`."
        in (reply)
    )
    assert "🚫 I keep `flaky` on this issue myself; to remove it, use `/not-flaky`." in reply
    assert "🚫 I keep `regression` on this issue myself; to remove it, it records" in reply
    assert "muted" not in scene.labels(scene.failure)


async def test_removing_a_label_the_config_asks_for_is_refused(scene: Scene) -> None:
    scene.person("tom", "triage")
    await scene.say(scene.failure, "tom", "/label remove loopwatch:failure")
    await scene.say(scene.tracking, "tom", f"/label remove {scene.labels(scene.tracking)[0]}")
    [failure_reply] = scene.bot_replies(scene.failure)
    assert "🚫 I keep `loopwatch:failure` on this issue myself" in failure_reply
    [tracking_reply] = scene.bot_replies(scene.tracking)
    assert "because `.github/loopwatch.yml` asks for it" in tracking_reply
    assert "loopwatch:failure" in scene.labels(scene.failure)


async def test_at_most_ten_labels_per_command(scene: Scene) -> None:
    scene.person("tom", "triage")
    await scene.say(scene.failure, "tom", "/label add " + " ".join(f"l{i}" for i in range(11)))
    [reply] = scene.bot_replies(scene.failure)
    assert "🚫 That is 11 labels; at most 10 per command." in reply
    assert "l0" not in scene.labels(scene.failure)


async def test_a_quoted_label_does_nothing(scene: Scene) -> None:
    scene.person("tom", "triage")
    before = scene.labels(scene.failure)
    comment = await scene.say(scene.failure, "tom", "> /label add x\n\nnot yet")
    assert scene.labels(scene.failure) == before
    assert scene.bot_replies(scene.failure) == []
    assert scene.reactions(comment["id"]) == []


async def test_a_reader_may_not_label(scene: Scene) -> None:
    scene.person("rita", "read")
    before = scene.labels(scene.failure)
    comment = await scene.say(scene.failure, "rita", "/label add x")
    assert scene.labels(scene.failure) == before
    [reply] = scene.bot_replies(scene.failure)
    assert "> /label add x\n\n🚫 `/label` needs **triage** permission" in reply
    assert "`rita` has **read**" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
