"""The pure parts of artifact ingestion, by example: config matching, the event's facts
(from GitHub's own payload examples), which artifacts, which files, the log line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.artifacts.config import ArtifactsConfig
from bot.core.artifacts.plan import (
    ArtifactOutcome,
    WorkflowRunFacts,
    choose_artifacts,
    pick_reports,
    refusal_line,
    workflow_run_facts,
)
from bot.core.artifacts.ref import ArtifactRef
from bot.core.config.loader import load_config
from tests.commands.conftest import JUNIT_GREEN


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("test-results", True),
        ("E2E-Test-Results-linux", True),  # case-insensitive, anywhere in the name
        ("junit", True),
        ("unit-junit-xml", True),
        ("playwright-test-report", True),
        ("ctrf-report", True),
        ("coverage", False),
        ("screenshots", False),
        ("test-result", False),  # not "test-results"
    ],
)
def test_default_names(name: str, wanted: bool) -> None:
    assert ArtifactsConfig().wants_artifact(name) is wanted


def test_workflows_by_name_file_or_path_and_their_campaigns() -> None:
    config = load_config(
        "artifacts:\n"
        "  workflows: [Nightly, e2e.yml, .github/workflows/smoke.yml]\n"
        "  campaigns: {e2e.yml: staging-e2e, Nightly: nightly}\n"
    ).config.artifacts
    assert config.watches("Nightly", ".github/workflows/nightly.yml")
    assert config.watches("E2E", ".github/workflows/e2e.yml")
    assert config.watches("Smoke", ".github/workflows/smoke.yml@refs/heads/main")
    assert not config.watches("Lint", ".github/workflows/lint.yml")
    assert config.campaign_for("E2E", ".github/workflows/e2e.yml") == "staging-e2e"
    assert config.campaign_for("Nightly", ".github/workflows/n.yml") == "nightly"
    assert config.campaign_for("Smoke", ".github/workflows/smoke.yml") == "Smoke"
    assert config.campaign_for("", ".github/workflows/smoke.yml") == "smoke.yml"
    assert ArtifactsConfig().watches("Anything", "x.yml")  # none listed: all


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("artifacts:\n  names: ['']\n", "artifacts.names: entries must not be empty"),
        ("artifacts:\n  limits: {max_download_bytes: 999999999999}\n", "max_download_bytes"),
        ("artifacts:\n  limits: {max_entrie: 5}\n", "did you mean 'max_entries'"),
        ("artifacts:\n  campaigns: {ci.yml: ''}\n", "the campaign name must be 1 to 255"),
    ],
)
def test_config_errors_say_what_is_wrong(text: str, error: str) -> None:
    errors = load_config(text).errors
    assert any(error in e for e in errors), errors


def test_facts_from_githubs_payload_examples(corpus_dir: Path) -> None:
    folder = corpus_dir / "webhooks" / "workflow_run"
    plain = workflow_run_facts(json.loads((folder / "completed.payload.json").read_text()))
    assert plain is not None
    assert (plain.run_id, plain.run_attempt, plain.event) == (289782451, 1, "repository_dispatch")
    assert plain.workflow_path == ".github/workflows/test.yml"
    assert plain.head_sha == "3484a3fb816e0859fd6e1cea078d76385ff50625"
    assert plain.pull_requests == [] and plain.finished_at is not None
    with_pulls = workflow_run_facts(
        json.loads((folder / "completed.with-pull-requests.payload.json").read_text())
    )
    assert with_pulls is not None and with_pulls.pull_requests == [2]
    for path in sorted(folder.glob("*.json")):  # every example reads (requested ones too)
        assert workflow_run_facts(json.loads(path.read_text())) is not None, path


def test_a_payload_without_a_run_id_or_sha_gives_no_facts() -> None:
    assert workflow_run_facts({"workflow_run": {"head_sha": "a" * 40}}) is None
    assert workflow_run_facts({"workflow_run": {"id": 5}}) is None
    assert workflow_run_facts({}) is None


def test_the_newest_upload_of_each_wanted_name_not_expired() -> None:
    listed = [
        {
            "id": 1,
            "name": "junit",
            "created_at": "2026-11-30T01:00:00Z",
            "size_in_bytes": 10,
            "digest": "sha256:aa",
        },
        {"id": 2, "name": "coverage", "created_at": "2026-11-30T01:00:00Z"},
        {"id": 3, "name": "ctrf", "created_at": "2026-11-30T01:00:00Z", "expired": True},
        {"id": 4, "name": "junit", "created_at": "2026-11-30T02:00:00Z", "size_in_bytes": 12},
        {"id": 5, "name": "e2e-test-results", "created_at": "2026-11-30T01:00:00Z"},
    ]
    chosen = choose_artifacts(listed, ArtifactsConfig())
    assert [(a.id, a.name) for a in chosen] == [(5, "e2e-test-results"), (4, "junit")]
    assert chosen[1] == ArtifactRef(4, "junit", 12, "")


def test_only_report_files_are_kept_under_the_artifacts_name() -> None:
    artifact = ArtifactRef(7, "junit-results", 100, "")
    outcome = pick_reports(
        artifact,
        [
            ("unit/junit.xml", JUNIT_GREEN),
            ("screenshots/home.png", b"\x89PNG\r\n\x1a\n"),
            ("logs/run.log", b"2026-11-30 starting\n"),
        ],
    )
    assert [r.filename for r in outcome.reports] == ["junit-results/unit/junit.xml"]
    assert (outcome.other_files, outcome.outcome) == (2, "ingested")
    assert pick_reports(artifact, [("a.log", b"x")]).outcome == "no-reports"


def test_the_refusal_line_is_plain_text_naming_artifact_run_and_reason() -> None:
    facts = WorkflowRunFacts(
        run_id=99,
        run_attempt=2,
        run_number=12,
        workflow_name="E2E",
        workflow_path="e2e.yml",
        event="push",
        head_sha="a" * 40,
    )
    outcome = ArtifactOutcome(
        ArtifactRef(1, "junit-x", 5, ""),
        refused="entry `../../x.xml` points outside the artifact (zip-slip)",
    )
    assert refusal_line(facts, outcome) == (
        "Artifact 'junit-x' of workflow run 12, attempt 2 not read: "
        "entry '../../x.xml' points outside the artifact (zip-slip)"
    )
    empty = ArtifactOutcome(ArtifactRef(2, "junit-logs", 5, ""), other_files=3)
    assert refusal_line(facts, empty) == (
        "Artifact 'junit-logs' of workflow run 12, attempt 2 holds 3 file(s), none of them "
        "a test report"
    )
    read = pick_reports(ArtifactRef(3, "junit", 5, ""), [("a.xml", JUNIT_GREEN)])
    assert refusal_line(facts, read) is None
