"""``/mute [for 7d | until 2026-12-31] [reason]``: keep counting a failure cluster, quietly.

A muted cluster's failures are counted, but Loopwatch opens, reopens and comments
nothing for it; its issue carries the ``muted`` label. With a time, an ``unmute_due``
job ends the mute then (:mod:`bot.handlers.jobs.unmute`); muting again replaces the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import defer_unmute
from bot.adapters.store.models import Cluster
from bot.app.clusters.people import set_muted
from bot.core.safe_markdown import code, inline, shorten
from bot.core.text import format_time
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command

MAX_AHEAD = timedelta(days=366)
MAX_REASON = 200
UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), timedelta(weeks=1)),
}
_FOR = re.compile(r"for\s+(?P<amount>\d{1,6})\s*(?P<unit>[a-z]+)\b(?P<rest>.*)", re.I | re.S)
_UNTIL = re.compile(r"until\s+(?P<when>\S+)(?P<rest>.*)", re.I | re.S)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STARTS = re.compile(r"(?P<word>for|until)\b", re.I)


@dataclass(frozen=True, slots=True)
class MuteRequest:
    until: datetime | None  # None: until someone types /unmute
    reason: str | None


def parse_until(text: str) -> datetime:
    """A date (00:00 UTC that day) or an ISO datetime (UTC unless it names a zone)."""
    try:
        if _DATE.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(
            f"I could not read {code(text, 60)} as a time: use a date like `2026-12-31` or a time "
            "like `2026-12-31T18:00Z`."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_mute(args: str, now: datetime) -> MuteRequest:
    """``for <n><unit>`` or ``until <time>`` first (optional), then the reason."""
    text = args.strip()
    until: datetime | None = None
    starts = _STARTS.match(text)
    if starts and starts.group("word").lower() == "for":
        found = _FOR.fullmatch(text)
        unit = UNITS.get(found.group("unit").lower()) if found else None
        if found is None or unit is None:
            raise Refused("After `for`, give a duration such as `30m`, `12h`, `7d` or `2 weeks`.")
        amount = int(found.group("amount"))
        if amount == 0:
            raise Refused("A mute for no time at all would end at once; give a duration.")
        if unit * amount > MAX_AHEAD:
            raise Refused("I mute for at most a year; to mute for good, give no time.")
        until, text = now + unit * amount, found.group("rest")
    elif starts:
        found = _UNTIL.fullmatch(text)
        if found is None:
            raise Refused("After `until`, give a date like `2026-12-31`.")
        until, text = parse_until(found.group("when")), found.group("rest")
        if until <= now:
            raise Refused(f"{format_time(until)} is in the past; give a later time.")
        if until - now > MAX_AHEAD:
            raise Refused("I mute for at most a year; to mute for good, give no time.")
    reason = " ".join(text.split())
    return MuteRequest(until, shorten(reason, MAX_REASON) if reason else None)


@command(
    "mute",
    help=Help(
        usage="mute [for 7d | until 2026-12-31] [reason]",
        description=(
            "Mute this failure cluster: counted, but I open, reopen and comment nothing; "
            "the issue is labelled `muted`. `for` takes m, h, d or w (`12h`, `2 weeks`); "
            "`until` a date (the mute ends at 00:00 UTC that day) or an ISO time; at most "
            "a year. No time: muted until `unmute`."
        ),
        examples=("mute for 7d infra flake", "mute until 2026-12-31 waiting for the vendor fix"),
    ),
    level=Level.TRIAGE,
    where=frozenset({Where.CLUSTER}),
    args=r"(?s).*",
)
async def mute(ctx: CommandContext) -> Outcome:
    request = parse_mute(ctx.args, ctx.now)
    cluster_id = ctx.subject.cluster_id
    assert cluster_id is not None  # where=CLUSTER

    def work(session: Session) -> str:
        cluster = session.get_one(Cluster, cluster_id)
        if cluster.state == "resolved":
            raise Refused(
                f"“{inline(cluster.title, 200)}” is resolved, so there is nothing to mute; "
                "if it fails again, mute it then."
            )
        changed = set_muted(
            session,
            cluster,
            muted=True,
            at=ctx.now,
            actor=ctx.actor,
            until=request.until,
            reason=request.reason,
        )
        if not changed:
            raise Refused(
                f"“{inline(cluster.title, 200)}” is already muted until someone types "
                f"`{ctx.typed('unmute')}`."
            )
        if request.until is not None:
            defer_unmute(
                session, cluster_id=cluster.id, full_name=ctx.full_name, until=request.until
            )
        return cluster.title

    title = await ctx.store.run(work)
    if request.until is not None:
        until = f"until {format_time(request.until)}"
        message = f"Muted until {format_time(request.until)}; then I unmute it by myself."
    else:
        until = f"until someone types {ctx.typed('unmute')}"
        message = f"Muted until someone types `{ctx.typed('unmute')}`."
    message += " I keep counting its failures but open, reopen and comment nothing."
    log = f"muted “{shorten(title, 200)}” {until}"
    if request.reason:
        log += f" (reason: {request.reason})"
    return Outcome(message=message, log=log)
