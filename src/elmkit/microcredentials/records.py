"""Who earned it: course results from CSV, XLSX or any iterable of records, and the eligibility rules."""

from __future__ import annotations

import csv
import functools
import itertools
import math
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from elmkit.errors import SourceError
from elmkit.microcredentials.definition import is_email_address, refuse_yes_no
from elmkit.microcredentials.files import require_file

__all__ = [
    "Eligibility",
    "LearnerResult",
    "RowError",
    "check_eligibility",
    "iter_results",
    "read_results",
]

#: Headings of a column holding the first of two surnames only, as Spanish records keep them
#: (folded): a second-surname column beside it is always joined to it.
_FIRST_SURNAME: tuple[str, ...] = (
    "first_surname", "primer_apellido", "apellido1", "apellido_1", "primer_cognom", "cognom1",
    "cognom_1", "lehen_abizena", "abizena1", "abizena_1", "primeiro_apelido", "apelido1",
)

#: The plain headings of each field, as written (lower case, without accents, spaces as ``_``):
#: a column so headed wins over one that a variant of the field's headings matches, which is
#: then not read; two such columns are refused.
_PLAIN: dict[str, tuple[str, ...]] = {
    "learner_id": (
        "learner_id", "id", "student_id", "learner", "expediente", "dni_alumno", "id_estudiante",
    ),
    "given_name": ("given_name", "first_name", "nombre", "nom", "izena", "nome"),
    "family_name": (
        "family_name", "last_name", "surname", "apellidos", "cognoms", "abizenak", "apelidos",
        *_FIRST_SURNAME,
    ),
    "second_family_name": (
        "second_surname", "segundo_apellido", "apellido2", "apellido_2", "segon_cognom",
        "cognom2", "cognom_2", "bigarren_abizena", "abizena2", "abizena_2", "segundo_apelido",
        "apelido2",
    ),
    "email": ("email", "e-mail", "mail", "correo", "correu"),
    "national_id": ("national_id", "dni", "nie", "nif", "document"),
    "wallet": ("wallet", "wallet_address", "wallet_email"),
    "grade": ("grade", "nota", "qualificacio", "calificacion", "mark"),
    "grading_scheme": ("grading_scheme", "scale", "escala"),
    "passed": ("passed", "pass", "apto", "apte", "aprobado", "superado"),
    "attendance": ("attendance", "asistencia", "assistencia"),
    "assessment_date": ("assessment_date", "date", "fecha", "data", "exam_date"),
    "date_of_birth": ("date_of_birth", "birth_date", "fecha_nacimiento"),
}

#: Other headings of a field, as SIS exports write them.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "learner_id": (
        "expedient", "n_expediente", "no_expediente", "num_expediente", "numero_expediente",
        "n_expedient", "no_expedient", "num_expedient", "numero_expedient", "student_number",
    ),
    "family_name": ("family_names", "last_names", "surnames"),
    "email": (
        "correo_electronico", "correu_electronic", "email_address", "e_mail_address",
        "posta_elektronikoa", "helbide_elektronikoa",
    ),
    "national_id": (
        "dni_nie", "nie_dni", "nif_nie", "dni_nif", "dni_nif_nie", "documento",
        "documento_de_identidad", "document_d_identitat", "nan",
    ),
    "grade": (
        "calificacion_final", "nota_final", "qualificacio_final", "cualificacion",
        "cualificacion_final", "final_grade", "final_mark", "kalifikazioa", "azken_nota",
    ),
    "passed": ("superat", "aprovat", "apto_no_apto", "apte_no_apte", "gainditua"),
    "attendance": ("porcentaje_asistencia", "percentatge_assistencia", "asistencia_porcentaje"),
    "assessment_date": ("fecha_evaluacion", "fecha_examen", "data_avaluacio", "data_examen"),
}

#: Column headings accepted for each field, plain ones first, as :func:`_fold` reads them:
#: lower case, without accents, any run of spaces and punctuation one ``_`` (``DNI/NIE`` is
#: ``dni_nie``).
ALIASES: dict[str, tuple[str, ...]] = {
    name: plain + _VARIANTS.get(name, ()) for name, plain in _PLAIN.items()
}

#: Values of a pass column (as :func:`_word` reads them) that say passed, and not passed.
_TRUE = {
    "1", "true", "yes", "y", "si", "apto", "apta", "apte", "aprobado", "aprobada", "aprovat",
    "aprovada", "superado", "superada", "superat", "pass", "passed", "x",
    # Basque: bai (yes), gai (apto), gainditua (superado)
    "bai", "gai", "gainditua", "gaindituta",
}
_FALSE = {
    "0", "false", "no", "n", "no apto", "no apta", "no apte", "suspenso", "suspensa", "suspes",
    "suspesa", "no aprobado", "no aprobada", "no aprovat", "no aprovada", "no superado",
    "no superada", "no superat", "fail", "failed", "",
    # Galician: non (no)
    "non", "non apto", "non apta", "non aprobado", "non aprobada", "non superado",
    "non superada",
    # Basque: ez (no), ez gai (no apto), ez gainditua (no superado)
    "ez", "ez gai", "ez gainditua", "ez gaindituta",
}
#: Values of a grade or pass column (as :func:`_word` reads them) that say the learner did not
#: sit the assessment: not passed.
_NOT_PRESENTED = {
    "np", "n p", "no presentado", "no presentada", "no presentat", "non presentado",
    "non presentada", "not presented", "aurkeztu gabe", "ez aurkeztua", "ez aurkeztuta",
}


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _word(value: Any) -> str | None:
    """A text cell as it is compared with known words: lower case, without accents, each run of
    spaces and punctuation one space (``N.P.`` is ``n p``, ``Sí`` is ``si``); None for others."""
    if not isinstance(value, str):
        return None
    return re.sub(r"[\W_]+", " ", _unaccented(value).lower()).strip()


