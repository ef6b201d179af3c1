"""Several worker processes on one database: each job once, lock keys exclusive, and a
job whose worker was SIGKILLed is finished by another after the lease expires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.settings import Settings
from bot.adapters.store.db import is_sqlite, transaction
from bot.adapters.store.models import Job
from tests.store.worker_process import events_metadata, job_events

REPO_ROOT = Path(__file__).resolve().parents[2]
Factory = sessionmaker[Session]


def _python_path() -> str:
    existing = os.environ.get("PYTHONPATH")
    return os.pathsep.join([str(REPO_ROOT), existing] if existing else [str(REPO_ROOT)])


class WorkerProcesses:
    def __init__(self, url: str, log_dir: Path) -> None:
        self.url = url
        self.log_dir = log_dir
        self.procs: dict[int, subprocess.Popen[str]] = {}

    def start(self, count: int, *options: str) -> list[int]:
        started = []
        for _ in range(count):
            log = (self.log_dir / f"worker-{len(self.procs)}.log").open("w")
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.store.worker_process", self.url, *options],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, "PYTHONPATH": _python_path()},
            )
            self.procs[proc.pid] = proc
            started.append(proc.pid)
        for pid in started:
            stdout = self.procs[pid].stdout
            assert stdout is not None
            line = stdout.readline()
            assert line.strip() == "ready", f"worker {pid} did not start:\n{self.logs()}"
        return started

    def kill(self, pid: int) -> None:
        self.procs[pid].send_signal(signal.SIGKILL)
        self.procs[pid].wait(timeout=30)

    def stop_all(self) -> dict[int, int]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        return {pid: proc.wait(timeout=30) for pid, proc in self.procs.items()}

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.log_dir.glob("*.log")))


@pytest.fixture
def workers(migrated_url: str, engine: Engine, tmp_path: Path) -> Iterator[WorkerProcesses]:
    events_metadata.create_all(engine)
    processes = WorkerProcesses(migrated_url, tmp_path)
    try:
        yield processes
    finally:
        for proc in processes.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


def wait_for(condition: Callable[[], bool], what: str, workers: WorkerProcesses) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{workers.logs()}")
        time.sleep(0.1)


def events(factory: Factory) -> list[Any]:
    with transaction(factory) as session:
        return list(session.execute(select(job_events).order_by(job_events.c.id)))


def count_jobs(factory: Factory, status: str) -> int:
    with transaction(factory) as session:
        statement = select(func.count()).select_from(Job).where(Job.status == status)
        return session.scalar(statement) or 0


def test_worker_processes_run_each_job_once_and_never_overlap_a_lock_key(
    engine: Engine, session_factory: Factory, workers: WorkerProcesses
) -> None:
    process_count = 2 if is_sqlite(engine) else 3
    workers.start(process_count)
    lock_keys = [f"repo:owner/r{n}" for n in range(4)]
    job_total = 200
    with transaction(session_factory) as session:
        # Runs of one key side by side: the oldest ready jobs mostly share a lock key.
        ids = [
            queue.enqueue(session, "record", {"n": n}, lock_key=lock_keys[n * 4 // job_total])
            for n in range(job_total)
        ]
    job_ids = {job.id for job in ids if job is not None}

    wait_for(lambda: count_jobs(session_factory, "done") == job_total, "all jobs done", workers)
    assert set(workers.stop_all().values()) == {0}  # SIGTERM: a clean, graceful exit

    rows = events(session_factory)
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        (starts if row.event == "start" else ends)[row.job_id].append(row.pid)
    assert set(starts) == set(ends) == job_ids
    assert all(len(pids) == 1 for pids in starts.values()), "a job started twice"
    assert all(starts[j] == ends[j] for j in job_ids), "a job ended in another process"
    assert len({pids[0] for pids in starts.values()}) >= 2, "only one process did any work"

    running: dict[str, int] = {}
    for row in rows:  # ids are in commit order: a lock key's jobs must not interleave
        if row.event == "start":
            assert row.lock_key not in running, (
                f"job {row.job_id} started while job {running[row.lock_key]} held {row.lock_key}"
            )
            running[row.lock_key] = row.job_id
        else:
            assert running.pop(row.lock_key) == row.job_id
    assert count_jobs(session_factory, "done") == job_total


def test_job_of_a_killed_worker_is_finished_by_another(
    session_factory: Factory, workers: WorkerProcesses
) -> None:
    workers.start(2)
    with transaction(session_factory) as session:
        job = queue.enqueue(session, "block", {}, lock_key="repo:owner/name")
        assert job is not None

    wait_for(lambda: len(events(session_factory)) == 1, "the job to start", workers)
    # Leases are 1 s and heartbeats keep this one alive: the other worker must wait.
    time.sleep(2.5)
    [first_start] = events(session_factory)
    assert (first_start.event, first_start.attempt) == ("start", 1)

    workers.kill(first_start.pid)
    wait_for(lambda: count_jobs(session_factory, "done") == 1, "the job to finish", workers)
    assert set(workers.stop_all().values()) == {0, -signal.SIGKILL}

    rows = events(session_factory)
    assert [(r.event, r.attempt) for r in rows] == [("start", 1), ("start", 2), ("end", 2)]
    assert rows[1].pid == rows[2].pid != first_start.pid
    with transaction(session_factory) as session:
        finished = session.get(Job, job.id)
        assert finished is not None and finished.attempts == 2


def test_job_of_a_killed_worker_is_taken_over_within_the_default_lease(
    session_factory: Factory, workers: WorkerProcesses
) -> None:
    """The production lease and heartbeat (settings' defaults): the job of a SIGKILLed
    worker is finished by the other one, on attempt 2, once. The takeover time is printed
    (no threshold here: docs/operations.md quotes it)."""
    defaults = Settings()
    workers.start(
        2,
        *("--lease", str(defaults.job_lease_s), "--heartbeat", str(defaults.job_heartbeat_s)),
        *("--poll", str(defaults.job_poll_s)),
    )
    with transaction(session_factory) as session:
        job = queue.enqueue(session, "block", {}, lock_key="repo:owner/name")
        assert job is not None

    wait_for(lambda: len(events(session_factory)) == 1, "the job to start", workers)
    [first_start] = events(session_factory)
    killed_at = time.time()
    workers.kill(first_start.pid)
    wait_for(lambda: count_jobs(session_factory, "done") == 1, "the job to finish", workers)
    assert set(workers.stop_all().values()) == {0, -signal.SIGKILL}

    rows = events(session_factory)
    assert [(r.event, r.attempt) for r in rows] == [("start", 1), ("start", 2), ("end", 2)]
    assert rows[1].pid == rows[2].pid != first_start.pid
    with transaction(session_factory) as session:
        finished = session.get(Job, job.id)
        assert finished is not None and (finished.status, finished.attempts) == ("done", 2)
    print(
        f"\nlease takeover after SIGKILL: {rows[1].at - killed_at:.1f} s "
        f"(lease {defaults.job_lease_s} s, heartbeat {defaults.job_heartbeat_s} s)"
    )


def test_a_handler_blocking_the_event_loop_keeps_its_lease(
    session_factory: Factory, workers: WorkerProcesses
) -> None:
    """Heartbeats come from a thread: a handler that blocks its worker's loop for three
    leases is not taken over by the other worker."""
    workers.start(2, "--lease", "1", "--heartbeat", "0.2")
    with transaction(session_factory) as session:
        job = queue.enqueue(session, "hog", {"hold_s": 3.0}, lock_key="repo:owner/name")
        assert job is not None

    wait_for(lambda: count_jobs(session_factory, "done") == 1, "the job to finish", workers)
    assert set(workers.stop_all().values()) == {0}
    rows = events(session_factory)
    assert [(r.event, r.attempt) for r in rows] == [("start", 1), ("end", 1)]
    assert rows[0].pid == rows[1].pid
    with transaction(session_factory) as session:
        finished = session.get(Job, job.id)
        assert finished is not None and (finished.status, finished.attempts) == ("done", 1)


def test_worker_processes_enqueue_each_periodic_slot_once(
    session_factory: Factory, workers: WorkerProcesses
) -> None:
    # Both workers wake at each slot boundary and race to enqueue it; the second one is
    # started once the first has already run a slot (it must not enqueue that slot again).
    workers.start(1, "--every", "1")
    wait_for(lambda: count_jobs(session_factory, "done") >= 1, "a first slot to run", workers)
    workers.start(1, "--every", "1")
    wait_for(lambda: count_jobs(session_factory, "done") >= 5, "five slots to run", workers)
    assert set(workers.stop_all().values()) == {0}

    with transaction(session_factory) as session:
        ticks = list(session.scalars(select(Job).where(Job.kind == "tick").order_by(Job.id)))
    slots = [job.run_at for job in ticks]
    assert len(set(slots)) == len(slots), f"a slot was enqueued twice: {slots}"
    assert [job.dedupe_key for job in ticks] == [f"periodic:tick:{s.isoformat()}" for s in slots]
    assert all(s.microsecond == 0 for s in slots)  # whole-second slots
    starts = [row.job_id for row in events(session_factory) if row.event == "start"]
    assert sorted(starts) == [job.id for job in ticks if job.status == "done"]
