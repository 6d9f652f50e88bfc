"""The EDC application profile (ELM 3.2): every constraint of the published EDC shapes.

``edc-ap`` reads the credential's ``credentialSchema`` to pick the application profile it claims
(generic, accredited, diploma supplement, issued by mandate, converted) and checks it; the others
check one profile whatever the credential says.

>>> report = elmkit.validate(credential, profiles=("edc-ap",), stage="ready")

The constraints are evaluated on the model with SHACL semantics (no inference) on the RDF the
credential's JSON-LD means, so the verdicts are those of a SHACL processor run with the official
shapes. Stages:

* ``draft``: a missing required value is a warning; anything present but wrong is an error.
* ``ready`` (ready to seal or to upload to Europass): everything is checked; what only sealing
  adds (``issued`` and the issuer's eIDAS legal identifier) is reported as a note.
* ``sealed``: everything is checked, as Europass does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from elmkit.errors import ElmValidationError
from elmkit.model.base import ElmNode, same_node
from elmkit.model.text import bad_characters
from elmkit.profiles._edc_engine import (
    LAYERS,
    NO_CV,
    Graph,
    Resource,
    Rule,
    RuleSet,
    SharedGraph,
    Violation,
    build_graph,
    evaluate,
    has_content,
    json_pointer,
    language_problem,
    rule_set,
    text_problems,
)
from elmkit.profiles.base import Finding, PreparedProfile, Profile, Severity, Stage

__all__ = [
    "AP_IRIS",
    "PROFILES",
    "EdcProfile",
    "layers_for",
    "rules",
    "rules_markdown",
]

AP = "http://data.europa.eu/snb/model/ap/"

#: Application profile IRI (as written in ``credentialSchema``) -> profile name.
AP_IRIS: dict[str, str] = {
    AP + "edc-generic-no-cv": "edc-generic-no-cv",
    AP + "edc-generic-full": "edc-generic",
    AP + "edc-accredited": "edc-accredited",
    AP + "edc-diploma-supplement": "edc-diploma-supplement",
    AP + "edc-issued-by-mandate": "edc-issued-by-mandate",
    AP + "edc-converted": "edc-converted",
}

_ISSUER_SHAPE = NO_CV + "IssuerNodeShape"


@functools.cache
def _property(class_name: str, term: str) -> tuple[str, str]:
    """The IRI and the property shape of a property, from the model's metadata."""
    from elmkit.model import schema

    found = schema()[class_name].property(term)
    return found.iri, found.shape


def _schema_iri() -> str:
    return _property("EuropeanDigitalCredential", "credentialSchema")[0]

_SEVERITY = {"Violation": Severity.ERROR, "Warning": Severity.WARNING, "Info": Severity.INFO}


def layers_for(ap_iri: str) -> tuple[str, ...]:
    """The shape layers an application profile IRI is made of (empty when unknown)."""
    from elmkit.profiles import _edc_data

    return tuple(_edc_data.PROFILES.get(ap_iri, ()))


def rules(profile: str = "edc-generic") -> tuple[Rule, ...]:
    """Every rule a profile checks (``edc-generic``, ``edc-accredited``, …)."""
    iri = {v: k for k, v in AP_IRIS.items()}.get(profile)
    if iri is None:
        from elmkit.profiles.base import ProfileError

        raise ProfileError(f"unknown EDC profile {profile!r}; known: {', '.join(AP_IRIS.values())}")
    return rule_set(layers_for(iri)).rules


# --------------------------------------------------------------------------- messages


@functools.cache
def _class_names() -> dict[str, str]:
    from elmkit.model import schema

    return {c.iri: c.name for c in schema()}


def _class_words(class_iri: str) -> tuple[str, str, str]:
    from elmkit.profiles._edc_labels import CLASS_NOUNS

    name = _class_names().get(class_iri, "")
    if name in CLASS_NOUNS:
        return CLASS_NOUNS[name]
    local = class_iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return (local, local, "m")


