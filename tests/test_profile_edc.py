"""The edc-ap profile: rules equal to the shapes files, findings, stages, messages, docs."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REFERENCE_DIR, REPO_ROOT, SAMPLES_DIR
from elmkit.errors import ElmError
from elmkit.model import EuropeanDigitalCredential
from elmkit.profiles import Report, Severity, Stage, _edc_data, get_profile, run_profiles
from elmkit.profiles._edc_engine import LAYERS, rule_set
from elmkit.profiles.edc import AP_IRIS, PROFILES, EdcProfile, rules, rules_markdown

MC = SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"
MC_SIGNED = SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld"
RDF_SAMPLE = SAMPLES_DIR / "rdf-samples/v3.2/credential-sample.jsonld"
DOCS = REPO_ROOT / "docs" / "profiles.md"


@cache
def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("generate_edc_rules", REPO_ROOT / "tools/generate_edc_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _extracted() -> dict[str, Any]:
    return dict(_tool().extract(REFERENCE_DIR))


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if "payload" in data:
        data = json.loads(data["payload"])
    return data


@cache
def _mc() -> EuropeanDigitalCredential:
    return EuropeanDigitalCredential.from_data(_json(MC))


def _check(data: dict[str, Any], stage: Stage = Stage.SEALED, profile: str = "edc-ap") -> list[Any]:
    return list(get_profile(profile).check(EuropeanDigitalCredential.from_data(data), stage=stage))


# --------------------------------------------------------------------------- rules = shapes


def _canonical(rule: dict[str, Any], layer: str) -> tuple[Any, ...]:
    return (
        rule["target"], rule["shape"], rule["source"], rule["path"], rule["min"], rule["max"],
        rule["datatype"], rule["class"], tuple(rule["or"]), tuple(rule["node"]), rule["node_kind"],
        rule["unique_lang"], rule["max_inclusive"], rule["has_value"], rule["severity"],
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_compiled_rules_are_exactly_the_shapes(layer: str) -> None:
    """The rules elmkit evaluates (model schema + generated data) equal the shapes file's."""
    expected = {
        _canonical(r, layer) for r in _extracted()["rules"][layer] if not r["deactivated"]
    }
    compiled = [r.canonical() for r in rule_set(LAYERS).rules if r.layer == layer]
    assert len(compiled) == len(set(compiled))
    assert set(compiled) == expected


def test_node_shapes_are_exactly_the_shapes() -> None:
    shapes = rule_set(LAYERS).node_shapes
    extracted = _extracted()["node_shapes"]
    assert set(shapes) == set(extracted)
    for iri, shape in extracted.items():
        compiled = shapes[iri]
        assert compiled.classes == tuple(shape["class"])
        assert compiled.alternatives == tuple(shape["or"])
        assert {r.canonical()[2:] for r in compiled.rules} == {
            _canonical({**r, "target": "", "shape": ""}, "")[2:] for r in shape["properties"]
        }


def test_generated_data_is_up_to_date() -> None:
    """The generated module holds what the generator makes of the shapes today."""
    fresh: dict[str, Any] = {}
    exec(compile(_tool().render(_extracted()), "_edc_data", "exec"), fresh)
    for name in ("RULE_KEYS", "PROFILES", "LAYER_RULES", "NODE_SHAPES", "MISSPELT_NODE_KINDS", "CONTEXT"):
        assert getattr(_edc_data, name) == fresh[name], f"{name} is stale: run tools/generate_edc_rules.py"


def test_profiles_follow_the_imports() -> None:
    assert _edc_data.PROFILES["http://data.europa.eu/snb/model/ap/edc-diploma-supplement"] == (
        "generic-no-cv", "generic-full", "accredited", "diploma-supplement",
    )
    assert EdcProfile("x", "x").layers(["http://data.europa.eu/snb/model/ap/edc-converted"])[-1] == "converted"
    assert len(rules("edc-accredited")) == len(rules("edc-generic")) + 3
    with pytest.raises(ElmError):
        rules("no-such-profile")


