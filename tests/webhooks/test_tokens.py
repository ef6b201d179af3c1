"""Upload tokens: shown once, stored hashed, scoped to one repository, revocable."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Repository, UploadToken
from bot.adapters.tokens import (
    AmbiguousTokenPrefix,
    InvalidRepositoryName,
    authenticate_upload_token,
    create_upload_token,
    list_upload_tokens,
    normalize_repo_full_name,
    revoke_upload_token,
)


def test_token_is_stored_as_a_hash_only(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        token = create_upload_token(session, "Octo-Org/Widgets", "nightly CI")
    assert token.startswith("lw_") and len(token) == 3 + 43
    with session_factory() as session:
        row = session.scalars(select(UploadToken)).one()
        repo = session.get(Repository, row.repository_id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.prefix)
    assert token.startswith(row.prefix)
    assert repo is not None and repo.full_name == "octo-org/widgets"


def test_authenticate_finds_live_tokens_only(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        token = create_upload_token(session, "octo-org/widgets")
        second = create_upload_token(session, "octo-org/widgets")
    with transaction(session_factory) as session:
        found = authenticate_upload_token(session, token)
        assert found is not None
        assert authenticate_upload_token(session, token[:-1] + "x") is None
        assert authenticate_upload_token(session, "") is None
        assert authenticate_upload_token(session, "lw_" + "a" * 500) is None
        assert revoke_upload_token(session, token) is not None
    with transaction(session_factory) as session:
        assert authenticate_upload_token(session, token) is None
        assert authenticate_upload_token(session, second) is not None  # the other still works


def test_tokens_of_one_repository_share_its_row(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        create_upload_token(session, "octo-org/widgets")
        create_upload_token(session, "OCTO-ORG/widgets")
        create_upload_token(session, "octo-org/gadgets")
    with session_factory() as session:
        assert len(session.scalars(select(Repository)).all()) == 2


def test_list_and_revoke_by_prefix_or_id(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        token = create_upload_token(session, "octo-org/widgets", "CI")
        other = create_upload_token(session, "octo-org/gadgets")
    with transaction(session_factory) as session:
        listed = list_upload_tokens(session)
        assert [(t.repository, t.active) for t in listed] == [
            ("octo-org/widgets", True),
            ("octo-org/gadgets", True),
        ]
        assert "octo-org/widgets" in str(listed[0]) and "CI" in str(listed[0])
        assert token not in str(listed[0])
        revoked = revoke_upload_token(session, listed[0].prefix)
        assert revoked is not None and revoked.revoked_at is not None
        assert revoke_upload_token(session, str(listed[1].id)) is not None  # as the CLI passes it
        assert revoke_upload_token(session, "lw_nothing") is None
        assert revoke_upload_token(session, 9999) is None
    with transaction(session_factory) as session:
        assert list_upload_tokens(session, include_revoked=False) == []
        assert [t.repository for t in list_upload_tokens(session, "octo-org/gadgets")] == [
            "octo-org/gadgets"
        ]
        assert authenticate_upload_token(session, other) is None


def test_ambiguous_prefix_is_refused(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        create_upload_token(session, "octo-org/widgets")
        create_upload_token(session, "octo-org/widgets")
        rows = session.scalars(select(UploadToken)).all()
        for row in rows:
            row.prefix = "lw_same"
    with transaction(session_factory) as session, pytest.raises(AmbiguousTokenPrefix):
        revoke_upload_token(session, "lw_same")


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("Octo-Org/Widgets", "octo-org/widgets"), (" a/b.c_d-e ", "a/b.c_d-e")],
)
def test_repository_names_are_normalized(name: str, normalized: str) -> None:
    assert normalize_repo_full_name(name) == normalized


@pytest.mark.parametrize(
    "name", ["widgets", "a/b/c", "/b", "a/", "-a/b", "a/..", "a b/c", "a/" + "x" * 101]
)
def test_invalid_repository_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidRepositoryName, match="owner/name"):
        normalize_repo_full_name(name)
