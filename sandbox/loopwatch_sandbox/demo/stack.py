"""The demo's running parts: the sandbox and the web service over real HTTP, a worker."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.queue.worker import Worker
from bot.adapters.settings import Settings
from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Job, utcnow
from bot.adapters.store.schema import upgrade_to_head
from bot.service import build_worker
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.config import DEFAULT_PERMISSIONS
from loopwatch_sandbox.keys import generate_rsa_keypair
from webhooks.app import create_app as create_web_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """A uvicorn server on a loopback port in a background thread."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"server at {self.url} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class DemoStack:
    sandbox_url: str
    web_url: str
    settings: Settings
    session_factory: sessionmaker[Session]
    worker: Worker

    def drain(self, timeout_s: float = 60.0) -> int:
        """Run the worker until no job is queued or running (waiting for delayed ones, but
        not for jobs due later than a minute from now, such as the end of a mute)."""
        done = 0
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done += asyncio.run(self.worker.run_until_idle())
            horizon = utcnow() + timedelta(minutes=1)
            with self.session_factory() as session:
                pending = session.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.status.in_(("queued", "running")), Job.run_at <= horizon)
                )
            if not pending:
                return done
            time.sleep(0.2)
        raise TimeoutError("jobs still pending after the demo's time limit")


@contextlib.contextmanager
def demo_stack(workdir: Path) -> Iterator[DemoStack]:
    """Start sandbox + web on loopback ports with a fresh SQLite database in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "loopwatch-demo.db"
    for leftover in workdir.glob("loopwatch-demo.db*"):
        leftover.unlink()
    private_pem, public_pem = generate_rsa_keypair()
    secret = secrets.token_hex(16)
    sandbox_port, web_port = free_port(), free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    sandbox = ServerThread(
        create_app(
            SandboxConfig(
                app_id=4242,
                app_public_key_pem=public_pem,
                base_url=f"http://127.0.0.1:{sandbox_port}",
                webhook_url=f"{web_url}/webhooks/github",
                webhook_secret=secret,
                # What app.yml asks for (the sandbox's default leaves Actions read-only).
                app_permissions={**DEFAULT_PERMISSIONS, "actions": "write"},
            )
        ),
        sandbox_port,
    )
    settings = Settings(
        app_id=4242,
        private_key=private_pem,
        webhook_secret=secret,
        database_url=f"sqlite:///{database}",
        github_api_url=sandbox.url,
        public_url=web_url,
        # The sandbox plays GitHub Actions' OIDC issuer for secret-less uploads.
        oidc_issuer=f"{sandbox.url}/_sandbox/oidc",
        write_pause_s=0.05,
        notify_pause_s=0.1,
        sync_debounce_s=1.0,
        log_format="console",
        log_level="WARNING",
    )
    upgrade_to_head(settings.sqlalchemy_url)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    web = ServerThread(create_web_app(settings, factory), web_port)
    sandbox.start()
    web.start()
    try:
        yield DemoStack(
            sandbox_url=sandbox.url,
            web_url=web.url,
            settings=settings,
            session_factory=factory,
            worker=build_worker(settings, factory),
        )
    finally:
        web.stop()
        sandbox.stop()
