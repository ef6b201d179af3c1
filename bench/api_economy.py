"""Benchmark: GitHub API calls Loopwatch makes per run, against a naive bot.

Replays a scripted test loop through the in-process stack (sandbox + web app + worker over
ASGI transports, SQLite in a temporary directory, no pacing pauses): the seed's scenario —
30 runs of one campaign whose config (``loopwatch_sandbox/demo/fixtures.py``
``DEMO_CONFIG``, in the
sandbox repository's ``.github/loopwatch.yml``) splits the suites into 4 phases:

* runs 1-5: the WebSocket 1011 in two tests and a context leak (``FAILING_RUN_1``);
* runs 6-10: the 1011 is fixed (resolved after 3 green runs), the leak remains;
* runs 11-14: all green;
* run 15: the 1011 comes back (a regression), runs 16-17 still failing, then green;
* run 22: a pull-request run (``pull_request=N``, branch ``feature``, its head sha).

After each upload the worker drains, so each run's calls are the ones in the sandbox's
request log (``GET /_sandbox/requests``) since the previous run. Calls are grouped by
method and a path template (``PATCH /repos/*/*/issues/*``). The baseline is measured in the
same run's terms: a naive bot makes one issue edit, one comment and one check run per upload
(3 writes). Then two goals:

* (a) the last upload sent again with the same Idempotency-Key → writes made (goal 0);
* (b) a burst of 50 uploads to the campaign, all in before the worker runs, then the
  worker drains → issue edits made (goal <= 3).

Check runs count whatever check-run calls the product makes (none until it makes them).
Prints PASS/FAIL per goal and always exits 0: a report, not a test.
Run: ``.venv/bin/python bench/api_economy.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.demo.fixtures import DEMO_CONFIG, FAILING_RUN_1, DemoFailure, junit_report
from loopwatch_sandbox.keys import generate_rsa_keypair
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.logs import configure_logging
from bot.adapters.queue.worker import Worker
from bot.adapters.settings import Settings
from bot.adapters.store.db import make_engine, make_session_factory, transaction
from bot.adapters.store.models import Job, utcnow
from bot.adapters.store.schema import upgrade_to_head
from bot.adapters.tokens import create_upload_token
from bot.service import build_worker
from webhooks.app import create_app as create_web_app

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

REPO = "netra-systems/netra-apex"
CAMPAIGN = "golden-path-staging"
SECRET = "bench-secret"
GOALS = "goals: identical re-upload -> 0 writes; burst of 50 uploads -> <= 3 issue edits"
ISSUE_EDIT = "PATCH /repos/*/*/issues/*"
# One issue edit, one comment and one check run per upload: what a naive bot does.
BASELINE = {ISSUE_EDIT: 1, "POST /repos/*/*/issues/*/comments": 1, "POST /repos/*/*/check-runs": 1}
HEX = re.compile(r"^[0-9a-f]{7,64}$")

WS_1011, CONTEXT_LEAK = FAILING_RUN_1[:2], FAILING_RUN_1[2:]


def scenario_failures(run: int) -> list[DemoFailure]:
    """Which tests fail in run ``run`` (1-based) of the scripted loop."""
    if run <= 5:
        return list(FAILING_RUN_1)
    if run <= 10:
        return list(CONTEXT_LEAK)
    if 15 <= run <= 17:
        return WS_1011[:1]  # the fixed 1011 comes back
    return []


def kind(method: str, path: str) -> str:
    """``PATCH /repos/acme/shop/issues/12`` → ``PATCH /repos/*/*/issues/*``."""
    parts = path.strip("/").split("/")
    if parts[0] == "repos" and len(parts) >= 3:
        parts[1] = parts[2] = "*"
    for folded in ("contents", "compare"):  # a path or a base...head follows
        if folded in parts:
            parts = [*parts[: parts.index(folded) + 1], "*"]
    templated = ["*" if p.isdigit() or HEX.match(p) else p for p in parts]
    return f"{method} /" + "/".join(templated)


@dataclass
class Stack:
    sandbox: TestClient
    web: TestClient
    worker: Worker
    session_factory: sessionmaker[Session]
    token: str

    def upload(self, failures: list[DemoFailure], key: str, **metadata: Any) -> None:
        meta = {"repository": REPO, "campaign": CAMPAIGN, **metadata}
        response = self.web.post(
            "/api/v1/runs",
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
            data={"metadata": json.dumps(meta)},
            files=[("files", ("report.xml", junit_report(failures), "application/xml"))],
        )
        response.raise_for_status()

    def drain(self, horizon: timedelta = timedelta(minutes=1)) -> None:
        """Run jobs (retries with backoff included) until none is due within ``horizon``."""
        for _ in range(2000):
            asyncio.run(self.worker.run_until_idle())
            with self.session_factory() as session:
                pending = session.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.status.in_(("queued", "running")), Job.run_at <= utcnow() + horizon)
                )
            if not pending:
                return
            time.sleep(0.01)
        raise RuntimeError("jobs still pending")

    def requests(self) -> list[dict[str, Any]]:
        return list(self.sandbox.get("/_sandbox/requests").json())

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.sandbox.request(method, f"/_sandbox{path}", **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None


@contextmanager
def stack(workdir: Path) -> Iterator[Stack]:
    """The pipeline tests' harness (tests/pipeline/conftest.py), on a fresh SQLite file."""
    with warnings.catch_warnings():  # starlette's notice about httpx2, not ours to act on
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    private_pem, public_pem = generate_rsa_keypair()
    settings = Settings(
        app_id=4242,
        private_key=private_pem,
        webhook_secret=SECRET,
        database_url=f"sqlite:///{workdir / 'bench.db'}",
        github_api_url="http://sandbox.test",
        write_pause_s=0,
        notify_pause_s=0,
        sync_debounce_s=0,
        job_backoff_base_s=0.01,
        job_backoff_max_s=0.05,
        log_level="WARNING",
    )
    upgrade_to_head(settings.sqlalchemy_url)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    web_app = create_web_app(settings, factory)
    sandbox_app = create_app(
        SandboxConfig(
            app_id=4242,
            app_public_key_pem=public_pem,
            base_url="http://sandbox.test",
            webhook_url="http://web.test/webhooks/github",
            webhook_secret=SECRET,
            webhook_transport=httpx.ASGITransport(app=web_app),
        )
    )
    worker = build_worker(settings, factory, github_transport=httpx.ASGITransport(app=sandbox_app))
    with transaction(factory) as session:
        token = create_upload_token(session, REPO)
    with TestClient(sandbox_app) as sandbox, TestClient(web_app) as web:
        sandbox.post("/_sandbox/repos", json={"full_name": REPO, "default_branch": "main"})
        sandbox.put(
            f"/_sandbox/repos/{REPO}/files",
            json={"path": ".github/loopwatch.yml", "content": DEMO_CONFIG},
        )
        yield Stack(sandbox, web, worker, factory, token)


@dataclass
class Loop:
    runs: int
    calls: Counter[str]  # kind -> calls over the loop
    writes: Counter[str]  # mutating kinds only
    refused: list[str]  # "<status> <kind>" of API calls GitHub would have refused
    last_upload: dict[str, Any]


def run_meta(run: int, started: datetime) -> dict[str, Any]:
    finished = started + timedelta(hours=run)
    return {
        "branch": "main",
        "commit_sha": f"{run:07x}" + "0" * 33,
        "workflow": "e2e-staging",
        "workflow_run_id": 5000 + run,
        "run_attempt": 1,
        "finished_at": finished.isoformat().replace("+00:00", "Z"),
    }


def open_pull_request(lab: Stack) -> dict[str, Any]:
    """A commit on ``feature`` and a pull request from it (its webhook reaches the bot)."""
    commit = lab.admin("POST", f"/repos/{REPO}/commits", json={"branch": "feature"})
    opened = lab.admin(
        "POST",
        f"/repos/{REPO}/pulls",
        json={"user": "ana", "title": "Order the middleware", "head_branch": "feature"},
    )
    number = opened["pull_request"]["number"]
    return {"pull_request": number, "branch": "feature", "commit_sha": commit["sha"]}


def replay_loop(lab: Stack, runs: int, pr_run: int) -> Loop:
    started = datetime(2025, 9, 10, 19, 0, tzinfo=UTC)
    log_start = len(lab.requests())
    last: dict[str, Any] = {}
    for run in range(1, runs + 1):
        meta = run_meta(run, started)
        if run == pr_run:
            meta.update(open_pull_request(lab))
        last = {"failures": scenario_failures(run), "key": f"loop-run-{run}", **meta}
        lab.upload(**last)
        lab.drain()
    made = lab.requests()[log_start:]
    refused = [f"{r['status']} {kind(r['method'], r['path'])}" for r in made if r["status"] >= 400]
    return Loop(
        runs=runs,
        calls=Counter(kind(r["method"], r["path"]) for r in made),
        writes=Counter(kind(r["method"], r["path"]) for r in made if r["mutating"]),
        refused=refused,
        last_upload=last,
    )


def writes_since(lab: Stack, start: int) -> list[dict[str, Any]]:
    return [r for r in lab.requests()[start:] if r["mutating"]]


def identical_reupload(lab: Stack, last: dict[str, Any]) -> int:
    start = len(lab.requests())
    lab.upload(**last)
    lab.drain()
    return len(writes_since(lab, start))


def burst(lab: Stack, size: int) -> tuple[int, int]:
    """``size`` uploads before the worker runs; (issue edits, all writes) once it drained."""
    started = datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
    start = len(lab.requests())
    for index in range(1, size + 1):
        meta = run_meta(1000 + index, started)
        failures = list(CONTEXT_LEAK) if index % 2 else []
        lab.upload(failures, f"burst-{index}", **meta)
    lab.drain()
    writes = writes_since(lab, start)
    edits = [w for w in writes if kind(w["method"], w["path"]) == ISSUE_EDIT]
    return len(edits), len(writes)


def print_table(loop: Loop) -> None:
    def writes_first(name: str) -> tuple[bool, str]:
        return (name not in loop.writes and name not in BASELINE, name)

    kinds = sorted(set(loop.calls) | set(BASELINE), key=writes_first)
    width = max(len(k) for k in kinds)
    print(f"{'kind':<{width}}  {'calls':>6}  {'per run':>8}  {'naive per run':>13}")
    for name in kinds:
        calls = loop.calls.get(name, 0)
        naive = BASELINE.get(name)
        naive_text = f"{naive:.2f}" if naive is not None else "-"
        print(f"{name:<{width}}  {calls:>6}  {calls / loop.runs:>8.2f}  {naive_text:>13}")
    writes = sum(loop.writes.values())
    naive_writes = sum(BASELINE.values()) * loop.runs
    reads = sum(loop.calls.values()) - writes
    print("-" * (width + 33))
    print(
        f"{'writes (POST/PATCH/PUT/DELETE)':<{width}}  {writes:>6}  "
        f"{writes / loop.runs:>8.2f}  {naive_writes / loop.runs:>13.2f}"
    )
    print(f"{'reads (GET, token calls)':<{width}}  {reads:>6}  {reads / loop.runs:>8.2f}")
    ratio = writes / naive_writes
    print(
        f"loopwatch makes {ratio:.2f}x the naive bot's writes "
        f"({writes} vs {naive_writes} over {loop.runs} uploads)"
    )
    checks = sum(n for k, n in loop.writes.items() if "/check-runs" in k)
    print(f"check-run writes: {checks} ({'none made by the product yet' if not checks else 'ok'})")
    refused = Counter(loop.refused)
    detail = f" {dict(refused)}" if refused else ""
    print(f"calls GitHub refused (4xx/5xx): {sum(refused.values())}{detail}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pr-run", type=int, default=22)
    parser.add_argument("--burst", type=int, default=50)
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp)) as lab:
        loop = replay_loop(lab, args.runs, args.pr_run)
        reupload_writes = identical_reupload(lab, loop.last_upload)
        burst_edits, burst_writes = burst(lab, args.burst)
    print(
        f"scripted loop: {loop.runs} runs of {CAMPAIGN!r} over 4 phases, a regression at "
        f"run 15, a pull-request run at run {args.pr_run}"
    )
    print_table(loop)
    print()
    print(
        f"(a) identical re-upload (same Idempotency-Key): {reupload_writes} writes "
        f"— goal 0: {verdict(reupload_writes == 0)}"
    )
    print(
        f"(b) burst of {args.burst} uploads, then the worker drains: {burst_edits} issue edits "
        f"({burst_writes} writes in all; naive: {args.burst} edits) "
        f"— goal <= 3: {verdict(burst_edits <= 3)}"
    )
    print(GOALS)
    print(f"took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
