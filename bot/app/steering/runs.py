"""Which of a campaign's runs steer it: the runs its tracking issue, trends, goal, coverage
and run comparison follow.

The branches that steer are the ones that may open failure issues
(``bot.app.clusters.issues.may_open_issues``): ``failures.only_branches`` when set, else the
default branch (and runs that name no branch). A pull request's run gets its check run
and is counted on its failure clusters, but it does not move the campaign: its tests ran
against code that is not merged. A campaign that has no steering run at all (only
pull-request runs) follows its runs as they come, so its tracking issue still exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from bot.adapters.store.models import Repository, Run
from bot.app.clusters.issues import may_open_issues


def steering_branches(
    only_branches: Sequence[str], default_branch: str | None
) -> ColumnElement[bool]:
    """SQL for ``may_open_issues(Run.branch, only_branches, default_branch)``."""
    if only_branches:
        return Run.branch.in_(list(only_branches))
    if default_branch is None:
        return true()
    return or_(Run.branch.is_(None), Run.branch == default_branch)


def trusted(full_name: str) -> ColumnElement[bool]:
    """Not from a fork (as ``bot.handlers.jobs.process_run.is_from_fork``)."""
    head = func.lower(func.trim(func.coalesce(Run.head_repository, "")))
    return or_(head == "", head == full_name.strip().lower())


@dataclass(frozen=True, slots=True)
class Following:
    """What a run's campaign follows: ``where`` selects those runs; ``follows_run`` says
    whether this run is one of them (else its tracking issue is left as it is)."""

    where: ColumnElement[bool]
    follows_run: bool


def following(
    session: Session,
    run: Run,
    *,
    full_name: str,
    only_branches: Sequence[str],
    default_branch: str | None,
) -> Following:
    """The steering runs, or every trusted run while the campaign has no steering run yet."""
    branches = steering_branches(only_branches, default_branch)
    if may_open_issues(run.branch, only_branches, default_branch):
        return Following(and_(trusted(full_name), branches), follows_run=True)
    any_steering = session.scalar(
        select(
            exists().where(
                Run.campaign_id == run.campaign_id,
                Run.status == "processed",
                Run.id != run.id,
                trusted(full_name),
                branches,
            )
        )
    )
    if any_steering:
        return Following(and_(trusted(full_name), branches), follows_run=False)
    return Following(trusted(full_name), follows_run=True)


def following_in(
    session: Session, run: Run, repository: Repository, only_branches: Sequence[str]
) -> Following:
    """:func:`following` for a run of ``repository`` (its name and default branch)."""
    return following(
        session,
        run,
        full_name=repository.full_name,
        only_branches=only_branches,
        default_branch=repository.default_branch or None,
    )
