"""Replay a scenario on the full stack in processes (sandbox, web, workers) on PostgreSQL.

One replay: start the stack (``tests/e2e/conftest.py``'s :class:`Stack`), give both
repositories their config and an upload token, optionally turn on the sandbox's random
fault profile, upload every run through ``POST /api/v1/runs`` in order (one every
``upload_gap_s``) while SIGKILLing and restarting workers at seeded moments, then settle:
faults off, every worker alive, the queue drained, one last sync of every repository
drained too. The result is the sandbox's state and the job counts.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from loopwatch_sandbox.keys import generate_rsa_keypair
from loopwatch_sandbox.server import free_port
from sqlalchemy import func, select

from bot.adapters.queue.kinds import defer_check_sync, defer_sync
from bot.adapters.store.db import make_engine, make_session_factory, transaction
from bot.adapters.store.models import Job, Repository
from tests.chaos.scenario import Upload, config_for, repositories
from tests.e2e.conftest import Stack, _wait_http, wait_for

SETTLE_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class ReplayPlan:
    workers: int
    fault_rate: float = 0.0
    kills: int = 0
    seed: int = 0
    upload_gap_s: float = 0.4
    github_timeout_s: float = 1.0


@dataclass
class ReplayResult:
    state: dict[str, Any]
    github_root: str
    web_root: str
    jobs: dict[str, int]
    dead: list[str]
    faults: dict[str, Any] | None
    kills: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def _env(
    tmp: Path, db_url: str, plan: ReplayPlan, secret: str, sandbox: str, web: str
) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOOPWATCH_")},
        "LOOPWATCH_APP_ID": "4242",
        "LOOPWATCH_PRIVATE_KEY_PATH": str(tmp / "app.pem"),
        "LOOPWATCH_WEBHOOK_SECRET": secret,
        "LOOPWATCH_DATABASE_URL": db_url,
        "LOOPWATCH_GITHUB_API_URL": sandbox,
        "LOOPWATCH_PUBLIC_URL": web,
        "LOOPWATCH_LOG_FORMAT": "json",
        "LOOPWATCH_WRITE_PAUSE_S": "0",
        "LOOPWATCH_NOTIFY_PAUSE_S": "0",
        "LOOPWATCH_SYNC_DEBOUNCE_S": "0.3",
        "LOOPWATCH_JOB_POLL_S": "0.2",
        "LOOPWATCH_JOB_BACKOFF_BASE_S": "0.2",
        "LOOPWATCH_JOB_BACKOFF_MAX_S": "2",
        # A late-committing write is one whose answer outlasts this (the faults' delays do).
        "LOOPWATCH_GITHUB_TIMEOUT_S": str(plan.github_timeout_s),
        # The lease and heartbeat are the production defaults: a kill costs a takeover.
    }


@contextmanager
def running_stack(tmp: Path, db_url: str, plan: ReplayPlan) -> Iterator[Stack]:
    tmp.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = generate_rsa_keypair()
    (tmp / "app.pem").write_text(private_pem)
    (tmp / "app.pub.pem").write_text(public_pem)
    secret = secrets.token_hex(16)
    sandbox_url = f"http://127.0.0.1:{free_port()}"
    web_url = f"http://127.0.0.1:{free_port()}"
    stack = Stack(
        tmp, _env(tmp, db_url, plan, secret, sandbox_url, web_url), sandbox_url, web_url, secret
    )
    stack.cli("migrate")
    try:
        sandbox = stack.start(
            "sandbox",
            *("sandbox", "--port", sandbox_url.rsplit(":", 1)[1], "--app-id", "4242"),
            *("--public-key-path", str(tmp / "app.pub.pem")),
            *("--webhook-url", f"{web_url}/webhooks/github", "--webhook-secret", secret),
        )
        _wait_http(f"{sandbox_url}/_sandbox/state", sandbox, tmp / "sandbox.log")
        web = stack.start("web", "serve", "--port", web_url.rsplit(":", 1)[1])
        _wait_http(f"{web_url}/healthz", web, tmp / "web.log")
        yield stack
    finally:
        stack.stop_all()


class Replay:
    def __init__(self, stack: Stack, plan: ReplayPlan, uploads: list[Upload]) -> None:
        self.stack = stack
        self.plan = plan
        self.uploads = uploads
        self.rng = random.Random(f"kills:{plan.seed}")
        self.factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))
        self.tokens: dict[str, str] = {}
        self.killed = 0
        self.generation = 0

    # -- setup
    def prepare(self) -> None:
        for repo in repositories():
            self.stack.admin("POST", "/repos", json={"full_name": repo, "default_branch": "main"})
            self.stack.admin(
                "PUT",
                f"/repos/{repo}/files",
                json={"path": ".github/loopwatch.yml", "content": config_for(repo)},
            )
            self.tokens[repo] = self.stack.cli("token", "create", "--repo", repo).stdout.strip()
        for slot in range(self.plan.workers):
            self.stack.start_worker(f"worker-{slot}")

    # -- the run
    def upload(self, upload: Upload) -> None:
        files = [("files", (upload.filename, upload.report, "application/xml"))]
        for attempt in range(5):  # the web app is not faulted, but the machine may be slow
            try:
                response = httpx.post(
                    f"{self.stack.web_url}/api/v1/runs",
                    headers={
                        "Authorization": f"Bearer {self.tokens[upload.repo]}",
                        "Idempotency-Key": f"chaos-{upload.index}",
                    },
                    data={"metadata": json.dumps(upload.metadata())},
                    files=files,
                    timeout=60,
                )
            except httpx.TransportError:
                time.sleep(1 + attempt)
                continue
            assert response.status_code == 202, f"upload {upload.index}: {response.text}"
            return
        raise AssertionError(f"upload {upload.index} failed five times")

    def kill_a_worker(self) -> None:
        """SIGKILL the worker holding a job (else any), and start a new one in its slot."""
        busy = self._busy_pids()
        slots = [n for n, p in self.stack.processes.items() if n.startswith("worker-")]
        holding = [n for n in slots if self.stack.processes[n].pid in busy]
        victim = self.rng.choice(sorted(holding or slots))
        self.stack.kill(victim)
        self.killed += 1
        self.generation += 1
        self.stack.start_worker(victim)

    def _busy_pids(self) -> set[int]:
        with transaction(self.factory) as session:
            leased = session.scalars(select(Job.leased_by).where(Job.status == "running"))
            return {int(w.split(":")[1]) for w in leased if w and w.count(":") >= 2}

    def run(self) -> ReplayResult:
        started = time.monotonic()
        if self.plan.fault_rate:
            self.stack.admin(
                "POST", "/chaos", json={"seed": self.plan.seed, "rate": self.plan.fault_rate}
            )
        notes = self._upload_and_kill()
        faults = self.stack.admin("DELETE", "/chaos") if self.plan.fault_rate else None
        self._settle()
        self._final_sync()
        self._settle()
        return ReplayResult(
            state=self.stack.admin("GET", "/state"),
            github_root=self.stack.sandbox_url,
            web_root=self.stack.web_url,
            jobs=self._job_counts(),
            dead=self._dead_jobs(),
            faults=faults,
            kills=self.killed,
            seconds=time.monotonic() - started,
            notes=notes,
        )

    def _upload_and_kill(self) -> list[str]:
        """Upload on schedule; SIGKILL a worker each time the number of runs processed
        reaches one of the seeded thresholds (so kills land while there is work); go on
        until the queue drains, with the faults still on (bounded: then a note)."""
        runs = len(self.uploads)
        thresholds = sorted(self.rng.choices(range(runs), k=self.plan.kills))
        pending = list(self.uploads)
        next_upload = time.monotonic()
        deadline = None
        while True:
            now = time.monotonic()
            if pending and now >= next_upload:
                self.upload(pending.pop(0))
                next_upload += self.plan.upload_gap_s
                continue
            if thresholds and self._processed() >= thresholds[0]:
                thresholds.pop(0)
                time.sleep(self.rng.uniform(0.0, 1.0))  # somewhere inside the next job
                self.kill_a_worker()
                continue
            if not pending and not thresholds:
                deadline = deadline or now + SETTLE_TIMEOUT_S
                if self._idle() or now > deadline:
                    break
            time.sleep(0.1)
        if deadline is not None and time.monotonic() > deadline:
            return [f"the queue did not drain within {SETTLE_TIMEOUT_S} s under faults"]
        return []

    def _processed(self) -> int:
        """Runs processed so far (a run processed twice counts twice: close enough)."""
        with transaction(self.factory) as session:
            done = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.kind == "process_run", Job.status == "done")
            )
            return int(done or 0)

    def _idle(self) -> bool:
        with transaction(self.factory) as session:
            busy = session.scalar(
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )
            return not busy

    # -- settling
    def _settle(self) -> None:
        wait_for(self._idle, "the job queue to drain", timeout_s=SETTLE_TIMEOUT_S)

    def _final_sync(self) -> None:
        with transaction(self.factory) as session:
            for repository in session.scalars(select(Repository)):
                defer_sync(session, repository, delay=timedelta(0))
                defer_check_sync(session, repository, delay=timedelta(0))

    def _job_counts(self) -> dict[str, int]:
        with transaction(self.factory) as session:
            rows = session.execute(
                select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
            )
            return {f"{kind}/{status}": count for kind, status, count in rows}

    def _dead_jobs(self) -> list[str]:
        with transaction(self.factory) as session:
            dead = session.scalars(select(Job).where(Job.status == "dead"))
            return [
                f"job {j.id} {j.kind} after {j.attempts} attempts: {(j.last_error or '')[:300]}"
                for j in dead
            ]
