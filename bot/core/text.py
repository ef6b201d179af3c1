"""Plain-text helpers shared across the core: counts in words, first lines, durations, times.

Pure and without imports from the rest of the core, so every part (render, checks,
steering, signatures, reports) can use them without an import cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime


def plural(count: int, word: str, many: str | None = None, *, thousands: bool = False) -> str:
    """``1 test``, ``3 tests``; ``many`` for irregular plurals; ``thousands``: ``1,024 tests``."""
    number = f"{count:,}" if thousands else str(count)
    return f"{number} {word}" if count == 1 else f"{number} {many or word + 's'}"


def first_line(text: str | None) -> str | None:
    """The first non-blank line of ``text``, stripped; ``None`` when there is none."""
    if not text:
        return None
    return next((line.strip() for line in text.splitlines() if line.strip()), None)


def one_line(text: str, limit: int) -> str:
    """``text`` with its whitespace runs (newlines too) as single spaces, at most ``limit``
    characters (cut with ``…``)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_duration(seconds: float | None) -> str:
    """``4.2s``, ``42s``, ``3m 05s``, ``2h 07m``; ``—`` for none."""
    if seconds is None or seconds <= 0:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_time(value: datetime) -> str:
    """``2025-09-10 19:52 UTC`` (naive times are taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")
