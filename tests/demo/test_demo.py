"""``loopwatch demo`` tells a story whose every promise is checked; it must end well."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopwatch_sandbox.demo.fixtures import DEMO_REPO
from loopwatch_sandbox.demo.scenario import run_demo


def test_demo_runs_the_whole_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file = tmp_path / "state.json"
    assert run_demo(dump_state=state_file, keep_serving=False, out=tmp_path) == 0
    printed = capsys.readouterr().out
    assert "✘" not in printed and "✔ demo complete" in printed
    state = json.loads(state_file.read_text())
    (repo,) = [r for r in state["repos"] if r["full_name"] == DEMO_REPO]
    issue, ws, context, pull, nightly, smoke, timeout, read_timeout = repo["issues"]
    assert pull["title"] == "Refactor the session store"
    assert issue["title"] == "Golden path e2e staging loop: golden-path-staging"
    assert ws["title"] == "WebSocket closed 1011 (internal error) in 2 tests"
    assert ws["state"] == "open" and "regression" in ws["labels"]
    regressions = [c for c in ws["comments"] if "Regression" in c["body"]]
    # run 5, run 8 after ana's /resolve, and run 13 on main after PR #142's fix; not run
    # 12 on the release branch cut before that fix
    assert len(regressions) == 3
    assert "Environment `REGION`: `us-central1` → `europe-west1`" in regressions[0]["body"]
    assert "PR #140" in regressions[0]["body"] and "`ana`" in regressions[0]["body"]
    assert "**This fix did not hold.**" in regressions[1]["body"]
    # Failing in runs 1, 5, 6, 7 (muted by then), 8, the PR's run 9, the release branch's
    # run 12 and run 13; passed in runs 2-4 (the body was last written for run 13: the
    # upgrade scene's green runs 14-15 change nothing it shows).
    assert "**Runs failed:** 8 of 11 runs seen" in ws["body"]
    assert "known failure, fix d1e2f3a not in this build (release/2025.09 at f0a1b2c)" in ws["body"]
    assert "PR #142, commit d1e2f3a" in regressions[2]["body"]
    assert "**The fix is in this build:** e2f3a4b contains d1e2f3a." in regressions[2]["body"]
    assert "**The fix is in this build:** d4e5f6a contains b2c3d4e." in regressions[0]["body"]
    assert "muted" not in ws["labels"]  # resolved by ana, then back
    assert "E2E env vars are set by hand per region" in ws["body"]  # ana's /five-whys
    assert "This fix did not hold:" in ws["body"]
    assert context["title"].startswith("AssertionError: user B saw")
    assert issue["labels"] == ["loopwatch", "e2e-staging"]
    assert issue["body"].startswith("**Notes (ana):**")
    assert [c["user"] for c in issue["comments"]][:2] == ["ana", "loopwatch[bot]"]
    assert any(c["user"] == "ana" and c["body"] == "/rerun" for c in issue["comments"])
    # One check run per commit: runs 1-8 on main, the pull request's head (run 9), the
    # release branch (run 12), main after the fix (run 13) and the upgrade scene's 14-15.
    golden = [c for c in repo["check_runs"] if c["name"] == "Loopwatch / golden-path-staging"]
    checks = {c["head_sha"]: c for c in golden}
    assert len(checks) == len(golden) == 13
    release = checks["f0a1b2c" + "0" * 33]
    assert release["output"]["title"].startswith("1 known failure (fix not in this build)")
    assert [a["annotation_level"] for a in release["annotations"]] == ["warning"]
    head = checks["a7b8c9d" + "0" * 33]
    assert head["conclusion"] == "failure"
    assert head["output"]["title"].startswith("1 new failure, 1 still failing")
    # The nightly workflow's artifacts: a campaign of its own, the re-run made it green,
    # the zip-slip artifact is in its session log; its checkout failure had its issue.
    assert nightly["title"] == "Loopwatch: nightly-smoke"
    assert "All tests passed" in nightly["body"] and "zip-slip" in nightly["body"]
    assert smoke["title"].endswith("in test_checkout")
    assert smoke["title"].startswith("AssertionError: expected 200, got 503")
    # The upgrade scene: one version 1 "Timeout" issue, split by version 2 once the pin
    # is lifted; the old issue keeps the Selenium wait and says so once.
    assert timeout["title"] == "Browser wait timed out (selenium) in test_pipeline_end_to_end"
    assert "ReadTimeout" in read_timeout["title"] or "timed out" in read_timeout["title"]
    assert "**Runs failed:** 2 of 13 runs seen" in timeout["body"]  # v1 in run 14, v2 in 15
    notes = [c["body"] for c in timeout["comments"] if "tells apart" in c["body"]]
    assert len(notes) == 1 and f"#{read_timeout['number']}" in notes[0]
    page = (tmp_path / f"issue-{issue['number']}.html").read_text()
    assert "<table>" in page and "Phase 1: Data agent pipeline" in page