def _property_words(rule: Rule) -> tuple[str, str]:
    from elmkit.profiles._edc_labels import PROPERTY_EN, PROPERTY_ES

    english = PROPERTY_EN.get(rule.term) or rule.label or rule.term
    return english, PROPERTY_ES.get(rule.term, english)


def _range_words(classes: Iterable[str]) -> tuple[str, str]:
    en: list[str] = []
    es: list[str] = []
    for iri in classes:
        noun_en, noun_es, gender = _class_words(iri)
        en.append(f"{'an' if noun_en[0] in 'aeiou' else 'a'} {noun_en}")
        es.append(f"{'una' if gender == 'f' else 'un'} {noun_es}")
    if len(en) == 1:
        return en[0], es[0]
    return ", ".join(en[:-1]) + " or " + en[-1], ", ".join(es[:-1]) + " o " + es[-1]


def _the(gender: str, noun: str) -> str:
    return f"{'La' if gender == 'f' else 'El'} {noun}"


def _of_the(gender: str, noun: str) -> str:
    return f"{'de la' if gender == 'f' else 'del'} {noun}"


def _shown(value: Any) -> str:
    if isinstance(value, Resource):
        return value.iri or "(a node without id)"
    if isinstance(value, tuple):
        return repr(value[0]) + (f"@{value[2]}" if value[2] else "")
    return repr(value)


def _messages(v: Violation, ruleset: RuleSet, sealing_only: bool) -> dict[str, str]:
    from elmkit.profiles._edc_labels import DATATYPES, SCHEMES

    rule = v.rule
    cls_en, cls_es, gender = _class_words(rule.target)
    prop_en, prop_es = _property_words(rule)
    the_es = _the(gender, cls_es)
    of_es = _of_the(gender, cls_es)
    component = v.component
    if sealing_only and rule.source == _property("EuropeanDigitalCredential", "issued")[1]:
        return {
            "en": f"The credential has no {prop_en} yet: it is added when the credential is sealed.",
            "es": "La credencial aún no tiene fecha de emisión: se añade al sellarla.",
        }
    if component == "MinCountConstraintComponent":
        need_en = f"at least {rule.min} {'is' if rule.min == 1 else 'are'} required"
        need_es = f"se requiere{'' if rule.min == 1 else 'n'} al menos {rule.min}"
        if v.count == 0:
            return {
                "en": f"The {cls_en} has no {prop_en} ({need_en}).",
                "es": f"{the_es} no tiene {prop_es} ({need_es}).",
            }
        return {
            "en": f"The {cls_en} has only {v.count} {prop_en} ({need_en}).",
            "es": f"{the_es} solo tiene {v.count} {prop_es} ({need_es}).",
        }
    if component == "MaxCountConstraintComponent":
        return {
            "en": f"The {cls_en} has {v.count} values for {prop_en} (at most {rule.max} allowed).",
            "es": f"{the_es} tiene {v.count} valores de {prop_es} (se admite{'' if rule.max == 1 else 'n'} como máximo {rule.max}).",
        }
    shown = _shown(v.value)
    if component == "DatatypeConstraintComponent":
        want_en, want_es = DATATYPES.get(rule.datatype or "", (rule.datatype or "", rule.datatype or ""))
        return {
            "en": f"The {prop_en} of the {cls_en} must be {want_en}; found {shown}.",
            "es": f"El valor de «{prop_es}» {of_es} debe ser {want_es}; se encontró {shown}.",
        }
    if component in ("ClassConstraintComponent", "OrConstraintComponent"):
        want_en, want_es = _range_words((rule.cls,) if rule.cls else rule.or_classes)
        return {
            "en": f"The {prop_en} of the {cls_en} must be {want_en} (a node with that type); found {shown}.",
            "es": f"El valor de «{prop_es}» {of_es} debe ser {want_es} (un nodo con ese tipo); se encontró {shown}.",
        }
    if component == "NodeConstraintComponent":
        return _node_messages(v, ruleset, cls_en, prop_en, prop_es, of_es, shown, sealing_only, SCHEMES)
    if component == "NodeKindConstraintComponent":
        if rule.node_kind == "Literal":
            want_en, want_es = "a plain value (not a node)", "un valor simple (no un nodo)"
        else:
            want_en, want_es = "an IRI (a node with an id)", "una IRI (un nodo con id)"
        return {
            "en": f"The {prop_en} of the {cls_en} must be {want_en}; found {shown}.",
            "es": f"El valor de «{prop_es}» {of_es} debe ser {want_es}; se encontró {shown}.",
        }
    if component == "UniqueLangConstraintComponent":
        return {
            "en": f"The {cls_en} has more than one {prop_en} in language {v.language!r} (one per language).",
            "es": f"{the_es} tiene más de un valor de «{prop_es}» en el idioma {v.language!r} (uno por idioma).",
        }
    if component == "MaxInclusiveConstraintComponent":
        return {
            "en": f"The {prop_en} of the {cls_en} must be a number no greater than {rule.max_inclusive}; found {shown}.",
            "es": f"El valor de «{prop_es}» {of_es} debe ser un número no mayor que {rule.max_inclusive}; se encontró {shown}.",
        }
    return {
        "en": f"The {prop_en} of the {cls_en} breaks {component} ({rule.source}).",
        "es": f"El valor de «{prop_es}» {of_es} incumple {component} ({rule.source}).",
    }


