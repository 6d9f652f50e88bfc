"""Generate ``src/elmkit/model/classes.py`` from the ELM 3.2 EDC application profile.

Usage: ``python tools/generate_model.py REFERENCE_DIR`` where REFERENCE_DIR holds ``elm/`` and
``w3c/`` (the published shapes, ontology and JSON-LD contexts). The facts taken from them are class
and property IRIs, JSON-LD terms, value ranges and cardinalities; the output is elmkit's own code.
"""

from __future__ import annotations

import json
import keyword
import re
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from pydantic import BaseModel
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

RDF_LANGSTRING = str(RDF.langString)
RDF_HTML = str(RDF.HTML)
SH_NODEKIND_LOWER = rdflib.URIRef(str(SH) + "nodekind")

NAMESPACES: dict[str, str] = {
    **runpy.run_path(str(Path(__file__).resolve().parents[1] / "src/elmkit/model/namespaces.py"))["NAMESPACES"],
    "sec": "https://w3id.org/security#",
}
SEC_PROOF = NAMESPACES["sec"] + "proof"

PY_TYPES = {
    str(XSD.string): "str",
    RDF_LANGSTRING: "LangText",
    RDF_HTML: "str",
    str(XSD.dateTime): "DateTime",
    str(XSD.date): "Date",
    str(XSD.integer): "XsdInteger",
    str(XSD.int): "XsdInteger",
    str(XSD.positiveInteger): "XsdPositiveInteger",
    str(XSD.nonNegativeInteger): "XsdNonNegativeInteger",
    str(XSD.decimal): "XsdDecimal",
    str(XSD.double): "float",
    str(XSD.float): "float",
    str(XSD.boolean): "XsdBoolean",
    str(XSD.duration): "Duration",
    str(XSD.anyURI): "AnyUri",
}

# Credentials and presentations carry the W3C type beside the ELM one.
DEFAULT_TYPES = {
    "EuropeanDigitalCredential": ("VerifiableCredential", "EuropeanDigitalCredential"),
    "EuropeanDigitalPresentation": ("VerifiablePresentation", "EuropeanDigitalPresentation"),
}


def curie(iri: str) -> str:
    for prefix, ns in NAMESPACES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def expand(value: str, prefixes: dict[str, str]) -> str:
    if ":" in value:
        prefix, local = value.split(":", 1)
        if prefix in prefixes:
            base = prefixes[prefix]
            if prefix == "clv" and not base.endswith("/"):
                base += "/"
            return base + local
    return value


def snake(name: str) -> str:
    name = name.replace("eIDAS", "Eidas")
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = text.replace("URL", "Url").lower() if text.isupper() else text.lower()
    return text


RESERVED = set(dir(BaseModel)) | set(keyword.kwlist) | {"id", "type", "walk", "type_names"}


@dataclass
class Prop:
    path: str
    shape: str
    min: int
    max: int | None
    kind: str  # lang | literal | node | iri
    datatype: str | None = None
    classes: list[str] = field(default_factory=list)
    node_shapes: list[str] = field(default_factory=list)
    node_kind: str | None = None
    unique_lang: bool = False
    max_inclusive: int | None = None
    severity: str = "Violation"
    deactivated: bool = False
    label: str = ""
    description: str = ""
    term: str = ""
    context: str = "edc"
    jsonld: dict[str, str] = field(default_factory=dict)
    py_name: str = ""


@dataclass
class Cls:
    iri: str
    name: str
    term: str
    shape: str
    label: str
    comment: str
    deactivated: bool
    props: dict[str, Prop] = field(default_factory=dict)
    supers: list[str] = field(default_factory=list)


def text_of(g: rdflib.Graph, node: Any, pred: Any) -> str:
    values = [str(v) for v in g.objects(node, pred)]
    en = [str(v) for v in g.objects(node, pred) if getattr(v, "language", None) in ("en", None)]
    return " ".join((en or values)[:1]).strip()


