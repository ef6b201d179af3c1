"""Run the commands of one comment or review: find, claim, check, run, react, reply.

Each command line is claimed in the database before it runs (``CommandInvocation``), so
a redelivered webhook, a second worker or an edited comment never runs a line twice.
A line the actor may not run, or that does not apply to this issue, is refused with a
reply that quotes it. A command that meets a GitHub error fails with that error in the
reply; commands are not retried behind the person's back (they can type it again).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import add_comment
from bot.adapters.github.errors import GitHubPermanentError, GitHubTransientError
from bot.adapters.logs import get_logger
from bot.adapters.queue import RetryAt
from bot.adapters.store.models import Cluster, CommandInvocation, Repository, utcnow
from bot.app.effects import echo_change, queue_sync
from bot.core.config.repo import RepoConfig
from bot.handlers.commands.command_settings import resolve_settings
from bot.handlers.commands.help_text import how_to_talk, typed
from bot.handlers.commands.parse import CommandLine, added_commands, find_commands
from bot.handlers.commands.permissions import permission_of
from bot.handlers.commands.reply import LineResult, Status, needs_reply, render_reply
from bot.handlers.commands.spec import (
    REGISTRY,
    WHERE_TEXT,
    Command,
    CommandContext,
    CommandSettings,
    GitHubPort,
    Level,
    ReactionName,
    Refused,
    Registry,
    StorePort,
    Subject,
    Where,
)
from bot.handlers.commands.subject import find_subject

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Incoming:
    """A comment or review body that may hold commands."""

    repository_id: int
    full_name: str
    source: str  # "comment:<id>" or "review:<id>"
    comment_id: int | None  # the issue comment to react to (None: a review)
    number: int
    is_pull_request: bool
    title: str
    author: str | None  # of the issue or pull request
    actor: str
    body: str
    previous_body: str | None = None  # an edited comment: only added lines run


@dataclass
class Deps:
    store: StorePort
    github: GitHubPort
    config: RepoConfig
    web_url: str
    config_errors: list[str] = field(default_factory=list)
    permission_ttl: timedelta = timedelta(seconds=60)
    now: Callable[[], datetime] = utcnow
    registry: Registry = REGISTRY


@dataclass
class Handled:
    results: list[LineResult] = field(default_factory=list)
    reply_key: str | None = None


def unknown_hint(line: CommandLine, settings: CommandSettings, registry: Registry) -> str | None:
    """A hint for an unknown command that looks like ours, else None (left alone)."""
    names = [
        name
        for command in registry
        if command.name in settings.enabled
        for name in (command.name, *command.aliases)
    ]
    close = difflib.get_close_matches(line.name, names, n=1, cutoff=0.75)
    if close:
        suggestion = typed(settings.prefix, close[0])
        return f"I don't know `{typed(settings.prefix, line.name)}`; did you mean `{suggestion}`?"
    if settings.prefix:
        listing = typed(settings.prefix, "help")
        return (
            f"I don't know `{typed(settings.prefix, line.name)}`; `{listing}` lists what I can do."
        )
    return None


def _claim(
    session: Session, incoming: Incoming, lines: Sequence[tuple[CommandLine, str]]
) -> set[str]:
    """Insert one invocation per line; the keys this call inserted (others ran before)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed: set[str] = set()
    for line, name in lines:
        result = session.execute(
            insert(CommandInvocation)
            .values(
                repository_id=incoming.repository_id,
                source=incoming.source,
                line_key=line.key,
                issue_number=incoming.number,
                command=name,
                args=line.args[:2000],
                actor=incoming.actor,
                status="running",
                created_at=utcnow(),
            )
            .on_conflict_do_nothing()
            .returning(CommandInvocation.id)  # rowcount is not reliable here on psycopg
        )
        if result.scalar_one_or_none() is not None:
            claimed.add(line.key)
    return claimed


def _finish(session: Session, incoming: Incoming, key: str, result: LineResult) -> None:
    session.execute(
        update(CommandInvocation)
        .where(
            CommandInvocation.repository_id == incoming.repository_id,
            CommandInvocation.source == incoming.source,
            CommandInvocation.line_key == key,
        )
        .values(status=result.status.value, message=result.message, finished_at=utcnow())
    )


