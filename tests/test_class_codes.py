"""Class codes: 64+ random bits, a check letter that catches typos, hostile values refused."""

from __future__ import annotations

import pytest

from serving.classes import codes


def _number(code: str) -> int:
    value = 0
    for letter in code[: codes.BODY]:
        value = value * 32 + codes.ALPHABET.index(letter)
    return value


def test_codes_carry_at_least_64_random_bits() -> None:
    made = [codes.new_code() for _ in range(3000)]
    assert len(set(made)) == len(made)
    assert all(len(code) == codes.LENGTH and codes.parse(code) == code for code in made)
    numbers = [_number(code) for code in made]
    # every one of the 64 low bits and the top bit varies: each is set in some codes, not in all
    for bit in range(65):
        ones = sum((number >> bit) & 1 for number in numbers)
        assert 1200 < ones < 1800, (bit, ones)


def test_every_single_mistyped_letter_is_caught() -> None:
    for _ in range(20):
        code = codes.new_code()
        for position in range(codes.LENGTH):
            for letter in codes.ALPHABET:
                if letter != code[position]:
                    typo = code[:position] + letter + code[position + 1 :]
                    assert codes.parse(typo) is None, (code, typo)


def test_most_swapped_neighbours_are_caught() -> None:
    caught = total = 0
    for _ in range(200):
        code = codes.new_code()
        for i in range(codes.LENGTH - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                total += 1
                caught += codes.parse(swapped) is None
    assert caught / total > 0.95


def test_a_typed_code_reads_as_its_canonical_form() -> None:
    code = codes.new_code()
    assert codes.parse(codes.shown(code).upper()) == code
    assert codes.parse(f"  {code[:7]} {code[7:]} ") == code
    zeroes = code.replace("0", "O").replace("1", "l")
    assert codes.parse(zeroes) == code


@pytest.mark.parametrize(
    "hostile",
    [
        None,
        123,
        b"k7f2q9m3b8d1ct",
        "",
        "k7f2q9",
        "x" * 10_000,
        "'; DROP TABLE classes; --",
        "<script>alert(1)</script>",
        "k7f2q9m3b8d1c\x00",
        "٠١٢٣٤٥٦٧٨٩٠١٢٣",  # Arabic-Indic digits: digits to str.isdigit, not to a code
        "k7f2q9m3b8d1ctk7f2q9m3b8d1ct",
    ],
)
def test_hostile_values_are_not_codes(hostile: object) -> None:
    assert codes.parse(hostile) is None
