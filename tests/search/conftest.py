"""Search tests share the app fixtures of tests/conftest.py; passwords are hashed cheaply here
because these tests are about search, not about password storage."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from forum import security


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
