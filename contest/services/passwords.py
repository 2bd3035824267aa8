"""Argon2id password hashing at the OWASP minimum (S5)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from contest.services.i18n import _

# OWASP: m = 19 MiB, t = 2, p = 1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


@functools.cache
def _dummy_hash() -> str:
    """A fixed hash to verify against when the account does not exist, so timing does not
    reveal which phone numbers are registered (made on first use, not at start-up)."""
    return _hasher.hash("không có tài khoản này")


MIN_LENGTH = 8


def hash_password(password: str) -> str:
    """The Argon2id hash to store."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, False after the same
    work, so the answer takes as long either way."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters (or is not a valid hash)."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def password_problem(password: str) -> str | None:
    """What is wrong with a new password (too short, too long, too easy), or None."""
    if len(password or "") < MIN_LENGTH:
        return _("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_LENGTH)
    if len(password) > 128:
        return _("Mật khẩu dài tối đa 128 ký tự.")
    if password.isdigit() and len(set(password)) <= 2:
        return _("Mật khẩu quá dễ đoán. Vui lòng dùng cả chữ và số.")
    return None
