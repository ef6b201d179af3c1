"""The commands harnesses: ``talk``, the in-process stack (sandbox → signed webhook → web →
worker → sandbox) with a failure issue and a tracking issue to talk to, and people to talk
as; ``scene``, the same repository on fakes, for the handlers' own cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Cluster, ClusterEvent, SessionLogEntry
from tests.commands.fakes import Scene
from tests.github.conftest import anyio_backend as anyio_backend
from tests.github.conftest import app_keys as app_keys
from tests.github.conftest import world as world
from tests.pipeline.conftest import REPO as REPO
from tests.pipeline.conftest import Harness
from tests.pipeline.conftest import harness as harness

JUNIT_1011 = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="e2e" tests="2" failures="1">
  <testcase classname="tests.e2e.test_pipeline" name="test_data_pipeline" time="1.5"
            file="tests/e2e/test_pipeline.py">
    <failure message="ConnectionClosedError: received 1011 (internal error) keepalive ping timeout"
             type="websockets.exceptions.ConnectionClosedError">Traceback (most recent call last):
  File "tests/e2e/test_pipeline.py", line 42, in test_data_pipeline
    await ws.recv()
websockets.exceptions.ConnectionClosedError: received 1011 (internal error)</failure>
  </testcase>
  <testcase classname="tests.e2e.test_login" name="test_login" time="0.5"
            file="tests/e2e/test_login.py"/>
</testsuite>
"""

JUNIT_GREEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="e2e" tests="2">
  <testcase classname="tests.e2e.test_pipeline" name="test_data_pipeline" time="1.5"
            file="tests/e2e/test_pipeline.py"/>
  <testcase classname="tests.e2e.test_login" name="test_login" time="0.5"
            file="tests/e2e/test_login.py"/>
</testsuite>
"""

OWNER, REPO_NAME = REPO.split("/")


@dataclass
class Talk:
    """A repository with a tracking issue (#1) and a failure issue (#2) for the 1011."""

    h: Harness
    tracking: int
    failure: int

    def person(self, login: str, role: str | None) -> None:
        """A user with ``role`` on the repository (None: not a collaborator)."""
        self.h.admin("POST", "/users", json={"login": login})
        if role is not None:
            self.h.admin("PUT", f"/repos/{REPO}/collaborators/{login}", json={"permission": role})

    def bot(self, login: str) -> None:
        self.h.admin("POST", "/users", json={"login": login, "type": "Bot"})

    def config(self, text: str) -> None:
        self.h.admin(
            "PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": text}
        )

    def say(self, number: int, user: str, body: str) -> dict[str, Any]:
        """``user`` comments ``body`` on ``number``; the worker then settles."""
        made = self.h.admin(
            "POST", f"/repos/{REPO}/issues/{number}/comments", json={"user": user, "body": body}
        )
        self.h.work_until_settled()
        return dict(made["comment"])

    def issue(self, number: int) -> dict[str, Any]:
        """The issue as the sandbox holds it (body, state, labels, comments, reactions)."""
        return next(i for i in self.h.issues() if i["number"] == number)

    def comments(self, number: int) -> list[dict[str, Any]]:
        return list(self.issue(number)["comments"])

    def bot_replies(self, number: int) -> list[str]:
        """Loopwatch's comments on ``number``, oldest first."""
        return [c["body"] for c in self.comments(number) if c["user"] == "loopwatch[bot]"]

    def reactions(self, comment_id: int) -> list[str]:
        for issue in self.h.issues():
            for comment in issue["comments"]:
                if comment["id"] == comment_id:
                    return list(comment["reactions"])
        raise AssertionError(f"no comment {comment_id}")

    def labels(self, number: int) -> list[str]:
        return sorted(self.issue(number)["labels"])

    def cluster(self) -> Cluster:
        """The repository's one failure cluster (the 1011)."""
        with self.h.session_factory() as session:
            return session.scalars(select(Cluster)).one()

    def events(self, kind: str) -> list[ClusterEvent]:
        with self.h.session_factory() as session:
            query = select(ClusterEvent).where(ClusterEvent.kind == kind)
            return list(session.scalars(query.order_by(ClusterEvent.id)))

    def command_log(self) -> list[str]:
        """The session-log lines commands wrote, oldest first."""
        with self.h.session_factory() as session:
            query = select(SessionLogEntry.text).where(SessionLogEntry.kind == "command")
            return list(session.scalars(query.order_by(SessionLogEntry.id)))

    def pull_request(self, user: str, head_sha: str = "d" * 40) -> int:
        """``user`` opens a pull request; its number."""
        self.person(user, None)
        made = self.h.admin(
            "POST",
            f"/repos/{REPO}/pulls",
            json={"user": user, "title": "Fix the socket", "head_sha": head_sha},
        )
        self.h.work_until_settled()
        return int(made["pull_request"]["number"])

    def upload(self, report: bytes, **metadata: Any) -> None:
        self.h.upload({"report.xml": report}, **metadata)
        self.h.work_until_settled()


@pytest.fixture
def talk(harness: Harness) -> Iterator[Talk]:
    harness.upload({"report.xml": JUNIT_1011}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    numbers = {issue["title"]: issue["number"] for issue in harness.issues()}
    tracking = next(n for t, n in numbers.items() if t.startswith("Loopwatch:"))
    failure = next(n for t, n in numbers.items() if not t.startswith("Loopwatch:"))
    yield Talk(harness, tracking, failure)


@pytest.fixture
def scene(migrated_sqlite_url: str) -> Iterator[Scene]:
    """``talk``'s repository on fakes (tests/commands/fakes.py): the 1011 failed once, so
    there is a tracking issue and a failure issue; the database is SQLite at head."""
    engine = make_engine(migrated_sqlite_url)
    try:
        made = Scene(make_session_factory(engine))
        made.upload(JUNIT_1011, commit_sha="a" * 40, branch="main")  # #1 tracking, #2 failure
        yield made
    finally:
        engine.dispose()
