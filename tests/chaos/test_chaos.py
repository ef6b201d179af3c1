"""The chaos replay: the same scenario replayed clean (one worker, no faults) and under
chaos (two workers, a share of GitHub calls faulted, workers SIGKILLed and restarted)
must end in the same GitHub state, with no duplicate, no lost check run, no dead job.

``make test`` runs the reduced form; ``make chaos`` the full one. Parameters from the
environment: ``CHAOS_RUNS`` (20), ``CHAOS_FAULT_RATE`` (0.3), ``CHAOS_KILLS`` (3),
``CHAOS_SEED`` (1). The report (categories and a readable diff) is printed and written
to ``.cache/chaos/report-seed<N>-runs<M>.txt`` (and the test's temporary directory).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.chaos.compare import Differences, compare, digest, self_check
from tests.chaos.replay import Replay, ReplayPlan, ReplayResult, running_stack
from tests.chaos.scenario import Upload, generate

REPORTS = Path(__file__).resolve().parents[2] / ".cache" / "chaos"
pytestmark = [pytest.mark.postgres, pytest.mark.e2e]


def _param(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _replay(tmp: Path, db_url: str, plan: ReplayPlan, uploads: list[Upload]) -> ReplayResult:
    with running_stack(tmp, db_url, plan) as stack:
        replay = Replay(stack, plan, uploads)
        replay.prepare()
        return replay.run()


def _summary(name: str, result: ReplayResult) -> str:
    checks = sum(len(r["check_runs"]) for r in result.state["repos"])
    issues = sum(len(r["issues"]) for r in result.state["repos"])
    comments = sum(len(i["comments"]) for r in result.state["repos"] for i in r["issues"])
    jobs = ", ".join(f"{k} {v}" for k, v in sorted(result.jobs.items()))
    return (
        f"{name}: {result.seconds:.0f} s, {issues} issues, {comments} comments, "
        f"{checks} check runs, {result.kills} kills, faults {result.faults}\n  jobs: {jobs}"
    )


@pytest.mark.timeout(3600)
def test_chaos_replay_ends_as_the_clean_replay(
    tmp_path: Path, two_pg_urls: tuple[str, str]
) -> None:
    runs = int(_param("CHAOS_RUNS", "20"))
    seed = int(_param("CHAOS_SEED", "1"))
    uploads = generate(seed, runs)
    clean = _replay(tmp_path / "clean", two_pg_urls[0], ReplayPlan(workers=1, seed=seed), uploads)
    chaos_plan = ReplayPlan(
        workers=2,
        fault_rate=float(_param("CHAOS_FAULT_RATE", "0.3")),
        kills=int(_param("CHAOS_KILLS", "3")),
        seed=seed,
    )
    chaos = _replay(tmp_path / "chaos", two_pg_urls[1], chaos_plan, uploads)

    clean_view = digest(clean.state, clean.github_root, clean.web_root)
    chaos_view = digest(chaos.state, chaos.github_root, chaos.web_root)
    # The reference must be sound itself: no duplicate, no dead job, a check run per commit.
    reference = self_check(clean_view)
    for dead in clean.dead:
        reference.add("dead job (clean replay)", dead)
    commits = {u.commit_sha[:12] for u in uploads}
    checked = {key.split()[0] for repo in clean_view.values() for key in repo["checks"]}
    for missing in sorted(commits - checked):
        reference.add("commit without a check run (clean replay)", missing)

    diffs: Differences = compare(clean_view, chaos_view)
    for dead in chaos.dead:
        diffs.add("dead job", dead)
    report = "\n".join(
        [
            f"chaos replay: seed {seed}, {runs} runs, fault rate {chaos_plan.fault_rate}, "
            f"{chaos_plan.kills} kills",
            _summary("clean", clean),
            _summary("chaos", chaos),
            *chaos.notes,
            "reference (clean replay) problems:\n" + reference.report() if reference else "",
            diffs.report() if diffs else "no differences",
        ]
    )
    (tmp_path / "chaos-report.txt").write_text(report)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"report-seed{seed}-runs{runs}.txt").write_text(report)
    print("\n" + report)
    assert chaos.kills == chaos_plan.kills
    if chaos_plan.fault_rate:
        assert chaos.faults is not None and sum(chaos.faults["injected"].values()) > 0
    assert not reference, report
    assert not diffs, report
