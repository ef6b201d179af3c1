"""Which fixes a run's build must be asked about, and GitHub's answers kept per commit pair.

Before a failure brings a resolved cluster back, Loopwatch asks whether the failing build
contains the commit that fixed it (:mod:`bot.core.fix_in_build`). The job handler does
the asking (IO at the edge): :func:`fix_questions` says which fix commits this run's
failures would regress, :func:`known_answers` reads what was already asked (one query for
all of a run's pairs), the handler asks GitHub for the rest and :func:`remember_answers`
keeps the definite ones; the answers go into :func:`bot.app.clusters.apply_run.track_run`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster, ClusterAlias, CommitContainment
from bot.app.clusters.store import insert_ignoring_conflict
from bot.core.config.repo import RepoConfig
from bot.core.fix_in_build import Containment, containment_of_status, needs_question
from bot.core.reports.model import Outcome, TestCase
from bot.core.signatures import fingerprints_for_versions

FixAnswers = Mapping[str, Containment]  # fix sha -> does this run's build contain it


def _resolved_fixes(session: Session, repository_id: int) -> dict[str, str]:
    """Fingerprint (own and aliases) -> fix commit, of the resolved clusters with a fix."""
    rows = session.execute(
        select(Cluster.id, Cluster.fingerprint, Cluster.resolved_commit).where(
            Cluster.repository_id == repository_id,
            Cluster.state == "resolved",
            Cluster.resolved_commit.is_not(None),
            Cluster.flaky_pinned.is_not(True),  # pinned flaky: its failures never regress
        )
    ).all()
    if not rows:
        return {}
    fixes = {fingerprint: str(commit) for _, fingerprint, commit in rows}
    fix_of_cluster = {cluster_id: str(commit) for cluster_id, _, commit in rows}
    for fingerprint, cluster_id in session.execute(
        select(ClusterAlias.fingerprint, ClusterAlias.cluster_id).where(
            ClusterAlias.repository_id == repository_id,
            ClusterAlias.cluster_id.in_(sorted(fix_of_cluster)),
        )
    ):
        fixes[fingerprint] = fix_of_cluster[cluster_id]
    return fixes


def fix_questions(
    session: Session,
    repository_id: int,
    build: str | None,
    cases: Iterable[TestCase],
    config: RepoConfig,
) -> list[str]:
    """The fix commits of the resolved clusters this run's failures belong to, whose
    presence in ``build`` GitHub must tell (sorted, each once)."""
    if not build:
        return []
    fixes = _resolved_fixes(session, repository_id)
    if not fixes:
        return []
    asked: set[str] = set()
    failing = (Outcome.FAILED, Outcome.ERRORED)
    for case in cases:
        if case.outcome not in failing:
            continue
        for fingerprint in fingerprints_for_versions(case, config.signatures).values():
            fix = fixes.get(fingerprint)
            if fix is not None and needs_question(fix, build):
                asked.add(fix)
    return sorted(asked)


def known_answers(
    session: Session, repository_id: int, build: str, fixes: Sequence[str]
) -> dict[str, Containment]:
    """What GitHub already said about ``build`` and each of ``fixes`` (one query)."""
    if not fixes:
        return {}
    rows = session.execute(
        select(CommitContainment.fix_sha, CommitContainment.contained).where(
            CommitContainment.repository_id == repository_id,
            CommitContainment.build_sha == build,
            CommitContainment.fix_sha.in_(sorted(set(fixes))),
        )
    )
    return {
        fix: Containment.CONTAINED if contained else Containment.NOT_CONTAINED
        for fix, contained in rows
    }


def remember_answers(
    session: Session, repository_id: int, build: str, statuses: Mapping[str, str | None]
) -> dict[str, Containment]:
    """Keep GitHub's definite answers (compare ``status`` per fix); a refusal (``None``) is
    unknown and not kept, so a later run asks again. Returns every answer."""
    answers: dict[str, Containment] = {}
    for fix, status in sorted(statuses.items()):
        answer = containment_of_status(status)
        answers[fix] = answer
        if answer is Containment.UNKNOWN or status is None:
            continue
        insert_ignoring_conflict(
            session,
            CommitContainment.__table__,
            {
                "repository_id": repository_id,
                "build_sha": build,
                "fix_sha": fix,
                "contained": answer is Containment.CONTAINED,
                "status": status,
            },
        )
    return answers