class LearnerResult(BaseModel):
    """One learner's result in a course."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, allow_inf_nan=False)

    learner_id: str = Field(min_length=1)
    given_name: str = Field(min_length=1)
    family_name: str = ""
    second_family_name: str = ""
    """A second surname given in its own column, joined to :attr:`family_name` when the record
    is made (and then empty, so that a record validated again keeps its name): unless the family
    name ends with it as a word of its own (a column of both surnames); read from a
    first-surname column (``primer_apellido``), always."""
    email: str | None = None
    national_id: str | None = None
    wallet: str | None = None
    grade: float | None = None
    grading_scheme: str | None = None
    passed: bool | None = None
    not_presented: bool = False
    """The grade or pass column says the learner did not sit the assessment (``NP``, ``No
    presentado``, ``No presentat``): not passed."""
    attendance: float | None = Field(default=None, ge=0, le=100)
    assessment_date: date | None = None
    date_of_birth: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_presented(cls, data: Any) -> Any:
        """``NP`` in the grade or pass column: no grade, not passed, :attr:`not_presented`."""
        if not isinstance(data, Mapping):
            return data
        in_grade = _word(data.get("grade")) in _NOT_PRESENTED
        in_flag = _word(data.get("passed")) in _NOT_PRESENTED
        if not (in_grade or in_flag):
            return data
        data = {**data, "not_presented": True}
        if in_grade:
            data["grade"] = None
        if in_flag:
            data["passed"] = False
        return data

    @field_validator(
        "learner_id",
        "given_name",
        "family_name",
        "second_family_name",
        "national_id",
        "grading_scheme",
        mode="before",
    )
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        """A spreadsheet number (``202501000``, or ``202501000.0``) read as the text it shows."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value

    @field_validator("learner_id", "given_name", "family_name", "second_family_name")
    @classmethod
    def _one_unicode_form(cls, value: str) -> str:
        """Ids and names in one Unicode form (NFC): ``Núria`` typed with a combining accent is
        the same name, and ``NúR-1`` the same learner, as with the accented letter."""
        return unicodedata.normalize("NFC", value)

    @field_validator("email", "national_id", "wallet", "grading_scheme", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """An empty cell, or one of white space only, gives no value."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        """The delivery address: refused when it is not an e-mail address, as the awarding
        body's is, rather than sent to Europass as ``mailto:`` of anything. A ``mailto:`` the
        export wrote before it, and surrounding spaces, are left out."""
        if value is None:
            return None
        address = value.strip()
        for _ in range(2):  # "<ana@x.es>" as mail headers write it, "mailto:", or both
            if address.startswith("<") and address.endswith(">"):
                address = address[1:-1].strip()
            if address[:7].lower() == "mailto:":
                address = address[7:].strip()
        if not is_email_address(address):
            raise ValueError(f"not an e-mail address: {value!r}")
        return address

    @field_validator("family_name", "second_family_name", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @model_validator(mode="after")
    def _both_surnames(self, info: ValidationInfo) -> LearnerResult:
        """The second surname joined to the family name. Always when the family name is read
        from a first-surname column (context ``{"first_surname": True}``): two surnames alike
        (``García García``, ``de la Fuente Fuente``) are common. Otherwise (a column such as
        ``apellidos``, or a record given in code) not when the family name already ends with
        the second surname as a word of its own: it holds both (and a record read back, or
        validated twice, keeps its name)."""
        second = self.second_family_name
        if not second:
            return self
        first_only = isinstance(info.context, Mapping) and bool(info.context.get("first_surname"))
        if first_only or not self.family_name.endswith(f" {second}"):
            self.family_name = f"{self.family_name} {second}".strip()
        self.second_family_name = ""  # held by family_name now: validating again changes nothing
        return self

    @field_validator("grade", "attendance", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        """A number as spreadsheets show it (15 significant digits), before its range is
        checked: a formula's binary noise (``=0.3*4.3+0.7*5.3`` is 4.999999999999999, an
        attendance of 100.00000000000001) is not what the SIS gave."""
        refuse_yes_no(value)
        if isinstance(value, str):
            text = value.strip().replace(",", ".").rstrip("%")
            if text == "":
                return None
            try:
                value = float(text)
            except ValueError:
                raise ValueError(
                    f"not a number: {value!r} (write the number alone, with a decimal comma "
                    "or point and no thousands separator: 7,5 or 7.5)"
                ) from None
        if isinstance(value, int | float):
            try:
                finite = math.isfinite(value)
                return float(format(value, ".15g")) if finite else value
            except OverflowError:  # an integer beyond any float
                raise ValueError("not a number in range (an integer too large)") from None
        return value

    @field_validator("passed", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        """A pass flag as SIS exports write it: sí/no, apto/no apto (apta, apte…), 1/0."""
        folded = _word(value)
        if folded is None:
            return value
        if folded in _TRUE:
            return True
        if folded in _FALSE or folded in _NOT_PRESENTED:
            return None if folded == "" else False
        raise ValueError(
            f"not a yes/no value: {value!r} (sí/no, apto/no apto, apte/no apte, 1/0, or NP)"
        )

    @field_validator("assessment_date", "date_of_birth", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            # YYYY/MM/DD: the order of Basque dates, as Basque administrations write them
            for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"):
                try:
                    return datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
            raise ValueError(f"not a date (YYYY-MM-DD or DD/MM/YYYY): {value!r}")
        if isinstance(value, (int, float)):  # bool included; pydantic would read 0 as 1970-01-01
            raise ValueError(
                f"not a date: {value!r} is a number (a spreadsheet date cell must be formatted "
                "as a date, or hold YYYY-MM-DD text)"
            )
        return value

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be read: its number (see :func:`iter_results`) and why. Read from a
    workbook, the message starts with where the row is (``sheet 'Actas', row 7: …``)."""

    row: int
    message: str
    learner_id: str | None = None
    sheet: str | None = None
    """The title of the worksheet the row was read from; None for CSV files and records."""


