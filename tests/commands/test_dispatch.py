"""The framework with commands made for the test: permissions, order, refusals, hints,
prefix, enabling, crashes, reactions and replies, on the in-process sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.github.pacer import WritePacer
from bot.adapters.store.models import CommandInvocation
from bot.core.config.loader import load_config
from bot.handlers.commands.dispatch import Deps, Handled, Incoming, handle_commands
from bot.handlers.commands.github_port import GitHubkitPort
from bot.handlers.commands.reply import Status
from bot.handlers.commands.runtime import SessionStore
from bot.handlers.commands.spec import (
    CommandContext,
    Help,
    Level,
    Outcome,
    Refused,
    Registry,
    Where,
    command,
)
from tests.github.conftest import FULL_NAME, World

pytestmark = pytest.mark.anyio

TEST_COMMANDS = Registry()


@command("help", help=Help("help", "Help."), level=Level.NONE, registry=TEST_COMMANDS)
async def _help(ctx: CommandContext) -> Outcome:
    return Outcome(message="help text")


@command("poke", help=Help("poke", "Poke."), level=Level.WRITE, registry=TEST_COMMANDS)
async def _poke(ctx: CommandContext) -> Outcome:
    return Outcome(message=f"poked by {ctx.actor}")


@command("tick", help=Help("tick", "Tick."), level=Level.TRIAGE, registry=TEST_COMMANDS)
async def _tick(ctx: CommandContext) -> Outcome:
    return Outcome()


@command(
    "say",
    help=Help("say WORD", "Say."),
    level=Level.READ,
    args=r"(?P<word>\w+)",
    registry=TEST_COMMANDS,
)
async def _say(ctx: CommandContext) -> Outcome:
    return Outcome(message=f"said {ctx.match.group('word')}")


@command(
    "only-failures",
    help=Help("only-failures", "Cluster only."),
    level=Level.NONE,
    where=frozenset({Where.CLUSTER}),
    registry=TEST_COMMANDS,
)
async def _only(ctx: CommandContext) -> Outcome:
    return Outcome()


@command(
    "mine",
    help=Help("mine", "Author may."),
    level=Level.WRITE,
    author_may=True,
    registry=TEST_COMMANDS,
)
async def _mine(ctx: CommandContext) -> Outcome:
    return Outcome()


@command("nope", help=Help("nope", "Refuses."), level=Level.NONE, registry=TEST_COMMANDS)
async def _nope(ctx: CommandContext) -> Outcome:
    raise Refused("not today")


@command("boom", help=Help("boom", "Crashes."), level=Level.NONE, registry=TEST_COMMANDS)
async def _boom(ctx: CommandContext) -> Outcome:
    raise RuntimeError("bug")


class Room:
    """An issue opened by ``olga`` in the world, and people with roles."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.number = 0
        self.next_comment = 0
        self.now = datetime(2026, 11, 29, 12, tzinfo=UTC)

    async def setup(self) -> None:
        for login, role in [("rita", "read"), ("tom", "triage"), ("wes", "write")]:
            await self.admin("POST", "/users", json={"login": login})
            await self.admin(
                "PUT", f"/repos/{FULL_NAME}/collaborators/{login}", json={"permission": role}
            )
        await self.admin("POST", "/users", json={"login": "olga"})
        opened = await self.admin(
            "POST", f"/repos/{FULL_NAME}/issues", json={"user": "olga", "title": "Flaky login"}
        )
        self.number = opened["issue"]["number"]

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.world.admin.request(method, f"/_sandbox{path}", **kwargs)
        assert response.status_code < 400, response.text
        return response.json()

    async def say(
        self,
        actor: str,
        body: str,
        config: str | None = None,
        *,
        ttl: timedelta = timedelta(seconds=60),
        previous: str | None = None,
        comment_id: int | None = None,
    ) -> tuple[Handled, int]:
        if comment_id is None:
            made = await self.admin(
                "POST",
                f"/repos/{FULL_NAME}/issues/{self.number}/comments",
                json={"user": actor, "body": body},
            )
            comment_id = int(made["comment"]["id"])
        loaded = load_config(config)
        deps = Deps(
            store=SessionStore(self.world.factory),
            github=GitHubkitPort(self.world.gh, FULL_NAME, WritePacer(0, 0), "lane"),
            config=loaded.config,
            config_errors=loaded.errors,
            web_url="http://sandbox",
            permission_ttl=ttl,
            now=lambda: self.now,
            registry=TEST_COMMANDS,
        )
        incoming = Incoming(
            repository_id=self.world.repository_id,
            full_name=FULL_NAME,
            source=f"comment:{comment_id}",
            comment_id=comment_id,
            number=self.number,
            is_pull_request=False,
            title="Flaky login",
            author="olga",
            actor=actor,
            body=body,
            previous_body=previous,
        )
        handled = await handle_commands(incoming, deps)
        await self.world.sync()
        return handled, comment_id

    async def comments(self) -> list[dict[str, Any]]:
        issue = next(i for i in await self.world.issues() if i["number"] == self.number)
        return list(issue["comments"])

    async def replies(self) -> list[str]:
        return [c["body"] for c in await self.comments() if c["user"].endswith("[bot]")]

    async def reactions(self, comment_id: int) -> list[str]:
        comment = next(c for c in await self.comments() if c["id"] == comment_id)
        return list(comment["reactions"])


@pytest.fixture
async def room(world: World) -> Room:
    made = Room(world)
    await made.setup()
    return made


def statuses(handled: Handled) -> list[str]:
    return [r.status.value for r in handled.results]


