"""``campaign_coverage`` on both databases: the window, the areas, the open clusters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign, Cluster, Run, TestResult
from bot.adapters.tokens import get_or_create_repository
from bot.app.steering.coverage_store import campaign_coverage, latest_phases, phases_from_summary
from bot.core.analysis.run_cases import OTHER_PHASE
from bot.core.steering.coverage import PhaseSpec

START = datetime(2025, 9, 10, 19, 45, tzinfo=UTC)
DATA = "tests/e2e/test_real_agent_data_helper_comprehensive.py"
ORDER = "tests/e2e/test_real_agent_execution_order_validation.py"
TOOLS = "tests/e2e/test_real_agent_tool_execution.py"

# (phase, file, outcome, cluster fingerprint or None)
Row = tuple[str | None, str | None, str, str | None]


def summary(*phases: tuple[str, int]) -> dict[str, Any]:
    """A stored run summary listing phases (name, tests) in the analysis's order."""
    return {"phases": [{"name": name, "passed": tests} for name, tests in phases]}


def seed_campaign(
    session: Session,
    repository: str,
    name: str,
    runs: Sequence[Sequence[Row]],
    *,
    clusters: dict[str, str] | None = None,
    phase_summary: dict[str, Any] | None = None,
    status: str = "processed",
    head_repository: str | None = None,
) -> Campaign:
    """A campaign with ``runs`` (oldest first), each run's results as rows; ``clusters``
    maps a fingerprint to its state. Run ``i`` finished at START + i hours."""
    repo = get_or_create_repository(session, repository)
    campaign = session.scalar(
        select(Campaign).where(Campaign.repository_id == repo.id, Campaign.name == name)
    )
    if campaign is None:
        campaign = Campaign(repository_id=repo.id, name=name)
        session.add(campaign)
        session.flush()
    cluster_ids: dict[str, int] = {}
    for fingerprint, state in (clusters or {}).items():
        cluster = session.scalar(
            select(Cluster).where(
                Cluster.repository_id == repo.id, Cluster.fingerprint == fingerprint
            )
        )
        if cluster is None:
            cluster = Cluster(repository_id=repo.id, fingerprint=fingerprint, title=fingerprint)
            session.add(cluster)
        cluster.state = state
        session.flush()
        cluster_ids[fingerprint] = cluster.id
    previous = session.scalar(select(Run.id).order_by(Run.id.desc()).limit(1)) or 0
    for index, rows in enumerate(runs, start=previous + 1):
        run = Run(
            repository_id=repo.id,
            campaign_id=campaign.id,
            status=status,
            finished_at=START + timedelta(hours=index),
            summary=phase_summary,
            head_repository=head_repository,
        )
        session.add(run)
        session.flush()
        session.add_all(
            TestResult(
                run_id=run.id,
                test_id=f"{file}::test_{number}",
                name=f"test_{number}",
                file=file,
                phase=phase,
                outcome=outcome,
                duration_s=1.0,
                cluster_id=cluster_ids[fingerprint] if fingerprint else None,
            )
            for number, (phase, file, outcome, fingerprint) in enumerate(rows)
        )
    session.flush()
    return campaign


def ok(phase: str, file: str, tests: int = 2) -> list[Row]:
    return [(phase, file, "passed", None)] * tests


PHASES = [PhaseSpec("Data agent", 1), PhaseSpec("Tools", 2), PhaseSpec("Business value", 3)]


def test_window_areas_and_open_clusters(session_factory: sessionmaker[Session]) -> None:
    failing: list[Row] = [
        ("Data agent", ORDER, "failed", "ws-1011"),
        ("Data agent", ORDER, "errored", "timeout"),
        ("Data agent", ORDER, "failed", "fixed-long-ago"),
    ]
    runs = [ok("Data agent", DATA) + ok("Tools", TOOLS)]  # outside a window of 4
    runs += [ok("Data agent", DATA) + failing for _ in range(3)]
    runs += [ok("Data agent", DATA) + ok("Data agent", ORDER)]
    with transaction(session_factory) as session:
        campaign = seed_campaign(
            session,
            "octo-org/widgets",
            "staging-e2e",
            runs,
            clusters={"ws-1011": "open", "timeout": "muted", "fixed-long-ago": "resolved"},
        )
        result = campaign_coverage(session, campaign, PHASES, window=4)
        run_ids = session.scalars(select(Run.id).order_by(Run.id)).all()

    assert (result.campaign, result.window, result.runs_considered) == ("staging-e2e", 4, 4)
    assert result.latest_run_id == run_ids[-1]
    rows = {
        (a.phase, a.suite): (a.runs_in_window, a.failing_runs, a.open_clusters, a.last_run_id)
        for a in result.areas
    }
    assert rows == {
        ("Data agent", DATA): (4, 0, 0, run_ids[-1]),
        ("Data agent", ORDER): (4, 3, 1, run_ids[-1]),  # open only: muted and resolved are not
        ("Tools", None): (0, 0, 0, None),  # it ran, but before the window
        ("Business value", None): (0, 0, 0, None),
    }
    last = next(a for a in result.areas if a.suite == DATA)
    assert last.last_ran_at == START + timedelta(hours=run_ids[-1])
    assert [(a.phase, a.suite) for a in result.run_next(2)] == [
        ("Tools", None),
        ("Business value", None),
    ]


