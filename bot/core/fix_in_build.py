"""Is a cluster's fix in the build that failed? (pure)

A resolved failure that shows up again is a regression only when the failing build
contains the commit that fixed it. GitHub's compare API answers that for
``{fix}...{build}``: ``identical`` or ``ahead`` (the build is the fix or descends from it)
→ contained; ``behind`` or ``diverged`` → not contained (an old branch, a pull request not
rebased). When GitHub cannot answer for good (404/422: an unknown or force-pushed commit)
the answer is *unknown*, and unknown counts as contained: the failure is treated as a
regression, as it was before Loopwatch asked. A spurious regression comment costs a
reader a minute; a real regression hidden as "fix not in this build" costs an outage.
"""

from __future__ import annotations

from enum import StrEnum


class Containment(StrEnum):
    CONTAINED = "contained"
    NOT_CONTAINED = "not_contained"
    UNKNOWN = "unknown"


_BY_STATUS = {
    "identical": Containment.CONTAINED,
    "ahead": Containment.CONTAINED,
    "behind": Containment.NOT_CONTAINED,
    "diverged": Containment.NOT_CONTAINED,
}


def containment_of_status(status: str | None) -> Containment:
    """The compare API's ``status`` for ``{fix}...{build}`` as an answer."""
    return _BY_STATUS.get((status or "").strip().lower(), Containment.UNKNOWN)


def same_commit(a: str, b: str) -> bool:
    """Two shas name one commit (one may be abbreviated; case does not matter)."""
    a, b = a.strip().lower(), b.strip().lower()
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return len(short) >= 7 and long.startswith(short)


def needs_question(fix: str | None, build: str | None) -> bool:
    """Whether GitHub must be asked: both commits known and not the same one."""
    return bool(fix and build and not same_commit(fix, build))


def fix_in_build(fix: str | None, build: str | None, answer: Containment | None) -> bool:
    """Whether a failure in ``build`` of a cluster fixed by ``fix`` is a regression.

    No fix commit known (``/resolve``, a close without a commit) or no build commit: there
    is nothing to ask, so it regresses as it always did. The same commit: contained. Else
    GitHub's ``answer``; an unknown or missing answer counts as contained (see above).
    """
    if not needs_question(fix, build):
        return True
    return answer is not Containment.NOT_CONTAINED


def short_sha(value: str) -> str:
    return value.strip()[:7]