def _node_messages(
    v: Violation,
    ruleset: RuleSet,
    cls_en: str,
    prop_en: str,
    prop_es: str,
    of_es: str,
    shown: str,
    sealing_only: bool,
    schemes: dict[str, tuple[str, str]],
) -> dict[str, str]:
    rule = v.rule
    if _ISSUER_SHAPE in rule.node:
        tail_en = " It is added when the credential is sealed." if sealing_only else ""
        tail_es = " Se añade al sellar la credencial." if sealing_only else ""
        return {
            "en": f"The issuer {shown} must have exactly one eIDAS legal identifier.{tail_en}",
            "es": f"El emisor {shown} debe tener exactamente un identificador legal eIDAS.{tail_es}",
        }
    for iri in rule.node:
        shape = ruleset.node_shapes[iri]
        scheme = next((r.has_value for r in shape.rules if r.has_value), None)
        if scheme is not None:
            name_en, name_es = schemes.get(scheme, (scheme, scheme))
            return {
                "en": f"The {prop_en} of the {cls_en} must be a concept of the {name_en} vocabulary "
                f"(inScheme {scheme}, an IRI typed ConceptScheme); found {shown}.",
                "es": f"El valor de «{prop_es}» {of_es} debe ser un concepto del vocabulario de {name_es} "
                f"(inScheme {scheme}, una IRI de tipo ConceptScheme); se encontró {shown}.",
            }
        if shape.classes or shape.alternatives:
            classes = list(shape.classes) + [ref for kind, ref in shape.alternatives if kind == "class"]
            want_en, want_es = _range_words(classes)
            extra_en = " (or a claim with a type, title and awarding details)" if any(k == "node" for k, _ in shape.alternatives) else ""
            extra_es = " (o una afirmación con tipo, título y datos de concesión)" if extra_en else ""
            return {
                "en": f"The {prop_en} of the {cls_en} must be {want_en}{extra_en}; found {shown}.",
                "es": f"El valor de «{prop_es}» {of_es} debe ser {want_es}{extra_es}; se encontró {shown}.",
            }
    return {
        "en": f"The {prop_en} of the {cls_en} does not conform to {', '.join(rule.node)}; found {shown}.",
        "es": f"El valor de «{prop_es}» {of_es} no cumple {', '.join(rule.node)}; se encontró {shown}.",
    }


