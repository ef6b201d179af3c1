"""``/label add|remove NAME…``: labels by hand, without the bot fighting over them.

On an issue the bot keeps, the sync adds the labels it wants and removes only those it
took back itself (``GitHubIssue.unlabels``); people's labels survive. So removing a label
the bot wants would be undone by the next sync: that is refused, with where the label
comes from. The labels that carry a failure's state (``muted``, ``flaky``, …) have their
own commands. Adding a label the bot once took back forgets that it did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import parse_labels
from bot.adapters.store.models import GitHubIssue
from bot.app.clusters.issues import FAILURE_LABEL, FLAKY_LABEL, MUTED_LABEL, REGRESSION_LABEL
from bot.core.safe_markdown import code
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command

MAX_LABELS = 10
MAX_NAME = 50  # GitHub's limit on a label name
_TOKEN = re.compile(
    r"\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)'|(?P<bare>[^\s,\"]+)|(?P<gap>[\s,]+)|(?P<bad>.)"
)


def parse_names(text: str) -> list[str]:
    """Label names separated by spaces or commas; quote a name with spaces in it.

    Duplicates (GitHub compares names case-insensitively) count once. ``ValueError``
    says what is wrong in plain words.
    """
    names: dict[str, str] = {}
    for match in _TOKEN.finditer(text):
        if match.group("gap") is not None:
            continue
        if match.group("bad") is not None:
            raise ValueError("a quote is not closed")
        name = next(g for g in match.group("double", "single", "bare") if g is not None)
        name = " ".join(name.split())
        if not name:
            raise ValueError("a label name is empty")
        if len(name) > MAX_NAME:
            raise ValueError(f"label names are at most {MAX_NAME} characters")
        names.setdefault(name.lower(), name)
    if not names:
        raise ValueError("name at least one label")
    return list(names.values())


def listing(names: Sequence[str]) -> str:
    return ", ".join(code(name) for name in names)


@dataclass(frozen=True, slots=True)
class Managed:
    """Why a state label is not set by hand, per direction."""

    add: str
    remove: str


def managed_labels(ctx: CommandContext) -> dict[str, Managed]:
    def use(name: str) -> str:
        return f"use `{ctx.typed(name)}`"

    return {
        MUTED_LABEL.name: Managed(use("mute"), use("unmute")),
        FLAKY_LABEL.name: Managed(use("flaky"), use("not-flaky")),
        REGRESSION_LABEL.name: Managed(
            "I set it when a fixed failure comes back",
            "it records that this failure came back after a fix",
        ),
        FAILURE_LABEL.name: Managed(
            "it marks the failure issues I keep", "it marks the failure issues I keep"
        ),
    }


def _kept_row(session: Session, ctx: CommandContext) -> GitHubIssue | None:
    if ctx.subject.issue_key is None:
        return None
    return session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == ctx.repository_id,
            GitHubIssue.key == ctx.subject.issue_key,
        )
    )


def check_kept_labels(
    session: Session, ctx: CommandContext, adding: bool, names: list[str]
) -> None:
    """Refuse what the bot would undo, or what has its own command (see module docstring)."""
    if ctx.subject.where is Where.CLUSTER:
        managed = managed_labels(ctx)
        by_name = {name.lower(): (name, why) for name, why in managed.items()}
        for name in names:
            found = by_name.get(name.lower())
            if found is not None:
                label, why = found
                verb = "add" if adding else "remove"
                reason = why.add if adding else why.remove
                raise Refused(f"I keep {code(label)} on this issue myself; to {verb} it, {reason}.")
    row = _kept_row(session, ctx)
    if adding or row is None:
        return
    wanted = {label.name.lower() for label in parse_labels(row.labels or [])}
    ours = [name for name in names if name.lower() in wanted]
    if ours:
        raise Refused(
            f"I put {listing(ours)} on this issue because `.github/loopwatch.yml` asks for it "
            "(its `labels`); remove it there, or I add it back on the next update."
        )


def forget_taken_back(session: Session, ctx: CommandContext, names: list[str]) -> None:
    """A person adds a label the bot once took back: the sync must not remove it again."""
    row = _kept_row(session, ctx)
    if row is None or not row.unlabels:
        return
    added = {name.lower() for name in names}
    row.unlabels = [name for name in row.unlabels if str(name).lower() not in added]


@command(
    "label",
    help=Help(
        usage="label add|remove NAME…",
        description=(
            f"Add or remove labels (up to {MAX_LABELS}; separate them with spaces or commas, "
            'quote a name with spaces: "needs triage"). Missing labels are created.'
        ),
        examples=("label add needs-triage", 'label remove "good first issue", backend'),
    ),
    level=Level.TRIAGE,
    args=r"(?P<action>add|remove)\s+(?P<names>.+)",
)
async def label(ctx: CommandContext) -> Outcome:
    adding = ctx.match.group("action").lower() == "add"
    try:
        names = parse_names(ctx.match.group("names"))
    except ValueError as exc:
        raise Refused(f"I could not read the label names: {exc}.") from exc
    if len(names) > MAX_LABELS:
        raise Refused(f"That is {len(names)} labels; at most {MAX_LABELS} per command.")
    await ctx.store.run(lambda session: check_kept_labels(session, ctx, adding, names))
    number = ctx.subject.number
    if adding:
        await ctx.github.add_labels(number, names)
        await ctx.store.run(lambda session: forget_taken_back(session, ctx, names))
        return Outcome(log=f"added {'labels' if len(names) > 1 else 'label'} {listing(names)}")
    removed = [name for name in names if await ctx.github.remove_label(number, name)]
    missing = [name for name in names if name not in removed]
    message = f"{listing(missing)} {'was' if len(missing) == 1 else 'were'} not on this issue."
    log = None
    if removed:
        log = f"removed {'labels' if len(removed) > 1 else 'label'} {listing(removed)}"
    return Outcome(message=message if missing else None, log=log)
