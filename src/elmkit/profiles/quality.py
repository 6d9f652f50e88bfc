"""Annex I element 11, "type of quality assurance": writing it into a credential and finding it.

The ELM has no property named "quality assurance". elmkit accepts four representations (see
``docs/quality-assurance.md``), most specific first:

``specification-accreditation``
    an :class:`~elmkit.model.Accreditation` in ``accreditation`` of the micro-credential's
    specification (which must then be a ``Qualification``): an external QA decision about the
    micro-credential itself;
``awarding-body-accreditation``
    an accreditation of an awarding body (``awardingBody.accreditation``): institutional QA;
``evidence-accreditation``
    ``evidence[].accreditation`` of the credential, as in the EDC "accredited" profile;
``note``
    a typed note: an ``additionalNote`` of the achievement, its specification or an awarding body
    whose ``subject`` is a concept of the EU accreditation-type list
    (``http://data.europa.eu/snb/accreditation/25831c2``), for QA that no accreditation record
    describes (e.g. the university's internal QA system).

>>> qa = add_quality_assurance(credential, kind="institutional",
...                            text=LangText({"en": "Internal QA system certified by the agency"}))
>>> find_quality_assurance(credential).representation
'note'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Final, Literal

from pydantic import ValidationError

from elmkit.errors import ModelError, UnknownCodeError
from elmkit.model.base import ElmNode, same_node, validation_error
from elmkit.model.classes import (
    Accreditation,
    AwardingProcess,
    Concept,
    ConceptScheme,
    Evidence,
    LearningAchievement,
    LearningAchievementSpecification,
    Note,
    Organisation,
    Person,
    Qualification,
    VerifiableCredential,
)
from elmkit.model.datatypes import DateTime
from elmkit.model.ids import new_id
from elmkit.model.schema import field_kinds
from elmkit.model.text import LangText

__all__ = [
    "ACCREDITATION_SCHEME",
    "KINDS",
    "NodeIndex",
    "QualityAssurance",
    "Representation",
    "SharedIndex",
    "add_quality_assurance",
    "find_all_quality_assurance",
    "find_quality_assurance",
    "is_quality_assurance_note",
    "quality_assurance_kind",
]

#: The EU "accreditation type" concept scheme.
ACCREDITATION_SCHEME: Final = "http://data.europa.eu/snb/accreditation/25831c2"
_BASE: Final = "http://data.europa.eu/snb/accreditation/"

#: The four kinds of quality assurance and their concepts in the EU accreditation-type list.
KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "program": _BASE + "820101cba6",
        "institutional": _BASE + "bb4618238e",
        "program-license": _BASE + "e57dddfcf3",
        "institutional-license": _BASE + "003293d2ce",
    }
)
_LABELS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "program": {"en": "Program Quality Assurance"},
        "institutional": {"en": "Institutional Quality Assurance"},
        "program-license": {"en": "Program License"},
        "institutional-license": {"en": "Institutional License"},
    }
)
_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "programme": "program",
        "programme-qa": "program",
        "program-qa": "program",
        "external": "program",
        "accreditation": "program",
        "institution": "institutional",
        "institutional-qa": "institutional",
        "internal": "institutional",
        "programme-license": "program-license",
        "programme-licence": "program-license",
        "program-licence": "program-license",
        "institutional-licence": "institutional-license",
    }
)
_KIND_BY_IRI: Final = {iri: kind for kind, iri in KINDS.items()}

Representation = Literal[
    "specification-accreditation", "awarding-body-accreditation", "evidence-accreditation", "note"
]
_ORDER: Final[tuple[Representation, ...]] = (
    "specification-accreditation",
    "awarding-body-accreditation",
    "evidence-accreditation",
    "note",
)


@dataclass(frozen=True, slots=True)
class QualityAssurance:
    """One quality-assurance statement found in a credential."""

    representation: Representation
    path: str
    """JSON pointer of the :class:`Accreditation` or :class:`Note`."""
    node: Accreditation | Note
    kind: str | None
    """``program``, ``institutional``, ``program-license``, ``institutional-license``; None when
    the accreditation's type is not one of the EU list."""
    type_iri: str | None
    text: LangText
    """The accreditation's title (else description) or the note's text."""
    accrediting_agent: Organisation | None = None


