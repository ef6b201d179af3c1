"""`.github/loopwatch.yml`: what a repository owner writes and what they are told."""

from __future__ import annotations

import pytest

from bot.core.config.loader import MAX_CONFIG_BYTES, load_config
from bot.core.config.templates import DEFAULT_TITLE

GOOD = """
campaigns:
  e2e-staging:
    title: "E2E staging loop: {campaign}"
    labels: [loopwatch, {name: e2e, color: "#D93F0B", description: End-to-end}]
    mission: Execute e2e staging tests until all pass
    phases:
      - name: Data agent pipeline
        priority: 1
        tests: ["tests/e2e/test_real_agent_data_*", "tests/e2e/staging/test_3_*"]
      - name: Orchestration
        tests: ["*orchestration*"]
    criteria:
      - name: Data agent runs before optimization
        tests: ["*execution_order*"]
defaults:
  labels: [loopwatch, "campaign:{campaign}"]
  mission: Keep the suite green
"""


def test_no_file_gives_defaults_without_errors() -> None:
    result = load_config(None)
    assert result.errors == []
    campaign = result.config.campaign("nightly")
    assert campaign.title == DEFAULT_TITLE
    assert [label.name for label in campaign.labels_for("nightly")] == [
        "loopwatch",
        "campaign:nightly",
    ]
    assert all(len(label.color) == 6 for label in campaign.labels)
    assert campaign.phases == [] and campaign.criteria == []


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file_is_the_same_as_no_file(text: str) -> None:
    result = load_config(text)
    assert result.errors == []
    assert result.config.campaign("x").title == DEFAULT_TITLE


def test_listed_campaign_uses_its_settings() -> None:
    result = load_config(GOOD)
    assert result.errors == []
    campaign = result.config.campaign("e2e-staging")
    assert campaign.title == "E2E staging loop: {campaign}"
    assert campaign.mission == "Execute e2e staging tests until all pass"
    assert [p.name for p in campaign.phases] == ["Data agent pipeline", "Orchestration"]
    assert campaign.phases[0].priority == 1 and campaign.phases[1].priority is None
    assert campaign.criteria[0].tests == ["*execution_order*"]
    labels = campaign.labels_for("e2e-staging")
    assert [(lb.name, lb.color) for lb in labels] == [("loopwatch", "ededed"), ("e2e", "d93f0b")]
    assert labels[1].description == "End-to-end"


def test_unlisted_campaign_falls_back_to_defaults_section() -> None:
    campaign = load_config(GOOD).config.campaign("nightly")
    assert campaign.mission == "Keep the suite green"
    assert [lb.name for lb in campaign.labels_for("nightly")] == ["loopwatch", "campaign:nightly"]
    assert campaign.phases == []


def test_wrong_type_names_the_location_and_the_value() -> None:
    text = """
campaigns:
  e2e:
    phases:
      - name: Data
        priority: high
"""
    result = load_config(text)
    assert "campaigns.e2e.phases[0].priority: must be a whole number, got 'high'" in result.errors
    assert result.config.campaign("e2e").phases == []  # the broken campaign uses defaults


def test_misspelt_key_suggests_the_right_one() -> None:
    result = load_config("campaigns:\n  e2e:\n    phase: []\n")
    assert result.errors[0].startswith("campaigns.e2e.phase: unknown key 'phase'")
    assert "did you mean 'phases'?" in result.errors[0]


def test_valid_campaigns_survive_a_broken_one() -> None:
    text = GOOD.replace("defaults:", "  broken:\n    titel: x\ndefaults:", 1)
    result = load_config(text)
    assert any(e.startswith("campaigns.broken.titel") for e in result.errors)
    assert any("campaigns.broken: ignored" in e for e in result.errors)
    assert (
        result.config.campaign("e2e-staging").mission == "Execute e2e staging tests until all pass"
    )


def test_broken_defaults_section_ignores_the_whole_file() -> None:
    result = load_config("defaults:\n  title: 3\n  labels: nope\n")
    assert any(e.startswith("defaults.labels: must be a list") for e in result.errors)
    assert result.errors[-1] == "the whole file is ignored; the defaults are used"
    assert result.config.campaign("x").title == DEFAULT_TITLE


def test_bad_yaml_gives_line_and_column() -> None:
    result = load_config("campaigns:\n  e2e:\n    phases: [a, b\n    mission: x\n")
    assert len(result.errors) == 1
    assert result.errors[0].startswith("line 4, column 12:")


def test_bad_indentation_is_reported_not_raised() -> None:
    result = load_config("campaigns:\n  e2e:\n    title: x\n   mission: y\n")
    assert result.errors and result.errors[0].startswith("line ")


def test_aliases_are_refused() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\ncampaigns: {}\n'
    result = load_config(bomb)
    assert "aliases (*name) are not supported" in result.errors[0]
    assert result.errors[0].startswith("line 2, column")


def test_oversized_file_is_refused() -> None:
    result = load_config("#" * (MAX_CONFIG_BYTES + 1))
    assert "larger than" in result.errors[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "the file must be a mapping"),
        ("campaigns: [a]\n", "campaigns: must be a mapping"),
        ("campaigns:\n  e:\n    title: '{foo}'\n", "unknown placeholder {foo}"),
        ("campaigns:\n  e:\n    labels: [{name: x, color: red}]\n", "must be 6 hex digits"),
        (
            "campaigns:\n  e:\n    criteria: [{name: c}]\n",
            "criteria[0].tests: this key is required",
        ),
        ("campaigns:\n  e:\n    phases: [{name: p, priority: -1}]\n", "must be at least 0"),
        ("campaigns:\n  e:\n    mission: [1]\n", "campaigns.e.mission: must be text"),
    ],
)
def test_plain_word_errors(text: str, expected: str) -> None:
    errors = load_config(text).errors
    assert any(expected in e for e in errors), errors


def test_title_template_rejects_broken_braces() -> None:
    errors = load_config("defaults:\n  title: 'Loop {campaign'\n").errors
    assert "broken braces" in errors[0]


def test_duplicate_keys_are_reported_not_silently_merged() -> None:
    result = load_config("campaigns:\n  e2e: {}\n  e2e: {mission: x}\n")
    assert result.errors[0].startswith("line 3, column 3: this key appears twice")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("campaigns:\n  e2e:\n    title: x\n   mission: y\n", "bad indentation"),
        ("campaigns:\n  e2e:\n    title: x: y\n", "put quotes around text containing ': '"),
        ("campaigns:\n\te2e: 1\n", "use spaces, not tabs"),
        ('defaults:\n  title: "x\n', "a quote or bracket is never closed"),
    ],
)
def test_yaml_mistakes_are_explained(text: str, plain: str) -> None:
    assert plain in load_config(text).errors[0]