# --------------------------------------------------------------------------- findings

_SHORT = {
    "MinCountConstraintComponent": "minCount",
    "MaxCountConstraintComponent": "maxCount",
    "DatatypeConstraintComponent": "datatype",
    "ClassConstraintComponent": "class",
    "OrConstraintComponent": "or",
    "NodeConstraintComponent": "node",
    "NodeKindConstraintComponent": "nodeKind",
    "UniqueLangConstraintComponent": "uniqueLang",
    "MaxInclusiveConstraintComponent": "maxInclusive",
    "HasValueConstraintComponent": "hasValue",
}


def _pointer(v: Violation) -> str:
    if v.location is None:
        return f"{v.focus.pointer}/{v.rule.term}"
    at, term, index = v.location
    base = json_pointer(at)
    return f"{base}/{term}" if index is None else f"{base}/{term}/{index}"


def _sealing_only(v: Violation) -> bool:
    if v.rule.source == _property("EuropeanDigitalCredential", "issued")[1] and v.component == "MinCountConstraintComponent":
        return True
    if v.component == "NodeConstraintComponent" and _ISSUER_SHAPE in v.rule.node:
        value = v.value
        eidas = _property("Organisation", "eIDASIdentifier")[0]
        return isinstance(value, Resource) and not value.props.get(eidas)
    return False


def _finding(v: Violation, ruleset: RuleSet, stage: Stage, profile: str) -> Finding:
    sealing_only = _sealing_only(v)
    severity = _SEVERITY.get(v.rule.severity, Severity.ERROR)
    if stage is not Stage.SEALED and sealing_only:
        severity = Severity.INFO
    elif stage is Stage.DRAFT and v.component == "MinCountConstraintComponent" and severity is Severity.ERROR:
        severity = Severity.WARNING
    value: Any = None
    if isinstance(v.value, Resource):
        value = v.value.iri
    elif isinstance(v.value, tuple):
        value = v.value[0]
    return Finding(
        code=f"edc-ap/{_SHORT.get(v.component, v.component)}",
        severity=severity,
        messages=_messages(v, ruleset, sealing_only and stage is not Stage.SEALED),
        path=_pointer(v),
        focus=v.focus.iri,
        property=v.rule.path,
        source=v.rule.source,
        profile=profile,
        constraint=v.component,
        value=value,
    )


#: Constraints that copies of one node which differ break (RDF reads them as one node).
_COPY_CONSTRAINTS = frozenset({"MaxCountConstraintComponent", "UniqueLangConstraintComponent"})


def _name_differing_copies(findings: list[Finding], credential: Any) -> list[Finding]:
    """The findings, those about a node that the document gives several times, with copies
    that differ, saying so: the path names one copy, and editing another (or only one) of
    them is what usually makes them differ."""
    focused = {f.focus for f in findings if f.constraint in _COPY_CONSTRAINTS and f.focus}
    if not focused or not isinstance(credential, ElmNode):
        return findings
    copies: dict[str, list[ElmNode]] = {}
    for _, node in credential.walk():
        if node.id in focused and has_content(node):  # not a reference
            copies.setdefault(node.id, []).append(node)
    differing = {
        iri: len(nodes)
        for iri, nodes in copies.items()
        if len(nodes) > 1 and not all(same_node(nodes[0], other) for other in nodes[1:])
    }
    if not differing:
        return findings
    out = []
    for finding in findings:
        count = differing.get(finding.focus or "") if finding.constraint in _COPY_CONSTRAINTS else None
        if count:
            finding = replace(
                finding,
                messages={
                    "en": f"{finding.messages['en']} The node {finding.focus} is given {count} "
                    "times in the document and its copies differ: they are one node, so change "
                    "every copy, or give it once and refer to it by its id.",
                    "es": f"{finding.messages['es']} El nodo {finding.focus} aparece {count} veces "
                    "en el documento y sus copias difieren: son un mismo nodo, así que cambie "
                    "todas las copias, o dé el nodo una vez y refiérase a él por su id.",
                },
            )
        out.append(finding)
    return out


