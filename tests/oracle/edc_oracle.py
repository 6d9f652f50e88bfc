"""The pyshacl oracle for the ``edc-ap`` profile: mutated official samples, validated both ways.

Variants are generated deterministically from the official samples (one mutation each). elmkit
validates each variant on the model; pyshacl validates the RDF of the same JSON (expanded by pyld
with the official contexts, read through a local document loader) against the official shapes,
without inference. Many variants share one data graph: every node id is rewritten per variant
(``urn:x-v<n>:<id>``) except the concept schemes that the shapes name with ``sh:hasValue``, and
blank nodes carry a marker triple with their JSON pointer so results can be matched.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import ELM_DIR, REFERENCE_DIR, SAMPLES_DIR, SHAPES_DIR
from elmkit.errors import ElmError
from elmkit.profiles import _edc_data
from elmkit.profiles._edc_engine import Resource, build_graph, evaluate, rule_set

CONTEXTS = {
    "http://data.europa.eu/snb/model/context/edc-ap": ELM_DIR / "context/v3.2/edc-ap-context.jsonld",
    "https://www.w3.org/2018/credentials/v1": REFERENCE_DIR / "w3c/credentials-v1.jsonld",
}
MARKER = "urn:x-oracle:pointer"
PROTECTED = frozenset(
    rule[12]
    for shape in _edc_data.NODE_SHAPES.values()
    for rule in shape["properties"]
    if rule[12]
)
TERMS: dict[str, tuple[str, str]] = {
    **_edc_data.CONTEXT["terms"],
    **_edc_data.CONTEXT["scoped"]["VerifiableCredential"],
}
SCHEMES = sorted(PROTECTED)
NEIGHBOURS = [
    ["Person", "Organisation", "Agent"],
    ["LearningAchievement", "LearningActivity", "LearningAssessment", "LearningEntitlement", "Claim"],
    [
        "LearningAchievementSpecification",
        "Qualification",
        "LearningActivitySpecification",
        "LearningAssessmentSpecification",
        "LearningEntitlementSpecification",
    ],
    ["Identifier", "LegalIdentifier"],
    ["Concept", "ConceptScheme"],
    ["Note", "WebResource"],
]

SOURCES = {
    "mc-annex1": SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld",
    "cert-of-part": SAMPLES_DIR / "Sample-CertOfPart-unsigned.jsonld",
    "mc-annex1-signed": SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld",
    "cert-of-part-signed": SAMPLES_DIR / "Sample-CertOfPart-signed.jsonld",
    "rdf-sample-3.2": SAMPLES_DIR / "rdf-samples/v3.2/credential-sample.jsonld",
}


# --------------------------------------------------------------------------- sources


def load_source(name: str) -> dict[str, Any]:
    """A sample as JSON (the payload of a sealed envelope), with images shortened."""
    data = json.loads(SOURCES[name].read_text(encoding="utf-8"))
    if "payload" in data:
        data = json.loads(data["payload"])

    def shorten(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ("aGVsbG8=" if k == "content" and isinstance(v, str) and len(v) > 200 else shorten(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [shorten(v) for v in value]
        return value

    result: dict[str, Any] = shorten(data)
    return result


def _is_lang_key(key: str) -> bool:
    return TERMS.get(key, ("", ""))[1] == "@language"


def node_dicts(doc: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object that is a node (not a language map or a value object)."""
    if isinstance(doc, dict):
        if "@value" not in doc:
            yield pointer, doc
        for key, value in doc.items():
            if key == "@context" or _is_lang_key(key):
                continue
            yield from node_dicts(value, f"{pointer}/{key}")
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from node_dicts(item, f"{pointer}/{index}")


