import hashlib

from casino.provider import signing
from casino.provider.http import parse_timestamp_ms


def test_hashes_are_the_seed_formulas() -> None:
    assert signing.authorization("ping", "s3cret") == hashlib.sha1(b"pings3cret").hexdigest()
    assert signing.request_hash("balance", "1795317374183", "k") == hashlib.sha1(b"balance1795317374183k").hexdigest()
    assert signing.response_hash("OK", "1795317374183", "k") == hashlib.sha1(b"OK1795317374183k").hexdigest()


def test_same_accepts_only_the_expected_hash() -> None:
    expected = signing.authorization("ping", "s3cret")
    assert signing.same(expected, expected)
    assert signing.same(expected.upper(), expected)
    assert not signing.same(None, expected)
    assert not signing.same("", expected)
    assert not signing.same(expected[:-1] + "0" if expected[-1] != "0" else expected[:-1] + "1", expected)


def test_request_timestamps_are_epoch_ms_or_iso_with_offset() -> None:
    assert parse_timestamp_ms("1795317374183") == 1795317374183
    assert parse_timestamp_ms("2026-11-22T03:16:14.183+00:00") == 1795317374183
    assert parse_timestamp_ms("2026-11-22T03:16:14.183Z") == 1795317374183
    assert parse_timestamp_ms("2026-11-22T03:16:14") is None  # no offset: ambiguous
    assert parse_timestamp_ms("17953173741") is None
    assert parse_timestamp_ms(1795317374183) is None
