"""Class codes: 65 random bits in 13 base-32 letters and one check letter, e.g. `k7f2q9m3b8d1ct`.

The alphabet is Crockford's (no i, l, o, u), lower case; a typed code may carry spaces or
hyphens and the easily confused i, l, o (read as 1, 1, 0). The check letter is Luhn mod 32: it
catches every single mistyped letter and every swap of two neighbours but a few. Anything
else (too long, other characters, a wrong check letter) is simply not a code: `parse` returns
None and says nothing about why.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's 32, in order
RANDOM_BITS = 65  # at least 64 (issue 32): 13 letters of 5 bits
BODY = RANDOM_BITS // 5
LENGTH = BODY + 1
_VALUE = {letter: index for index, letter in enumerate(ALPHABET)}
_CONFUSED = str.maketrans({"i": "1", "l": "1", "o": "0"})
_MAX_TYPED = 40  # a longer value is refused before any work


def check_letter(body: str) -> str:
    """Luhn mod 32 over `body` (letters of ALPHABET): the letter that makes the sum 0 mod 32."""
    total = 0
    double = True  # from the right, every other letter doubled, starting with the last
    for letter in reversed(body):
        value = _VALUE[letter] * (2 if double else 1)
        total += value // 32 + value % 32
        double = not double
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    """A fresh unguessable code (secrets: 65 random bits) with its check letter."""
    number = secrets.randbits(RANDOM_BITS)
    body = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(BODY)))
    return body + check_letter(body)


def parse(typed: object) -> str | None:
    """The code a visitor typed or linked, in its canonical form, or None if it is not one."""
    if not isinstance(typed, str) or len(typed) > _MAX_TYPED:
        return None
    code = typed.strip().lower().replace("-", "").replace(" ", "").translate(_CONFUSED)
    if len(code) != LENGTH or any(letter not in _VALUE for letter in code):
        return None
    return code if check_letter(code[:BODY]) == code[BODY] else None


def shown(code: str) -> str:
    """The code in groups a class can read off a projector: `k7f2-q9m3-b8d1-ct`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def digest(code: str) -> str:
    """What the database keeps instead of a teacher's key (a leaked copy opens no class)."""
    return hashlib.sha256(code.encode()).hexdigest()