def quality_assurance_kind(kind: str) -> str:
    """The canonical kind for a name, alias (``internal``, ``external``, ``programme``) or concept IRI.

    Raises :class:`~elmkit.errors.UnknownCodeError` for anything else.
    """
    if isinstance(kind, str):
        key = kind.strip()
        if key in _KIND_BY_IRI:
            return _KIND_BY_IRI[key]
        key = key.lower().replace("_", "-").replace(" ", "-")
        if key in KINDS:
            return key
        if key in _ALIASES:
            return _ALIASES[key]
    known = ", ".join([*KINDS, *_ALIASES])
    raise UnknownCodeError(f"{kind!r} is not a kind of quality assurance; use one of: {known}")


def _kind_concept(kind: str) -> Concept:
    return Concept(
        id=KINDS[kind],
        type="Concept",
        in_scheme=[ConceptScheme(id=ACCREDITATION_SCHEME, type="ConceptScheme")],
        pref_label=LangText(_LABELS[kind]),
    )


def _has_text(text: LangText | None) -> bool:
    return text is not None and any(s.strip() for values in text.values() for s in values)


def is_quality_assurance_note(note: ElmNode | None) -> bool:
    """Whether ``note`` is a typed QA note: its ``subject`` is an accreditation-type concept."""
    if not isinstance(note, Note) or note.subject is None:
        return False
    subject = note.subject
    if isinstance(subject.id, str) and (subject.id in _KIND_BY_IRI or subject.id.startswith(_BASE)):
        return True
    return any(scheme.id == ACCREDITATION_SCHEME for scheme in subject.in_scheme)


class _Collision(Exception):
    """A node has the id of a shared node."""


@functools.cache
def _node_fields(model: type[ElmNode]) -> tuple[str, ...]:
    """The fields of ``model`` that can hold nodes."""
    return tuple(name for name, kind in field_kinds(model) if kind in (None, "node"))


def _index(
    roots: Iterable[ElmNode],
    by_id: dict[str, ElmNode],
    skip: frozenset[int] | set[int] = frozenset(),
    taken: dict[str, ElmNode] | None = None,
    twins: dict[str, list[ElmNode]] | None = None,
    entered: list[ElmNode] | None = None,
) -> set[int]:
    """Add the nodes reachable from ``roots`` to ``by_id`` (the most complete node per id), and
    to ``twins`` every object of an id that several objects have; objects in ``skip`` are not
    entered, an id in ``taken`` raises :class:`_Collision`. Returns the ``id()`` of every node
    entered, and appends each to ``entered``."""
    seen: set[int] = set()
    stack: list[object] = list(roots)
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    while stack:
        node = pop()
        key = id(node)
        if key in seen or key in skip or not isinstance(node, ElmNode):
            continue
        seen.add(key)
        if entered is not None:
            entered.append(node)
        values = node.__dict__
        node_id = values.get("id")
        if isinstance(node_id, str):
            if taken is not None and node_id in taken:
                if same_node(taken[node_id], node):
                    continue  # a copy of a shared node: indexed with them
                raise _Collision(node_id)
            known = by_id.get(node_id)
            if known is not None and twins is not None:
                twins.setdefault(node_id, [known]).append(node)
            if known is None or len(node.__pydantic_fields_set__) > len(
                known.__pydantic_fields_set__
            ):
                by_id[node_id] = node
        for name in _node_fields(type(node)):
            value = values.get(name)
            if value is None:
                continue
            if type(value) is list:
                extend(value)
            else:
                push(value)
    return seen


class SharedIndex:
    """The nodes of objects that many credentials share (the same, unchanging objects), by id,
    indexed once for :class:`NodeIndex`.

    It is used only when every shared object with a given id is a copy of the others with it,
    so that which of them a reference resolves to makes no difference; a credential node with
    the id of a shared node must be a copy of it too (otherwise the credential is walked in
    full).
    """

    __slots__ = ("_roots", "by_id", "memo", "nodes", "objects", "usable")

    def __init__(self, roots: Iterable[ElmNode]) -> None:
        self._roots = tuple(roots)  # keeps the objects (and so their id()) alive
        self.by_id: dict[str, ElmNode] = {}
        #: Every shared node, once.
        self.nodes: list[ElmNode] = []
        #: What profiles work out once for the shared objects, by a key of their own.
        self.memo: dict[str, Any] = {}
        self.objects = frozenset(_index(self._roots, self.by_id, entered=self.nodes))
        first: dict[str, ElmNode] = {}
        self.usable = True
        for node in _nodes(self._roots):
            if isinstance(node.id, str):
                other = first.setdefault(node.id, node)
                if not same_node(other, node):
                    self.usable = False
                    break



