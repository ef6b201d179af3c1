"""Views of clusters for rendering, read from the database (no GitHub IO, no clock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.adapters.store.models import (
    Campaign,
    Cluster,
    ClusterEvent,
    GitHubIssue,
    Repository,
    Run,
    TestResult,
)
from bot.app.clusters.store import MAX_TEST_IDS
from bot.app.five_whys_store import cluster_subject, load_five_whys
from bot.core.render.clusters import (
    BOT_LOGIN,
    AffectedTest,
    ClusterFinding,
    ClusterKind,
    ClusterState,
    ClusterView,
    FindingState,
    RegressionView,
    Resolution,
    ResolutionReason,
    RunRef,
)

FAILING_OUTCOMES = ("failed", "errored")
MAX_TESTS = 50
MAX_ENVIRONMENTS = 3
MAX_HISTORY = 20
LAST_GREEN_LOOKBACK = 50
_KINDS = ("named", "computed", "test-name")
_EVENT_TEXT = {
    "created": "first seen",
    "regressed": "failing again after it was resolved (regression)",
    "fix_not_in_build": "failed in a build without its fix (known failure, no regression)",
    "resolved": "resolved",
    "reopened": "reopened by a person",
    "issue_opened": "issue opened",
    "muted": "muted",
    "unmuted": "unmuted",
    "pinned_flaky": "marked flaky",
    "pinned_not_flaky": "marked not flaky",
    "linked": "moved to another issue",
    "signature_upgraded": "grouped by a new signature version from now on",
    "split": "a new signature version tells some of its failures apart: they go elsewhere",
}
_WITH_ACTOR = frozenset(
    {"resolved", "reopened", "muted", "unmuted", "pinned_flaky", "pinned_not_flaky", "linked"}
)


def cluster_key(fingerprint: str) -> str:
    """The create-once key of a cluster's failure issue."""
    return f"cluster:{fingerprint}"


def run_ref(run: Run, repository: str, web_url: str, campaign: str | None = None) -> RunRef:
    url = None
    if run.workflow_run_id is not None:
        url = f"{web_url}/{repository}/actions/runs/{run.workflow_run_id}"
    return RunRef(
        run_id=run.id,
        at=run.finished_at or run.created_at,
        commit_sha=run.commit_sha,
        branch=run.branch,
        url=url,
        campaign=campaign,
    )


def _environment(run: Run) -> dict[str, str]:
    return {str(k): str(v) for k, v in (run.environment or {}).items()}


def resolution_of(cluster: Cluster) -> Resolution | None:
    if cluster.resolved_at is None:
        return None
    known = ("green_runs", "command")
    reason = cast(
        ResolutionReason,
        cluster.resolved_reason if cluster.resolved_reason in known else "issue_closed",
    )
    return Resolution(
        at=cluster.resolved_at,
        by=cluster.resolved_by or BOT_LOGIN,
        reason=reason,
        commit_sha=cluster.resolved_commit,
        pull_request=cluster.resolved_pull_request,
    )


def _affected_tests(session: Session, cluster_id: int) -> list[AffectedTest]:
    rows = session.execute(
        select(TestResult.test_id, func.count(), func.max(TestResult.id))
        .where(TestResult.cluster_id == cluster_id)
        .group_by(TestResult.test_id)
        .order_by(func.count().desc(), TestResult.test_id)
        .limit(MAX_TESTS)
    ).all()
    latest = {
        row.id: row
        for row in session.execute(
            select(TestResult.id, TestResult.phase, TestResult.outcome, Campaign.name)
            .join(Run, Run.id == TestResult.run_id)
            .join(Campaign, Campaign.id == Run.campaign_id)
            .where(TestResult.id.in_([r[2] for r in rows]))
        )
    }
    tests = []
    for test_id, count, last_id in rows:
        last = latest.get(last_id)
        tests.append(
            AffectedTest(
                test_id=test_id,
                phase=last.phase if last else None,
                campaign=last.name if last else None,
                occurrences=count,
                last_outcome=last.outcome if last else "failed",
            )
        )
    return tests


def _runs_of(session: Session, cluster_id: int) -> list[Run]:
    """The newest runs the cluster was seen in (for environments)."""
    ids = (
        select(TestResult.run_id)
        .where(TestResult.cluster_id == cluster_id)
        .distinct()
        .order_by(TestResult.run_id.desc())
        .limit(20)
    )
    return list(session.scalars(select(Run).where(Run.id.in_(ids)).order_by(Run.id.desc())))


