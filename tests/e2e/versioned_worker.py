"""``python -m tests.e2e.versioned_worker N worker …``: the loopwatch CLI with signature
version N current — a release before (1) or after (2) the upgrade, in its own process.

Version 2 is the real one when it is registered, else the test-only stand-in
(tests/clusters/signature_versions.py).
"""

from __future__ import annotations

import sys

from bot.cli import main
from bot.core.signatures import compute as registry
from tests.clusters.signature_versions import stand_in_v2


def run(argv: list[str]) -> None:
    version, rest = int(argv[0]), argv[1:]
    if 2 not in registry._VERSIONS:
        registry._VERSIONS[2] = stand_in_v2
        registry.SUPPORTED_VERSIONS = (1, 2)
    registry.SIGNATURE_VERSION = version
    sys.argv = ["loopwatch", *rest]
    main()


if __name__ == "__main__":
    run(sys.argv[1:])