class _Runner:
    def __init__(self, incoming: Incoming, deps: Deps, settings: CommandSettings) -> None:
        self.incoming = incoming
        self.deps = deps
        self.settings = settings
        self._level: Level | None = None

    async def level(self) -> Level:
        if self._level is None:
            self._level = await permission_of(
                self.deps.store,
                self.deps.github,
                self.incoming.repository_id,
                self.incoming.actor,
                now=self.deps.now(),
                ttl=self.deps.permission_ttl,
            )
        return self._level

    def enabled(self) -> list[tuple[Command, Level]]:
        return [
            (c, self.settings.level_for(c))
            for c in self.deps.registry
            if c.name in self.settings.enabled
        ]

    async def run(self, line: CommandLine, command: Command, subject: Subject) -> LineResult:
        typed_name = typed(self.settings.prefix, command.name)
        if command.name not in self.settings.enabled:
            return LineResult(
                line.text,
                Status.REFUSED,
                f"`{typed_name}` is turned off in this repository "
                "(`commands:` in `.github/loopwatch.yml`).",
            )
        if subject.where not in command.where:
            places = " or ".join(WHERE_TEXT[w] for w in Where if w in command.where)
            return LineResult(
                line.text,
                Status.REFUSED,
                f"`{typed_name}` works on {places}; this is {WHERE_TEXT[subject.where]}.",
            )
        required = self.settings.level_for(command)
        level = Level.NONE
        if required > Level.NONE:
            level = await self.level()
            is_author = (
                command.author_may
                and subject.author is not None
                and (subject.author.lower() == self.incoming.actor.lower())
            )
            if level < required and not is_author:
                return LineResult(
                    line.text,
                    Status.REFUSED,
                    f"`{typed_name}` needs **{required.label}** permission on this repository"
                    f"{' (or being the author)' if command.author_may else ''}; "
                    f"`{self.incoming.actor}` has **{level.label}**.",
                )
        match = command.parse_args(line.args)
        if match is None:
            return LineResult(
                line.text,
                Status.REFUSED,
                "I could not read the arguments. "
                f"Usage: `{typed(self.settings.prefix, command.help.usage)}`",
            )
        ctx = CommandContext(
            repository_id=self.incoming.repository_id,
            full_name=self.incoming.full_name,
            subject=subject,
            actor=self.incoming.actor,
            level=level,
            line=line.text,
            args=line.args,
            match=match,
            block=line.block,
            now=self.deps.now(),
            config=self.deps.config,
            settings=self.settings,
            registry=self.deps.registry,
            web_url=self.deps.web_url,
            store=self.deps.store,
            github=self.deps.github,
            source_url=self._source_url(),
        )
        try:
            outcome = await command.handler(ctx)
        except Refused as exc:
            return LineResult(line.text, Status.REFUSED, str(exc))
        except GitHubPermanentError as exc:
            return LineResult(line.text, Status.FAILED, f"GitHub refused: {exc}")
        except (GitHubTransientError, RetryAt) as exc:
            return LineResult(
                line.text,
                Status.FAILED,
                f"GitHub is not answering right now ({exc}); try again later.",
            )
        if outcome.log and command.changes_state:
            # Plain text: the session log is rendered escaped (no mentions, no markup).
            text = f"{self.incoming.actor} {outcome.log} (#{subject.number})"
            await self.deps.store.run(lambda s: self._echo(s, subject, text, ctx.now))
        return LineResult(line.text, Status.DONE, outcome.message)

    def _source_url(self) -> str | None:
        """The comment (or review) on GitHub: ``…/issues/7#issuecomment-42``."""
        kind, _, number = self.incoming.source.partition(":")
        base = self.deps.web_url.rstrip("/") + "/" + self.incoming.full_name
        if kind == "comment" and number.isdigit():
            return f"{base}/issues/{self.incoming.number}#issuecomment-{number}"
        if kind == "review" and number.isdigit():
            return f"{base}/pull/{self.incoming.number}#pullrequestreview-{number}"
        return None

    def _echo(self, session: Session, subject: Subject, text: str, at: datetime) -> None:
        cluster_id = subject.cluster_id
        echo_change(
            session,
            session.get_one(Repository, self.incoming.repository_id),
            at=at,
            text=text,
            config=self.deps.config,
            web_url=self.deps.web_url,
            cluster=session.get(Cluster, cluster_id) if cluster_id is not None else None,
            campaign_id=subject.campaign_id,
        )


