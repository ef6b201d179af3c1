"""Creates that happen once even when GitHub stores them late.

A create whose answer never came (a timeout, a 5xx, a reset connection) may still be
stored by GitHub seconds later, and GitHub's lists may not show a new object at once. So
an unknown outcome is not retried blindly:

1. the claim is taken (compare-and-set, ``bot/adapters/store/claims.py``) in the write
   slot, right before the request is sent, so its time is when the attempt left;
2. a definite refusal (a 4xx other than 408/409, rate limits included) releases it:
   nothing was created;
3. any other failure keeps it: on the next try the caller looks the object up by its
   hidden key (issue or comment marker, check run ``external_id``) and adopts it if
   found; if not, and the attempt is younger than the late-write window, the job waits
   (:class:`SettleWait`, a ``RetryAt``: no attempt counted) and looks again; once the
   window has passed, the next attempt is claimed against the old one's count (so two
   workers cannot both send it) and sent.

A claim younger than the window may also be another worker's create in flight: it is
left to that worker the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from githubkit.exception import RequestFailed
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.logs import get_logger
from bot.adapters.queue import RetryAt
from bot.adapters.settings import Settings
from bot.adapters.store.claims import Claim, ClaimColumns, read_claim, release_claim, take_claim
from bot.adapters.store.models import utcnow

log = get_logger(__name__)
T = TypeVar("T")
Write = Callable[[Callable[[], Awaitable[T]]], Awaitable[T]]


class SettleWait(RetryAt):
    """An earlier create may still land on GitHub: look for it again at ``at``."""


class _ClaimLost(Exception):
    """Another worker claimed the create (or finished it) since we read the row."""


def is_refusal(exc: BaseException) -> bool:
    """True when GitHub answered that it did not create the object."""
    if not isinstance(exc, RequestFailed):
        return False
    status = exc.response.status_code
    return 400 <= status < 500 and status not in (408, 409)


@dataclass(frozen=True)
class LateWrites:
    """How long an unknown create outcome is waited for, and the clock it is read with."""

    window: timedelta = timedelta(seconds=60)
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_settings(cls, settings: Settings) -> LateWrites:
        seconds = max(settings.late_write_window_s, settings.github_timeout_s)
        return cls(timedelta(seconds=seconds))

    def now(self) -> datetime:
        return self.clock()


class CreateOnce:
    """Claim, send and settle one kind of create (issues, comments or check runs)."""

    def __init__(
        self, factory: sessionmaker[Session], columns: ClaimColumns, policy: LateWrites
    ) -> None:
        self.factory = factory
        self.columns = columns
        self.policy = policy

    def settle(self, key: str, claim: Claim) -> None:
        """The look-up found nothing for ``claim``: wait while the attempt may still land
        (raises :class:`SettleWait`); return when a new attempt may be sent."""
        if claim.claimed_at is None:
            return
        until = claim.claimed_at + self.policy.window
        if self.policy.now() < until:
            log.info("github.create_settling", key=key, attempt=claim.attempts, until=until)
            raise SettleWait(until, f"{key}: attempt {claim.attempts} may still land on GitHub")
        log.warning("github.create_not_landed", key=key, attempt=claim.attempts)

    async def send(
        self,
        row_id: int,
        seen: Claim,
        key: str,
        make_call: Callable[[], Awaitable[T]],
        write: Write[T],
    ) -> T | None:
        """Send the create through ``write`` (the pacer) under a fresh claim; None when
        another worker has created the object meanwhile."""
        try:
            return await write(self._claimed(row_id, seen, make_call))
        except _ClaimLost:
            current = read_claim(self.factory, self.columns, row_id)
            if current.done:
                return None
            self.settle(key, current)
            moved = f"{key}: the create was claimed meanwhile"
            raise SettleWait(self.policy.now(), moved) from None

    def _claimed(
        self, row_id: int, seen: Claim, make_call: Callable[[], Awaitable[T]]
    ) -> Callable[[], Awaitable[T]]:
        async def call() -> T:
            held = take_claim(self.factory, self.columns, row_id, seen, self.policy.now())
            if held is None:
                raise _ClaimLost
            try:
                return await make_call()
            except RequestFailed as exc:
                if is_refusal(exc):
                    release_claim(self.factory, self.columns, row_id, held)
                raise

        return call
