"""The runtime every generated ELM class stands on: the node base class and field helpers."""

from __future__ import annotations

import copy
import re
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from elmkit.errors import (
    ElmValidationError,
    ErrorDetail,
    StructureError,
    UnknownPropertyError,
    json_pointer,
    split_pointer,
)
from elmkit.model.datatypes import IRI_EXCLUDED
from elmkit.model.text import JSONLD_CONTEXT

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "SEC_PROOF",
    "ElmNode",
    "ProofHolder",
    "as_list",
    "as_node",
    "as_node_list",
    "check_structure",
    "same_node",
    "tag_discriminator",
]

_origins: dict[int, tuple[weakref.ref[Any], Any]] = {}

#: Deepest nesting of JSON objects/arrays accepted when building the model from data.
DEFAULT_MAX_DEPTH = 128
_DOCUMENT = {JSONLD_CONTEXT: True}
#: The predicate of proofs. The model's ``proof`` fields are plain ``sec:proof`` statements, as
#: the ELM shapes want them; the W3C ``proof`` term puts its proofs in a named graph instead.
SEC_PROOF = "https://w3id.org/security#proof"


#: White space beyond ASCII (Unicode's White_Space: no-break space, ideographic space…), which
#: an IRI cannot hold either (``is_iri`` refuses it too).
_UNICODE_SPACE = r"\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: A node's ``id``: an IRI or a blank node label, so no space (of any script), control character
#: or any of the characters IRIs exclude (checked by pydantic-core's own regex engine). A JSON
#: number is no id (JSON-LD requires a string), so it is not turned into one.
NodeId = Annotated[
    str, Strict(), StringConstraints(pattern=rf"^[^\x00-\x20\x7f{_UNICODE_SPACE}{IRI_EXCLUDED}]+$")
]
#: What an IRI (or blank node label) written in an unknown property may not hold: the ``id`` rule.
_NOT_IN_IRI = re.compile(rf"[\x00-\x20\x7f{_UNICODE_SPACE}{IRI_EXCLUDED}]")


def _iri_error(iri: str, pointer: list[str | int]) -> PydanticCustomError:
    return PydanticCustomError(
        "iri",
        "{reason}",
        {"reason": f"{iri!r} is no IRI: {_NO_IRI}", "pointer": json_pointer(pointer)},
    )


def _check_unknown_name(name: str) -> str:
    """An unknown property's name: one that is an IRI (``http://ex.org/p``, ``ex:p``) must be
    a valid one, as RDF holds it (a plain term no context defines is dropped by JSON-LD)."""
    if ":" in name and name[:1] != "@" and _NOT_IN_IRI.search(name):
        raise _iri_error(name, [])
    return name


