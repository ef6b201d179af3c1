"""The ``loopwatch`` command as a user runs it (subprocesses with their own environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "loopwatch"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LOOPWATCH_")}
    environ.update(
        LOOPWATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'lw.db'}", LOOPWATCH_LOG_FORMAT="json"
    )
    environ.update(env)
    return subprocess.run(
        [str(BIN), *args], env=environ, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"], ["jobs"]])
def test_refuses_to_start_on_an_old_schema(tmp_path: Path, command: list[str]) -> None:
    result = run(tmp_path, *command)
    assert result.returncode == 3
    assert "loopwatch migrate" in result.stderr


def test_migrate_then_worker_and_jobs(tmp_path: Path) -> None:
    migrated = run(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "current schema" in migrated.stdout
    once = run(tmp_path, "worker", "--once")
    assert once.returncode == 0, once.stderr
    assert "processed 0 job(s)" in once.stdout
    jobs = run(tmp_path, "jobs")
    assert jobs.returncode == 0, jobs.stderr


def test_jobs_shows_the_periodic_schedule(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    jobs = run(tmp_path, "jobs")
    assert jobs.returncode == 0, jobs.stderr
    assert "periodic purge_jobs: every 1 d; no slot enqueued yet; next slot " in jobs.stdout


def test_token_lifecycle(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    created = run(tmp_path, "token", "create", "--repo", "Acme/Shop", "--description", "CI")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("lw_") and len(token) > 40
    assert "shown once" in created.stderr
    listed = run(tmp_path, "token", "list")
    assert "acme/shop" in listed.stdout
    assert token not in listed.stdout  # only the prefix is ever shown again
    prefix = token[:10]
    assert prefix in listed.stdout
    revoked = run(tmp_path, "token", "revoke", prefix)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in run(tmp_path, "token", "list").stdout
    unknown = run(tmp_path, "token", "revoke", "lw_nothing")
    assert unknown.returncode == 1
    assert "no token" in unknown.stderr


def test_token_for_a_bad_repository_name_is_refused(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    result = run(tmp_path, "token", "create", "--repo", "not a repo")
    assert result.returncode == 2
    assert "owner/name" in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_json_reports_each_file(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_text(
        '<testsuite name="s"><testcase classname="a.B" name="ok"/>'
        '<testcase classname="a.B" name="bad"><failure message="boom">trace</failure>'
        "</testcase></testsuite>"
    )
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuite><testcase")
    result = run(tmp_path, "parse", "--json", str(good), str(bad))
    assert result.returncode == 2
    reports = json.loads(result.stdout)["reports"]
    assert reports[0]["counts"]["total"] == 2 and reports[0]["counts"]["failed"] == 1
    assert reports[0]["failures"][0]["message"] == "boom"
    assert reports[1]["error"] and "bad.xml:1:" in reports[1]["error"]