# --------------------------------------------------------------------------- the samples


def test_unsigned_sample_misses_only_what_sealing_adds() -> None:
    findings = _check(_json(MC))
    assert {(f.code, f.property) for f in findings} == {
        ("edc-ap/minCount", "https://www.w3.org/2018/credentials#issued"),
        ("edc-ap/node", "https://www.w3.org/2018/credentials#issuer"),
    }
    issuer = next(f for f in findings if f.code == "edc-ap/node")
    assert issuer.constraint == "NodeConstraintComponent"
    assert issuer.source.endswith("/EuropeanDigitalCredential-cred_issuer")
    assert issuer.value == "urn:epass:org:1"
    assert issuer.path == "/issuer"
    assert issuer.severity is Severity.ERROR


def test_ready_stage_notes_what_sealing_adds() -> None:
    findings = _check(_json(MC), Stage.READY)
    assert findings and all(f.severity is Severity.INFO for f in findings)
    assert "sealed" in findings[0].message("en") and "sell" in findings[0].message("es")


def test_signed_payload_conforms() -> None:
    assert _check(_json(MC_SIGNED)) == []


def test_profile_is_picked_from_credential_schema() -> None:
    data = _json(MC_SIGNED)
    data["credentialSchema"] = {"id": "http://data.europa.eu/snb/model/ap/edc-accredited", "type": "ShaclValidator2017"}
    accredited = {f.source for f in _check(data)}
    assert any("edc-accredited" in s for s in accredited)
    assert accredited == {f.source for f in _check(data, profile="edc-accredited")}
    data["credentialSchema"] = {"id": "http://example.org/other", "type": "ShaclValidator2017"}
    found = _check(data)
    assert [f.code for f in found] == ["edc-ap/profile"]
    assert found[0].severity is Severity.INFO


# --------------------------------------------------------------------------- constraints


def test_missing_issuer_message_in_english_and_spanish() -> None:
    data = _json(MC_SIGNED)
    del data["issuer"]
    finding = next(f for f in _check(data) if f.property == "https://www.w3.org/2018/credentials#issuer")
    assert finding.message("en") == "The credential has no issuer (at least 1 is required)."
    assert finding.message("es") == "La credencial no tiene emisor (se requiere al menos 1)."
    assert finding.path == "/issuer"
    assert finding.focus == data["id"]
    assert finding.constraint == "MinCountConstraintComponent"
    assert finding.source == "http://data.europa.eu/snb/model/ap/edc-generic-no-cv/EuropeanDigitalCredential-cred_issuer"


def test_draft_stage_turns_missing_values_into_warnings() -> None:
    data = _json(MC_SIGNED)
    del data["issuer"]
    findings = _check(data, Stage.DRAFT)
    assert findings and all(f.severity is Severity.WARNING for f in findings if f.code == "edc-ap/minCount")


def test_class_is_read_without_inference() -> None:
    """A claim the model accepts (any Claim subclass) but the accredited profile does not."""
    data = _json(MC_SIGNED)
    claims = data["credentialSubject"]["hasClaim"]
    claims = claims if isinstance(claims, list) else [claims]
    activity = {"id": "urn:x:activity", "type": "LearningActivity", "title": {"en": "Lab"}, "awardedBy": claims[0]["awardedBy"]}
    data["credentialSubject"]["hasClaim"] = [*claims, activity]
    findings = _check(data, profile="edc-accredited")
    node = [f for f in findings if f.constraint == "NodeConstraintComponent" and f.value == "urn:x:activity"]
    assert node and node[0].source.endswith("edc-accredited/Person-elm_hasClaim")
    assert node[0].path == f"/credentialSubject/hasClaim/{len(claims)}"
    assert any(f.constraint == "MaxCountConstraintComponent" for f in findings)
    assert not [f for f in _check(data) if f.value == "urn:x:activity"]


