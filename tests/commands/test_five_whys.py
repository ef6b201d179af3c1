"""``/five-whys``, ``/why``, ``/root-cause``, ``/fix``: the issue bodies people read, the
replies, and the versions kept in the database. On fakes (tests/commands/fakes.py), but
for the cases that need the bot's evidence draft (a worker job) or the reply as posted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.store.models import FiveWhysRecord, FiveWhysVersion
from tests.commands.conftest import JUNIT_1011, Talk
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio

FIVE_WHYS = """/five-whys
1. Why did the pipeline fail? -> WebSocket closed with 1011
2. Why did it close with 1011? | Auth failed on the WebSocket path
3. Why did auth fail? because E2E env vars are missing in staging
root cause: E2E env vars not propagated to Cloud Run staging
fix: Propagate E2E env vars @ana due 2026-12-31
fix: Fix the SessionMiddleware order
"""


def records(where: Talk | Scene) -> list[tuple[str, str | None, int, list[str]]]:
    """Each person's record's subject, author, version, and its versions' changes (the
    bot's evidence drafts are tested in ``test_evidence_e2e``)."""
    factory = where.factory if isinstance(where, Scene) else where.h.session_factory
    with factory() as session:
        out = []
        people = select(FiveWhysRecord).where(FiveWhysRecord.source == "person")
        for row in session.scalars(people.order_by(FiveWhysRecord.id)):
            changes = session.scalars(
                select(FiveWhysVersion.change)
                .where(FiveWhysVersion.record_id == row.id)
                .order_by(FiveWhysVersion.version)
            ).all()
            out.append((row.subject, row.author, row.version, list(changes)))
        return out


async def test_five_whys_on_the_tracking_issue_shows_in_its_body(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.tracking, "ana", FIVE_WHYS)
    body = scene.issue(scene.tracking)["body"]
    assert "### Five whys\n\n_Confirmed by `ana`, " in body
    # The record links the comment it was written in.
    assert (
        f"(version 1, [comment](http://sandbox.test/acme/shop/issues/{scene.tracking}"
        f"#issuecomment-{comment['id']}))._" in body
    )
    assert "| 1 | Why did the pipeline fail? | WebSocket closed with 1011 |" in body
    assert "| 2 | Why did it close with 1011? | Auth failed on the WebSocket path |" in body
    assert "| 3 | Why did auth fail? | E2E env vars are missing in staging |" in body
    assert "**Root cause:** E2E env vars not propagated to Cloud Run staging" in body
    assert "- [ ] Propagate E2E env vars (owner: ana, due 2026-12-31)" in body
    assert "- [ ] Fix the SessionMiddleware order" in body
    assert (
        "— ana replaced the five-whys (3 whys, a root cause, 2 fixes) "
        f"(#\u200b{scene.tracking})" in body
    )  # the session log
    assert scene.bot_replies(scene.tracking) == []  # the 👍 and the body say it all
    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    assert records(scene) == [
        ("campaign:e2e", "ana", 1, ["replaced the five-whys (3 whys, a root cause, 2 fixes)"])
    ]


async def test_why_on_the_failure_issue_shows_in_its_body_and_keeps_versions(scene: Scene) -> None:
    scene.person("ana", "triage")
    scene.person("bo", "write")
    await scene.say(
        scene.failure, "ana", "/why 1 Why did the pipeline fail? -> WebSocket closed 1011"
    )
    await scene.say(scene.failure, "bo", "/why 2 Why did it close with 1011? -> Auth failed")
    await scene.say(scene.failure, "ana", "/why 2 Auth failed on the WebSocket path only")
    await scene.say(
        scene.failure, "bo", "/root-cause Env vars missing in staging\n/fix Add them @bo"
    )
    body = scene.issue(scene.failure)["body"]
    assert "### Five whys\n\n_Confirmed by `bo`, " in body
    assert "(version 5, [comment](" in body
    assert "| 1 | Why did the pipeline fail? | WebSocket closed 1011 |" in body
    assert "| 2 | Why did it close with 1011? | Auth failed on the WebSocket path only |" in body
    assert "**Root cause:** Env vars missing in staging" in body
    assert "- [ ] Add them (owner: bo)" in body
    assert body.index("### Five whys") < body.index("### Signature")
    assert "@bo" not in body
    assert records(scene) == [
        (
            f"cluster:{body_fingerprint(body)}",
            "bo",
            5,
            [
                "set why 1 of the five-whys",
                "set why 2 of the five-whys",
                "set why 2 of the five-whys",
                "set the root cause of the five-whys",
                "added a fix to the five-whys",
            ],
        )
    ]
    # who did what goes to the session log of the campaign, shown on the tracking issue
    assert f"ana set why 2 of the five-whys (#{scene.failure})" in scene.command_log()
    tracking = scene.issue(scene.tracking)["body"]
    assert f"bo added a fix to the five-whys (#\u200b{scene.failure})" in tracking


def body_fingerprint(body: str) -> str:
    """The fingerprint the failure issue shows (``**Fingerprint:** `…```)."""
    return body.split("**Fingerprint:** `", 1)[1].split("`", 1)[0]


def test_until_someone_writes_one_the_issues_show_the_bots_draft(talk: Talk) -> None:
    failure, tracking = talk.issue(talk.failure)["body"], talk.issue(talk.tracking)["body"]
    assert "**Draft by Loopwatch, from the facts below**" in failure
    assert "Confirmed by" not in failure
    # the tracking issue, with no five-whys of its own, shows its main failure's draft
    assert "**Draft by Loopwatch about [WebSocket closed 1011" in tracking
    assert f"(#{talk.failure}), from the facts below**" in tracking


