"""What a command handler gets: the subject, the actor, its arguments, and two ports.

The ports are the only IO a handler does: ``store`` runs a function in one database
transaction; ``github`` makes the few direct GitHub calls commands need (reading an
issue, labels, re-running jobs), paced through the installation's write lane. Replies
and changes to the issues the bot keeps go through the desired state and the sync.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from bot.core.config.repo import RepoConfig
from bot.handlers.commands.command_settings import CommandSettings
from bot.handlers.commands.spec import Level, Registry, Where

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
