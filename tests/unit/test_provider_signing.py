import hashlib
import hmac

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


def test_hmac_sha256_covers_command_timestamp_and_raw_body() -> None:
    raw = b'{"command":"balance","data":{}}'
    expected = hmac.new(b"k", b"balance\n1795317374183\n" + raw, hashlib.sha256).hexdigest()
    assert signing.request_authorization("balance", "1795317374183", raw, "k") == expected
    assert signing.request_authorization("balance", "1795317374183", raw + b" ", "k") != expected
    assert signing.request_authorization("ping", "1795317374183", b"", "k") == (
        hmac.new(b"k", b"ping\n1795317374183\n", hashlib.sha256).hexdigest()
    )
    assert signing.response_signature("1795317374183", b"{}", "k") == (
        hmac.new(b"k", b"1795317374183\n{}", hashlib.sha256).hexdigest()
    )


def test_same_never_raises_on_odd_text() -> None:
    expected = signing.authorization("ping", "s3cret")
    for given in ("\ud800", "é" * 100, "1" * 5000, " " + expected + " "):
        assert signing.same(given, expected) == (given.strip() == expected)
    assert signing.any_same(expected, ["0" * 40, expected])
    assert not signing.any_same(expected, [])


def test_odd_timestamps_are_none_never_an_error() -> None:
    arabic = "\u0661\u0667\u0669\u0665\u0663\u0661\u0667\u0663\u0667\u0664\u0661\u0668\u0663"
    for value in (arabic, "1" * 5000, "", "NOW", "2026-11-22T03:16:14+99:00", "\ud800"):
        assert parse_timestamp_ms(value) is None, value
    assert parse_timestamp_ms("9999-12-31T23:59:59-23:59") == 253402387139000
