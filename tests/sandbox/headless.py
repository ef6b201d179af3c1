"""Debian's chromium, headless, driven over the DevTools protocol through a pipe.

``--remote-debugging-pipe`` reads JSON commands on fd 3 and answers on fd 4, each message
ended by a NUL byte: no websocket library and no open port. Enough to open a page, wait for
its scripts, read values out of it and take a screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.env import in_ci

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-pipe",
]


def chromium_or_skip() -> Path:
    """The browser; a skip with the reason without it, a failure under CI=true."""
    found = CHROMIUM if CHROMIUM.is_file() else None
    if found is None and (on_path := shutil.which("chromium")):
        found = Path(on_path)
    if found is None:
        message = f"{CHROMIUM} not found (apt-get install -y chromium)"
        if in_ci():
            pytest.fail(message + " (CI=true: the browser checks must run)")
        pytest.skip(reason=message)
    return found


class DevToolsError(RuntimeError):
    pass


class HeadlessChromium:
    """One browser process; ``open`` a page, then ``evaluate`` and ``screenshot`` in it."""

    def __init__(self, binary: Path, profile: Path, width: int = 1000, height: int = 900) -> None:
        self.width, self.height = width, height
        commands_read, commands_write = _high_pipe()
        answers_read, answers_write = _high_pipe()

        def wire() -> None:  # in the child, before exec: fd 3 in, fd 4 out
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self._process = subprocess.Popen(
            [str(binary), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire,
            close_fds=False,  # our pipe ends are close-on-exec; fds 3 and 4 are not
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(answers_write)
        self._out, self._in = commands_write, answers_read
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        self.requested_urls: list[str] = []  # every request the page made (Network events)

    def send(self, method: str, timeout_s: float = 30.0, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self._session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while True:
            answer = self._read(deadline)
            if answer.get("method") == "Network.requestWillBeSent":
                self.requested_urls.append(answer["params"]["request"]["url"])
            if answer.get("id") != self._next_id:
                continue
            if "error" in answer:
                raise DevToolsError(f"{method}: {answer['error']}")
            result: dict[str, Any] = answer["result"]
            return result

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise DevToolsError("chromium did not answer in time")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise DevToolsError("chromium exited")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=self.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float = 30.0) -> bool:
        """Poll until ``expression`` is true in the page; False when time runs out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return True
            time.sleep(0.2)
        return False

    def screenshot(self, path: Path) -> Path:
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(DevToolsError, OSError):  # it may go before answering
            self.send("Browser.close", timeout_s=5)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._out)
        os.close(self._in)


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are above 4 (so dup2 onto 3 and 4 cannot clobber one of them)."""
    low = os.pipe()
    read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in low)
    for fd in low:
        os.close(fd)
    return read, write