def _row_place(number: int, sheet: str) -> str:
    """Where a workbook's row is, as messages name it: ``sheet 'Actas', row 7`` (the sheet's
    own row number, as the manifest gives it)."""
    return f"sheet {sheet!r}, row {number}"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a learner earned the credential, with the reasons when not."""

    eligible: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)
    conflict: bool = False
    """The row contradicts itself (passed, with a grade below the pass mark, or the reverse):
    not eligible until someone corrects it."""
    malformed: bool = False
    """The row's data cannot be right for this course (a grade outside its grading scale): a
    data error to correct, not a learner who did not pass."""


def _fold(text: str) -> str:
    """A heading as it is looked up: lower case, without accents, each run of spaces and
    punctuation one ``_`` (``Correo electrónico`` is ``correo_electronico``, ``Nº expediente``
    ``no_expediente``)."""
    return re.sub(r"[\W_]+", "_", _unaccented(text).lower()).strip("_")


@functools.cache
def _field_by_alias() -> dict[str, str]:
    """Each accepted column heading (folded) with the field it gives."""
    return {_fold(alias): name for name, aliases in ALIASES.items() for alias in aliases}


def _plain(text: str) -> str:
    """A heading as written, for :data:`_PLAIN`: lower case, without accents, spaces as ``_``."""
    return _unaccented(text).strip().lower().replace(" ", "_")


@dataclass(frozen=True, slots=True)
class _Columns:
    """What a heading row gives: the column read for each field, the columns not read, and
    pairs of plainly headed columns that give one field (which would count?)."""

    fields: dict[str, str]
    unread: list[str]
    clashes: list[tuple[str, str, str]]
    variants: frozenset[str]
    """The fields read from a column with a variant heading (``nota final``)."""

    @property
    def lenient_grade(self) -> bool:
        """Whether the grade comes from a variant column beside a pass column: a value there
        that is no number (``Notable``) is left aside, and the pass flag decides, as when that
        column was not read at all; a spreadsheet error there (``#N/A``) still makes the row
        malformed."""
        return "grade" in self.variants and "passed" in self.fields.values()


def _columns(headings: Iterable[str | None]) -> _Columns:
    lookup = _field_by_alias()
    chosen: dict[str, tuple[bool, str]] = {}  # field: (plainly headed?, heading)
    unread: list[str] = []
    clashes: list[tuple[str, str, str]] = []
    both_ways: list[str] = []  # a first-surname column beside a column of both surnames
    texts: set[str] = set()
    for heading in headings:
        if not heading or not str(heading).strip():
            continue
        text = str(heading)
        field = lookup.get(_fold(text))
        if field is None:
            unread.append(text)
            continue
        if text in texts:  # a row is read by heading: which of the two would count?
            clashes.append((field, text, text))
            continue
        texts.add(text)
        plain = _plain(text) in _PLAIN[field]
        if field not in chosen:
            chosen[field] = (plain, text)
        elif plain and chosen[field][0] and _surnames_both_ways(chosen[field][1], text):
            both_ways.append(text)
        elif plain and chosen[field][0]:
            clashes.append((field, chosen[field][1], text))
        elif plain:
            unread.append(chosen[field][1])
            chosen[field] = (plain, text)
        else:
            unread.append(text)
    for text in both_ways:
        # split surnames are read when the second has its column too, else the column of both
        held = chosen["family_name"][1]
        first_named = text if _fold(text) in _FIRST_SURNAME else held
        use = first_named if "second_family_name" in chosen else ({text, held} - {first_named}).pop()
        unread.append(held if use == text else text)
        chosen["family_name"] = (True, use)
    return _Columns(
        {text: field for field, (_, text) in chosen.items()},
        unread,
        clashes,
        frozenset(field for field, (plain, _) in chosen.items() if not plain),
    )


def _surnames_both_ways(one: str, other: str) -> bool:
    """Whether of two family-name headings one names the first surname only and the other
    both (``Primer apellido`` beside ``Apellidos``), as SIS exports often give them."""
    return (_fold(one) in _FIRST_SURNAME) != (_fold(other) in _FIRST_SURNAME)


def _unread(headings: Iterable[str | None]) -> list[str]:
    """The headings of columns no field is read from (blank ones left out)."""
    return _columns(headings).unread


def _header_map(headers: Iterable[str]) -> dict[str, str]:
    return _columns(headers).fields


def _check_headings(
    headings: Sequence[str | None], file: str, warn: Callable[[str], None] | None = None
) -> None:
    """Refuse a heading row without the learner's id and given name, with neither a grade nor
    a pass flag (nobody could be eligible: a heading was not recognised), or with two plainly
    headed columns of one learner field (which would count?). Columns that are not read are
    given to ``warn``."""
    if not any(headings):
        raise SourceError("the file is empty: no heading row", file=file)
    columns = _columns(headings)
    if columns.clashes:
        name, first, second = columns.clashes[0]
        raise SourceError(
            f"columns {first!r} and {second!r} both give the {name.replace('_', ' ')}", file=file
        )
    seen = set(columns.fields.values())
    missing = {"learner_id", "given_name"} - seen
    ignored = ", ".join(repr(h) for h in columns.unread)
    if missing:
        wanted = ", ".join(
            f"{name} (a heading such as {', '.join(a for a in ALIASES[name][:6] if a != name)})"
            for name in sorted(missing)
        )
        unread = f"; columns not read: {ignored}" if ignored else ""
        raise SourceError(f"missing column(s): {wanted}{unread}", file=file)
    if not {"grade", "passed"} & seen:
        known = ", ".join(ALIASES["grade"][:4] + ALIASES["passed"][:4])
        unread = f"; columns not read: {ignored}" if ignored else ""
        raise SourceError(
            f"no grade and no pass column (headings such as {known}){unread}", file=file
        )
    if columns.lenient_grade and warn is not None:
        grade = next(h for h, name in columns.fields.items() if name == "grade")
        passed = next(h for h, name in columns.fields.items() if name == "passed")
        warn(
            f"column {grade!r} is read as the grade beside the pass column {passed!r}: a value "
            "in it that is no number is left aside, and the pass flag decides (a spreadsheet "
            "error such as #N/A is not: its row is to correct)"
        )
    if ignored and warn is not None:
        warn(
            f"columns of the results file not read (unknown headings, or another column gives "
            f"the same field): {ignored}; rename a column that holds a grade, pass flag, e-mail, "
            "id or date to an accepted heading"
        )


#: Why a row with a value past the last heading is not read: which column would it belong to?
_MORE_CELLS = "more cells than column headings"


def _column_letter(number: int) -> str:
    """The letter a spreadsheet gives its column ``number`` (1 is ``A``, 27 ``AA``)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _holds_value(value: Any) -> bool:
    """Whether a cell holds something: not empty, nor white space only."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _holds_any(cells: Sequence[Any], width: int) -> bool:
    """Whether a row gives a record (as :func:`_records_from_rows` reads it): a cell under a
    heading that is not empty, or a value past the ``width`` headings."""
    return any(cell not in (None, "") for cell in cells[:width]) or any(
        _holds_value(cell) for cell in cells[width:]
    )


class _Unheaded:
    """The columns of a file whose heading is blank, and which of them rows hold values in:
    they are not read, and a warning names them (a helper column is common and harmless, but
    a grade or an e-mail there would be lost unnoticed). ``numbered``: a CSV file's columns,
    named by their number as well as by the letter a spreadsheet shows."""

    def __init__(self, headings: Sequence[str], *, numbered: bool = False) -> None:
        self.blank = [index for index, heading in enumerate(headings) if not heading.strip()]
        self.held: set[int] = set()
        self.numbered = numbered

    def see(self, cells: Sequence[Any]) -> None:
        """Note the blank-headed columns a row holds values in."""
        for index in self.blank:
            if index < len(cells) and _holds_value(cells[index]):
                self.held.add(index)

    def tell(self, warn: Callable[[str], None] | None) -> None:
        """Give ``warn`` the columns without a heading that hold values, if any."""
        if not self.held or warn is None:
            return
        names = [
            f"{index + 1} ({_column_letter(index + 1)})"
            if self.numbered
            else _column_letter(index + 1)
            for index in sorted(self.held)
        ]
        if len(names) == 1:
            said = f"column {names[0]} has values but no heading: not read; give it"
            held = "it holds"
        else:
            said = (
                f"columns {', '.join(names[:-1])} and {names[-1]} have values but no heading: "
                "not read; give them"
            )
            held = "they hold"
        warn(f"{said} an accepted heading if {held} a grade, pass flag, e-mail, id or date")


#: What a spreadsheet shows in a cell whose formula failed (a lookup that found no learner, a
#: reference to a deleted column), as Excel writes it in English and in Spanish and Google
#: Sheets in any language; LibreOffice's numbered errors (``Err:502``) are read as such too, and
#: so is any text of the shape of Excel's errors in its other languages (:data:`_ERROR_SHAPE`:
#: Catalan ``#VALOR!``, French ``#VALEUR!``, German ``#NV``). A CSV file exported from a
#: spreadsheet holds the text; a workbook marks the cell as an error (:class:`_ErrorCell`), or
#: holds the text when a program that does not mark them wrote it.
_SPREADSHEET_ERRORS: frozenset[str] = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#ERROR!",
    "#¡NULO!", "#¡DIV/0!", "#¡VALOR!", "#¡REF!", "#¿NOMBRE?", "#¡NUM!", "#N/D",
    "#OBTENIENDO_DATOS", "#¡DESBORDAMIENTO!", "#¡CALC!", "#¡CAMPO!", "#¡BLOQUEADO!",
    "#¡CONECTAR!", "#¡DESCONOCIDO!",
})
_NUMBERED_ERROR = re.compile(r"ERR:\d{3}")
#: ``#WORD!`` or ``#WORD?`` (upper case), or a "not available" as ``#N/A`` is spelt elsewhere.
_ERROR_SHAPE = re.compile(r"#[¡¿]?[A-ZÀ-ÖØ-Þ0-9_./]{2,24}[!?]|#N/[A-Z]|#NV")


class _ErrorCell(str):
    """The text of a workbook cell that its spreadsheet marks as an error (``#N/A``), whichever
    error it is."""

    __slots__ = ()


def _spreadsheet_error(value: Any) -> str | None:
    """The spreadsheet error a cell holds (``#N/A``), as the file writes it; None for a value.
    Text is an error when it is one of :data:`_SPREADSHEET_ERRORS` or has the shape of one
    (any case, spaces around)."""
    if isinstance(value, _ErrorCell):
        return value.strip()
    if not isinstance(value, str):
        return None
    text = value.strip()
    token = text.upper()
    if token in _SPREADSHEET_ERRORS or _NUMBERED_ERROR.fullmatch(token):
        return text
    return text if _ERROR_SHAPE.fullmatch(token) else None


def _errors_message(failed: Sequence[tuple[str, str]]) -> str:
    """Why a row whose read columns hold spreadsheet errors (``(heading, error)``) is not read."""
    if len(failed) == 1:
        ((heading, error),) = failed
        return (
            f"column {heading!r} holds the spreadsheet error {error} (a formula that failed): "
            "correct it in the export"
        )
    named = [f"{heading!r} ({error})" for heading, error in failed]
    return (
        f"columns {', '.join(named[:-1])} and {named[-1]} hold spreadsheet errors (formulas "
        "that failed): correct them in the export"
    )


def _learner_in(row: Mapping[str | None, Any], mapping: Mapping[str, str]) -> str | None:
    """The learner id a row that cannot be read holds, for its message; None when the cell is
    empty or holds a spreadsheet error."""
    learner = row.get(next((k for k, v in mapping.items() if v == "learner_id"), ""))
    if not learner or _spreadsheet_error(learner) is not None:
        return None
    return str(learner)


def _records_from_rows(
    rows: Iterator[tuple[int, Mapping[str | None, Any]]],
) -> Iterator[tuple[int, LearnerResult | RowError]]:
    """The records of a file's rows, which its reader gives as cells by heading; a row with
    cells past the last heading has, under the key None, the words that say so. A row whose
    read columns hold a spreadsheet error (``#N/A``) is not read."""
    mapping: dict[str, str] | None = None
    context: dict[str, Any] = {}
    lenient_grade = False
    for number, row in rows:
        if mapping is None:  # the file's reader checked its headings (_check_headings)
            columns = _columns(row.keys())
            mapping, lenient_grade = columns.fields, columns.lenient_grade
            context["first_surname"] = any(
                name == "family_name" and _fold(heading) in _FIRST_SURNAME
                for heading, name in mapping.items()
            )
        if not any(v not in (None, "") for v in row.values()):
            continue
        if None in row:  # cells past the last heading, as the file's reader words them
            yield number, RowError(number, str(row[None]), _learner_in(row, mapping))
            continue
        failed = [
            (k, error)
            for k, v in row.items()
            if k in mapping and (error := _spreadsheet_error(v)) is not None
        ]
        if failed:  # no value to read there: not even the text of the error
            yield number, RowError(number, _errors_message(failed), _learner_in(row, mapping))
            continue
        data = {mapping[k]: v for k, v in row.items() if k in mapping}
        try:
            yield number, _record(data, context, lenient_grade)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            learner = data.get("learner_id")
            yield number, RowError(
                number, _row_message(first, data=data), str(learner) if learner else None
            )


def _record(data: dict[str, Any], context: dict[str, Any], lenient_grade: bool) -> LearnerResult:
    try:
        return LearnerResult.model_validate(data, context=context)
    except ValidationError as exc:
        if not lenient_grade or not any(e["loc"][:1] == ("grade",) for e in exc.errors()):
            raise
    return LearnerResult.model_validate({k: v for k, v in data.items() if k != "grade"}, context=context)


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect of a sample. Its delimiter is the one that splits the heading row into
    the most known headings (csv.Sniffer guesses from the whole sample, and a comment such as
    ``Entrega tardía, "justificada", según acta`` misleads it); the sniffer decides only when
    no delimiter gives two, and then, if it cannot, the delimiter the heading uses most."""
    heading = next((line for line in sample.splitlines() if line.strip(" \t,;\"")), "")
    lookup = _field_by_alias()

    def known(delimiter: str) -> int:
        cells = next(csv.reader([heading], delimiter=delimiter), [])
        return len({lookup[_fold(c)] for c in cells if _fold(c) in lookup})

    scores = {delimiter: known(delimiter) for delimiter in ",;\t"}
    best = max(scores, key=lambda delimiter: scores[delimiter])
    decided = scores[best] >= 2 and list(scores.values()).count(scores[best]) == 1
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        sniffed = None
    if sniffed is not None and (not decided or sniffed.delimiter == best):
        return sniffed
    if not decided:
        best = max(",;\t", key=heading.count)

    class _Dialect(csv.excel):
        pass

    _Dialect.delimiter = best
    return _Dialect


def _row_message(
    error: Mapping[str, Any], default: str = "row", data: Mapping[str, Any] | None = None
) -> str:
    """``field: problem (value)`` for the first problem of a row, quoting the value as ``data``
    (the row) has it, not as it was read (``7,5`` read as 7.5)."""
    loc = tuple(error["loc"])
    where = ".".join(str(p) for p in loc) or default
    message = str(error["msg"]).removeprefix("Value error, ")
    value = data[loc[0]] if data is not None and loc and loc[0] in data else error.get("input")
    if isinstance(value, int) and abs(value) > 10**30:
        value = None  # not quoted: its digits say nothing (and past 4300 repr() refuses them)
    if (
        isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and value != ""
        and repr(value) not in message
    ):
        message += f" (got {value!r})"
    return f"{where}: {message}"


def _csv_rows(
    path: Path,
    warn: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """Rows of a CSV file with their numbers as a spreadsheet program shows them (the heading
    is row 1 when no blank line comes before it; blank lines count), streamed. UTF-8 with or
    without BOM, or UTF-16 with BOM.

    The whole file is checked (encoding and CSV syntax) before the first row is given, so a
    problem near its end stops a batch before anything is issued, and the columns without a
    heading that hold values, and how many rows give a record (``on_total``), are known."""
    with path.open("rb") as raw:
        head = raw.read(4)
    if head == b"PK\x03\x04":
        raise SourceError(
            "this is a workbook (XLSX), not CSV text: give it the .xlsx suffix", file=str(path)
        )
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    _check_encoding(path, encoding)
    with path.open(encoding=encoding, newline="") as handle:
        dialect = _dialect(handle.read(8192))
        handle.seek(0)
        checker = csv.reader(handle, dialect=dialect)
        unheaded: _Unheaded | None = None
        width = total = 0
        try:
            for cells in checker:
                if unheaded is not None:
                    unheaded.see(cells)
                    total += _holds_any(cells, width)
                elif any(cell.strip() for cell in cells):  # the heading row
                    unheaded, width = _Unheaded(cells, numbered=True), len(cells)
        except csv.Error as exc:
            raise SourceError(
                f"malformed CSV at line {checker.line_num}: {exc}", file=str(path)
            ) from None
        handle.seek(0)
        records = enumerate(csv.reader(handle, dialect=dialect), start=1)
        # rows of empty cells (";;", as Excel writes an empty row) before it are blank too
        headings = next((cells for _, cells in records if any(c.strip() for c in cells)), [])
        _check_headings(headings, str(path), warn)
        if unheaded is not None:
            unheaded.tell(warn)
        if on_total is not None:
            on_total(total)
        # a row is a record, as a spreadsheet shows it: a cell with a line break in quotes
        # does not make two; a blank line is a row (without a learner)
        for number, cells in records:
            if not cells:
                continue
            row: dict[str | None, Any] = dict(zip(headings, cells, strict=False))
            extra = cells[len(headings) :]
            if any(cell.strip() for cell in extra):  # empty ones (a trailing ";") hold nothing
                row[None] = _MORE_CELLS
            else:
                row.update((name, None) for name in headings[len(cells) :])
            yield number, row


def _check_encoding(path: Path, encoding: str) -> None:
    """Raise :class:`SourceError` with the line of the first byte that is not ``encoding``."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    offset = lines = 0
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = max(0, exc.start - pending)
                line = lines + chunk.count(b"\n", 0, at) + 1
                raise SourceError(
                    f"not {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} text at line {line} "
                    f"({exc.reason} at byte {offset + at}); save the file as 'CSV UTF-8'",
                    file=str(path),
                ) from None
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"not {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} text: the file ends "
                f"inside a character ({exc.reason}); save the file as 'CSV UTF-8'",
                file=str(path),
            ) from None


#: What a damaged or foreign file raises while openpyxl reads it.
_WORKBOOK_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    IndexError,  # a cell naming a shared string the workbook lacks
    OSError,
    ValueError,
    TypeError,
    SyntaxError,  # XML parse errors
    EOFError,
    AttributeError,  # parts of an unexpected kind (a chart sheet first, …)
)


def _workbook_problem(exc: BaseException) -> str:
    """What went wrong inside a workbook, in words (openpyxl's own errors say little)."""
    if isinstance(exc, AttributeError):
        return "a part of an unexpected kind, such as a chart sheet"
    return f"{type(exc).__name__}: {exc}"


#: A cell holding a formula and no computed value: ``<c r="E2"><f>…</f><v></v></c>`` (or no
#: ``<v>``, or a shared formula ``<f t="shared" si="0"/>``), as files written by programs that
#: do not compute formulas hold them, with a namespace prefix (``<x:c>``) or without. Its
#: attributes and its empty ``<v>`` are groups 2 and 3: a text cell (``t="str"``) with an empty
#: ``<v>`` is a formula computed to an empty text, as Excel saves ``=IF(A2="","",A2)``.
_UNCOMPUTED = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*)>\s*'
    rb'(?:<(?:\w+:)?f[^>]*/>|<(?:\w+:)?f[^>]*>[^<]*</(?:\w+:)?f>)\s*'
    rb'(<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>'
)
_TEXT_CELL = re.compile(rb'\st="str"')


