"""XSD literal types of the model that keep their exact lexical form.

RDF compares literals by their lexical form, so a value read from a credential is written back
exactly as it came (``2023-05-05T07:00:00Z`` stays so, ``PT60H`` stays so), while still behaving as
a Python ``datetime``/``date``/``str``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Self, SupportsIndex, TypeGuard

from pydantic import AfterValidator, BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "AnyUri",
    "Date",
    "DateTime",
    "Duration",
    "Iri",
    "XsdBoolean",
    "XsdDecimal",
    "XsdInteger",
    "XsdNonNegativeInteger",
    "XsdPositiveInteger",
]

# XSD lexical forms use ASCII digits only (``\d`` alone would take any script's digits).
_DATETIME = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
_DATE = re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?", re.ASCII)
_DURATION = re.compile(
    r"-?P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?",
    re.ASCII,
)
#: What an xsd:duration is, for messages (ISO 8601 also allows PT1.5H and weeks, P2W; xsd does
#: not).
_DURATION_FORM = "ISO 8601 with whole numbers but for seconds and no weeks, as PT60H, PT1H30M, P14D or P2M"
#: Characters an IRI cannot hold besides spaces and controls (RFC 3987), as the body of a
#: regular-expression character class.
IRI_EXCLUDED = r'<>"{}|\\^`'
_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:[^\s{IRI_EXCLUDED}]*")
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_XSD_WHITESPACE = " \t\n\r"
#: The largest time zone offset xsd:dateTime allows.
_MAX_OFFSET = timedelta(hours=14)


def _custom(error_type: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(error_type, message, ctx)


class DateTime(datetime):
    """An ``xsd:dateTime`` value that remembers its lexical form."""

    _lexical: str | None = None

    @property
    def lexical(self) -> str:
        """The form read or given; for a value computed from one (``valid_from + timedelta``,
        ``replace()``), which datetime makes without it, the value's own form."""
        return self._lexical if self._lexical is not None else _format_datetime(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # copies and pickles keep the lexical form (datetime's own would drop it)
        return (_datetime_from, (self.lexical,))

    @classmethod
    def parse(cls, text: str) -> DateTime:
        if not _DATETIME.fullmatch(text):
            raise _custom("xsd_datetime", "not an xsd:dateTime: {value}", value=text)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise _custom("xsd_datetime", "not a valid date and time: {value}", value=text) from None
        return cls._wrap(parsed, text)

    @classmethod
    def _wrap(cls, value: datetime, lexical: str | None = None) -> DateTime:
        offset = value.utcoffset()
        if offset is not None and abs(offset) > _MAX_OFFSET:
            raise _custom(
                "xsd_datetime",
                "the time zone offset of {value} is beyond ±14:00 (xsd:dateTime)",
                value=lexical or value.isoformat(),
            )
        out = cls(
            value.year, value.month, value.day, value.hour, value.minute, value.second,
            value.microsecond, value.tzinfo, fold=value.fold,
        )
        out._lexical = lexical if lexical is not None else _format_datetime(value)
        return out

    @classmethod
    def coerce(cls, value: Any) -> DateTime:
        if isinstance(value, DateTime) and value._lexical is not None:
            return value
        if isinstance(value, datetime):
            if value.utcoffset() is None and not isinstance(value, DateTime):
                # which zone? Europass's JSON schema wants an offset (a value computed from one
                # read without, floating as it came, stays so)
                raise _custom(
                    "xsd_datetime",
                    "a date-time without a time zone ({value}): give one, as "
                    "datetime(…, tzinfo=UTC) or ZoneInfo('Europe/Madrid')",
                    value=value.isoformat(),
                )
            return cls._wrap(value)
        if isinstance(value, date):  # midnight UTC: Europass's JSON schema wants an offset
            return cls._wrap(datetime(value.year, value.month, value.day, tzinfo=UTC))
        if isinstance(value, str):
            return cls.parse(value)
        raise _custom("xsd_datetime", "expected a date-time string, got {kind}", kind=type(value).__name__)

    def __str__(self) -> str:
        return self.lexical

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.lexical),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time"}


