"""Password login's pure rules (casino.accounts.passwords, casino.accounts.policy): argon2id and
its parameters, what a new password must be, usernames, and how a lock is explained."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type

from casino import error_map
from casino.accounts import passwords, policy
from casino.errors import ValidationFailed

PW = "Tangerine-Lighthouse-73"


def test_hashes_are_argon2id_with_the_chosen_parameters_and_a_fresh_salt() -> None:
    first, second = passwords.hash_password(PW), passwords.hash_password(PW)
    assert first != second  # a random salt each time
    found = extract_parameters(first)
    assert found.type is Type.ID
    assert (found.memory_cost, found.time_cost, found.parallelism) == (19_456, 2, 1)
    assert (found.salt_len, found.hash_len) == (16, 32)
    assert PW not in first


def test_verify_takes_only_the_password_it_was_made_from() -> None:
    stored = passwords.hash_password(PW)
    assert passwords.verify(stored, PW)
    assert not passwords.verify(stored, PW.lower())
    assert not passwords.verify(stored, PW + " ")
    assert not passwords.verify("not a hash at all", PW)


def test_an_unknown_user_is_verified_against_the_dummy_hash_and_never_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = passwords._hasher

    class Spy:
        def verify(self, stored: str, password: str) -> bool:
            seen.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    assert not passwords.verify(None, PW)
    assert seen == [passwords.DUMMY_HASH]  # one argon2id computation, as for a known user


def test_the_dummy_hash_has_todays_parameters() -> None:
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)
    assert passwords.parameters_of(passwords.DUMMY_HASH) == (
        passwords.MEMORY_KIB,
        passwords.TIME_COST,
        passwords.PARALLELISM,
    )


def test_a_hash_with_other_parameters_needs_a_rehash() -> None:
    older = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PW)
    assert passwords.verify(older, PW)  # still verifies
    assert passwords.needs_rehash(older)
    assert not passwords.needs_rehash(passwords.hash_password(PW))


def test_passwords_are_compared_in_nfkc() -> None:
    stored = passwords.hash_password(
        "".join(chr(ord(c) + 0xFEE0) for c in "Tangerine") + "-Lighthouse-73"
    )  # full-width letters
    assert passwords.verify(stored, PW)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short-1", "10 to 256"),
        ("x" * 257, "10 to 256"),
        (None, "10 to 256"),
        (1234567890123, "10 to 256"),
        ("tab\tin-the-middle", "control"),
        ("null\x00in-the-middle", "control"),
        ("Player.One-x", "username"),
        ("password123", "common"),
        ("PASSWORD123", "common"),
        ("QwErTyUiOp", "common"),
        ("".join(chr(ord(c) + 0xFEE0) for c in "1234567890"), "common"),  # full-width digits
    ],
)
def test_a_new_password_is_refused_naming_the_field_and_never_repeating_it(password: object, reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        passwords.check_new(password, username="player.one-x", field="new_password")
    assert refused.value.field == "new_password" and reason in refused.value.message
    assert str(password) not in refused.value.message


@pytest.mark.parametrize(
    "password", ["correct-horse-battery-1", "a" * 10 + " spaces ok", "x" * 256, "Ünïcødé-pässwörd"]
)
def test_a_new_password_that_passes(password: str) -> None:
    assert passwords.check_new(password, username="ana") == password


def test_the_shipped_list_of_common_passwords_is_real() -> None:
    common = passwords.common_passwords()
    assert 10_000 <= len(common) <= 100_000
    assert {"qwertyuiop", "1234567890", "password123", "1q2w3e4r5t"} <= common
    assert all(word == word.casefold() and word.strip() == word for word in common)
    assert "correct-horse-battery-1" not in common


def test_a_presented_password_is_only_bounded() -> None:
    assert passwords.check_presented("short") == "short"  # judged by verification, not here
    for bad in ("", "x" * 257, None, 5):
        with pytest.raises(ValidationFailed) as refused:
            passwords.check_presented(bad, "old_password")
        assert refused.value.field == "old_password"


@pytest.mark.parametrize(
    ("given", "stored"), [("ana", "ana"), ("Ana", "ana"), ("A.N-A_9", "a.n-a_9"), ("x" * 32, "x" * 32)]
)
def test_usernames_are_case_folded(given: str, stored: str) -> None:
    assert policy.username(given) == stored


@pytest.mark.parametrize("given", ["ab", "x" * 33, "has space", "ünï", "\u212aelvin", "\u017fam", "a/b", "", None, 42])
def test_bad_usernames_are_refused_naming_the_field(given: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        policy.username(given)
    assert refused.value.field == "username"


def test_the_lockout_limits_are_the_specs() -> None:
    assert (policy.ACCOUNT.max_failures, policy.ACCOUNT.window_ms, policy.ACCOUNT.lock_ms) == (5, 900_000, 900_000)
    assert (policy.ADDRESS.max_failures, policy.ADDRESS.window_ms, policy.ADDRESS.lock_ms) == (20, 900_000, 900_000)


def test_a_lock_says_how_long_to_wait_and_maps_to_429() -> None:
    counter = {"failures": 5, "window_start": 1_000, "last_at": 61_000}
    assert policy.retry_after_ms(counter, policy.ACCOUNT, 61_000) == 900_000
    assert policy.retry_after_ms(counter, policy.ACCOUNT, 61_000 + 900_000) == 0
    assert policy.retry_after_ms(None, policy.ACCOUNT, 0) == 0
    refused = policy.too_many(policy.ACCOUNT, counter, 61_000 + 60_500)
    assert refused.code == "rate_limited" and refused.details == {"retry_after_s": 840, "retryable": True}
    assert "14 minute" in refused.message and "account" in refused.message
    assert "address" in policy.too_many(policy.ADDRESS, counter, 61_000).message
    assert error_map.http_status(refused) == 429
