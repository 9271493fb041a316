"""Operations tests: the production steps of README as an operator runs them."""

from __future__ import annotations

import secrets

import pytest


@pytest.fixture(scope="session")
def secret() -> str:
    return secrets.token_urlsafe(32)