def load(reference: Path) -> tuple[dict[str, Cls], dict[str, Any]]:
    shapes = rdflib.Graph()
    shapes.parse(reference / "elm/shacl/edc/v3.2/EDC-generic-no-cv.ttl")
    ontology = rdflib.Graph()
    ontology.parse(reference / "elm/ontology/v3.2/ELM.ttl")
    edc_ctx = json.loads((reference / "elm/context/v3.2/edc-ap-context.jsonld").read_text())["@context"]
    vc_ctx = json.loads((reference / "w3c/credentials-v1.jsonld").read_text())["@context"]

    prefixes = {k: v for k, v in edc_ctx.items() if isinstance(v, str) and not k[0].isupper()}
    term_by_iri: dict[str, tuple[str, dict[str, Any], str]] = {}
    for term, value in edc_ctx.items():
        if isinstance(value, dict):
            term_by_iri[expand(value["@id"], prefixes)] = (term, value, "edc")
    class_term_by_iri = {
        expand(v, prefixes): k for k, v in edc_ctx.items() if isinstance(v, str) and k[0].isupper()
    }
    vc_terms: dict[str, tuple[str, dict[str, Any]]] = {}
    for outer in ("VerifiableCredential", "VerifiablePresentation"):
        scoped = vc_ctx[outer]["@context"]
        scoped_prefixes = {k: v for k, v in scoped.items() if isinstance(v, str) and ":" in v}
        class_term_by_iri[vc_ctx[outer]["@id"]] = outer
        for term, value in scoped.items():
            if isinstance(value, dict) and "@id" in value:
                vc_terms[expand(value["@id"], scoped_prefixes)] = (term, value)

    def or_items(node: Any) -> list[Any]:
        return list(Collection(shapes, node))

    def node_shape_classes(ns: Any) -> tuple[list[str], list[str]]:
        classes: list[str] = []
        names = [str(ns).rsplit("/", 1)[-1]]
        for o in shapes.objects(ns, SH["or"]):
            for item in or_items(o):
                c = shapes.value(item, SH["class"])
                if c is not None:
                    classes.append(str(c))
                inner = shapes.value(item, SH.node)
                if inner is not None:
                    names.append(str(inner).rsplit("/", 1)[-1])
        return classes, names

    classes: dict[str, Cls] = {}
    for ns in shapes.subjects(RDF.type, SH.NodeShape):
        target = shapes.value(ns, SH.targetClass)
        if target is None:
            continue
        iri = str(target)
        name = iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        cls = Cls(
            iri=iri,
            name=name,
            term=class_term_by_iri.get(iri, name),
            shape=str(ns),
            label=text_of(shapes, ns, RDFS.label),
            comment=text_of(shapes, ns, RDFS.comment),
            deactivated=bool(shapes.value(ns, SH.deactivated)),
        )
        for ps in shapes.objects(ns, SH.property):
            path = str(shapes.value(ps, SH.path))
            dt = shapes.value(ps, SH.datatype)
            node_kind = shapes.value(ps, SH.nodeKind) or shapes.value(ps, SH_NODEKIND_LOWER)
            prop_classes = [str(c) for c in shapes.objects(ps, SH["class"])]
            node_shapes: list[str] = []
            for o in shapes.objects(ps, SH["or"]):
                for item in or_items(o):
                    c = shapes.value(item, SH["class"])
                    if c is not None:
                        prop_classes.append(str(c))
            for nd in shapes.objects(ps, SH.node):
                extra, names = node_shape_classes(nd)
                node_shapes += names
                if not prop_classes:
                    prop_classes += extra
            if dt is not None:
                kind = "lang" if str(dt) == RDF_LANGSTRING else "literal"
            elif prop_classes:
                kind = "node"
            elif node_kind is not None and str(node_kind).endswith("IRI"):
                kind = "iri"
            else:
                kind = "literal"
            min_count = shapes.value(ps, SH.minCount)
            max_count = shapes.value(ps, SH.maxCount)
            max_incl = shapes.value(ps, SH.maxInclusive)
            severity = shapes.value(ps, SH.severity)
            prop = Prop(
                path=path,
                shape=str(ps) if isinstance(ps, rdflib.URIRef) else f"{ns}#{curie(path)}",
                min=int(min_count) if min_count is not None else 0,
                max=int(max_count) if max_count is not None else None,
                kind=kind,
                datatype=str(dt) if dt is not None else None,
                classes=list(dict.fromkeys(prop_classes)),
                node_shapes=node_shapes,
                node_kind=str(node_kind).rsplit("#", 1)[-1] if node_kind is not None else None,
                unique_lang=bool(shapes.value(ps, SH.uniqueLang)),
                max_inclusive=int(max_incl) if max_incl is not None else None,
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                deactivated=bool(shapes.value(ps, SH.deactivated)) or cls.deactivated,
                label=text_of(shapes, ps, SH.name),
                description=text_of(shapes, ps, SH.description),
            )
            if path in cls.props:
                raise SystemExit(f"{name}: two shapes for {path}")
            cls.props[path] = prop
        classes[iri] = cls

    # Terms and their JSON-LD coercion.
    for cls in classes.values():
        for prop in cls.props.values():
            if prop.path in term_by_iri:
                prop.term, official, prop.context = term_by_iri[prop.path]
            elif prop.path in vc_terms:
                prop.term, official = vc_terms[prop.path]
                prop.context = "vc1"
            else:
                prop.term = prop.path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
                prop.context = "edc"
            prop.jsonld = derived_coercion(prop)
            if prop.context == "vc1":
                official = vc_terms[prop.path][1]
                if "@container" in official:
                    prop.jsonld["@container"] = official["@container"]

    # Subclass relations restricted to the model's classes.
    for cls in classes.values():
        for sup in ontology.objects(rdflib.URIRef(cls.iri), RDFS.subClassOf):
            if str(sup) in classes:
                cls.supers.append(str(sup))
    extras = {
        term: value
        for term, value in edc_ctx.items()
        if isinstance(value, dict)
        and not any(p.term == term for c in classes.values() for p in c.props.values())
    }
    meta = {"extra_terms": extras, "prefixes": prefixes, "ontology_version": str(ontology.value(None, OWL.versionInfo) or "")}
    return classes, meta