def test_concept_from_the_wrong_scheme() -> None:
    data = _json(MC_SIGNED)
    data["credentialProfiles"]["inScheme"] = {"id": "http://data.europa.eu/snb/eqf/25831c2", "type": "ConceptScheme"}
    finding = next(f for f in _check(data) if f.code == "edc-ap/node")
    assert finding.path == "/credentialProfiles/0"  # a list in the model, as walk() writes it
    assert "credential types" in finding.message("en")
    assert "tipos de credencial" in finding.message("es")


def test_duplicate_language_and_datatype() -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = {"en": ["One", "Two"]}
    data["validUntil"] = "2030-01-01T00:00:00Z"
    findings = _check(data)
    unique = next(f for f in findings if f.code == "edc-ap/uniqueLang")
    assert unique.path.startswith("/displayParameter/title")
    assert "'en'" in unique.message("en")


def test_text_without_a_language_is_reported_where_the_document_has_it() -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = "A title"
    data["credentialSubject"]["hasClaim"]["title"] = {"en": "Title", "@none": "Untagged"}
    data["validUntil"] = "2030-01-01T00:00:00Z"
    findings = [f for f in _check(data) if f.code == "edc-ap/datatype"]
    assert {f.path for f in findings} == {
        "/displayParameter/title",
        "/credentialSubject/hasClaim/0/title/@none",
    }
    assert all(f.severity is Severity.ERROR and "language" in f.message("en") for f in findings)
    assert {f.value for f in findings} == {"A title", "Untagged"}


def test_literal_where_a_node_is_expected() -> None:
    data = _json(MC_SIGNED)
    data["credentialSubject"]["hasClaim"] = {"@value": "a text"}
    codes = {f.code for f in _check(data)}
    assert "edc-ap/node" in codes


def test_every_finding_has_both_languages_and_a_pointer() -> None:
    data = _json(MC_SIGNED)
    del data["validFrom"]
    data["credentialProfiles"] = "urn:x:not-a-concept"
    for finding in _check(data):
        assert finding.message("en") and finding.message("es")
        assert finding.message("en") != finding.message("es")
        assert finding.path.startswith("/")
        assert finding.profile == "edc-ap"
        assert finding.to_problem("es")["detail"] == finding.message("es")


def test_registered_profiles() -> None:
    names = {p.name for p in PROFILES}
    assert {"edc-ap", "edc-accredited", "edc-diploma-supplement", "edc-issued-by-mandate", "edc-converted"} <= names
    assert set(AP_IRIS.values()) - {"edc-generic-no-cv"} <= names
    report = run_profiles(_mc(), ["edc-ap"], stage=Stage.READY)
    assert isinstance(report, Report) and report.ok


def test_built_in_code_nodes_use_their_default_type() -> None:
    from elmkit.model import LangText, Note

    data = _json(MC_SIGNED)
    credential = EuropeanDigitalCredential.from_data(data)
    before = len(list(get_profile("edc-ap").check(credential, stage=Stage.SEALED)))
    credential.credential_subject.additional_note.append(Note(note_literal=LangText("x", lang="en")))  # type: ignore[union-attr]
    assert len(list(get_profile("edc-ap").check(credential, stage=Stage.SEALED))) == before


# --------------------------------------------------------------------------- robustness


