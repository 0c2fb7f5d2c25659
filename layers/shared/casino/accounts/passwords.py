"""Passwords (player-accounts.md): argon2id through argon2-cffi, and what a new one must be.

Pure: no I/O but reading the shipped list of common passwords once. A password is never
logged, returned or stored in clear: only its argon2id hash (PHC string, salt and parameters
inside) leaves this module. The parameters and their cost are in docs/decisions.md.

A password is normalised to Unicode NFKC before it is hashed or checked (NIST SP 800-63B,
5.1.1.2), so the same password typed on another keyboard or input method still matches.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from casino.errors import ValidationFailed

# OWASP's argon2id recommendation (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane.
# Measured in docs/decisions.md: about 27 ms on one x86 core, about 100 ms on a 512 MB arm64
# Lambda (a third of a vCPU). Changing them rehashes every password at its next login.
MEMORY_KIB = 19_456
TIME_COST = 2
PARALLELISM = 1
HASH_LEN = 32
SALT_LEN = 16

MIN_LENGTH = 10
MAX_LENGTH = 256  # characters: bounds the request and what is hashed
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")

_hasher = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_KIB,
    parallelism=PARALLELISM,
    hash_len=HASH_LEN,
    salt_len=SALT_LEN,
    type=Type.ID,
)

# The hash an unknown username is verified against, so that an unknown user and a wrong password
# cost the same time. Made once with the parameters above (of a random password nobody knows);
# tests/unit/test_accounts_policy.py checks that it still has them.
DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$7Omd6yB+k7eUVEcsjuzYBw$aGvedWRl+85Adl7xpjkVfUq2QaVpIrtgHzfD+ixAL8I"


def normalised(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string) of a password, with a fresh random salt."""
    return _hasher.hash(normalised(password))


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from. With no hash (an unknown
    user) the dummy hash is verified instead, so both cost one argon2id computation."""
    try:
        return _hasher.verify(stored_hash or DUMMY_HASH, normalised(password)) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (rehash it at login)."""
    return _hasher.check_needs_rehash(stored_hash)


def parameters_of(stored_hash: str) -> tuple[int, int, int]:
    """(memory KiB, time cost, parallelism) of a stored hash."""
    found = extract_parameters(stored_hash)
    return found.memory_cost, found.time_cost, found.parallelism


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded (see common_passwords.NOTICE.md)."""
    return frozenset(COMMON_PASSWORDS.read_text(encoding="utf-8").split("\n")) - {""}


def is_common(password: str) -> bool:
    return normalised(password).casefold() in common_passwords()


def check_presented(password: object, field: str = "password") -> str:
    """A password given to be verified (login, the old one of a change): a string of at most
    ``MAX_LENGTH`` characters. Its content is never judged here: a wrong one is ``unauthorized``."""
    if not isinstance(password, str) or not password or len(password) > MAX_LENGTH:
        raise ValidationFailed(f"{field}: a string of 1 to {MAX_LENGTH} characters", field=field)
    return password


def check_new(password: object, *, username: str, field: str = "password") -> str:
    """A password to be set: ``MIN_LENGTH`` to ``MAX_LENGTH`` characters, no control characters,
    not the username, not in the list of common passwords (compared case-folded). The refusal
    names the field and never repeats the password."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed(f"{field}: {MIN_LENGTH} to {MAX_LENGTH} characters", field=field)
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise ValidationFailed(f"{field}: control characters are not allowed", field=field)
    if normalised(password).casefold() == username.casefold():
        raise ValidationFailed(f"{field}: must not be the username", field=field)
    if is_common(password):
        raise ValidationFailed(f"{field}: too common, it is in a list of leaked passwords; choose another", field=field)
    return password
