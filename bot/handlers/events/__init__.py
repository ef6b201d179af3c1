"""Webhook events, handled in the worker: a router and one small module per event."""

from bot.handlers.events import (  # noqa: F401  (registration)
    checks,
    comments,
    installation,
    issues,
    jobs,
    ping,
    workflow_runs,
)
from bot.handlers.events.router import EventContext, EventHandler, EventRouter, router

__all__ = ["EventContext", "EventHandler", "EventRouter", "router"]
