"""Generate ``src/elmkit/profiles/_edc_data.py``: the EDC application-profile facts that the
model metadata does not carry.

Usage: ``python tools/generate_edc_rules.py REFERENCE_DIR`` where REFERENCE_DIR holds ``elm/`` and
``w3c/`` (the published EDC 3.2 shapes and the JSON-LD contexts).

The structural rules of ``EDC-generic-no-cv`` come from :func:`elmkit.model.schema`; this tool
writes what is left: the controlled-vocabulary rules of ``EDC-generic-full``, the rules of the
accredited, converted, diploma-supplement and issued-by-mandate profiles, the node shapes that
property shapes point to (``sh:node``), which profile imports which, the few ``sh:nodekind``
(misspelt, so not a SHACL constraint) node kinds, and the term table of the official JSON-LD
contexts (what each term means in RDF).

:func:`extract` is also used by the tests to prove that the rule tables elmkit compiles are exactly
the constraints of the shapes files.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

SHAPES = {
    "generic-no-cv": "EDC-generic-no-cv.ttl",
    "generic-full": "EDC-generic-full.ttl",
    "accredited": "EDC-accredited.ttl",
    "converted": "EDC-converted.ttl",
    "diploma-supplement": "EDC-diplomaSupplement.ttl",
    "issued-by-mandate": "EDC-issuedByMandate.ttl",
}
SH_NODEKIND_MISSPELT = rdflib.URIRef(str(SH) + "nodekind")

#: Prefixes used to name anonymous property shapes (``<node shape>#<prefix>:<local>``): the
#: model's namespace table (read as a file: the tool runs without elmkit installed) and ``sec``.
CURIE_PREFIXES = {
    **runpy.run_path(str(Path(__file__).resolve().parents[1] / "src/elmkit/model/namespaces.py"))[
        "NAMESPACES"
    ],
    "sec": "https://w3id.org/security#",
}

#: Keys of a property rule, in order.
RULE_KEYS = (
    "source", "path", "name", "min", "max", "datatype", "class", "or", "node", "node_kind",
    "unique_lang", "max_inclusive", "has_value", "severity", "deactivated",
)


def curie(iri: str) -> str:
    for prefix, ns in CURIE_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _one(g: rdflib.Graph, s: Any, p: Any) -> Any:
    values = list(g.objects(s, p))
    if len(values) > 1:
        raise SystemExit(f"{s} has {len(values)} values for {p}")
    return values[0] if values else None


def _text(g: rdflib.Graph, s: Any, p: Any) -> str:
    values = list(g.objects(s, p))
    english = [str(v) for v in values if getattr(v, "language", None) in ("en", None)]
    return (english or [str(v) for v in values] or [""])[0].strip()


def _bool(value: Any) -> bool:
    return value is not None and bool(value.toPython())


def _int(value: Any) -> int | None:
    return None if value is None else int(value.toPython())


def _or_items(g: rdflib.Graph, node: Any) -> list[Any]:
    return list(Collection(g, node))


def property_rule(g: rdflib.Graph, ps: Any, owner: Any, nodes: dict[str, Any]) -> dict[str, Any]:
    """One property shape as SHACL evaluates it (pyshacl, no inference)."""
    path = _one(g, ps, SH.path)
    if not isinstance(path, rdflib.URIRef):
        raise SystemExit(f"{ps}: only predicate paths are supported")
    source = str(ps) if isinstance(ps, rdflib.URIRef) else f"{owner}#{curie(str(path))}"
    or_classes: list[str] = []
    for lst in g.objects(ps, SH["or"]):
        for item in _or_items(g, lst):
            keys = set(g.predicates(item)) - {RDF.type}
            if keys != {SH["class"]}:
                raise SystemExit(f"{ps}: sh:or members other than sh:class are not supported")
            or_classes.append(str(_one(g, item, SH["class"])))
    node_refs = [str(n) for n in g.objects(ps, SH.node)]
    for ref in node_refs:
        collect_node_shape(g, rdflib.URIRef(ref), nodes)
    classes = [str(c) for c in g.objects(ps, SH["class"])]
    if len(classes) > 1:
        raise SystemExit(f"{ps}: several sh:class values")
    kind = _one(g, ps, SH.nodeKind)
    deactivated = _bool(_one(g, ps, SH.deactivated)) or _bool(_one(g, owner, SH.deactivated))
    severity = _one(g, ps, SH.severity)
    has_value = _one(g, ps, SH.hasValue)
    datatype = _one(g, ps, SH.datatype)
    rule = {
        "source": source,
        "path": str(path),
        "name": _text(g, ps, SH.name),
        "min": _int(_one(g, ps, SH.minCount)) or 0,
        "max": _int(_one(g, ps, SH.maxCount)),
        "datatype": str(datatype) if datatype is not None else None,
        "class": classes[0] if classes else None,
        "or": tuple(or_classes),
        "node": tuple(sorted(node_refs)),
        "node_kind": str(kind).rsplit("#", 1)[-1] if kind is not None else None,
        "unique_lang": _bool(_one(g, ps, SH.uniqueLang)),
        "max_inclusive": _int(_one(g, ps, SH.maxInclusive)),
        "has_value": str(has_value) if has_value is not None else None,
        "severity": str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        "deactivated": deactivated,
    }
    unsupported = {
        SH["in"], SH.pattern, SH.minInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength,
        SH.maxLength, SH.languageIn, SH.equals, SH.disjoint, SH.lessThan, SH["not"], SH["and"],
        SH.xone, SH.qualifiedValueShape, SH.closed,
    } & set(g.predicates(ps))
    if unsupported:
        raise SystemExit(f"{ps}: unsupported constraints {sorted(unsupported)}")
    return rule


def collect_node_shape(g: rdflib.Graph, ns: rdflib.URIRef, nodes: dict[str, Any]) -> None:
    """A node shape reached through ``sh:node`` (it has no target of its own)."""
    key = str(ns)
    if key in nodes:
        return
    nodes[key] = None  # guard against cycles
    classes = tuple(str(c) for c in g.objects(ns, SH["class"]))
    alternatives: list[tuple[str, str]] = []
    for lst in g.objects(ns, SH["or"]):
        for item in _or_items(g, lst):
            cls = _one(g, item, SH["class"])
            ref = _one(g, item, SH.node)
            if cls is not None:
                alternatives.append(("class", str(cls)))
            elif ref is not None:
                collect_node_shape(g, ref, nodes)
                alternatives.append(("node", str(ref)))
            else:
                raise SystemExit(f"{ns}: unsupported sh:or member")
    properties = tuple(
        property_rule(g, ps, ns, nodes)
        for ps in sorted(g.objects(ns, SH.property), key=lambda p: str(_one(g, p, SH.path)))
    )
    nodes[key] = {
        "label": _text(g, ns, RDFS.label),
        "message": _text(g, ns, SH.message),
        "class": classes,
        "or": tuple(alternatives),
        "properties": properties,
    }


def layer_rules(g: rdflib.Graph, nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """Every property rule of the node shapes that have a target class."""
    out: list[dict[str, Any]] = []
    for ns in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
        target = _one(g, ns, SH.targetClass)
        if target is None:
            continue
        extra = set(g.predicates(ns)) - {
            RDF.type, SH.targetClass, SH.property, RDFS.comment, RDFS.label, SH.deactivated,
        }
        if extra:
            raise SystemExit(f"{ns}: node-level constraints {sorted(extra)} are not supported")
        for ps in g.objects(ns, SH.property):
            rule = property_rule(g, ps, ns, nodes)
            rule["target"] = str(target)
            rule["shape"] = str(ns)
            out.append(rule)
    out.sort(key=lambda r: (r["target"], r["path"], r["source"]))
    return out


def misspelt_node_kinds(g: rdflib.Graph) -> list[str]:
    """Property shapes whose node kind is written ``sh:nodekind`` (no SHACL processor reads it)."""
    out: list[str] = []
    for ns in g.subjects(RDF.type, SH.NodeShape):
        for ps in g.objects(ns, SH.property):
            if _one(g, ps, SH_NODEKIND_MISSPELT) is not None and _one(g, ps, SH.nodeKind) is None:
                path = str(_one(g, ps, SH.path))
                out.append(str(ps) if isinstance(ps, rdflib.URIRef) else f"{ns}#{curie(path)}")
    return sorted(out)


def _coercion(value: Any, prefixes: dict[str, str]) -> tuple[str, str] | None:
    if isinstance(value, str):
        return None
    iri = expand(value["@id"], prefixes)
    if value.get("@container") == "@language":
        return iri, "@language"
    if value.get("@container") == "@graph":
        return iri, "@graph"
    kind = value.get("@type")
    if kind is None:
        return iri, ""
    return iri, kind if kind.startswith("@") else expand(kind, prefixes)


def _usable_prefixes(ctx: dict[str, Any]) -> dict[str, str]:
    """Terms that JSON-LD 1.1 lets act as prefixes: simple terms ending in a gen-delim."""
    return {
        k: v
        for k, v in ctx.items()
        if isinstance(v, str) and not k.startswith("@") and v[-1:] in ":/?#[]@"
    }


def expand(value: str, prefixes: dict[str, str]) -> str:
    if ":" in value:
        prefix, local = value.split(":", 1)
        if prefix in prefixes and not local.startswith("//"):
            return prefixes[prefix] + local
    return value


def context_facts(reference: Path) -> dict[str, Any]:
    edc = json.loads((reference / "elm/context/v3.2/edc-ap-context.jsonld").read_text())["@context"]
    vc1 = json.loads((reference / "w3c/credentials-v1.jsonld").read_text())["@context"]
    prefixes = _usable_prefixes(vc1) | _usable_prefixes(edc)
    classes: dict[str, str] = {}
    terms: dict[str, tuple[str, str]] = {}
    scoped: dict[str, dict[str, tuple[str, str]]] = {}
    scoped_prefixes: dict[str, dict[str, str]] = {}
    for term, value in vc1.items():
        if term.startswith("@") or term in ("id", "type"):
            continue
        if isinstance(value, dict) and "@context" in value and term[0].isupper():
            classes[term] = value["@id"]
            inner = value["@context"]
            inner_prefixes = prefixes | _usable_prefixes(inner)
            table: dict[str, tuple[str, str]] = {}
            for name, item in inner.items():
                fact = None if name.startswith("@") else _coercion(item, inner_prefixes)
                if fact is not None:
                    table[name] = fact
            if term in ("VerifiableCredential", "VerifiablePresentation"):
                scoped[term] = table
                scoped_prefixes[term] = dict(sorted(inner_prefixes.items()))
        elif isinstance(value, str):
            classes[term] = expand(value, prefixes)
    for term, value in edc.items():
        if term.startswith("@") or term in prefixes or term in ("id", "type"):
            continue
        if isinstance(value, str):
            if value.endswith(tuple(":/?#[]@")) or ":" not in value:
                continue
            if term[0].isupper():
                classes[term] = expand(value, prefixes)
            continue
        fact = _coercion(value, prefixes)
        if fact is not None:
            terms[term] = fact
    return {
        "prefixes": dict(sorted(prefixes.items())),
        "classes": dict(sorted(classes.items())),
        "terms": dict(sorted(terms.items())),
        "scoped": {k: dict(sorted(v.items())) for k, v in sorted(scoped.items())},
        "scoped_prefixes": dict(sorted(scoped_prefixes.items())),
    }


def extract(reference: Path) -> dict[str, Any]:
    """Everything the EDC shapes files say, as plain data."""
    base = reference / "elm/shacl/edc/v3.2"
    graphs: dict[str, rdflib.Graph] = {}
    for layer, name in SHAPES.items():
        g = rdflib.Graph()
        g.parse(base / name)
        graphs[layer] = g
    ontology_iri = {
        layer: str(next(g.subjects(RDF.type, OWL.Ontology))) for layer, g in graphs.items()
    }
    layer_by_iri = {iri: layer for layer, iri in ontology_iri.items()}

    def imports(layer: str) -> list[str]:
        out: list[str] = []
        for target in graphs[layer].objects(rdflib.URIRef(ontology_iri[layer]), OWL.imports):
            out += imports(layer_by_iri[str(target)])
        out.append(layer)
        return list(dict.fromkeys(out))

    nodes: dict[str, Any] = {}
    rules = {layer: layer_rules(g, nodes) for layer, g in graphs.items()}
    return {
        "profiles": {ontology_iri[layer]: tuple(imports(layer)) for layer in SHAPES},
        "rules": rules,
        "node_shapes": dict(sorted(nodes.items())),
        "misspelt_node_kinds": tuple(misspelt_node_kinds(graphs["generic-no-cv"])),
        "context": context_facts(reference),
    }


def _rule_tuple(rule: dict[str, Any], with_target: bool) -> tuple[Any, ...]:
    head = (rule["target"], rule["shape"]) if with_target else ()
    return head + tuple(rule[k] for k in RULE_KEYS)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 9
    if isinstance(value, tuple | list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def pretty(value: Any, indent: int = 0) -> str:
    """Python source for ``value``: one dict entry or nested tuple per line, flat tuples inline."""
    pad = "    " * (indent + 1)
    end = "    " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = "".join(f"{pad}{k!r}: {pretty(v, indent + 1)},\n" for k, v in value.items())
        return "{\n" + items + end + "}"
    if isinstance(value, tuple) and _depth(value) > 2:
        items = "".join(f"{pad}{pretty(v, indent + 1)},\n" for v in value)
        return "(\n" + items + end + ")"
    return repr(value)


def render(data: dict[str, Any]) -> str:
    layers = {
        layer: tuple(_rule_tuple(r, True) for r in rules)
        for layer, rules in data["rules"].items()
        if layer != "generic-no-cv"
    }
    nodes = {
        iri: {**shape, "properties": tuple(_rule_tuple(r, False) for r in shape["properties"])}
        for iri, shape in data["node_shapes"].items()
    }

    def block(name: str, value: Any, doc: str, annotation: str) -> str:
        return f"{name}: {annotation} = {pretty(value)}\n\"\"\"{doc}\"\"\"\n"

    parts = [
        '"""Facts of the EDC 3.2 application profile that the model metadata does not carry.\n\n'
        "Generated by ``tools/generate_edc_rules.py`` from the published EDC shapes and JSON-LD\n"
        'contexts. Do not edit by hand: change the generator and run it again.\n"""',
        "from __future__ import annotations\n\nfrom typing import Any",
        block(
            "RULE_KEYS", ("target", "shape", *RULE_KEYS),
            "Field order of the rule tuples below (node-shape properties have no target/shape).",
            "tuple[str, ...]",
        ),
        block(
            "PROFILES", data["profiles"],
            "Application profile IRI -> the shape layers it is made of (its imports first).",
            "dict[str, tuple[str, ...]]",
        ),
        block(
            "LAYER_RULES", layers,
            "Property rules of every layer except ``generic-no-cv`` (which the model schema holds).",
            "dict[str, tuple[tuple[Any, ...], ...]]",
        ),
        block(
            "NODE_SHAPES", nodes,
            "Node shapes reached through ``sh:node``: class, ``sh:or`` alternatives, property rules.",
            "dict[str, dict[str, Any]]",
        ),
        block(
            "MISSPELT_NODE_KINDS", data["misspelt_node_kinds"],
            "Property shapes whose node kind is written ``sh:nodekind``: no SHACL processor enforces it.",
            "tuple[str, ...]",
        ),
        block(
            "CONTEXT", data["context"],
            "The official JSON-LD contexts as RDF sees them: prefixes, class terms, property terms\n"
            "(IRI and coercion: ``@id``, ``@language``, ``@graph``, a datatype IRI or ``\"\"``), and the\n"
            "terms and prefixes scoped to the W3C credential and presentation types.",
            "dict[str, Any]",
        ),
    ]
    return "\n\n".join(parts).rstrip("\n") + "\n"


def write_docs(root: Path) -> None:
    """Refresh the generated rule list in ``docs/profiles.md``."""
    sys.path.insert(0, str(root / "src"))
    from elmkit.profiles.edc import rules_markdown

    page = root / "docs" / "profiles.md"
    text = page.read_text(encoding="utf-8")
    start, end = "<!-- edc-rules:start -->\n", "<!-- edc-rules:end -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    tmp = page.with_suffix(".tmp")
    tmp.write_text(head + start + rules_markdown() + end + tail, encoding="utf-8")
    tmp.replace(page)


def main() -> None:
    reference = Path(sys.argv[1])
    root = Path(__file__).resolve().parents[1]
    if "--docs" in sys.argv[2:]:
        write_docs(root)
        return
    out = root / "src/elmkit/profiles/_edc_data.py"
    data = extract(reference)
    text = render(data)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    counts = {k: len(v) for k, v in data["rules"].items()}
    print(f"rules per layer {counts}, {len(data['node_shapes'])} node shapes -> {out.name}")


if __name__ == "__main__":
    main()
