"""The commands Loopwatch has: one module each. Every module in this package is imported
(and so registered) when the package is; a new command is a new file here plus its tests."""

from __future__ import annotations

import importlib
import pkgutil

# The order /help lists them in (people's triage first, then the record keeping); modules
# not named here follow in alphabetical order.
ORDER = (
    "help", "status", "mute", "unmute", "flaky", "not_flaky", "resolve", "link", "rerun",
    "label", "five_whys", "why", "root_cause", "fix",
)  # fmt: skip


def _import_all() -> list[str]:
    found = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    names = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names


MODULES = _import_all()
