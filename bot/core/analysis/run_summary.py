"""What is kept of a run for later runs (``Run.summary``): JSON that round-trips."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core.analysis.run_cases import OTHER_PHASE
from bot.core.analysis.run_status import Status

_N = TypeVar("_N", int, float)

SUMMARY_VERSION = 1
MAX_SUMMARY_FAILING = 500


@dataclass(frozen=True, slots=True)
class PhaseSummary:
    name: str
    status: Status
    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    flaky: int = 0
    duration_s: float = 0.0
    priority: int | None = None  # a configured phase's (effective) priority


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What is kept of a run for later runs (``Run.summary``): JSON round-trips."""

    run_id: int | None
    status: Status
    counts: Mapping[str, int]
    phases: tuple[PhaseSummary, ...] = ()
    failing: tuple[str, ...] = ()  # failing test ids, capped at MAX_SUMMARY_FAILING
    finished_at: str | None = None  # ISO 8601
    commit_sha: str | None = None
    duration_s: float = 0.0
    criteria_total: int = 0
    criteria_failed: int = 0  # criteria not met

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SUMMARY_VERSION,
            "run_id": self.run_id,
            "status": self.status.value,
            "counts": dict(self.counts),
            "phases": [
                {
                    "name": p.name,
                    "status": p.status.value,
                    "passed": p.passed,
                    "failed": p.failed,
                    "errored": p.errored,
                    "skipped": p.skipped,
                    "flaky": p.flaky,
                    "duration_s": p.duration_s,
                    **({"priority": p.priority} if p.priority is not None else {}),
                }
                for p in self.phases
            ],
            "failing": list(self.failing),
            "finished_at": self.finished_at,
            "commit_sha": self.commit_sha,
            "duration_s": self.duration_s,
            "criteria_total": self.criteria_total,
            "criteria_failed": self.criteria_failed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSummary:
        """Tolerant: unknown keys are ignored; missing or malformed ones get neutral values."""
        phases = tuple(
            PhaseSummary(
                name=str(p.get("name", OTHER_PHASE)),
                status=_status_from(p.get("status")),
                passed=_number(p.get("passed"), int),
                failed=_number(p.get("failed"), int),
                errored=_number(p.get("errored"), int),
                skipped=_number(p.get("skipped"), int),
                flaky=_number(p.get("flaky"), int),
                duration_s=_number(p.get("duration_s"), float),
                priority=_priority(p.get("priority")),
            )
            for p in _list(data.get("phases"))
            if isinstance(p, Mapping)
        )
        run_id = data.get("run_id")
        counts = data.get("counts")
        finished_at = data.get("finished_at")
        commit_sha = data.get("commit_sha")
        return cls(
            run_id=run_id if isinstance(run_id, int) and not isinstance(run_id, bool) else None,
            status=_status_from(data.get("status")),
            counts={str(k): _number(v, int) for k, v in counts.items()}
            if isinstance(counts, Mapping)
            else {},
            phases=phases,
            failing=tuple(str(t) for t in _list(data.get("failing"))),
            finished_at=finished_at if isinstance(finished_at, str) else None,
            commit_sha=commit_sha if isinstance(commit_sha, str) else None,
            duration_s=_number(data.get("duration_s"), float),
            criteria_total=_number(data.get("criteria_total"), int),
            criteria_failed=_number(data.get("criteria_failed"), int),
        )


def _priority(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _status_from(value: object) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        return Status.NOT_RUN


def _number(value: object, kind: type[_N]) -> _N:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return kind(value)
    return kind(0)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
