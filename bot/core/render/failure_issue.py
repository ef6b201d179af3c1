"""The failure issue of one cluster, as markdown (the bot's section only), and its title.

Pure and deterministic. The result is at most ``max_chars`` long: when the full text is
too long, detail is given up in this order: older history, trace lines, table rows and
message length, environment columns; then whole trailing blocks go, with a visible note.
A block (a table row, a fence, a ``<details>`` element) is never cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.config.loader import CONFIG_PATH
from bot.core.render.budget import fit_levels
from bot.core.render.cluster_text import (
    FLAKY_ICON,
    STATE_ICONS,
    join_names,
    outcome,
    plural,
    resolution_phrase,
    run_phrase,
    short_test_name,
)
from bot.core.render.cluster_views import ClusterView
from bot.core.render.evidence_blocks import evidence_blocks
from bot.core.render.five_whys_blocks import five_whys_blocks
from bot.core.render.tracking_issue.issue_view import DEFAULT_MAX_CHARS, MAX_TITLE_CHARS
from bot.core.safe_markdown import (
    cell_code,
    code,
    fence,
    inline,
    link,
    neutralize,
    safe_url,
    shorten,
)
from bot.core.text import format_time

OPEN_HISTORY_ENTRIES = 10

_STATE_WORDS = {
    "new": "new",
    "open": "open",
    "resolved": "resolved",
    "regressed": "regressed (failing again after it was resolved)",
    "muted": "muted (counted, no notifications)",
}


@dataclass(frozen=True, slots=True)
class _Detail:
    """How much to show; each later level in ``_LEVELS`` shows less."""

    test_rows: int = 50
    message_chars: int = 4_000
    trace_lines: int = 60
    trace_chars: int = 12_000
    env_columns: int = 4
    env_keys: int = 40
    folded_history: int | None = None  # older entries kept in <details>; None = all


_LEVELS = (
    _Detail(),
    _Detail(folded_history=20),
    _Detail(folded_history=0, trace_lines=30, trace_chars=5_000, test_rows=25),
    _Detail(folded_history=0, trace_lines=15, trace_chars=2_000, test_rows=10, message_chars=1_500),
    _Detail(
        folded_history=0,
        trace_lines=0,
        test_rows=5,
        message_chars=500,
        env_columns=2,
        env_keys=15,
    ),
)


def failure_issue_title(view: ClusterView) -> str:
    """``<signature title> in <test>`` / ``… in 3 tests``: one line, ≤ 256 characters."""
    title = " ".join(neutralize(view.title).split()) or "Test failure"
    names = sorted({t.test_id for t in view.tests})
    count = tests_affected(view)
    if count == 1 and names:
        where = " ".join(neutralize(short_test_name(names[0])).split())
        title = f"{shorten(title, 180)} in {where}"
    elif count:
        title = f"{title} in {count:,} tests"
    return shorten(title, MAX_TITLE_CHARS)


def tests_affected(view: ClusterView) -> int:
    """All the distinct tests that failed with it, not only the ones listed."""
    listed = len({t.test_id for t in view.tests})
    return max(listed, view.test_count or 0)


# --- sections ---------------------------------------------------------------------------


def _where(view: ClusterView) -> str:
    """``2 tests in Data agent pipeline validation (campaign `x`)``."""
    phases = sorted({t.phase for t in view.tests if t.phase})
    campaigns = sorted(set(view.campaigns) | {t.campaign for t in view.tests if t.campaign})
    tests = tests_affected(view)
    text = plural(tests, "test", thousands=True) if tests else ""
    if phases:
        text += " in " + join_names([inline(p, 120) for p in phases])
    if campaigns:
        label = "campaign" if len(campaigns) == 1 else "campaigns"
        text += f" ({label} {join_names([code(c, 100) for c in campaigns])})"
    return text.strip()


def _summary(view: ClusterView) -> list[str]:
    icon = FLAKY_ICON if view.flaky else STATE_ICONS.get(view.state, "❌")
    flaky = " — **flaky**" if view.flaky else ""
    where = _where(view)
    lines = [f"{icon} **{inline(view.title, 300)}**{flaky}" + (f" — {where}" if where else ""), ""]
    if view.flaky:
        subject = "This test" if len({t.test_id for t in view.tests}) == 1 else "These tests"
        lines += [
            "> [!WARNING]",
            f"> **Flaky.** {subject} failed and then passed on a retry, or passed and "
            "failed on the same commit. Loopwatch counts flaky failures and shows them here, "
            "but posts **no regression comments for flaky failures** and never opens an "
            "issue because of one.",
            "",
        ]
    return ["\n".join(lines) + "\n"]


def _status(view: ClusterView) -> list[str]:
    lines = [f"**State:** {_STATE_WORDS.get(view.state, inline(view.state, 40))}"]
    if view.severity:
        lines[-1] += f" · **Severity:** {inline(view.severity, 40)}"
    lines.append(f"**First seen:** {run_phrase(view.first_seen)}")
    lines.append(f"**Last seen:** {run_phrase(view.last_seen)}")
    lines.append(
        f"**Occurrences:** {plural(view.occurrences, 'failing test execution')} · "
        f"**Runs failed:** {view.runs_failed} of {plural(view.runs_seen, 'run')} seen"
    )
    if view.resolution is not None:
        label = "Resolved" if view.state == "resolved" else "Last resolved"
        lines.append(f"**{label}:** {resolution_phrase(view.resolution)}")
    return ["  \n".join(lines) + "\n\n"]


def _tests(view: ClusterView, detail: _Detail) -> list[str]:
    if not view.tests:
        return []
    tests = sorted(view.tests, key=lambda t: (-t.occurrences, t.test_id))
    blocks = [
        "### Affected tests\n\n"
        "| Test | Phase | Campaign | Occurrences | Last outcome |\n"
        "|---|---|---|---:|---|\n"
    ]
    for test in tests[: detail.test_rows]:
        cells = [
            cell_code(test.test_id, 300),
            inline(test.phase, 120) if test.phase else "—",
            cell_code(test.campaign, 100) if test.campaign else "—",
            str(test.occurrences),
            outcome(test.last_outcome),
        ]
        blocks.append("| " + " | ".join(cells) + " |\n")
    hidden = max(len(tests), tests_affected(view)) - min(len(tests), detail.test_rows)
    if hidden > 0:
        blocks.append(f"\n_… and {plural(hidden, 'more test', thousands=True)}._\n")
    blocks.append("\n")
    return blocks


def _trimmed_trace(trace: str, lines: int, chars: int) -> tuple[str, int]:
    """The last ``lines`` lines (where the exception is), and how many lines were left out."""
    all_lines = trace.rstrip("\n").splitlines()
    kept = all_lines[-lines:]
    text = "\n".join(kept)
    if len(text) > chars:
        text = text[-chars:]
        text = text.partition("\n")[2] or text
    return text, len(all_lines) - len(text.splitlines())


def _sample(view: ClusterView, detail: _Detail) -> list[str]:
    message = (view.sample_message or "").strip("\n")
    trace = (view.sample_trace or "").strip("\n")
    if not message.strip() and not trace.strip():
        return []
    blocks = ["### Sample failure\n\n"]
    if message.strip():
        blocks.append(fence(message, limit=detail.message_chars) + "\n")
    if trace.strip() and detail.trace_lines:
        text, omitted = _trimmed_trace(trace, detail.trace_lines, detail.trace_chars)
        note = f", first {plural(omitted, 'line')} left out" if omitted > 0 else ""
        blocks.append(
            f"<details><summary>Trace{note}</summary>\n\n{fence(text, limit=detail.trace_chars)}"
            "\n</details>\n\n"
        )
    elif trace.strip():
        blocks.append("_Trace left out to fit GitHub's size limit._\n\n")
    return blocks


def _environments(envs: Sequence[Mapping[str, str]], detail: _Detail) -> list[str]:
    envs = [e for e in envs if e]
    if not envs:
        return []
    shown = envs[: detail.env_columns]
    keys = sorted({k for e in shown for k in e})
    differing = [k for k in keys if len({e.get(k) for e in shown}) > 1]
    same = [k for k in keys if k not in differing]
    blocks = ["### Environments seen\n\n"]
    if len(shown) == 1:
        pairs = " · ".join(code(f"{k}={v}", 120) for k, v in sorted(shown[0].items()))
        return [*blocks, pairs + "\n\n"]
    header = " | ".join(f"Environment {n}" for n in range(1, len(shown) + 1))
    blocks.append(f"| Key | {header} |\n|---|" + "---|" * len(shown) + "\n")
    for key in (differing + same)[: detail.env_keys]:
        mark = "**≠** " if key in differing else ""
        values = [cell_code(e[key], 120) if key in e else "—" for e in shown]
        blocks.append(f"| {mark}{cell_code(key, 80)} | " + " | ".join(values) + " |\n")
    notes = []
    if differing:
        notes.append("**≠** marks the keys whose values differ")
    if len(keys) > detail.env_keys:
        notes.append(f"{len(keys) - detail.env_keys} more keys not shown")
    if len(envs) > len(shown):
        notes.append(f"{plural(len(envs) - len(shown), 'more environment')} not shown")
    blocks.append("\n" + (f"<sub>{'; '.join(notes)}.</sub>\n\n" if notes else ""))
    return blocks


def _signature(view: ClusterView) -> list[str]:
    kinds = {
        "named": "named in the repository's configuration",
        "computed": "computed from the failure",
        "test-name": "grouped by test name (no usable message)",
    }
    facts = [
        f"**Fingerprint:** {code(view.fingerprint, 100)}",
        f"version {inline(str(view.signature_version), 20)}",
        kinds.get(view.kind, inline(view.kind, 40)),
    ]
    if view.family:
        facts.append(f"family: {inline(view.family, 100)}")
    if view.kind == "named":
        hint = f"Its title and match come from `signatures:` in {code(CONFIG_PATH)}."
    else:
        hint = (
            f"To give it a name of your own, add an entry under `signatures:` in "
            f"{code(CONFIG_PATH)} (id, title, match)."
        )
    return ["### Signature\n\n" + " · ".join(facts) + "  \n" + f"<sub>{hint}</sub>\n\n"]


def _history_line(entry: tuple[datetime, str]) -> str:
    at, text = entry
    return f"- **{format_time(at)}** — {inline(text, 1000)}"


def _history(view: ClusterView, detail: _Detail) -> list[str]:
    entries = list(view.history)
    if not entries:
        return []
    recent = entries[-OPEN_HISTORY_ENTRIES:]
    older = entries[:-OPEN_HISTORY_ENTRIES]
    blocks = ["### History\n\n"]
    if older:
        keep = len(older) if detail.folded_history is None else detail.folded_history
        kept = older[len(older) - keep :] if keep else []
        dropped = len(older) - len(kept)
        if kept:
            lines = [f"<details><summary>{plural(len(older), 'earlier event')}</summary>", ""]
            if dropped:
                lines.append(f"- _… {plural(dropped, 'older event')} not shown_")
            lines += [_history_line(e) for e in kept]
            lines += ["", "</details>"]
        else:
            lines = [f"_{plural(dropped, 'earlier event')} not shown._"]
        blocks.append("\n".join(lines) + "\n\n")
    blocks.append("\n".join(_history_line(e) for e in recent) + "\n\n")
    return blocks


def _footer(view: ClusterView) -> list[str]:
    parts = []
    if safe_url(view.tracking_issue_url):
        campaigns = sorted(set(view.campaigns))
        label = f"Tracking issue of {campaigns[0]}" if len(campaigns) == 1 else "Tracking issue"
        parts.append(link(label, view.tracking_issue_url))
    parts.append(
        "kept by Loopwatch: this section is rewritten when the cluster changes; "
        "write your notes above or below it"
    )
    return ["---\n<sub>" + " · ".join(parts) + "</sub>\n"]


def _five_whys(view: ClusterView) -> list[str]:
    """A person's record (warned when the failure came back after it), else the bot's
    evidence draft."""
    if view.five_whys_draft is not None:
        return evidence_blocks(view.five_whys_draft, view.five_whys_by)
    came_back = run_phrase(view.five_whys_came_back) if view.five_whys_came_back else None
    return five_whys_blocks(view.five_whys, view.five_whys_by, came_back=came_back)


def _blocks(view: ClusterView, detail: _Detail) -> list[str]:
    return [
        *_summary(view),
        *_status(view),
        *_tests(view, detail),
        *_sample(view, detail),
        *_environments(view.environments, detail),
        *_five_whys(view),
        *_signature(view),
        *_history(view, detail),
        *_footer(view),
    ]


def render_failure_issue(view: ClusterView, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The bot's section of the cluster's failure issue, at most ``max_chars`` long."""
    return fit_levels(lambda detail: _blocks(view, detail), _LEVELS, max_chars)
