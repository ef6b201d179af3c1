"""structlog set-up: console in a terminal, JSON otherwise; one event per line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

# No value in a log line is longer than this (a failure must not log a 4 MB line).
MAX_VALUE_CHARS = 8_000
_CUT = " … ({} characters cut) … "


def capped(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` with its middle cut out when longer than about ``limit`` characters (the
    start says what failed, the end where)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + _CUT.format(len(text) - 2 * half) + text[-half:]


def cap_values(logger: Any, method: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """A structlog processor: every string value capped (the rendered exception too)."""
    for key, value in event.items():
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            event[key] = capped(value)
    return event


def configure_logging(log_format: str = "auto", level: str = "INFO") -> None:
    if log_format == "auto":
        log_format = "console" if sys.stderr.isatty() else "json"
    renderer: structlog.typing.Processor
    if log_format == "console":
        renderer = structlog.dev.ConsoleRenderer()
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            cap_values,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
