"""Spanish identification numbers: DNI, NIE and NIF (CIF) check characters.

- DNI: 8 digits and a letter, ``"TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]``.
- NIE: ``X``/``Y``/``Z`` (read as 0/1/2), 7 digits and a letter computed as for the DNI.
- Personal NIF ``K``/``L``/``M``: a letter, 7 digits and a DNI letter computed on the 7 digits.
- Legal-entity NIF (the former CIF): an entity letter, 7 digits and a check character that is
  the Luhn digit of the 7 digits or the letter ``"JABCDEFGHI"[digit]``. Published sources
  disagree on which entity types use which form, so both are accepted for every type.

>>> check_nif("Q2818014I").kind
'entity'
>>> check_nif("12345678Z").valid
True
>>> dni_letter(12345678)
'Z'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "DNI_LETTERS",
    "ENTITY_LETTERS",
    "IdCheck",
    "IdKind",
    "check_nif",
    "check_personal_id",
    "cif_check_characters",
    "compact",
    "dni_letter",
    "is_valid_cif",
    "is_valid_dni",
    "is_valid_nie",
    "is_valid_nif",
]

DNI_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"
#: First letters of legal-entity NIFs (Orden EHA/451/2008).
ENTITY_LETTERS: Final = "ABCDEFGHJNPQRSUVW"
_CIF_LETTERS: Final = "JABCDEFGHI"
_NIE_PREFIX: Final = {"X": "0", "Y": "1", "Z": "2"}
_SEPARATORS: Final = re.compile(r"[\s.\-/]")

IdKind = Literal["dni", "nie", "personal", "entity"]


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The result of checking one number."""

    value: str
    """The number in compact form (upper case, without separators)."""
    kind: IdKind | None
    """``dni``, ``nie``, ``personal`` (K/L/M NIF), ``entity`` (legal entity); None if the shape is unknown."""
    valid: bool
    expected: str = ""
    """The check character(s) the number should end with, when its shape is right."""

    @property
    def personal(self) -> bool:
        """True for numbers of natural persons (DNI, NIE, K/L/M)."""
        return self.kind in ("dni", "nie", "personal")


def compact(value: str, *, vat_prefix: bool = False) -> str:
    """Upper case without spaces, dots, hyphens or slashes; with ``vat_prefix`` an ``ES``
    country prefix (``ESQ2818014I``) is removed."""
    text = _SEPARATORS.sub("", value).upper()
    if vat_prefix and len(text) == 11 and text.startswith("ES"):
        text = text[2:]
    return text


def dni_letter(number: int | str) -> str:
    """The check letter of a DNI number (also used for NIE and K/L/M numbers)."""
    return DNI_LETTERS[int(number) % 23]


def cif_check_characters(digits: str) -> tuple[str, str]:
    """The check digit and the check letter of a legal-entity NIF's 7 digits."""
    total = 0
    for position, char in enumerate(digits, start=1):
        n = int(char)
        if position % 2:
            n *= 2
            n = n // 10 + n % 10
        total += n
    digit = (10 - total % 10) % 10
    return str(digit), _CIF_LETTERS[digit]


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_nif(value: str, *, vat_prefix: bool = True) -> IdCheck:
    """Check a NIF of any kind: DNI, NIE, K/L/M or legal entity."""
    text = compact(value, vat_prefix=vat_prefix) if isinstance(value, str) else ""
    if len(text) != 9:
        return IdCheck(text, None, False)
    first, body, last = text[0], text[1:8], text[8]
    if _ascii_digits(text[:8]):
        expected = dni_letter(text[:8])
        return IdCheck(text, "dni", last == expected, expected)
    if not _ascii_digits(body):
        return IdCheck(text, None, False)
    if first in _NIE_PREFIX:
        expected = dni_letter(_NIE_PREFIX[first] + body)
        return IdCheck(text, "nie", last == expected, expected)
    if first in "KLM":
        expected = dni_letter(body)
        return IdCheck(text, "personal", last == expected, expected)
    if first in ENTITY_LETTERS:
        digit, letter = cif_check_characters(body)
        return IdCheck(text, "entity", last in (digit, letter), digit + letter)
    return IdCheck(text, None, False)


def check_personal_id(value: str) -> IdCheck:
    """Check a natural person's number: DNI, NIE or K/L/M NIF (an entity NIF is not valid here)."""
    result = check_nif(value, vat_prefix=False)
    if result.kind == "entity":
        return IdCheck(result.value, "entity", False, result.expected)
    return result


def is_valid_dni(value: str) -> bool:
    result = check_nif(value, vat_prefix=False)
    return result.kind == "dni" and result.valid


def is_valid_nie(value: str) -> bool:
    result = check_nif(value, vat_prefix=False)
    return result.kind == "nie" and result.valid


def is_valid_cif(value: str) -> bool:
    """A legal-entity NIF (the former CIF)."""
    result = check_nif(value)
    return result.kind == "entity" and result.valid


def is_valid_nif(value: str) -> bool:
    """Any valid NIF (DNI, NIE, K/L/M or legal entity); an ``ES`` VAT prefix is accepted."""
    return check_nif(value).valid