def _distinct_environments(runs: Sequence[Run]) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    for run in runs:
        env = _environment(run)
        if env and env not in seen:
            seen.append(env)
        if len(seen) >= MAX_ENVIRONMENTS:
            break
    return seen


def _version_event_text(session: Session, event: ClusterEvent) -> str | None:
    """``signature_upgraded`` and ``split`` with their version and the other issue."""
    details = event.details or {}
    if event.kind == "signature_upgraded" and isinstance(details.get("to_version"), int):
        return f"grouped by signature version {details['to_version']} from now on"
    if event.kind != "split" or not isinstance(details.get("cluster_id"), int):
        return None
    other = session.get(Cluster, details["cluster_id"])
    number = None
    if other is not None and other.issue_key is not None:
        number = session.scalar(
            select(GitHubIssue.number).where(
                GitHubIssue.repository_id == other.repository_id,
                GitHubIssue.key == other.issue_key,
            )
        )
    version = other.signature_version if other is not None else "new"
    where = f"#{number}" if number else "another cluster"
    return f"signature version {version} tells some of its failures apart: they go to {where}"


def _history(session: Session, cluster_id: int) -> list[tuple[datetime, str]]:
    events = session.scalars(
        select(ClusterEvent)
        .where(ClusterEvent.cluster_id == cluster_id, ClusterEvent.kind.in_(_EVENT_TEXT))
        .order_by(ClusterEvent.id.desc())
        .limit(MAX_HISTORY)
    ).all()
    out = []
    for event in reversed(events):
        text = _EVENT_TEXT[event.kind]
        if event.kind == "linked" and isinstance((event.details or {}).get("to"), int):
            text = f"moved to #{event.details['to']}"
        if event.kind == "fix_not_in_build":
            text = _fix_not_in_build_text(event.details or {})
        text = _version_event_text(session, event) or text
        if event.actor and event.kind in _WITH_ACTOR:
            text += f" by {event.actor}"
        if event.run_id is not None:
            text += f" (run {event.run_id})"
        out.append((event.at, text))
    return out


def _fix_not_in_build_text(details: Mapping[str, object]) -> str:
    """``known failure, fix b2c3d4e not in this build (release/1.4 at 1e2a5e0)``."""
    fix, commit, branch = details.get("fix"), details.get("commit"), details.get("branch")
    text = (
        f"known failure, fix {str(fix)[:7]} not in this build"
        if fix
        else _EVENT_TEXT["fix_not_in_build"]
    )
    where = [branch] if isinstance(branch, str) and branch else []
    if isinstance(commit, str) and commit:
        where.append(f"at {commit[:7]}")
    return text + (f" ({' '.join(where)})" if where else "")


def issue_url(session: Session, repository_id: int, key: str | None) -> str | None:
    if key is None:
        return None
    return session.scalar(
        select(GitHubIssue.html_url).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.key == key
        )
    )


