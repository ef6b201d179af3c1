"""``loopwatch demo`` tells a story whose every promise is checked; it must end well."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.demo.fixtures import DEMO_REPO
from bot.demo.scenario import run_demo


def test_demo_runs_the_whole_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file = tmp_path / "state.json"
    assert run_demo(dump_state=state_file, keep_serving=False, out=tmp_path) == 0
    printed = capsys.readouterr().out
    assert "✘" not in printed and "✔ demo complete" in printed
    state = json.loads(state_file.read_text())
    (repo,) = [r for r in state["repos"] if r["full_name"] == DEMO_REPO]
    (issue,) = repo["issues"]
    assert issue["title"] == "Golden path e2e staging loop: golden-path-staging"
    assert issue["labels"] == ["loopwatch", "e2e-staging"]
    assert issue["body"].startswith("**Notes (ana):**")
    assert [c["user"] for c in issue["comments"]] == ["ana"]
    assert repo["check_runs"] == []
    page = (tmp_path / f"issue-{issue['number']}.html").read_text()
    assert "<table>" in page and "Phase 1: Data agent pipeline" in page
