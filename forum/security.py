"""Passwords, random tokens and CSRF tokens."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("chaupal-dummy-password")


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(secret_key: str, binding: str) -> str:
    """A CSRF token bound to the session (or anonymous) cookie value."""
    mac = hmac.new(secret_key.encode(), f"csrf:{binding}".encode(), hashlib.sha256)
    return mac.hexdigest()


def csrf_valid(secret_key: str, binding: str, supplied: str) -> bool:
    return bool(binding) and hmac.compare_digest(csrf_token(secret_key, binding), supplied or "")