def _nodes(roots: Iterable[ElmNode]) -> Iterator[ElmNode]:
    """Every node reachable from ``roots``, each once."""
    seen: set[int] = set()
    stack: list[ElmNode] = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        for value in node.__dict__.values():
            if isinstance(value, ElmNode):
                stack.append(value)
            elif type(value) is list:
                stack.extend(item for item in value if isinstance(item, ElmNode))


class NodeIndex:
    """Nodes of a tree by ``id``, so that references (nodes with only an ``id``) can be followed.

    With ``shared`` (see :class:`SharedIndex`) the shared objects are not walked again.
    """

    __slots__ = ("_by_id", "_twins", "nodes", "shared")

    def __init__(self, root: ElmNode, shared: SharedIndex | None = None) -> None:
        self._twins: dict[str, list[ElmNode]] = {}
        #: The nodes of the tree, once each, but for those of :attr:`shared`.
        self.nodes: list[ElmNode] = []
        #: The shared objects the tree was indexed with (their nodes are not in :attr:`nodes`).
        self.shared: SharedIndex | None = None
        if shared is not None and shared.usable:
            own: dict[str, ElmNode] = {}
            try:
                _index(
                    (root,), own, skip=shared.objects, taken=shared.by_id, twins=self._twins,
                    entered=self.nodes,
                )
            except _Collision:
                self._twins.clear()
                self.nodes.clear()
            else:
                self._by_id = {**shared.by_id, **own}
                self.shared = shared
                return
        by_id: dict[str, ElmNode] = {}
        _index((root,), by_id, twins=self._twins, entered=self.nodes)
        self._by_id = by_id

    def resolve(self, node: ElmNode | None) -> ElmNode | None:
        """The most complete node with the same ``id`` (``node`` itself when it has no id)."""
        if node is None:
            return node
        node_id = node.__dict__.get("id")
        if not isinstance(node_id, str):
            return node
        found = self._by_id.get(node_id)
        if (
            found is None
            or found is node
            or len(found.__pydantic_fields_set__) <= len(node.__pydantic_fields_set__)
        ):
            return node
        return found

    def every(self, node: ElmNode | None) -> tuple[ElmNode, ...]:
        """``node`` as :meth:`resolve` gives it, then every other object with its ``id``: one
        node in JSON-LD, but separate objects in memory (a credential's issuer and the awarding
        body of its achievement, say), each of which may have been given properties."""
        first = self.resolve(node)
        if first is None:
            return ()
        node_id = first.__dict__.get("id")
        twins = self._twins.get(node_id, ()) if isinstance(node_id, str) else ()
        return (first, *(twin for twin in twins if twin is not first))


def _distinct(found: list[QualityAssurance]) -> list[QualityAssurance]:
    """``found`` without statements seen twice through objects with the same ``id``."""
    seen: set[object] = set()
    kept = []
    for qa in found:
        node_id = qa.node.__dict__.get("id")
        key = (qa.representation, node_id if isinstance(node_id, str) else id(qa.node))
        if key not in seen:
            seen.add(key)
            kept.append(qa)
    return kept


def _accreditation(
    item: ElmNode | None, path: str, representation: Representation, index: NodeIndex
) -> QualityAssurance | None:
    node = index.resolve(item)
    if not isinstance(node, Accreditation):
        return None
    type_iri = node.dc_type.id if node.dc_type is not None else None
    if type_iri is None and not _has_text(node.title):
        return None
    text = node.title if _has_text(node.title) else node.description
    agent = index.resolve(node.accrediting_agent)
    return QualityAssurance(
        representation=representation,
        path=path,
        node=node,
        kind=_KIND_BY_IRI.get(type_iri) if type_iri else None,
        type_iri=type_iri,
        text=LangText(text) if text is not None else LangText(),
        accrediting_agent=agent if isinstance(agent, Organisation) else None,
    )


def _accreditations(
    items: Iterable[ElmNode], path: str, representation: Representation, index: NodeIndex
) -> list[QualityAssurance]:
    """The QA statements of the ``accreditation`` values of the node at ``path``."""
    return [
        qa
        for i, item in enumerate(items)
        if (qa := _accreditation(item, f"{path}/accreditation/{i}", representation, index))
    ]


