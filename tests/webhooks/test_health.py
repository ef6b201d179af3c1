"""/healthz and /readyz: what an operator (or a load balancer) sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import make_engine, make_session_factory
from tests.webhooks.conftest import make_settings
from webhooks.app import create_app


def test_healthz_answers_without_touching_the_database(tmp_path: Path) -> None:
    broken = make_session_factory(make_engine(f"sqlite:///{tmp_path}/missing-dir/x.db"))
    with TestClient(create_app(make_settings(), broken)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_when_everything_is_in_place(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {
        "database",
        "schema",
        "github_app",
        "webhook_secret",
        "junit_reader",
    }
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_says_which_junit_reader_is_built(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.reports.formats import junit_cases

    expected = "compiled" if junit_cases.WHY_PYTHON is None else "pure Python"
    assert client.get("/readyz").json()["checks"]["junit_reader"]["detail"].startswith(expected)
    monkeypatch.setattr(junit_cases, "WHY_PYTHON", "no C compiler")
    response = client.get("/readyz")
    assert response.status_code == 200  # informational: the pure-Python reader works too
    assert response.json()["checks"]["junit_reader"] == {
        "ok": True,
        "detail": "pure Python, slower on big reports (no C compiler)",
    }


def test_readyz_names_missing_credentials(session_factory: sessionmaker[Session]) -> None:
    settings = make_settings(app_id=None, private_key=None, webhook_secret=None)
    with TestClient(create_app(settings, session_factory)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["github_app", "webhook_secret"]
    assert body["checks"]["github_app"]["detail"] == (
        "missing LOOPWATCH_APP_ID and LOOPWATCH_PRIVATE_KEY or LOOPWATCH_PRIVATE_KEY_PATH"
    )
    assert body["checks"]["webhook_secret"]["detail"] == "missing LOOPWATCH_WEBHOOK_SECRET"
    assert body["checks"]["database"]["ok"] and body["checks"]["schema"]["ok"]


def test_readyz_reports_an_unmigrated_database(sqlite_url: str) -> None:
    factory = make_session_factory(make_engine(sqlite_url))
    with TestClient(create_app(make_settings(), factory)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["schema"]
    assert "loopwatch migrate" in body["checks"]["schema"]["detail"]


def test_readyz_reports_an_unreachable_database(tmp_path: Path) -> None:
    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path}/no/such/dir/x.db"))
    with TestClient(create_app(make_settings(), factory)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database", "schema"]
    assert body["checks"]["database"]["detail"].startswith("database unreachable")


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        ("not a key", "is not a usable PEM private key"),
        (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode(),
            "is not an RSA key",
        ),
    ],
)
def test_readyz_reports_an_unusable_private_key(
    session_factory: sessionmaker[Session], pem: str, message: str
) -> None:
    settings = make_settings(private_key=SecretStr(pem))
    with TestClient(create_app(settings, session_factory)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["github_app"]
    assert message in response.json()["checks"]["github_app"]["detail"]
