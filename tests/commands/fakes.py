"""Command handlers without GitHub or a worker: a fake GitHub port, a store port on a
real (template-cloned) database, and a scene that seeds it through the real run pipeline.

What the fakes stand in for, and nothing more:

* :class:`FakeGitHub` is the :class:`~bot.handlers.commands.context.GitHubPort` edge:
  people's roles, issues, labels, reactions and re-runs, in memory; every call is
  recorded in ``calls`` so a test can say what the handler asked of GitHub.
* :class:`FakeStore` is the :class:`~bot.handlers.commands.context.StorePort`: one
  transaction per call, on the test's migrated database (no thread hop).
* :class:`Scene` stores runs with the worker's own ``process_run`` code, then plays the
  sync's part by giving the issues Loopwatch wants their numbers (``sync``). What a person
  would see is read back from that desired state: the bot's replies, labels, bodies.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.desired_state import parse_labels
from bot.adapters.github.errors import GitHubPermanentError
from bot.adapters.queue import enqueue
from bot.adapters.queue.kinds import defer_render
from bot.adapters.store.campaigns import campaign_named
from bot.adapters.store.db import transaction
from bot.adapters.store.models import (
    Campaign,
    Cluster,
    ClusterEvent,
    GitHubComment,
    GitHubIssue,
    Job,
    Repository,
    Run,
    RunFile,
    SessionLogEntry,
)
from bot.adapters.store.run_files import run_file_contents
from bot.app.campaign_render import render_campaign
from bot.core.config.loader import load_config
from bot.core.reports.run_files import parse_files
from bot.handlers.commands.dispatch import Deps, Incoming, handle_commands
from bot.handlers.commands.spec import IssueFacts, Level, ReactionName
from bot.handlers.jobs.process_run import store_processed_run

T = TypeVar("T")
FULL_NAME = "acme/shop"
WEB_URL = "http://sandbox.test"  # as in the in-process stack
BOT = "loopwatch[bot]"


@dataclass
class FakeIssue:
    number: int
    title: str
    author: str | None
    state: str = "open"
    is_pull_request: bool = False
    body: str = ""
    labels: list[str] = field(default_factory=list)


class FakeGitHub:
    """The GitHub port in memory; ``calls`` records every call, in order."""

    def __init__(self) -> None:
        self.roles: dict[str, Level] = {}
        self.issues: dict[int, FakeIssue] = {}
        self.repo_labels: set[str] = set()
        self.reactions: dict[int, list[str]] = {}
        self.reruns: list[int] = []
        self.calls: list[tuple[Any, ...]] = []
        self.rerun_error: GitHubPermanentError | None = None
        self._workflow_runs = itertools.count(7001)

    def workflow_run(self) -> int:
        """A new workflow run's id (what Actions would give a run)."""
        return next(self._workflow_runs)

    def issue(self, number: int) -> FakeIssue:
        if number not in self.issues:
            self.issues[number] = FakeIssue(number, f"Issue {number}", None)
        return self.issues[number]

    async def permission(self, login: str) -> Level:
        self.calls.append(("permission", login))
        return self.roles.get(login.lower(), Level.NONE)

    async def get_issue(self, number: int) -> IssueFacts | None:
        self.calls.append(("get_issue", number))
        found = self.issues.get(number)
        if found is None:
            return None
        return IssueFacts(
            found.number, found.title, found.state, found.is_pull_request, found.author
        )

    async def add_labels(self, number: int, names: list[str]) -> list[str]:
        self.calls.append(("add_labels", number, tuple(names)))
        issue = self.issue(number)
        for name in names:
            self.repo_labels.add(name)
            if name.lower() not in {label.lower() for label in issue.labels}:
                issue.labels.append(name)
        return list(issue.labels)

    async def remove_label(self, number: int, name: str) -> bool:
        self.calls.append(("remove_label", number, name))
        issue = self.issue(number)
        kept = [label for label in issue.labels if label.lower() != name.lower()]
        removed = len(kept) != len(issue.labels)
        issue.labels = kept
        return removed

    async def rerun_failed_jobs(self, workflow_run_id: int) -> None:
        self.calls.append(("rerun_failed_jobs", workflow_run_id))
        if self.rerun_error is not None:
            raise self.rerun_error
        self.reruns.append(workflow_run_id)

    async def react(self, comment_id: int, content: ReactionName) -> None:
        self.calls.append(("react", comment_id, content))
        self.reactions.setdefault(comment_id, []).append(content)

    def writes(self) -> list[tuple[Any, ...]]:
        """The calls that change something on GitHub (reactions aside)."""
        return [
            c for c in self.calls if c[0] in ("add_labels", "remove_label", "rerun_failed_jobs")
        ]


