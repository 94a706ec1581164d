"""The two multibase encodings the credentials use: base58btc (``z``) and base64url (``u``)."""

from __future__ import annotations

import base64

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {character: value for value, character in enumerate(ALPHABET)}


def encode_base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * zeros + "".join(reversed(digits))


def decode_base58btc(text: str) -> bytes:
    """The bytes of a ``z``-prefixed base58btc string; ValueError for anything else."""
    if not text.startswith("z") or len(text) > 200:
        raise ValueError("not a base58btc multibase string")
    body = text[1:]
    number = 0
    for character in body:
        if character not in _INDEX:
            raise ValueError("not a base58btc multibase string")
        number = number * 58 + _INDEX[character]
    zeros = len(body) - len(body.lstrip("1"))
    payload = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + payload


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
