"""Legacy ELM v2 (EDCI 1.x) XML credentials, read into the ELM 3.2 model.

Europass issued credentials as ``europassCredential`` XML documents (namespace
``http://data.europa.eu/snb``, schema ``genericschema_1.2.xsd``) before ELM 3. :func:`load_elmv2`
reads one and returns an :class:`~elmkit.model.EuropeanDigitalCredential`; what has no ELM 3.2 home
is listed, never dropped silently: :func:`load_elmv2_report` returns the list, and the credential's
``origin`` (an :class:`Elmv2Origin`) keeps it too.

>>> credential = load_elmv2("diploma.xml")                      # doctest: +SKIP
>>> credential, issues = load_elmv2_report(data, xsd="schemas/")  # doctest: +SKIP

Parsing is safe by construction: no DTD (a document with a ``DOCTYPE`` is refused), no entity
expansion, no network, bounded size; XSD validation only happens when the caller gives a schema.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from elmkit.errors import (
    DocumentTooLargeError,
    ElmValidationError,
    ErrorDetail,
    LanguageTagError,
    ModelError,
    ParseError,
    SourceError,
    StructureError,
    UnknownCodeError,
    UnsupportedFormatError,
)
from elmkit.model import classes as m
from elmkit.model import vocab
from elmkit.model.base import ElmNode
from elmkit.model.datatypes import Date, DateTime, Duration, XsdDecimal
from elmkit.model.ids import stable_id
from elmkit.model.text import LangText, normalize_tag, valencian_guess

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ELEMENTS",
    "EDC_GENERIC_FULL",
    "ConversionIssue",
    "Elmv2Origin",
    "Elmv2SchemaError",
    "Elmv2SyntaxError",
    "is_elmv2",
    "load_elmv2",
    "load_elmv2_report",
]

#: Namespace of ELM v2 credentials.
SNB: Final = "http://data.europa.eu/snb"
#: Namespace of ELM v2 verifiable presentations (a credential wrapped with verification checks).
VP: Final = "http://data.europa.eu/snb/vp"
#: Namespace of the W3C-derived elements of ELM v2 (``cred:issued``, ``cred:issuer``, ...).
CRED: Final = "http://data.europa.eu/europass/model/credentials/w3c#"
#: The application profile converted credentials claim in ``credentialSchema``.
EDC_GENERIC_FULL: Final = "http://data.europa.eu/snb/model/ap/edc-generic-full"
#: Largest document read by default (bytes).
DEFAULT_MAX_BYTES: Final = 20_000_000
#: Deepest nesting of claims (achievements within achievements, ...) that is converted.
MAX_CLAIM_DEPTH: Final = 64
#: How many references deep a chain may lead (hasPart of hasPart…), below the interpreter's limit.
MAX_REFERENCE_DEPTH: Final = 64
#: Most elements a document may have by default (real v2 credentials have a few thousand).
DEFAULT_MAX_ELEMENTS: Final = 50_000
#: Most issues listed for one document; the rest are counted.
MAX_ISSUES: Final = 10_000
#: Most texts one field takes from repeated elements (a title given in every language is a few
#: dozen); merging each into the text is linear in its size, so more would cost quadratic time.
MAX_TEXTS_PER_FIELD: Final = 100

_CREDENTIAL = f"{{{SNB}}}europassCredential"
_PRESENTATION = f"{{{VP}}}verifiablePresentation"
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
_SPACE = re.compile(r"\s+")
_DATE = re.compile(r"(-?\d{4,}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?")
_GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"
_V2_CREDIT_SYSTEMS = {"ects": "ECTS", "ecvet": "ECVET"}
_SCHEMA_FILES = {_CREDENTIAL: "genericschema_1.2.xsd", _PRESENTATION: "sharedschema_generic_1.2.xsd"}

El = Any
"""An lxml element (lxml ships no type information)."""


# --------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ConversionIssue:
    """Something in the v2 document that did not carry over as it was.

    ``kind`` is ``dropped`` (no ELM 3.2 home: the value is not in the result), ``derived`` (a value
    the profile requires was filled in from other data), ``changed`` (carried over in another form),
    ``invalid`` (a malformed value, left out; texts tagged ``va`` or ``val``, no tags of Valencian,
    are kept under that tag), ``unresolved`` (a reference to nothing) or
    ``missing`` (ELM 3.2 requires it and the v2 document cannot provide it); a last
    ``more`` entry counts the issues past :data:`MAX_ISSUES`. ``path`` locates the v2 element (``/europassCredential/credentialSubject/gender``) and ``line``
    its line in the document.
    """

    kind: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{self.kind}: {where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Elmv2Origin:
    """Where a converted credential came from; see :attr:`elmkit.model.ElmNode.origin`."""

    issues: tuple[ConversionIssue, ...] = ()
    """Everything that did not carry over as it was."""
    source: Path | None = None
    """The file read, when a path was given."""
    root: str = "europassCredential"
    """``europassCredential``, or ``verifiablePresentation`` when the credential came wrapped."""
    xsd_version: str | None = None
    """The ``xsdVersion`` the document declares."""
    schema_validated: bool = False
    """Whether the document was validated against an XSD before conversion."""
    kind: str = "elmv2"
    format: str = "elmv2-xml"
    envelope: dict[str, Any] | None = None
    payload: bytes | None = None
    delivery_details: dict[str, Any] | None = None
    context: Any = None


class Elmv2SyntaxError(ParseError):
    """Malformed XML; ``line`` and ``column`` (1-based) tell where, and ``file`` in which file
    (``None`` for a document given as bytes or text)."""

    def __init__(self, message: str, *, line: int, column: int, file: str | None = None) -> None:
        where = f"in the file {file}, " if file is not None else ""
        super().__init__(f"{message} ({where}line {line}, column {column})")
        self.line = line
        self.column = column
        self.file = file
        self.reason = message


class Elmv2SchemaError(ElmValidationError):
    """The document does not validate against the XSD; ``details`` lists every problem
    (``path`` is the XPath of the element, the message starts with its line)."""

    def __init__(self, details: list[ErrorDetail], *, line: int | None) -> None:
        super().__init__(details)
        self.line = line

    def __str__(self) -> str:
        lines = [f"{len(self.details)} problem(s) against the ELM v2 XSD:"]
        lines += [f"  {d.path or '/'}: {d.message}" for d in self.details]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------ public API


def is_elmv2(data: bytes) -> bool:
    """Whether ``data`` looks like an ELM v2 credential (or presentation), from its root element
    alone: the document is not parsed beyond its first start tag."""
    from lxml import etree

    if not isinstance(data, bytes | bytearray | memoryview):
        return False
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    view = bytes(data[:65536])
    for start in range(0, len(view), 4096):
        failed = False
        try:
            parser.feed(view[start : start + 4096])
        except etree.LxmlError:
            failed = True
        try:
            for _event, element in parser.read_events():
                return bool(element.tag in (_CREDENTIAL, _PRESENTATION))
        except etree.LxmlError:
            return False
        if failed:
            return False
    return False


def load_elmv2(
    source: str | os.PathLike[str] | bytes,
    *,
    xsd: str | os.PathLike[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    strict: bool = False,
) -> m.EuropeanDigitalCredential:
    """Read an ELM v2 XML credential as an ELM 3.2 :class:`~elmkit.model.EuropeanDigitalCredential`.

    ``source`` is a path, the XML text or its bytes. With ``xsd`` (the ``genericschema_1.2.xsd``
    file, or the folder of the v2 schemas) the document is first validated; imports are read from
    that folder only. The credential's ``origin`` is an :class:`Elmv2Origin` that lists what did not
    carry over; ``strict=True`` raises :class:`~elmkit.errors.ModelError` instead for malformed
    values and dangling references. Documents larger than ``max_bytes`` or with more than
    ``max_elements`` elements are refused.

    Raises :class:`~elmkit.errors.ParseError` (malformed XML: :class:`Elmv2SyntaxError`; a
    ``DOCTYPE``), :class:`~elmkit.errors.DocumentTooLargeError`, :class:`Elmv2SchemaError`,
    :class:`~elmkit.errors.UnsupportedFormatError` (not an ELM v2 document),
    :class:`~elmkit.errors.StructureError` (too many elements, claims nested too deeply) and
    :class:`~elmkit.errors.SourceError` (unreadable file).
    """
    credential, _issues = load_elmv2_report(
        source, xsd=xsd, max_bytes=max_bytes, max_elements=max_elements, strict=strict
    )
    return credential


def load_elmv2_report(
    source: str | os.PathLike[str] | bytes,
    *,
    xsd: str | os.PathLike[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    strict: bool = False,
) -> tuple[m.EuropeanDigitalCredential, list[ConversionIssue]]:
    """:func:`load_elmv2`, also returning the list of :class:`ConversionIssue`."""
    data, path = _read_source(source, max_bytes)
    return convert_elmv2(data, path, xsd=xsd, max_elements=max_elements, strict=strict)


def convert_elmv2(
    data: bytes,
    path: Path | None,
    *,
    xsd: str | os.PathLike[str] | None = None,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    strict: bool = False,
) -> tuple[m.EuropeanDigitalCredential, list[ConversionIssue]]:
    """:func:`load_elmv2_report` of a document already read: ``data`` is its bytes, ``path``
    the file they came from (named in syntax errors and kept as the origin's ``source``)."""
    try:
        root = _parse(data)
    except Elmv2SyntaxError as exc:
        if path is None:
            raise
        raise Elmv2SyntaxError(exc.reason, line=exc.line, column=exc.column, file=str(path)) from None
    count = int(root.xpath("count(//*)"))
    if count > max_elements:
        raise StructureError(f"the document has {count} elements, more than the limit of {max_elements}")
    validated = False
    if xsd is not None:
        _validate(root, Path(os.fspath(xsd)))
        validated = True
    converter = _Converter(root, strict=strict)
    credential = converter.convert()
    issues = list(converter.issues)
    credential.set_origin(
        Elmv2Origin(
            issues=tuple(issues),
            source=path,
            root=_local(root),
            xsd_version=converter.credential_el.get("xsdVersion"),
            schema_validated=validated,
        )
    )
    return credential, issues


# --------------------------------------------------------------------------------- reading/parsing


def xml_text_bytes(text: str) -> bytes:
    """XML given as text, as UTF-8 bytes: its declared encoding (``ISO-8859-1``, ``UTF-16``…)
    described the bytes it was decoded from, not these, so it is left out."""
    text = re.sub(
        r"^(\ufeff?\s*<\?xml[^>]*?)\s+encoding\s*=\s*(['\"])[^'\"]*\2", r"\1", text, count=1
    )
    return text.encode("utf-8")


def _read_source(source: Any, max_bytes: int) -> tuple[bytes, Path | None]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise DocumentTooLargeError(f"the document has {len(data)} bytes, more than the limit of {max_bytes}")
        return data, None
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<"):
        data = xml_text_bytes(source)
        if len(data) > max_bytes:
            raise DocumentTooLargeError(f"the document has {len(data)} bytes, more than the limit of {max_bytes}")
        return data, None
    if not isinstance(source, str | os.PathLike):
        raise UnsupportedFormatError(f"cannot read an ELM v2 document from {type(source).__name__}")
    from elmkit.serializers.formats import read_file

    path = Path(os.fspath(source))
    data = read_file(path, max_bytes)
    return data, path


_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def _prolog_text(data: bytes) -> bytes:
    """The document as ASCII-compatible bytes for looking at its prolog."""
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data.decode(codec, "replace").encode("utf-8", "replace")
    if data[:4] in (b"<\x00?\x00", b"<\x00\x00\x00"):
        return data.decode("utf-16-le" if data[1:2] == b"\x00" and data[2:3] != b"\x00" else "utf-32-le",
                           "replace").encode("utf-8", "replace")
    if data[:4] in (b"\x00<\x00?", b"\x00\x00\x00<"):
        return data.decode("utf-16-be" if data[:2] == b"\x00<" else "utf-32-be",
                           "replace").encode("utf-8", "replace")
    return data


def _reject_doctype(data: bytes) -> None:
    """Refuse any document type declaration before the parser sees it."""
    text = _prolog_text(data)
    position = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    while True:
        skipped = _PROLOG_SKIP.match(text, position)
        if skipped is None or skipped.end() == position:
            break
        position = skipped.end()
    if text[position : position + 9].upper() == b"<!DOCTYPE":
        raise ParseError("the document has a DOCTYPE; ELM v2 credentials have none and it is refused")


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
        # a comment or processing instruction inside a text would otherwise cut it at .text
        remove_comments=True,
        remove_pis=True,
    )


