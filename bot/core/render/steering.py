"""The tracking issue's "What to run next" section: ranked areas and the coverage table.

Pure and deterministic. Phase and suite names come from reports (untrusted): escaped
with ``bot/core/safe_markdown.py``. Blocks end with a blank line and are never cut.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.safe_markdown import cell_code, code, inline, table_cell
from bot.core.steering.coverage import AreaCoverage, CampaignCoverage

HEADING = "### What to run next\n\n"
MAX_TABLE_ROWS = 100
NAME_LIMIT = 120
SUITE_LIMIT = 200


def _date(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


def _area_name(area: AreaCoverage) -> str:
    phase = inline(area.phase, NAME_LIMIT)
    if area.suite is None:
        return f"**{phase}**"
    return f"**{phase}** / {code(area.suite, SUITE_LIMIT)}"


def _ranked(coverage: CampaignCoverage, limit: int) -> str:
    ranked = coverage.run_next(limit)
    lines = [
        f"{number}. {_area_name(area)} — {inline('; '.join(area.reasons))}"
        for number, area in enumerate(ranked, start=1)
    ]
    return "\n".join(lines) + "\n\n"


def _row(area: AreaCoverage) -> str:
    last = "never" if area.last_run_id is None else f"run {area.last_run_id}"
    if area.last_run_id is not None:
        last += f" ({_date(area.last_ran_at)})"
    cells = [
        table_cell(area.phase, NAME_LIMIT),
        cell_code(area.suite, SUITE_LIMIT) if area.suite is not None else "—",
        last,
        f"{area.runs_in_window} of {area.window_runs}",
        _percent(area.failure_rate),
        str(area.open_clusters),
        f"{area.score:.3f}",
    ]
    return "| " + " | ".join(cells) + " |"


def _table(coverage: CampaignCoverage, max_rows: int) -> str:
    areas = coverage.areas
    if max_rows <= 0:
        return ""
    lines = [
        f"<details><summary>Every area over the last {coverage.runs_considered} "
        f"run{'' if coverage.runs_considered == 1 else 's'} ({len(areas)})</summary>",
        "",
        "| Phase | Suite | Last ran | Runs in window | Failure rate | Open failures | Score |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    lines += [_row(area) for area in areas[:max_rows]]
    if len(areas) > max_rows:
        lines += ["", f"… and {len(areas) - max_rows} more areas (see the API)."]
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n\n"


def coverage_blocks(
    coverage: CampaignCoverage, *, limit: int = 5, max_rows: int = MAX_TABLE_ROWS
) -> list[str]:
    """``### What to run next``: the ``limit`` best areas to run next, with their reasons,
    and a folded table of the window's areas (at most ``max_rows``; 0: no table, when
    the issue must shrink to fit)."""
    runs = coverage.runs_considered
    if not coverage.areas:
        return [HEADING + "_No processed runs and no configured phases yet._\n\n"]
    intro = (
        f"The areas (phase / suite) least covered and most at risk over the last {runs} "
        f"run{'' if runs == 1 else 's'} (stale × risk × phase priority).\n\n"
    )
    table = _table(coverage, max_rows)
    return [HEADING + intro, _ranked(coverage, limit), *([table] if table else [])]
