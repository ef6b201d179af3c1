"""Bounds written as text in the config file: durations (``2m``) and skip limits (``50%``)."""

from __future__ import annotations

import re

from pydantic import Field

from bot.core.config.strict_model import StrictModel

_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?|\.\d+)\s*(ms|hours?|h|minutes?|mins?|m|seconds?|secs?|s)"
)
_DURATION_UNITS = {"ms": 0.001, "h": 3600.0, "m": 60.0, "s": 1.0}
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")


def parse_seconds(value: object) -> float:
    """Seconds from a number or text like ``90``, ``"90s"``, ``"2m"``, ``"1m 30s"``, ``"1.5h"``.

    Raises ``ValueError`` with the reason in plain words.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be seconds, as a number or text like '90s' or '2m'; got {value!r}")
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            seconds = _parse_duration_text(text, value)
    else:
        seconds = float(value)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"must be a number of seconds, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"must be more than 0 seconds, got {value!r}")
    return seconds


def _parse_duration_text(text: str, shown: str) -> float:
    position, seconds = 0, 0.0
    for part in _DURATION_PART.finditer(text):
        if text[position : part.start()].strip():
            break
        unit = "ms" if part.group(2) == "ms" else part.group(2)[0]
        seconds += float(part.group(1)) * _DURATION_UNITS[unit]
        position = part.end()
    if position == 0 or text[position:].strip():
        raise ValueError(
            f"{shown!r} is not a duration; write seconds (90), or a number with a unit: "
            "'90s', '2m', '1m 30s', '1h'"
        )
    return seconds


class SkipLimit(StrictModel):
    """``max_skipped``: a count of tests, or a percentage of a suite's matched tests."""

    count: int | None = Field(default=None, ge=0)
    percent: float | None = Field(default=None, ge=0, le=100)

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{self.percent:g}%"
        return str(self.count or 0)

    def exceeded(self, skipped: int, total: int) -> bool:
        """Whether ``skipped`` of ``total`` tests is more than the limit."""
        if self.percent is not None:
            return total > 0 and skipped * 100 > self.percent * total
        return skipped > (self.count or 0)


def parse_skip_limit(value: object) -> SkipLimit:
    """``5`` (tests) or ``"50%"`` (of a suite's matched tests); ``ValueError`` otherwise."""
    if isinstance(value, SkipLimit):
        return value
    hint = "write a whole number of tests (5) or a percentage in quotes ('50%')"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{hint}; got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"must be 0 or more tests, got {value}")
        return SkipLimit(count=value)
    text = value.strip()
    if text.isdigit():
        return SkipLimit(count=int(text))
    match = _PERCENT.match(text)
    if match is None:
        raise ValueError(f"{value!r} is not a count or a percentage; {hint}")
    percent = float(match.group(1))
    if percent > 100:
        raise ValueError(f"a percentage must be between 0% and 100%, got {value!r}")
    return SkipLimit(percent=percent)
