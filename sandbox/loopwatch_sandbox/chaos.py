"""A seeded random fault profile: a share of API calls answered the way GitHub misbehaves.

``POST /_sandbox/chaos`` turns it on (``DELETE`` off). Each API call (token requests
included: GitHub fails those too) draws its fate from a generator seeded with the profile's
seed, the method, the path and how many times that method and path were called before,
so the same sequence of calls gets the same faults whatever the timing between them.
The kinds:

* ``error_before``: 502, nothing stored;
* ``error_after``: the call is served (a write is stored), then answered 502: the answer
  is lost, not the write;
* ``secondary_limit``: 403 secondary rate limit with ``retry-after`` (nothing stored);
* ``timeout_commit``: the answer is held longer than the client's timeout, then the call is
  served anyway, so a write lands after the client gave up;
* ``delay``: a short pause, then a normal answer.

Explicit faults (``POST /_sandbox/faults``) take precedence over the profile.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from loopwatch_sandbox.state import Fault

FAULT_KINDS = ("error_before", "error_after", "secondary_limit", "timeout_commit", "delay")


@dataclass
class ChaosProfile:
    seed: int
    rate: float
    kinds: tuple[str, ...] = FAULT_KINDS
    delay_s: tuple[float, float] = (0.05, 0.5)
    timeout_delay_s: tuple[float, float] = (1.5, 2.5)
    retry_after_s: tuple[int, int] = (1, 2)
    calls: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def draw(self, method: str, path: str) -> Fault | None:
        """This call's fault, or None (most calls)."""
        key = f"{method} {path}"
        self.calls[key] += 1
        rng = random.Random(f"{self.seed}:{key}:{self.calls[key]}")
        if rng.random() >= self.rate or not self.kinds:
            return None
        kind = rng.choice(self.kinds)
        self.injected[kind] += 1
        if kind == "error_before":
            return Fault(path_regex="", status=502, kind=kind)
        if kind == "error_after":
            return Fault(path_regex="", status=502, after_store=True, kind=kind)
        if kind == "secondary_limit":
            low, high = self.retry_after_s
            return Fault(path_regex="", status=403, retry_after=rng.randint(low, high), kind=kind)
        low_s, high_s = self.timeout_delay_s if kind == "timeout_commit" else self.delay_s
        return Fault(path_regex="", delay_s=rng.uniform(low_s, high_s), kind=kind)

    def summary(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "rate": self.rate,
            "kinds": list(self.kinds),
            "delay_s": list(self.delay_s),
            "timeout_delay_s": list(self.timeout_delay_s),
            "retry_after_s": list(self.retry_after_s),
            "calls": sum(self.calls.values()),
            "injected": dict(sorted(self.injected.items())),
        }