_TAG_PROBLEMS_ES = {
    "not-a-language": "{tag!r} no nombra ninguna lengua ({subtag!r}): indique la lengua en que "
    "están escritos los textos",
    "three-letter": "{tag!r} no es una etiqueta BCP 47: {subtag!r} es el código ISO 639 de tres "
    "letras de una lengua cuya etiqueta tiene dos; escriba {suggestion!r}",
    "unknown-language": "{subtag!r} en {tag!r} no es una lengua de la tabla de lenguas de la UE",
}


def _language_finding(
    tag: str, count: int, first: tuple[Resource, str, str, str], profile: str
) -> Finding | None:
    res, predicate, path, _text = first
    problem = language_problem(tag)
    if problem is None:  # pragma: no cover - text_problems reported it
        return None
    spanish = _TAG_PROBLEMS_ES[problem.kind].format(
        tag=problem.tag, subtag=problem.subtag, suggestion=problem.suggestion
    )
    messages = {
        "en": f"{count} text(s) in language {tag!r}, which no viewer can show in a language it "
        f"knows: {problem.message}.",
        "es": f"{count} texto(s) en el idioma {tag!r}, que ningún visor puede mostrar en una "
        f"lengua que conozca: {spanish}.",
    }
    return Finding(
        "edc-ap/language-tag", Severity.WARNING, messages, path, res.iri,
        property=predicate, profile=profile, value=tag,
    )


