"""Fixtures for the web side: an app on a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from githubkit.webhooks import sign
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, RunFile
from bot.adapters.store.run_files import read_run_file
from bot.adapters.tokens import create_upload_token
from webhooks.app import create_app

WEBHOOK_SECRET = "It's a Secret to Everybody"
REPO = "octo-org/widgets"
OTHER_REPO = "octo-org/gadgets"
UPLOAD_LIMIT = 64 * 1024


@lru_cache(maxsize=1)
def app_private_key() -> str:
    """A real RSA key (readyz checks that the App's key can sign), made once per session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": 4242,
        "private_key": SecretStr(app_private_key()),
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
        "database_url": "sqlite:///unused.db",
        "max_upload_bytes": UPLOAD_LIMIT,
        "public_url": "https://loopwatch.example",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, session_factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def token(session_factory: sessionmaker[Session]) -> str:
    with transaction(session_factory) as session:
        return create_upload_token(session, REPO, "CI")


@pytest.fixture
def other_token(session_factory: sessionmaker[Session]) -> str:
    with transaction(session_factory) as session:
        return create_upload_token(session, OTHER_REPO)


def count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored_files(factory: sessionmaker[Session]) -> list[tuple[str, bytes]]:
    """Every stored report file as (filename, bytes), read back as the worker reads them."""
    with factory() as session:
        rows = session.execute(select(RunFile.id, RunFile.filename).order_by(RunFile.id)).all()
        return [(filename, read_run_file(session, file_id)) for file_id, filename in rows]


def process_jobs(factory: sessionmaker[Session]) -> int:
    """``process_run`` jobs: one per stored run (a sync job may be queued beside them)."""
    with factory() as session:
        return int(
            session.scalar(select(func.count()).select_from(Job).where(Job.kind == "process_run"))
            or 0
        )


def metadata(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "repository": REPO,
        "campaign": "staging-e2e",
        "commit_sha": "a" * 40,
        "branch": "main",
        "workflow": "e2e",
        "workflow_run_id": 1234567,
        "run_attempt": 1,
    }
    values.update(overrides)
    return values


JUNIT = b"""<?xml version="1.0"?>
<testsuite name="e2e" tests="1" failures="0"><testcase classname="t" name="ok"/></testsuite>
"""


Part = tuple[str, str | None, bytes]  # (name, filename or None for a text field, bytes)


def multipart_body(parts: list[Part], boundary: str = "loopwatch-test-boundary") -> bytes:
    """A multipart/form-data body built by hand, so tests control every byte."""
    out = bytearray()
    for name, filename, content in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += disposition.encode() + b"\r\n"
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


MULTIPART = "multipart/form-data; boundary=loopwatch-test-boundary"


def run_parts(
    meta: dict[str, Any] | bytes | None, files: list[tuple[str, bytes]] | None = None
) -> list[Part]:
    parts: list[Part] = []
    if isinstance(meta, dict):
        parts.append(("metadata", None, json.dumps(meta).encode()))
    elif meta is not None:
        parts.append(("metadata", None, meta))
    for name, content in [("junit.xml", JUNIT)] if files is None else files:
        parts.append(("files", name, content))
    return parts


def post_run(
    client: TestClient,
    token: str | None,
    meta: dict[str, Any] | bytes | None,
    files: list[tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
    parts: list[Part] | None = None,
) -> Any:
    """POST /api/v1/runs; ``meta`` as a dict (JSON-encoded) or raw bytes."""
    all_headers = {"Content-Type": MULTIPART, **(headers or {})}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    body = multipart_body(parts if parts is not None else run_parts(meta, files))
    return client.post("/api/v1/runs", content=body, headers=all_headers)


def signed_headers(
    body: bytes, event: str, delivery_id: str, secret: str = WEBHOOK_SECRET
) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-Hub-Signature-256": sign(secret, body, "sha256"),
        "Content-Type": "application/json",
    }