def _parse(data: bytes) -> El:
    from lxml import etree

    _reject_doctype(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 0, 0)
        message = re.sub(r", line \d+, column \d+$", "", exc.msg or "malformed XML")
        raise Elmv2SyntaxError(f"malformed XML: {message}", line=line or 0, column=column) from None
    except ValueError as exc:
        raise ParseError(f"the document cannot be parsed as XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ParseError("the document has a DOCTYPE; ELM v2 credentials have none and it is refused")
    if root.tag not in (_CREDENTIAL, _PRESENTATION):
        raise UnsupportedFormatError(
            f"not an ELM v2 credential: the root element is {root.tag!r}, expected "
            f"{{{SNB}}}europassCredential"
        )
    return root


# ------------------------------------------------------------------------------------ validation

@dataclass(frozen=True, slots=True)
class _Schema:
    validator: Any
    namespace: str | None
    lock: threading.Lock


_SCHEMAS: dict[tuple[str, int, int], _Schema] = {}
_SCHEMA_LOCK = threading.Lock()


def _schema_file(xsd: Path, root_tag: str) -> Path:
    if xsd.is_dir():
        return xsd / _SCHEMA_FILES[root_tag]
    return xsd


def _compile_schema(path: Path) -> _Schema:
    """Compile an XSD; its imports are read only from files in its own folder."""
    from lxml import etree

    try:
        stat = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("no such XSD file", file=str(path)) from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror}", file=str(path)) from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _SCHEMA_LOCK:
        found = _SCHEMAS.get(key)
    if found is not None:
        return found
    folder = path.resolve().parent
    refused: list[str] = []

    class _LocalOnly(etree.Resolver):  # type: ignore[misc]
        def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
            target = (url or "").removeprefix("file://")
            if target and "://" not in target:
                candidate = Path(target).resolve()
                if candidate.is_relative_to(folder):
                    return self.resolve_filename(str(candidate), context) if candidate.is_file() else None
            refused.append(url or "")
            return self.resolve_string('<refused xmlns="urn:elmkit:refused"/>', context)

    parser = _parser()
    parser.resolvers.add(_LocalOnly())
    try:
        doc = etree.fromstring(data, parser, base_url=str(path.resolve())).getroottree()
        schema = etree.XMLSchema(doc)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        note = f" (only files in its folder are read; refused {', '.join(refused)})" if refused else ""
        raise ParseError(f"the XSD {path.name} cannot be compiled: {exc}{note}") from None
    compiled = _Schema(schema, doc.getroot().get("targetNamespace"), threading.Lock())
    with _SCHEMA_LOCK:
        if len(_SCHEMAS) >= 8:
            _SCHEMAS.clear()
        _SCHEMAS[key] = compiled
    return compiled


def _validate(root: El, xsd: Path) -> None:
    compiled = _compile_schema(_schema_file(xsd, root.tag))
    target = root
    if root.tag == _PRESENTATION and compiled.namespace == SNB:
        inner = root.find(_CREDENTIAL)
        target = inner if inner is not None else root
    with compiled.lock:
        ok = compiled.validator.validate(target)
        entries = list(compiled.validator.error_log)
    if ok:
        return
    details = [
        ErrorDetail(path=_readable(target, entry.path), message=f"line {entry.line}: {entry.message}", kind="xsd")
        for entry in entries
    ] or [ErrorDetail(path="", message="the document does not validate", kind="xsd")]
    raise Elmv2SchemaError(details, line=entries[0].line if entries else None)


def _readable(target: El, xpath: str | None) -> str:
    """lxml's positional XPath (``/*/*[8]/*[5]``) as element names."""
    from lxml import etree

    if not xpath:
        return ""
    try:
        found = target.getroottree().xpath(xpath)
    except etree.XPathError:
        return xpath
    return _path(found[0]) if found and isinstance(found, list) and hasattr(found[0], "tag") else xpath


# ------------------------------------------------------------------------------------ XML helpers


def _local(el: El) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: El) -> Iterator[El]:
    for child in el:
        if isinstance(child.tag, str):
            yield child


def _child(el: El, name: str) -> El | None:
    for child in _children(el):
        if _local(child) == name:
            return child
    return None


def _path(el: El, positions: dict[Any, dict[Any, str]] | None = None) -> str:
    """``/europassCredential/credentialSubject/identifier[2]``: local names, with the position
    among siblings of the same name when there are several. ``positions`` caches each parent's
    children, so that many paths in one large element cost little."""
    parts: list[str] = []
    current = getattr(el, "_el", el)
    cache = positions if positions is not None else {}
    while current is not None:
        parent = current.getparent()
        if parent is None:
            parts.append(_local(current))
            break
        names = cache.get(parent)
        if names is None:
            counts: dict[str, int] = {}
            for child in _children(parent):
                counts[child.tag] = counts.get(child.tag, 0) + 1
            seen: dict[str, int] = {}
            names = {}
            for child in _children(parent):
                seen[child.tag] = seen.get(child.tag, 0) + 1
                suffix = f"[{seen[child.tag]}]" if counts[child.tag] > 1 else ""
                names[child] = _local(child) + suffix
            cache[parent] = names
        parts.append(names.get(current, _local(current)))
        current = parent
    return "/" + "/".join(reversed(parts))


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _finite_decimal(text: str) -> bool:
    """Whether ``text`` is an ``xsd:decimal`` (ASCII digits and a point: no NaN, Infinity or
    exponent, which ``Decimal`` would take)."""
    try:
        XsdDecimal.coerce(text)
    except PydanticCustomError:
        return False
    return True


def _token(value: str | None) -> str:
    return _SPACE.sub(" ", value).strip() if value else ""


def _is_iri(value: str) -> bool:
    return bool(_IRI.fullmatch(value))


# ------------------------------------------------------------------------------------- converter

Rule = Callable[["_Converter", El, ElmNode], None]


def _put(field: str, conv: Callable[[_Converter, El], Any]) -> Rule:
    def rule(c: _Converter, el: El, node: ElmNode) -> None:
        c.put(node, field, conv(c, el), el)

    return rule


def _drop(reason: str) -> Rule:
    def rule(c: _Converter, el: El, node: ElmNode) -> None:
        c.issue("dropped", el, reason)

    return rule


def _skip(c: _Converter, el: El, node: ElmNode) -> None:
    """The element was read elsewhere."""


def _each(field: str, names: Mapping[str, Callable[[_Converter, El], Any]]) -> Rule:
    """A container element: each child element becomes one value of ``field``."""

    def rule(c: _Converter, el: El, node: ElmNode) -> None:
        for child in _children(el):
            conv = names.get(_local(child))
            if conv is None:
                c.issue("dropped", child, f"<{_local(child)}> is not expected here; not carried over")
                continue
            c.put(node, field, conv(c, child), child)

    return rule


def _period(which: str, date_only: bool = False) -> Rule:
    """``startedAtTime``/``endedAtTime`` (and the date forms) into ``temporal``."""

    def rule(c: _Converter, el: El, node: ElmNode) -> None:
        value = c.date(el) if date_only else c.datetime(el)
        if value is None:
            return
        current = node.__dict__.get("temporal")
        period = (current[0] if current else None) if isinstance(current, list) else current
        if period is None:
            period = m.PeriodOfTime()
            c.put(node, "temporal", period, el)
        c.put(period, which, value, el)

    return rule


#: A POSIX locale name (``ca_ES``, ``ca_ES.UTF-8@valencia``), which v2 documents exported from
#: student information systems give as languages.
_POSIX_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:_([A-Za-z]{2}|[0-9]{3}))?(?:\.[\w-]+)?(?:@([A-Za-z0-9]+))?")


#: POSIX locale modifiers that name a script (``sr_RS@latin`` is ``sr-Latn-RS``) and those that
#: are registered BCP 47 variants; any other modifier (``@euro``, ``@saaho``) is left out rather
#: than written as a variant no registry knows.
_POSIX_SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl", "devanagari": "Deva", "iqtelif": "Latn"}
_POSIX_VARIANTS = frozenset({"valencia"})


