"""What a slash command declares, and what its handler gets.

A command is a record, like Prow's plugins: its name, help, permission, where it applies
and its handler; the help (``/help``, the folded "how to talk to me" block, the docs) is
generated from these records. Its handler gets a :class:`CommandContext`: the subject,
the actor, its arguments, and two ports. The ports are the only IO a handler does:
``store`` runs a function in one database transaction; ``github`` makes the few direct
GitHub calls commands need (reading an issue, labels, re-running jobs), paced through the
installation's write lane. Replies and changes to the issues the bot keeps go through the
desired state and the sync.

(The records, the context and the settings refer to one another, so they live together.)
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any, Literal, Protocol, TypeVar

from bot.core.config.repo import RepoConfig


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


T = TypeVar("T")
ReactionName = Literal["eyes", "+1", "confused"]


@dataclass(frozen=True, slots=True)
class Subject:
    """The issue or pull request the command was typed on, as Loopwatch knows it."""

    where: Where
    number: int
    title: str
    author: str | None
    issue_key: str | None = None  # set when the bot keeps this issue
    cluster_id: int | None = None  # Where.CLUSTER
    campaign_id: int | None = None  # Where.CAMPAIGN
    campaign_name: str | None = None


@dataclass(frozen=True, slots=True)
class IssueFacts:
    number: int
    title: str
    state: str
    is_pull_request: bool
    author: str | None


class StorePort(Protocol):
    async def run(self, work: Callable[[Any], T]) -> T:
        """Run ``work(session)`` in one transaction (committed when it returns)."""
        ...


class GitHubPort(Protocol):
    async def permission(self, login: str) -> Level: ...

    async def get_issue(self, number: int) -> IssueFacts | None: ...

    async def add_labels(self, number: int, names: list[str]) -> list[str]:
        """Add labels (creating missing ones); the issue's labels afterwards."""
        ...

    async def remove_label(self, number: int, name: str) -> bool:
        """Remove one label; False when the issue did not have it."""
        ...

    async def rerun_failed_jobs(self, workflow_run_id: int) -> None: ...

    async def react(self, comment_id: int, content: ReactionName) -> None: ...


@dataclass(frozen=True, slots=True)
class CommandContext:
    repository_id: int
    full_name: str
    subject: Subject
    actor: str
    level: Level
    line: str  # the command line as typed
    args: str
    match: re.Match[str]  # the arguments matched against the command's pattern
    block: tuple[str, ...]  # the lines below the command (see bot.handlers.commands.parse)
    now: datetime
    config: RepoConfig
    settings: CommandSettings
    registry: Registry
    web_url: str
    store: StorePort
    github: GitHubPort
    source_url: str | None = None  # the comment the command was typed in

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def enabled(self) -> frozenset[str]:
        return self.settings.enabled

    def typed(self, name: str) -> str:
        """How a person types the command ``name`` here (``/mute`` or ``/lw mute``)."""
        return f"/{self.prefix} {name}" if self.prefix else f"/{name}"


@dataclass(frozen=True, slots=True)
class CommandSettings:
    """The repository's ``commands:`` config, resolved against the registry
    (:func:`bot.handlers.commands.command_settings.resolve_settings`)."""

    prefix: str
    enabled: frozenset[str]
    levels: dict[str, Level]
    problems: list[str] = field(default_factory=list)  # shown in replies

    def level_for(self, command: Command) -> Level:
        return self.levels.get(command.name, command.level)


CommandHandler = Callable[[CommandContext], Awaitable[Outcome]]


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
