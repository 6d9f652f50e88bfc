"""Generate elmkit's controlled-vocabulary tables (``src/elmkit/model/vocab_data/``).

Usage::

    python tools/generate_vocab.py REFERENCE_DIR [--out DIR] [--check]

REFERENCE_DIR holds ``elm/`` (code-list XSDs, SHACL shapes, JSON-LD context, official samples),
``policy/`` (co-official languages, vocabulary extract, research report) and ``sealing/`` (report
on EDC verification). The facts taken from them are concept IRIs, scheme IRIs, codes and labels;
the output is elmkit's own compact JSON (gzip for the large tables). ``--check`` writes nothing
and exits with status 1 when the shipped files differ from what the reference gives today.

Needs lxml and rdflib. Run by developers only; nothing here is imported at run time.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

FORMAT_VERSION = 1
GZIP_THRESHOLD = 32_000  # bytes of JSON above which a table is stored gzipped
XS = "{http://www.w3.org/2001/XMLSchema}"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
AUTHORITY = "http://publications.europa.eu/resource/authority/"
SNB = "http://data.europa.eu/snb/"

CV_DIR = Path("elm/xsd/elm3-qdr/cv")
SAMPLES_DIR = Path("elm/samples/official-elm-v3")
V2_SAMPLES_DIR = Path("elm/samples/elm-v2-xml")
SHAPES_FULL = Path("elm/shacl/edc/v3.2/EDC-generic-full.ttl")
CONTEXT = Path("elm/context/v3.2/edc-ap-context.jsonld")
CO_OFFICIAL = Path("policy/co-official-languages.csv")
VOCAB_EXTRACT = Path("policy/elm-vocab-extract.csv")
POLICY_REPORT = Path("policy/REPORT.md")
SEALING_REPORT = Path("sealing/REPORT.md")


@dataclass(frozen=True)
class XsdScheme:
    """A code list published as an XSD enumeration."""

    name: str
    file: str
    title: str


# The lists elmkit ships from the XSDs, in the order ``vocab.schemes()`` lists them.
XSD_SCHEMES = (
    XsdScheme("eqf", "eqf.xsd", "European Qualifications Framework levels"),
    XsdScheme("nqf", "nqf.xsd", "National qualifications frameworks and their levels"),
    XsdScheme("credit-system", "credit-points.xsd", "Education credit systems"),
    XsdScheme(
        "credential-type",
        "europass-credential-types.xsd",
        "European Digital Credential types (credential profiles)",
    ),
    XsdScheme(
        "assessment-type", "europass-learning-assessment-types.xsd", "Learning assessment types"
    ),
    XsdScheme(
        "learning-activity-type", "europass-learning-activity-types.xsd", "Learning activity types"
    ),
    XsdScheme(
        "learning-opportunity-type",
        "europass-learning-opportunity-types.xsd",
        "Learning opportunity types",
    ),
    XsdScheme("mode", "europass-modes.xsd", "Modes of learning and assessment"),
    XsdScheme("learning-setting", "europass-learning-setting-types.xsd", "Learning settings"),
    XsdScheme(
        "learning-schedule", "europass-learning-schedule-types.xsd", "Learning schedule types"
    ),
    XsdScheme(
        "entitlement-type", "europass-learning-entitlement-types.xsd", "Learning entitlement types"
    ),
    XsdScheme(
        "entitlement-status",
        "europass-learning-entitlement-statuses.xsd",
        "Learning entitlement statuses",
    ),
    XsdScheme("target-group", "europass-target-groups.xsd", "Target groups"),
    XsdScheme("accreditation-type", "europass-accreditation-types.xsd", "Accreditation types"),
    XsdScheme("content-encoding", "europass-content-encoding-types.xsd", "Content encodings"),
    XsdScheme("file-type", "file-type.xsd", "File types (EU authority table)"),
    XsdScheme("language", "language.xsd", "Languages (EU authority table)"),
    XsdScheme("country", "country.xsd", "Countries (EU authority table)"),
    XsdScheme("currency", "currency.xsd", "Currencies (EU authority table)"),
    XsdScheme("atu", "atu.xsd", "Administrative territorial units (EU authority table)"),
    XsdScheme("isced-f", "isced-f.xsd", "ISCED-F 2013 fields of education and training"),
    XsdScheme("skill-type", "skill-types.xsd", "Skill types"),
    XsdScheme("skill-reuse-level", "skill-reuse-levels.xsd", "Skill reuse levels"),
)

# Codes people use for the two credit systems (the acronyms of their names).
NOTATION_OVERRIDES = {
    "credit-system": {
        "6fcec5c5af": ("ECTS", "European Credit Transfer System"),
        "60b314e826": ("ECVET", "European credit system for vocational education and training"),
    }
}

# ISO 3166-1 alpha-2 codes of the entries of the country table whose English label differs from
# the IANA region description; every other alpha-2 code is found by matching those names.
COUNTRY_ALPHA2 = {
    "FRO": "FO",
    "RUS": "RU",
    "VAT": "VA",
    "BRN": "BN",
    "CPT": "CP",
    "COD": "CD",
    "FLK": "FK",
    "GMB": "GM",
    "IRN": "IR",
    "LAO": "LA",
    "MAC": "MO",
    "FSM": "FM",
    "PRK": "KP",
    "PSE": "PS",
    "PCN": "PN",
    "MAF": "MF",
    "STP": "ST",
    "KOR": "KR",
    "SYR": "SY",
    "TWN": "TW",
    "TZA": "TZ",
    "VIR": "VI",
    "VNM": "VN",
    "1A0": "XK",
    "FQ0": "TF",
    "SXM": "SX",
    "MMR": "MM",
    "SWZ": "SZ",
}
# Codes the EU institutions use instead of the ISO ones (interinstitutional style guide).
COUNTRY_EU_CODES = {"GRC": "EL", "GBR": "UK"}
COUNTRY_NO_ALPHA2 = {"OP_DATPRO"}

# The 24 official languages of the EU (BCP 47).
EU_OFFICIAL = (
    *("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr"),
    *("hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"),
)


@dataclass
class Entry:
    local: str
    labels: dict[str, str]
    notation: str | None = None
    aliases: list[str] = field(default_factory=list)

    def encode(self) -> list[Any]:
        labels: Any
        if not self.labels:
            labels = ""
        elif set(self.labels) == {"en"}:
            labels = self.labels["en"]
        else:
            labels = dict(sorted(self.labels.items()))
        out: list[Any] = [self.local, labels]
        extra: dict[str, Any] = {}
        if self.notation is not None and self.notation != self.local:
            extra["notation"] = self.notation
        if self.aliases:
            extra["aliases"] = self.aliases
        if extra:
            out.append(extra)
        return out


@dataclass
class Scheme:
    name: str
    title: str
    iri: str
    base: str
    source: str
    complete: bool
    entries: list[Entry]
    note: str = ""


def fail(message: str) -> NoReturn:
    raise SystemExit(f"generate_vocab: {message}")


def clean(text: str | None) -> str:
    """Collapse the line wrapping of the XSD documentation into single spaces."""
    return " ".join((text or "").split())


def xml_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def read_xsd(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """Return the target namespace and the (IRI, English label) pairs of an enumeration XSD."""
    from lxml import etree

    root = etree.parse(str(path), xml_parser()).getroot()
    pairs: list[tuple[str, str]] = []
    for enum in root.iter(f"{XS}enumeration"):
        doc = enum.find(f"{XS}annotation/{XS}documentation")
        pairs.append((enum.get("value") or "", clean(doc.text if doc is not None else "")))
    namespace = root.get("targetNamespace") or ""
    if not pairs or not namespace:
        fail(f"{path.name}: no enumeration or no target namespace")
    return namespace, pairs


def common_base(iris: list[str], where: str) -> str:
    bases = {iri.rsplit("/", 1)[0] + "/" for iri in iris}
    if len(bases) != 1:
        fail(f"{where}: concepts do not share one namespace: {sorted(bases)[:3]}")
    return bases.pop()


def concepts_in_samples(ref: Path) -> Iterator[dict[str, Any]]:
    """Every skos:Concept node (id, inScheme, prefLabel) of the official ELM 3 samples."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "Concept" and isinstance(node.get("id"), str):
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    files = sorted((ref / SAMPLES_DIR).glob("*.json*")) + sorted(
        (ref / SAMPLES_DIR).glob("rdf-samples/*/*.jsonld")
    )
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and isinstance(doc.get("payload"), str):
            doc = json.loads(doc["payload"])
        yield from walk(doc)


