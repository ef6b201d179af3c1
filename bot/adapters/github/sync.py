"""Make GitHub match the desired rows of one repository (issues, labels, comments).

Every step is idempotent and commits on its own, so a failure mid-way leaves rows a
retry converges from:

* an issue without a number is **claimed** (attempt count and time committed) as its
  create is sent; a claimed issue without a number may exist on GitHub already (the
  answer was lost, or GitHub stores it late), so it is looked for by its body marker, and
  sent again only once the late-write window has passed (``late_writes.py``);
* an issue whose ``desired_hash`` equals ``synced_hash`` costs no call at all;
* otherwise the issue is read and only what differs is patched, keeping people's text
  outside the bot's markers and the labels people added;
* a comment is claimed the same way as it is posted, and a claimed one is looked for by
  its marker (and waited for) before it is posted again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from githubkit import GitHub
from githubkit.exception import RequestFailed
from githubkit.utils import UNSET
from githubkit_schemas.latest.models import Issue, IssueComment, Label
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.body import compose_body, compose_comment, extract_comment_key, extract_key
from bot.adapters.github.client import split_full_name
from bot.adapters.github.desired_state import LabelSpec, parse_labels
from bot.adapters.github.errors import GitHubPermanentError, github_errors, is_status
from bot.adapters.github.late_writes import CreateOnce, LateWrites, SettleWait
from bot.adapters.github.pacer import WritePacer
from bot.adapters.logs import get_logger
from bot.adapters.settings import get_settings
from bot.adapters.store.claims import COMMENT_POST, ISSUE_CREATE, Claim
from bot.adapters.store.db import transaction
from bot.adapters.store.models import GitHubComment, GitHubIssue, Repository, utcnow

log = get_logger(__name__)
T = TypeVar("T")
# Called with the session that stores a new issue's number (created or found again), the
# repository's id and the issue row's id: what must follow is queued atomically with it.
NumberedHook = Callable[[Session, int, int], None]

PAGE_SIZE = 100
# Clock skew allowed between us and GitHub when listing what was created since a claim.
LOOKBACK = timedelta(minutes=10)


@dataclass
class SyncReport:
    """What one sync did (keys of the issues and comments involved)."""

    repository: str
    issues_created: list[str] = field(default_factory=list)
    issues_recovered: list[str] = field(default_factory=list)
    issues_updated: list[str] = field(default_factory=list)
    issues_unchanged: list[str] = field(default_factory=list)
    labels_created: list[str] = field(default_factory=list)
    comments_posted: list[str] = field(default_factory=list)
    comments_recovered: list[str] = field(default_factory=list)
    comments_waiting: list[str] = field(default_factory=list)
    # Creates whose earlier attempt may still land: key -> when to look again.
    settling: dict[str, datetime] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    writes: int = 0


@dataclass(frozen=True)
class _Issue:
    """A detached copy of a desired issue row."""

    id: int
    key: str
    title: str
    section: str
    labels: list[LabelSpec]
    state: str
    desired_hash: str
    number: int | None
    claim: Claim
    unlabels: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: GitHubIssue) -> _Issue:
        return cls(
            row.id,
            row.key,
            row.title,
            row.body,
            parse_labels(row.labels or []),
            row.state,
            row.desired_hash,
            row.number,
            Claim(row.create_attempts, row.create_claimed_at),
            tuple(str(name) for name in row.unlabels or []),
        )


class SyncIncomplete(GitHubPermanentError):
    """GitHub refused some items for good; the others were synced (see ``report``)."""

    def __init__(self, report: SyncReport, first: GitHubPermanentError) -> None:
        items = ", ".join(report.failed)
        super().__init__(f"{report.repository}: GitHub refused {items}: {first}", first.status)
        self.report = report


def _text(value: object) -> str | None:
    """A body field as text (githubkit models say ``UNSET`` for a missing field)."""
    return value if isinstance(value, str) else None


def _label_names(labels: list[Any]) -> list[str]:
    names = (label if isinstance(label, str) else _text(label.name) for label in labels)
    return [name for name in names if name]


class _RepositorySync:
    def __init__(
        self,
        factory: sessionmaker[Session],
        repository: Repository,
        gh: GitHub[Any],
        pacer: WritePacer,
        bot_login: str,
        late_writes: LateWrites,
        on_numbered: NumberedHook | None = None,
    ) -> None:
        self.factory = factory
        self.on_numbered = on_numbered
        self.issue_creates = CreateOnce(factory, ISSUE_CREATE, late_writes)
        self.comment_posts = CreateOnce(factory, COMMENT_POST, late_writes)
        self.repository_id = repository.id
        self.full_name = repository.full_name
        self.owner, self.repo = split_full_name(repository.full_name)
        self.lane: int | str = repository.installation_id or f"repo:{repository.full_name}"
        self.gh = gh
        self.pacer = pacer
        self.bot_login = bot_login
        self.report = SyncReport(repository.full_name)
        self._labels: set[str] | None = None

    async def _write(self, make_call: Callable[[], Awaitable[T]], *, notify: bool = False) -> T:
        self.report.writes += 1
        return await self.pacer.call(self.lane, make_call, notify=notify)

    # --- issues -------------------------------------------------------------------

    async def sync_issue(self, issue: _Issue) -> None:
        if issue.number is None:
            await self._create_or_recover(issue)
        else:
            await self._update(issue, issue.number)

    def _store_number(
        self, issue_id: int, number: int, html_url: str, synced_hash: str | None
    ) -> None:
        with transaction(self.factory) as session:
            session.execute(
                update(GitHubIssue)
                .where(GitHubIssue.id == issue_id)
                .values(
                    number=number,
                    html_url=html_url,
                    synced_hash=synced_hash,
                    synced_at=utcnow() if synced_hash else None,
                )
            )
            if self.on_numbered is not None:
                # In the same transaction: a crash right after cannot lose what the new
                # number asks for (bodies rendered before it could not link to it).
                self.on_numbered(session, self.repository_id, issue_id)

    def _mark_synced(self, issue_id: int, synced_hash: str, html_url: str) -> None:
        with transaction(self.factory) as session:
            session.execute(
                update(GitHubIssue)
                .where(GitHubIssue.id == issue_id)
                .values(synced_hash=synced_hash, synced_at=utcnow(), html_url=html_url)
            )

    async def _find_created_issue(self, key: str, claimed_at: datetime) -> tuple[int, str] | None:
        """The app's issue carrying ``key`` in its marker, created since the claim (newest
        first; the pages stop at the first issue created before the claim)."""
        since = claimed_at - LOOKBACK
        page = 1
        while True:
            response = await self.gh.rest.issues.async_list_for_repo(
                self.owner,
                self.repo,
                creator=self.bot_login,
                state="all",
                sort="created",
                direction="desc",
                since=since,
                per_page=PAGE_SIZE,
                page=page,
            )
            issues = cast(list[Issue], response.parsed_data)
            for found in issues:
                if extract_key(_text(found.body)) == key:
                    return found.number, found.html_url
            if len(issues) < PAGE_SIZE or issues[-1].created_at < since:
                return None
            page += 1

    async def _create_or_recover(self, issue: _Issue) -> None:
        if issue.claim.claimed_at is not None:
            found = await self._find_created_issue(issue.key, issue.claim.claimed_at)
            if found is not None:
                number, html_url = found
                log.info("github.issue_recovered", key=issue.key, number=number)
                self._store_number(issue.id, number, html_url, None)
                self.report.issues_recovered.append(issue.key)
                await self._update(issue, number)
                return
            self.issue_creates.settle(issue.key, issue.claim)
        await self._ensure_labels(issue.labels)
        body = compose_body(None, issue.key, issue.section)
        response = await self.issue_creates.send(
            issue.id,
            issue.claim,
            issue.key,
            lambda: self.gh.rest.issues.async_create(
                self.owner,
                self.repo,
                title=issue.title,
                body=body,
                labels=[label.name for label in issue.labels],
            ),
            lambda call: self._write(call, notify=True),
        )
        if response is None:
            return  # another worker created it meanwhile
        created = response.parsed_data
        in_step = issue.state == created.state
        self._store_number(
            issue.id, created.number, created.html_url, issue.desired_hash if in_step else None
        )
        self.report.issues_created.append(issue.key)
        log.info("github.issue_created", key=issue.key, number=created.number)
        if not in_step:
            await self._update(issue, created.number)

    async def _update(self, issue: _Issue, number: int) -> None:
        try:
            response = await self.gh.rest.issues.async_get(self.owner, self.repo, number)
        except RequestFailed as exc:
            if not is_status(exc, 410):
                raise
            # The issue was deleted: forget it and open a new one.
            log.warning("github.issue_deleted", key=issue.key, number=number)
            with transaction(self.factory) as session:
                session.execute(
                    update(GitHubIssue)
                    .where(GitHubIssue.id == issue.id)
                    .values(number=None, html_url=None, synced_hash=None, create_claimed_at=None)
                )
            fresh = replace(issue, number=None, claim=replace(issue.claim, claimed_at=None))
            await self._create_or_recover(fresh)
            return
        current = response.parsed_data
        patch: dict[str, Any] = {}
        if current.title != issue.title:
            patch["title"] = issue.title
        current_body = _text(current.body)
        body = compose_body(current_body, issue.key, issue.section)
        if body != (current_body or ""):
            patch["body"] = body
        if current.state != issue.state:
            patch["state"] = issue.state
        have = _label_names(current.labels)
        taken_back = {name.lower() for name in issue.unlabels}
        kept = [name for name in have if name.lower() not in taken_back]
        kept_lower = {name.lower() for name in kept}
        missing = [label for label in issue.labels if label.name.lower() not in kept_lower]
        if missing:
            await self._ensure_labels(missing)
        if missing or len(kept) != len(have):
            patch["labels"] = kept + [label.name for label in missing]
        if patch:
            await self._write(
                lambda: self.gh.rest.issues.async_update(self.owner, self.repo, number, **patch)
            )
            self.report.issues_updated.append(issue.key)
            log.info("github.issue_updated", key=issue.key, number=number, fields=sorted(patch))
        else:
            self.report.issues_unchanged.append(issue.key)
        self._mark_synced(issue.id, issue.desired_hash, current.html_url)

    # --- labels -------------------------------------------------------------------

    async def _existing_labels(self) -> set[str]:
        if self._labels is None:
            names: set[str] = set()
            page = 1
            while True:
                response = await self.gh.rest.issues.async_list_labels_for_repo(
                    self.owner, self.repo, per_page=PAGE_SIZE, page=page
                )
                labels = cast(list[Label], response.parsed_data)
                names.update(label.name.lower() for label in labels)
                if len(labels) < PAGE_SIZE:
                    break
                page += 1
            self._labels = names
        return self._labels

    def _label_creator(self, label: LabelSpec) -> Callable[[], Awaitable[Any]]:
        return lambda: self.gh.rest.issues.async_create_label(
            self.owner,
            self.repo,
            name=label.name,
            color=label.color,
            description=label.description or UNSET,
        )

    async def _ensure_labels(self, labels: list[LabelSpec]) -> None:
        if not labels:
            return
        existing = await self._existing_labels()
        for label in labels:
            if label.name.lower() in existing:
                continue
            try:
                await self._write(self._label_creator(label))
                self.report.labels_created.append(label.name)
            except RequestFailed as exc:
                if not is_status(exc, 422):  # 422 already_exists: someone made it meanwhile
                    raise
            existing.add(label.name.lower())

    # --- comments -----------------------------------------------------------------

    def _store_comment(self, row_id: int, comment_id: int) -> None:
        with transaction(self.factory) as session:
            session.execute(
                update(GitHubComment)
                .where(GitHubComment.id == row_id)
                .values(comment_id=comment_id, posted_at=utcnow())
            )

    async def _find_comment(self, number: int, key: str, claimed_at: datetime) -> int | None:
        page = 1
        while True:
            response = await self.gh.rest.issues.async_list_comments(
                self.owner,
                self.repo,
                number,
                since=claimed_at - LOOKBACK,
                per_page=PAGE_SIZE,
                page=page,
            )
            comments = cast(list[IssueComment], response.parsed_data)
            for comment in comments:
                if extract_comment_key(_text(comment.body)) == key:
                    return comment.id
            if len(comments) < PAGE_SIZE:
                return None
            page += 1

    async def post_comment(self, row: GitHubComment, number: int) -> None:
        claim = Claim(row.post_attempts, row.post_claimed_at)
        if claim.claimed_at is not None:
            found = await self._find_comment(number, row.key, claim.claimed_at)
            if found is not None:
                log.info("github.comment_recovered", key=row.key, comment_id=found)
                self._store_comment(row.id, found)
                self.report.comments_recovered.append(row.key)
                return
            self.comment_posts.settle(row.key, claim)
        body = compose_comment(row.key, row.body)
        response = await self.comment_posts.send(
            row.id,
            claim,
            row.key,
            lambda: self.gh.rest.issues.async_create_comment(
                self.owner, self.repo, number, body=body
            ),
            lambda call: self._write(call, notify=True),
        )
        if response is None:
            return  # another worker posted it meanwhile
        self._store_comment(row.id, response.parsed_data.id)
        self.report.comments_posted.append(row.key)
        log.info("github.comment_posted", key=row.key, issue=number)


def _pending_issues(factory: sessionmaker[Session], repository_id: int) -> list[_Issue]:
    with factory() as session:
        rows = session.scalars(
            select(GitHubIssue)
            .where(GitHubIssue.repository_id == repository_id)
            .order_by(GitHubIssue.id)
        ).all()
        return [
            _Issue.of(row)
            for row in rows
            if row.number is None or row.synced_hash != row.desired_hash
        ]


def _pending_comments(
    factory: sessionmaker[Session], repository_id: int
) -> list[tuple[GitHubComment, int | None]]:
    """Unposted comments with the number of the issue they go on (None: not created yet)."""
    with factory() as session:
        numbers = {
            key: number
            for key, number in session.execute(
                select(GitHubIssue.key, GitHubIssue.number).where(
                    GitHubIssue.repository_id == repository_id
                )
            )
        }
        rows = session.scalars(
            select(GitHubComment)
            .where(
                GitHubComment.repository_id == repository_id,
                GitHubComment.comment_id.is_(None),
            )
            .order_by(GitHubComment.id)
        ).all()
        session.expunge_all()
    return [
        (row, row.issue_number or (numbers.get(row.issue_key) if row.issue_key else None))
        for row in rows
    ]


async def sync_repository(
    factory: sessionmaker[Session],
    repository_id: int,
    gh: GitHub[Any],
    pacer: WritePacer,
    *,
    bot_login: str | None = None,
    late_writes: LateWrites | None = None,
    on_numbered: NumberedHook | None = None,
) -> SyncReport:
    """Make GitHub match the desired rows of one repository; see the module docstring.

    ``gh`` acts as the repository's installation. Rate limits and transient failures
    raise at once (the job is rescheduled; rows stay consistent). An item GitHub refuses
    for good (404, 410, 422) is logged and skipped so the others still converge, and
    then :class:`SyncIncomplete` (permanent, with the report) ends the job; 401 and 403
    stop the sync at once. A create whose earlier attempt may still land waits while the
    others go on; then :class:`SettleWait` reschedules the job to look for it again.
    """
    with factory() as session:
        repository = session.get(Repository, repository_id)
        if repository is None:
            raise GitHubPermanentError(f"no repository with id {repository_id}")
        session.expunge(repository)
    login = bot_login or f"{get_settings().app_slug}[bot]"
    policy = late_writes or LateWrites.from_settings(get_settings())
    sync = _RepositorySync(factory, repository, gh, pacer, login, policy, on_numbered)
    context = {"repository": repository.full_name, "installation": repository.installation_id}
    first_failure: GitHubPermanentError | None = None

    async def attempt(key: str, step: Awaitable[None]) -> None:
        nonlocal first_failure
        try:
            with github_errors("sync", key=key, **context):
                await step
        except GitHubPermanentError as exc:
            if exc.status in (401, 403) or exc.status is None:
                raise
            sync.report.failed[key] = str(exc)
            first_failure = first_failure or exc
        except SettleWait as wait:
            sync.report.settling[key] = wait.at

    for issue in _pending_issues(factory, repository_id):
        await attempt(issue.key, sync.sync_issue(issue))
    for row, number in _pending_comments(factory, repository_id):
        if number is None:
            sync.report.comments_waiting.append(row.key)
            continue
        await attempt(row.key, sync.post_comment(row, number))
    if sync.report.settling:
        raise SettleWait(
            min(sync.report.settling.values()),
            "created before, outcome unknown: " + ", ".join(sync.report.settling),
        )
    if first_failure is not None:
        raise SyncIncomplete(sync.report, first_failure)
    return sync.report