def derived_coercion(prop: Prop) -> dict[str, str]:
    if prop.kind == "lang":
        return {"@container": "@language"}
    if prop.kind in ("node", "iri"):
        return {"@type": "@id"}
    if prop.datatype is not None:
        return {"@type": curie(prop.datatype)}
    return {}


def assign_names(classes: dict[str, Cls]) -> None:
    for cls in classes.values():
        for prop in cls.props.values():
            name = snake(prop.term)
            if name in RESERVED:
                name += "_"
            prop.py_name = name


def order_classes(classes: dict[str, Cls]) -> list[Cls]:
    done: list[Cls] = []
    seen: set[str] = set()

    def visit(cls: Cls) -> None:
        if cls.iri in seen:
            return
        for sup in cls.supers:
            visit(classes[sup])
        seen.add(cls.iri)
        done.append(cls)

    for cls in sorted(classes.values(), key=lambda c: c.name):
        visit(cls)
    return done


def subclasses_of(classes: dict[str, Cls], iri: str) -> list[str]:
    out = [iri]
    for cls in classes.values():
        if iri in cls.supers:
            out += subclasses_of(classes, cls.iri)
    return list(dict.fromkeys(out))


def union_name(names: list[str], classes_by_name: dict[str, Cls]) -> str:
    if len(names) == 1:
        return names[0]
    for candidate in names:
        if all(is_sub(classes_by_name, n, candidate) for n in names):
            return f"Any{candidate}"
    return "Or".join(sorted(names))


