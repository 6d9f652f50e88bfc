"""Controlled vocabularies: shipped tables against the published lists, look-ups, languages."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ELM_DIR, REFERENCE_DIR, REPO_ROOT, SAMPLES_DIR, SHAPES_DIR
from elmkit.errors import LanguageTagError, UnknownCodeError
from elmkit.model import vocab
from elmkit.model.vocab import VocabEntry, Vocabulary

CV_DIR = ELM_DIR / "xsd" / "elm3-qdr" / "cv"
POLICY_DIR = REFERENCE_DIR / "policy"
XS = "{http://www.w3.org/2001/XMLSchema}"
LANGUAGE_BASE = "http://publications.europa.eu/resource/authority/language/"

# Lists elmkit promises to ship (names used by ``vocab.lookup``).
REQUIRED = {
    "eqf", "nqf", "credit-system", "credential-type", "assessment-type",
    "learning-activity-type", "learning-opportunity-type", "mode", "learning-setting",
    "learning-schedule", "entitlement-type", "entitlement-status", "target-group",
    "accreditation-type", "content-encoding", "file-type", "language", "country", "isced-f",
    "skill-type", "skill-reuse-level", "supervision-verification", "evidence-type",
    "verification-check", "verification-status",
}  # fmt: skip


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


@cache
def xsd_lists() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """file name -> (target namespace, [(IRI, English label)]) for every code-list XSD."""
    etree = pytest.importorskip("lxml.etree")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    out = {}
    for path in sorted(CV_DIR.glob("*.xsd")):
        root = etree.parse(str(path), parser).getroot()
        pairs = []
        for enum in root.iter(f"{XS}enumeration"):
            doc = enum.find(f"{XS}annotation/{XS}documentation")
            pairs.append((enum.get("value"), clean(doc.text if doc is not None else "")))
        out[path.name] = (root.get("targetNamespace"), pairs)
    return out


def shipped_from_xsd() -> list[str]:
    by_scheme = {v.iri: v.name for v in vocab.schemes()}
    return sorted(f for f, (ns, _) in xsd_lists().items() if ns in by_scheme)


def all_entries() -> list[VocabEntry]:
    return [entry for v in vocab.schemes() for entry in v]


def sample_concepts() -> Iterator[dict[str, Any]]:
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "Concept" and isinstance(node.get("inScheme"), dict):
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for path in sorted(SAMPLES_DIR.glob("*.json*")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc.get("payload"), str):
            doc = json.loads(doc["payload"])
        yield from walk(doc)


def co_official_rows() -> list[dict[str, str]]:
    with (POLICY_DIR / "co-official-languages.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- the shipped tables are the published lists -----------------------------------------------


def test_required_lists_are_shipped() -> None:
    assert {v.name for v in vocab.schemes()} >= REQUIRED


def test_every_complete_list_comes_from_an_xsd(reference_dir: Path) -> None:
    namespaces = {ns for ns, _ in xsd_lists().values()}
    for v in vocab.schemes():
        assert v.complete == (v.iri in namespaces), v.name


@pytest.mark.parametrize("name", [v.name for v in vocab.schemes() if v.complete])
def test_shipped_list_equals_xsd_enumeration(reference_dir: Path, name: str) -> None:
    v = vocab.vocabulary(name)
    found = [(ns, pairs) for ns, pairs in xsd_lists().values() if ns == v.iri]
    assert len(found) == 1, f"no single XSD for {v.iri}"
    namespace, pairs = found[0]
    shipped = [(e.iri, e.labels.get("en", "")) for e in v]
    assert len(v) == len(pairs)
    assert set(shipped) - set(pairs) == set(), "entries not in the XSD"
    assert set(pairs) - set(shipped) == set(), "XSD entries missing"
    assert shipped == pairs  # same order too
    assert all(e.scheme == namespace and e.iri.startswith(v.base) for e in v)


def test_required_xsd_lists_are_all_shipped(reference_dir: Path) -> None:
    names = {
        "eqf.xsd", "nqf.xsd", "credit-points.xsd", "europass-credential-types.xsd",
        "europass-learning-assessment-types.xsd", "europass-learning-activity-types.xsd",
        "europass-learning-opportunity-types.xsd", "europass-modes.xsd",
        "europass-learning-setting-types.xsd", "europass-learning-schedule-types.xsd",
        "europass-learning-entitlement-types.xsd", "europass-learning-entitlement-statuses.xsd",
        "europass-target-groups.xsd", "europass-accreditation-types.xsd",
        "europass-content-encoding-types.xsd", "file-type.xsd", "language.xsd", "country.xsd",
        "isced-f.xsd", "skill-types.xsd", "skill-reuse-levels.xsd",
    }  # fmt: skip
    assert names <= set(shipped_from_xsd())


def test_sample_concepts_use_the_shipped_scheme_iris(reference_dir: Path) -> None:
    checked = 0
    for node in sample_concepts():
        v = vocab.scheme_of(node["id"])
        base_match = [s for s in vocab.schemes() if node["id"].startswith(s.base)]
        if not base_match:
            continue
        owner = base_match[0]
        assert node["inScheme"]["id"] == owner.iri, node["id"]
        if owner.complete:
            assert v is owner, f"{node['id']} missing from {owner.name}"
        if v is not None:
            assert vocab.is_in_scheme(node["id"], node["inScheme"]["id"])
            checked += 1
    assert checked >= 15


def test_partial_lists_hold_the_facts_collected(reference_dir: Path) -> None:
    extract = POLICY_DIR / "elm-vocab-extract.csv"
    with extract.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["list"].startswith("supervision-verification")]
    assert rows
    sv = vocab.vocabulary("supervision-verification")
    assert {r["concept_uri"] for r in rows} == sv.iris()
    assert {r["concept_scheme"] for r in rows} == {sv.iri}
    assert vocab.supervision_verification("Unsupervised without ID Verification").iri in sv.iris()
    for node in sample_concepts():
        if node["inScheme"]["id"] == vocab.vocabulary("evidence-type").iri:
            entry = vocab.evidence_type(node["id"])
            assert node["prefLabel"].items() <= entry.labels.items()


def test_cv_rules_are_the_shapes_rules(reference_dir: Path) -> None:
    rdflib = pytest.importorskip("rdflib")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    graph = rdflib.Graph().parse(SHAPES_DIR / "EDC-generic-full.ttl", format="turtle")
    in_scheme = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
    scheme_of_shape = {
        shape: str(graph.value(p, sh.hasValue))
        for shape, p in graph.subject_objects(sh.property)
        if graph.value(p, sh.path) == in_scheme
    }
    expected = {
        (str(cls), str(graph.value(p, sh.path)), scheme_of_shape[graph.value(p, sh.node)])
        for shape, cls in graph.subject_objects(sh.targetClass)
        for p in graph.objects(shape, sh.property)
        if graph.value(p, sh.node) in scheme_of_shape
    }
    rules = vocab.cv_rules()
    assert {(r.class_iri, r.property_iri, r.scheme) for r in rules} == expected
    shipped = {v.iri for v in vocab.schemes()}
    not_shipped = {r.scheme for r in rules} - shipped
    assert all("esco" in s or "claim-type" in s for s in not_shipped)
    terms = {(r.class_term, r.term) for r in rules}
    assert ("Qualification", "eqfLevel") in terms and ("Address", "countryCode") in terms


@pytest.mark.slow
def test_shipped_files_are_what_the_generator_writes(reference_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_vocab", REPO_ROOT / "tools/generate_vocab.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_vocab"] = module
    spec.loader.exec_module(module)
    files = module.build(reference_dir)
    shipped = {p.name: p.read_bytes() for p in vocab.DATA_DIR.iterdir() if p.is_file()}
    assert set(files) == set(shipped)
    assert [n for n in files if not module.same_table(n, shipped[n], files[n])] == []


# --- languages -------------------------------------------------------------------------------


def test_spanish_languages_map_as_the_csv_says(reference_dir: Path) -> None:
    rows = co_official_rows()
    assert {r["bcp47_tag"] for r in rows} >= {"es", "ca", "ca-ES-valencia", "eu", "gl", "oc-aranes"}
    for row in rows:
        tag, iri = row["bcp47_tag"], row["eu_language_authority_uri"]
        assert vocab.language(tag).iri == iri, tag
        assert vocab.language_authority_iri(tag) == iri, tag
        assert vocab.language(iri.rsplit("/", 1)[1]).iri == iri
        if not row["eu_authority_label"].startswith("("):
            assert vocab.language(tag).label == row["eu_authority_label"]
        if "VAL" in row["notes"]:
            assert not vocab.language(tag).iri.endswith("/VAL")
            assert not vocab.language_authority_iri(tag).endswith("/VAL")
    official = [
        r["eu_language_authority_uri"]
        for r in rows
        if r["status_in_spain"].startswith(("official", "co-official"))
    ]
    assert [e.iri for e in vocab.language_set("spain-official")] == list(dict.fromkeys(official))


@pytest.mark.parametrize(
    ("tag", "code"),
    [("ca", "CAT"), ("ca-ES-valencia", "CAT"), ("ca-valencia", "CAT"), ("oc-aranes", "OCI"),
     ("eu", "EUS"), ("gl", "GLG"), ("es", "SPA"), ("es-ES", "SPA"), ("en", "ENG"), ("EN-gb", "ENG"),
     ("SPA", "SPA"), ("spa", "SPA"), ("pt_BR", "POR"), ("Valencian", "CAT"), ("English", "ENG")],
)  # fmt: skip
def test_language_accepts_tags_codes_and_names(tag: str, code: str) -> None:
    assert vocab.language(tag).notation == code
    assert vocab.language(tag).iri == LANGUAGE_BASE + code


def test_valencian_is_never_vehes() -> None:
    vehes = vocab.language("VAL")  # asked for by code: the EU entry VAL (ISO 639-3 'val')
    assert vehes.iri == LANGUAGE_BASE + "VAL"
    for form in ("ca-ES-valencia", "ca-valencia", "Valencian", "CA-es-VALENCIA"):
        assert vocab.language(form) != vehes
        assert vocab.language(form).notation == "CAT"


def test_europass_and_eu_language_sets(reference_dir: Path) -> None:
    report = (POLICY_DIR / "REPORT.md").read_text(encoding="utf-8")
    match = re.search(r"`ALLOWED_LANGS` = ([a-z ]+)", report)
    assert match
    europass = vocab.language_set("europass")
    assert [vocab.language_tag(e.notation) for e in europass] == match.group(1).split()
    eu = vocab.language_set("eu-official")
    assert len(eu) == 24 and set(eu) <= set(europass)
    assert all(e.label for e in europass)
    with pytest.raises(UnknownCodeError):
        vocab.language_set("klingon")


def test_language_tag_round_trips_for_labelled_languages() -> None:
    for entry in vocab.language_set("europass") + vocab.language_set("spain-official"):
        tag = vocab.language_tag(entry.iri)
        assert vocab.language_authority_iri(tag) == entry.iri


def test_language_authority_iri_errors() -> None:
    with pytest.raises(LanguageTagError):
        vocab.language_authority_iri("12")
    with pytest.raises(LanguageTagError):
        vocab.language_authority_iri("")
    with pytest.raises(UnknownCodeError):
        vocab.language_authority_iri("qaa")  # private-use language, not in the EU table


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_language_authority_iri_never_fails_untyped(text: str) -> None:
    try:
        iri = vocab.language_authority_iri(text)
    except (LanguageTagError, UnknownCodeError):
        return
    assert iri.startswith(LANGUAGE_BASE)
    assert vocab.vocabulary("language").contains_iri(iri)


# --- countries -------------------------------------------------------------------------------


def iana_regions() -> dict[str, list[str]]:
    langcodes = pytest.importorskip("langcodes")
    text = (Path(langcodes.__file__).parent / "data" / "language-subtag-registry.txt").read_text(
        encoding="utf-8"
    )
    regions: dict[str, list[str]] = {}
    for record in text.split("%%"):
        subtag = re.search(r"^Subtag: (\S+)$", record, re.M)
        if subtag and re.search(r"^Type: region$", record, re.M):
            regions[subtag.group(1)] = re.findall(r"^Description: (.+)$", record, re.M)
    return regions


def test_country_alpha2_codes() -> None:
    regions = iana_regions()
    seen: dict[str, str] = {}
    for entry in vocab.vocabulary("country"):
        alpha2 = [a for a in entry.aliases if len(a) == 2]
        for code in alpha2:
            assert code not in seen, (code, seen.get(code), entry.notation)
            seen[code] = entry.notation
            assert code in regions or code in {"XK", "EL", "UK"}, code
            assert vocab.country(code) == entry
        iso = [a for a in alpha2 if a in regions]
        if entry.label in {d for a in iso for d in regions[a]}:
            continue
        for code, descriptions in regions.items():
            if entry.label in descriptions and len(code) == 2:
                assert code in alpha2, (entry.notation, code)
    assert vocab.country("ES").notation == "ESP"
    assert vocab.country("esp") == vocab.country("Spain") == vocab.country("ES")


# --- look-ups ----------------------------------------------------------------------------------


def test_every_entry_round_trips() -> None:
    fold = vocab._fold
    for v in vocab.schemes():
        keys: dict[str, VocabEntry] = {}
        labelled: dict[str, set[str]] = {}
        for entry in v:
            for key in (entry.notation, entry.iri.rsplit("/", 1)[1], *entry.aliases):
                keys[fold(key)] = entry
            for text in entry.labels.values():
                labelled.setdefault(fold(text), set()).add(entry.iri)
        for entry in v:
            assert v.get(entry.iri) is entry
            assert v.get(entry.notation) is entry
            assert v.get(f"  {entry.notation.lower()} ") is entry
            assert vocab.lookup(v.name, entry.notation) is entry
            assert entry in v and entry.iri in v
            assert entry.scheme == v.iri and entry.scheme_name == v.name
            for alias in entry.aliases:
                assert v.get(alias) is entry
            for text in entry.labels.values():
                owner = keys.get(fold(text))
                if owner is not None:
                    assert v.get(text) is owner  # codes win over labels
                elif len(labelled[fold(text)]) == 1:
                    assert v.get(text) is entry
                else:
                    with pytest.raises(UnknownCodeError, match="names"):
                        v.get(text)


@st.composite
def entries_and_vocabularies(draw: st.DrawFn) -> tuple[Vocabulary, VocabEntry]:
    v = draw(st.sampled_from(vocab.schemes()))
    return v, draw(st.sampled_from(v.entries()))


@settings(max_examples=300, deadline=None)
@given(entries_and_vocabularies(), st.sampled_from(["iri", "notation", "label"]), st.booleans())
def test_lookup_round_trips(pair: tuple[Vocabulary, VocabEntry], how: str, upper: bool) -> None:
    v, entry = pair
    if how == "iri":
        assert vocab.lookup(v.iri, entry.iri) is entry
        assert vocab.scheme_of(entry.iri) is v
        assert vocab.find_concept(entry.iri) is entry
        assert vocab.is_in_scheme(entry.iri, v.iri)
        return
    code = entry.notation if how == "notation" else entry.label
    if not code:
        return
    code = code.upper() if upper else code.lower()
    found = v.find(code)
    if how == "notation":
        assert found is entry
    else:
        assert found is None or vocab._fold(code) in {
            vocab._fold(t) for t in (found.notation, *found.aliases, *found.labels.values())
        }


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["eqf", "mode", "country", "isced-f", "credit-system", "file-type"]),
       st.one_of(st.text(max_size=12), st.integers(), st.none(), st.floats(), st.lists(st.text())))  # fmt: skip
def test_unknown_codes_raise_unknown_code_error(name: str, code: Any) -> None:
    v = vocab.vocabulary(name)
    found = v.find(code)
    if found is not None:
        assert code in v
        return
    assert code not in v
    with pytest.raises(UnknownCodeError) as info:
        v.get(code)
    assert not isinstance(info.value, KeyError)
    assert isinstance(info.value, LookupError)
    assert name in str(info.value)


def test_unknown_code_message_names_close_matches() -> None:
    with pytest.raises(UnknownCodeError, match=r"country.*close matches: ESP \(Spain\)"):
        vocab.country("ESPP")
    with pytest.raises(UnknownCodeError, match="Online"):
        vocab.mode("onlien")
    with pytest.raises(UnknownCodeError, match="not a vocabulary"):
        vocab.lookup("countries-of-the-world", "ESP")
    with pytest.raises(UnknownCodeError):
        vocab.eqf(9)


def test_accessors() -> None:
    assert vocab.eqf(6).iri == "http://data.europa.eu/snb/eqf/6"
    assert vocab.eqf("6") is vocab.eqf(6)
    ects = vocab.credit_system("ECTS")
    assert ects.label == "European Credit Transfer System" and ects.notation == "ECTS"
    assert vocab.credit_system("ects") is vocab.credit_system(ects.iri) is ects
    assert vocab.credential_profile("Generic").scheme == vocab.vocabulary("credential-type").iri
    assert vocab.mode("Blended").label == "Blended"
    assert vocab.learning_setting("non-formal learning").label == "non-formal learning"
    assert vocab.isced_f("0688").notation == "0688"
    assert vocab.nqf("MECU Level 6").label == "MECU Level 6"
    assert vocab.assessment_type("written examination").label == "written examination"
    assert vocab.file_type("pdf").notation == "PDF"
    assert vocab.verification_status("OK").label == "OK"
    assert vocab.lookup("isced_f", "0688") is vocab.isced_f("0688")
    with pytest.raises(UnknownCodeError, match="names 2 concepts"):
        vocab.isced_f("Education")


def test_scheme_of_and_is_in_scheme() -> None:
    eqf6 = vocab.eqf(6).iri
    assert vocab.scheme_of(eqf6) is vocab.vocabulary("eqf")
    assert vocab.is_in_scheme(eqf6, "http://data.europa.eu/snb/eqf/25831c2")
    assert not vocab.is_in_scheme(eqf6, vocab.vocabulary("country").iri)
    assert not vocab.is_in_scheme("http://data.europa.eu/snb/eqf/9", vocab.vocabulary("eqf").iri)
    assert vocab.scheme_of("http://data.europa.eu/esco/skill/x") is None
    assert vocab.scheme_of("not an iri") is None
    assert vocab.find_concept("http://data.europa.eu/snb/eqf/9") is None


def test_to_jsonld() -> None:
    entry = vocab.language("eu")
    assert entry.to_jsonld() == {
        "id": LANGUAGE_BASE + "EUS",
        "type": "Concept",
        "inScheme": {"id": LANGUAGE_BASE.rstrip("/"), "type": "ConceptScheme"},
        "notation": "EUS",
        "prefLabel": {"en": "Basque"},
    }
    assert "notation" not in entry.to_jsonld(notation=False)
    assert "prefLabel" not in vocab.language("ast").to_jsonld()


def test_to_concept() -> None:
    pytest.importorskip("elmkit.model.classes")
    for entry in (vocab.country("ES"), vocab.eqf(6), vocab.language("ast")):
        dumped = entry.to_concept().model_dump(by_alias=True, exclude_none=True)
        expected = entry.to_jsonld()
        assert dumped["id"] == expected["id"]
        assert dumped.get("notation") == expected["notation"]
        schemes = (
            dumped["inScheme"] if isinstance(dumped["inScheme"], list) else [dumped["inScheme"]]
        )
        assert [s["id"] for s in schemes] == [entry.scheme]
        assert dict(dumped.get("prefLabel") or {}) == expected.get("prefLabel", {})


def test_entries_are_immutable_and_hashable() -> None:
    entry = vocab.country("ES")
    with pytest.raises(AttributeError):
        entry.iri = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.labels["en"] = "x"  # type: ignore[index]
    assert {entry, vocab.country("ESP")} == {entry}


def test_loading_is_lazy() -> None:
    code = (
        "import elmkit\n"
        "import elmkit.model.vocab as v\n"
        "assert v._REGISTRY is None\n"
        "names = [s.name for s in v.schemes()]\n"
        "assert all(s._tables is None for s in v.schemes())\n"
        "v.eqf(6)\n"
        "loaded = [s.name for s in v.schemes() if s._tables is not None]\n"
        "assert loaded == ['eqf'], loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("tag", "kind", "subtag", "suggestion"),
    [
        ("und", "not-a-language", "und", ""),
        ("zxx", "not-a-language", "zxx", ""),
        ("qtz", "not-a-language", "qtz", ""),
        ("x-klingon", "not-a-language", "x-klingon", ""),
        ("cat-ES-valencia", "three-letter", "cat", "ca-ES-valencia"),
        ("SPA", "three-letter", "spa", "es"),
        ("xx", "unknown-language", "xx", ""),
        ("va", "unknown-language", "va", ""),
        ("ca-XX", "region", "XX", ""),
        ("el-EL", "eu-country-code", "EL", "el-GR"),  # the EU's code of Greece is no region subtag
        ("en-UK", "eu-country-code", "UK", "en-GB"),  # nor the United Kingdom's
        ("zh-Xxxx", "subtag", "Xxxx", ""),
        ("ca-ES-foobar", "subtag", "foobar", ""),
    ],
)
def test_language_tag_problems(tag: str, kind: str, subtag: str, suggestion: str) -> None:
    problem = vocab.language_tag_problem(tag)
    assert problem is not None
    assert (problem.kind, problem.subtag, problem.suggestion) == (kind, subtag, suggestion)
    assert subtag in problem.message


@pytest.mark.parametrize(
    "tag", ["es", "ca-ES-valencia", "oc-ES-aranes", "eu", "gl", "ast", "an", "es-419", "el-GR", "iw", "val", "ca-x-avl"]
)
def test_tags_of_languages_of_the_eu_table_have_no_problem(tag: str) -> None:
    assert vocab.language_tag_problem(tag) is None


def test_a_malformed_tag_has_no_problem_but_an_error() -> None:
    with pytest.raises(LanguageTagError):
        vocab.language_tag_problem("ca-ES-valencia-valencia")


def test_a_tag_names_its_own_language_not_a_cldr_alias() -> None:
    assert vocab.language("tl").notation == "TGL"  # Tagalog, which CLDR aliases to Filipino
    assert vocab.language("fil").notation == "FIL"
    assert vocab.language_authority_iri("tl").endswith("/TGL")
    assert vocab.language("mo").notation == "RON"  # a deprecated tag: its preferred value
    assert vocab.language("iw").notation == "HEB"
    # an extended language and a sign language are what their whole tag names
    assert vocab.language("zh-yue").notation == "YUE" and vocab.language("sgn-GB").notation == "BFI"
    assert vocab.language("zh-Hant").notation == "ZHO"
