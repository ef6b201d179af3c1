"""Benchmark: processing a big run on PostgreSQL (issue 18, "size without limits").

For each size (default 10k, 100k and 1M cases) and report shape (``bench/big_run_inputs``:
real corpus reports scaled up), in a fresh PostgreSQL database:

1. the parent stores the upload as the web would (``store_upload``);
2. a fresh worker process (the real handlers, an in-process sandbox for GitHub) runs the
   ``process_run`` job, timed, then the jobs it queued (the sync), timed apart; it reports
   its peak RSS (``VmHWM``) and its RSS before the job;
3. the baseline, in another fresh process on the same database: the parse of the same
   bytes plus a bulk ``COPY`` of the same rows into ``test_results`` (rolled back).

Printed per size: time per case, peak RSS, and the ratio process_run / (parse + COPY)
(issue target ≤ 10×; RSS < 300 MB at 1M cases; time per case at 1M no worse than at 10k).
Run: ``.venv/bin/python bench/big_run.py [--sizes 10000,100000] [--shapes pytest,go]``.
PostgreSQL: ``LOOPWATCH_BENCH_PG_ADMIN_URL`` (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ADMIN_URL = os.environ.get(
    "LOOPWATCH_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REPO = "bench/big"
COMMIT = "b" * 40


def _status(field: str) -> int:
    """A ``/proc/self/status`` value in bytes (VmRSS, VmHWM)."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(ADMIN_URL).set(database=name, drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class _Spooled:
    path: pathlib.Path

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def sha256(self) -> str:
        return sha256(self.path.read_bytes()).hexdigest()

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def chunks(self, size: int) -> Iterator[bytes]:
        with self.path.open("rb") as stream:
            while chunk := stream.read(size):
                yield chunk


def _store(url: str, report: pathlib.Path) -> int:
    from datetime import timedelta

    from bot.adapters.store.db import make_engine, make_session_factory, transaction
    from bot.adapters.store.models import Repository
    from bot.adapters.store.schema import upgrade_to_head
    from bot.adapters.tokens import create_upload_token
    from webhooks.run_intake import ReportFile, store_upload
    from webhooks.run_metadata import RunMetadata

    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        create_upload_token(session, REPO)
    with factory() as session:
        repository = session.query(Repository).one()
        repository_id = repository.id
    result = store_upload(
        factory,
        repository_id=repository_id,
        repository=REPO,
        metadata=RunMetadata(repository=REPO, campaign="big", commit_sha=COMMIT, branch="main"),
        files=[ReportFile(report.name, _Spooled(report))],
        idempotency_key=None,
        sync_delay=timedelta(0),
    )
    engine.dispose()
    return result.run_id


def _child_process(url: str) -> dict[str, Any]:
    """Run the queued process_run job as a worker would, then the jobs it queued."""
    import httpx
    from fastapi.testclient import TestClient
    from loopwatch_sandbox.app import SandboxConfig, create_app
    from loopwatch_sandbox.keys import generate_rsa_keypair

    from bot.adapters.settings import Settings
    from bot.adapters.store.db import make_engine, make_session_factory
    from bot.service import build_worker

    private_pem, public_pem = generate_rsa_keypair()
    settings = Settings(
        app_id=4242,
        private_key=private_pem,
        webhook_secret="bench",
        database_url=url,
        github_api_url="http://sandbox.test",
        write_pause_s=0,
        notify_pause_s=0,
        sync_debounce_s=0,
        log_format="json",
    )
    sandbox_app = create_app(
        SandboxConfig(app_id=4242, app_public_key_pem=public_pem, base_url="http://sandbox.test")
    )
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    worker = build_worker(settings, factory, github_transport=httpx.ASGITransport(app=sandbox_app))
    with TestClient(sandbox_app) as sandbox:
        sandbox.post("/_sandbox/repos", json={"full_name": REPO, "default_branch": "main"})
        idle_rss = _status("VmRSS")
        started = time.perf_counter()
        assert asyncio.run(worker.run_once()), "no process_run job"
        processed = time.perf_counter() - started
        peak = _status("VmHWM")
        started = time.perf_counter()
        after = asyncio.run(worker.run_until_idle())
        synced = time.perf_counter() - started
    from sqlalchemy import text

    with factory() as session:
        status, error = session.execute(text("SELECT status, error FROM runs")).one()
        stored = session.scalar(text("SELECT count(*) FROM test_results"))
        dead = session.scalar(text("SELECT count(*) FROM jobs WHERE status <> 'done'"))
    return {
        "process_s": processed,
        "sync_s": synced,
        "jobs_after": after,
        "idle_rss": idle_rss,
        "peak_rss": peak,
        "status": status,
        "error": error,
        "stored": stored,
        "jobs_not_done": dead,
    }


