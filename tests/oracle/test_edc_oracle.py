"""edc-ap agrees with pyshacl (official shapes, no inference) on mutated official samples."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pyshacl")
pytest.importorskip("pyld")

import edc_oracle

DS = ("generic-no-cv", "generic-full", "accredited", "diploma-supplement")
CONVERTED = ("generic-no-cv", "generic-full", "converted")
MANDATE = ("generic-no-cv", "generic-full", "issued-by-mandate")


def _report(outcome: edc_oracle.Outcome) -> str:
    lines = [
        f"variants {outcome.variants}, loaded {outcome.variants - len(outcome.not_loaded)}, "
        f"agreements {outcome.agreements}, disagreements {len(outcome.disagreements)}, "
        f"not loaded (the model's job) {len(outcome.not_loaded)}, pyshacl violations {outcome.violations}"
    ]
    lines += outcome.disagreements[:20]
    return "\n".join(lines)


@pytest.mark.oracle
def test_variant_generation_is_deterministic() -> None:
    first = [(v.name, v.doc) for v in edc_oracle.variants("rdf-sample-3.2", stride=7)]
    second = [(v.name, v.doc) for v in edc_oracle.variants("rdf-sample-3.2", stride=7)]
    assert first == second
    kinds = {v.name.split()[0] for v in edc_oracle.variants("rdf-sample-3.2")}
    assert {"drop", "empty", "duplicate", "duplicate-language", "class", "scheme", "blank",
            "literal-to-node", "node-to-literal", "node-to-iri", "untagged", "mixed-untagged",
            "boolean-for-number", "double-for-integer"} <= kinds


@pytest.mark.oracle
def test_small_sample_agrees_with_pyshacl() -> None:
    outcome = edc_oracle.run_jobs([("rdf-sample-3.2", None, 12, 0, 10)], workers=1)
    print(_report(outcome))
    assert outcome.variants >= 25
    assert outcome.agreements >= 15
    assert outcome.violations > 0
    assert not outcome.disagreements, _report(outcome)


@pytest.mark.oracle
def test_texts_without_a_language_agree_with_pyshacl() -> None:
    """A plain string where a language map belongs, or an ``@none`` entry beside the tagged
    texts: the same ``rdf:langString`` violations as pyshacl, for every text of a sample."""
    chosen = [
        v for v in edc_oracle.variants("mc-annex1") if v.name.split()[0] in ("untagged", "mixed-untagged")
    ]
    outcome = edc_oracle.check_variants(chosen, None)
    print(_report(outcome))
    assert outcome.variants >= 40
    assert outcome.agreements == outcome.variants - len(outcome.not_loaded)
    assert not outcome.not_loaded
    assert outcome.violations >= outcome.variants
    assert not outcome.disagreements, _report(outcome)


@pytest.mark.oracle
def test_literals_of_another_datatype_are_refused_or_agree_with_pyshacl() -> None:
    """``true`` for a page number, ``"yes"`` or 1 for a boolean: JSON-LD reads them as other
    datatypes, which the shapes reject; the model refuses them (a typed error with the path)
    rather than reading a value the document does not hold. ``1.0`` for a page number is the
    integer 1 to JSON-LD (no fractional part), and is read as such."""
    kinds = ("not-a-boolean", "number-for-boolean", "boolean-for-number", "double-for-integer")
    chosen = [
        v
        for source in edc_oracle.SOURCES
        for v in edc_oracle.variants(source)
        if v.name.split()[0] in kinds
    ]
    outcome = edc_oracle.check_variants(chosen, None)
    print(_report(outcome))
    assert {v.name.split()[0] for v in chosen} == set(kinds)
    refused = [v for v in chosen if not v.name.startswith("double-for-integer")]
    assert outcome.variants >= 12 and len(outcome.not_loaded) == len(refused)
    assert not any(name.startswith("double-for-integer") for name in outcome.not_loaded)
    assert not outcome.disagreements, _report(outcome)


@pytest.mark.oracle
def test_both_forms_of_a_proof_agree_with_pyshacl() -> None:
    """``sec:proof`` (a plain statement, as the ELM shapes want) and the W3C ``proof`` member (a
    named graph in JSON-LD): the same findings as pyshacl, read directly or through ``load``."""
    import json

    from elmkit.model import EuropeanDigitalCredential
    from elmkit.model.base import SEC_PROOF
    from elmkit.profiles import get_profile
    from elmkit.serializers import load

    base = edc_oracle.load_source("mc-annex1")
    chosen = []
    for key in ("proof", "sec:proof"):
        doc = json.loads(json.dumps(base))
        doc[key] = {"id": "urn:x:proof1", "type": "Proof"}
        chosen.append(edc_oracle.Variant("mc-annex1", f"{key} member", doc, ""))
    outcome = edc_oracle.check_variants(chosen, None)
    assert outcome.agreements == 2, _report(outcome)
    profile = get_profile("edc-ap")
    for variant in chosen:
        direct = EuropeanDigitalCredential.from_data(variant.doc)
        loaded = load(variant.doc)
        assert [f.code for f in profile.check(loaded, stage="sealed")] == [
            f.code for f in profile.check(direct, stage="sealed")
        ], variant.name
    rdf_sample = load(edc_oracle.SOURCES["rdf-sample-3.2"])
    assert isinstance(rdf_sample, EuropeanDigitalCredential) and rdf_sample.proof
    assert not [
        f for f in profile.check(rdf_sample, stage="sealed") if f.property == SEC_PROOF
    ]


@pytest.mark.oracle
@pytest.mark.slow
def test_mutation_corpus_agrees_with_pyshacl() -> None:
    """At least 1,000 variants of the official samples: the same violations as pyshacl."""
    jobs: list[tuple[str, tuple[str, ...] | None, int, int, int]] = [
        ("rdf-sample-3.2", None, 1, 0, 10),
        ("rdf-sample-3.2", DS, 3, 1, 10),
        ("rdf-sample-3.2", CONVERTED, 9, 2, 10),
        ("rdf-sample-3.2", MANDATE, 9, 5, 10),
    ]
    for source in ("mc-annex1", "cert-of-part", "mc-annex1-signed", "cert-of-part-signed"):
        jobs += [(source, None, 18, offset, 10) for offset in (0, 9)]
    jobs.append(("mc-annex1", DS, 60, 3, 10))
    outcome = edc_oracle.run_jobs(jobs, workers=int(os.environ.get("ELMKIT_ORACLE_WORKERS", "2")))
    print(_report(outcome))
    assert outcome.variants >= 1000
    assert outcome.agreements >= 700
    assert not outcome.disagreements, _report(outcome)
