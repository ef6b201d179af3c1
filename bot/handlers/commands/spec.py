"""What a slash command declares: its name, help, permission, where it applies, handler.

Like Prow's plugins, every command is a record; the help (``/help``, the folded "how to
talk to me" block, the docs) is generated from these records.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.handlers.commands.context import CommandContext


class Level(IntEnum):
    """Repository permission levels, weakest first (GitHub's roles)."""

    NONE = 0
    READ = 1
    TRIAGE = 2
    WRITE = 3
    MAINTAIN = 4
    ADMIN = 5

    @property
    def label(self) -> str:
        return "anyone" if self is Level.NONE else self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Level:
        name = value.strip().upper()
        if name == "ANYONE":
            return cls.NONE
        if name not in cls.__members__:
            raise ValueError(
                f"unknown permission level {value!r}; use one of anyone, read, triage, "
                "write, maintain, admin"
            )
        return cls[name]


class Where(StrEnum):
    """What kind of issue a command is typed on."""

    CLUSTER = "cluster"  # a failure issue Loopwatch keeps
    CAMPAIGN = "campaign"  # a campaign's tracking issue
    PULL_REQUEST = "pull_request"
    ISSUE = "issue"  # any other issue


EVERYWHERE = frozenset(Where)
WHERE_TEXT = {
    Where.CLUSTER: "a failure issue",
    Where.CAMPAIGN: "a tracking issue",
    Where.PULL_REQUEST: "a pull request",
    Where.ISSUE: "an issue",
}


@dataclass(frozen=True, slots=True)
class Help:
    usage: str  # without the slash and prefix: "mute [for 7d | until 2026-12-31] [reason]"
    description: str
    examples: tuple[str, ...] = ()  # without the slash and prefix
    block: str | None = None  # what goes on the lines below the command, if anything


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command did. ``message``: a reply to post (None: the 👍 says it all);
    ``log``: a line for the session log of the campaigns involved (state changes)."""

    message: str | None = None
    log: str | None = None


class Refused(Exception):
    """The command does not apply here or its arguments are wrong; the text says why."""


CommandHandler = Callable[["CommandContext"], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: Help
    level: Level
    handler: CommandHandler
    where: frozenset[Where] = EVERYWHERE
    # Matched in full against the arguments (after the name); None: no arguments.
    args: re.Pattern[str] | None = None
    author_may: bool = False  # the issue's or pull request's author may run it too
    changes_state: bool = True
    aliases: tuple[str, ...] = field(default=())

    def parse_args(self, text: str) -> re.Match[str] | None:
        """The arguments' match, or None when they do not fit ``usage``."""
        pattern = self.args or re.compile("")
        return pattern.fullmatch(text.strip())


class Registry:
    """The commands by name (and alias), in the order they were added."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._names: dict[str, str] = {}

    def add(self, command: Command) -> Command:
        for name in (command.name, *command.aliases):
            if name in self._names:
                raise ValueError(f"two commands are named {name!r}")
            self._names[name] = command.name
        self._commands[command.name] = command
        return command

    def get(self, name: str) -> Command | None:
        canonical = self._names.get(name.lower())
        return self._commands[canonical] if canonical else None

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def names(self) -> list[str]:
        return list(self._commands)

    def all_names(self) -> list[str]:
        return list(self._names)


REGISTRY = Registry()


def command(
    name: str,
    *,
    help: Help,
    level: Level,
    where: frozenset[Where] = EVERYWHERE,
    args: str | None = None,
    author_may: bool = False,
    changes_state: bool = True,
    aliases: tuple[str, ...] = (),
    registry: Registry = REGISTRY,
) -> Callable[[CommandHandler], CommandHandler]:
    """Register the decorated handler as the command ``name``."""

    def decorate(handler: CommandHandler) -> CommandHandler:
        registry.add(
            Command(
                name=name,
                help=help,
                level=level,
                handler=handler,
                where=where,
                args=re.compile(args, re.IGNORECASE) if args is not None else None,
                author_may=author_may,
                changes_state=changes_state,
                aliases=aliases,
            )
        )
        return handler

    return decorate
