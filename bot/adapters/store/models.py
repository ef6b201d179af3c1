"""SQLAlchemy models: the one schema for SQLite and PostgreSQL (Alembic migrates both)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tz) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Deterministic constraint names on both databases, so later migrations (SQLite batch
# mode included) can refer to them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class Installation(Base):
    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_login: Mapped[str] = mapped_column(String(255))
    suspended_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Repository(Base):
    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # GitHub's repository id (stable across renames); unknown for a repo seen only by name.
    github_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str] = mapped_column(String(255), unique=True)  # lower-cased owner/name
    installation_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("installations.id"), index=True
    )
    default_branch: Mapped[str | None] = mapped_column(String(255))
    removed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UploadToken(Base):
    __tablename__ = "upload_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings
    description: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    repository: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("repository_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """One uploaded test run (one or more report files) of one campaign."""

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("repository_id", "run_key"),
        UniqueConstraint("repository_id", "idempotency_key"),
        Index("ix_runs_campaign_created", "campaign_id", "id"),
        Index("ix_runs_campaign_folded", "campaign_id", "folded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    run_key: Mapped[str | None] = mapped_column(String(255))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    branch: Mapped[str | None] = mapped_column(String(255))
    pull_request: Mapped[int | None]
    workflow: Mapped[str | None] = mapped_column(String(255))
    workflow_run_id: Mapped[int | None] = mapped_column(BigInteger)
    run_attempt: Mapped[int | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    analysis: Mapped[dict[str, Any] | None]
    # The upload's campaign definition (keys over the config's), from this run on. None is
    # SQL NULL (not JSON null), so "the latest run that brought one" is an indexed query.
    definition: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # The pull request's head repository when it is not this one (a fork): such a run is
    # untrusted and only gets its check run (no clusters, issues or session log).
    head_repository: Mapped[str | None] = mapped_column(String(255))
    # queued -> processed | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    # The run's analysis as JSON (counts, per-phase results): history for trends.
    summary: Mapped[dict[str, Any] | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    # Order of runs (docs/design.md): when the run was folded into cluster state (None: not
    # yet, or never — a fork's run, or a late one), and while it is queued behind an earlier
    # run of its campaign, which run and since when (the wait is bounded).
    folded_at: Mapped[datetime | None]
    waiting_for_run_id: Mapped[int | None]
    waiting_since: Mapped[datetime | None]

    files: Mapped[list[RunFile]] = relationship(
        back_populates="run", order_by="RunFile.id", cascade="all, delete-orphan"
    )


class RunFile(Base):
    """A report file as uploaded (raw bytes kept so a run can be re-processed).

    The bytes are in ``run_file_chunks`` (read them with ``bot.adapters.store.run_files``):
    a 50 MiB report written or read in one value costs the web a few copies of it.
    ``content`` holds the whole file only in rows stored before migration 0014 (None:
    chunked); it is deferred, so loading a row never loads the bytes.
    """

    __tablename__ = "run_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(1024))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    # The workflow-run artifact the file was unpacked from (None: uploaded).
    artifact_id: Mapped[int | None] = mapped_column(BigInteger)

    run: Mapped[Run] = relationship(back_populates="files")


class RunFileChunk(Base):
    """One piece of a run file's bytes; the file is its chunks in ``seq`` order."""

    __tablename__ = "run_file_chunks"

    run_file_id: Mapped[int] = mapped_column(
        ForeignKey("run_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class IngestedArtifact(Base):
    """A workflow-run artifact Loopwatch has read, so it is never read twice.

    The key is GitHub's artifact id with the zip's digest: an artifact is immutable, so the
    same id and digest is the same content whatever the webhook redelivery or re-run.
    """

    __tablename__ = "ingested_artifacts"
    __table_args__ = (UniqueConstraint("repository_id", "artifact_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    artifact_id: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(100))  # "sha256:…"; "" when GitHub gave none
    name: Mapped[str] = mapped_column(String(255))
    workflow_run_id: Mapped[int] = mapped_column(BigInteger, index=True)
    run_attempt: Mapped[int | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    # ingested | refused | no-reports
    outcome: Mapped[str] = mapped_column(String(16))
    reports: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TestResult(Base):
    __tablename__ = "test_results"
    __test__ = False
    __table_args__ = (
        Index("ix_test_results_run_cluster", "run_id", "cluster_id"),
        Index("ix_test_results_test_run", "test_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    test_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None]
    suite: Mapped[str | None] = mapped_column(Text)
    phase: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    executions: Mapped[int] = mapped_column(default=1)
    duration_s: Mapped[float | None] = mapped_column(Float)
    failure_type: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    trace: Mapped[str | None] = mapped_column(Text)
    # The failure's signature and cluster (failing and flaky results only).
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL"), index=True
    )


class Cluster(Base):
    """A failure signature within a repository, with its lifecycle state (issue #4).

    ``state``: new | open | resolved | regressed | muted (``bot/app/clusters/lifecycle.py``).
    """

    __tablename__ = "clusters"
    __table_args__ = (UniqueConstraint("repository_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    signature_version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(Text)
    family: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(32))
    labels: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), default="new")
    flaky: Mapped[bool] = mapped_column(Boolean, default=False)
    # A person's word on flakiness (``/flaky``, ``/not-flaky``); None: detected from runs.
    flaky_pinned: Mapped[bool | None] = mapped_column(Boolean)
    muted_until: Mapped[datetime | None]
    # The test ids seen failing with this signature (capped): "its tests".
    test_ids: Mapped[list[Any]] = mapped_column(default=list)
    first_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    first_seen_at: Mapped[datetime | None]
    last_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    last_seen_at: Mapped[datetime | None]
    # The newest run applied to the lifecycle (a retried job applies a run once).
    last_applied_run_id: Mapped[int | None]
    occurrences: Mapped[int] = mapped_column(default=0)
    runs_failed: Mapped[int] = mapped_column(default=0)
    flaky_runs: Mapped[int] = mapped_column(default=0)
    regressions: Mapped[int] = mapped_column(default=0)
    # Consecutive runs per campaign (name -> count) in which its tests ran and passed.
    green_streaks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The commit of each streak's first green run (name -> sha): the fix if it resolves.
    green_streak_commits: Mapped[dict[str, Any] | None] = mapped_column(default=dict)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    resolved_reason: Mapped[str | None] = mapped_column(String(64))
    resolved_commit: Mapped[str | None] = mapped_column(String(64))
    resolved_pull_request: Mapped[int | None]
    sample_message: Mapped[str | None] = mapped_column(Text)
    sample_trace: Mapped[str | None] = mapped_column(Text)
    issue_key: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ClusterEvent(Base):
    """One entry of a cluster's history (created, failed, regressed, resolved, ...)."""

    __tablename__ = "cluster_events"
    __table_args__ = (Index("ix_cluster_events_cluster", "cluster_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    actor: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CommitContainment(Base):
    """Whether ``build_sha`` contains ``fix_sha`` (GitHub's compare API), asked once: a
    pair of commits never changes its answer. Only definite answers are kept."""

    __tablename__ = "commit_containment"
    __table_args__ = (UniqueConstraint("repository_id", "build_sha", "fix_sha"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    build_sha: Mapped[str] = mapped_column(String(64))
    fix_sha: Mapped[str] = mapped_column(String(64))
    contained: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))  # identical | ahead | behind | diverged
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClusterAlias(Base):
    """A fingerprint of another signature version that belongs to an existing cluster,
    so a new signature algorithm does not split clusters silently."""

    __tablename__ = "cluster_aliases"
    __table_args__ = (UniqueConstraint("repository_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    fingerprint: Mapped[str] = mapped_column(String(128))
    signature_version: Mapped[int]
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )


class SessionLogEntry(Base):
    """One line of a campaign's session log (a run, or a notable event)."""

    __tablename__ = "session_log"
    __table_args__ = (Index("ix_session_log_campaign", "campaign_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)


class GitHubIssue(Base):
    """Desired state of an issue the bot keeps, and what was last synced to GitHub.

    ``key`` is the create-once key (``campaign:<name>``); it is claimed here before the
    create call, and the issue body carries ``<!-- loopwatch:begin key=... -->`` so a create
    whose answer was lost can be found again instead of duplicated.
    """

    __tablename__ = "github_issues"
    __table_args__ = (UniqueConstraint("repository_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    key: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(Text)
    # The bot's section of the body (between its markers); people's text is kept around it.
    body: Mapped[str] = mapped_column(Text)
    labels: Mapped[list[Any]] = mapped_column(default=list)
    # Labels the bot set before and no longer wants (``muted`` after an unmute): the sync
    # removes them when present. Labels people added are never in here.
    unlabels: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), default="open")
    desired_hash: Mapped[str] = mapped_column(String(64))
    number: Mapped[int | None]
    html_url: Mapped[str | None] = mapped_column(Text)
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime | None]
    # When the last create was sent (its outcome unknown until the number is stored) and
    # how many were sent: the count is the compare-and-set token of a re-claim.
    create_claimed_at: Mapped[datetime | None]
    create_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GitHubComment(Base):
    """A comment the bot must post exactly once (``key`` unique per repository)."""

    __tablename__ = "github_comments"
    __table_args__ = (UniqueConstraint("repository_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    key: Mapped[str] = mapped_column(String(512))
    issue_key: Mapped[str | None] = mapped_column(String(512))
    issue_number: Mapped[int | None]
    body: Mapped[str] = mapped_column(Text)
    comment_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[datetime | None]
    # Set (and committed) as the post is sent, with the attempt count: a claimed, unposted
    # comment may have been posted with its answer lost (or be stored late), so the sync
    # looks for its marker, and waits out the late-write window, before posting again.
    post_claimed_at: Mapped[datetime | None]
    post_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckRunRecord(Base):
    """Desired state of a check run (one per campaign, commit and workflow run), and what
    was last synced to GitHub. ``key`` is also the check run's ``external_id``."""

    __tablename__ = "check_runs"
    __table_args__ = (UniqueConstraint("repository_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    key: Mapped[str] = mapped_column(String(512))
    head_sha: Mapped[str] = mapped_column(String(64))
    workflow_run_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255))
    # in_progress | completed
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    conclusion: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    details_url: Mapped[str | None] = mapped_column(Text)
    # A line shown at the top of the summary (what came of a "Re-run" request).
    note: Mapped[str | None] = mapped_column(Text)
    # Desired annotations (GitHub's fields plus a stable "key"), capped by the config.
    annotations: Mapped[list[Any]] = mapped_column(default=list)
    # Keys of the annotations GitHub has taken for the current check run.
    sent_annotations: Mapped[list[Any]] = mapped_column(default=list)
    run_ids: Mapped[list[Any]] = mapped_column(default=list)
    desired_hash: Mapped[str] = mapped_column(String(64), default="")
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    github_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    create_claimed_at: Mapped[datetime | None]
    create_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    synced_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommandInvocation(Base):
    """One slash-command line of one comment or review, run at most once.

    ``source`` is ``comment:<id>`` or ``review:<id>``; ``line_key`` identifies the line
    within it (its text and occurrence), so a redelivered or edited comment never runs a
    line twice. The row is claimed (inserted) before the command runs.
    """

    __tablename__ = "command_invocations"
    __table_args__ = (UniqueConstraint("repository_id", "source", "line_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    line_key: Mapped[str] = mapped_column(String(64))
    issue_number: Mapped[int]
    command: Mapped[str] = mapped_column(String(64))
    args: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(255))
    # running | done | failed | refused
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PermissionGrant(Base):
    """A person's repository permission as GitHub last told it (a short-lived cache)."""

    __tablename__ = "permission_cache"

    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), primary_key=True)
    login: Mapped[str] = mapped_column(String(255), primary_key=True)  # lower-cased
    level: Mapped[str] = mapped_column(String(16))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class FiveWhysRecord(Base):
    """A five-whys for a campaign or a failure cluster: a person's (``/five-whys``,
    ``/why`` …; source ``person``, confirmed) or the bot's evidence draft (source
    ``evidence``, status ``draft``; replaced by a person's, never the reverse).

    ``subject`` is ``campaign:<name>`` or ``cluster:<fingerprint>``; ``record`` is an
    :class:`bot.core.five_whys.AnalysisBlock` as JSON, or for a draft a
    :class:`bot.core.evidence.model.EvidenceDraft`. Every change a person makes is kept as a
    version.
    """

    __tablename__ = "five_whys"
    __table_args__ = (UniqueConstraint("repository_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    subject: Mapped[str] = mapped_column(String(512))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    record: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(16), default="person")
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    author: Mapped[str | None] = mapped_column(String(255))
    source_url: Mapped[str | None] = mapped_column(Text)  # the comment last written in
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FiveWhysVersion(Base):
    """One saved version of a five-whys record: who changed what, when."""

    __tablename__ = "five_whys_versions"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("five_whys.id", ondelete="CASCADE"))
    version: Mapped[int]
    record: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str | None] = mapped_column(String(255))
    change: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """A durable job (transactional outbox): leased, retried with backoff, parked dead.

    ``lock_key`` (e.g. ``repo:owner/name``) keeps two workers off one repository;
    ``dedupe_key`` is unique while set, so a burst enqueues one pending job (cleared
    when the job starts running, so a new one can queue behind it; a periodic job's slot
    key, ``periodic:…``, is kept, so its slot is enqueued once).
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_ready", "status", "run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lock_key: Mapped[str | None] = mapped_column(String(255), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    # queued | running | done | dead
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    # NULL: the running worker's ``LOOPWATCH_JOB_MAX_ATTEMPTS`` (RetryPolicy.max_attempts).
    max_attempts: Mapped[int | None] = mapped_column(default=None)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    leased_by: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class JobLock(Base):
    """Held while a job with this lock key runs; the primary key makes it exclusive."""

    __tablename__ = "job_locks"

    lock_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]


class WriteLane(Base):
    """The write pacer's state of one installation, shared by every worker process
    (``bot/adapters/github/pacer.py``, ``bot/adapters/store/write_lanes.py``).

    Times are seconds since the epoch (the pacer's clock). ``held_by`` is the process whose
    GitHub call is in flight, until ``held_until`` (then presumed dead and taken over).
    """

    __tablename__ = "write_lanes"

    lane_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_write_at: Mapped[float] = mapped_column(Float(precision=53), default=0.0)
    next_notify_at: Mapped[float] = mapped_column(Float(precision=53), default=0.0)
    held_by: Mapped[str | None] = mapped_column(String(255))
    held_until: Mapped[float | None] = mapped_column(Float(precision=53))