async def handle_commands(incoming: Incoming, deps: Deps) -> Handled:
    """Run the comment's new command lines; see the module docstring."""
    settings = resolve_settings(deps.config.commands, deps.registry)
    if incoming.previous_body is not None:
        lines = added_commands(incoming.previous_body, incoming.body, settings.prefix)
    else:
        lines = find_commands(incoming.body, settings.prefix)
    work: list[tuple[CommandLine, Command | None, str | None]] = []
    for line in lines:
        command = deps.registry.get(line.name)
        if command is not None:
            work.append((line, command, None))
            continue
        hint = unknown_hint(line, settings, deps.registry)
        if hint is not None:
            work.append((line, None, hint))
    handled = Handled()
    if not work:
        return handled
    names = [(line, command.name if command else f"?{line.name}") for line, command, _ in work]
    claimed = await deps.store.run(lambda s: _claim(s, incoming, names))
    work = [item for item in work if item[0].key in claimed]
    if not work:
        log.info("commands_already_handled", source=incoming.source)
        return handled
    runner = _Runner(incoming, deps, settings)
    commands_run = any(command is not None for _, command, _ in work)
    if commands_run and incoming.comment_id is not None:
        await _react(deps.github, incoming.comment_id, "eyes")
    subject = await deps.store.run(
        lambda s: find_subject(
            s,
            incoming.repository_id,
            incoming.number,
            title=incoming.title,
            author=incoming.author,
            is_pull_request=incoming.is_pull_request,
        )
    )
    for line, command, hint in work:
        if command is None:
            result = LineResult(line.text, Status.HINT, hint)
        else:
            try:
                result = await runner.run(line, command, subject)
            except Exception:
                log.exception("command_crashed", command=command.name, source=incoming.source)
                result = LineResult(
                    line.text, Status.FAILED, "Something went wrong on my side; it is logged."
                )
        handled.results.append(result)
        log.info(
            "command_handled",
            command=command.name if command else line.name,
            status=result.status.value,
            actor=incoming.actor,
            number=incoming.number,
        )
        await deps.store.run(partial(_finish, incoming=incoming, key=line.key, result=result))
    ran = [r for r in handled.results if r.status is not Status.HINT]
    if ran and incoming.comment_id is not None:
        ok = all(r.status is Status.DONE for r in ran)
        await _react(deps.github, incoming.comment_id, "+1" if ok else "confused")
    if needs_reply(handled.results):
        notes = settings.problems + (deps.config_errors if commands_run else [])
        body = render_reply(
            handled.results,
            actor=incoming.actor,
            how_to=how_to_talk(runner.enabled(), settings.prefix),
            notes=notes,
        )
        first = hashlib.sha256(work[0][0].key.encode()).hexdigest()[:16]
        key = f"command-reply:{incoming.source}:{first}"
        handled.reply_key = key
        reply = body

        def queue(session: Session) -> None:
            _queue_reply(session, incoming, key, reply)

        await deps.store.run(queue)
    return handled


def _queue_reply(session: Session, incoming: Incoming, key: str, body: str) -> None:
    add_comment(session, incoming.repository_id, key, body, issue_number=incoming.number)
    queue_sync(session, session.get_one(Repository, incoming.repository_id))


async def _react(github: GitHubPort, comment_id: int, content: ReactionName) -> None:
    """Reactions are a courtesy: a failure is logged, never fatal."""
    try:
        await github.react(comment_id, content)
    except (GitHubPermanentError, GitHubTransientError, RetryAt) as exc:
        log.warning(
            "command_reaction_failed", comment_id=comment_id, content=content, error=str(exc)
        )
