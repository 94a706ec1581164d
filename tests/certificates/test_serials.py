"""Serials: their format, and a check character that catches every single-character substitution and
every adjacent transposition (ISO 7064 MOD 37-2)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from academy.certificates.serials import (
    ALPHABET,
    InvalidSerial,
    Serial,
    check_character,
    check_holds,
    format_serial,
    parse_serial,
)
from academy.tracks import Track

REGIONS = ["UZ-TK", "UZ-TO", "UZ-AN", "UZ-BU", "UZ-FA", "UZ-JI", "UZ-NG", "UZ-NW", "UZ-QA", "UZ-SA"]
serials = st.builds(
    Serial,
    st.sampled_from(list(Track)),
    st.integers(2020, 2099),
    st.sampled_from([*REGIONS, None]),
    st.integers(0, 999_999),
)


def test_the_iso_7064_reference_value() -> None:
    # ISO 7064 MOD 37-2 of "G123498654321" is "H" (the standard's worked example, as python-stdnum has it).
    assert check_character("G123498654321") == "H"


def test_format_and_parse() -> None:
    serial = format_serial(Track.BPO, 2026, "UZ-SA", 123)
    assert serial.startswith("BPO-2026-UZ-SA-000123-")
    assert parse_serial(serial) == Serial(Track.BPO, 2026, "UZ-SA", 123)
    online = format_serial(Track.KPO, 2027, None, 5)
    assert online.startswith("KPO-2027-ONLINE-000005-")
    assert parse_serial(online).region_code is None


def test_typed_serials_are_read_generously() -> None:
    serial = format_serial(Track.BPO, 2026, "UZ-TK", 42)
    assert parse_serial(f"  {serial.lower()} ") == parse_serial(serial)
    assert parse_serial(serial.replace("-", "\u2013")) == parse_serial(serial)


@pytest.mark.parametrize(
    "text",
    ["", "BPO-2026-UZ-SA-000123", "XPO-2026-UZ-SA-000123-7", "BPO-26-UZ-SA-000123-7", "BPO-2026-SA-000123-7"],
)
def test_malformed_serials_are_refused(text: str) -> None:
    with pytest.raises(InvalidSerial):
        parse_serial(text)


@settings(max_examples=300)
@given(serials)
def test_every_formatted_serial_parses_back(serial: Serial) -> None:
    assert parse_serial(str(serial)) == serial


def _alphanumeric_positions(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c != "-"]


@settings(max_examples=200)
@given(serials)
def test_every_single_substitution_is_caught(serial: Serial) -> None:
    text = str(serial)
    for i in _alphanumeric_positions(text):
        for replacement in ALPHABET:
            if replacement != text[i]:
                typo = text[:i] + replacement + text[i + 1 :]
                assert not check_holds(typo), typo


@settings(max_examples=300)
@given(serials)
def test_every_adjacent_transposition_is_caught(serial: Serial) -> None:
    text = str(serial)
    positions = _alphanumeric_positions(text)  # adjacent among the alphanumerics, across hyphens too
    for i, j in itertools.pairwise(positions):
        if text[i] != text[j]:
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            swapped = "".join(chars)
            assert not check_holds(swapped), swapped
            with pytest.raises(InvalidSerial):
                parse_serial(swapped)