async def test_a_persons_record_wins_over_the_uploads_analysis(scene: Scene) -> None:
    analysis = {
        "five_whys": [{"why": "Why upload?", "because": "upload says so"}],
        "root_cause": "the upload's cause",
        "findings": ["WebSocket 1011 blocks the data pipeline"],
    }
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", analysis=analysis)
    assert "| 1 | Why upload? | upload says so |" in scene.issue(scene.tracking)["body"]
    scene.person("ana", "triage")
    # an edit starts from what the issue shows: the upload's whys become the person's
    await scene.say(scene.tracking, "ana", "/why 2 Why is that? -> env vars are missing")
    body = scene.issue(scene.tracking)["body"]
    assert "| 1 | Why upload? | upload says so |" in body
    assert "| 2 | Why is that? | env vars are missing |" in body
    assert "_Confirmed by `ana`, " in body
    # a later upload's analysis does not overwrite the person's record
    scene.upload(
        JUNIT_1011, commit_sha="c" * 40, branch="main", analysis={"root_cause": "a new cause"}
    )
    body = scene.issue(scene.tracking)["body"]
    assert "**Root cause:** the upload's cause" in body
    assert "a new cause" not in body
    assert "- ⚠️ WebSocket 1011 blocks the data pipeline" not in body  # newest upload has none
    await scene.say(scene.tracking, "ana", "/fix Propagate env vars due 2026-12-31\n/fix clear")
    body = scene.issue(scene.tracking)["body"]
    assert "### Fix strategy" not in body
    assert records(scene)[0][3][-2:] == [
        "added a fix to the five-whys",
        "cleared the fix strategy of the five-whys",
    ]


async def test_malformed_five_whys_is_refused_with_the_line_and_the_format(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(
        scene.tracking,
        "ana",
        "/five-whys\n1. Why did it fail? -> 1011\n3. Why? -> c\nthe env was off @bo",
    )
    [reply] = scene.bot_replies(scene.tracking)
    assert "> /five-whys" in reply
    assert "🚫 I did not change the five-whys; these lines need fixing:" in reply
    assert "- `the env was off @bo`: expected `N. Why …? -> because …`" in reply
    assert "- why 2 is missing (steps go 1, 2, 3 … without gaps)" in reply
    assert "```\n/five-whys\n1. Why did the pipeline fail? -> WebSocket closed with 1011\n" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
    assert records(scene) == []
    assert "Confirmed by" not in scene.issue(scene.tracking)["body"]


async def test_empty_five_whys_is_refused_with_the_format(scene: Scene) -> None:
    scene.person("ana", "triage")
    await scene.say(scene.failure, "ana", "/five-whys\n\nnot part of it after two blank lines?\n")
    [reply] = scene.bot_replies(scene.failure)
    # one blank line may separate the command from its block
    assert "these lines need fixing" in reply
    await scene.say(scene.failure, "ana", "/five-whys")
    reply = scene.bot_replies(scene.failure)[-1]
    assert "🚫 Write the five-whys on the lines right below `/five-whys`, like this:" in reply
    assert "root cause: E2E env vars not propagated to staging" in reply
    assert records(scene) == []


def test_bad_why_edits_are_refused_and_change_nothing(talk: Talk) -> None:
    talk.person("ana", "triage")
    # the draft on the issue has 3 whys: a fifth would leave a gap
    talk.say(talk.failure, "ana", "/why 5 Why? -> x")
    talk.say(talk.failure, "ana", "/why 9 Why? -> x")
    talk.say(talk.failure, "ana", "/fix ship it due 2026-02-30")
    replies = talk.bot_replies(talk.failure)
    assert "🚫 I did not change the five-whys:\n\n- why 5: there are 3 whys;" in replies[0]
    assert "🚫 The whys are numbered 1 to 5; `9` is not one of them." in replies[1]
    assert "- `2026-02-30` is not a date; expected `due YYYY-MM-DD`" in replies[2]
    assert records(talk) == []


async def test_a_quoted_command_does_nothing(scene: Scene) -> None:
    scene.person("ana", "triage")
    comment = await scene.say(scene.failure, "ana", "> /why 1 x\n\nI agree with that.")
    assert scene.bot_replies(scene.failure) == []
    assert scene.reactions(comment["id"]) == []
    assert records(scene) == []


def test_a_read_user_is_refused_with_a_reply_quoting_the_command(talk: Talk) -> None:
    talk.person("rita", "read")
    comment = talk.say(talk.failure, "rita", "/root-cause It is the network")
    [reply] = talk.bot_replies(talk.failure)
    assert "-->\n@rita\n" in reply
    assert "> /root-cause It is the network" in reply
    assert "🚫 `/root-cause` needs **triage** permission on this repository" in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]
    assert records(talk) == []
    assert "Confirmed by" not in talk.issue(talk.failure)["body"]


async def test_help_documents_the_five_whys_format(scene: Scene) -> None:
    scene.person("ana", "read")
    await scene.say(scene.failure, "ana", "/help")
    [reply] = scene.bot_replies(scene.failure)
    assert "| `/five-whys [confirm]` | triage and up | a failure issue, a tracking issue |" in reply
    assert "| `/why N Why …? -> because …` | triage and up |" in reply
    assert "`/fix`:\n```\n/fix Propagate E2E env vars to staging @ana due 2026-12-31" in reply
