"""``/mute`` and ``/unmute`` end to end (sandbox → webhook → worker → sandbox), the
``unmute_due`` job, and the duration parsing as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.adapters.queue.kinds import UNMUTE_DUE
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Cluster, CommandInvocation, Job
from bot.core.text import format_time
from bot.handlers.commands.builtin.mute import MuteRequest, parse_mute
from bot.handlers.commands.spec import Refused
from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN, Talk
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio

TITLE = "WebSocket closed 1011 (internal error)"
NOW = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)


def unmute_jobs(where: Talk | Scene) -> list[Job]:
    factory = where.factory if isinstance(where, Scene) else where.h.session_factory
    with factory() as session:
        return list(session.scalars(select(Job).where(Job.kind == UNMUTE_DUE).order_by(Job.id)))


def tracking_body(where: Talk | Scene) -> str:
    return str(where.issue(where.tracking)["body"])


def time_passes(talk: Talk, job: Job) -> None:
    """The mute of ``job`` runs out: its end (and the job) move to a minute ago."""
    ended = datetime.now(UTC) - timedelta(minutes=1)
    with transaction(talk.h.session_factory) as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(run_at=ended, payload={**job.payload, "until": ended.isoformat()})
        )
        session.execute(
            update(Cluster)
            .where(Cluster.id == int(job.payload["cluster_id"]))
            .values(muted_until=ended)
        )


# --- /mute -----------------------------------------------------------------------------


async def test_mute_for_a_week_labels_the_issue_replies_and_logs(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.failure, "ana", "/mute for 7d infra flake")

    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert scene.labels(scene.failure) == ["loopwatch:failure", "muted"]
    assert scene.issue(scene.failure)["state"] == "open"
    cluster = scene.cluster()
    [muted] = scene.events("muted")
    assert cluster.state == "muted" and cluster.muted_until == muted.at + timedelta(days=7)
    assert muted.actor == "ana"
    assert muted.details == {"until": cluster.muted_until.isoformat(), "reason": "infra flake"}
    [reply] = scene.bot_replies(scene.failure)
    assert "> /mute for 7d infra flake" in reply
    assert f"Muted until {format_time(cluster.muted_until)};" in reply
    [job] = unmute_jobs(scene)
    assert (job.status, job.run_at) == ("queued", cluster.muted_until)
    assert job.payload == {"cluster_id": cluster.id, "until": cluster.muted_until.isoformat()}
    assert (
        f"ana muted “{TITLE}” until {format_time(cluster.muted_until)} (reason: infra flake)"
        in tracking_body(scene)
    )


async def test_mute_without_a_time_lasts_until_unmute(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", "/mute")

    cluster = scene.cluster()
    assert (cluster.state, cluster.muted_until) == ("muted", None)
    assert "Muted until someone types `/unmute`." in scene.bot_replies(scene.failure)[0]
    assert unmute_jobs(scene) == []
    assert f"muted “{TITLE}” until someone types /unmute" in tracking_body(scene)


async def test_a_muted_cluster_is_counted_but_comments_and_reopens_nothing(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", "/mute")
    comments_before = len(scene.comments(scene.failure))
    for _ in range(3):  # would resolve it, were it not muted
        scene.upload(JUNIT_GREEN, commit_sha="b" * 40, branch="main")
    scene.upload(JUNIT_1011, commit_sha="c" * 40, branch="main")

    cluster = scene.cluster()
    assert (cluster.state, cluster.runs_failed, cluster.regressions) == ("muted", 2, 0)
    assert len(scene.comments(scene.failure)) == comments_before
    assert scene.issue(scene.failure)["state"] == "open"
    assert scene.labels(scene.failure) == ["loopwatch:failure", "muted"]
    assert scene.events("regressed") == []


def test_the_mute_ends_by_itself_when_due(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.say(talk.failure, "ana", "/mute for 2h")
    [job] = unmute_jobs(talk)

    time_passes(talk, job)
    talk.h.work_until_settled()

    assert talk.labels(talk.failure) == ["loopwatch:failure"]
    cluster = talk.cluster()
    assert (cluster.state, cluster.muted_until) == ("open", None)
    [unmuted] = talk.events("unmuted")
    assert unmuted.actor == "loopwatch" and unmuted.details == {"reason": "mute ended"}
    assert [j.status for j in unmute_jobs(talk)] == ["done"]
    assert f"loopwatch unmuted “{TITLE}”: the mute ran out" in tracking_body(talk)


def test_muting_again_supersedes_the_earlier_end(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.say(talk.failure, "ana", "/mute for 2h")
    talk.say(talk.failure, "ana", "/mute for 3 days")
    first, second = unmute_jobs(talk)

    # The first mute's job comes due: the cluster's mute is the second one now.
    with transaction(talk.h.session_factory) as session:
        session.execute(update(Job).where(Job.id == first.id).values(run_at=datetime.now(UTC)))
    talk.h.work_until_settled()

    cluster = talk.cluster()
    assert cluster.state == "muted" and cluster.muted_until == second.run_at
    assert talk.events("unmuted") == []
    assert talk.labels(talk.failure) == ["loopwatch:failure", "muted"]
    assert [j.status for j in unmute_jobs(talk)] == ["done", "queued"]


async def test_a_quoted_mute_in_a_reply_does_nothing(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.failure, "ana", "> /mute for 7d\n\nI would rather fix it.")

    assert scene.reactions(comment["id"]) == []
    assert scene.bot_replies(scene.failure) == []
    assert scene.cluster().state != "muted"
    with scene.factory() as session:
        assert session.scalars(select(CommandInvocation)).all() == []


async def test_a_read_user_may_not_mute(scene: Scene) -> None:
    scene.person("rob", "read")
    comment = await scene.say(scene.failure, "rob", "/mute for 7d")

    [reply] = scene.bot_replies(scene.failure)
    assert "> /mute for 7d" in reply
    assert "needs **triage** permission" in reply and "`rob` has **read**" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert scene.cluster().state != "muted"
    assert scene.labels(scene.failure) == ["loopwatch:failure"]


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("/mute for ever", "After `for`, give a duration"),
        ("/mute until 2020-01-01", "is in the past"),
        ("/mute until someday", "I could not read `someday` as a time"),
    ],
)
async def test_a_mute_that_cannot_be_read_is_refused(scene: Scene, typed: str, why: str) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", typed)

    [reply] = scene.bot_replies(scene.failure)
    assert f"> {typed}" in reply and why in reply
    assert scene.cluster().state != "muted"


# --- /unmute ---------------------------------------------------------------------------


async def test_unmute_removes_the_label_and_logs(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", "/mute for 7d")
    comment = await scene.say(scene.failure, "ana", "/unmute")

    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert scene.labels(scene.failure) == ["loopwatch:failure"]
    assert (scene.cluster().state, scene.cluster().muted_until) == ("open", None)
    [unmuted] = scene.events("unmuted")
    assert unmuted.actor == "ana"
    assert len(scene.bot_replies(scene.failure)) == 1  # the mute's; the 👍 says the rest
    assert f"ana unmuted “{TITLE}”" in tracking_body(scene)


async def test_unmute_when_not_muted_is_refused(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.failure, "ana", "/unmute")

    [reply] = scene.bot_replies(scene.failure)
    assert "> /unmute" in reply and f"“{TITLE}” is not muted." in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]


async def test_a_quoted_unmute_does_nothing(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", "/mute")
    comment = await scene.say(scene.failure, "ana", "> /unmute\n\nnot yet, please")

    assert scene.reactions(comment["id"]) == []
    assert scene.cluster().state == "muted"
    assert len(scene.bot_replies(scene.failure)) == 1


async def test_a_read_user_may_not_unmute(scene: Scene) -> None:
    scene.person("ana", "triage")
    scene.person("rob", "read")
    await scene.say(scene.failure, "ana", "/mute")
    await scene.say(scene.failure, "rob", "/unmute")

    reply = scene.bot_replies(scene.failure)[-1]
    assert "> /unmute" in reply and "needs **triage** permission" in reply
    assert scene.cluster().state == "muted"
    assert "muted" in scene.labels(scene.failure)


# --- parsing (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "until", "reason"),
    [
        ("", None, None),
        ("infra flake", None, "infra flake"),
        ("for 7d", NOW + timedelta(days=7), None),
        ("for 12h", NOW + timedelta(hours=12), None),
        ("for 30m", NOW + timedelta(minutes=30), None),
        ("for 45 min", NOW + timedelta(minutes=45), None),
        ("for 2 weeks", NOW + timedelta(weeks=2), None),
        ("for 1w vendor outage", NOW + timedelta(weeks=1), "vendor outage"),
        ("FOR 3 Days  waiting   on  infra", NOW + timedelta(days=3), "waiting on infra"),
        ("until 2026-12-31", datetime(2026, 12, 31, tzinfo=UTC), None),
        ("until 2026-12-31 vendor fix", datetime(2026, 12, 31, tzinfo=UTC), "vendor fix"),
        ("until 2026-12-01T08:15", datetime(2026, 12, 1, 8, 15, tzinfo=UTC), None),
        ("until 2026-12-01T08:15Z", datetime(2026, 12, 1, 8, 15, tzinfo=UTC), None),
        ("until 2026-12-01T10:15+02:00", datetime(2026, 12, 1, 8, 15, tzinfo=UTC), None),
        ("forever and ever", None, "forever and ever"),  # not the word `for`
        ("flaky until the fix lands", None, "flaky until the fix lands"),
    ],
)
def test_parse_mute(args: str, until: datetime | None, reason: str | None) -> None:
    assert parse_mute(args, NOW) == MuteRequest(until, reason)


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ("for", "After `for`, give a duration"),
        ("for a while", "After `for`, give a duration"),
        ("for 7 fortnights", "After `for`, give a duration"),
        ("for 7dinfra", "After `for`, give a duration"),
        ("for 0d", "no time at all"),
        ("for 53w", "at most a year"),
        ("for 9999999d", "After `for`, give a duration"),
        ("until", "After `until`, give a date"),
        ("until tomorrow", "could not read `tomorrow`"),
        ("until 2026-02-30", "could not read `2026-02-30`"),
        ("until 2026-11-29", "2026-11-29 00:00 UTC is in the past"),
        ("until 2026-11-29T12:30Z", "is in the past"),  # now is not later than now
        ("until 2028-01-01", "at most a year"),
    ],
)
def test_parse_mute_refuses(args: str, why: str) -> None:
    with pytest.raises(Refused, match=why.replace("(", r"\(")):
        parse_mute(args, NOW)
