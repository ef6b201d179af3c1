"""Who sent an event: the bot never acts on its own or other bots' activity."""

from __future__ import annotations

from typing import Any


def sender_login(payload: dict[str, Any]) -> str | None:
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, dict) else None
    return login if isinstance(login, str) else None


def is_bot(user: Any) -> bool:
    """A GitHub user object of type ``Bot`` or with a ``…[bot]`` login."""
    if not isinstance(user, dict):
        return False
    login = user.get("login")
    return user.get("type") == "Bot" or (isinstance(login, str) and login.endswith("[bot]"))
