"""``python -m tests.e2e.versioned_worker N worker …``: the loopwatch CLI with signature
version N current — a release before (1) or after (2) the upgrade, in its own process."""

from __future__ import annotations

import sys

from bot.cli import main
from bot.core.signatures import compute as registry


def run(argv: list[str]) -> None:
    version, rest = int(argv[0]), argv[1:]
    if version not in registry.SUPPORTED_VERSIONS:
        raise SystemExit(f"signature version {version} is not supported")
    setattr(registry, "SIGNATURE_VERSION", version)  # noqa: B010 - the module global it reads
    sys.argv = ["loopwatch", *rest]
    main()


if __name__ == "__main__":
    run(sys.argv[1:])