def _text_findings(graph: Graph, profile: str, stage: Stage) -> Iterator[Finding]:
    """elmkit's own findings on texts (the shapes say nothing of them): characters no text may
    hold (an error: RDF/XML cannot write them, and nobody can read them; a warning at the
    ``sealed`` stage, since the official shapes accept them and a sealed text cannot change),
    language-tagged texts that show nothing (a warning: the viewer shows an empty title, say), and, once per
    tag, texts whose tag names no language of the EU table (a warning)."""
    tags: dict[str, tuple[int, tuple[Resource, str, str, str]]] = {}
    for res, predicate, literal, where, problem in text_problems(graph):
        at, term, index = where
        path = f"{json_pointer(at)}/{term}" + ("" if index is None else f"/{index}")
        text, _, tag = literal
        if problem == "language" and tag is not None:
            count, first = tags.get(tag, (0, (res, predicate, path, text)))
            tags[tag] = (count + 1, first)
            continue
        if problem == "characters":
            shown = ", ".join(f"U+{ord(char):04X}" for char in bad_characters(text))
            code = "edc-ap/character"
            severity = Severity.WARNING if stage is Stage.SEALED else Severity.ERROR
            messages = {
                "en": f"The text holds characters no text may hold ({shown}): control characters "
                "other than tab and line breaks, or Unicode non-characters.",
                "es": f"El texto contiene caracteres que ningún texto puede contener ({shown}): "
                "caracteres de control distintos del tabulador y los saltos de línea, o no "
                "caracteres de Unicode.",
            }
        else:
            code, severity = "edc-ap/empty-text", Severity.WARNING
            messages = {
                "en": f"The text in language {tag!r} is empty or shows only white space or "
                "invisible characters.",
                "es": f"El texto en el idioma {tag!r} está vacío o solo tiene espacios o "
                "caracteres invisibles.",
            }
        yield Finding(
            code, severity, messages, path, res.iri, property=predicate, profile=profile, value=text
        )
    for tag, (count, first) in tags.items():
        finding = _language_finding(tag, count, first, profile)
        if finding is not None:
            yield finding


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class EdcProfile:
    """An EDC application profile; ``ap_iri=None`` picks it from ``credentialSchema``."""

    name: str
    title: str
    ap_iri: str | None = None

    def layers(self, credential_schemas: Sequence[str] = ()) -> tuple[str, ...]:
        """The shape layers checked for a credential naming ``credential_schemas``."""
        if self.ap_iri is not None:
            return layers_for(self.ap_iri)
        picked: list[str] = []
        for iri in credential_schemas:
            picked += layers_for(iri)
        found = set(picked)
        return tuple(layer for layer in LAYERS if layer in found) or layers_for(AP + "edc-generic-full")

    def check(self, credential: Any, *, stage: Stage) -> Iterable[Finding]:
        """Findings for ``credential`` at ``stage`` (never raises on a loaded credential)."""
        return self._check(credential, stage, None)

    def with_shared(self, shared: Sequence[ElmNode]) -> Profile:
        """This profile for many credentials that share the objects ``shared`` (unchanged
        while it is used): they are read and checked once, and each credential's findings
        are the same as :meth:`check` gives."""
        return PreparedProfile(self, SharedGraph(shared))

    def _check(self, credential: Any, stage: Stage, shared: SharedGraph | None) -> list[Finding]:
        try:
            graph = build_graph(credential, shared)
        except ElmValidationError as exc:  # a value no node where nodes belong
            detail = exc.details[0]
            messages = {
                "en": f"The credential cannot be read: {detail.message}.",
                "es": "La credencial no se puede leer: hay un valor que no es un nodo donde va un "
                "nodo (un elemento añadido a una lista sin volver a asignarla no se comprueba: "
                "asígnela de nuevo, node.field = [...]).",
            }
            return [
                Finding("edc-ap/not-a-node", Severity.ERROR, messages, detail.path, profile=self.name)
            ]
        schemas: list[str] = []
        root = graph.root
        if root is not None:
            for value, _ in root.props.get(_schema_iri(), ()):
                if isinstance(value, Resource) and value.iri:
                    schemas.append(value.iri)
        layers = self.layers(schemas)
        ruleset = rule_set(layers)
        findings: list[Finding] = []
        focus = root.iri if root is not None else None

        def note(code: str, severity: Severity, en: str, es: str, path: str, **extra: Any) -> None:
            messages = {"en": en, "es": es}
            findings.append(
                Finding(code, severity, messages, path, focus, profile=self.name, **extra)
            )

        if self.ap_iri is None and not any(iri in AP_IRIS for iri in schemas):
            note(
                "edc-ap/profile",
                Severity.INFO,
                "The credential names no EDC application profile in credentialSchema; "
                "it was checked against the generic profile (edc-generic-full).",
                "La credencial no indica ningún perfil de aplicación EDC en credentialSchema; "
                "se ha comprobado con el perfil genérico (edc-generic-full).",
                "/credentialSchema",
                property=_schema_iri(),
                source=AP + "edc-generic-full",
            )
        for path in sorted(set(graph.dropped)):
            name = path.rsplit("/", 1)[-1]
            note(
                "edc-ap/unknown-member",
                Severity.WARNING,
                f"{name!r} is no term of the EDC context and no IRI: JSON-LD processors, Europass "
                "included, drop it (a misspelt property?)",
                f"{name!r} no es un término del contexto EDC ni un IRI: los procesadores JSON-LD, "
                "Europass incluido, lo descartan (¿una propiedad mal escrita?)",
                path,
            )
        left_out = getattr(getattr(credential, "origin", None), "left_out", ())
        if left_out:
            shown = ", ".join(left_out[:3]) + (f" (+{len(left_out) - 3})" if len(left_out) > 3 else "")
            note(
                "edc-ap/left-out",
                Severity.WARNING,
                f"The document holds {len(left_out)} node(s) the credential does not reach, which "
                f"were neither read nor checked: {shown}.",
                f"El documento contiene {len(left_out)} nodo(s) que la credencial no alcanza, que "
                f"no se han leído ni comprobado: {shown}.",
                "",
            )
        if graph.shared is not None and not (
            graph.shared.clean(ruleset) and graph.shared.texts_clean()
        ):
            graph = build_graph(credential)
        found = [_finding(v, ruleset, stage, self.name) for v in evaluate(graph, ruleset)]
        findings.extend(_name_differing_copies(found, credential))
        findings.extend(_text_findings(graph, self.name, stage))
        return findings


