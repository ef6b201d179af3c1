"""The tracking issue's "What to run next" section (golden files; read them when updated)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.render.steering import coverage_blocks
from bot.core.steering.coverage import CampaignCoverage, PhaseSpec, coverage
from tests.steering.test_coverage import DATA, ORDER, PHASES, failed, passed, run, thirty_runs

Golden = Callable[[str, str], None]


def test_thirty_runs(golden: Golden) -> None:
    runs = thirty_runs()[-10:]
    # A name from a report trying to mention someone, link an issue and break the table.
    hostile = ("Business value", "tests/e2e/test_@octocat_#12|pipe.py", "failed", 1.0)
    runs[-3] = run(28, hostile, *passed("Data agent", DATA), *passed("Data agent", ORDER))
    areas = coverage(runs, PHASES, {("Data agent", ORDER): 1, (hostile[0], hostile[1]): 2})
    view = CampaignCoverage("staging-e2e", window=10, runs_considered=10, areas=areas)
    golden("steering_run_next_30_runs.md", "".join(coverage_blocks(view)))


def test_single_run(golden: Golden) -> None:
    runs = [run(7, *passed("Data agent", DATA), *failed("Data agent", ORDER))]
    phases = [*PHASES[:2], PhaseSpec("Agent <b>state</b> *management*", 3)]
    view = CampaignCoverage("staging-e2e", 10, 1, coverage(runs, phases))
    golden("steering_run_next_single_run.md", "".join(coverage_blocks(view, limit=3)))


def test_nothing_to_show_says_so() -> None:
    view = CampaignCoverage("staging-e2e", 10, 0, ())
    assert coverage_blocks(view) == [
        "### What to run next\n\n_No processed runs and no configured phases yet._\n\n"
    ]