def _mutate(data: Any, choices: list[int]) -> Any:
    """Apply a few structural mutations chosen by ``choices``."""
    out = copy.deepcopy(data)
    nodes: list[dict[str, Any]] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            nodes.append(value)
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(out)
    replacements: list[Any] = [None, "", [], {}, {"@value": "x"}, "urn:x:ref", 0, {"en": ["a", "b"]}, {"type": "Note"}]
    for choice in choices:
        node = nodes[choice % len(nodes)]
        keys = [k for k in node if k != "@context"]
        if not keys:
            continue
        key = keys[(choice // 7) % len(keys)]
        replacement = replacements[(choice // 3) % len(replacements)]
        if replacement is None:
            del node[key]
        else:
            node[key] = copy.deepcopy(replacement)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=4))
def test_never_raises_on_a_loadable_credential(choices: list[int]) -> None:
    data = _mutate(_json(RDF_SAMPLE), choices)
    try:
        credential = EuropeanDigitalCredential.from_data(data)
    except ElmError:
        return
    for stage in Stage:
        findings = list(get_profile("edc-ap").check(credential, stage=stage))
        for finding in findings:
            assert finding.message("en") and finding.message("es")


# --------------------------------------------------------------------------- docs


def test_docs_list_every_rule() -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- edc-rules:start -->\n(.*?)<!-- edc-rules:end -->", text, re.S)
    assert match, "docs/profiles.md lacks the generated rule list"
    assert match.group(1) == rules_markdown(), "run: python tools/generate_edc_rules.py REFERENCE_DIR --docs"
    assert "## EDC application profile" in text
    assert "## EU micro-credential" in text and "## Spain" in text


# --------------------------------------------------------------------------- SHACL backend


def test_shacl_backend_reports_pyshacl_results_as_findings() -> None:
    pytest.importorskip("pyshacl")
    from elmkit.profiles.shacl import ShaclBackendError, shacl_findings

    shapes = REFERENCE_DIR / "elm/shacl/edc/v3.2/EDC-generic-no-cv.ttl"
    findings = shacl_findings(_mc(), shapes)
    assert {(f.property, f.constraint) for f in findings} == {
        ("https://www.w3.org/2018/credentials#issued", "MinCountConstraintComponent"),
        ("https://www.w3.org/2018/credentials#issuer", "NodeConstraintComponent"),
    }
    assert all(f.profile == "shacl" and f.code.startswith("shacl/") for f in findings)
    # a JSON pointer into the credential: the focus node's, then the property's term (one the
    # credential lacks included)
    assert {f.path for f in findings} == {"/issuer", "/issued"}
    data = _json(MC_SIGNED)
    data["credentialSubject"]["hasClaim"]["title"] = {"en": ["One", "Two"]}
    nested = shacl_findings(EuropeanDigitalCredential.from_data(data), shapes)
    title = [f for f in nested if f.property == "http://purl.org/dc/terms/title"]
    assert title and all(f.path.startswith("/credentialSubject/hasClaim") and f.path.endswith("/title") for f in title)
    with pytest.raises(ShaclBackendError):
        shacl_findings(_mc(), 42)


def test_shacl_backend_reads_local_shapes_only_and_names_them_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyshacl")
    import socket

    from elmkit.profiles.shacl import ShaclBackendError, shacl_findings

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "credential.jsonld").write_text(MC_SIGNED.read_text(encoding="utf-8"), encoding="utf-8")
    cases = {
        "credential.jsonld": "JSON-LD",  # its contexts would be fetched
        "nope.ttl": "nope.ttl: not found",
        "https://example.org/shapes.ttl": "local file",
        "shapes.pdf": "unknown format",
    }
    for shapes, expected in cases.items():
        with pytest.raises(ShaclBackendError) as caught:
            shacl_findings(_mc(), shapes)
        assert expected in str(caught.value) and str(tmp_path) not in str(caught.value), shapes
    local = tmp_path / "shapes.ttl"
    local.write_bytes((REFERENCE_DIR / "elm/shacl/edc/v3.2/EDC-generic-no-cv.ttl").read_bytes())
    assert len(shacl_findings(_mc(), "shapes.ttl")) == 2


def _untyped_specification(data: dict[str, Any]) -> dict[str, Any]:
    claim = data["credentialSubject"]["hasClaim"]
    claim = claim[0] if isinstance(claim, list) else claim
    spec = claim["specifiedBy"]
    del (spec[0] if isinstance(spec, list) else spec)["type"]
    return data


def test_a_node_read_without_type_has_no_type_as_the_shapes_see_it() -> None:
    from elmkit import load

    signed = _json(MC_SIGNED)
    assert get_profile("edc-ap").check(load(signed), stage=Stage.SEALED) == []
    untyped = load(_untyped_specification(copy.deepcopy(signed)))
    findings = list(get_profile("edc-ap").check(untyped, stage=Stage.SEALED))
    assert [(f.code, f.path) for f in findings] == [
        ("edc-ap/or", "/credentialSubject/hasClaim/0/specifiedBy")
    ]
    # the same node built in code gets its class's default type, as elmkit writes it
    built = EuropeanDigitalCredential.from_data(_untyped_specification(copy.deepcopy(signed)))
    assert list(get_profile("edc-ap").check(built, stage=Stage.SEALED)) == []


def _signed_payload() -> dict[str, Any]:
    return _json(MC_SIGNED)


def test_nodes_a_document_holds_but_the_credential_does_not_reach_are_named() -> None:
    from elmkit import load

    data = _signed_payload()
    body = {k: v for k, v in data.items() if k != "@context"}
    stray = {"id": "urn:x:stray", "type": "DisplayParameter"}
    for document in (
        {"@context": data["@context"], "@graph": [body, stray]},
        {**data, "@included": [stray]},
    ):
        credential = load(document)
        assert credential.origin.left_out == ("urn:x:stray",)
        findings = list(get_profile("edc-ap").check(credential, stage=Stage.SEALED))
        assert [(f.code, f.severity) for f in findings] == [("edc-ap/left-out", Severity.WARNING)]
        assert "urn:x:stray" in findings[0].message("en")
    assert load(data).origin.left_out == ()


def test_a_node_described_in_included_is_read_where_it_is_referenced() -> None:
    from elmkit import load

    data = _signed_payload()
    issuer = data["issuer"]
    document = {**data, "issuer": issuer["id"], "@included": [issuer]}
    credential = load(document)
    assert credential.issuer.legal_name == load(data).issuer.legal_name  # type: ignore[union-attr]
    assert credential.origin.left_out == ()
    assert list(get_profile("edc-ap").check(credential, stage=Stage.SEALED)) == []


def test_members_json_ld_would_drop_are_warned_about() -> None:
    from elmkit.model import Person

    person = Person(id="urn:p:1", given_name={"es": "Ana"}, family_nmae={"es": "García"})
    findings = list(get_profile("edc-ap").check(person, stage=Stage.DRAFT))
    dropped = [f for f in findings if f.code == "edc-ap/unknown-member"]
    assert [(f.path, f.severity) for f in dropped] == [("/family_nmae", Severity.WARNING)]
    assert "misspelt" in dropped[0].message("en") and "mal escrita" in dropped[0].message("es")
    kept = Person(id="urn:p:2", given_name={"es": "Ana"}, **{"http://example.org/nickname": "Anita"})
    assert not [f for f in get_profile("edc-ap").check(kept, stage=Stage.DRAFT) if f.code == "edc-ap/unknown-member"]


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x07", "\x85", "\ufffe", "\U0001ffff", "\ufdd0"])
def test_characters_no_text_may_hold_are_errors(bad: str) -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = {"es": f"Título{bad}", "en": "Title"}
    data["credentialSubject"]["hasClaim"]["title"] = f"Untagged{bad}"
    found = [f for f in _check(data, stage=Stage.READY) if f.code == "edc-ap/character"]
    assert {f.path for f in found} == {"/displayParameter/title/es", "/credentialSubject/hasClaim/0/title"}
    assert all(f.severity is Severity.ERROR for f in found)
    assert all(f"U+{ord(bad):04X}" in f.message("en") and f.message("es") for f in found)
    # a sealed credential is what it is: reported, not failed (the official shapes accept it)
    sealed = [f for f in _check(data, stage=Stage.SEALED) if f.code == "edc-ap/character"]
    assert sealed and all(f.severity is Severity.WARNING for f in sealed)


def test_tabs_and_line_breaks_are_no_finding() -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = {"es": "Título\ten\r\ndos líneas"}
    assert not [f for f in _check(data) if f.code in ("edc-ap/character", "edc-ap/empty-text")]


@pytest.mark.parametrize("blank", ["", "  ", "\u200b", "\ufeff", "\u3164"])
def test_a_text_that_shows_nothing_is_a_warning_naming_its_language(blank: str) -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = {"ca-ES-valencia": blank, "es": "Título"}
    found = [f for f in _check(data) if f.code == "edc-ap/empty-text"]
    assert [(f.path, f.severity) for f in found] == [("/displayParameter/title/ca-ES-valencia", Severity.WARNING)]
    assert "'ca-ES-valencia'" in found[0].message("en") and "'ca-ES-valencia'" in found[0].message("es")


@pytest.mark.parametrize(
    ("tag", "said"),
    [("xx", "no language of the EU language table"), ("und", "names no language"), ("cat", "write 'ca'"), ("x-klingon", "names no language")],
)
def test_texts_in_a_tag_of_no_eu_language_are_one_warning_per_tag(tag: str, said: str) -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = {tag: "Títol", "en": "Title"}
    data["credentialSubject"]["hasClaim"]["title"] = {tag: "Títol", "en": "Title"}
    found = [f for f in _check(data) if f.code == "edc-ap/language-tag"]
    assert [(f.path, f.severity, f.value) for f in found] == [(f"/displayParameter/title/{tag}", Severity.WARNING, tag)]
    assert "2 text(s)" in found[0].message("en") and said in found[0].message("en")
    assert "2 texto(s)" in found[0].message("es")


@pytest.mark.parametrize("tag", ["ca-ES-valencia", "oc-aranes", "eu", "gl", "ast", "es-419", "ca-XX", "iw"])
def test_texts_in_tags_of_eu_languages_get_no_language_warning(tag: str) -> None:
    data = _json(MC_SIGNED)
    data["displayParameter"]["title"] = {tag: "Títol", "en": "Title"}
    assert not [f for f in _check(data) if f.code == "edc-ap/language-tag"]


def test_an_object_that_is_no_profile_is_refused_whatever_was_validated_before() -> None:
    from types import SimpleNamespace

    from elmkit.profiles import validate
    from elmkit.profiles.base import ProfileError

    credential = _mc()
    with pytest.raises(ProfileError):
        validate(credential, profiles=[SimpleNamespace(name="oops")])
    fine = SimpleNamespace(name="mine", title="Mine", check=lambda credential, stage: [])
    assert validate(credential, profiles=[fine]).ok
    with pytest.raises(ProfileError):  # a namespace like the last one, but no profile
        validate(credential, profiles=[SimpleNamespace(name="oops")])


@pytest.mark.parametrize("item", ["urn:epass:learningAchievement:2", {"type": "LearningAchievement"}])
def test_an_item_added_to_a_list_in_place_is_reported_not_raised(item: Any) -> None:
    from elmkit import load, validate

    credential = load(MC)
    credential.credential_subject.has_claim.append(item)  # the model checks assignments only
    report = validate(credential, profiles=("edc-ap", "es-crue-ruepep"))
    assert [(f.code, f.path) for f in report.errors if f.code.startswith("edc-ap")] == [
        ("edc-ap/not-a-node", "/credentialSubject/hasClaim/1")
    ]
    assert "assign the list again" in report.errors[0].messages["en"]
    credential.credential_subject.has_claim = list(credential.credential_subject.has_claim)
    assert "edc-ap/not-a-node" not in {f.code for f in validate(credential).findings}


def test_findings_go_in_sets() -> None:
    from elmkit import load, validate

    findings = validate(load(MC), profiles=("edc-ap", "eu-microcredential")).findings
    again = validate(load(MC), profiles=("edc-ap", "eu-microcredential")).findings
    assert findings and set(findings) == set(again) == set(findings + again)


def test_a_finding_on_a_node_whose_copies_differ_says_so() -> None:
    from elmkit import load, validate

    credential = load(MC)
    before = {f.code for f in validate(credential, profiles=("edc-ap",)).errors}
    credential.issuer.legal_name = {"en": "New University"}  # one of the copies of urn:epass:org:1
    errors = [
        f for f in validate(credential, profiles=("edc-ap",)).errors if f.code not in before
    ]
    assert [f.code for f in errors] == ["edc-ap/uniqueLang"]
    assert "urn:epass:org:1 is given 4 times in the document and its copies differ" in (
        errors[0].messages["en"]
    )
    assert "aparece 4 veces" in errors[0].messages["es"]


def test_a_node_built_in_code_in_a_copy_of_a_loaded_credential_is_checked_with_its_type() -> None:
    from elmkit import dumps, load, validate

    signed = load(SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld")
    before = {(f.code, f.path) for f in validate(signed, profiles=("edc-ap",)).findings}
    edited = copy.deepcopy(signed)  # keeps the origin: types as the document stated them
    subject = edited.credential_subject
    edited.credential_subject = type(subject)(
        id=subject.id, given_name={"en": "New"}, family_name={"en": "P"},
        has_claim=subject.has_claim, date_of_birth=subject.date_of_birth,
    )
    after = {(f.code, f.path) for f in validate(edited, profiles=("edc-ap",)).findings}
    assert after - before == set()
    assert after == {(f.code, f.path) for f in validate(load(dumps(edited)), profiles=("edc-ap",)).findings}


def test_references_by_id_are_no_copies_that_differ() -> None:
    from elmkit import load, validate

    doc = json.loads(MC.read_text(encoding="utf-8"))
    issuer = doc.pop("issuer")
    iri = issuer["id"]

    def refer(value: Any) -> Any:  # every other place the issuer is given becomes its IRI
        if isinstance(value, dict):
            return iri if value.get("id") == iri else {k: refer(v) for k, v in value.items()}
        if isinstance(value, list):
            return [refer(v) for v in value]
        return value

    doc = refer(doc) | {"issuer": issuer}
    issuer["legalName"]["en"] = ["One name", "Another name"]  # a real uniqueLang error
    found = [f for f in validate(load(doc), profiles=("edc-ap",)).findings if f.code == "edc-ap/uniqueLang"]
    assert found and all("copies differ" not in f.messages["en"] for f in found)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("credentialStatus", True),
        ("issuanceDate", {"@value": "2020-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"}),
        ("validFrom", {"@value": "2020-01-01T00:00:00Z", "@language": "en"}),
    ],
)
def test_value_of_the_wrong_kind_in_a_read_document_is_pointed_at_by_its_term(member: str, value: Any) -> None:
    """A document read as JSON-LD (here, one whose ``sec:proof`` member needs expansion) that
    holds a literal where a node belongs, or a value object of another datatype: the finding's
    path is the member the document wrote, not the property's IRI (which holds ``/``, and is no
    JSON pointer token unescaped)."""
    from elmkit.errors import resolve_pointer
    from elmkit.profiles import validate

    doc = json.loads(RDF_SAMPLE.read_text(encoding="utf-8"))
    doc[member] = value
    report = validate(doc, profiles=("edc-ap",), stage="sealed")
    found = [f for f in report.errors if f.property and f.property.endswith(member)]
    assert found, [(f.code, f.path) for f in report.findings]
    for finding in found:
        assert finding.path == f"/{member}"
        assert resolve_pointer(doc, finding.path) == value


def test_member_named_by_an_iri_that_no_term_reads_is_an_escaped_pointer_token() -> None:
    from elmkit.profiles._edc_engine import _pointer_key

    assert _pointer_key("http://example.org/a~b", "http://example.org/a~b", "") == "http:~1~1example.org~1a~0b"
    assert _pointer_key("http://purl.org/dc/terms/title", "http://purl.org/dc/terms/title", "") == "title"