def _get(doc: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


# --------------------------------------------------------------------------- variants


@dataclass
class Variant:
    source: str
    name: str
    doc: dict[str, Any]
    target: str
    """JSON pointer of the node the mutation changed."""


def _dup(value: Any) -> Any:
    if isinstance(value, dict):
        out = copy.deepcopy(value)
        if isinstance(out.get("id"), str):
            out["id"] = out["id"] + "-bis"
        return out
    if isinstance(value, str):
        return value + "-bis"
    return value


def _neighbour(type_value: Any) -> str | None:
    names = [type_value] if isinstance(type_value, str) else list(type_value or [])
    for name in reversed(names):
        for group in NEIGHBOURS:
            if name in group:
                return group[(group.index(name) + 1) % len(group)]
    return None


def mutations(doc: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """``(name, node pointer, function(doc) -> None)`` for every mutation of ``doc``."""
    for pointer, node in list(node_dicts(doc)):
        for key in list(node):
            if key in ("@context", "id", "type"):
                continue
            value = node[key]

            def op(kind: str, key: str = key, pointer: str = pointer) -> Any:
                def apply(d: dict[str, Any]) -> None:
                    target = _get(d, pointer)
                    value = target[key]
                    if kind == "drop":
                        del target[key]
                    elif kind == "empty":
                        if isinstance(value, list):
                            target[key] = []
                        elif isinstance(value, dict):
                            target[key] = {}
                        elif isinstance(value, str):
                            target[key] = ""
                    elif kind == "duplicate":
                        if isinstance(value, list) and value:
                            target[key] = [*value, _dup(value[0])]
                        else:
                            target[key] = [value, _dup(value)]
                    elif kind == "literal-to-node":
                        target[key] = {"id": "urn:oracle:node", "type": "Note"}
                    elif kind == "node-to-literal":
                        target[key] = {"@value": "not a node"}
                    elif kind == "node-to-iri":
                        target[key] = "urn:oracle:elsewhere"
                    elif kind == "duplicate-language":
                        first = next(iter(value))
                        text = value[first]
                        target[key] = {**value, first: [text, f"{text} (bis)"] if isinstance(text, str) else [*text, "bis"]}
                    elif kind == "empty-language":
                        first = next(iter(value))
                        target[key] = {**value, first: ""}
                    elif kind == "untagged":
                        target[key] = next(iter(value.values()))
                    elif kind == "mixed-untagged":
                        target[key] = {**value, "@none": "untagged"}
                    elif kind == "not-a-boolean":
                        target[key] = "yes"
                    elif kind == "number-for-boolean":
                        target[key] = 1
                    elif kind == "boolean-for-number":
                        target[key] = True
                    elif kind == "double-for-integer":
                        target[key] = float(value)

                return apply

            kinds = ["drop"]
            if _is_lang_key(key):
                if isinstance(value, dict) and value:
                    kinds += ["empty", "duplicate-language", "empty-language", "untagged", "mixed-untagged"]
            elif isinstance(value, dict | list):
                kinds += ["empty", "duplicate", "node-to-literal", "node-to-iri"]
            elif isinstance(value, str):
                kinds += ["empty", "duplicate", "literal-to-node"]
            elif isinstance(value, bool):
                kinds += ["not-a-boolean", "number-for-boolean"]
            elif isinstance(value, int):
                kinds += ["boolean-for-number", "double-for-integer"]
            for kind in kinds:
                yield f"{kind} {pointer}/{key}", pointer, op(kind)
        if "type" in node:
            other = _neighbour(node["type"])
            if other is not None:

                def retype(d: dict[str, Any], pointer: str = pointer, other: str = other) -> None:
                    _get(d, pointer)["type"] = other

                yield f"class {pointer} -> {other}", pointer, retype
        if isinstance(node.get("id"), str) and pointer:

            def unname(d: dict[str, Any], pointer: str = pointer) -> None:
                del _get(d, pointer)["id"]

            yield f"blank {pointer}", pointer, unname
        if node.get("type") == "Concept" and "inScheme" in node:
            scheme = node["inScheme"]
            current = scheme.get("id") if isinstance(scheme, dict) else scheme
            others = [s for s in SCHEMES if s != current]
            wrong = others[len(pointer) % len(others)]

            def rescheme(d: dict[str, Any], pointer: str = pointer, wrong: str = wrong) -> None:
                _get(d, pointer)["inScheme"] = {"id": wrong, "type": "ConceptScheme"}

            def untyped(d: dict[str, Any], pointer: str = pointer, current: Any = current) -> None:
                _get(d, pointer)["inScheme"] = current

            yield f"scheme {pointer} -> {wrong}", pointer, rescheme
            if isinstance(current, str):
                yield f"untyped-scheme {pointer}", pointer, untyped


def variants(source: str, *, stride: int = 1, offset: int = 0) -> Iterator[Variant]:
    """Every ``stride``-th variant of a source (deterministic)."""
    base = load_source(source)
    text = json.dumps(base)
    for index, (name, target, apply) in enumerate(mutations(base)):
        if index % stride != offset % stride:
            continue
        doc = json.loads(text)
        apply(doc)
        yield Variant(source, name, doc, target)


# --------------------------------------------------------------------------- RDF side


@dataclass
class Oracle:
    """pyshacl with the official shapes of some layers, parsed once."""

    layers: tuple[str, ...]
    shapes: Any = None
    contexts: dict[str, Any] = field(default_factory=dict)
    shacl_seconds: float = 0.0

    def __post_init__(self) -> None:
        import rdflib

        graph = rdflib.Graph()
        for layer in self.layers:
            graph.parse(SHAPES_DIR / tool().SHAPES[layer])
        self.shapes = graph
        self.contexts = {url: json.loads(Path(path).read_text(encoding="utf-8")) for url, path in CONTEXTS.items()}

    def loader(self, url: str, options: Any = None) -> dict[str, Any]:
        if url not in self.contexts:
            raise ValueError(f"no local copy of {url}")
        return {"contextUrl": None, "documentUrl": url, "document": self.contexts[url]}

    def validate(self, docs: list[tuple[str, dict[str, Any]]]) -> dict[str, set[tuple[str, str, str, str]]]:
        """pyshacl results per variant tag: ``{(focus, path, component, source)}``."""
        import logging

        import pyshacl
        import rdflib
        from pyld import jsonld

        logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)

        data = rdflib.Graph()
        shared: dict[str, set[str]] = {}
        for tag, doc in docs:
            marked = prepare(doc, tag)
            dataset = jsonld.to_rdf(marked, {"documentLoader": self.loader})
            for quad in dataset.get("@default", []):
                terms = [_term(quad[k], tag) for k in ("subject", "predicate", "object")]
                data.add((terms[0], terms[1], terms[2]))
                for term in (terms[0], terms[2]):
                    if isinstance(term, rdflib.URIRef) and str(term) in PROTECTED:
                        shared.setdefault(str(term), set()).add(tag)
        started = time.perf_counter()
        _, results, _ = pyshacl.validate(data, shacl_graph=self.shapes, inference="none", advanced=False)
        self.shacl_seconds += time.perf_counter() - started
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        out: dict[str, set[tuple[str, str, str, str]]] = {tag: set() for tag, _ in docs}
        report = next(results.subjects(rdflib.RDF.type, sh.ValidationReport))
        for result in results.objects(report, sh.result):
            focus = results.value(result, sh.focusNode)
            path = str(results.value(result, sh.resultPath))
            component = str(results.value(result, sh.sourceConstraintComponent)).rsplit("#", 1)[-1]
            source = self.source_name(results.value(result, sh.sourceShape), results)
            if isinstance(focus, rdflib.BNode):
                marker = data.value(focus, rdflib.URIRef(MARKER))
                tag, _, pointer = str(marker).partition("|")
                out[tag].add((f"_:{pointer}", path, component, source))
            else:
                match = re.match(r"urn:x-(v\d+):(.*)", str(focus))
                if match:
                    out[match.group(1)].add((match.group(2), path, component, source))
                else:
                    for tag in shared.get(str(focus), ()):
                        out[tag].add((str(focus), path, component, source))
        return out

    def source_name(self, shape: Any, results: Any) -> str:
        """The source shape's IRI; anonymous ones are named ``<node shape>#<prefix>:<name>``."""
        import rdflib
        from rdflib.namespace import SH

        if isinstance(shape, rdflib.URIRef):
            return str(shape)
        owners = list(self.shapes.subjects(SH.property, shape))
        path = self.shapes.value(shape, SH.path)
        if not owners or path is None:
            raise AssertionError(f"cannot name the anonymous shape {shape!r}")
        return f"{owners[0]}#{tool().curie(str(path))}"


@functools.cache
def tool() -> Any:
    """``tools/generate_edc_rules.py`` as a module."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "tools" / "generate_edc_rules.py"
    spec = importlib.util.spec_from_file_location("generate_edc_rules", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _term(item: dict[str, Any], tag: str) -> Any:
    import rdflib

    kind = item["type"]
    if kind == "IRI":
        return rdflib.URIRef(item["value"])
    if kind == "blank node":
        return rdflib.BNode(f"{tag}{item['value'][2:]}")
    if item.get("language"):
        return rdflib.Literal(item["value"], lang=item["language"])
    return rdflib.Literal(item["value"], datatype=rdflib.URIRef(item["datatype"]))


def _rename(value: str, tag: str) -> str:
    if value in PROTECTED:
        return value
    if value.startswith("_:"):
        return f"_:{tag}{value[2:]}"
    return f"urn:x-{tag}:{value}"


def prepare(doc: Any, tag: str, pointer: str = "", parent_key: str = "") -> Any:
    """A copy of ``doc`` for the shared data graph: ids renamed, blank nodes marked."""
    if isinstance(doc, list):
        return [prepare(item, tag, f"{pointer}/{i}", parent_key) for i, item in enumerate(doc)]
    if isinstance(doc, dict):
        if "@value" in doc:
            return doc
        out: dict[str, Any] = {}
        for key, value in doc.items():
            if key == "@context":
                out[key] = value
            elif key == "id" and isinstance(value, str):
                out[key] = _rename(value, tag)
            elif _is_lang_key(key):
                out[key] = value
            elif TERMS.get(key, ("", ""))[1] == "@id" and isinstance(value, str):
                out[key] = _rename(value, tag)
            elif TERMS.get(key, ("", ""))[1] == "@id" and isinstance(value, list):
                out[key] = [
                    _rename(v, tag) if isinstance(v, str) else prepare(v, tag, f"{pointer}/{key}/{i}", key)
                    for i, v in enumerate(value)
                ]
            else:
                out[key] = prepare(value, tag, f"{pointer}/{key}", key)
        if "id" not in doc:
            out[MARKER] = f"{tag}|{normal_pointer(pointer)}"
        return out
    return doc


def normal_pointer(pointer: str) -> str:
    """A JSON pointer without ``/0`` steps (a single value and a one-item list read the same)."""
    return "/".join(part for part in pointer.split("/") if part != "0")


# --------------------------------------------------------------------------- elmkit side


def elmkit_results(doc: dict[str, Any], layers: tuple[str, ...] | None = None) -> set[tuple[str, str, str, str]] | None:
    """elmkit's results for a variant, or ``None`` when the variant does not load into the model."""
    from elmkit.model import EuropeanDigitalCredential
    from elmkit.profiles.edc import PROFILES

    try:
        credential = EuropeanDigitalCredential.from_data(doc)
    except ElmError:
        return None
    graph = build_graph(credential)
    if layers is None:
        schemas = [
            v.iri for v, _ in (graph.root.props.get("https://www.w3.org/2018/credentials#credentialSchema", []) if graph.root else [])
            if isinstance(v, Resource) and v.iri
        ]
        layers = PROFILES[0].layers(schemas)
    out: set[tuple[str, str, str, str]] = set()
    for v in evaluate(graph, rule_set(layers)):
        focus = v.focus.iri if v.focus.iri is not None else f"_:{normal_pointer(v.focus.pointer)}"
        out.add((focus, v.rule.path, v.component, v.rule.source))
    return out


# --------------------------------------------------------------------------- runs


@dataclass
class Outcome:
    """What one run found."""

    variants: int = 0
    agreements: int = 0
    disagreements: list[str] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)
    violations: int = 0

    def merge(self, other: Outcome) -> None:
        self.variants += other.variants
        self.agreements += other.agreements
        self.disagreements += other.disagreements
        self.not_loaded += other.not_loaded
        self.violations += other.violations


