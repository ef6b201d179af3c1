"""The sandbox's in-memory world: users, installations, repositories and what is in them."""

from __future__ import annotations

import itertools
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.config import SandboxConfig
from loopwatch_sandbox.errors import GitHubError, not_found

if TYPE_CHECKING:
    from loopwatch_sandbox.chaos import ChaosProfile

TOKEN_LIFETIME = timedelta(hours=1)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class User:
    login: str
    id: int
    type: str = "User"  # User | Bot | Organization


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Reaction:
    id: int
    user: User
    content: str
    created_at: datetime


@dataclass
class Comment:
    id: int
    issue_number: int
    user: User
    body: str
    created_at: datetime
    updated_at: datetime
    via_app: bool = False
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: User
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: User | None = None
    label_ids: list[int] = field(default_factory=list)
    assignees: list[User] = field(default_factory=list)
    via_app: bool = False
    is_pull_request: bool = False  # the issue side of a pull request (``repo.pulls``)
    reactions: list[Reaction] = field(default_factory=list)
    events: list[IssueEventRecord] = field(default_factory=list)


@dataclass
class IssueEventRecord:
    """One entry of ``GET /repos/{o}/{r}/issues/{n}/events`` (closed, reopened, labeled)."""

    id: int
    event: str
    actor: User
    created_at: datetime
    commit_id: str | None = None
    label_name: str | None = None
    label_color: str | None = None


@dataclass
class Review:
    """A pull-request review; ``state`` is GitHub's: COMMENTED, APPROVED, CHANGES_REQUESTED."""

    id: int
    user: User
    body: str
    state: str
    commit_id: str
    submitted_at: datetime


@dataclass
class PullRequest:
    """A pull request: opened by a person (with its issue, same number) or recorded as merged
    by an admin close (then ``has_issue`` is false; enough for ``commits/{sha}/pulls``)."""

    id: int
    number: int
    title: str
    user: User
    merge_commit_sha: str
    created_at: datetime
    merged_at: datetime | None = None
    body: str | None = None
    head_sha: str = ""
    head_ref: str = ""
    base_ref: str = "main"
    from_fork: bool = False
    fork_repo_id: int = 0  # the head repository's id when ``from_fork``
    state: str = "closed"  # open | closed
    has_issue: bool = False  # an Issue with the same number exists (GitHub: a PR is an issue)
    reviews: dict[int, Review] = field(default_factory=dict)


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    check_suite_id: int
    status: str
    conclusion: str | None
    started_at: datetime | None
    completed_at: datetime | None
    external_id: str | None = None
    details_url: str | None = None
    output: dict[str, str | None] = field(
        default_factory=lambda: {"title": None, "summary": None, "text": None}
    )
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Artifact:
    id: int
    run_id: int
    name: str
    data: bytes
    created_at: datetime
    expires_at: datetime
    run_attempt: int = 1  # the attempt that uploaded it (GitHub does not show it)


@dataclass
class WorkflowRun:
    id: int
    head_sha: str
    head_branch: str
    name: str = "CI"
    run_attempt: int = 1
    rerun_requests: int = 0
    path: str = ".github/workflows/ci.yml"
    event: str = "push"
    conclusion: str = "success"
    run_number: int = 1
    pull_request: int | None = None  # the pull request the run tested, if any
    actor: str = "octocat"
    created_at: datetime = field(default_factory=lambda: utcnow())
    updated_at: datetime = field(default_factory=lambda: utcnow())


@dataclass
class Commit:
    sha: str
    message: str
    parents: list[str]
    author: str
    created_at: datetime
    files: list[str] = field(default_factory=list)


@dataclass
class Installation:
    id: int
    account: User
    permissions: dict[str, str]
    events: list[str]
    created_at: datetime


@dataclass
class Token:
    token: str
    installation_id: int
    expires_at: datetime
    permissions: dict[str, str]
    repositories: set[str] | None  # full names (lower case) the token is limited to