def _child_baseline(url: str) -> dict[str, Any]:
    """The floor: parse the run's bytes, and COPY the same rows (rolled back)."""
    from sqlalchemy import text

    from bot.adapters.store.bulk import insert_rows
    from bot.adapters.store.db import make_engine, make_session_factory
    from bot.adapters.store.models import RunFile, TestResult
    from bot.adapters.store.run_files import run_file_contents
    from bot.core.reports.run_files import parse_files

    factory = make_session_factory(make_engine(url))
    with factory() as session:
        row = session.query(RunFile).one()
        files, run_id = run_file_contents(session, row.run_id), row.run_id
    started = time.perf_counter()
    parsed = parse_files(files)
    parse_s = time.perf_counter() - started
    cases = parsed.cases
    columns = (
        *("run_id", "test_id", "name", "file", "line", "suite", "outcome", "executions"),
        *("duration_s", "failure_type", "message", "trace"),
    )
    with factory() as session:
        session.execute(text("SELECT 1"))
        started = time.perf_counter()
        insert_rows(
            session,
            TestResult.__table__,  # type: ignore[arg-type]
            columns,
            (
                (
                    *(run_id, c.test_id, c.name, c.file, c.line, c.suite, c.outcome.value),
                    *(c.executions, c.duration_s, c.failure_type, c.message, c.trace),
                )
                for _, c in cases
            ),
        )
        copy_s = time.perf_counter() - started
        session.rollback()
    return {"parse_s": parse_s, "copy_s": copy_s, "cases": len(cases)}


def _run_child(kind: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{out.stderr[-4000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _one(shape: str, cases: int, workdir: pathlib.Path) -> dict[str, Any]:
    import psycopg
    from big_run_inputs import write_report
    from psycopg import sql

    report = write_report(shape, cases, workdir / f"{shape}-{cases}")
    name = f"lw_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = _database_url(name)
        _store(url, report)
        process = _run_child("process", url)
        baseline = _run_child("baseline", url)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        report.unlink()
    floor = baseline["parse_s"] + baseline["copy_s"]
    return {
        "shape": shape,
        "cases": cases,
        "bytes": report_size(report, cases),
        **process,
        **baseline,
        "ratio": process["process_s"] / floor,
    }


def report_size(report: pathlib.Path, cases: int) -> int:
    return report.stat().st_size if report.exists() else 0


def _print(row: dict[str, Any]) -> None:
    mb = 1024 * 1024
    per_case_us = row["process_s"] / row["cases"] * 1e6
    print(
        f"{row['shape']:>8} {row['cases']:>9,}  process {row['process_s']:8.2f} s "
        f"({per_case_us:6.1f} µs/case)  sync {row['sync_s']:6.2f} s  "
        f"peak RSS {row['peak_rss'] / mb:6.0f} MB (idle {row['idle_rss'] / mb:4.0f})  "
        f"parse {row['parse_s']:6.2f} s + COPY {row['copy_s']:6.2f} s  "
        f"ratio {row['ratio']:5.1f}x  [{row['status']}, {row['stored']:,} rows, "
        f"{row['jobs_not_done']} jobs not done]",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--shapes", default="pytest,jest,surefire,go,ctrf")
    parser.add_argument("--child", choices=("process", "baseline"))
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        child = _child_process if args.child == "process" else _child_baseline
        print(json.dumps(child(args.url)))
        return
    print("goals: ratio <= 10x at 100k; peak RSS < 300 MB at 1M; µs/case at 1M <= at 10k")
    with tempfile.TemporaryDirectory() as workdir:
        for size in (int(s) for s in args.sizes.split(",")):
            for shape in args.shapes.split(","):
                _print(_one(shape, size, pathlib.Path(workdir)))


if __name__ == "__main__":
    main()