def posix_language_tag(name: str) -> str | None:
    """The BCP 47 tag of a POSIX locale name: ``ca_ES`` is ``ca-ES``, ``ca_ES.UTF-8@valencia`` is
    ``ca-ES-valencia``, ``sr_RS@latin`` is ``sr-Latn-RS``, ``uz_UZ@cyrillic`` is ``uz-Cyrl-UZ``
    (``@euro`` says nothing about the language). ``None`` for anything else."""
    if not any(mark in name for mark in "_.@"):
        return None
    found = _POSIX_LOCALE.fullmatch(name.strip())
    if found is None:
        return None
    language, region, modifier = found.groups()
    modifier = (modifier or "").lower()
    parts = [language.lower()]
    if modifier in _POSIX_SCRIPTS:
        parts.append(_POSIX_SCRIPTS[modifier])
    if region:
        parts.append(region.upper())
    if modifier in _POSIX_VARIANTS:
        parts.append(modifier)
    try:
        return normalize_tag("-".join(parts))
    except LanguageTagError:
        return None


def _well_formed(tag: str) -> str | None:
    try:
        return normalize_tag(tag)
    except LanguageTagError:
        return None


_NOT_VALENCIAN = (
    "is not Valencian's language tag, which is ca-ES-valencia (EU code CAT, Catalan): 'va' is "
    "no language and 'val' is Vehes (EU code VAL)"
)