@dataclass(frozen=True)
class FakeStore:
    """The store port: ``work(session)`` in one transaction, committed when it returns."""

    factory: sessionmaker[Session]

    async def run(self, work: Callable[[Any], T]) -> T:
        with transaction(self.factory) as session:
            return work(session)


class Scene:
    """A repository as the worker would leave it, talked to through the fakes."""

    def __init__(self, factory: sessionmaker[Session], config: str | None = None) -> None:
        self.factory = factory
        self.github = FakeGitHub()
        self.store = FakeStore(factory)
        self.config_text = config
        self._numbers = itertools.count(1)
        self._comment_ids = itertools.count(1001)
        self._runs = itertools.count(1)
        with transaction(factory) as session:
            repository = Repository(full_name=FULL_NAME, default_branch="main")
            session.add(repository)
            session.flush()
            self.repository_id = repository.id

    # --- people and GitHub ----------------------------------------------------------

    def person(self, login: str, role: str | None) -> None:
        """A user with ``role`` on the repository (None: not a collaborator)."""
        self.github.roles[login.lower()] = Level.NONE if role is None else Level.parse(role)

    def config(self, text: str) -> None:
        """The repository's ``.github/loopwatch.yml`` from now on."""
        self.config_text = text

    def open_issue(
        self, title: str, author: str | None, *, body: str = "", pull_request: bool = False
    ) -> int:
        """Someone opens an issue (or pull request) Loopwatch does not keep; its number."""
        number = next(self._numbers)
        self.github.issues[number] = FakeIssue(
            number, title, author, is_pull_request=pull_request, body=body
        )
        return number

    def pull_request(self, user: str, head_sha: str = "d" * 40) -> int:
        """``user`` opens a pull request (on ``head_sha``: its runs say so); its number."""
        return self.open_issue("Fix the socket", user, pull_request=True)

    # --- runs -------------------------------------------------------------------------

    def upload(self, report: bytes, **metadata: Any) -> int:
        """A run stored as the upload API stores it, processed as the worker processes it,
        then synced; its id."""
        number = next(self._runs)
        with transaction(self.factory) as session:
            campaign = campaign_named(session, self.repository_id, metadata.pop("campaign", "e2e"))
            run = Run(
                repository_id=self.repository_id,
                campaign_id=campaign.id,
                run_key=f"run-{number}",
                commit_sha=metadata.pop("commit_sha", f"{number:040x}"),
                branch=metadata.pop("branch", "main"),
                status="queued",
                **metadata,
            )
            session.add(run)
            session.flush()
            digest = hashlib.sha256(report).hexdigest()
            session.add(
                RunFile(
                    run_id=run.id,
                    filename="report.xml",
                    content=report,
                    size=len(report),
                    sha256=digest,
                )
            )
            enqueue(session, "process_run", {"run_id": run.id}, lock_key=f"repo:{FULL_NAME}")
            run_id = run.id
        self.sync()
        return run_id

    def _process_queued_runs(self) -> None:
        """The worker's ``process_run`` and ``render_campaign`` jobs (uploads and
        refreshes), run here and now."""
        loaded = load_config(self.config_text)
        with transaction(self.factory) as session:
            kinds = ("process_run", "render_campaign")
            query = select(Job).where(Job.kind.in_(kinds), Job.status == "queued")
            for job in session.scalars(query.order_by(Job.id)).all():
                if job.kind == "render_campaign":
                    campaign = session.get_one(Campaign, int(job.payload["campaign_id"]))
                    run_id = job.payload.get("run_id")
                    render_campaign(session, campaign, loaded, WEB_URL, check_run_of=run_id)
                else:
                    run = session.get_one(Run, int(job.payload["run_id"]))
                    parsed = parse_files(run_file_contents(session, run.id))
                    store_processed_run(session, run.id, parsed, loaded, WEB_URL)
                job.status, job.dedupe_key = "done", None
                session.flush()

    def sync(self) -> None:
        """The worker and the sync's part: queued runs processed, then every issue
        Loopwatch wants gets a number (in the order wanted) and the tracking issues are
        rendered again to link the new numbers."""
        self._process_queued_runs()
        numbered = False
        with transaction(self.factory) as session:
            rows = session.scalars(
                select(GitHubIssue)
                .where(GitHubIssue.repository_id == self.repository_id)
                .order_by(GitHubIssue.id)
            )
            for row in rows:
                if row.number is None:
                    row.number = next(self._numbers)
                    self.github.issues[row.number] = FakeIssue(row.number, row.title, BOT)
                    numbered = True
                issue = self.github.issue(row.number)
                issue.title, issue.state = row.title, row.state
            if numbered:
                processed = select(Run.campaign_id).where(Run.status == "processed")
                for campaign_id in session.scalars(processed.distinct()).all():
                    defer_render(session, campaign_id=campaign_id, full_name=FULL_NAME)
        if numbered:
            self._process_queued_runs()

    # --- commands ---------------------------------------------------------------------

    def deps(self, **overrides: Any) -> Deps:
        loaded = load_config(self.config_text)
        values: dict[str, Any] = {
            "store": self.store,
            "github": self.github,
            "config": loaded.config,
            "config_errors": list(loaded.errors),
            "web_url": WEB_URL,
        }
        values.update(overrides)
        return Deps(**values)

    async def say(self, number: int, actor: str, body: str, **deps: Any) -> dict[str, Any]:
        """``actor`` comments ``body`` on ``number``; the commands in it run. The comment:
        ``id`` and what the dispatcher ``handled``."""
        comment_id = next(self._comment_ids)
        issue = self.github.issue(number)
        incoming = Incoming(
            repository_id=self.repository_id,
            full_name=FULL_NAME,
            source=f"comment:{comment_id}",
            comment_id=comment_id,
            number=number,
            is_pull_request=issue.is_pull_request,
            title=issue.title,
            author=issue.author,
            actor=actor,
            body=body,
        )
        handled = await handle_commands(incoming, self.deps(**deps))
        self.sync()
        return {"id": comment_id, "handled": handled}

    # --- what people see ----------------------------------------------------------------

    def kept(self, key_prefix: str) -> GitHubIssue:
        """The one issue Loopwatch keeps whose key starts with ``key_prefix``."""
        with self.factory() as session:
            query = select(GitHubIssue).where(
                GitHubIssue.repository_id == self.repository_id,
                GitHubIssue.key.startswith(key_prefix),
            )
            return session.scalars(query).one()

    @property
    def tracking(self) -> int:
        number = self.kept("campaign:").number
        assert number is not None
        return number

    @property
    def failure(self) -> int:
        number = self.kept("cluster:").number
        assert number is not None
        return number

    def body(self, number: int) -> str:
        """The bot's section of issue ``number`` as the sync would write it."""
        with self.factory() as session:
            row = session.scalars(select(GitHubIssue).where(GitHubIssue.number == number)).one()
            return row.body

    def issue(self, number: int) -> dict[str, Any]:
        """The issue as the sync would leave it: ``title``, ``state``, ``labels``, ``body``
        (the bot's section on an issue it keeps) and the bot's ``comments``."""
        with self.factory() as session:
            row = session.scalars(select(GitHubIssue).where(GitHubIssue.number == number)).first()
            theirs = self.github.issue(number)
            state = row.state if row is not None else theirs.state
            body = row.body if row is not None else theirs.body
            title = row.title if row is not None else theirs.title
        return {
            "number": number,
            "title": title,
            "state": state,
            "labels": self.labels(number),
            "body": body,
            "comments": self.comments(number),
        }

    def comments(self, number: int) -> list[dict[str, Any]]:
        """The bot's comments on ``number`` (people's comments are not kept here)."""
        return [{"user": BOT, "body": body} for body in self.bot_replies(number)]

    def labels(self, number: int) -> list[str]:
        """The issue's labels after a sync: the bot's wanted ones (less those it took back)
        and the ones commands put on through GitHub."""
        names = {name.lower(): name for name in self.github.issue(number).labels}
        with self.factory() as session:
            for row in session.scalars(select(GitHubIssue).where(GitHubIssue.number == number)):
                taken_back = {str(name).lower() for name in row.unlabels or []}
                for label in parse_labels(row.labels or []):
                    names.setdefault(label.name.lower(), label.name)
                for name in taken_back:
                    names.pop(name, None)
        return sorted(names.values())

    def bot_replies(self, number: int) -> list[str]:
        """Loopwatch's comments on ``number``, oldest first."""
        with self.factory() as session:
            keys = select(GitHubIssue.key).where(GitHubIssue.number == number)
            query = select(GitHubComment.body).where(
                GitHubComment.repository_id == self.repository_id,
                or_(GitHubComment.issue_number == number, GitHubComment.issue_key.in_(keys)),
            )
            return list(session.scalars(query.order_by(GitHubComment.id)))

    def reactions(self, comment_id: int) -> list[str]:
        return list(self.github.reactions.get(comment_id, []))

    def cluster(self) -> Cluster:
        with self.factory() as session:
            return session.scalars(select(Cluster)).one()

    def events(self, kind: str) -> list[ClusterEvent]:
        with self.factory() as session:
            query = select(ClusterEvent).where(ClusterEvent.kind == kind)
            return list(session.scalars(query.order_by(ClusterEvent.id)))

    def command_log(self) -> list[str]:
        with self.factory() as session:
            query = select(SessionLogEntry.text).where(SessionLogEntry.kind == "command")
            return list(session.scalars(query.order_by(SessionLogEntry.id)))

    def jobs(self, kind: str) -> list[Job]:
        with self.factory() as session:
            return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))