def _notes(notes: Iterable[Note], path: str, index: NodeIndex) -> list[QualityAssurance]:
    found: list[QualityAssurance] = []
    for i, item in enumerate(notes):
        note = index.resolve(item)
        if (
            isinstance(note, Note)
            and is_quality_assurance_note(note)
            and _has_text(note.note_literal)
        ):
            assert note.subject is not None
            type_iri = note.subject.id
            found.append(
                QualityAssurance(
                    representation="note",
                    path=f"{path}/additionalNote/{i}",
                    node=note,
                    kind=_KIND_BY_IRI.get(type_iri) if type_iri else None,
                    type_iri=type_iri,
                    text=LangText(note.note_literal),
                )
            )
    return found


def _for_organisation(org: ElmNode | None, path: str, index: NodeIndex) -> list[QualityAssurance]:
    found: list[QualityAssurance] = []
    nodes = index.every(org)
    for node in nodes:
        if isinstance(node, Organisation):
            found += _accreditations(node.accreditation, path, "awarding-body-accreditation", index)
            found += _notes(node.additional_note, path, index)
    return _distinct(found) if len(nodes) > 1 else found


def _for_specification(spec: ElmNode | None, path: str, index: NodeIndex) -> list[QualityAssurance]:
    found: list[QualityAssurance] = []
    nodes = index.every(spec)
    for node in nodes:
        if isinstance(node, Qualification):
            found += _accreditations(node.accreditation, path, "specification-accreditation", index)
        if isinstance(node, LearningAchievementSpecification):
            found += _notes(node.additional_note, path, index)
    return _distinct(found) if len(nodes) > 1 else found


def _for_achievement(ach: ElmNode | None, path: str, index: NodeIndex) -> list[QualityAssurance]:
    node = index.resolve(ach)
    if not isinstance(node, LearningAchievement):
        return []
    found = _for_specification(node.specified_by, f"{path}/specifiedBy", index)
    found += _notes(node.additional_note, path, index)
    process = index.resolve(node.awarded_by)
    if isinstance(process, AwardingProcess):
        for i, body in enumerate(process.awarding_body):
            found += _for_organisation(body, f"{path}/awardedBy/awardingBody/{i}", index)
    return found


def _for_credential(credential: VerifiableCredential, index: NodeIndex) -> list[QualityAssurance]:
    found: list[QualityAssurance] = []
    for i, item in enumerate(credential.evidence):
        evidence = index.resolve(item)
        if isinstance(evidence, Evidence) and evidence.accreditation is not None:
            qa = _accreditation(
                evidence.accreditation,
                f"/evidence/{i}/accreditation",
                "evidence-accreditation",
                index,
            )
            if qa is not None:
                found.append(qa)
    subject = index.resolve(credential.credential_subject)
    if isinstance(subject, Person):
        for i, claim in enumerate(subject.has_claim):
            found += _for_achievement(claim, f"/credentialSubject/hasClaim/{i}", index)
    return found


def find_all_quality_assurance(
    node: ElmNode, *, index: NodeIndex | None = None
) -> list[QualityAssurance]:
    """Every QA statement in a credential, achievement, specification or organisation, most
    specific representation first (paths are relative to ``node``)."""
    lookup = index if index is not None else NodeIndex(node)
    if isinstance(node, VerifiableCredential):
        found = _for_credential(node, lookup)
    elif isinstance(node, LearningAchievement):
        found = _for_achievement(node, "", lookup)
    elif isinstance(node, LearningAchievementSpecification):
        found = _for_specification(node, "", lookup)
    elif isinstance(node, Organisation):
        found = _for_organisation(node, "", lookup)
    else:
        found = []
    return sorted(found, key=lambda qa: _ORDER.index(qa.representation))


def find_quality_assurance(node: ElmNode) -> QualityAssurance | None:
    """The most specific QA statement of a credential (or achievement, specification,
    organisation), or None when it has none."""
    found = find_all_quality_assurance(node)
    return found[0] if found else None


# --- adding ------------------------------------------------------------------------------------


Target = (
    VerifiableCredential | LearningAchievement | LearningAchievementSpecification | Organisation
)