class _Converter:
    """One conversion: the v2 document's index, the nodes built so far and the issues found."""

    def __init__(self, root: El, *, strict: bool) -> None:
        self.strict = strict
        self.issues: list[ConversionIssue] = []
        self.more_issues = 0
        self.positions: dict[Any, dict[Any, str]] = {}
        self.members: dict[tuple[int, str], set[int]] = {}
        self.credential_el = root
        if root.tag == _PRESENTATION:
            inner = root.find(_CREDENTIAL)
            if inner is None:
                raise UnsupportedFormatError("the verifiable presentation holds no europassCredential")
            for child in _children(root):
                if child is not inner:
                    self.issue("dropped", child, "presentation data (verification checks, the "
                               "presentation's own seal) is not part of the credential")
            self.credential_el = inner
        cred = self.credential_el
        primary = _child(cred, "primaryLanguage")
        self.lang = (_token(primary.text) if primary is not None else "") or "en"
        self.lang = (None if _well_formed(self.lang) else posix_language_tag(self.lang)) or self.lang
        self.reported_languages: set[tuple[str, str]] = set()
        """The (kind, language) pairs reported, so that a language is reported once."""
        if primary is None or not _token(primary.text):
            self.issue("derived", cred, "no primaryLanguage: texts that carry no language of "
                       "their own (grades, names) are taken as English")
        raw_id = _token(cred.get(f"{{{CRED}}}id"))
        if raw_id and _is_iri(raw_id):
            self.credential_id = raw_id
        else:
            self.credential_id = f"urn:credential:{uuid.uuid5(uuid.NAMESPACE_URL, 'elmv2:' + raw_id)}"
            self.issue("changed", cred, f"the credential id {raw_id!r} is not an IRI; "
                       f"{self.credential_id} is used")
        self.id_space = uuid.uuid5(uuid.NAMESPACE_URL, self.credential_id)
        # ids are unique within a References section only (the XSD says no more): an agent and a
        # learning outcome may share one, so a reference is resolved by the element it expects
        self.refs: dict[str, list[El]] = {}
        for section in _children(cred):
            name = _local(section)
            if name.endswith("References"):
                for item in _children(section):
                    ref_id = item.get("id")
                    if not ref_id:
                        continue
                    same = self.refs.setdefault(_token(ref_id), [])
                    earlier = next((e for e in same if _local(e) == _local(item)), None)
                    if earlier is None:
                        same.append(item)
                    else:
                        self.issue("dropped", item, f"<{_local(item)}> {_token(ref_id)} repeats "
                                   f"the id of the one on line {earlier.sourceline}, which is used; "
                                   "this one is not carried over")
        self.nodes: dict[tuple[str, str], ElmNode] = {}
        self.elements: dict[tuple[str, str], El] = {}
        self.used_refs: set[tuple[str, str]] = set()
        self.id_owners: dict[str, El] = {}
        self.concepts: dict[str, m.Concept] = {}
        self.canonical: dict[str, bytes] = {}
        self.depth = 0
        self.ref_depth = 0
        self.default_award: m.AwardingProcess | None = None
        self.issuer: ElmNode | None = None

    # ------------------------------------------------------------------------------- plumbing

    def issue(self, kind: str, el: El, message: str) -> None:
        if self.strict and kind in ("invalid", "unresolved"):
            raise ModelError(f"{message} (line {el.sourceline})", path=_path(el, self.positions))
        if len(self.issues) >= MAX_ISSUES:
            self.more_issues += 1
            return
        path = _path(el, self.positions)
        self.issues.append(ConversionIssue(kind=kind, path=path, line=el.sourceline, message=message))

    def put(self, node: ElmNode, field: str, value: Any, el: El) -> None:
        """Add ``value`` to ``node.field``: appended to lists, merged into texts, set once."""
        if value is None:
            return
        current = node.__dict__.get(field)
        if isinstance(current, list):
            allowed = _allowed(type(node), field)
            members = self.members.get((id(node), field))
            if members is None:
                members = self.members[(id(node), field)] = {id(x) for x in current}
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, allowed):
                    self.issue("invalid", el, f"a {type(item).__name__} does not fit "
                               f"{type(node).__name__}.{field}; left out")
                elif id(item) not in members:
                    members.add(id(item))
                    current.append(item)
                    node.__pydantic_fields_set__.add(field)
            return
        if current is None and isinstance(value, ElmNode):
            if not isinstance(value, _allowed(type(node), field)):
                self.issue("invalid", el, f"a {type(value).__name__} does not fit "
                           f"{type(node).__name__}.{field}; left out")
                return
            node.__dict__[field] = value
            node.__pydantic_fields_set__.add(field)
            return
        if isinstance(current, LangText) and isinstance(value, LangText):
            if sum(len(current.get_all(tag)) for tag in current) >= MAX_TEXTS_PER_FIELD:
                self.issue("dropped", el, f"more than {MAX_TEXTS_PER_FIELD} texts for {field}; this one is not carried over")
                return
            new = _merge_text(current, value)
        elif current is not None:
            self.issue("dropped", el, f"ELM 3.2 allows one {field} here; this extra value is not carried over")
            return
        else:
            new = value
        try:
            node.__pydantic_validator__.validate_assignment(node, field, new)
        except ValidationError as exc:
            message = _message(exc.errors(include_url=False)[0])
            self.issue("invalid", el, f"does not fit {type(node).__name__}.{field}: {message}")

    def build(self, el: El, cls: type[ElmNode], rules: Mapping[str, Rule], *, v2_id: str | None = None,
              finish: Callable[[_Converter, El, Any], None] | None = None) -> Any:
        """A node of ``cls`` from ``el``; one node per v2 id (a second element with the same id is
        the same node). Children without a rule are reported as dropped."""
        raw = v2_id if v2_id is not None else _token(el.get("id"))
        key = (cls.__name__, raw)
        if raw and key in self.nodes:
            self._compare(self.elements[key], el, raw)
            return self.nodes[key]
        node = cls(id=self.node_id(raw, cls, el))
        if raw:
            self.nodes[key] = node
            self.elements[key] = el
        for child in _children(el):
            rule = rules.get(_local(child))
            if rule is None:
                self.issue("dropped", child, f"<{_local(child)}> has no ELM 3.2 home; not carried over")
                continue
            rule(self, child, node)
        if finish is not None:
            finish(self, el, node)
        return node

    def node_id(self, raw: str, cls: type[ElmNode], el: El) -> str | None:
        if not raw:
            return None
        if len(self.refs.get(raw, ())) > 1:
            # also the id of an element of another section: one IRI cannot name both nodes, so
            # the element converted first keeps it
            owner = self.id_owners.setdefault(raw, getattr(el, "_el", el))
            if owner is not getattr(el, "_el", el):
                minted = stable_id(cls, f"{_local(el)}/{raw}", namespace=self.id_space)
                self.issue("changed", el, f"the id {raw!r} also names a <{_local(owner)}>; "
                           f"{minted} is used for this <{_local(el)}>")
                return minted
        if _is_iri(raw):
            return raw
        minted = stable_id(cls, raw, namespace=self.id_space)
        self.issue("changed", el, f"the id {raw!r} is not an IRI; {minted} is used")
        return minted

    def _compare(self, first: El, again: El, raw: str) -> None:
        first, again = getattr(first, "_el", first), getattr(again, "_el", again)
        if first is again:
            return
        from lxml import etree

        def canonical(item: El) -> bytes:
            return bytes(re.sub(rb"\s+", b"", etree.tostring(item, method="c14n")))

        reference = self.canonical.get(raw)
        if reference is None:
            reference = self.canonical[raw] = canonical(first)
        if reference != canonical(again):
            self.issue("changed", again, f"{raw} appears again with different content; the first "
                       f"occurrence (line {first.sourceline}) is used")

    def resolve(self, el: El, expected: Mapping[str, Callable[[_Converter, El], Any]]) -> Any:
        """The node an ``idref`` points to, built on first use."""
        ref = _token(el.get("idref"))
        candidates = self.refs.get(ref)
        if not candidates:
            self.issue("unresolved", el, f"reference {ref!r} points to nothing in the document")
            return None
        target = next((c for c in candidates if _local(c) in expected), None)
        if target is None:
            found = " or ".join(f"<{_local(c)}>" for c in candidates)
            self.issue("unresolved", el, f"reference {ref!r} points to a {found}, "
                       f"expected {' or '.join('<' + n + '>' for n in expected)}")
            return None
        self.used_refs.add((ref, _local(target)))
        self.ref_depth += 1
        try:
            if self.ref_depth > MAX_REFERENCE_DEPTH:
                raise StructureError(
                    f"references lead through more than {MAX_REFERENCE_DEPTH} elements "
                    f"(line {el.sourceline})",
                    path=_path(el, self.positions),
                )
            return expected[_local(target)](self, target)
        finally:
            self.ref_depth -= 1

    # ------------------------------------------------------------------------------- literals

    def text(self, el: El) -> LangText | None:
        """A v2 ``TextType`` (``<text lang="..">`` children) as language-tagged text."""
        values: dict[str, list[str]] = {}
        for child in _children(el):
            if _local(child) != "text":
                self.issue("dropped", child, f"<{_local(child)}> is not expected in a text; not carried over")
                continue
            lang = _token(child.get("lang")) or _token(child.get(_XML_LANG))
            if not lang:
                lang = self.lang
                self.issue("derived", child, f"the text has no language; taken as {lang}, the "
                           "primary language")
            tag = self.language_tag(lang, child)
            if tag is None:
                self.issue("invalid", child, f"language {lang!r} is not a BCP 47 tag; text left out")
                continue
            if valencian_guess(tag):
                self.report_language("invalid", lang, child, f"language {lang!r} {_NOT_VALENCIAN}; "
                                     "texts in it are kept under it: correct their language")
            element: Any = getattr(child, "_el", child)
            if len(element):  # markup inside the text (<b>, <br/>…): its words, not the tags
                self.issue("changed", child, "markup inside the text was removed (its words kept)")
                content = "".join(element.itertext())
            else:
                content = child.text or ""
            if "\n" in content:  # the indentation of pretty-printed XML is no part of the text
                content = "\n".join(line.strip() for line in content.strip().splitlines())
            values.setdefault(tag, []).append(content)
        return LangText(values) if values else None

    def note_text(self, el: El) -> LangText | None:
        """A v2 ``NoteType`` where ELM 3.2 takes plain text (its subject has no home there)."""
        for subject in (c for c in _children(el) if _local(c) == "subject"):
            self.issue("dropped", subject, "the note's subject has no ELM 3.2 home here; not carried over")
        return self.text(_Only(el, "text"))

    def note(self, el: El) -> m.Note | None:
        """A v2 ``NoteType`` as an ELM ``Note`` (text, subject, HTML format)."""
        literal = self.text(_Only(el, "text"))
        if literal is None:
            self.issue("invalid", el, "the note has no text; left out")
            return None
        note = m.Note(note_literal=literal)
        if any(c.get("content-type") == "text/html" for c in _children(el) if _local(c) == "text"):
            note.note_format = vocab.file_type("HTML").to_concept()
        for subject in (c for c in _children(el) if _local(c) == "subject"):
            uri = _token(subject.get("uri"))
            label = _token(subject.text)
            concept = m.Concept(
                id=uri if uri and _is_iri(uri) else None,
                pref_label=LangText({self.lang: label}) if label else None,
            )
            self.put(note, "subject", concept, subject)
        return note

    def string(self, el: El) -> str | None:
        value = _token(el.text)
        if not value:
            self.issue("invalid", el, "empty value; left out")
            return None
        return value

    def iri(self, el: El, attribute: str = "uri") -> str | None:
        value = _token(el.get(attribute) if attribute else el.text)
        if not value or not _is_iri(value):
            self.issue("invalid", el, f"{value!r} is not an absolute IRI; left out")
            return None
        return value

    def datetime(self, el: El) -> DateTime | None:
        value = _token(el.text)
        try:
            return DateTime.coerce(value)
        except PydanticCustomError:
            pass
        if _DATE.fullmatch(value):  # a day where a moment belongs: keep the day, not nothing
            moment = self.date(el)
            if moment is not None:
                self.issue("derived", el, f"{value!r} is a date, not an xsd:dateTime; read as "
                           f"{moment}")
                return moment
        self.issue("invalid", el, f"{value!r} is not an xsd:dateTime; left out")
        return None

    def date(self, el: El) -> DateTime | None:
        """An ``xsd:date`` as the ``xsd:dateTime`` ELM 3.2 uses: midnight of that day (UTC when
        the date has no time zone)."""
        text = _token(el.text)
        found = _DATE.fullmatch(text)
        try:
            if found is None:
                raise PydanticCustomError("xsd_date", "not a date")
            Date.coerce(found.group(1))
            return DateTime.parse(f"{found.group(1)}T00:00:00{found.group(2) or 'Z'}")
        except PydanticCustomError:
            self.issue("invalid", el, f"{text!r} is not an xsd:date; left out")
            return None

    def duration(self, el: El) -> Duration | None:
        value = _token(el.text)
        try:
            return Duration(value)
        except ValueError:
            self.issue("invalid", el, f"{value!r} is not an xsd:duration; left out")
            return None

    def boolean(self, el: El) -> bool | None:
        value = _token(el.text)
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        self.issue("invalid", el, f"{value!r} is not an xsd:boolean; left out")
        return None

    def percentage(self, el: El) -> int | None:
        """A v2 percentage (a decimal) as the whole percentage ELM 3.2 takes, rounded."""
        value = _token(el.text)
        if not _finite_decimal(value):
            self.issue("invalid", el, f"{value!r} is not a percentage; left out")
            return None
        number = Decimal(value)
        whole = int(number.to_integral_value(rounding=ROUND_HALF_UP))
        if number != whole:
            self.issue("changed", el, f"{value}% is written as {whole}% (ELM 3.2 takes whole "
                       "percentages)")
        return whole

    def scored(self, el: El) -> str | None:
        """A score; its ``schemeID`` (the scoring scheme) has no ELM 3.2 home here."""
        scheme = _token(el.get("schemeID"))
        if scheme:
            self.issue("dropped", el, f"the score's schemeID {scheme!r} has no ELM 3.2 home; not "
                       "carried over")
        return self.string(el)

    def integer(self, el: El) -> int | None:
        value = _token(el.text)
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number != number.to_integral_value():
            self.issue("invalid", el, f"{value!r} is not a whole number; left out")
            return None
        return int(number)

    # ------------------------------------------------------------------------------- concepts

    def concept(self, el: El) -> m.Concept | None:
        """A v2 code (``uri`` + ``targetName`` ...) as a Concept, from elmkit's vocabularies when
        the list is shipped."""
        uri = self.iri(el)
        if uri is None:
            return None
        names: list[LangText | None] = []
        descriptions: list[LangText | None] = []
        for child in _children(el):
            name = _local(child)
            if name == "targetName":
                names.append(self.text(child))
            elif name == "targetDescription":
                descriptions.append(self.text(child))
            elif name != "targetFrameworkName":
                self.issue("dropped", child, f"<{name}> is not expected in a code; not carried over")
        labels = _merge_texts(names)
        definition = _merge_texts(descriptions)
        cached = self.concepts.get(uri)
        if cached is not None:
            # the same code again: labels and descriptions in other languages are added to it
            for field, given in (("pref_label", labels), ("definition", definition)):
                current = getattr(cached, field)
                extra = {t: given.get_all(t) for t in given if current is None or t not in current} if given else {}
                if extra:
                    setattr(cached, field, _merge_text(current, LangText(extra)))
            return cached
        entry = vocab.find_concept(uri)
        if entry is not None:
            concept = entry.to_concept()
            if labels is not None:
                extra = {t: v for t, v in labels.items() if concept.pref_label is None or t not in concept.pref_label}
                if extra:
                    concept.pref_label = _merge_text(concept.pref_label, LangText(extra))
        else:
            scheme = _token(el.get("targetFrameworkUrl"))
            concept = m.Concept(
                id=uri,
                pref_label=labels,
                definition=definition,
                notation=_token(el.get("targetNotation")) or None,
                in_scheme=[m.ConceptScheme(id=scheme)] if scheme and _is_iri(scheme) else [],
            )
        if definition is not None and entry is not None and concept.definition is None:
            concept.definition = definition
        self.concepts[uri] = concept
        return concept

    def jurisdiction(self, el: El) -> m.Concept | None:
        """ELM 3.2 takes jurisdictions from the territorial units list (ATU), which has an entry
        for each country with the same code; v2 documents used the country list."""
        concept = self.concept(el)
        if concept is None or concept.id is None:
            return concept
        entry = vocab.find_concept(concept.id)
        if entry is not None and entry.scheme == vocab.vocabulary("country").iri:
            unit = vocab.vocabulary("atu").find(entry.notation)
            if unit is not None and unit.notation == entry.notation:
                self.issue("changed", el, f"country {entry.notation} is written as the territorial "
                           f"unit {unit.iri} (ELM 3.2 takes jurisdictions from the ATU list)")
                return unit.to_concept()
        return concept

    def report_language(self, kind: str, language: str, el: El, message: str) -> None:
        """Report something about a language once, at its first use."""
        if (kind, language) not in self.reported_languages:
            self.reported_languages.add((kind, language))
            self.issue(kind, el, message)

    def language_tag(self, language: str, el: El, *, once: bool = True) -> str | None:
        """The BCP 47 tag of a v2 language (a ``lang`` attribute, ``primaryLanguage``): the tag
        itself, or the tag a POSIX locale name stands for (``ca_ES`` is ``ca-ES``, reported as
        ``derived``: at its first use, or every time unless ``once``); ``None`` when it is
        neither."""
        tag = _well_formed(language)
        if tag is not None:
            return tag
        tag = posix_language_tag(language)
        if tag is not None:
            message = f"language {language!r} is a POSIX locale name; read as the BCP 47 tag {tag}"
            if once:
                self.report_language("derived", language, el, message)
            else:
                self.issue("derived", el, message)
        return tag

    def language(self, el: El) -> m.Concept | None:
        code = _token(el.text)
        if valencian_guess(code):
            self.issue("invalid", el, f"{code!r} {_NOT_VALENCIAN}; left out")
            return None
        code = self.language_tag(code, el, once=False) or code
        try:
            return vocab.language(code).to_concept()
        except (UnknownCodeError, LanguageTagError):
            self.issue("invalid", el, f"{code!r} is not a language of the EU table; left out")
            return None

    # ------------------------------------------------------------------------------- small nodes

    def identifier(self, el: El, *, legal: bool = False) -> m.Identifier | m.LegalIdentifier | None:
        notation = _token(el.text)
        if not notation:
            self.issue("invalid", el, "empty identifier; left out")
            return None
        spatial_id = _token(el.get("spatialID"))
        cls: type[m.Identifier] = m.LegalIdentifier if (legal or spatial_id) else m.Identifier
        ident = cls(notation=notation)
        scheme_id = _token(el.get("schemeID"))
        scheme_name = el.get("schemeName")
        if scheme_id and _is_iri(scheme_id):
            ident.scheme_id = scheme_id
        elif scheme_id and scheme_name is None:
            scheme_name = scheme_id
        elif scheme_id:
            self.issue("dropped", el, f"schemeID {scheme_id!r} is neither an IRI nor the only scheme "
                       "name; not carried over")
        if scheme_name:
            ident.scheme_name = scheme_name
        agency = el.get("schemeAgencyName")
        if agency:
            ident.scheme_agency = LangText({self.lang: agency})
        issued = el.get("issuedDate")
        if issued:
            self.put(ident, "date_issued", self.datetime(_Attr(el, issued)), el)
        kind = _token(el.get("type"))
        if kind and _is_iri(kind):
            ident.dc_type = [m.Concept(id=kind)]
        elif kind:
            self.issue("dropped", el, f"identifier type {kind!r} is not a concept IRI; not carried over")
        if spatial_id:
            found = self._spatial(spatial_id)
            if found is None:
                self.issue("invalid", el, f"spatialID {spatial_id!r} is not a country or territory code")
            else:
                ident.spatial = found  # type: ignore[attr-defined]
        return ident

    def legal_identifier(self, el: El) -> m.Identifier | m.LegalIdentifier | None:
        return self.identifier(el, legal=True)

    def _spatial(self, code: str) -> m.Concept | None:
        for lookup in (vocab.country, vocab.atu):
            try:
                return lookup(code).to_concept()
            except (UnknownCodeError, LanguageTagError):
                continue
        return None

    def web_resource(self, el: El) -> m.WebResource | None:
        url = self.iri(el)
        if url is None:
            return None
        rules: dict[str, Rule] = {
            "title": _put("title", _Converter.text),
            "language": _put("language", _Converter.concept),
            "subject": _drop("a document's subject has no ELM 3.2 home; not carried over"),
        }
        node: m.WebResource = self.build(el, m.WebResource, rules, v2_id="")
        node.content_url = url
        return node

    def interactive_resource(self, el: El) -> m.WebResource | None:
        url = self.iri(el)
        return None if url is None else m.WebResource(content_url=url)

    def mailbox(self, el: El) -> m.Mailbox | None:
        url = self.iri(el)
        return None if url is None else m.Mailbox(id=url, type="Mailbox")

    def media_object(self, el: El) -> m.MediaObject:
        def finish(c: _Converter, el: El, node: m.MediaObject) -> None:
            if node.content_encoding is None and node.content is not None:
                node.content_encoding = vocab.content_encoding("base64").to_concept()
                c.issue("derived", el, "contentEncoding is missing; base64 (the v2 content type) is set")

        rules: dict[str, Rule] = {
            "contentType": _put("content_type", _Converter.concept),
            "contentEncoding": _put("content_encoding", _Converter.concept),
            "contentSize": _put("content_size", _Converter.integer),
            "contentUrl": _put("content_url", lambda c, e: c.iri(e, "")),
            "content": _put("content", lambda c, e: "".join((e.text or "").split()) or None),
        }
        node: m.MediaObject = self.build(el, m.MediaObject, rules, finish=finish)
        return node

    def phone(self, el: El) -> m.Phone:
        rules: dict[str, Rule] = {
            name: _put(field, _Converter.string)
            for name, field in (("phoneNumber", "phone_number"), ("countryDialing", "country_dialing"),
                                ("areaDialing", "area_dialing"), ("dialNumber", "dial_number"))
        }
        node: m.Phone = self.build(el, m.Phone, rules, v2_id="")
        return node

    def contact_point(self, el: El) -> m.ContactPoint:
        rules: dict[str, Rule] = {
            "note": _put("additional_note", _Converter.note),
            "description": _put("description", _Converter.note_text),
            "address": _put("address", _Converter.address),
            "phone": _put("phone", _Converter.phone),
            "mailBox": _put("email_address", _Converter.mailbox),
            "wallet": _drop("a wallet address has no ELM 3.2 home; not carried over"),
            "webresource": _put("contact_form", _Converter.interactive_resource),
        }
        node: m.ContactPoint = self.build(el, m.ContactPoint, rules, v2_id="")
        return node

    def address(self, el: El) -> m.Address:
        rules: dict[str, Rule] = {
            "id": _skip,
            "identifier": _put("identifier", _Converter.identifier),
            "fullAddress": _put("full_address", _Converter.note),
            "country": _put("country_code", _Converter.concept),
        }
        node: m.Address = self.build(el, m.Address, rules, v2_id=_inner_id(el))
        return node

    def location(self, el: El) -> m.Location:
        rules: dict[str, Rule] = {
            "id": _skip,
            "identifier": _put("identifier", _Converter.identifier),
            "name": _put("geographic_name", _Converter.text),
            "description": _put("description", _Converter.note_text),
            "hasAddress": _put("address", _Converter.address),
            "spatialCode": _put("spatial_code", _Converter.concept),
        }
        node: m.Location = self.build(el, m.Location, rules, v2_id=_inner_id(el), finish=_Converter._address_from_code)
        return node

    def coded_location(self, el: El) -> m.Location | None:
        """A location given only as a code (awarding opportunities)."""
        concept = self.concept(el)
        if concept is None:
            return None
        node = m.Location(spatial_code=[concept])
        self._address_from_code(el, node)
        return node

    def _address_from_code(self, el: El, node: m.Location) -> None:
        if node.address:
            return
        for concept in node.spatial_code:
            country = _country_of(concept.id or "")
            if country is not None:
                node.address = [m.Address(country_code=country)]
                self.issue("derived", el, "the location has no address; one with the country of its "
                           "spatial code is added (ELM 3.2 requires an address)")
                return

    # ------------------------------------------------------------------------------- agents

    def organisation(self, el: El) -> m.Organisation:
        rules: dict[str, Rule] = {
            "identifier": _Converter._org_identifier,
            "type": _put("dc_type", _Converter.concept),
            "additionalNote": _put("additional_note", _Converter.note),
            "contactPoint": _put("contact_point", _Converter.contact_point),
            "registration": _put("registration", _Converter.legal_identifier),
            "vatIdentifier": _put("vat_identifier", _Converter.legal_identifier),
            "taxIdentifier": _put("tax_identifier", _Converter.legal_identifier),
            "prefLabel": _put("legal_name", _Converter.text),
            "altLabel": _put("alt_label", _Converter.text),
            "homepage": _put("homepage", _Converter.web_resource),
            "hasLocation": _put("location", _Converter.location),
            "hasAccreditation": _put("accreditation", lambda c, e: c.resolve(e, {"accreditation": _Converter.accreditation})),
            "hasUnit": _put("has_sub_organization", _Converter.org_ref),
            "unitOf": _put("sub_organization_of", _Converter.org_ref),
            "logo": _put("logo", _Converter.media_object),
        }
        node: m.Organisation = self.build(el, m.Organisation, rules, finish=_Converter._legal_spatial)
        return node

    def org_ref(self, el: El) -> m.Organisation | None:
        if el.get("idref") is None and _child(el, "prefLabel") is not None:
            # an organisation written inline (a unit within a unit…) counts as a reference
            self.ref_depth += 1
            try:
                if self.ref_depth > MAX_REFERENCE_DEPTH:
                    raise StructureError(
                        f"organisations are nested deeper than {MAX_REFERENCE_DEPTH} levels "
                        f"(line {el.sourceline})",
                        path=_path(el, self.positions),
                    )
                return self.organisation(el)
            finally:
                self.ref_depth -= 1
        found: m.Organisation | None = self.resolve(el, {"organization": _Converter.organisation})
        return found

    def _org_identifier(self, el: El, node: ElmNode) -> None:
        words = " ".join(filter(None, (el.get("schemeID"), el.get("schemeName"), el.get("type")))).lower()
        if "eidas" in words.replace("-", "").replace(" ", ""):
            self.put(node, "eidas_identifier", self.identifier(el, legal=True), el)
            self.issue("changed", el, "an identifier whose scheme names eIDAS is written as the "
                       "organisation's eIDAS legal identifier")
            return
        self.put(node, "identifier", self.identifier(el), el)

    def _legal_spatial(self, el: El, node: m.Organisation) -> None:
        country = None
        for location in node.location:
            for address in location.address:
                if address.country_code is not None:
                    country = address.country_code
                    break
            if country is not None:
                break
        idents = [node.registration, node.eidas_identifier, *node.vat_identifier, *node.tax_identifier]
        for ident in idents:
            if isinstance(ident, m.LegalIdentifier) and ident.spatial is None and country is not None:
                ident.spatial = country
                self.issue("derived", el, f"legal identifier {ident.notation!r} has no spatialID; the "
                           "country of the organisation's address is used (ELM 3.2 requires one)")

    def person(self, el: El) -> m.Person:
        claims: dict[str, Callable[[_Converter, El], Any]] = {
            "learningAchievement": _Converter.achievement,
            "qualificationAward": _Converter.achievement,
        }
        rules: dict[str, Rule] = {
            "identifier": _put("identifier", _Converter.identifier),
            "type": _drop("a person's type has no ELM 3.2 home; not carried over"),
            "prefLabel": _drop("a person's preferred label has no ELM 3.2 home (names are "
                               "carried); not carried over"),
            "altLabel": _drop("a person's alternative label has no ELM 3.2 home; not carried over"),
            "additionalNote": _drop("a person's additional note has no ELM 3.2 home; not carried over"),
            "contactPoint": _put("contact_point", _Converter.contact_point),
            "nationalId": _put("national_id", _Converter.legal_identifier),
            "fullName": _put("full_name", _Converter.text),
            "givenNames": _put("given_name", _Converter.text),
            "familyName": _put("family_name", _Converter.text),
            "birthName": _put("birth_name", _Converter.text),
            "patronymicName": _put("patronymic_name", _Converter.text),
            "dateOfBirth": _put("date_of_birth", _Converter.date),
            "placeOfBirth": _put("place_of_birth", _Converter.location),
            "gender": _put("gender", _Converter.concept),
            "citizenshipCountry": _put("citizenship_country", _Converter.concept),
            "hasLocation": _put("location", _Converter.location),
            "achievements": _each("has_claim", claims),
            "activities": _each("has_claim", {"activity": _Converter.activity}),
            "entitlements": _each("has_claim", {"entitlement": _Converter.entitlement}),
        }
        node: m.Person = self.build(el, m.Person, rules)
        return node

    # ------------------------------------------------------------------------------- claims

    def _nested(self, el: El) -> None:
        if self.depth > MAX_CLAIM_DEPTH:
            raise StructureError(f"claims are nested deeper than {MAX_CLAIM_DEPTH} levels (line {el.sourceline})",
                                 path=_path(el, self.positions))

    def achievement(self, el: El) -> m.LearningAchievement:
        self._nested(el)
        spec: dict[str, Callable[[_Converter, El], Any]] = {
            "learningSpecification": _Converter.learning_spec,
            "qualification": _Converter.learning_spec,
        }
        claims: dict[str, Callable[[_Converter, El], Any]] = {
            "learningAchievement": _Converter.achievement,
            "qualificationAward": _Converter.achievement,
        }
        rules: dict[str, Rule] = {
            **_claim_rules(),
            "wasDerivedFrom": _put("proven_by", _Converter.assessment),
            "wasInfluencedBy": _put("influenced_by", _Converter.activity),
            "wasAwardedBy": _put("awarded_by", lambda c, e: c.resolve(e, {"awardingProcess": _Converter.awarding_process})),
            "hasPart": _each("has_part", claims),
            "entitlesTo": _put("entitles_to", _Converter.entitlement),
            "specifiedBy": _put("specified_by", lambda c, e: c.resolve(e, spec)),
            "associatedLearningOpportunity": _put("learning_opportunity", _Converter.opportunity_ref),
        }
        self.depth += 1
        try:
            node: m.LearningAchievement = self.build(el, m.LearningAchievement, rules)
        finally:
            self.depth -= 1
        return node

    def activity(self, el: El) -> m.LearningActivity:
        self._nested(el)
        rules: dict[str, Rule] = {
            **_claim_rules(),
            "workload": _put("workload", _Converter.duration),
            "startedAtTime": _period("start_date"),
            "endedAtTime": _period("end_date"),
            "directedBy": _put("directed_by", _Converter.org_ref),
            "location": _put("location", _Converter.location),
            "specifiedBy": _put("specified_by", lambda c, e: c.resolve(
                e, {"learningActivitySpecification": _Converter.activity_spec})),
            "usedLearningOpportunity": _put("learning_opportunity", _Converter.opportunity_ref),
            "influenced": _each("influences", {"learningAchievement": _Converter.achievement,
                                               "qualificationAward": _Converter.achievement}),
            "hasPart": _put("has_part", _Converter.activity),
        }
        self.depth += 1
        try:
            node: m.LearningActivity = self.build(el, m.LearningActivity, rules)
        finally:
            self.depth -= 1
        return node

    def assessment(self, el: El) -> m.LearningAssessment:
        self._nested(el)
        rules: dict[str, Rule] = {
            **_claim_rules(),
            "grade": _put("grade", _Converter.grade),
            "shortenedGrading": _put("shortened_grading", _Converter.shortened_grading),
            "resultDistribution": _put("result_distribution", _Converter.result_distribution),
            "issuedDate": _put("date_issued", _Converter.datetime),
            "idVerificationMethod": _put("id_verification", _Converter.concept),
            "assessedBy": _put("assessed_by", _Converter.org_ref),
            "specifiedBy": _put("specified_by", lambda c, e: c.resolve(
                e, {"assessmentSpecification": _Converter.assessment_spec})),
            "hasPart": _put("has_part", _Converter.assessment),
        }
        self.depth += 1
        try:
            node: m.LearningAssessment = self.build(el, m.LearningAssessment, rules)
        finally:
            self.depth -= 1
        return node

    def entitlement(self, el: El) -> m.LearningEntitlement:
        self._nested(el)
        rules: dict[str, Rule] = {
            **_claim_rules(),
            "issuedDate": _put("date_issued", _Converter.date),
            "expiryDate": _put("expiry_date", _Converter.date),
            "specifiedBy": _put("specified_by", lambda c, e: c.resolve(
                e, {"entitlementSpecification": _Converter.entitlement_spec})),
            "wasDerivedFrom": _each("entitled_by", {"learningAchievement": _Converter.achievement,
                                                    "qualificationAward": _Converter.achievement}),
            "hasPart": _put("has_part", _Converter.entitlement),
        }
        self.depth += 1
        try:
            node: m.LearningEntitlement = self.build(el, m.LearningEntitlement, rules)
        finally:
            self.depth -= 1
        return node

    def grade(self, el: El) -> m.Note | None:
        value = (el.text or "").strip()
        if not value:
            self.issue("invalid", el, "empty grade; left out")
            return None
        scheme = _token(el.get("schemeID"))
        if scheme:
            self.issue("dropped", el, f"the grade's schemeID {scheme!r} has no ELM 3.2 home (the "
                       "assessment specification's grading scheme is carried); not carried over")
        return m.Note(note_literal=LangText({self.lang: value}))

    def shortened_grading(self, el: El) -> m.ShortenedGrading:
        rules: dict[str, Rule] = {
            "percentageLower": _put("percentage_lower", _Converter.percentage),
            "percentageEqual": _put("percentage_equal", _Converter.percentage),
            "percentageHigher": _put("percentage_higher", _Converter.percentage),
        }
        node: m.ShortenedGrading = self.build(el, m.ShortenedGrading, rules, v2_id="")
        return node

    def result_distribution(self, el: El) -> m.ResultDistribution:
        rules: dict[str, Rule] = {
            "category": _put("result_category", _Converter.result_category),
            "description": _put("description", _Converter.note_text),
        }
        node: m.ResultDistribution = self.build(el, m.ResultDistribution, rules, v2_id="")
        return node

    def result_category(self, el: El) -> m.ResultCategory:
        def label(c: _Converter, e: El) -> str | None:
            text = c.text(e)
            if text is None:
                return None
            chosen = text.get(c.lang)
            if len(text) > 1 or len(text.get_all(text.languages[0])) > 1:
                c.issue("dropped", e, f"ELM 3.2 takes one label for a result category; {chosen!r} "
                        "is kept, the other languages are not carried over")
            return chosen

        rules: dict[str, Rule] = {
            "label": _put("label", label),
            "score": _put("score", _Converter.scored),
            "minScore": _put("minimum_score", _Converter.scored),
            "maxScore": _put("maximum_score", _Converter.scored),
            "count": _put("count", _Converter.integer),
        }
        node: m.ResultCategory = self.build(el, m.ResultCategory, rules, v2_id="")
        return node

    def awarding_process(self, el: El) -> m.AwardingProcess:
        rules: dict[str, Rule] = {
            "identifier": _put("identifier", _Converter.identifier),
            "description": _put("description", _Converter.note_text),
            "additionalNote": _put("additional_note", _Converter.note),
            "used": _put("used", _Converter.assessment),
            "awardingBody": _put("awarding_body", _Converter.org_ref),
            "location": _put("location", _Converter.location),
            "date": _put("awarding_date", _Converter.datetime),
        }
        node: m.AwardingProcess = self.build(el, m.AwardingProcess, rules)
        return node

    # ------------------------------------------------------------------------------- specifications

    def learning_spec(self, el: El) -> m.LearningAchievementSpecification:
        qualification = _local(el) == "qualification"
        spec_ref: dict[str, Callable[[_Converter, El], Any]] = {
            "learningSpecification": _Converter.learning_spec,
            "qualification": _Converter.learning_spec,
        }
        rules: dict[str, Rule] = {
            **_spec_rules(),
            "type": _put("dc_type", _Converter.concept),
            "definition": _put("additional_note", _Converter.note),
            "hasISCED-FCode": _put("thematic_area", _Converter.concept),
            "hasEducationSubject": _put("education_subject", _Converter.concept),
            "volumeOfLearning": _put("volume_of_learning", _Converter.duration),
            "hasECTSCreditPoints": _put("credit_point", lambda c, e: c.credit(e, "ECTS")),
            "hasCreditPoints": _put("credit_point", lambda c, e: c.credit(e, None)),
            "hasEducationLevel": _put("education_level", _Converter.concept),
            "language": _put("language", _Converter.concept),
            "mode": _put("mode", _Converter.concept),
            "learningSettingType": _put("learning_setting", _Converter.concept),
            "duration": _put("maximum_duration", _Converter.duration),
            "targetGroup": _put("target_group", _Converter.concept),
            "entryRequirementsNote": _put("entry_requirement", _Converter.note),
            "learningOutcomes": _each("learning_outcome", {"learningOutcome": lambda c, e: c.resolve(
                e, {"learningOutcome": _Converter.learning_outcome})}),
            "learningActivitySpecification": _put("influenced_by", lambda c, e: c.resolve(
                e, {"learningActivitySpecification": _Converter.activity_spec})),
            "assessmentSpecification": _put("proven_by", lambda c, e: c.resolve(
                e, {"assessmentSpecification": _Converter.assessment_spec})),
            "entitlementSpecification": _put("entitles_to", lambda c, e: c.resolve(
                e, {"entitlementSpecification": _Converter.entitlement_spec})),
            "awardingOpportunities": _each("awarding_opportunity",
                                           {"awardingOpportunity": _Converter.awarding_opportunity}),
            "hasPart": _put("has_part", lambda c, e: c.resolve(e, spec_ref)),
            "specializationOf": _put("specialisation_of", lambda c, e: c.resolve(e, spec_ref)),
        }
        if qualification:
            rules.update({
                "isPartialQualification": _put("is_partial_qualification", _Converter.boolean),
                "eqfLevel": _put("eqf_level", _Converter.concept),
                "nqfLevel": _put("nqf_level", _Converter.concept),
                "hasAccreditation": _put("accreditation", lambda c, e: c.resolve(
                    e, {"accreditation": _Converter.accreditation})),
                "qualificationCode": _put("qualification_code", _Converter.concept),
            })
            node: m.LearningAchievementSpecification = self.build(el, m.Qualification, rules)
        else:
            node = self.build(el, m.LearningAchievementSpecification, rules)
        return node

    def credit(self, el: El, system: str | None) -> m.CreditPoint | None:
        point = _token(el.text)
        if not _finite_decimal(point):
            self.issue("invalid", el, f"{point!r} is not a number of credit points; left out")
            return None
        scheme = _token(el.get("schemeID"))
        if scheme:
            system = _V2_CREDIT_SYSTEMS.get(scheme.rstrip("/").rsplit("/", 1)[-1].lower(), scheme)
        if system is None:
            self.issue("dropped", el, f"{point} credit points without a credit system (schemeID); "
                       "ELM 3.2 requires one, not carried over")
            return None
        try:
            framework = vocab.credit_system(system).to_concept()
        except UnknownCodeError:
            if not _is_iri(system):
                self.issue("invalid", el, f"credit system {system!r} is unknown; left out")
                return None
            framework = m.Concept(id=system)
        return m.CreditPoint(framework=framework, point=point)

    def activity_spec(self, el: El) -> m.LearningActivitySpecification:
        spec_ref: dict[str, Callable[[_Converter, El], Any]] = {
            "learningActivitySpecification": _Converter.activity_spec}
        rules: dict[str, Rule] = {
            **_spec_rules(),
            "type": _put("dc_type", _Converter.concept),
            "workload": _put("volume_of_learning", _Converter.duration),
            "language": _put("language", _Converter.concept),
            "mode": _put("mode", _Converter.concept),
            "teaches": _put("influences", lambda c, e: c.resolve(
                e, {"learningSpecification": _Converter.learning_spec, "qualification": _Converter.learning_spec})),
            "hasPart": _put("has_part", lambda c, e: c.resolve(e, spec_ref)),
            "specializationOf": _put("specialisation_of", lambda c, e: c.resolve(e, spec_ref)),
        }
        node: m.LearningActivitySpecification = self.build(el, m.LearningActivitySpecification, rules)
        return node

    def assessment_spec(self, el: El) -> m.LearningAssessmentSpecification:
        spec_ref: dict[str, Callable[[_Converter, El], Any]] = {
            "assessmentSpecification": _Converter.assessment_spec}
        rules: dict[str, Rule] = {
            **_spec_rules(),
            "type": _put("dc_type", _Converter.concept),
            "language": _put("language", _Converter.concept),
            "mode": _put("mode", _Converter.concept),
            "gradingScheme": _put("grading_scheme", lambda c, e: c.resolve(
                e, {"scoringScheme": _Converter.grading_scheme})),
            "proves": _put("proves", lambda c, e: c.resolve(
                e, {"learningSpecification": _Converter.learning_spec, "qualification": _Converter.learning_spec})),
            "hasPart": _put("has_part", lambda c, e: c.resolve(e, spec_ref)),
            "specializationOf": _put("specialisation_of", lambda c, e: c.resolve(e, spec_ref)),
        }
        node: m.LearningAssessmentSpecification = self.build(el, m.LearningAssessmentSpecification, rules)
        return node

    def entitlement_spec(self, el: El) -> m.LearningEntitlementSpecification:
        spec_ref: dict[str, Callable[[_Converter, El], Any]] = {
            "entitlementSpecification": _Converter.entitlement_spec}
        rules: dict[str, Rule] = {
            **_spec_rules(),
            "type": _put("dc_type", _Converter.concept),
            "status": _put("entitlement_status", _Converter.concept),
            "limitOrganization": _put("limit_organisation", _Converter.org_ref),
            "limitJurisdiction": _put("limit_jurisdiction", _Converter.jurisdiction),
            "limitOccupation": _put("limit_occupation", _Converter.concept),
            "limitNationalOccupation": _put("limit_national_occupation", _Converter.concept),
            "mayResultFrom": _put("entitled_by", lambda c, e: c.resolve(
                e, {"learningSpecification": _Converter.learning_spec, "qualification": _Converter.learning_spec})),
            "hasPart": _put("has_part", lambda c, e: c.resolve(e, spec_ref)),
            "specializationOf": _put("specialisation_of", lambda c, e: c.resolve(e, spec_ref)),
        }
        node: m.LearningEntitlementSpecification = self.build(el, m.LearningEntitlementSpecification, rules)
        return node

    def learning_outcome(self, el: El) -> m.LearningOutcome:
        rules: dict[str, Rule] = {
            "identifier": _put("identifier", _Converter.identifier),
            "prefLabel": _put("title", _Converter.text),
            "description": _put("additional_note", _Converter.note),
            "learningOutcomeType": _put("dc_type", _Converter.concept),
            "reusabilityLevel": _put("reusability_level", _Converter.concept),
            "relatedSkill": _put("related_skill", _Converter.concept),
            "relatedEscoSkill": _put("related_esco_skill", _Converter.concept),
        }
        node: m.LearningOutcome = self.build(el, m.LearningOutcome, rules)
        return node

    def grading_scheme(self, el: El) -> m.GradingScheme:
        rules: dict[str, Rule] = {
            "identifier": _put("identifier", _Converter.identifier),
            "title": _put("title", _Converter.text),
            "description": _put("description", _Converter.note_text),
            "supplementaryDoc": _put("supplementary_document", _Converter.web_resource),
        }
        node: m.GradingScheme = self.build(el, m.GradingScheme, rules)
        return node

    def awarding_opportunity(self, el: El) -> m.AwardingOpportunity:
        rules: dict[str, Rule] = {
            "id": _skip,
            "identifier": _put("identifier", _Converter.identifier),
            "organization": _put("awarding_body", _Converter.org_ref),
            "location": _put("location", _Converter.coded_location),
            "startedAtTime": _period("start_date"),
            "endedAtTime": _period("end_date"),
        }
        node: m.AwardingOpportunity = self.build(el, m.AwardingOpportunity, rules, v2_id=_inner_id(el))
        return node

    def opportunity_ref(self, el: El) -> m.LearningOpportunity | None:
        found: m.LearningOpportunity | None = self.resolve(el, {"learningOpportunity": _Converter.opportunity})
        return found

    def opportunity(self, el: El) -> m.LearningOpportunity:
        rules: dict[str, Rule] = {
            **_spec_rules(),
            "altLabel": _drop("a learning opportunity's alternative label has no ELM 3.2 home; not carried over"),
            "startedAtDate": _period("start_date", date_only=True),
            "endedAtDate": _period("end_date", date_only=True),
            "duration": _put("duration", _Converter.duration),
            "learningSchedule": _put("learning_schedule", _Converter.concept),
            "scheduleInformation": _put("schedule_information", _Converter.note),
            "admissionProcedure": _put("admission_procedure", _Converter.note),
            "priceDetails": _put("price_detail", _Converter.price_detail),
            "providedBy": _put("provided_by", _Converter.org_ref),
            "providedAt": _put("location", _Converter.location),
            "bannerImage": _put("banner_image", _Converter.media_object),
            "specifiedBy": _put("learning_achievement_specification", lambda c, e: c.resolve(
                e, {"learningSpecification": _Converter.learning_spec, "qualification": _Converter.learning_spec})),
            "hasPart": _put("has_part", _Converter.opportunity_ref),
        }
        node: m.LearningOpportunity = self.build(el, m.LearningOpportunity, rules)
        return node

    def price_detail(self, el: El) -> m.PriceDetail:
        def amount(c: _Converter, e: El) -> m.Amount | None:
            value = _token(e.text)
            unit = _token(e.get("unit"))
            try:
                if not _finite_decimal(value):
                    raise InvalidOperation(value)
                currency = vocab.currency(unit).to_concept()
            except (InvalidOperation, UnknownCodeError):
                c.issue("invalid", e, f"amount {value!r} {unit!r} is not a number and a currency; left out")
                return None
            return m.Amount(value=value, unit=currency)

        rules: dict[str, Rule] = {
            "id": _skip,
            "identifier": _put("identifier", _Converter.identifier),
            "amount": _put("amount", amount),
            "name": _put("pref_label", _Converter.text),
            "description": _put("description", _Converter.note_text),
            "additionalNote": _put("additional_note", _Converter.note),
        }
        node: m.PriceDetail = self.build(el, m.PriceDetail, rules, v2_id=_inner_id(el))
        return node

    def accreditation(self, el: El) -> m.Accreditation:
        def decision(c: _Converter, e: El) -> m.Concept | None:
            value = _token(e.text)
            if not value:
                return None
            scheme = _token(e.get("schemeID"))
            return m.Concept(pref_label=LangText({c.lang: value}),
                             in_scheme=[m.ConceptScheme(id=scheme)] if scheme and _is_iri(scheme) else [])

        def qualification(c: _Converter, e: El) -> Any:
            if e.get("idref") is not None:
                return c.resolve(e, {"qualification": _Converter.learning_spec})
            return c.learning_spec(_Renamed(e, "qualification"))

        rules: dict[str, Rule] = {
            "identifier": _put("identifier", _Converter.identifier),
            "type": _put("dc_type", _Converter.concept),
            "title": _put("title", _Converter.text),
            "description": _put("description", _Converter.note_text),
            "decision": _put("decision", decision),
            "report": _put("report", _Converter.web_resource),
            "organization": _put("organisation", _Converter.org_ref),
            "limitQualification": _put("limit_qualification", qualification),
            "limitField": _put("limit_field", _Converter.concept),
            "limitEQFLevel": _put("limit_eqf_level", _Converter.concept),
            "limitJurisdiction": _put("limit_jurisdiction", _Converter.jurisdiction),
            "accreditingAgent": _put("accrediting_agent", _Converter.org_ref),
            "issuedDate": _put("date_issued", _Converter.datetime),
            "reviewDate": _put("review_date", _Converter.datetime),
            "expiryDate": _put("expiry_date", _Converter.datetime),
            "additionalNote": _put("additional_note", _Converter.note),
            "homepage": _put("homepage", _Converter.web_resource),
            "landingpage": _put("landing_page", _Converter.web_resource),
            "supplementaryDoc": _put("supplementary_document", _Converter.web_resource),
        }
        node: m.Accreditation = self.build(el, m.Accreditation, rules)
        return node

    # ------------------------------------------------------------------------------- credential

    def convert(self) -> m.EuropeanDigitalCredential:
        cred_el = self.credential_el
        credential = m.EuropeanDigitalCredential(
            id=self.credential_id,
            credential_schema=[m.ShaclValidator2017(id=EDC_GENERIC_FULL, type="ShaclValidator2017")],
        )
        display = m.DisplayParameter(id=stable_id(m.DisplayParameter, "display", namespace=self.id_space))
        def profile(c: _Converter, el: El, node: ElmNode) -> None:
            concept = c.concept(el)
            if concept is not None and concept.id != _GENERIC_PROFILE:
                label = concept.pref_label.get("en") if concept.pref_label else concept.id
                c.issue("changed", el, f"the v2 credential type {label!r} is converted as a Generic "
                        "ELM 3.2 credential (edc-generic-full)")

        def languages(c: _Converter, el: El, node: ElmNode) -> None:
            for child in _children(el):
                c.put(display, "language", c.language(child), child)

        def to_display(field: str) -> Rule:
            def rule(c: _Converter, el: El, node: ElmNode) -> None:
                c.put(display, field, c.text(el), el)

            return rule

        def issuer(c: _Converter, el: El, node: ElmNode) -> None:
            c.issuer = c.org_ref(el)
            c.put(node, "issuer", c.issuer, el)

        def proof(c: _Converter, el: El, node: ElmNode) -> None:
            if len(el) or (el.text or "").strip():
                c.issue("dropped", el, "the v2 XAdES seal signs the XML document and cannot carry over; "
                        "the converted credential must be sealed again")

        rules: dict[str, Rule] = {
            "identifier": _put("identifier", _Converter.identifier),
            "type": profile,
            "primaryLanguage": lambda c, el, node: c.put(display, "primary_language", c.language(el), el),
            "availableLanguages": languages,
            "validFrom": _put("valid_from", _Converter.datetime),
            "issued": _put("issued", _Converter.datetime),
            "validUntil": _put("valid_until", _Converter.datetime),
            "issuer": issuer,
            "title": to_display("title"),
            "description": to_display("description"),
            "credentialSubject": _put("credential_subject", _Converter.person),
            "displayParameters": _Converter._display_parameters,
            "attachmentList": _each("attachment", {"Attachment": _Converter.media_object}),
            "proof": proof,
            "childCredentials": _drop("child credentials are separate documents; convert each one "
                                      "on its own"),
        }
        for name in ("learningSpecificationReferences", "learningOutcomeReferences",
                     "learningActivitySpecificationReferences", "assessmentSpecificationReferences",
                     "entitlementSpecificationReferences", "learningOpportunityReferences",
                     "agentReferences", "awardingProcessReferences", "accreditationReferences",
                     "scoringSchemeReferences", "semanticFrameworkReferences"):
            rules[name] = _skip
        for child in _children(cred_el):
            rule = rules.get(_local(child))
            if rule is None:
                self.issue("dropped", child, f"<{_local(child)}> has no ELM 3.2 home; not carried over")
                continue
            rule(self, child, credential)

        credential.credential_profiles = [vocab.credential_profile("Generic").to_concept()]
        if credential.valid_from is None and credential.issued is not None:
            credential.valid_from = credential.issued
            self.issue("derived", cred_el, "no readable validFrom; the issuance date is used")
        if credential.issued is not None:
            credential.issuance_date = credential.issued
        credential.display_parameter = display
        if not display.individual_display:
            self.issue("missing", cred_el, "ELM v2 has no rendered pages: displayParameter has no "
                       "individualDisplay image (render one, then seal)")
        self._unreferenced()
        self._fill_awarding(credential)
        self._break_cycles(credential)
        self._assign_ids(credential)
        if self.more_issues:
            self.issues.append(ConversionIssue(
                kind="more", path="/", line=None,
                message=f"{self.more_issues} further issue(s) are not listed",
            ))
        return credential

    def _display_parameters(self, el: El, node: ElmNode) -> None:
        reasons = {
            "background": "the background image of the v2 display has no ELM 3.2 home (ELM 3.2 "
                          "shows rendered pages); not carried over",
            "template": "the v2 display template has no ELM 3.2 home; not carried over",
            "html": "the v2 display HTML has no ELM 3.2 home; not carried over",
            "labels": "the v2 display labels have no ELM 3.2 home; not carried over",
        }
        for child in _children(el):
            self.issue("dropped", child, reasons.get(_local(child), f"<{_local(child)}> has no ELM 3.2 home"))

    def _unreferenced(self) -> None:
        for ref_id, el in ((ref, el) for ref, items in self.refs.items() for el in items):
            if (ref_id, _local(el)) not in self.used_refs and _local(el) != "framework":
                self.issue("dropped", el, f"{ref_id} is not referenced from the credential; not carried over")
            elif _local(el) == "framework":
                self.issue("dropped", el, "semantic frameworks have no ELM 3.2 home (concepts keep "
                           "their scheme IRI); not carried over")

    def _fill_awarding(self, credential: m.EuropeanDigitalCredential) -> None:
        """Every claim needs ``awardedBy``: a claim without one takes its parent claim's, else a
        process whose awarding body is the issuer."""
        subject = credential.credential_subject
        if subject is None or self.issuer is None:
            return
        derived: list[str] = []
        stack: list[tuple[Any, m.AwardingProcess | None]] = [(c, None) for c in reversed(subject.__dict__.get("has_claim", []))]
        seen: set[int] = set()
        while stack:
            claim, inherited = stack.pop()
            if id(claim) in seen:
                continue
            seen.add(id(claim))
            if claim.awarded_by is None:
                if inherited is None:
                    if self.default_award is None:
                        self.default_award = m.AwardingProcess(
                            id=stable_id(m.AwardingProcess, "issuer", namespace=self.id_space),
                            awarding_body=[self.issuer],
                        )
                    inherited = self.default_award
                claim.awarded_by = inherited
                derived.append(claim.id or type(claim).__name__)
            for field in ("has_part", "proven_by", "influenced_by", "entitles_to", "influences", "entitled_by"):
                for child in reversed(claim.__dict__.get(field) or []):
                    stack.append((child, claim.awarded_by))
            for used in (claim.awarded_by.used if claim.awarded_by is not None else []):
                stack.append((used, claim.awarded_by))
        if derived:
            self.issue("derived", self.credential_el, f"{len(derived)} claim(s) had no awarding process; "
                       "they take their parent claim's, or one whose awarding body is the issuer: "
                       + ", ".join(derived[:20]) + (" ..." if len(derived) > 20 else ""))

    def _break_cycles(self, credential: ElmNode) -> None:
        """Links that lead back to a node being written (``unitOf``/``hasUnit``, an activity's
        ``influenced``, ...) are kept in one direction only: JSON-LD nodes are written nested."""
        def edges(node: ElmNode) -> list[tuple[str, ElmNode]]:
            out: list[tuple[str, ElmNode]] = []
            for name in type(node).model_fields:
                value = node.__dict__.get(name)
                if isinstance(value, ElmNode):
                    out.append((name, value))
                elif isinstance(value, list):
                    out.extend((name, v) for v in value if isinstance(v, ElmNode))
            return out

        active: set[int] = {id(credential)}
        done: set[int] = set()
        stack: list[tuple[ElmNode, Iterator[tuple[str, ElmNode]]]] = [(credential, iter(edges(credential)))]
        removed: list[str] = []
        while stack:
            node, pending = stack[-1]
            for field, child in pending:
                key = id(child)
                if key in active:
                    value = node.__dict__.get(field)
                    if isinstance(value, list):
                        node.__dict__[field] = [v for v in value if v is not child]
                    else:
                        node.__dict__[field] = None
                    removed.append(f"{node.id}.{field} -> {child.id}")
                    continue
                if key in done:
                    continue
                active.add(key)
                stack.append((child, iter(edges(child))))
                break
            else:
                stack.pop()
                active.discard(id(node))
                done.add(id(node))
        if removed:
            self.issue("changed", self.credential_el, "links back to an enclosing node are written in "
                       "one direction only (the other direction carries them): " + "; ".join(removed[:20]))

    def _assign_ids(self, credential: ElmNode) -> None:
        for path, node in credential.walk():
            if node.id is None and not isinstance(node, m.Concept | m.ConceptScheme):
                node.id = stable_id(type(node), path, namespace=self.id_space)