def _datetime_from(lexical: str) -> DateTime:
    return DateTime.parse(lexical)


def _date_from(lexical: str) -> Date:
    return Date.coerce(lexical)


def _format_datetime(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        value = value.astimezone(UTC)  # xsd:dateTime offsets are whole minutes: the same instant in UTC
    text = value.isoformat()
    if value.tzinfo is not None and value.utcoffset() == timedelta(0):
        text = text.removesuffix("+00:00") + "Z"
    return text


class Date(date):
    """An ``xsd:date`` value that remembers its lexical form."""

    _lexical: str | None = None

    @property
    def lexical(self) -> str:
        """The form read or given; for a value computed from one, the value's own form."""
        return self._lexical if self._lexical is not None else self.isoformat()

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (_date_from, (self.lexical,))

    @classmethod
    def coerce(cls, value: Any) -> Date:
        if isinstance(value, Date) and value._lexical is not None:
            return value
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            out = cls(value.year, value.month, value.day)
            out._lexical = value.isoformat()
            return out
        if isinstance(value, str):
            if not _DATE.fullmatch(value):
                raise _custom("xsd_date", "not an xsd:date: {value}", value=value)
            try:
                parsed = date.fromisoformat(value[:10] if value[0] != "-" else value)
            except ValueError:
                raise _custom("xsd_date", "not a valid date: {value}", value=value) from None
            out = cls(parsed.year, parsed.month, parsed.day)
            out._lexical = value
            return out
        raise _custom("xsd_date", "expected a date string, got {kind}", kind=type(value).__name__)

    def __str__(self) -> str:
        return self.lexical

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.lexical),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "format": "date"}


class Duration(str):
    """An ISO 8601 / ``xsd:duration`` such as ``PT60H`` or ``P2M``."""

    __slots__ = ()

    def __new__(cls, value: str) -> Self:
        if not isinstance(value, str) or not _DURATION.fullmatch(value):
            raise ValueError(f"not an xsd:duration: {value} ({_DURATION_FORM})")
        return super().__new__(cls, value)

    @classmethod
    def from_timedelta(cls, value: timedelta) -> Duration:
        total = Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 1_000_000
        sign = "-" if total < 0 else ""
        total = abs(total)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{sign}PT"
        if hours:
            text += f"{int(hours)}H"
        if minutes:
            text += f"{int(minutes)}M"
        if seconds or text.endswith("T"):
            text += f"{seconds.normalize():f}S"
        return cls(text)

    @classmethod
    def of_hours(cls, hours: float) -> Duration:
        """A duration of ``hours`` hours, written as ``PT<h>H``."""
        return cls.from_timedelta(timedelta(hours=hours))

    def _parts(self) -> tuple[int, ...]:
        match = _DURATION.fullmatch(self)
        assert match is not None
        return tuple(int(float(g)) if g else 0 for g in match.groups())

    @property
    def has_calendar_part(self) -> bool:
        """True when years or months are present (no fixed length in hours)."""
        years, months, *_ = self._parts()
        return bool(years or months)

    def to_timedelta(self) -> timedelta:
        """The duration as a ``timedelta``; raises ``ValueError`` for years or months."""
        if self.has_calendar_part:
            raise ValueError(f"{self} has years or months and no fixed length")
        match = _DURATION.fullmatch(self)
        assert match is not None
        _, _, days, hours, minutes, seconds = match.groups()
        delta = timedelta(
            days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
            seconds=float(seconds or 0),
        )
        return -delta if self.startswith("-") else delta

    @property
    def hours(self) -> float:
        """Total hours (days, hours, minutes, seconds); raises for years or months."""
        return self.to_timedelta().total_seconds() / 3600

    @classmethod
    def coerce(cls, value: Any) -> Duration:
        if isinstance(value, Duration):
            return value
        if isinstance(value, timedelta):
            return cls.from_timedelta(value)
        if isinstance(value, str) and _DURATION.fullmatch(value):
            return cls(value)
        raise _custom(
            "xsd_duration", "not an xsd:duration: {value} ({form})", value=value, form=_DURATION_FORM
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "format": "duration"}