def _check_unknown_value(value: Any) -> Any:
    """An unknown property's value: the IRIs it holds (``@id``, ``@type``, member names that
    are IRIs) must be valid ones, so that it means the same in JSON-LD and in RDF (where an
    invalid IRI cannot be written, or is dropped)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return value
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, trail = stack.pop()
        if isinstance(item, Mapping):
            for key, inner in item.items():
                if not isinstance(key, str):
                    continue
                if key == "@id" or key == "@type":
                    for position, iri in enumerate(inner if isinstance(inner, list) else [inner]):
                        if isinstance(iri, str) and _NOT_IN_IRI.search(iri):
                            where = [*trail, key, position] if isinstance(inner, list) else [*trail, key]
                            raise _iri_error(iri, where)
                elif ":" in key and key[:1] != "@" and _NOT_IN_IRI.search(key):
                    raise _iri_error(key, [*trail, key])
                if key != "@value" and isinstance(inner, Mapping | list):
                    stack.append((inner, [*trail, key]))
        elif isinstance(item, list):
            stack.extend((inner, [*trail, n]) for n, inner in enumerate(item) if isinstance(inner, Mapping | list))
    return value


class ElmNode(BaseModel):
    """Base class of every ELM node: an optional ``id`` and its ``type``.

    Fields use snake_case names; the JSON-LD terms of the EDC context are their aliases, and
    either may be used to build a node. Unknown properties are kept in ``model_extra`` and
    reported by :meth:`unknown_properties`.
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        serialize_by_alias=True,
        validate_assignment=True,
        revalidate_instances="never",
        ser_json_timedelta="iso8601",
        defer_build=True,
        # a JSON number where text belongs ("point": 6) is the text JSON-LD reads it as
        coerce_numbers_to_str=True,
    )

    #: IRI of the ELM class this node represents.
    class_iri: ClassVar[str] = ""
    #: JSON-LD term of the class in the EDC context.
    class_term: ClassVar[str] = ""
    #: The ``type`` written for this class when the node has none (a list for credentials).
    default_type: ClassVar[str | tuple[str, ...]] = ""
    #: IRI of the application-profile shape the class comes from.
    shape_iri: ClassVar[str] = ""
    #: Document members kept as they came (in ``model_extra``) although a context defines them.
    kept_members: ClassVar[frozenset[str]] = frozenset()

    id: NodeId | None = None
    type: str | list[str] | None = None
    #: Unknown properties, kept as they came; the IRIs they hold are checked as ids are.
    __pydantic_extra__: dict[
        Annotated[str, AfterValidator(_check_unknown_name)],
        Annotated[Any, AfterValidator(_check_unknown_value)],
    ]

    def __init__(self, /, **data: Any) -> None:
        """Build a node from its values (field names or JSON-LD terms). Values that do not fit
        raise :class:`~elmkit.errors.ElmValidationError`, listing each with its path.

        A node built without a ``type`` gets its class's, as it is written anyway: so it equals
        itself read back, and one given nothing but an ``id`` is written as a node of that class
        (``{"id": …, "type": "ConceptScheme"}``, as EDC writes such nodes), where a reference
        read from a document without a type stays a bare IRI."""
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise validation_error(exc) from None
        default = self.default_type
        if default and self.__dict__.get("type") is None:  # a value known to fit: not validated
            self.__dict__["type"] = default if isinstance(default, str) else list(default)
            self.__pydantic_fields_set__.add("type")

    if not TYPE_CHECKING:  # type checkers keep refusing assignments to unknown attributes

        def __setattr__(self, name: str, value: Any) -> None:
            """Assign a field: the value is checked as at construction (``ElmValidationError``
            with the field's path when it does not fit). A list whose items were kept as they
            are stays the list given, so that filling it afterwards fills the field."""
            name = _field_names(type(self)).get(name, name)
            try:
                super().__setattr__(name, value)
            except ValidationError as exc:
                raise validation_error(exc) from None
            if type(value) is list:
                stored = self.__dict__.get(name)
                if (
                    type(stored) is list
                    and stored is not value
                    and len(stored) == len(value)
                    and all(a is b for a, b in zip(stored, value, strict=True))
                ):
                    self.__dict__[name] = value

        def __getattr__(self, name: str) -> Any:
            """A field read by its JSON-LD term (``person.givenName``), as it is assigned."""
            field_name = _field_names(type(self)).get(name)
            if field_name is not None:
                return getattr(self, field_name)
            return super().__getattr__(name)

        def __delattr__(self, name: str) -> None:
            """Deleting a field gives it back its default (``None`` or an empty list): the
            property is then absent from the node, as in a document that does not give it."""
            field_name = _field_names(type(self)).get(name, name)
            field = type(self).model_fields.get(field_name)
            if field is None:
                super().__delattr__(name)
                return
            setattr(self, field_name, field.get_default(call_default_factory=True))
            self.__pydantic_fields_set__.discard(field_name)
            if name != field_name and self.__pydantic_extra__:
                self.__pydantic_extra__.pop(name, None)  # a stray member of that term goes too

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update``'s values set as given (not checked, as pydantic's); its keys
        may be field names or JSON-LD terms."""
        if update:
            names = _field_names(type(self))
            update = {names.get(key, key): value for key, value in update.items()}
        return super().model_copy(update=update, deep=deep)

    # not a custom __init__ to pydantic (as RootModel's): validation never calls it for nested
    # nodes, so their errors keep their paths and reading costs nothing more
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @property
    def origin(self) -> Any:
        """Where a loaded document came from (set by :func:`elmkit.load`): the upload wrapper,
        the sealed envelope and its exact payload bytes, … ``None`` for nodes built in code."""
        entry = _origins.get(id(self))
        return entry[1] if entry is not None and entry[0]() is self else None

    def set_origin(self, origin: Any) -> None:
        """Attach origin information to this node (kept while the node lives)."""
        key = id(self)
        _origins[key] = (weakref.ref(self, lambda _ref: _origins.pop(key, None)), origin)

    def __copy__(self) -> Self:
        """A shallow copy that keeps the node's :attr:`origin` (an upload file's delivery
        details, a sealed document's envelope), as do :meth:`__deepcopy__` and pickles."""
        copied = super().__copy__()
        _keep_origin(self, copied)
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        copied = super().__deepcopy__(memo)
        origin = self.origin
        if origin is not None:  # a copy of its own: editing one's delivery details leaves the other's
            copied.set_origin(copy.deepcopy(origin, memo))
        return copied

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        origin = self.origin
        if origin is not None:
            state = {**state, _ORIGIN_STATE: origin}
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        origin = state.get(_ORIGIN_STATE)
        super().__setstate__({k: v for k, v in state.items() if k != _ORIGIN_STATE})
        if origin is not None:
            self.set_origin(origin)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """What ``repr()`` shows: the values a node has, without the empty fields (a credential
        has hundreds of them, which buried its content)."""
        for name, value in super().__repr_args__():
            if value is not None and not (isinstance(value, list) and not value):
                yield name, value

    @field_validator("type", mode="after")
    @classmethod
    def _check_type(cls, value: str | list[str] | None) -> str | list[str] | None:
        if value is None or not cls.class_term:
            return value
        names = [value] if isinstance(value, str) else value
        if cls.class_term in names or cls.class_iri in names:
            return value
        raise PydanticCustomError(
            "elm_type",
            "type {found} does not name {expected}",
            {"found": value, "expected": cls.class_term},
        )

    @property
    def type_names(self) -> tuple[str, ...]:
        """The node's types, with the class default when ``type`` is not set."""
        if self.type is None:
            return (self.default_type,) if isinstance(self.default_type, str) else self.default_type
        return (self.type,) if isinstance(self.type, str) else tuple(self.type)

    @classmethod
    def from_data(
        cls,
        data: Mapping[str, Any],
        *,
        strict: bool = False,
        max_depth: int = DEFAULT_MAX_DEPTH,
        compact: bool = True,
    ) -> Self:
        """Build a node from parsed JSON-LD (compacted with the EDC context).

        Read as JSON-LD reads it: a plain string where a language map is expected is a text
        without a language (see :data:`~elmkit.model.text.NO_LANGUAGE`), and a W3C ``proof``
        member is a named graph (see :class:`ProofHolder`). ``compact=False`` takes data already
        in the model's own terms (as the expanded JSON-LD and RDF readers give it).

        Raises :class:`~elmkit.errors.ElmValidationError` listing every value that does not fit,
        :class:`~elmkit.errors.StructureError` for cyclic or too deep data (pydantic's own guard
        applies by default; a smaller ``max_depth`` is checked before validation) and, with
        ``strict=True``, :class:`~elmkit.errors.UnknownPropertyError` for unknown properties.
        """
        if max_depth != DEFAULT_MAX_DEPTH:
            check_structure(data, max_depth=max_depth)
        try:
            node = cls.model_validate(data, context=_DOCUMENT if compact else None)
        except ValidationError as exc:
            raise validation_error(exc) from None
        if strict:
            unknown = list(node.unknown_properties())
            if unknown:
                path, name = unknown[0]
                more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
                raise UnknownPropertyError(f"unknown property {name!r}{more}", path=path)
        return node

    def walk(self) -> Iterator[tuple[str, ElmNode]]:
        """Every node reachable from this one (itself first) with its JSON pointer, once each."""
        seen: set[int] = set()
        stack: list[tuple[str, ElmNode]] = [("", self)]
        while stack:
            path, node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield path, node
            children: list[tuple[str, ElmNode]] = []
            for name, info in type(node).model_fields.items():
                value = node.__dict__.get(name)
                alias = info.alias or name
                if isinstance(value, ElmNode):
                    children.append((f"{path}/{alias}", value))
                elif isinstance(value, list):
                    children.extend(
                        (f"{path}/{alias}/{i}", item) for i, item in enumerate(value) if isinstance(item, ElmNode)
                    )
            stack.extend(reversed(children))

    def unknown_properties(self) -> Iterator[tuple[str, str]]:
        """``(json pointer, property)`` for every property not in the model, in this tree."""
        for path, node in self.walk():
            for key in node.model_extra or {}:
                if key != "@context" and key not in node.kept_members:
                    yield json_pointer([*split_pointer(path), key]), key

    def to_jsonld(self, **options: Any) -> dict[str, Any]:
        """Compact JSON-LD for this node (see :func:`elmkit.dumps` for the options)."""
        from elmkit.serializers.jsonld import node_to_jsonld

        return node_to_jsonld(self, **options)