async def test_a_read_user_is_refused_with_a_reply_that_quotes_the_command(room: Room) -> None:
    handled, comment = await room.say("rita", "/poke")
    assert statuses(handled) == ["refused"]
    (reply,) = await room.replies()
    assert "\n@rita\n" in reply
    assert "> /poke" in reply
    assert "needs **write** permission" in reply and "`rita` has **read**" in reply
    assert "How to talk to me" in reply
    assert await room.reactions(comment) == ["eyes", "confused"]


async def test_allowed_commands_run_in_order_and_share_one_reply(room: Room) -> None:
    handled, comment = await room.say("wes", "/tick\n/poke\n/say hello")
    assert statuses(handled) == ["done", "done", "done"]
    (reply,) = await room.replies()
    assert "> /tick" not in reply  # nothing to say: the 👍 says it
    assert reply.index("> /poke") < reply.index("poked by wes") < reply.index("> /say hello")
    assert "said hello" in reply
    assert await room.reactions(comment) == ["eyes", "+1"]


async def test_a_command_with_nothing_to_say_gets_only_reactions(room: Room) -> None:
    handled, comment = await room.say("tom", "/tick")
    assert statuses(handled) == ["done"]
    assert await room.replies() == []
    assert await room.reactions(comment) == ["eyes", "+1"]


async def test_the_same_comment_handled_twice_runs_nothing_twice(room: Room) -> None:
    _, comment = await room.say("wes", "/poke")
    again, _ = await room.say("wes", "/poke", comment_id=comment)
    assert again.results == []
    assert len(await room.replies()) == 1
    with room.world.factory() as session:
        rows = session.scalar(select(func.count()).select_from(CommandInvocation))
    assert rows == 1


async def test_an_edited_comment_runs_only_the_added_line(room: Room) -> None:
    _, comment = await room.say("wes", "/poke")
    edited, _ = await room.say("wes", "/poke\n/say again", previous="/poke", comment_id=comment)
    assert [r.line for r in edited.results] == ["/say again"]


async def test_wrong_arguments_are_refused_with_the_usage(room: Room) -> None:
    handled, _ = await room.say("rita", "/say two words")
    assert statuses(handled) == ["refused"]
    assert "Usage: `/say WORD`" in (await room.replies())[0]


async def test_unknown_commands_near_ours_get_a_hint_and_others_are_left_alone(room: Room) -> None:
    handled, comment = await room.say("wes", "/pokee")
    assert statuses(handled) == ["hint"]
    assert "did you mean `/poke`?" in (await room.replies())[0]
    assert await room.reactions(comment) == []  # nothing was accepted
    left_alone, other = await room.say("wes", "/shrug\n/giphy cats")
    assert left_alone.results == []
    assert len(await room.replies()) == 1 and await room.reactions(other) == []


async def test_a_prefix_makes_plain_commands_someone_elses(room: Room) -> None:
    config = "commands:\n  prefix: lw\n"
    ignored, _ = await room.say("wes", "/poke", config)
    assert ignored.results == []
    handled, _ = await room.say("wes", "/lw poke\n/lw zzz", config)
    assert statuses(handled) == ["done", "hint"]
    reply = (await room.replies())[-1]
    assert "I don't know `/lw zzz`; `/lw help` lists what I can do." in reply
    assert "`/lw poke`" in reply  # the how-to block speaks with the prefix


async def test_disabled_commands_and_permission_overrides_come_from_the_config(room: Room) -> None:
    handled, _ = await room.say("wes", "/poke", "commands:\n  disabled: [poke]\n")
    assert statuses(handled) == ["refused"]
    assert "turned off in this repository" in (await room.replies())[-1]
    lowered, _ = await room.say("tom", "/poke", "commands:\n  permissions: {poke: triage}\n")
    assert statuses(lowered) == ["done"]


async def test_unknown_names_in_the_config_are_pointed_out_in_the_reply(room: Room) -> None:
    await room.say("wes", "/poke", "commands:\n  enabled: [poke, pokey]\n")
    assert "names no command 'pokey'" in (await room.replies())[-1]


async def test_a_command_for_failure_issues_is_refused_elsewhere(room: Room) -> None:
    handled, _ = await room.say("rita", "/only-failures")
    assert statuses(handled) == ["refused"]
    assert "works on a failure issue; this is an issue" in (await room.replies())[-1]


async def test_the_author_may_run_commands_marked_so(room: Room) -> None:
    await room.admin("PUT", f"/repos/{FULL_NAME}/collaborators/olga", json={"permission": "read"})
    handled, _ = await room.say("olga", "/mine\n/poke")
    assert statuses(handled) == ["done", "refused"]


async def test_refusals_and_crashes_fail_the_command_not_the_comment(room: Room) -> None:
    handled, comment = await room.say("wes", "/nope\n/boom\n/poke")
    assert [r.status for r in handled.results] == [Status.REFUSED, Status.FAILED, Status.DONE]
    reply = (await room.replies())[-1]
    assert "not today" in reply and "Something went wrong on my side" in reply
    assert await room.reactions(comment) == ["eyes", "confused"]


async def _permission_calls(room: Room) -> int:
    return sum(1 for r in await room.world.requests() if r["path"].endswith("/permission"))


async def test_permissions_are_cached_briefly(room: Room) -> None:
    await room.say("tom", "/tick")
    await room.say("tom", "/tick")
    assert await _permission_calls(room) == 1
    await room.admin("PUT", f"/repos/{FULL_NAME}/collaborators/tom", json={"permission": "write"})
    room.now += timedelta(seconds=61)
    handled, _ = await room.say("tom", "/poke")
    assert statuses(handled) == ["done"]
    assert await _permission_calls(room) == 2


async def test_anyone_commands_do_not_ask_github(room: Room) -> None:
    await room.say("stranger", "/help")
    assert await _permission_calls(room) == 0