@dataclass
class Repo:
    id: int
    owner: User
    name: str
    default_branch: str
    installation_id: int | None
    created_at: datetime
    private: bool = True
    next_number: int = 1
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    labels: dict[int, Label] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    check_suites: dict[str, int] = field(default_factory=dict)  # head_sha -> suite id
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # ref -> path -> bytes
    collaborators: dict[str, str] = field(default_factory=dict)  # login (lower) -> role
    workflow_runs: dict[int, WorkflowRun] = field(default_factory=dict)
    artifacts: dict[int, Artifact] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # branch -> head sha
    pulls: dict[int, PullRequest] = field(default_factory=dict)

    def resolve_ref(self, ref: str) -> Commit | None:
        """A branch name, a full sha or a unique sha prefix (>= 7 characters)."""
        sha = self.branches.get(ref, ref)
        if sha in self.commits:
            return self.commits[sha]
        matches = [c for s, c in self.commits.items() if len(ref) >= 7 and s.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def label_by_name(self, name: str) -> Label | None:
        wanted = name.lower()
        return next((lb for lb in self.labels.values() if lb.name.lower() == wanted), None)

    def issue(self, number: int) -> Issue:
        if number not in self.issues:
            raise not_found()
        return self.issues[number]

    def comment(self, comment_id: int) -> Comment:
        if comment_id not in self.comments:
            raise not_found()
        return self.comments[comment_id]

    def pull(self, number: int) -> PullRequest:
        if number not in self.pulls:
            raise not_found()
        return self.pulls[number]

    def comments_of(self, number: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.issue_number == number]


@dataclass
class Fault:
    path_regex: str
    status: int | None = None
    method: str | None = None
    count: int = 1
    delay_s: float = 0.0
    after_store: bool = False
    retry_after: int | None = None
    rate_limit_reset: int | None = None
    message: str | None = None
    kind: str | None = None  # set by the random fault profile (chaos.py)


@dataclass
class Blob:
    """A short-lived download (artifact zips): fetched without a token, like GitHub storage."""

    data: bytes
    expires_at: datetime
    content_type: str = "application/zip"


class SandboxState:
    """Everything the sandbox knows. One instance per app, at ``app.state.sandbox``."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Forget everything but issued tokens (installation ids are stable, and clients
        cache their tokens for an hour)."""
        self._ids = itertools.count(1001)
        self.tokens: dict[str, Token] = getattr(self, "tokens", {})
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}
        self.installations: dict[int, Installation] = {}
        self.faults: list[Fault] = []
        self.chaos: ChaosProfile | None = None  # the random fault profile, when on
        self.requests: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.blobs: dict[str, Blob] = {}
        # Every storage fetch: did it carry credentials (GitHub storage refuses them)?
        self.blob_fetches: list[dict[str, Any]] = []
        self.rate_used: dict[str, int] = {}
        self.rate_reset_at = utcnow() + timedelta(hours=1)
        self.created_at = utcnow()
        self.bot = self.ensure_user(f"{self.config.app_slug}[bot]", "Bot")
        self.app_owner = self.ensure_user(f"{self.config.app_slug}-owner")

    def next_id(self) -> int:
        return next(self._ids)

    # users -----------------------------------------------------------------
    def ensure_user(self, login: str, user_type: str = "User") -> User:
        key = login.lower()
        if key not in self.users:
            self.users[key] = User(login=login, id=self.next_id(), type=user_type)
        return self.users[key]

    def find_user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    # installations and repositories ----------------------------------------
    def ensure_installation(self, account: User, installation_id: int | None = None) -> int:
        existing = next(
            (i for i in self.installations.values() if i.account.login == account.login), None
        )
        if existing is not None:
            if installation_id is not None and installation_id != existing.id:
                raise GitHubError(422, f"{account.login} is already installed as {existing.id}")
            return existing.id
        new_id = installation_id or stable_installation_id(account.login)
        if new_id in self.installations:
            raise GitHubError(422, f"installation id {new_id} is taken")
        self.installations[new_id] = Installation(
            id=new_id,
            account=account,
            permissions=dict(self.config.app_permissions),
            events=list(self.config.app_events),
            created_at=utcnow(),
        )
        return new_id

    def create_repo(
        self,
        full_name: str,
        default_branch: str = "main",
        installation_id: int | None = None,
        installed: bool = True,
        private: bool = True,
    ) -> Repo:
        owner_login, _, name = full_name.partition("/")
        if not owner_login or not name or "/" in name:
            raise GitHubError(422, "full_name must be owner/name")
        if full_name.lower() in self.repos:
            raise GitHubError(422, f"{full_name} already exists")
        owner = self.ensure_user(owner_login)
        inst = self.ensure_installation(owner, installation_id) if installed else None
        repo = Repo(
            id=self.next_id(),
            owner=owner,
            name=name,
            default_branch=default_branch,
            installation_id=inst,
            created_at=utcnow(),
            private=private,
        )
        repo.collaborators[owner.login.lower()] = "admin"
        self.repos[full_name.lower()] = repo
        return repo

    def repo(self, owner: str, name: str) -> Repo:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise not_found()
        return repo

    def repos_of(self, installation_id: int) -> list[Repo]:
        return [r for r in self.repos.values() if r.installation_id == installation_id]

    def issue_token(
        self,
        installation_id: int,
        permissions: dict[str, str] | None,
        repositories: set[str] | None,
    ) -> Token:
        installation = self.installations[installation_id]
        token = Token(
            token="ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36],
            installation_id=installation_id,
            expires_at=utcnow() + TOKEN_LIFETIME,
            permissions=dict(permissions or installation.permissions),
            repositories=repositories,
        )
        self.tokens[token.token] = token
        return token

    # check suites ------------------------------------------------------------
    def suite_id(self, repo: Repo, head_sha: str) -> int:
        if head_sha not in repo.check_suites:
            repo.check_suites[head_sha] = self.next_id()
        return repo.check_suites[head_sha]


def stable_installation_id(account_login: str) -> int:
    """The same account always gets the same installation id (across resets and restarts)."""
    return 10_000_000 + zlib.crc32(account_login.lower().encode()) % 80_000_000
