"""Secrets: API tokens and session ids (kept as SHA-256 only) and passwords (argon2)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "kvt_"
_hasher = PasswordHasher()


def new_token() -> str:
    """A fresh bearer token; shown once, never stored in clear."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    """A random value for session ids and CSRF tokens."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are long random strings, so a fast unsalted hash is enough to look them up."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: list[str] = []  # one argon2 hash of a random secret, made on first use


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[0]


def check_password(password: str, stored: str | None) -> bool:
    """Check a login's password with exactly one argon2 verification, whatever the account.

    An unknown user (``stored`` is None) or one without a usable password (a sign-on
    user) is checked against a dummy hash made with the same parameters, so the time
    an answer takes does not tell whether the account exists.
    """
    usable = stored is not None and stored.startswith("$argon2")
    right = verify_password(password, stored if usable and stored else _dummy_hash())
    return usable and right


def same(a: str, b: str) -> bool:
    """Compare secrets in constant time."""
    return secrets.compare_digest(a.encode(), b.encode())