class ProofHolder(ElmNode):
    """A credential or presentation: ``proof`` holds plain ``sec:proof`` statements (what elmkit
    writes). A document's W3C ``proof`` member, which JSON-LD reads as a named graph, is kept as
    it came, in ``model_extra``, so that it means, validates and is written back the same."""

    kept_members: ClassVar[frozenset[str]] = frozenset({"proof"})

    @model_validator(mode="wrap")
    @classmethod
    def _keep_graph_proofs(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        if isinstance(data, ProofHolder):  # an assignment, which would drop a W3C proof kept
            kept = (data.__pydantic_extra__ or {}).get("proof")
            node = handler(data)
            if kept is not None and node.__pydantic_extra__ is not None:
                node.__pydantic_extra__["proof"] = kept
            return node
        if not (type(data) is dict and "proof" in data and info.context and info.context.get(JSONLD_CONTEXT)):
            return handler(data)
        node = handler({key: value for key, value in data.items() if key != "proof"})
        proof = data["proof"]
        if node.__pydantic_extra__ is not None and proof not in (None, [], {}):
            node.__pydantic_extra__["proof"] = proof  # an empty one says nothing (model_dump's)
        return node


def same_node(one: ElmNode, other: ElmNode) -> bool:
    """Whether two nodes are copies of each other: the same class and the same JSON (lexical
    forms, unknown properties and the fields set at every level included), so that they also
    mean the same RDF. Python equality is not enough: ``1 == True``, and a date-time compares
    by instant whatever its lexical form."""
    if one is other:
        return True
    if type(one) is not type(other) or one != other:
        return False
    try:
        return one.model_dump_json(exclude_unset=True) == other.model_dump_json(exclude_unset=True)
    except ValueError:  # values JSON cannot hold: not provably the same
        return False


#: The key under which a pickled node carries its origin.
_ORIGIN_STATE = "__elmkit_origin__"


def _keep_origin(node: ElmNode, copied: ElmNode) -> None:
    origin = node.origin
    if origin is not None:
        copied.set_origin(origin)


_FIELD_NAMES: dict[type[ElmNode], dict[str, str]] = {}


def _field_names(cls: type[ElmNode]) -> dict[str, str]:
    """The field name behind each JSON-LD term of ``cls`` that is not itself a field name
    (``givenName`` → ``given_name``), so that assigning by either name sets the field."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = {
            field.alias: name
            for name, field in cls.model_fields.items()
            if field.alias and field.alias != name and field.alias not in cls.model_fields
        }
        _FIELD_NAMES[cls] = names
    return names


def check_structure(data: Any, *, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Reject cyclic or too deeply nested JSON data before it reaches the model."""
    active: set[int] = set()

    def visit(value: Any, depth: int) -> None:
        if depth >= max_depth:
            raise StructureError(f"the data is nested deeper than {max_depth} levels")
        key = id(value)
        if key in active:
            raise StructureError("the data contains a cycle")
        active.add(key)
        for item in value.values() if isinstance(value, dict) else value:
            if isinstance(item, dict | list):
                visit(item, depth + 1)
        active.discard(key)

    if isinstance(data, dict | list):
        visit(data, 0)


def _loc_to_pointer(loc: Sequence[int | str], tags: frozenset[str], inner: object = None) -> str:
    """The JSON pointer of an error's location, and ``inner`` (a pointer the error gives within
    the value: the key of a language map, the place of an IRI in an unknown property)."""
    parts: list[str | int] = []
    for item in loc:
        if isinstance(item, str) and (item in tags or "[" in item or item.startswith("function-")):
            continue
        parts.append(item)
    pointer = json_pointer(parts)
    return pointer + inner if isinstance(inner, str) else pointer


_CLASS_TAGS: set[str] = set()


_STRUCTURE_ERRORS = {"recursion_loop": "the data contains a cycle", "recursion_depth_exceeded": "the data is nested too deeply"}


_NO_IRI = "an IRI holds no spaces, control characters or <>\"{}|\\^`"
_NODE_ID = "an id is an IRI or a blank node label: no spaces, control characters or <>\"{}|\\^`"


#: What a single-valued field's own validator says when given a list (several values where the
#: model holds one, as an RDF subject with two ``validFrom`` or ``"eqfLevel": [a, b]`` give).
_ONE_VALUE_KINDS = frozenset(
    {
        "model_type", "string_type", "xsd_datetime", "xsd_date", "xsd_duration", "xsd_decimal",
        "xsd_integer", "xsd_boolean",
    }
)  # fmt: skip


def _at_field(loc: Sequence[int | str]) -> bool:
    """Whether an error's location ends at a field (not at an item of a list)."""
    for item in reversed(loc):
        if isinstance(item, int):
            return False
        if item not in _CLASS_TAGS:  # a union's member, as pydantic names it, is no place
            return True
    return False


def json_kind(value: object) -> str:
    """What a JSON value is, for messages: ``null``, ``a boolean``, ``a number``, ``a string``,
    ``an array``, or ``a`` and its Python type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _message(err: Any) -> str:
    """pydantic's message, in the model's words where pydantic's would puzzle."""
    loc = err["loc"]
    given = err.get("input")
    if type(given) is list and err["type"] in _ONE_VALUE_KINDS and _at_field(loc):
        if len(given) > 1:
            return f"{len(given)} values, where this property takes one"
        return "a list, where this property takes one value"
    if err["type"] == "model_type":
        expected = (err.get("ctx") or {}).get("class_name") or "node"
        return f"a node of class {expected} is expected (a JSON object, or its IRI as a string), not {json_kind(given)}"
    if err["type"] == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return _NODE_ID
    if err["type"] == "string_type" and loc and loc[-1] == "id":
        return f"an id is a string (an IRI or a blank node label), not {type(err.get('input')).__name__}"
    if err["type"] == "union_tag_not_found":
        given = err.get("input")
        named: object = None
        if isinstance(given, ElmNode):
            named = given.class_term or type(given).__name__
        elif isinstance(given, Mapping):
            named = given.get("type")
        if named:
            return f"a {named} is not what this property takes"
        return "this value has no type this property takes"
    return str(err["msg"])


def validation_error(exc: ValidationError) -> ElmValidationError | StructureError:
    """Turn pydantic's error into an :class:`ElmValidationError` with JSON pointers.

    Cycles and excessive nesting become a :class:`~elmkit.errors.StructureError`.
    """
    tags = frozenset(_CLASS_TAGS)
    try:
        errors = exc.errors(include_url=False)
    except UnicodeEncodeError:  # a message quoting a value that is no Unicode text
        unicode = "a text holds a lone UTF-16 surrogate, which is not Unicode"
        return ElmValidationError([ErrorDetail(path="", message=unicode, kind="unicode")])
    details = [
        ErrorDetail(
            path=_loc_to_pointer(err["loc"], tags, (err.get("ctx") or {}).get("pointer")),
            message=_message(err),
            kind=err["type"],
        )
        for err in errors
    ]
    for detail in details:
        if detail.kind in _STRUCTURE_ERRORS:
            return StructureError(_STRUCTURE_ERRORS[detail.kind], path=detail.path)
    return ElmValidationError(details)


def register_class_tags(names: Sequence[str]) -> None:
    """Record the class names used as union tags (they are dropped from error paths)."""
    _CLASS_TAGS.update(names)


def as_list(value: Any) -> Any:
    """Accept one value where a list is expected."""
    if type(value) is list:
        return value
    if value is None:
        return []
    if isinstance(value, tuple):
        return list(value)
    return [value]


def as_node(value: Any) -> Any:
    """Accept an IRI string where a node is expected: it becomes a node with only an ``id``."""
    if type(value) is str:
        return {"id": value}
    return value


def as_node_list(value: Any) -> Any:
    """:func:`as_list`, then :func:`as_node` on each item."""
    kind = type(value)
    if kind is dict:
        return [value]
    if kind is str:
        return [{"id": value}]
    if kind is list:
        for item in value:
            if type(item) is str:
                return [as_node(v) for v in value]
        return value
    return [as_node(v) for v in as_list(value)]


def tag_discriminator(tags: Sequence[str], default: str) -> Callable[[Any], str | None]:
    """A discriminator that picks the union member named by ``type`` (term or list of terms)."""
    known = frozenset(tags)

    def pick(value: Any) -> str | None:
        if isinstance(value, ElmNode):
            return type(value).class_term if type(value).class_term in known else None
        if isinstance(value, Mapping):
            found = value.get("type")
            if found is None:
                return default
            names = [found] if isinstance(found, str) else found
            if not isinstance(names, list):
                return None
            for name in reversed(names):
                if isinstance(name, str) and name in known:
                    return name
            return None
        return default

    return pick
