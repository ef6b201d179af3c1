"""Webhook events, handled in the worker: a router and one small module per event."""

from bot.events import checks, comments, installation, issues, ping  # noqa: F401  (registration)
from bot.events.router import EventContext, EventHandler, EventRouter, router

__all__ = ["EventContext", "EventHandler", "EventRouter", "router"]