def is_sub(classes_by_name: dict[str, Cls], name: str, ancestor: str) -> bool:
    if name == ancestor:
        return True
    iri_to_name = {c.iri: c.name for c in classes_by_name.values()}
    return any(is_sub(classes_by_name, iri_to_name[s], ancestor) for s in classes_by_name[name].supers)


def py_repr(value: Any) -> str:
    return repr(value)


def generate(classes: dict[str, Cls], meta: dict[str, Any]) -> str:
    assign_names(classes)
    by_name = {c.name: c for c in classes.values()}
    ordered = order_classes(classes)
    unions: dict[str, tuple[list[str], str]] = {}
    lines: list[str] = [
        '"""ELM 3.2 classes of the EDC application profile.',
        "",
        "Generated by ``tools/generate_model.py`` from the published EDC 3.2 shapes, the ELM ontology",
        "and the EDC JSON-LD context. Do not edit by hand: change the generator and run it again.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Annotated, ClassVar",
        "",
        "from pydantic import BeforeValidator, Discriminator, Field, Tag",
        "",
        "from elmkit.model.base import (",
        "@BASE@",
        ")",
        "from elmkit.model.datatypes import (",
        "@DATATYPES@",
        ")",
        "from elmkit.model.text import LangText",
        "",
        "__all__ = [",
    ]
    for cls in sorted(ordered, key=lambda c: c.name):
        lines.append(f'    "{cls.name}",')
    lines.append("]")
    lines.append("")

    for cls in ordered:
        # credentials and presentations: proof fields are plain sec:proof statements
        holds_proofs = any(p.path == SEC_PROOF for p in cls.props.values())
        supers = [classes[s].name for s in cls.supers] or ["ProofHolder" if holds_proofs else "ElmNode"]
        inherited: dict[str, Prop] = {}
        for s in cls.supers:
            for anc in reversed(order_ancestors(classes, s)):
                for p in classes[anc].props.values():
                    inherited[p.py_name] = p
        lines.append("")
        lines.append(f"class {cls.name}({', '.join(supers)}):")
        doc = (cls.comment or cls.label or cls.name).replace('"""', "'''").replace("\\", "\\\\")
        lines.append(f'    """{doc}"""')
        lines.append("")
        lines.append(f"    class_iri: ClassVar[str] = {py_repr(cls.iri)}")
        lines.append(f"    class_term: ClassVar[str] = {py_repr(cls.term)}")
        default_type = DEFAULT_TYPES.get(cls.name, cls.term)
        lines.append(f"    default_type: ClassVar[str | tuple[str, ...]] = {py_repr(default_type)}")
        lines.append(f"    shape_iri: ClassVar[str] = {py_repr(cls.shape)}")
        for prop in sorted(cls.props.values(), key=lambda p: p.py_name):
            annotation, default = field_type(prop, classes, by_name, unions)
            extra = {
                "owner": cls.name,
                "iri": prop.path,
                "term": prop.term,
                "min": prop.min,
                "max": prop.max,
                "kind": prop.kind,
                "datatype": prop.datatype,
                "classes": [classes[c].name if c in classes else c for c in prop.classes],
                "node_shapes": prop.node_shapes,
                "node_kind": prop.node_kind,
                "unique_lang": prop.unique_lang,
                "max_inclusive": prop.max_inclusive,
                "severity": prop.severity,
                "deactivated": prop.deactivated,
                "shape": prop.shape,
                "label": prop.label,
                "context": prop.context,
                "jsonld": prop.jsonld,
            }
            override = ""
            base = inherited.get(prop.py_name)
            if base is not None:
                base_annotation, _ = field_type(base, classes, by_name, unions)
                if base_annotation != annotation:
                    override = "  # type: ignore[assignment]"
            desc = prop.description.replace("\\", "\\\\")
            lines.append(
                f"    {prop.py_name}: {annotation} = Field({default}, alias={prop.term!r}, "
                f"description={desc!r}, json_schema_extra={{'elm': {extra!r}}}){override}"
            )
        lines.append("")

    lines.append("")
    for name, (members, default) in sorted(unions.items()):
        members_src = " | ".join(f"Annotated[{m}, Tag({by_name[m].term!r})]" for m in members)
        tag_list = ", ".join(repr(by_name[m].term) for m in members)
        lines.append(f"{name} = Annotated[")
        lines.append(f"    {members_src},")
        lines.append(f"    Discriminator(tag_discriminator(({tag_list},), {by_name[default].term!r})),")
        lines.append("]")
        lines.append(f'"""Any of: {", ".join(members)} (picked by ``type``)."""')
        lines.append("")
    lines.append("")
    lines.append(f"EXTRA_TERMS: dict[str, dict[str, str]] = {meta['extra_terms']!r}")
    lines.append('"""Terms of the EDC context that no property of the application profile uses."""')
    lines.append("")
    lines.append("ALL_CLASSES: tuple[type[ElmNode], ...] = (")
    for cls in ordered:
        lines.append(f"    {cls.name},")
    lines.append(")")
    lines.append("")
    lines.append("register_class_tags([c.class_term for c in ALL_CLASSES])")
    lines.append("")
    text = "\n".join(lines)
    body = text.split("__all__ = [", 1)[1]
    used = lambda names: ", ".join(n for n in names if re.search(rf"\b{n}\b", body))  # noqa: E731
    base_names = used(["ElmNode", "ProofHolder", "as_list", "as_node", "as_node_list", "register_class_tags", "tag_discriminator"])
    text = text.replace("@BASE@", "".join(f"    {name},\n" for name in base_names.split(", ")).rstrip("\n"))
    datatypes = used(
        [
            "AnyUri", "Date", "DateTime", "Duration", "Iri", "XsdBoolean", "XsdDecimal", "XsdInteger",
            "XsdNonNegativeInteger", "XsdPositiveInteger",
        ]
    )
    return text.replace("@DATATYPES@", "".join(f"    {name},\n" for name in datatypes.split(", ")).rstrip("\n"))