# ------------------------------------------------------------------------------------- rule sets


def _claim_rules() -> dict[str, Rule]:
    return {
        "identifier": _put("identifier", _Converter.identifier),
        "title": _put("title", _Converter.text),
        "description": _put("description", _Converter.note_text),
        "additionalNote": _put("additional_note", _Converter.note),
    }


def _spec_rules() -> dict[str, Rule]:
    return {
        "identifier": _put("identifier", _Converter.identifier),
        "title": _put("title", _Converter.text),
        "altLabel": _put("alt_label", _Converter.text),
        "description": _put("description", _Converter.note_text),
        "additionalNote": _put("additional_note", _Converter.note),
        "homepage": _put("homepage", _Converter.web_resource),
        "supplementaryDoc": _put("supplementary_document", _Converter.web_resource),
    }


# ------------------------------------------------------------------------------------- helpers


class _Only:
    """A view of an element that shows only its children of one name."""

    def __init__(self, el: El, name: str) -> None:
        self._el = el
        self._name = name
        self.tag = el.tag
        self.sourceline = el.sourceline

    def __iter__(self) -> Iterator[El]:
        return (c for c in self._el if isinstance(c.tag, str) and _local(c) == self._name)

    def getparent(self) -> El:
        return self._el.getparent()

    def get(self, name: str, default: str | None = None) -> str | None:
        value: str | None = self._el.get(name, default)
        return value