def _first_achievement(credential: VerifiableCredential) -> LearningAchievement:
    subject = credential.credential_subject
    if isinstance(subject, Person):
        for claim in subject.has_claim:
            if isinstance(claim, LearningAchievement):
                return claim
    raise ModelError(
        "the credential has no learning achievement to attach quality assurance to",
        path="/credentialSubject/hasClaim",
    )


def _as_qualification(achievement: LearningAchievement) -> Qualification:
    """The achievement's specification, turned into a Qualification (in place) if it is not one."""
    spec = achievement.specified_by
    if spec is None:
        raise ModelError(
            "the learning achievement has no specification to accredit; add one or use a note",
            path="/specifiedBy",
        )
    if isinstance(spec, Qualification):
        return spec
    data: dict[str, object] = {
        name: getattr(spec, name)
        for name in spec.model_fields_set
        if name in Qualification.model_fields
    }
    data.update(spec.model_extra or {})
    data["type"] = "Qualification"
    try:
        qualification = Qualification.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
    achievement.specified_by = qualification
    return qualification


def _date(value: date | datetime | str | None) -> DateTime | None:
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value.strip()) == 10:
            return DateTime.coerce(date.fromisoformat(value.strip()))
        return DateTime.coerce(value)
    except ValueError as exc:  # pydantic's PydanticCustomError says why (a missing time zone…)
        raise ModelError(f"not a date or date-time: {value!r} ({exc})") from None


def add_quality_assurance(
    target: Target,
    *,
    kind: str = "program",
    text: LangText | Mapping[str, str] | str | None = None,
    accreditation: Accreditation | None = None,
    accrediting_agent: Organisation | None = None,
    date_issued: date | datetime | str | None = None,
) -> Accreditation | Note:
    """Add a QA statement (Annex I element 11) to a credential, achievement, specification or
    organisation, in place, and return the node added.

    With ``accreditation`` (an :class:`Accreditation`) or ``accrediting_agent`` (the QA agency)
    an accreditation is added: to the specification (turned into a ``Qualification`` when it is a
    plain specification and the target is the credential or the achievement) or, for an
    organisation, to its ``accreditation``. Otherwise a typed note with ``text`` is added to the
    specification (the achievement when it has none, or the organisation).

    ``kind``: ``program`` (default), ``institutional``, ``program-license``,
    ``institutional-license``, or an alias (``internal`` -> institutional, ``external`` -> program).
    """
    canonical = quality_assurance_kind(kind)
    body = LangText(text) if text is not None else None
    if accreditation is None and accrediting_agent is None:
        if body is None or not _has_text(body):
            raise ModelError("a quality-assurance note needs a text (text=...)")
        note = Note(
            id=new_id(Note), type="Note", note_literal=body, subject=_kind_concept(canonical)
        )
        _note_holder(target).additional_note.append(note)
        return note
    if accreditation is None:
        accreditation = Accreditation(
            id=new_id(Accreditation),
            type="Accreditation",
            title=body if body is not None and _has_text(body) else LangText(_LABELS[canonical]),
            dc_type=_kind_concept(canonical),
            accrediting_agent=accrediting_agent,
            date_issued=_date(date_issued),
        )
    else:
        if accreditation.dc_type is None:
            accreditation.dc_type = _kind_concept(canonical)
        if not _has_text(accreditation.title):
            accreditation.title = (
                body if body is not None and _has_text(body) else LangText(_LABELS[canonical])
            )
        if accrediting_agent is not None and accreditation.accrediting_agent is None:
            accreditation.accrediting_agent = accrediting_agent
        if date_issued is not None and accreditation.date_issued is None:
            accreditation.date_issued = _date(date_issued)
    _accreditation_holder(target).accreditation.append(accreditation)
    return accreditation


def _note_holder(
    target: Target,
) -> LearningAchievement | LearningAchievementSpecification | Organisation:
    if isinstance(target, VerifiableCredential):
        target = _first_achievement(target)
    if isinstance(target, LearningAchievement):
        spec = target.specified_by
        return spec if spec is not None else target
    return target


def _accreditation_holder(target: Target) -> Qualification | Organisation:
    if isinstance(target, VerifiableCredential):
        target = _first_achievement(target)
    if isinstance(target, LearningAchievement):
        return _as_qualification(target)
    if isinstance(target, Qualification | Organisation):
        return target
    raise ModelError(
        "only a Qualification can hold an accreditation; pass the credential or the achievement "
        "(its specification becomes a Qualification) or add a note instead"
    )
