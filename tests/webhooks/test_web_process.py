"""The web process loads no worker code: no job handler, no worker wiring, no sandbox.

A fresh interpreter, since this test session has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BUILD_APP_AND_LIST_MODULES = """
import json, sys
from bot.adapters.settings import Settings
from webhooks.app import create_app

create_app(Settings(database_url=sys.argv[1]))
print(json.dumps(sorted(sys.modules)))
"""
WORKER_ONLY = ("bot.handlers", "bot.service", "loopwatch_sandbox")


def test_building_the_web_app_imports_no_worker_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BUILD_APP_AND_LIST_MODULES, f"sqlite:///{tmp_path}/web.db"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    modules: list[str] = json.loads(result.stdout.splitlines()[-1])
    assert "webhooks.app" in modules
    assert "webhooks.run_intake" in modules  # the upload route was built, it queues jobs
    loaded = [
        name
        for name in modules
        if any(name == root or name.startswith(root + ".") for root in WORKER_ONLY)
    ]
    assert loaded == []