def order_ancestors(classes: dict[str, Cls], iri: str) -> list[str]:
    out = [iri]
    for s in classes[iri].supers:
        out += order_ancestors(classes, s)
    return out


def field_type(prop: Prop, classes: dict[str, Cls], by_name: dict[str, Cls], unions: dict[str, tuple[list[str], str]]) -> tuple[str, str]:
    many = prop.max is None or prop.max > 1
    if prop.kind == "lang":
        return "LangText | None", "None"
    if prop.kind == "iri":
        inner = "Iri"
    elif prop.kind == "literal":
        inner = PY_TYPES.get(prop.datatype or "", "str")
    else:
        members: list[str] = []
        for c in prop.classes:
            if c not in classes:
                raise SystemExit(f"unknown class {c} in {prop.shape}")
            members += [classes[s].name for s in subclasses_of(classes, c)]
        members = list(dict.fromkeys(members))
        name = union_name(members, by_name)
        if len(members) > 1:
            default = classes[prop.classes[0]].name
            prev = unions.get(name)
            if prev is not None and prev[0] != members:
                name = name + "_" + "_".join(members)
            unions[name] = (members, default)
        if many:
            return f"Annotated[list[{name}], BeforeValidator(as_node_list)]", "default_factory=list"
        return f"Annotated[{name} | None, BeforeValidator(as_node)]", "None"
    if many:
        return f"Annotated[list[{inner}], BeforeValidator(as_list)]", "default_factory=list"
    return f"{inner} | None", "None"


def main() -> None:
    reference = Path(sys.argv[1])
    out = Path(__file__).resolve().parents[1] / "src/elmkit/model/classes.py"
    classes, meta = load(reference)
    out.write_text(generate(classes, meta), encoding="utf-8")
    n_props = sum(len(c.props) for c in classes.values())
    paths = {p.path for c in classes.values() for p in c.props.values()}
    print(f"{len(classes)} classes, {n_props} properties, {len(paths)} distinct paths -> {out.name}")


if __name__ == "__main__":
    main()