def run_job(job: tuple[str, tuple[str, ...] | None, int, int, int]) -> Outcome:
    """Validate the variants of one source both ways: ``(source, layers, stride, offset, batch)``.

    ``layers=None`` lets ``edc-ap`` pick the profile from ``credentialSchema`` (and pyshacl uses
    the same shapes).
    """
    source, layers, stride, offset, batch_size = job
    return check_variants(variants(source, stride=stride, offset=offset), layers, batch_size)


def check_variants(
    chosen: Iterable[Variant], layers: tuple[str, ...] | None, batch_size: int = 10
) -> Outcome:
    """Validate variants both ways, ``batch_size`` of them per pyshacl run."""
    outcome = Outcome()
    pending: list[tuple[str, Variant, set[tuple[str, str, str, str]]]] = []
    oracles: dict[tuple[str, ...], Oracle] = {}

    def flush() -> None:
        groups: dict[tuple[str, ...], list[tuple[str, Variant, set[tuple[str, str, str, str]]]]] = {}
        for item in pending:
            groups.setdefault(_layers_of(item[1].doc, layers), []).append(item)
        for group_layers, items in groups.items():
            oracle = oracles.get(group_layers) or oracles.setdefault(group_layers, Oracle(group_layers))
            shared = [i for i in items if not _touches_protected(i[1])]
            alone = [i for i in items if _touches_protected(i[1])]
            results = oracle.validate([(tag, v.doc) for tag, v, _ in shared]) if shared else {}
            for tag, v, _ in alone:
                results.update(oracle.validate([(tag, v.doc)]))
            for tag, v, mine in items:
                theirs = results[tag]
                outcome.violations += len(theirs)
                if mine == theirs:
                    outcome.agreements += 1
                else:
                    outcome.disagreements.append(
                        f"{v.source} [{v.name}]: elmkit only {sorted(mine - theirs)}; pyshacl only {sorted(theirs - mine)}"
                    )
        pending.clear()

    for index, variant in enumerate(chosen):
        outcome.variants += 1
        mine = elmkit_results(variant.doc, layers)
        if mine is None:
            outcome.not_loaded.append(f"{variant.source} [{variant.name}]")
            continue
        pending.append((f"v{index}", variant, mine))
        if len(pending) >= batch_size:
            flush()
    flush()
    return outcome


