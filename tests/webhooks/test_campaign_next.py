"""GET /api/v1/campaigns/{campaign}/next: what a CI loop sees."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from tests.steering.test_coverage_store import (
    DATA,
    ORDER,
    TOOLS,
    Row,
    ok,
    seed_campaign,
    summary,
)
from tests.webhooks.conftest import OTHER_REPO, REPO

CAMPAIGN = "staging-e2e"
SUMMARY = summary(("Data agent", 4), ("Tools", 0), ("Business value", 0))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get_next(client: TestClient, token: str | None, campaign: str = CAMPAIGN, **query: Any) -> Any:
    headers = auth(token) if token else {}
    return client.get(
        f"/api/v1/campaigns/{quote(campaign, safe='')}/next", params=query, headers=headers
    )


@pytest.fixture
def seeded(token: str, session_factory: sessionmaker[Session]) -> None:
    """Twelve runs: Data agent every run (one suite failing in the last three, an open
    cluster), Tools in the first run only, Business value never."""
    failing: list[Row] = [("Data agent", ORDER, "failed", "ws-1011")]
    runs = [ok("Data agent", DATA) + ok("Data agent", ORDER) + ok("Tools", TOOLS)]
    runs += [ok("Data agent", DATA) + ok("Data agent", ORDER) for _ in range(8)]
    runs += [ok("Data agent", DATA) + failing for _ in range(3)]
    with transaction(session_factory) as session:
        seed_campaign(
            session, REPO, CAMPAIGN, runs, clusters={"ws-1011": "open"}, phase_summary=SUMMARY
        )


def test_answers_the_ranked_areas_and_every_area(
    client: TestClient, token: str, seeded: None
) -> None:
    response = get_next(client, token)

    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("campaign", "repository", "window", "runs_considered")} == {
        "campaign": CAMPAIGN,
        "repository": REPO,
        "window": 10,
        "runs_considered": 10,
    }
    ranked = [(a["phase"], a["suite"]) for a in body["run_next"]]
    assert ranked == [
        ("Tools", None),  # ran in the first run only: outside the window of 10
        ("Business value", None),
        ("Data agent", ORDER),
        ("Data agent", DATA),
    ]
    tools, _, order, _ = body["run_next"]
    assert tools == {
        "phase": "Tools",
        "suite": None,
        "score": 1.666667,  # 1.0 × 1.0 × (1 + 2/3)
        "reasons": ["never ran in the last 10 runs", "phase priority 2"],
        "last_run_id": None,
        "last_ran_at": None,
        "runs_in_window": 0,
        "failure_rate": None,
        "open_clusters": 0,
    }
    assert order["reasons"] == [
        "ran in the latest run (10 of 10)",
        "failed in 3 of 10 runs",
        "1 open failure",
        "phase priority 1",
    ]
    assert (order["failure_rate"], order["open_clusters"], order["runs_in_window"]) == (0.3, 1, 10)
    assert order["last_run_id"] == body["latest_run_id"]
    assert order["last_ran_at"].startswith("2025-09-")
    assert [(a["phase"], a["suite"]) for a in body["areas"]] == [
        ("Data agent", DATA),
        ("Data agent", ORDER),
        ("Tools", None),
        ("Business value", None),
    ]
    assert set(body["areas"][0]) == set(tools)


def test_limit_and_window(client: TestClient, token: str, seeded: None) -> None:
    one = get_next(client, token, limit=1).json()
    assert [(a["phase"], a["suite"]) for a in one["run_next"]] == [("Tools", None)]
    assert len(one["areas"]) == 4

    whole = get_next(client, token, window=100).json()
    assert (whole["window"], whole["runs_considered"]) == (100, 12)
    tools = next(a for a in whole["areas"] if a["phase"] == "Tools")
    assert (tools["suite"], tools["runs_in_window"]) == (TOOLS, 1)
    assert tools["reasons"] == ["not run in the last 11 runs", "phase priority 2"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"limit": 51}, "limit: Input should be less than or equal to 50"),
        ({"window": 0}, "window: Input should be greater than or equal to 1"),
        ({"window": 101}, "window: Input should be less than or equal to 100"),
        ({"limit": "five"}, "limit: Input should be a valid integer"),
    ],
)
def test_bad_limit_or_window_is_422_with_a_message(
    client: TestClient, token: str, seeded: None, query: dict[str, Any], message: str
) -> None:
    response = get_next(client, token, **query)
    assert response.status_code == 422
    assert response.json()["error"].startswith(message)
    assert response.json()["field"] == next(iter(query))


def test_without_or_with_a_bad_token_is_401(client: TestClient, seeded: None) -> None:
    missing = get_next(client, None)
    assert missing.status_code == 401
    assert "missing upload token" in missing.json()["error"]
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="loopwatch"'
    unknown = get_next(client, "lw_not-a-real-token")
    assert unknown.status_code == 401
    assert "unknown or revoked" in unknown.json()["error"]


def test_unknown_campaign_is_404_naming_the_known_ones(
    client: TestClient, token: str, seeded: None
) -> None:
    response = get_next(client, token, campaign="nightly")
    assert response.status_code == 404
    assert response.json() == {
        "error": f"no campaign 'nightly' in {REPO}; its campaigns: 'staging-e2e'",
        "field": "campaign",
    }


def test_another_repositorys_token_cannot_read_it(
    client: TestClient, other_token: str, seeded: None
) -> None:
    response = get_next(client, other_token)
    assert response.status_code == 404
    assert response.json()["error"] == (
        f"no campaign 'staging-e2e' in {OTHER_REPO}; "
        "a campaign is created by its first upload (metadata 'campaign')"
    )


def test_campaign_names_are_url_encoded(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    name = "release/2.0 e2e"
    with transaction(session_factory) as session:
        seed_campaign(session, REPO, name, [ok("Data agent", DATA)])
    body = get_next(client, token, campaign=name).json()
    assert body["campaign"] == name
    # No stored phase order resembling a config: areas as they ran, no priority.
    assert body["run_next"][0]["reasons"] == ["ran in the latest run (1 of 1)"]


def test_campaign_without_processed_runs_has_nothing_to_rank(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        seed_campaign(session, REPO, "fresh", [ok("Data agent", DATA)], status="queued")
    body = get_next(client, token, campaign="fresh").json()
    assert (body["runs_considered"], body["run_next"], body["areas"]) == (0, [], [])
