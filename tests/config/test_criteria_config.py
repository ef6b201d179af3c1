"""Criteria kinds in `.github/loopwatch.yml`: what is accepted and what the owner is told."""

from __future__ import annotations

import pytest

from bot.core.config.bounds import SkipLimit
from bot.core.config.loader import load_config


def loaded(body: str) -> tuple[list[str], object]:
    """Errors, and the first criterion of campaign ``e2e`` (None when it was dropped)."""
    text = "campaigns:\n  e2e:\n    criteria:\n      - name: Real\n" + "".join(
        f"        {line}\n" for line in body.strip().splitlines()
    )
    result = load_config(text)
    criteria = result.config.campaign("e2e").criteria
    return result.errors, (criteria[0] if criteria else None)


def test_criteria_without_kind_are_all_pass() -> None:
    errors, criterion = loaded('tests: ["*"]')
    assert errors == []
    assert getattr(criterion, "kind", None) == "all_pass"
    assert getattr(criterion, "min_duration", 1) is None


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("60", 60.0),
        ("90.5", 90.5),
        ('"90s"', 90.0),
        ('"2m"', 120.0),
        ('"2 min"', 120.0),
        ('"1m30s"', 90.0),
        ('"1h"', 3600.0),
        ('"1500ms"', 1.5),
        ('"45"', 45.0),
    ],
)
def test_min_duration_accepts_numbers_and_units(written: str, seconds: float) -> None:
    errors, criterion = loaded(f'kind: min_duration\nmin_duration: {written}\ntests: ["*"]')
    assert errors == []
    assert getattr(criterion, "min_duration", None) == seconds


@pytest.mark.parametrize(
    ("written", "limit"),
    [("0", SkipLimit(count=0)), ("5", SkipLimit(count=5)), ('"50%"', SkipLimit(percent=50.0))],
)
def test_max_skipped_accepts_a_count_or_a_percentage(written: str, limit: SkipLimit) -> None:
    errors, criterion = loaded(f'kind: max_skipped\nmax_skipped: {written}\ntests: ["*"]')
    assert errors == []
    assert getattr(criterion, "max_skipped", None) == limit


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'kind: min_duration\ntests: ["*"]',
            "campaigns.e2e.criteria[0]: criterion 'Real': kind min_duration needs "
            "min_duration: 60 (or '2m')",
        ),
        (
            'kind: max_skipped\ntests: ["*"]',
            "campaigns.e2e.criteria[0]: criterion 'Real': kind max_skipped needs "
            "max_skipped: '50%' (or 5)",
        ),
        (
            'min_duration: 60\ntests: ["*"]',
            "campaigns.e2e.criteria[0]: criterion 'Real': min_duration only applies to "
            "kind: min_duration (this one is kind: all_pass); add 'kind: min_duration' "
            "or remove min_duration",
        ),
        (
            'kind: min_duration\nmin_duration: 60\nmax_skipped: 2\ntests: ["*"]',
            "campaigns.e2e.criteria[0]: criterion 'Real': max_skipped only applies to "
            "kind: max_skipped (this one is kind: min_duration); add 'kind: max_skipped' "
            "or remove max_skipped",
        ),
        (
            'kind: min_duration\nmin_duration: -5\ntests: ["*"]',
            "campaigns.e2e.criteria[0].min_duration: must be more than 0 seconds, got -5",
        ),
        (
            'kind: min_duration\nmin_duration: "soon"\ntests: ["*"]',
            "campaigns.e2e.criteria[0].min_duration: 'soon' is not a duration; write seconds "
            "(90), or a number with a unit: '90s', '2m', '1m 30s', '1h'",
        ),
        (
            'kind: min_duration\nmin_duration: "2m later"\ntests: ["*"]',
            "campaigns.e2e.criteria[0].min_duration: '2m later' is not a duration; write "
            "seconds (90), or a number with a unit: '90s', '2m', '1m 30s', '1h'",
        ),
        (
            'kind: min_duration\nmin_duration: true\ntests: ["*"]',
            "campaigns.e2e.criteria[0].min_duration: must be seconds, as a number or text "
            "like '90s' or '2m'; got True",
        ),
        (
            'kind: max_skipped\nmax_skipped: "150%"\ntests: ["*"]',
            "campaigns.e2e.criteria[0].max_skipped: a percentage must be between 0% and "
            "100%, got '150%'",
        ),
        (
            'kind: max_skipped\nmax_skipped: "half"\ntests: ["*"]',
            "campaigns.e2e.criteria[0].max_skipped: 'half' is not a count or a percentage; "
            "write a whole number of tests (5) or a percentage in quotes ('50%')",
        ),
        (
            'kind: max_skipped\nmax_skipped: -1\ntests: ["*"]',
            "campaigns.e2e.criteria[0].max_skipped: must be 0 or more tests, got -1",
        ),
        (
            'kind: max_skipped\nmax_skipped: 2.5\ntests: ["*"]',
            "campaigns.e2e.criteria[0].max_skipped: write a whole number of tests (5) or a "
            "percentage in quotes ('50%'); got 2.5",
        ),
        (
            'kind: min_durations\nmin_duration: 60\ntests: ["*"]',
            "campaigns.e2e.criteria[0].kind: unknown kind 'min_durations' — did you mean "
            "'min_duration'? (kinds: all_pass, min_duration, max_skipped, required_tests)",
        ),
        (
            'kind: min_duration\nmin_duraton: 60\ntests: ["*"]',
            "campaigns.e2e.criteria[0].min_duraton: unknown key 'min_duraton' — did you mean "
            "'min_duration'? (allowed here: name, tests, kind, min_duration, max_skipped)",
        ),
    ],
)
def test_bad_criteria_are_explained(body: str, message: str) -> None:
    errors, criterion = loaded(body)
    assert message in errors
    # The broken campaign falls back to the defaults; other campaigns are kept.
    assert criterion is None


def test_a_broken_criterion_does_not_drop_other_campaigns() -> None:
    text = """
campaigns:
  broken:
    criteria:
      - {name: Real, kind: min_duration, tests: ["*"]}
  fine:
    criteria:
      - {name: Real, kind: max_skipped, max_skipped: "10%", tests: ["*"]}
"""
    result = load_config(text)
    assert "campaigns.broken: ignored because of the errors above; it uses the defaults" in (
        result.errors
    )
    assert result.config.campaign("fine").criteria[0].kind == "max_skipped"
