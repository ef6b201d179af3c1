"""The repository's command settings, resolved against the commands Loopwatch has."""

from __future__ import annotations

import difflib

from bot.core.config.commands import CommandsConfig
from bot.core.config.loader import CONFIG_PATH
from bot.handlers.commands.spec import CommandSettings, Level, Registry


def _unknown(name: str, registry: Registry, where: str) -> str:
    close = difflib.get_close_matches(name, registry.all_names(), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{CONFIG_PATH}: commands.{where} names no command {name!r}{hint}; it is ignored"


def resolve_settings(config: CommandsConfig, registry: Registry) -> CommandSettings:
    problems: list[str] = []

    def canonical(names: list[str], where: str) -> set[str]:
        found: set[str] = set()
        for name in names:
            command = registry.get(name)
            if command is None:
                problems.append(_unknown(name, registry, where))
            else:
                found.add(command.name)
        return found

    enabled = (
        set(registry.names()) if config.enabled is None else canonical(config.enabled, "enabled")
    )
    enabled -= canonical(config.disabled, "disabled")
    if "help" not in enabled and registry.get("help") is not None:
        enabled.add("help")  # people must always be able to ask what is possible
    levels: dict[str, Level] = {}
    for name, level in config.permissions.items():
        command = registry.get(name)
        if command is None:
            problems.append(_unknown(name, registry, "permissions"))
            continue
        levels[command.name] = Level.parse(level)
    return CommandSettings(config.prefix, frozenset(enabled), levels, problems)
