"""The one comment on an older failure issue when a new signature version split its cluster.

The comment names the new issue, so it waits until that issue has a number: it is
queued by the rendering after the sync that created the issue (the sync renders the
latest runs again when it creates issues), and its key makes it once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import add_comment
from bot.adapters.store.models import Cluster, GitHubIssue, TestResult
from bot.app.clusters.versions import split_sources
from bot.core.render.split_note import SplitNoteView, render_split_note

MAX_TESTS = 20


def split_note_key(older: Cluster, newer: Cluster) -> str:
    return f"split:{older.id}:{newer.id}"


def _number(session: Session, repository_id: int, key: str | None) -> int | None:
    if key is None:
        return None
    return session.scalar(
        select(GitHubIssue.number).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.key == key
        )
    )


def _tests(session: Session, cluster: Cluster) -> tuple[str, ...]:
    rows = session.scalars(
        select(TestResult.test_id)
        .where(TestResult.cluster_id == cluster.id)
        .order_by(TestResult.id)
        .limit(MAX_TESTS * 5)
    )
    return tuple(dict.fromkeys(rows))[:MAX_TESTS]


def announce_splits(session: Session, repository_id: int, seen: Sequence[int]) -> list[str]:
    """Queue the split note for each cluster in ``seen`` that a new version told apart
    from an older cluster with an issue, once the new cluster's issue has a number."""
    queued = []
    for newer_id, older_id in sorted(split_sources(session, list(seen)).items()):
        newer, older = session.get_one(Cluster, newer_id), session.get_one(Cluster, older_id)
        number = _number(session, repository_id, newer.issue_key)
        if older.issue_key is None or number is None:
            continue
        view = SplitNoteView(
            version=newer.signature_version,
            kept_title=older.title,
            moved_title=newer.title,
            moved_issue_number=number,
            moved_tests=_tests(session, newer),
        )
        key = split_note_key(older, newer)
        add_comment(session, repository_id, key, render_split_note(view), issue_key=older.issue_key)
        queued.append(key)
    return queued
