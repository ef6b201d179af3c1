"""Slash commands. The framework lives here (``parse``, ``spec``, ``dispatch``, …); the
commands themselves in ``builtin/``, one module each (see ``spec.py`` for what each
declares). Importing this package registers every command in ``REGISTRY``.
"""

from bot.handlers.commands import builtin  # noqa: F401  (registration)
from bot.handlers.commands.spec import (
    REGISTRY,
    Command,
    Help,
    Level,
    Outcome,
    Refused,
    Where,
    command,
)

__all__ = ["REGISTRY", "Command", "Help", "Level", "Outcome", "Refused", "Where", "command"]
