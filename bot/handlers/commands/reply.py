"""The reply to a comment's commands (pure): each line quoted, then what came of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.adapters.github.body import MAX_BODY_CHARS


class Status(StrEnum):
    DONE = "done"
    FAILED = "failed"  # the command ran and did not work
    REFUSED = "refused"  # not allowed here, not for this person, or wrong arguments
    HINT = "hint"  # an unknown command that looked like ours


@dataclass(frozen=True, slots=True)
class LineResult:
    line: str
    status: Status
    message: str | None = None


_ICON = {Status.DONE: "", Status.FAILED: "😕 ", Status.REFUSED: "🚫 ", Status.HINT: "❔ "}
MAX_MESSAGE = 20_000


def needs_reply(results: Sequence[LineResult]) -> bool:
    return any(r.status is not Status.DONE or r.message for r in results)


def render_reply(
    results: Sequence[LineResult], *, actor: str, how_to: str, notes: Sequence[str] = ()
) -> str:
    """One comment for all of a comment's commands that have something to say."""
    parts = [f"@{actor}"]
    for result in results:
        if result.status is Status.DONE and not result.message:
            continue
        message = (result.message or "").strip()
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "\n\n… (cut)"
        parts.append(f"> {result.line}\n\n{_ICON[result.status]}{message}".rstrip())
    if notes:
        parts.append("\n".join(f"⚠️ {note}" for note in notes))
    parts.append(how_to)
    body = "\n\n".join(parts)
    limit = MAX_BODY_CHARS - 500  # room for the comment marker
    return body if len(body) <= limit else body[:limit] + "\n\n… (cut)"
