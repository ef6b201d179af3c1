"""The warning at the top when ``.github/loopwatch.yml`` has problems."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.config.loader import CONFIG_PATH
from bot.core.safe_markdown import code, inline


def _config_error(error: str) -> str:
    """``campaigns.e2e.phases[0].priority: must be …`` with the location as code."""
    where, sep, what = error.partition(": ")
    if sep and where and " " not in where:
        return f"{code(where, 200)}: {inline(what, 400)}"
    return inline(error, 400)


def config_error_blocks(errors: Sequence[str]) -> list[str]:
    if not errors:
        return []
    lines = [
        "> [!WARNING]",
        f"> **{code(CONFIG_PATH)} has problems.** Until it is fixed, the parts it could not "
        "read use the defaults:",
        ">",
    ]
    lines += [f"> - {_config_error(error)}" for error in errors[:20]]
    if len(errors) > 20:
        lines.append(f"> - … and {len(errors) - 20} more")
    lines += [
        ">",
        "> Fix the file on the default branch; the next run picks up the change. "
        "The keys are described in Loopwatch's docs/configuration.md.",
    ]
    return ["\n".join(lines) + "\n\n"]
