"""Serve the sandbox with uvicorn (``loopwatch sandbox``), in the foreground or in a thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace

import uvicorn

from loopwatch_sandbox.app import create_app
from loopwatch_sandbox.config import SandboxConfig


def _with_base_url(config: SandboxConfig, host: str, port: int) -> SandboxConfig:
    """Default the public URL to where we listen, unless one was configured."""
    if config.base_url and config.base_url != SandboxConfig.base_url:
        return config
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    return replace(config, base_url=f"http://{shown}:{port}")


def run_sandbox(host: str, port: int, config: SandboxConfig, log_level: str = "info") -> None:
    """Serve until interrupted."""
    app = create_app(_with_base_url(config, host, port))
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class BackgroundSandbox:
    """A sandbox over real HTTP in a thread (tests, ``loopwatch demo``); a context manager."""

    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.port = port or free_port(host)
        self.config = _with_base_url(config, host, self.port)
        self.app = create_app(self.config)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host=host, port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return self.config.root

    def start(self, timeout_s: float = 10.0) -> BackgroundSandbox:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundSandbox:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