class XsdDecimal(Decimal):
    """An ``xsd:decimal``; written as a JSON string so that its lexical form survives.

    Text must be in the ``xsd:decimal`` lexical space (ASCII digits, a point, no exponent); a
    JSON number is read as the shortest decimal of its double, and written without exponent.
    """

    @classmethod
    def coerce(cls, value: Any) -> XsdDecimal:
        if isinstance(value, XsdDecimal):
            return value
        if isinstance(value, bool):
            raise _custom("xsd_decimal", "expected a decimal number, got a boolean")
        if isinstance(value, str):
            text = value.strip(_XSD_WHITESPACE)
            if _DECIMAL.fullmatch(text):
                return cls(text)
        elif isinstance(value, int):
            return cls(value)
        elif isinstance(value, float | Decimal):
            number = Decimal(repr(value)) if isinstance(value, float) else value
            if number.is_finite():
                return cls(format(number, "f"))
        raise _custom("xsd_decimal", "not an xsd:decimal: {value}", value=value)

    def __str__(self) -> str:
        return format(self, "f")  # never an exponent, which xsd:decimal has not

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^[+-]?(\d+(\.\d*)?|\.\d+)$"}


def is_iri(value: object) -> TypeGuard[str]:
    """Whether ``value`` is an absolute IRI (``http://…``, ``urn:…``, ``mailto:…``)."""
    return isinstance(value, str) and _IRI.fullmatch(value) is not None


def _check_iri(value: str) -> str:
    if not is_iri(value):
        raise _custom("iri", "not an absolute IRI: {value}", value=value)
    return value


#: An absolute IRI (``http://…``, ``urn:…``, ``mailto:…``).
Iri = Annotated[str, AfterValidator(_check_iri)]
#: An ``xsd:anyURI`` literal.
AnyUri = Annotated[str, AfterValidator(_check_iri)]


def _xsd_integer(value: Any) -> Any:
    """A JSON integer (``100.0`` included: JSON-LD reads a number without fractional part below
    10^21 as an integer), or a string in the ``xsd:integer`` lexical space; not a boolean or a
    fractional number, which JSON-LD would read as another datatype."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, str):
        text = value.strip(_XSD_WHITESPACE)
        if _INTEGER.fullmatch(text):
            return int(text)
        raise _custom("xsd_integer", "not an integer: '{value}'", value=value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise _custom("xsd_integer", "an integer is expected, got {kind}", kind=type(value).__name__)


def _xsd_boolean(value: Any) -> Any:
    """A JSON boolean, or ``true``, ``false``, ``1`` or ``0`` as a string (the ``xsd:boolean``
    lexical space); ``"yes"`` or the number 1 are not booleans to JSON-LD."""
    if type(value) is bool:
        return value
    if isinstance(value, str):
        found = _BOOLEANS.get(value.strip(_XSD_WHITESPACE))
        if found is not None:
            return found
        raise _custom("xsd_boolean", "not a boolean (true, false, 1 or 0): '{value}'", value=value)
    raise _custom("xsd_boolean", "a boolean is expected, got {kind}", kind=type(value).__name__)


def _positive(value: int) -> int:
    if value < 1:
        raise _custom("xsd_positive_integer", "not an xsd:positiveInteger (1 or more): {value}", value=value)
    return value


def _non_negative(value: int) -> int:
    if value < 0:
        raise _custom(
            "xsd_non_negative_integer", "not an xsd:nonNegativeInteger (0 or more): {value}", value=value
        )
    return value


#: An ``xsd:integer`` (or ``xsd:int``; other bounds, such as a maximum, are the profiles' to check).
XsdInteger = Annotated[int, BeforeValidator(_xsd_integer)]
#: An ``xsd:positiveInteger``: 1 or more (0 or a negative number is no such literal).
XsdPositiveInteger = Annotated[int, BeforeValidator(_xsd_integer), AfterValidator(_positive)]
#: An ``xsd:nonNegativeInteger``: 0 or more.
XsdNonNegativeInteger = Annotated[int, BeforeValidator(_xsd_integer), AfterValidator(_non_negative)]
#: An ``xsd:boolean``.
XsdBoolean = Annotated[bool, BeforeValidator(_xsd_boolean)]