def cluster_view(
    session: Session, cluster: Cluster, repository: Repository, web_url: str
) -> ClusterView:
    runs = _runs_of(session, cluster.id)
    campaigns = session.scalars(
        select(Campaign.name)
        .join(Run, Run.campaign_id == Campaign.id)
        .where(Run.id.in_(select(TestResult.run_id).where(TestResult.cluster_id == cluster.id)))
        .distinct()
        .order_by(Campaign.name)
    ).all()
    first = session.get(Run, cluster.first_seen_run_id) if cluster.first_seen_run_id else None
    last = session.get(Run, cluster.last_seen_run_id) if cluster.last_seen_run_id else None
    if last is None:
        last = runs[0] if runs else None
    if last is None:  # pragma: no cover - a cluster always comes from a run
        raise ValueError(f"cluster {cluster.id} has never been seen in a run")
    first = first or last
    # Runs in which the cluster's tests ran at all (passing runs count too).
    # A join through the (test_id, run_id) index: one lookup per test of the cluster.
    cluster_tests = (
        select(TestResult.test_id).where(TestResult.cluster_id == cluster.id).distinct()
    ).subquery()
    seen = aliased(TestResult)
    runs_seen = session.scalar(
        select(func.count(func.distinct(seen.run_id)))
        .select_from(cluster_tests)
        .join(seen, seen.test_id == cluster_tests.c.test_id)
        .join(Run, Run.id == seen.run_id)
        .where(Run.repository_id == repository.id)
    )
    test_count = len(cluster.test_ids or [])
    if test_count >= MAX_TEST_IDS:  # the row keeps the first 200: count them all
        test_count = (
            session.scalar(
                select(func.count(func.distinct(TestResult.test_id))).where(
                    TestResult.cluster_id == cluster.id
                )
            )
            or 0
        )
    tracking_url = None
    if len(campaigns) == 1:
        tracking_url = issue_url(session, repository.id, f"campaign:{campaigns[0]}")
    kind = cast(ClusterKind, cluster.kind if cluster.kind in _KINDS else "computed")
    record = load_five_whys(session, repository.id, cluster_subject(cluster.fingerprint))
    came_back = None
    if record is not None and record.draft is None:
        came_back = _regression_after(session, cluster, record.updated_at)
    return ClusterView(
        key=cluster_key(cluster.fingerprint),
        fingerprint=cluster.fingerprint,
        signature_version=cluster.signature_version,
        title=cluster.title,
        family=cluster.family,
        kind=kind,
        state=cast(ClusterState, cluster.state),
        flaky=cluster.flaky,
        severity=cluster.severity,
        tests=_affected_tests(session, cluster.id),
        test_count=test_count,
        campaigns=list(campaigns),
        first_seen=run_ref(first, repository.full_name, web_url),
        last_seen=run_ref(last, repository.full_name, web_url),
        occurrences=cluster.occurrences,
        runs_failed=cluster.runs_failed,
        runs_seen=runs_seen or 0,
        sample_message=cluster.sample_message,
        sample_trace=cluster.sample_trace,
        environments=_distinct_environments(runs),
        resolution=resolution_of(cluster),
        history=_history(session, cluster.id),
        tracking_issue_url=tracking_url,
        five_whys=record.block if record is not None and record.draft is None else None,
        five_whys_by=record.attribution if record is not None else None,
        five_whys_draft=record.draft if record is not None else None,
        five_whys_came_back=(
            run_ref(came_back, repository.full_name, web_url) if came_back is not None else None
        ),
    )


def _regression_after(session: Session, cluster: Cluster, since: datetime) -> Run | None:
    """The latest run the cluster came back in that arrived after ``since`` (when a
    person's record was saved; both are the server's clock, unlike a run's own times)."""
    return session.scalar(
        select(Run)
        .join(ClusterEvent, ClusterEvent.run_id == Run.id)
        .where(
            ClusterEvent.cluster_id == cluster.id,
            ClusterEvent.kind == "regressed",
            Run.created_at > since,
        )
        .order_by(Run.id.desc())
        .limit(1)
    )


def last_green_run(session: Session, cluster: Cluster, campaign_id: int, before: int) -> Run | None:
    """The newest run of the campaign before ``before`` where the cluster's tests ran and
    all passed."""
    tests = [str(t) for t in cluster.test_ids]
    if not tests:
        return None
    run_ids = session.scalars(
        select(Run.id)
        .where(Run.campaign_id == campaign_id, Run.id < before)
        .order_by(Run.id.desc())
        .limit(LAST_GREEN_LOOKBACK)
    ).all()
    outcomes: dict[int, set[str]] = {}
    for run_id, outcome in session.execute(
        select(TestResult.run_id, TestResult.outcome).where(
            TestResult.run_id.in_(run_ids), TestResult.test_id.in_(tests)
        )
    ):
        outcomes.setdefault(run_id, set()).add(outcome)
    for run_id in run_ids:
        if outcomes.get(run_id) == {"passed"}:
            return session.get(Run, run_id)
    return None