class _Attr:
    """An attribute value presented like an element (for reading and for issue locations)."""

    def __init__(self, el: El, value: str) -> None:
        self.text = value
        self.tag = el.tag
        self.sourceline = el.sourceline
        self._el = el

    def getparent(self) -> El:
        return self._el.getparent()

    def __iter__(self) -> Iterator[El]:
        return iter(())


class _Renamed(_Only):
    """An element read as if it had another name (an inline qualification in an accreditation)."""

    def __init__(self, el: El, name: str) -> None:
        super().__init__(el, name)
        self.tag = f"{{{SNB}}}{name}"

    def __iter__(self) -> Iterator[El]:
        return (c for c in self._el if isinstance(c.tag, str))


def _inner_id(el: El) -> str:
    """The ``<id>`` child some v2 types carry instead of an ``id`` attribute."""
    found = _child(el, "id")
    return _token(found.text) if found is not None else ""


def _merge_texts(texts: list[LangText | None]) -> LangText | None:
    """Several texts as one (each text once per language, in order), in one pass."""
    values: dict[str, list[str]] = {}
    seen: dict[str, set[str]] = {}
    for text in texts:
        for tag in text or ():
            known = seen.setdefault(tag, set())
            for value in text.get_all(tag) if text is not None else ():
                if value not in known:
                    known.add(value)
                    values.setdefault(tag, []).append(value)
    return LangText(values) if values else None