def sample_labels(ref: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Concept IRI -> (scheme IRI, merged prefLabels) as the official samples give them."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for node in concepts_in_samples(ref):
        scheme = node.get("inScheme")
        scheme_iri = scheme.get("id") if isinstance(scheme, dict) else scheme
        labels = node.get("prefLabel") or {}
        if not isinstance(scheme_iri, str) or not isinstance(labels, dict):
            continue
        prior_scheme, prior = found.setdefault(node["id"], (scheme_iri, {}))
        if prior_scheme != scheme_iri:
            fail(f"samples put {node['id']} in two schemes")
        for lang, text in labels.items():
            if isinstance(text, str):
                if prior.get(lang, text) != text:
                    fail(f"samples disagree on the {lang} label of {node['id']}")
                prior[lang] = text
    return found


def v2_sample_labels(ref: Path) -> dict[str, dict[str, str]]:
    """Concept IRI -> labels from the ELM v2 XML samples (``uri`` + ``targetName/text``)."""
    from lxml import etree

    found: dict[str, dict[str, str]] = {}
    for path in sorted((ref / V2_SAMPLES_DIR).glob("*.xml")):
        root = etree.parse(str(path), xml_parser()).getroot()
        for el in root.iter():
            uri = el.get("uri")
            if not uri or el.get("targetFrameworkUrl") is None:
                continue
            for text in el.iterfind("{*}targetName/{*}text"):
                lang = text.get("lang")
                if lang and text.text:
                    found.setdefault(uri, {})[lang] = clean(text.text)
    return found


def iana_regions() -> dict[str, list[str]]:
    """Region subtag -> descriptions, from the IANA registry shipped with langcodes."""
    import langcodes

    registry = Path(langcodes.__file__).parent / "data" / "language-subtag-registry.txt"
    regions: dict[str, list[str]] = {}
    for record in registry.read_text(encoding="utf-8").split("%%"):
        fields: dict[str, list[str]] = {}
        key = ""
        for line in record.strip().splitlines():
            if line.startswith(" ") and key:
                fields[key][-1] += " " + line.strip()
                continue
            key, _, value = line.partition(": ")
            fields.setdefault(key, []).append(value)
        subtag = fields.get("Subtag", [""])[0]
        if fields.get("Type") == ["region"] and subtag.isalpha() and "Deprecated" not in fields:
            regions[subtag] = list(dict.fromkeys(fields.get("Description", [])))
    return regions


def name_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("’", "'").casefold()


def country_aliases(entries: list[Entry]) -> None:
    by_name: dict[str, set[str]] = {}
    for subtag, descriptions in iana_regions().items():
        for description in descriptions:
            by_name.setdefault(name_key(description), set()).add(subtag)
    used: dict[str, str] = {}
    for entry in entries:
        code = entry.local
        if code in COUNTRY_NO_ALPHA2:
            continue
        if code in COUNTRY_ALPHA2:
            alpha2 = COUNTRY_ALPHA2[code]
        else:
            matches = by_name.get(name_key(entry.labels.get("en", "")), set())
            if len(matches) != 1:
                fail(f"country {code} ({entry.labels.get('en')}): no alpha-2 code by name")
            alpha2 = matches.pop()
        if alpha2 in used:
            fail(f"alpha-2 {alpha2} for both {used[alpha2]} and {code}")
        used[alpha2] = code
        entry.aliases.append(alpha2)
        if code in COUNTRY_EU_CODES:
            entry.aliases.append(COUNTRY_EU_CODES[code])


def xsd_scheme(ref: Path, spec: XsdScheme) -> Scheme:
    namespace, pairs = read_xsd(ref / CV_DIR / spec.file)
    iris = [iri for iri, _ in pairs]
    if len(set(iris)) != len(iris):
        fail(f"{spec.file}: duplicate IRIs")
    base = common_base(iris, spec.file)
    overrides = NOTATION_OVERRIDES.get(spec.name, {})
    entries: list[Entry] = []
    for iri, label in pairs:
        local = iri[len(base) :]
        entry = Entry(local, {"en": label} if label else {})
        if local in overrides:
            notation, expected = overrides[local]
            if label != expected:
                fail(f"{spec.file}: {local} is now {label!r}; review NOTATION_OVERRIDES")
            entry.notation = notation
            entry.aliases.append(local)
        entries.append(entry)
    if set(overrides) - {e.local for e in entries}:
        fail(f"{spec.file}: NOTATION_OVERRIDES name concepts that are gone")
    if spec.name == "country":
        country_aliases(entries)
    return Scheme(
        name=spec.name,
        title=spec.title,
        iri=namespace,
        base=base,
        source=f"ELM 3 code-list XSD {spec.file}",
        complete=True,
        entries=entries,
    )


def language_facts(ref: Path, language: Scheme) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Tag overrides and language sets; adds the CSV's language names as look-up aliases."""
    by_code = {e.local: e for e in language.entries}
    taken = {name_key(e.labels["en"]) for e in language.entries if "en" in e.labels}
    tags: dict[str, str] = {}
    spain: list[str] = []
    with (ref / CO_OFFICIAL).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            iri = row["eu_language_authority_uri"].strip()
            if not iri.startswith(language.base):
                fail(f"{CO_OFFICIAL}: {iri} is not in the language table")
            code = iri[len(language.base) :]
            if code not in by_code:
                fail(f"{CO_OFFICIAL}: {code} is not in the language table")
            tag = row["bcp47_tag"].strip()
            tags[tag.lower()] = code
            status = row["status_in_spain"].strip()
            if status.startswith(("official", "co-official")) and code not in spain:
                spain.append(code)
            entry = by_code[code]
            for name in re.split(r"\s*[()]\s*", row["language"]):
                if name and name_key(name) not in taken:
                    entry.aliases.append(name)
                    taken.add(name_key(name))
    if tags.get("ca-es-valencia") != "CAT" or "VAL" in tags.values():
        fail("Valencian must map to CAT")
    report = (ref / POLICY_REPORT).read_text(encoding="utf-8")
    match = re.search(r"`ALLOWED_LANGS` = ([a-z ]+)", report)
    if not match:
        fail(f"{POLICY_REPORT}: ALLOWED_LANGS not found")
    europass = match.group(1).split()
    if len(europass) != 29 or not set(EU_OFFICIAL) <= set(europass):
        fail(f"{POLICY_REPORT}: unexpected ALLOWED_LANGS {europass}")
    sets = {
        "eu-official": [bcp47_to_code(t, by_code) for t in EU_OFFICIAL],
        "europass": [bcp47_to_code(t, by_code) for t in europass],
        "spain-official": spain,
    }
    return tags, sets


def bcp47_to_code(tag: str, by_code: dict[str, Entry]) -> str:
    import langcodes

    code = str(langcodes.Language.get(tag).to_alpha3()).upper()
    if code not in by_code or "en" not in by_code[code].labels:
        fail(f"language {tag} ({code}) has no labelled entry")
    return code


def supervision_scheme(ref: Path) -> Scheme:
    """Supervision and identity verification: the concepts the policy extract collected."""
    entries: list[Entry] = []
    scheme_iri = ""
    with (ref / VOCAB_EXTRACT).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["list"].startswith("supervision-verification"):
                continue
            scheme_iri = row["concept_scheme"]
            label = row["label_en"]
            labels: dict[str, str] = {}
            aliases: list[str] = []
            spanish_only = re.search(r'label seen only in Spanish: "(.+?)"', label)
            english = re.sub(r"\s*\(.*\)\s*$", "", label).strip()
            if spanish_only:
                labels["es"] = spanish_only.group(1)
                aliases.append(english)
            else:
                labels["en"] = english
            spanish = re.search(r"\(es: (.+?)\)", row["source"])
            if spanish:
                labels["es"] = spanish.group(1)
            iri = row["concept_uri"]
            entries.append(Entry(iri.rsplit("/", 1)[1], labels, aliases=aliases))
    if len(entries) < 3:
        fail(f"{VOCAB_EXTRACT}: supervision-verification rows not found")
    base = scheme_iri.rsplit("/", 1)[0] + "/"
    return Scheme(
        name="supervision-verification",
        title="Supervision and identity verification during assessment",
        iri=scheme_iri,
        base=base,
        source="official EDC samples and the policy vocabulary extract",
        complete=False,
        entries=entries,
        note="Partial: only the concepts seen in published credentials. "
        "df2880c5cb has a Spanish label only; 44314532f9 is an older concept.",
    )


def sample_scheme(
    name: str,
    title: str,
    scheme_iri: str,
    found: dict[str, tuple[str, dict[str, str]]],
    extra: dict[str, dict[str, str]] | None = None,
) -> Scheme:
    labels = {iri: dict(lab) for iri, (scheme, lab) in found.items() if scheme == scheme_iri}
    for iri, lab in (extra or {}).items():
        labels.setdefault(iri, {}).update(lab)
    if not labels:
        fail(f"no sample concept in {scheme_iri}")
    iris = sorted(labels)
    base = common_base(iris, name)
    return Scheme(
        name=name,
        title=title,
        iri=scheme_iri,
        base=base,
        source="official EDC samples",
        complete=False,
        entries=[Entry(iri[len(base) :], labels[iri]) for iri in iris],
        note="Partial: only the concepts seen in published credentials.",
    )


def verification_schemes(ref: Path, shacl_schemes: set[str]) -> list[Scheme]:
    """Verification check types and statuses, as the sealing report tabulates them."""
    text = (ref / SEALING_REPORT).read_text(encoding="utf-8")
    start = text.find("### 2.1 Verification steps")
    end = text.find("Status values:", start)
    if start < 0 or end < 0:
        fail(f"{SEALING_REPORT}: verification steps section not found")
    status_line = text[end : text.index("\n", end)]
    steps = re.findall(r"^\| ([A-Z][A-Za-z ()]+?) \| `([0-9a-z_]+)` \|", text[start:end], re.M)
    statuses = re.findall(r"([A-Z]+) `(?:…/verification-status/)?([0-9a-f]{10})`", status_line)
    if len(steps) != 7 or len(statuses) != 3:
        fail(f"{SEALING_REPORT}: expected 7 steps and 3 statuses, got {steps} {statuses}")
    out = []
    for name, title, rows in (
        ("verification-check", "Verification check types", steps),
        ("verification-status", "Verification check statuses", statuses),
    ):
        base = f"{SNB}verification/" if name == "verification-check" else f"{SNB}{name}/"
        scheme_iri = base + "25831c2"
        if scheme_iri not in shacl_schemes:
            fail(f"{scheme_iri} is not a scheme of the SHACL shapes")
        entries = []
        for label, code in rows:
            main = re.sub(r"\s*\(.*\)$", "", label).strip()
            paren = re.search(r"\((.+)\)$", label)
            entries.append(Entry(code, {"en": main}, aliases=[paren.group(1)] if paren else []))
        out.append(
            Scheme(
                name=name,
                title=title,
                iri=scheme_iri,
                base=base,
                source="EDC verification steps as reconstructed in the sealing report",
                complete=False,
                entries=entries,
                note="Labels are the short names EDC's viewer uses, not published prefLabels.",
            )
        )
    return out


def shacl_rules(ref: Path) -> tuple[list[dict[str, str]], set[str]]:
    """(class, property, scheme) triples of the EDC 'full' shapes, with JSON-LD terms."""
    import rdflib

    graph = rdflib.Graph().parse(ref / SHAPES_FULL, format="turtle")
    sh = rdflib.Namespace(SH)
    scheme_of_shape: dict[Any, str] = {}
    for shape in graph.subjects(rdflib.URIRef(RDF_TYPE), sh.NodeShape):
        for prop in graph.objects(shape, sh.property):
            if graph.value(prop, sh.path) == rdflib.URIRef(SKOS + "inScheme"):
                scheme_of_shape[shape] = str(graph.value(prop, sh.hasValue))
    context = json.loads((ref / CONTEXT).read_text(encoding="utf-8"))["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and not v[:1].isupper()}

    def expand(value: str) -> str:
        prefix, _, rest = value.partition(":")
        return prefixes[prefix] + rest if prefix in prefixes else value

    terms: dict[str, set[str]] = {}
    for term, value in context.items():
        iri = value.get("@id") if isinstance(value, dict) else value
        if isinstance(iri, str) and not term.startswith("@"):
            terms.setdefault(expand(iri), set()).add(term)

    def term_of(iri: str) -> str:
        found = sorted(terms.get(iri, ()))
        return found[0] if len(found) == 1 else ""

    rules = []
    for shape, target in graph.subject_objects(sh.targetClass):
        for prop in graph.objects(shape, sh.property):
            node = graph.value(prop, sh.node)
            if node in scheme_of_shape:
                path = str(graph.value(prop, sh.path))
                rules.append(
                    {
                        "class": str(target),
                        "class_term": term_of(str(target)),
                        "path": path,
                        "term": term_of(path),
                        "scheme": scheme_of_shape[node],
                    }
                )
    rules.sort(key=lambda r: (r["class"], r["path"]))
    if len(rules) < 20:
        fail(f"{SHAPES_FULL}: too few vocabulary rules ({len(rules)})")
    return rules, set(scheme_of_shape.values())


def check_against_samples(
    schemes: list[Scheme], found: dict[str, tuple[str, dict[str, str]]]
) -> None:
    """Samples and shapes must agree with the scheme IRIs and labels written."""
    by_base = {s.base: s for s in schemes}
    for iri, (scheme_iri, labels) in found.items():
        scheme = by_base.get(iri.rsplit("/", 1)[0] + "/")
        if scheme is None:
            continue
        if scheme.iri != scheme_iri:
            fail(f"samples put {iri} in {scheme_iri}, the XSD says {scheme.iri}")
        entry = next((e for e in scheme.entries if scheme.base + e.local == iri), None)
        if entry is None:
            if scheme.complete:
                fail(f"sample concept {iri} is missing from {scheme.name}")
            continue
        if "en" in labels and "en" in entry.labels and labels["en"] != entry.labels["en"]:
            # The XSD stays the source of the label; the difference is reported for review.
            print(
                f"note: {iri}: samples say {labels['en']!r}, the XSD {entry.labels['en']!r}",
                file=sys.stderr,
            )


def check_keys(scheme: Scheme) -> None:
    """Codes and aliases must identify one entry each, case-insensitively."""
    seen: dict[str, str] = {}
    for entry in scheme.entries:
        keys = {entry.local, *([entry.notation] if entry.notation else []), *entry.aliases}
        for key in keys:
            folded = key.casefold()
            if seen.setdefault(folded, entry.local) != entry.local:
                fail(f"{scheme.name}: code {key!r} names {seen[folded]} and {entry.local}")


def build(ref: Path) -> dict[str, bytes]:
    """Return file name -> bytes for every data file."""
    rules, shacl_schemes = shacl_rules(ref)
    schemes = [xsd_scheme(ref, spec) for spec in XSD_SCHEMES]
    by_name = {s.name: s for s in schemes}
    tags, language_sets = language_facts(ref, by_name["language"])
    found = sample_labels(ref)
    check_against_samples(schemes, found)
    v2 = v2_sample_labels(ref)
    schemes.append(supervision_scheme(ref))
    schemes.append(
        sample_scheme("evidence-type", "Evidence types", f"{SNB}evidence-type/25831c2", found)
    )
    schemes.extend(verification_schemes(ref, shacl_schemes))
    human_sex = f"{AUTHORITY}human-sex"
    schemes.append(
        sample_scheme(
            "human-sex",
            "Human sex (EU authority table)",
            human_sex,
            found,
            {iri: lab for iri, lab in v2.items() if iri.startswith(human_sex + "/")},
        )
    )
    for scheme in schemes:
        check_keys(scheme)
    shipped = {s.iri for s in schemes}
    missing = (
        {r["scheme"] for r in rules}
        - shipped
        - {
            "http://data.europa.eu/esco/concept-scheme/skills",
            "http://data.europa.eu/esco/concept-scheme/occupations",
            f"{SNB}claim-type/25831c2",
        }
    )
    if missing:
        fail(f"SHACL schemes without a shipped list: {sorted(missing)}")

    files: dict[str, bytes] = {}
    index_schemes = []
    for scheme in schemes:
        body = {
            "format": FORMAT_VERSION,
            "name": scheme.name,
            "iri": scheme.iri,
            "base": scheme.base,
            "entries": [e.encode() for e in scheme.entries],
        }
        raw = dumps(body)
        file = f"{scheme.name}.json"
        if len(raw) > GZIP_THRESHOLD:
            file += ".gz"
            raw = gzip.compress(raw, compresslevel=9, mtime=0)
        files[file] = raw
        index_schemes.append(
            {
                "name": scheme.name,
                "title": scheme.title,
                "iri": scheme.iri,
                "base": scheme.base,
                "file": file,
                "count": len(scheme.entries),
                "complete": scheme.complete,
                "source": scheme.source,
                "note": scheme.note,
            }
        )
    index = {
        "format": FORMAT_VERSION,
        "schemes": index_schemes,
        "language_tags": dict(sorted(tags.items())),
        "language_sets": language_sets,
        "cv_rules": rules,
    }
    files["index.json"] = dumps(index, indent=1)
    return files


def dumps(value: Any, indent: int | None = None) -> bytes:
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(value, ensure_ascii=False, separators=separators, indent=indent)
    return (text + "\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path, help="folder holding elm/, policy/ and sealing/")
    default_out = Path(__file__).resolve().parents[1] / "src" / "elmkit" / "model" / "vocab_data"
    parser.add_argument("--out", type=Path, default=default_out)
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    files = build(args.reference)
    out: Path = args.out
    stale = (
        sorted(p.name for p in out.glob("*.json*") if p.is_file() and p.name not in files)
        if out.is_dir()
        else []
    )
    changed = [
        name
        for name, data in files.items()
        if not (out / name).is_file() or not same_table(name, (out / name).read_bytes(), data)
    ]
    if args.check:
        for name in changed + stale:
            print(f"out of date: {name}")
        return 1 if changed or stale else 0
    out.mkdir(parents=True, exist_ok=True)
    for name in changed:
        write_atomic(out / name, files[name])
    for name in stale:
        (out / name).unlink()
    total = sum(len(d) for d in files.values())
    print(f"{len(files)} files, {total} bytes, {len(changed)} written, {len(stale)} removed")
    return 0


def same_table(name: str, written: bytes, built: bytes) -> bool:
    """Whether two versions of a shipped file hold the same table (gzip's bytes depend on the
    zlib the interpreter was built with, so compressed tables are compared uncompressed)."""
    if name.endswith(".gz"):
        return gzip.decompress(written) == gzip.decompress(built)
    return written == built


if __name__ == "__main__":
    sys.exit(main())