def test_only_processed_trusted_runs_of_this_campaign_count(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        campaign = seed_campaign(session, "octo-org/widgets", "e2e", [ok("Data agent", DATA)])
        seed_campaign(session, "octo-org/widgets", "e2e", [ok("Tools", TOOLS)], status="queued")
        seed_campaign(
            session,
            "octo-org/widgets",
            "e2e",
            [ok("Tools", TOOLS)],
            head_repository="someone/widgets-fork",
        )
        seed_campaign(
            session,
            "octo-org/widgets",
            "e2e",
            [ok("Data agent", ORDER)],
            head_repository="Octo-Org/Widgets",  # a pull request from a branch: trusted
        )
        seed_campaign(session, "octo-org/widgets", "nightly", [ok("Tools", TOOLS)])
        seed_campaign(session, "octo-org/gadgets", "e2e", [ok("Tools", TOOLS)])
        result = campaign_coverage(session, campaign, [], window=10)

    assert result.runs_considered == 2
    assert [(a.phase, a.suite, a.runs_in_window) for a in result.areas] == [
        ("Data agent", DATA, 1),
        ("Data agent", ORDER, 1),
    ]


def test_results_without_phase_or_file(session_factory: sessionmaker[Session]) -> None:
    rows: list[Row] = [
        (None, None, "passed", None),
        (None, "tests\\win\\test_a.py", "failed", None),
    ]
    with transaction(session_factory) as session:
        campaign = seed_campaign(session, "octo-org/widgets", "e2e", [rows])
        result = campaign_coverage(session, campaign, [])
    assert [(a.phase, a.suite, a.failing_runs) for a in result.areas] == [
        (OTHER_PHASE, None, 0),
        (OTHER_PHASE, "tests/win/test_a.py", 1),
    ]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_thirty_runs_of_a_thousand_tests_are_summed_in_the_database(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    suites = [f"tests/e2e/test_suite_{n:02}.py" for n in range(20)]
    runs = []
    for index in range(30):
        rows: list[Row] = []
        for number in range(1000):
            suite = suites[number % 20]
            outcome = "failed" if (number == 7 and index % 2) else "passed"
            rows.append(("Data agent", suite, outcome, None))
        runs.append(rows)
    with transaction(session_factory) as session:
        campaign = seed_campaign(session, "octo-org/widgets", "e2e", runs)
    with session_factory() as session, statements(engine) as seen:
        campaign = session.get_one(Campaign, campaign.id)
        result = campaign_coverage(session, campaign, PHASES[:1], window=30)

    assert result.runs_considered == 30
    assert len(result.areas) == 20
    failing = next(a for a in result.areas if a.suite == suites[7])
    assert (failing.runs_in_window, failing.failing_runs) == (30, 15)
    on_results = [s for s in seen if "test_results" in s]
    assert len(on_results) == 2  # the per-area sums and the open clusters, nothing per row
    assert all("GROUP BY" in s for s in on_results)


def test_phases_from_summary() -> None:
    configured = summary(("Data agent", 5), ("Tools", 0), (OTHER_PHASE, 3))
    assert phases_from_summary(configured) == [PhaseSpec("Data agent", 1), PhaseSpec("Tools", 2)]
    # Priority order that is not name order: configured.
    assert phases_from_summary(summary(("Zeta", 1), ("Alpha", 1))) == [
        PhaseSpec("Zeta", 1),
        PhaseSpec("Alpha", 2),
    ]
    # Every phase ran and they are in name order: folders, no priorities.
    assert phases_from_summary(summary(("e2e", 4), ("unit", 9), (OTHER_PHASE, 1))) == []
    assert phases_from_summary(None) == []
    assert phases_from_summary({"phases": "nonsense"}) == []


def test_phases_from_summary_use_the_configured_priorities() -> None:
    """Summaries list configured phases' priorities: /next shows the configured numbers,
    not positions, and folders (no priority) are not treated as configured."""
    stored = {
        "phases": [
            {"name": "Data agent", "passed": 3, "priority": 10},
            {"name": "Tools", "passed": 0, "priority": 20},
            {"name": "tests/unit", "passed": 4},  # a folder phase beside them
            {"name": OTHER_PHASE, "passed": 1},
        ]
    }
    assert phases_from_summary(stored) == [PhaseSpec("Data agent", 10), PhaseSpec("Tools", 20)]


def test_run_summaries_keep_phase_priorities() -> None:
    from bot.core.analysis.run_analysis import analyze_run
    from bot.core.analysis.run_summary import RunSummary
    from bot.core.config.loader import load_config

    config = load_config(
        "campaigns:\n  e2e:\n    phases:\n"
        "      - {name: Data agent, priority: 10, tests: ['tests/a*']}\n"
        "      - {name: Tools, tests: ['tests/b*']}\n"
    ).config.campaign("e2e")
    analysis = analyze_run([], config, [], run_id=1)
    stored = analysis.summary.to_json()
    # By priority: Tools has none set, so its position (2) is its priority.
    assert [(p["name"], p.get("priority")) for p in stored["phases"]][:2] == [
        ("Tools", 2),
        ("Data agent", 10),
    ]
    assert RunSummary.from_json(stored).phases[1].priority == 10


def test_latest_phases_come_from_the_newest_processed_run(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        campaign = seed_campaign(
            session,
            "octo-org/widgets",
            "e2e",
            [ok("Data agent", DATA)],
            phase_summary=summary(("Old", 1), ("Older", 0)),
        )
        seed_campaign(
            session,
            "octo-org/widgets",
            "e2e",
            [ok("Data agent", DATA)],
            phase_summary=summary(("Data agent", 2), ("Tools", 0)),
        )
        seed_campaign(
            session,
            "octo-org/widgets",
            "e2e",
            [ok("Data agent", DATA)],
            phase_summary=summary(("Queued", 0), ("Also", 0)),
            status="queued",
        )
        phases = latest_phases(session, campaign)
    assert phases == [PhaseSpec("Data agent", 1), PhaseSpec("Tools", 2)]
