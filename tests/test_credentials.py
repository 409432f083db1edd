"""Unit tests for the pure key rules: validation, masking, legacy collapse."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartmogul_compat import (
    ConfigurationError,
    LegacyCredentialsWarning,
    SecretKeyMismatchWarning,
)
from chartmogul_compat._credentials import (
    collapse_legacy,
    describe_key_problem,
    mask_key,
    validate_key,
)

KEY = "cm_live_5f0c2b9e8d7a41c3"
OTHER = "cm_live_0aa11bb22cc33dd4"

# Printable ASCII without whitespace or ':' is exactly what a key may hold.
key_chars = st.sampled_from(
    sorted(set(string.printable) - set(string.whitespace) - {":"})
)
valid_keys = st.text(key_chars, min_size=1, max_size=80)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is empty"),
        ("key\n", "has a trailing newline"),
        ("key\r\n", "has a trailing newline"),
        (" key", "has leading whitespace"),
        ("\tkey", "has leading whitespace"),
        ("key ", "has trailing whitespace"),
        ("ke y", "contains whitespace (character 3)"),
        ("a:b", "contains ':' (character 2), which Basic Auth cannot send"),
        ("kéy", "contains a non-ASCII character (character 2)"),
        ("k\x00y", "contains a control character (character 2)"),
        ("k\x7fy", "contains a control character (character 2)"),
    ],
    ids=[
        "empty",
        "newline",
        "crlf",
        "leading-space",
        "leading-tab",
        "trailing-space",
        "inner-space",
        "colon",
        "non-ascii",
        "nul",
        "del",
    ],
)
def test_describe_key_problem_names_each_problem(value: str, problem: str) -> None:
    assert describe_key_problem(value) == problem


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "api_key must be a str, not int"),
        (None, "api_key must be a str, not NoneType"),
        (
            b"key",
            "api_key must be a str, not bytes; decode it first, for example "
            "value.decode('ascii')",
        ),
    ],
    ids=["int", "none", "bytes"],
)
def test_validate_key_rejects_non_strings(value: object, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate_key(value, "api_key")
    assert str(caught.value) == message


def test_validate_key_message_names_parameter_and_fix_without_value() -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate_key(KEY + "\n", "secret_key")
    assert str(caught.value) == (
        "secret_key has a trailing newline; copy the API key again from "
        "ChartMogul (Profile > API keys)"
    )


@given(valid_keys)
def test_validate_key_accepts_every_printable_ascii_key(key: str) -> None:
    assert validate_key(key, "api_key") == key


# Twelve characters with no space cannot occur by chance in the fixed text.
@given(
    st.text(key_chars, min_size=12, max_size=40),
    st.sampled_from([" ", "\t", "\n", ":", "é", "\x00", "\u2028"]),
)
def test_validate_key_error_never_contains_the_key(key: str, bad: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate_key(key + bad + key, "api_key")
    message = str(caught.value)
    assert key not in message
    assert re.fullmatch(
        r"api_key (has|contains) [^;]+; copy the API key again from ChartMogul "
        r"\(Profile > API keys\)",
        message,
    )


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("abcdefghijkl", "****ijkl"),
        (KEY, "****41c3"),
        ("abcdefghijk", "****"),
        ("a", "****"),
    ],
    ids=["twelve", "long", "eleven", "one"],
)
def test_mask_key_shows_last_four_of_long_keys_only(key: str, masked: str) -> None:
    assert mask_key(key) == masked


@given(valid_keys)
def test_mask_key_reveals_at_most_four_characters(key: str) -> None:
    masked = mask_key(key)
    assert masked.startswith("****")
    assert len(masked) - 4 <= 4
    assert masked[4:] == (key[-4:] if len(key) >= 12 else "")


@pytest.mark.parametrize(
    ("token", "secret", "expected_key", "category"),
    [
        (KEY, KEY, KEY, LegacyCredentialsWarning),
        (KEY, "", KEY, LegacyCredentialsWarning),
        (KEY, None, KEY, LegacyCredentialsWarning),
        ("", KEY, KEY, LegacyCredentialsWarning),
        (None, KEY, KEY, LegacyCredentialsWarning),
        (KEY, OTHER, KEY, SecretKeyMismatchWarning),
    ],
    ids=[
        "same",
        "secret-empty",
        "secret-none",
        "token-empty",
        "token-none",
        "different",
    ],
)
def test_collapse_legacy_follows_the_table(
    token: str | None,
    secret: str | None,
    expected_key: str,
    category: type[Warning],
) -> None:
    collapsed = collapse_legacy(token, secret)
    assert collapsed.api_key == expected_key
    assert collapsed.category is category
    assert KEY not in collapsed.message
    assert OTHER not in collapsed.message


@pytest.mark.parametrize(
    ("token", "secret"),
    [("", ""), (None, None), ("", None)],
    ids=["both-empty", "both-none", "empty-and-none"],
)
def test_collapse_legacy_without_any_value_is_an_error(
    token: str | None, secret: str | None
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        collapse_legacy(token, secret)
    assert str(caught.value) == (
        "account_token and secret_key are both empty; pass your API key as "
        "Config(api_key)"
    )


def test_collapse_legacy_validates_the_secret_too() -> None:
    with pytest.raises(ConfigurationError) as caught:
        collapse_legacy(KEY, KEY + "\n")
    assert str(caught.value).startswith("secret_key has a trailing newline")


def test_collapse_legacy_repr_masks_the_key() -> None:
    collapsed = collapse_legacy(KEY, KEY)
    assert repr(collapsed) == (
        "LegacyCollapse(api_key='****41c3', LegacyCredentialsWarning)"
    )


@given(valid_keys, valid_keys)
def test_collapse_legacy_always_uses_the_token_when_both_given(
    token: str, secret: str
) -> None:
    collapsed = collapse_legacy(token, secret)
    assert collapsed.api_key == token
    expected = LegacyCredentialsWarning if token == secret else SecretKeyMismatchWarning
    assert collapsed.category is expected