def _layers_of(doc: dict[str, Any], layers: tuple[str, ...] | None) -> tuple[str, ...]:
    if layers is not None:
        return layers
    from elmkit.profiles.edc import PROFILES

    schema = doc.get("credentialSchema")
    items = schema if isinstance(schema, list) else [schema]
    iris = [i.get("id") if isinstance(i, dict) else i for i in items]
    return PROFILES[0].layers([i for i in iris if isinstance(i, str)])


def _protected_signature(doc: Any) -> dict[str, set[str]]:
    """What the document says about each shared concept scheme (key and value, as JSON)."""
    out: dict[str, set[str]] = {}
    for _, node in node_dicts(doc):
        node_id = node.get("id")
        if node_id in PROTECTED:
            out.setdefault(node_id, set()).update(
                json.dumps([k, v], sort_keys=True) for k, v in node.items() if k != "id"
            )
    return out


@functools.cache
def _base_signature(source: str) -> dict[str, set[str]]:
    return _protected_signature(load_source(source))


def _touches_protected(variant: Variant) -> bool:
    """Whether the variant describes a shared concept scheme differently (it must run alone)."""
    return _protected_signature(variant.doc) != _base_signature(variant.source)


def run_jobs(jobs: list[tuple[str, tuple[str, ...] | None, int, int, int]], workers: int = 2) -> Outcome:
    """Run jobs in ``workers`` processes and add up the outcomes."""
    import multiprocessing

    total = Outcome()
    if workers <= 1:
        for job in jobs:
            total.merge(run_job(job))
        return total
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for outcome in pool.imap_unordered(run_job, jobs):
            total.merge(outcome)
    return total