PROFILES: tuple[EdcProfile, ...] = (
    EdcProfile("edc-ap", "EDC application profile (the one named by credentialSchema)"),
    EdcProfile("edc-generic", "EDC generic application profile", AP + "edc-generic-full"),
    EdcProfile("edc-accredited", "EDC accredited application profile", AP + "edc-accredited"),
    EdcProfile(
        "edc-diploma-supplement", "EDC diploma supplement application profile", AP + "edc-diploma-supplement"
    ),
    EdcProfile(
        "edc-issued-by-mandate", "EDC issued-by-mandate application profile", AP + "edc-issued-by-mandate"
    ),
    EdcProfile("edc-converted", "EDC converted application profile", AP + "edc-converted"),
)


# --------------------------------------------------------------------------- documentation


def _curie(iri: str) -> str:
    from elmkit.model.schema import NAMESPACES

    for prefix, ns in (*NAMESPACES.items(), ("sec", "https://w3id.org/security#")):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _describe(rule: Rule) -> str:
    parts: list[str] = []
    if rule.min or rule.max is not None:
        high = "n" if rule.max is None else str(rule.max)
        parts.append(f"{rule.min}..{high}")
    if rule.datatype:
        parts.append(_curie(rule.datatype))
    if rule.cls:
        parts.append(f"class {_curie(rule.cls)}")
    if rule.or_classes:
        parts.append("one of " + " / ".join(_curie(c) for c in rule.or_classes))
    for iri in rule.node:
        parts.append(f"node {iri.rsplit('/', 1)[-1]}")
    if rule.node_kind:
        parts.append(f"kind {rule.node_kind}")
    if rule.unique_lang:
        parts.append("one per language")
    if rule.max_inclusive is not None:
        parts.append(f"≤ {rule.max_inclusive}")
    if rule.has_value:
        parts.append(f"has {rule.has_value}")
    return ", ".join(parts)


def rules_markdown() -> str:
    """Every rule of every EDC shape layer and node shape, as Markdown tables."""
    from elmkit.profiles import _edc_engine

    everything = rule_set(LAYERS)
    lines: list[str] = []
    for layer in LAYERS:
        layer_rules = [r for r in everything.rules if r.layer == layer]
        lines.append(f"#### Layer `{layer}` ({len(layer_rules)} rules)")
        lines.append("")
        lines.append("| class | property | constraint | shape |")
        lines.append("|---|---|---|---|")
        for rule in sorted(layer_rules, key=lambda r: (_curie(r.target), r.term, r.source)):
            source = rule.source.removeprefix(AP)
            lines.append(f"| `{_curie(rule.target)}` | `{rule.term}` | {_describe(rule)} | `{source}` |")
        lines.append("")
    lines.append("#### Node shapes")
    lines.append("")
    lines.append("| node shape | requirement |")
    lines.append("|---|---|")
    for iri, shape in sorted(_edc_engine.rule_set(LAYERS).node_shapes.items()):
        needs: list[str] = [f"class {_curie(c)}" for c in shape.classes]
        if shape.alternatives:
            needs.append(
                "one of "
                + " / ".join(
                    _curie(ref) if kind == "class" else ref.rsplit("/", 1)[-1] for kind, ref in shape.alternatives
                )
            )
        needs += [f"`{r.term}` {_describe(r)}" for r in shape.rules]
        lines.append(f"| `{iri.removeprefix(AP)}` | {'; '.join(needs)} |")
    lines.append("")
    return "\n".join(lines)
