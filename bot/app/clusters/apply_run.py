"""Per-run cluster tracking, called by ``process_run`` inside its store transaction.

For each failing or flaky case of the run: its signature, its cluster (created
race-safely), the lifecycle event, the history row, and the TestResult's fingerprint and
cluster. Clusters whose tests ran and all passed get a green run; a cluster one of whose
tests passed here after failing in another run of the same commit is marked flaky (the
failure was flaky, found afterwards; once per cluster and commit). A person's ``/flaky`` or
``/not-flaky`` overrides that detection (``Cluster.flaky_pinned``). Then the desired GitHub
state: failure issues over the threshold (at most ``max_new_issues_per_run`` new ones),
updated bodies, and one comment per regression (see :mod:`bot.app.clusters.issues`).

A run is applied to a cluster once (its failed/flaky/passed event names the run): a retried job
recomputes the same rows and renders the same text, so GitHub sees no change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from bot.adapters.store.bulk import chunked
from bot.adapters.store.models import (
    Campaign,
    Cluster,
    ClusterEvent,
    Repository,
    Run,
    SessionLogEntry,
    TestResult,
)
from bot.app.clusters.fix_in_build import FixAnswers
from bot.app.clusters.issues import IssueContext, may_open_issues, update_cluster_issues
from bot.app.clusters.lifecycle import Event, EventKind, Life, State, apply, run_event_kind
from bot.app.clusters.store import MAX_TEST_IDS, record_event
from bot.app.clusters.versions import place_failure
from bot.core.config.repo import RepoConfig
from bot.core.fix_in_build import Containment, fix_in_build, same_commit, short_sha
from bot.core.render.clusters import BOT_LOGIN
from bot.core.reports.model import Outcome, TestCase
from bot.core.signatures import Signature, current_version, signatures_for_versions

ACTIVE = ("new", "open", "regressed", "muted")


@dataclass
class RunClusters:
    """What tracking one run changed (cluster ids)."""

    seen: list[int] = field(default_factory=list)
    failing: list[int] = field(default_factory=list)  # seen, not only flaky
    created: list[int] = field(default_factory=list)
    regressed: list[int] = field(default_factory=list)
    fix_not_in_build: list[int] = field(default_factory=list)  # resolved; failed without fix
    resolved: list[int] = field(default_factory=list)
    marked_flaky: list[int] = field(default_factory=list)  # failed, then passed on the commit
    issues_opened: list[str] = field(default_factory=list)


@dataclass
class _Group:
    signature: Signature
    fingerprints: dict[int, str]
    results: list[TestResult] = field(default_factory=list)
    flaky: list[bool] = field(default_factory=list)
    sample: TestCase | None = None
    sample_is_flaky: bool = True

    @property
    def all_flaky(self) -> bool:
        return all(self.flaky)

    def add(self, row: TestResult, case: TestCase, flaky: bool) -> None:
        self.results.append(row)
        self.flaky.append(flaky)
        if self.sample is None or (self.sample_is_flaky and not flaky):
            self.sample, self.sample_is_flaky = case, flaky

    def absorb(self, other: _Group) -> None:
        """Failures another group brought to the same cluster (one cluster, one update)."""
        self.results += other.results
        self.flaky += other.flaky
        if other.sample is not None and (
            self.sample is None or (self.sample_is_flaky and not other.sample_is_flaky)
        ):
            self.sample, self.sample_is_flaky = other.sample, other.sample_is_flaky


# Failures are grouped by their fingerprints under every supported version: two failures
# one version 2 fingerprint apart from two version 1 clusters each go to their own.
GroupKey = tuple[tuple[int, str], ...]


def life_of(cluster: Cluster) -> Life:
    return Life(
        state=State(cluster.state),
        green_streaks={str(k): int(v) for k, v in (cluster.green_streaks or {}).items()},
        streak_starts={str(k): str(v) for k, v in (cluster.green_streak_commits or {}).items()},
        runs_failed=cluster.runs_failed,
        flaky_runs=cluster.flaky_runs,
        regressions=cluster.regressions,
        flaky=cluster.flaky,
        muted_until=cluster.muted_until,
        flaky_pinned=cluster.flaky_pinned,
    )


def store_life(cluster: Cluster, life: Life) -> None:
    cluster.state = life.state.value
    cluster.green_streaks = dict(life.green_streaks)
    cluster.green_streak_commits = dict(life.streak_starts)
    cluster.runs_failed = life.runs_failed
    cluster.flaky_runs = life.flaky_runs
    cluster.regressions = life.regressions
    cluster.flaky = life.flaky
    cluster.muted_until = life.muted_until
    cluster.flaky_pinned = life.flaky_pinned


_FAILED = (Outcome.FAILED.value, Outcome.ERRORED.value)


def _passed_on_same_commit(session: Session, run: Run) -> set[str]:
    """Tests failing now that passed in another run of the same commit: flaky. (A join
    on the run's own stored rows: a run can hold more tests than a statement can bind.)"""
    if not run.commit_sha:
        return set()
    mine = aliased(TestResult)
    return set(
        session.scalars(
            select(TestResult.test_id)
            .join(Run, Run.id == TestResult.run_id)
            .join(mine, mine.test_id == TestResult.test_id)
            .where(
                mine.run_id == run.id,
                mine.outcome.in_(_FAILED),
                Run.repository_id == run.repository_id,
                Run.commit_sha == run.commit_sha,
                Run.id != run.id,
                TestResult.outcome == Outcome.PASSED.value,
            )
            .distinct()
        )
    )


def _failed_on_same_commit(session: Session, run: Run) -> dict[int, list[str]]:
    """Clusters (id → tests) whose tests passed in this run and failed (not flakily) in
    another run of the same commit: those failures were flaky."""
    if not run.commit_sha:
        return {}
    # The run's tests whose every result passed, as a subquery (never a bound list).
    passed = (
        select(TestResult.test_id)
        .where(TestResult.run_id == run.id)
        .group_by(TestResult.test_id)
        .having(
            func.min(TestResult.outcome) == Outcome.PASSED.value,
            func.max(TestResult.outcome) == Outcome.PASSED.value,
        )
    )
    found: dict[int, list[str]] = {}
    for cluster_id, test_id in session.execute(
        select(TestResult.cluster_id, TestResult.test_id)
        .join(Run, Run.id == TestResult.run_id)
        .where(
            Run.repository_id == run.repository_id,
            Run.commit_sha == run.commit_sha,
            Run.id != run.id,
            TestResult.outcome.in_(_FAILED),
            TestResult.cluster_id.is_not(None),
            TestResult.test_id.in_(passed),
        )
        .distinct()
        .order_by(TestResult.cluster_id, TestResult.test_id)
    ):
        if cluster_id is not None:
            found.setdefault(cluster_id, []).append(test_id)
    return found


MARKED_FLAKY = "marked_flaky"


def _mark_flaky_after_the_fact(
    session: Session, run: Run, at: datetime, changes: RunClusters
) -> None:
    """A test that failed on this commit passes on it now: its cluster's failure was flaky."""
    found = _failed_on_same_commit(session, run)
    if not found:
        return
    already = {
        (event.cluster_id, str((event.details or {}).get("commit")))
        for ids in chunked(sorted(found))
        for event in session.scalars(
            select(ClusterEvent).where(
                ClusterEvent.cluster_id.in_(ids), ClusterEvent.kind == MARKED_FLAKY
            )
        )
    }
    for cluster_id, tests in found.items():
        if (cluster_id, run.commit_sha) in already:
            continue  # once per cluster and commit (and a retried job marks nothing twice)
        cluster = session.get_one(Cluster, cluster_id)
        if cluster.flaky_pinned is not None:
            continue  # a person decided whether it is flaky (/flaky, /not-flaky)
        transition = apply(life_of(cluster), Event(EventKind.FAILURE_WAS_FLAKY, at))
        store_life(cluster, transition.life)
        details = {"commit": run.commit_sha, "tests": tests[:MAX_TEST_IDS]}
        record_event(session, cluster, MARKED_FLAKY, at, run_id=run.id, details=details)
        changes.marked_flaky.append(cluster_id)


def _group_failures(
    session: Session, run: Run, cases: Sequence[TestCase], config: RepoConfig
) -> dict[GroupKey, _Group]:
    failing_outcomes = {Outcome.FAILED, Outcome.ERRORED, Outcome.FLAKY}
    rows: dict[str, list[TestResult]] = {}
    for row in session.scalars(  # only the failing rows: a big run is mostly green
        select(TestResult)
        .where(
            TestResult.run_id == run.id,
            TestResult.outcome.in_([o.value for o in failing_outcomes]),
        )
        .order_by(TestResult.id)
    ):
        rows.setdefault(row.test_id, []).append(row)
    failing = [c for c in cases if c.outcome in failing_outcomes]
    same_commit = _passed_on_same_commit(session, run)
    groups: dict[GroupKey, _Group] = {}
    for case in failing:
        matching = rows.get(case.test_id)
        if not matching:
            continue
        row = matching.pop(0)
        signatures = signatures_for_versions(case, config.signatures)
        signature = signatures[current_version(config.signature_version)]
        fingerprints = {version: s.fingerprint for version, s in signatures.items()}
        key = tuple(sorted(fingerprints.items()))
        group = groups.setdefault(key, _Group(signature, fingerprints))
        group.add(row, case, case.outcome is Outcome.FLAKY or case.test_id in same_commit)
        row.fingerprint = signature.fingerprint
    return groups


def _place_groups(
    session: Session, repository: Repository, groups: dict[GroupKey, _Group], at: datetime
) -> dict[int, tuple[Cluster, _Group]]:
    """Each group's cluster (bot/app/clusters/versions.py); groups that land on one
    cluster are merged, so a cluster is updated once per run."""
    placed: dict[int, tuple[Cluster, _Group]] = {}
    for group in groups.values():
        placement = place_failure(
            session,
            repository.id,
            version=group.signature.version,
            fingerprints=group.fingerprints,
            title=group.signature.title,
            at=at,
        )
        cluster = placement.cluster
        if placement.split_from is not None:
            _hand_over_tests(session, placement.split_from, cluster, group)
        for row in group.results:
            row.cluster_id = cluster.id
        if cluster.id in placed:
            placed[cluster.id][1].absorb(group)
        else:
            placed[cluster.id] = (cluster, group)
    return placed


def _hand_over_tests(session: Session, older: Cluster, newer: Cluster, group: _Group) -> None:
    """A new signature version took these failures from ``older``: their tests are no
    longer "its tests" (their failures would keep it from ever counting a green run), and
    their earlier failures move along, so each issue lists and counts only its own tests."""
    moved = sorted({r.test_id for r in group.results})
    older.test_ids = [t for t in older.test_ids or [] if str(t) not in set(moved)]
    for chunk in chunked(moved):
        session.execute(
            update(TestResult)
            .where(TestResult.cluster_id == older.id, TestResult.test_id.in_(chunk))
            .values(cluster_id=newer.id)
        )


def _note_seen(cluster: Cluster, group: _Group, run: Run, at: datetime) -> None:
    signature = group.signature
    cluster.title = signature.title
    cluster.family = signature.family
    cluster.kind = signature.kind
    cluster.severity = signature.severity
    cluster.labels = list(signature.labels)
    if cluster.first_seen_run_id is None:
        cluster.first_seen_run_id, cluster.first_seen_at = run.id, at
    cluster.last_seen_run_id, cluster.last_seen_at = run.id, at
    known = [str(t) for t in cluster.test_ids or []]
    new = [r.test_id for r in group.results if r.test_id not in known]
    cluster.test_ids = (known + list(dict.fromkeys(new)))[:MAX_TEST_IDS]
    cluster.occurrences += sum(max(r.executions, 1) for r in group.results)
    sample = group.sample
    if sample is not None and (cluster.sample_message is None or not group.all_flaky):
        cluster.sample_message = sample.message or sample.failure_type
        cluster.sample_trace = sample.trace


def _apply(
    session: Session,
    cluster: Cluster,
    kind: EventKind,
    run: Run,
    campaign: Campaign,
    at: datetime,
    resolve_after: int,
    changes: RunClusters,
    fix_answers: FixAnswers | None = None,
) -> None:
    event = Event(
        kind,
        at,
        campaign=campaign.name,
        commit=run.commit_sha,
        fix_in_build=_fix_in_build(cluster, run, fix_answers or {}),
    )
    transition = apply(life_of(cluster), event, resolve_after=resolve_after)
    store_life(cluster, transition.life)
    cluster.last_applied_run_id = max(run.id, cluster.last_applied_run_id or 0)
    names = {
        EventKind.FAILED_IN_RUN: "failed",
        EventKind.FLAKY_IN_RUN: "flaky",
        EventKind.PASSED_IN_RUN: "passed",
    }
    record_event(session, cluster, names[kind], at, run_id=run.id)
    if transition.regressed:
        details: dict[str, object] = {"regression": cluster.regressions}
        check = _fix_check(cluster, run, fix_answers or {})
        if check is not None:  # what the regression comment says of the fix
            details |= {"fix": cluster.resolved_commit, "fix_in_build": check.value}
        record_event(session, cluster, "regressed", at, run_id=run.id, details=details)
        changes.regressed.append(cluster.id)
        session.add(
            SessionLogEntry(
                campaign_id=campaign.id,
                run_id=run.id,
                at=at,
                kind="regression",
                text=f"Regression: {cluster.title} is failing again in run {run.id}",
            )
        )
    if transition.fix_not_in_build:
        _record_fix_not_in_build(session, cluster, run, campaign, at, changes)
    if transition.resolved:
        cluster.resolved_at, cluster.resolved_by = at, BOT_LOGIN
        cluster.resolved_reason = "green_runs"
        # The streak's first green run: the first build known to contain the fix.
        cluster.resolved_commit, cluster.resolved_pull_request = transition.fix_commit, None
        record_event(
            session,
            cluster,
            "resolved",
            at,
            run_id=run.id,
            actor=BOT_LOGIN,
            details={
                "reason": "green_runs",
                "green_runs": resolve_after,
                "commit": transition.fix_commit,
            },
        )
        changes.resolved.append(cluster.id)


FIX_NOT_IN_BUILD = "fix_not_in_build"


def _fix_in_build(cluster: Cluster, run: Run, answers: FixAnswers) -> bool:
    """Whether a failure in ``run`` regresses the cluster: only a resolved cluster with a
    known fix asks; see :func:`bot.core.fix_in_build.fix_in_build`."""
    if cluster.state != "resolved" or not cluster.resolved_commit:
        return True
    fix = cluster.resolved_commit
    return fix_in_build(fix, run.commit_sha, answers.get(fix))


def _fix_check(cluster: Cluster, run: Run, answers: FixAnswers) -> Containment | None:
    """What is known of the fix being in ``run``'s build; None: nothing to ask."""
    fix, build = cluster.resolved_commit, run.commit_sha
    if not fix or not build:
        return None
    return (
        Containment.CONTAINED if same_commit(fix, build) else answers.get(fix, Containment.UNKNOWN)
    )


def _record_fix_not_in_build(
    session: Session,
    cluster: Cluster,
    run: Run,
    campaign: Campaign | None,
    at: datetime,
    changes: RunClusters,
) -> None:
    """A resolved cluster failed in a build without its fix: a known failure, recorded in
    its history (and the campaign's session log), never a regression."""
    fix = str(cluster.resolved_commit)
    details = {"fix": fix, "commit": run.commit_sha, "branch": run.branch}
    record_event(session, cluster, FIX_NOT_IN_BUILD, at, run_id=run.id, details=details)
    changes.fix_not_in_build.append(cluster.id)
    if campaign is None:
        return
    where = f" on {run.branch}" if run.branch else ""
    build = f" at {short_sha(run.commit_sha)}" if run.commit_sha else ""
    session.add(
        SessionLogEntry(
            campaign_id=campaign.id,
            run_id=run.id,
            at=at,
            kind=FIX_NOT_IN_BUILD,
            text=(
                f"Known failure: {cluster.title} failed in run {run.id}{where}{build}; "
                f"its fix {short_sha(fix)} is not in this build (no regression)"
            ),
        )
    )


APPLIED_KINDS = ("failed", "flaky", "passed")


def _applied_in_run(session: Session, run: Run) -> set[int]:
    """Clusters this run was already applied to (a retried job, or runs out of order)."""
    return set(
        session.scalars(
            select(ClusterEvent.cluster_id).where(
                ClusterEvent.run_id == run.id, ClusterEvent.kind.in_(APPLIED_KINDS)
            )
        )
    )


def _green_runs(
    session: Session,
    run: Run,
    campaign: Campaign,
    failing_clusters: set[int],
    applied: set[int],
    at: datetime,
    resolve_after: int,
    changes: RunClusters,
) -> None:
    """Clusters whose tests ran in this run and all passed get one green run."""
    clusters = session.scalars(
        select(Cluster)
        .where(Cluster.repository_id == run.repository_id, Cluster.state.in_(ACTIVE))
        .order_by(Cluster.id)
    ).all()
    # Only the outcomes of the active clusters' tests (through the (test_id, run_id)
    # index): a run can hold a million tests, the clusters name a few hundred.
    wanted = sorted(
        {
            str(t)
            for c in clusters
            if c.id not in failing_clusters and c.id not in applied
            for t in c.test_ids or []
        }
    )
    outcomes: dict[str, set[str]] = {}
    for ids in chunked(wanted):
        for test_id, outcome in session.execute(
            select(TestResult.test_id, TestResult.outcome).where(
                TestResult.run_id == run.id, TestResult.test_id.in_(ids)
            )
        ):
            outcomes.setdefault(test_id, set()).add(outcome)
    for cluster in clusters:
        if cluster.id in failing_clusters or cluster.id in applied:
            continue
        ran = [outcomes[t] for t in cluster.test_ids or [] if t in outcomes]
        seen = set().union(*ran) if ran else set()
        if not ran or seen - {Outcome.PASSED.value, Outcome.SKIPPED.value}:
            continue  # its tests did not run, or failed differently: counts neither way
        if Outcome.PASSED.value not in seen:
            continue
        _apply(session, cluster, EventKind.PASSED_IN_RUN, run, campaign, at, resolve_after, changes)


def track_run(
    session: Session,
    *,
    repository: Repository,
    campaign: Campaign,
    run: Run,
    cases: Sequence[TestCase],
    config: RepoConfig,
    web_url: str,
    fix_answers: FixAnswers | None = None,
) -> RunClusters:
    """Cluster the run's failures and update lifecycles and desired GitHub state.

    ``fix_answers`` (fix commit → whether this run's build contains it, asked of GitHub
    by the job handler): a failure of a resolved cluster whose fix is not in the build is
    recorded as "fix not in this build", not as a regression.

    Only runs on the branches that may open issues (the default branch, or
    ``failures.only_branches``) move a cluster's state: a pull request's failure is not a
    regression of the default branch, and its green runs resolve nothing there. Runs on
    other branches are clustered and counted (their check runs and findings need it).
    """
    session.flush()
    at = run.finished_at or run.created_at
    failures = config.failures
    steers = may_open_issues(run.branch, failures.only_branches, repository.default_branch)
    changes = RunClusters()
    applied = _applied_in_run(session, run)
    groups = _group_failures(session, run, cases, config)
    failing_clusters: set[int] = set()
    for cluster, group in _place_groups(session, repository, groups, at).values():
        changes.seen.append(cluster.id)
        detected = EventKind.FLAKY_IN_RUN if group.all_flaky else EventKind.FAILED_IN_RUN
        kind = run_event_kind(life_of(cluster), detected)  # a person's /flaky or /not-flaky
        if kind is EventKind.FAILED_IN_RUN:
            failing_clusters.add(cluster.id)
            changes.failing.append(cluster.id)
        if cluster.id in applied:
            continue
        if cluster.last_applied_run_id is None:
            record_event(session, cluster, "created", at, run_id=run.id)
            changes.created.append(cluster.id)
        _note_seen(cluster, group, run, at)
        if not steers:  # counted (once: the event marks it applied), its state stays
            failed = kind is EventKind.FAILED_IN_RUN
            cluster.runs_failed += 1 if failed else 0
            cluster.flaky_runs += 0 if failed else 1
            record_event(session, cluster, "failed" if failed else "flaky", at, run_id=run.id)
            if failed and not _fix_in_build(cluster, run, fix_answers or {}):
                _record_fix_not_in_build(session, cluster, run, None, at, changes)
            continue
        _apply(
            session,
            cluster,
            kind,
            run,
            campaign,
            at,
            failures.resolve_after_green_runs,
            changes,
            fix_answers,
        )
    if not steers:
        session.flush()
        return changes
    _mark_flaky_after_the_fact(session, run, at, changes)
    _green_runs(
        session,
        run,
        campaign,
        failing_clusters,
        applied,
        at,
        failures.resolve_after_green_runs,
        changes,
    )
    session.flush()
    return changes


def publish_run_clusters(
    session: Session,
    changes: RunClusters,
    *,
    repository: Repository,
    campaign: Campaign,
    run: Run,
    config: RepoConfig,
    web_url: str,
) -> RunClusters:
    """The desired GitHub state for what :func:`track_run` changed (called after the
    tracking issue is written, so a campaign's tracking issue is created first)."""
    context = IssueContext(
        repository=repository, campaign=campaign, run=run, config=config.failures, web_url=web_url
    )
    opened = update_cluster_issues(
        session,
        context,
        seen=changes.seen,
        failing=changes.failing,
        regressed=changes.regressed,
        resolved=changes.resolved,
        marked_flaky=changes.marked_flaky,
    )
    return replace(changes, issues_opened=opened)
