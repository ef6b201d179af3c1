"""Slash-command settings (``commands:`` in the file): prefix, which run, who may."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from bot.core.config.strict_model import StrictModel

PERMISSION_LEVELS = ("anyone", "read", "triage", "write", "maintain", "admin")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,19}$")


class CommandsConfig(StrictModel):
    """Slash commands (``commands:`` in the file). Command names are checked against the
    commands Loopwatch has when a comment is handled
    (``bot/handlers/commands/command_settings.py``)."""

    # ``lw`` makes the commands ``/lw mute``, for when another bot owns ``/mute``.
    prefix: str = ""
    # The commands that run here; None: all of them. ``disabled`` is taken out after.
    enabled: list[str] | None = Field(default=None, max_length=100)
    disabled: list[str] = Field(default_factory=list, max_length=100)
    # The minimum permission per command, overriding its default.
    permissions: dict[str, str] = Field(default_factory=dict, max_length=100)

    @field_validator("prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        value = value.strip().removeprefix("/")
        if value and not _PREFIX.match(value):
            raise ValueError(
                "the prefix must be a word of letters, digits, '-' or '_' (at most 20), "
                f"such as 'lw' for /lw mute; got {value!r}"
            )
        return value

    @field_validator("permissions")
    @classmethod
    def _known_levels(cls, value: dict[str, str]) -> dict[str, str]:
        for name, level in value.items():
            if str(level).lower() not in PERMISSION_LEVELS:
                raise ValueError(
                    f"{name}: unknown permission {level!r}; use one of "
                    + ", ".join(PERMISSION_LEVELS)
                )
        return {name.lower(): str(level).lower() for name, level in value.items()}