def _merge_text(first: LangText | None, second: LangText | None) -> LangText | None:
    if first is None:
        return second
    if second is None:
        return first
    values: dict[str, list[str]] = {tag: list(first.get_all(tag)) for tag in first}
    for tag in second:
        values.setdefault(tag, []).extend(v for v in second.get_all(tag) if v not in values.get(tag, []))
    return LangText(values)


def _message(error: Mapping[str, Any]) -> str:
    text = str(error.get("msg", "invalid value"))
    try:
        return text.format(**error.get("ctx", {}))
    except (KeyError, ValueError, IndexError, AttributeError):
        return text


@functools.cache
def _allowed(cls: type[ElmNode], field: str) -> tuple[type[Any], ...]:
    """The classes a list field of ``cls`` takes (literal lists take strings)."""
    extra = cls.model_fields[field].json_schema_extra
    elm = extra.get("elm") if isinstance(extra, dict) else None
    names = elm.get("classes") if isinstance(elm, dict) else None
    if not names or not isinstance(names, list):
        return (str,)
    return tuple(getattr(m, str(name)) for name in names)


def _country_of(iri: str) -> m.Concept | None:
    """The country concept for a country or territorial unit IRI (``.../atu/IRL_CTH_DUB``)."""
    entry = vocab.find_concept(iri)
    if entry is None:
        return None
    if entry.scheme == vocab.vocabulary("country").iri:
        return entry.to_concept()
    if entry.scheme == vocab.vocabulary("atu").iri and len(entry.notation) >= 3:
        try:
            return vocab.country(entry.notation[:3]).to_concept()
        except UnknownCodeError:
            return None
    return None


