"""Certificate serials: ``<TRACK>-<YEAR>-<REGION or ONLINE>-<number>-<check>``, e.g.
``BPO-2026-UZ-SA-000123-1``, and their check character.

The check character is ISO 7064 MOD 37-2 over the serial's letters and digits (hyphens left out):
a pure system with the prime modulus 37 and radix 2, so it catches every single-character
substitution and every transposition of two adjacent characters, the check character included.
Its alphabet is ``0-9``, ``A-Z`` and ``*`` (the 37th value, which only the check character can take).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from academy.errors import DomainError
from academy.tracks import Track

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
MODULUS = len(ALPHABET)  # 37, a prime
ONLINE = "ONLINE"
NUMBER_DIGITS = 6
_SERIAL = re.compile(r"(BPO|KPO)-(\d{4})-(UZ-[A-Z]{2}|ONLINE)-(\d{6,9})-([0-9A-Z*])")


class InvalidSerial(DomainError):
    message = _l("This is not a certificate serial. Check it against the certificate and try again.")
    field = "serial"


class Serial(NamedTuple):
    track: Track
    year: int
    region_code: str | None  # None: an online cohort
    number: int

    @property
    def body(self) -> str:
        region = self.region_code or ONLINE
        return f"{self.track.value.upper()}-{self.year:04d}-{region}-{self.number:0{NUMBER_DIGITS}d}"

    def __str__(self) -> str:
        return f"{self.body}-{check_character(self.body)}"


def _checksum(characters: str) -> int:
    total = 0
    for character in characters:
        total = (total * 2 + ALPHABET.index(character)) % MODULUS
    return total


def _alphanumerics(text: str) -> str:
    return text.replace("-", "")


def check_character(body: str) -> str:
    """The MOD 37-2 check character of ``body`` (hyphens are skipped)."""
    return ALPHABET[(1 - 2 * _checksum(_alphanumerics(body))) % MODULUS]


def check_holds(serial: str) -> bool:
    """Whether the last character of ``serial`` is the check character of the rest."""
    characters = _alphanumerics(serial)
    if not characters or any(c not in ALPHABET for c in characters) or "*" in characters[:-1]:
        return False
    return _checksum(characters) == 1


def format_serial(track: Track, year: int, region_code: str | None, number: int) -> str:
    return str(Serial(track, year, region_code, number))


def normalise(text: str) -> str:
    """What a person typed, as a serial is written: no surrounding spaces, upper case, ASCII hyphens."""
    return "".join(text.split()).upper().replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")


def parse_serial(text: str) -> Serial:
    """The parts of a typed serial, after checking its format and check character (``InvalidSerial``)."""
    serial = normalise(text)
    match = _SERIAL.fullmatch(serial)
    if match is None or not check_holds(serial):
        raise InvalidSerial()
    track, year, region, number, _check = match.groups()
    return Serial(Track(track.lower()), int(year), None if region == ONLINE else region, int(number))
