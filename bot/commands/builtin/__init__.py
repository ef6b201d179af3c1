"""The commands Loopwatch has: one module each. Every module in this package is imported
(and so registered) when the package is; a new command is a new file here plus its tests."""

from __future__ import annotations

import importlib
import pkgutil


def _import_all() -> list[str]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names


MODULES = _import_all()