def _uncomputed_formula(path: Path, part: str | None) -> str | None:
    """The first cell of the worksheet ``part`` holding a formula without a computed value."""
    if not part:
        return None
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as sheet:
            tail = b""
            while chunk := sheet.read(1 << 16):
                text = tail + chunk
                for found in _UNCOMPUTED.finditer(text):
                    if found.group(3) is None or not _TEXT_CELL.search(found.group(2)):
                        return found.group(1).decode("ascii")
                tail = text[-4096:]
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error):
        return None
    return None


def _shown_value(cell: Any) -> Any:
    """A cell's value as the spreadsheet shows it: ``""`` when empty, a number formatted as a
    percentage (``0.95`` shown as ``95%``) as that percentage, and an error (``#N/A``) as an
    :class:`_ErrorCell`."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "e":
        return _ErrorCell(value)
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and "%" in str(getattr(cell, "number_format", ""))
    ):
        return round(value * 100, 9)
    return value


def _results_sheet(workbook: Any, file: str) -> Any:
    """The worksheet results are read from: the first visible one whose heading row names the
    columns results need and that has a row under it (else the first such one without rows,
    else the first visible one); a hidden sheet, such as an earlier session's results, is never
    read, and which tab was open when the file was saved does not matter. A sheet that cannot
    be read is passed over; one whose headings name a field twice is refused, naming it.

    Every sheet is read to its last cell: openpyxl's read-only mode otherwise stops at the size
    the file records for it, which some export tools write too small (or leave out, and then
    each row ends at its own last cell)."""
    from openpyxl.utils.exceptions import InvalidFileException

    sheets = list(workbook.worksheets)
    if not sheets:
        raise SourceError("the workbook has no worksheet", file=file)
    for sheet in sheets:
        sheet.reset_dimensions()  # read to the last cell, not to the size the file records
    visible = [s for s in sheets if getattr(s, "sheet_state", "visible") == "visible"]
    if not visible:
        hidden = ", ".join(repr(str(s.title)) for s in sheets)
        raise SourceError(f"the workbook has no visible worksheet (hidden: {hidden})", file=file)
    without_rows = None
    for sheet in visible:
        try:
            top = [
                [c.value for c in row] for row in sheet.iter_rows(max_row=2)
            ]
        except (*_WORKBOOK_ERRORS, InvalidFileException):
            continue  # the results sheet is read again below, and its damage is said there
        headings = [str(v) if v is not None else "" for v in (top[0] if top else [])]
        clashes = _columns(headings).clashes
        if clashes:
            name, first, second = clashes[0]
            raise SourceError(
                f"sheet {str(sheet.title)!r}: columns {first!r} and {second!r} both give the "
                f"{name.replace('_', ' ')}",
                file=file,
            )
        try:
            _check_headings(headings, file)
        except SourceError:
            continue
        if len(top) > 1 and any(v not in (None, "") for v in top[1]):
            return sheet
        without_rows = without_rows or sheet
    return without_rows or visible[0]


def _xlsx_rows(
    path: Path,
    warn: Callable[[str], None] | None = None,
    on_sheet: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """Rows of the results sheet of a workbook (see :func:`_results_sheet`) with the sheet's
    row numbers (the heading is row 1). Hidden rows and columns are read like the others.
    ``on_sheet`` is given the sheet's title once its headings are checked.

    The whole sheet is read once before the first row is given, as a CSV file is checked: a
    part that cannot be read near its end stops a batch before anything is issued, and the
    columns without a heading that hold values, and how many rows give a record
    (``on_total``), are known."""
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise SourceError("reading XLSX needs the 'sis' extra: pip install 'elmkit[sis]'", file=str(path)) from exc
    from openpyxl.utils.exceptions import InvalidFileException

    errors = (*_WORKBOOK_ERRORS, InvalidFileException)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except errors as exc:
        raise SourceError(f"not a readable XLSX workbook ({_workbook_problem(exc)})", file=str(path)) from exc
    file = str(path)
    try:
        sheet = _results_sheet(workbook, file)
        title = str(sheet.title)
        cell = _uncomputed_formula(path, getattr(sheet, "_worksheet_path", None))
        if cell is not None:
            raise SourceError(
                f"sheet {title!r}, cell {cell} holds a formula that was never computed, so it has "
                "no value to read: open the workbook in a spreadsheet program and save it (or "
                "export the values)",
                file=file,
            )
        others = [
            repr(str(other.title))
            + ("" if getattr(other, "sheet_state", "visible") == "visible" else " (hidden)")
            for other in workbook.worksheets
            if other is not sheet
        ]
        top = next(_sheet_rows(sheet, title, file, max_row=1), ())
        headers = [str(c.value) if c.value is not None else "" for c in top]
        # blank cells after the last heading (columns only formatted) head nothing
        width = max((i + 1 for i, h in enumerate(headers) if h.strip()), default=0)
        headers = headers[:width]
        try:
            _check_headings(headers, "", warn)
        except SourceError as exc:
            hint = (
                f" (no visible sheet of the workbook names the columns results need; "
                f"its other sheets: {', '.join(others)})"
                if others
                else ""
            )
            raise SourceError(f"sheet {title!r}: {exc.message}{hint}", file=file) from None
        unheaded = _Unheaded(headers)
        total = 0
        for values in itertools.islice(_sheet_rows(sheet, title, file, values_only=True), 1, None):
            unheaded.see(values)
            total += _holds_any(values, width)
        unheaded.tell(warn)
        if on_total is not None:
            on_total(total)
        if on_sheet is not None:
            on_sheet(title)
        if others and warn is not None:
            warn(
                f"results read from the workbook's sheet {title!r} (the first visible one "
                f"with results' headings); not read: {', '.join(others)}"
            )
        rows = itertools.islice(_sheet_rows(sheet, title, file), 1, None)
        for number, values in enumerate(rows, start=2):
            cells = [_shown_value(cell) for cell in values]
            row: dict[str | None, Any] = dict(zip(headers, cells, strict=False))
            row.update((name, "") for name in headers[len(cells) :])  # ended before them
            past = _past_headings(cells, headers)
            if past is not None:
                row[None] = past
            yield number, row
    finally:
        workbook.close()


def _sheet_rows(
    sheet: Any, title: str, file: str, *, values_only: bool = False, max_row: int | None = None
) -> Iterator[Sequence[Any]]:
    """The rows of a worksheet, its heading row first (cells, or their values): a part that
    cannot be read raises :class:`SourceError` saying where."""
    from openpyxl.utils.exceptions import InvalidFileException

    rows = sheet.iter_rows(values_only=values_only, max_row=max_row)
    number = 0
    while True:
        try:
            values = next(rows, None)
        except (*_WORKBOOK_ERRORS, InvalidFileException) as exc:
            # the sheet's own numbers, as the spreadsheet shows them: no row of it was given
            where = "its header row" if number == 0 else f"the sheet's row {number + 1}"
            raise SourceError(
                f"sheet {title!r}: the workbook cannot be read at {where} "
                f"({_workbook_problem(exc)})",
                file=file,
            ) from exc
        if values is None:
            return
        yield values
        number += 1


def _past_headings(cells: Sequence[Any], headers: Sequence[str]) -> str | None:
    """What a workbook row holds to the right of its sheet's last heading, in the words of a
    CSV row with more cells than headings; None when those cells are empty or hold only
    white space (formatted columns, as Excel exports leave them)."""
    width = len(headers)
    held = [
        (_column_letter(index), value)
        for index, value in enumerate(cells[width:], start=width + 1)
        if _holds_value(value)
    ]
    if not held:
        return None
    column, value = held[0]
    shown = repr(value) if isinstance(value, str | int | float) else f"'{value}'"
    others = len(held) - 1
    more = f" (and {others} more cell{'s' if others > 1 else ''})" if others else ""
    return (
        f"{_MORE_CELLS}: column {column} holds {shown}{more}, past the last heading "
        f"{headers[-1]!r} (column {_column_letter(width)})"
    )


def iter_results(
    source: str | Path | Iterable[Mapping[str, Any] | LearnerResult],
    *,
    warn: Callable[[str], None] | None = None,
    on_sheet: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, LearnerResult | RowError]]:
    """Like :func:`read_results`, with each item's row number: in a file, the row as a
    spreadsheet program shows it (the heading is row 1, so the first learner is row 2); among
    records, their position (1 = the first)."""
    if isinstance(source, str | Path):
        path = Path(source)
        require_file(path, "results file")
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            yield from _workbook_records(path, warn, on_sheet, on_total)
        elif suffix in (".csv", ".tsv", ".txt"):
            yield from _records_from_rows(_csv_rows(path, warn, on_total))
        else:
            raise SourceError(f"unknown results format {suffix!r} (use .csv or .xlsx)", file=str(path))
        return
    if not isinstance(source, Iterable) or isinstance(source, bytes | Mapping):
        raise SourceError(
            f"results are a CSV/XLSX file or an iterable of records, not {type(source).__name__}"
        )
    unread: set[str] = set()
    for number, item in enumerate(source, start=1):
        if isinstance(item, LearnerResult):
            yield number, item
            continue
        try:
            record = _as_record(item)
            if warn is not None:
                _warn_unread_keys(record, unread, warn)
            yield number, LearnerResult.model_validate(record)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            learner = record.get("learner_id")
            yield number, RowError(
                number, _row_message(first, "record", record), str(learner) if learner else None
            )
        except (TypeError, ValueError) as exc:
            yield number, RowError(number, f"not a record: {exc}")


def _as_record(item: Any) -> dict[Any, Any]:
    """A record as a dict: a mapping, a dataclass instance, a named tuple or a database row
    with ``_asdict()`` (SQLAlchemy's), or an iterable of pairs."""
    if is_dataclass(item) and not isinstance(item, type):
        return {f.name: getattr(item, f.name) for f in fields(item)}
    as_dict = getattr(item, "_asdict", None)
    if callable(as_dict) and not isinstance(item, Mapping):
        return dict(as_dict())
    return dict(item)


def _warn_unread_keys(
    record: Mapping[Any, Any], seen: set[str], warn: Callable[[str], None]
) -> None:
    """Warn once about each key of records that no field of :class:`LearnerResult` is read
    from (a grade under ``nota`` would otherwise leave every learner without a grade)."""
    new = [
        str(key)
        for key in record
        if key not in LearnerResult.model_fields and str(key) not in seen
    ]
    if not new:
        return
    seen.update(new)
    names = ", ".join(repr(name) for name in new)
    warn(
        f"keys of the records not read: {names} (a record's keys are the fields of "
        f"LearnerResult: {', '.join(LearnerResult.model_fields)})"
    )


def read_results(
    source: str | Path | Iterable[Mapping[str, Any] | LearnerResult],
    *,
    warn: Callable[[str], None] | None = None,
    on_sheet: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[LearnerResult | RowError]:
    """Results as a stream: each item is a :class:`LearnerResult` or a :class:`RowError`.

    ``source`` is a CSV (``,``/``;``/tab, UTF-8) or XLSX file, or an iterable of mappings or records
    (:class:`LearnerResult`, dataclass instances, named tuples or rows with ``_asdict()``).
    A malformed row never stops the others; it comes out as a :class:`RowError` with its row number
    (so does a row whose read columns hold a spreadsheet error, ``#N/A``). A file is read to its
    end before its first row is given: one that cannot be read anywhere raises
    :class:`~elmkit.errors.SourceError` first. ``warn`` is called, before the first row is given,
    with what concerns a file as a whole: the columns it does not read (their headings are not
    known, or blank above values), the sheet of a workbook it reads.
    A workbook is read from its first visible sheet whose headings name the columns results need;
    ``on_sheet`` is given its title before the first row (and is not called for other sources),
    and the message of a row that cannot be read names it (``sheet 'Actas', row 7: …``).
    ``on_total`` is given, before the first row, how many rows of a file give an item (for
    progress bars; it is not called for other sources).
    """
    for _number, item in iter_results(source, warn=warn, on_sheet=on_sheet, on_total=on_total):
        yield item


def _workbook_records(
    path: Path,
    warn: Callable[[str], None] | None,
    on_sheet: Callable[[str], None] | None,
    on_total: Callable[[int], None] | None,
) -> Iterator[tuple[int, LearnerResult | RowError]]:
    """The records of a workbook's results sheet; a row that cannot be read names the sheet."""
    titles: list[str] = []

    def read_from(title: str) -> None:
        titles.append(title)
        if on_sheet is not None:
            on_sheet(title)

    for number, item in _records_from_rows(_xlsx_rows(path, warn, read_from, on_total)):
        if isinstance(item, RowError):
            sheet = titles[0]
            message = f"{_row_place(number, sheet)}: {item.message}"
            item = replace(item, message=message, sheet=sheet)
        yield number, item


def check_eligibility(definition: Any, result: LearnerResult) -> Eligibility:
    """Apply the rules: passed (flag or grade threshold), minimum attendance, assessment date in the course."""
    reasons: list[str] = []
    grading = definition.grading
    if result.grade is not None and not 0 <= result.grade <= grading.max_grade:
        return Eligibility(
            False,
            (
                f"grade: {result.grade:g} is outside the course's grading scale "
                f"0-{grading.max_grade:g} (grading.max_grade): another scale in the export?",
            ),
            malformed=True,
        )
    conflict = (
        result.passed is not None
        and result.grade is not None
        and grading.pass_mark is not None
        and result.passed != (result.grade >= grading.pass_mark)
    )
    absent = result.not_presented and result.passed is True
    if absent:
        reasons.append("marked passed, but not presented (NP): correct the flag or the grade")
    elif conflict:
        said = (
            "passed"
            if result.passed
            else "not presented (NP)" if result.not_presented else "not passed"
        )
        reasons.append(
            f"marked {said}, but the grade {result.grade:g} is "
            f"{'below' if result.passed else 'at least'} the pass mark {grading.pass_mark:g}: "
            "correct the flag or the grade"
        )
    elif result.not_presented:
        reasons.append("not presented (NP): did not pass")
    elif result.passed is False:
        reasons.append("did not pass")
    elif result.passed is None:
        if result.grade is None:
            reasons.append("no grade and no pass flag")
        elif grading.pass_mark is not None and result.grade < grading.pass_mark:
            reasons.append(f"grade {result.grade:g} below the pass mark {grading.pass_mark:g}")
    if definition.min_attendance is not None:
        if result.attendance is None:
            reasons.append("attendance not recorded")
        elif result.attendance < definition.min_attendance:
            reasons.append(f"attendance {result.attendance:g}% below {definition.min_attendance:g}%")
    if result.assessment_date is not None:
        if definition.start_date and result.assessment_date < definition.start_date:
            reasons.append(f"assessed on {result.assessment_date} before the course started")
        if definition.end_date and result.assessment_date > definition.end_date:
            reasons.append(f"assessed on {result.assessment_date} after the course ended")
    return Eligibility(not reasons, tuple(reasons), conflict or absent)