def environment_diff(
    before: Mapping[str, str], after: Mapping[str, str]
) -> list[tuple[str, str | None, str | None]]:
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def regression_view(
    session: Session,
    cluster: Cluster,
    repository: Repository,
    campaign: Campaign,
    run: Run,
    web_url: str,
) -> RegressionView:
    view = cluster_view(session, cluster, repository, web_url)
    in_run = session.scalars(
        select(TestResult)
        .where(TestResult.run_id == run.id, TestResult.cluster_id == cluster.id)
        .order_by(TestResult.id)
    ).all()
    tests = [
        AffectedTest(
            test_id=r.test_id, phase=r.phase, campaign=campaign.name, last_outcome=r.outcome
        )
        for r in in_run
    ]
    green = last_green_run(session, cluster, campaign.id, run.id)
    commit_range = None
    compare_url = None
    if green is not None and green.commit_sha and run.commit_sha:
        commit_range = (green.commit_sha, run.commit_sha)
        if green.commit_sha != run.commit_sha:
            compare_url = (
                f"{web_url}/{repository.full_name}/compare/{green.commit_sha}...{run.commit_sha}"
            )
    resolved = view.resolution or Resolution(at=run.created_at, by=BOT_LOGIN, reason="green_runs")
    record = load_five_whys(session, repository.id, cluster_subject(cluster.fingerprint))
    confirmed = record if record is not None and record.draft is None else None
    fixes = [item.item for item in confirmed.block.fix_strategy] if confirmed else []
    return RegressionView(
        cluster=view,
        run=run_ref(run, repository.full_name, web_url, campaign.name),
        tests=tests,
        phases=list(dict.fromkeys(r.phase for r in in_run if r.phase)),
        resolved=resolved,
        last_green=run_ref(green, repository.full_name, web_url, campaign.name) if green else None,
        commit_range=commit_range,
        compare_url=compare_url,
        environment_diff=(
            environment_diff(_environment(green), _environment(run)) if green else []
        ),
        previous_fix="; ".join(fixes) or None,
        previous_root_cause=confirmed.block.root_cause if confirmed else None,
        previous_record_by=confirmed.attribution if confirmed else None,
        fix_did_not_hold=bool(fixes),
        **_fix_facts(session, cluster.id, run.id),
    )


def _fix_facts(session: Session, cluster_id: int, run_id: int) -> dict[str, Any]:
    """The fix the regression's build was checked for, from its ``regressed`` event."""
    details = session.scalar(
        select(ClusterEvent.details)
        .where(
            ClusterEvent.cluster_id == cluster_id,
            ClusterEvent.run_id == run_id,
            ClusterEvent.kind == "regressed",
        )
        .order_by(ClusterEvent.id.desc())
        .limit(1)
    )
    fix, check = (details or {}).get("fix"), (details or {}).get("fix_in_build")
    if not isinstance(fix, str) or check not in ("contained", "unknown"):
        return {}
    return {"fix_sha": fix, "fix_in_build": check}


def _failing_executions(result: TestResult) -> int:
    if result.outcome in FAILING_OUTCOMES:
        return max(result.executions, 1)
    return max(result.executions - 1, 1)  # flaky: the last execution passed


def findings_for_run(session: Session, repository_id: int, run_id: int) -> list[ClusterFinding]:
    """The clusters seen in a run, for the tracking issue (derived from stored rows only,
    so a retried job renders the same)."""
    rows = session.scalars(
        select(TestResult)
        .where(TestResult.run_id == run_id, TestResult.cluster_id.is_not(None))
        .order_by(TestResult.id)
    ).all()
    by_cluster: dict[int, list[TestResult]] = {}
    for row in rows:
        by_cluster.setdefault(cast(int, row.cluster_id), []).append(row)
    events = {
        (cluster_id, kind)
        for cluster_id, kind in session.execute(
            select(ClusterEvent.cluster_id, ClusterEvent.kind).where(ClusterEvent.run_id == run_id)
        )
    }
    findings = []
    for cluster_id, results in by_cluster.items():
        cluster = session.get_one(Cluster, cluster_id)
        state: FindingState
        if cluster.state == "muted":
            state = "muted"
        elif (cluster_id, "regressed") in events:
            state = "regression"
        elif (cluster_id, "fix_not_in_build") in events:
            state = "fix_not_in_build"
        elif all(r.outcome not in FAILING_OUTCOMES for r in results) or (
            (cluster_id, "flaky") in events and (cluster_id, "failed") not in events
        ):
            state = "flaky"
        elif (cluster_id, "created") in events:
            state = "new"
        else:
            state = "recurring"
        findings.append(
            ClusterFinding(
                title=cluster.title,
                state=state,
                tests=list(dict.fromkeys(r.test_id for r in results)),
                phases=list(dict.fromkeys(r.phase for r in results if r.phase)),
                issue_url=issue_url(session, repository_id, cluster.issue_key),
                occurrences_in_run=sum(_failing_executions(r) for r in results),
            )
        )
    return findings
