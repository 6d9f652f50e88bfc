"""The DSS JAdES validation vectors: what DSS rejects, elmkit rejects at SEAL with a specific
reason; what DSS accepts as structure, elmkit parses (and finds intact when it can)."""

from __future__ import annotations

import pytest

from elmkit.checks import CheckStatus, Step
from elmkit.sealing import JadesError, parse_jws, verify
from elmkit.sealing.jades import etsiu_components
from test_seal_support import VECTORS_DIR

# file -> elmkit's SEAL code. "" means: intact; SEAL is only SKIPPED for want of trust anchors
# (these vectors come from the DSS test PKI, which nothing here trusts).
ACCEPTED = {
    "jades-lta.json": "",
    "jades-lta-with-etsiU-whitespaces.json": "",
    "jades-triple-LTA.json": "",
    "double-lta-in-container.json": "",
    "jades-t-duplicated-sigtst.json": "",
    # DSS's own test asserts both (identical) content time-stamps are intact
    "jades-b-copied-cnttst.json": "",
    "dss2620/jades-t-level-with-etsiu-in-crit.json": "",
    "dss2620/jades-without-non-critical-header-in-crit.json": "",
    "dss2620/jades-with-expiration-time-header.json": "",
    "dss2620/jades-with-expiration-time-header-in-crit.json": "",
    "dss2620/jades-with-notBefore-header.json": "",
    "jades-level-b-full-type.json": "",
    "jades-with-line-break.json": "",
    "jades-b-with-xvals.json": "",
    "jades-with-multiple-sign-cert-refs.json": "",
    "jades-with-certified.json": "",
    "jades-with-asn1policy.json": "",
    "jades-with-asn1policy-digPSp.json": "",
    "jades-with-spUserNotice.json": "",
    "jades-with-spdspec.json": "",
    "jades-with-counter-signature.json": "",
    "jades-with-sigAndRefsTst-with-dot.json": "",
    "serialization-extra-element.json": "",
    "flattened-extra-element.json": "",
}

REJECTED = {
    "altered-jws.json": "signature-invalid",
    "jades-lta-broken-arcTst.json": "arctst-imprint-mismatch",
    "jades-flattened-BpT-broken-sigTst.json": "sigtst-imprint-mismatch",
    "jades-with-sigAndRefsTst-without-dot.json": "sigrtst-imprint-mismatch",
    "jades-two-sigs-copied-tst.json": "multiple-signatures",
    "jades-wrong-etsiu-type.json": "etsiu-type",
    "jades-with-mixed-etsiU-type.json": "etsiu-mixed",
    "simple-detached-wrong-algo.json": "sigd-invalid",
    "jades-b-no-signing-time.json": "signing-time-missing",
    "jades-b-iat-and-sigt.json": "signing-time-ambiguous",
    "jades-level-b-sig-policy-invalid-digest-algo.json": "sigpid-invalid",
    "dss2620/jades-with-b64-not-in-crit.json": "b64-not-in-crit",
    "dss2620/jades-with-empty-crit.json": "crit-empty",
    "dss2620/jades-with-crit-string-type.json": "crit-not-array",
    "dss2620/jades-with-crit-with-wrong-entry-type.json": "crit-entry-type",
    "dss2620/jades-with-critical-headers-in-crit.json": "crit-registered-name",
    "dss2620/jades-with-extra-crit-entry.json": "crit-entry-absent",
    "dss2620/jades-b-level-with-etsiu-in-crit.json": "crit-etsiu-b-level",
    "dss2620/jades-with-notBefore-header-in-crit.json": "crit-not-understood",
    "jades-with-broken-attached-counter-signature.json": "counter-signature-invalid",
    "jades-with-broken-detached-counter-signature.json": "counter-signature-invalid",
    "jades-with-attached-counter-signature-replace-attack.json": "counter-signature-invalid",
}

# rejected by the parser itself (no JWS structure to speak of)
UNPARSABLE = {
    "serialization-wrong-payload-type.json": "payload-type",
    "malformed-jades-serialization.json": "malformed-json",
    "jws-serialization-no-signatures.json": "no-signature",
}

# well-formed, but elmkit deliberately does not accept them as EDC seals
BY_POLICY = {
    # DSS finds two valid signatures; an EDC seal has exactly one
    "jades-double-sig-different-etsiU.json": "multiple-signatures",
    # detached content (sigD): DSS needs the external documents, EDC seals are enveloping
    "jades-detached-by-uri-encoded-pars.json": "detached-unsupported",
    "jades-detached-by-uri-hash-encoded-pars.json": "detached-unsupported",
    "jades-flattened-BpB-detached-objectByURIHash.json": "detached-unsupported",
    "simple-detached.json": "detached-unsupported",
    # draft-era etsiU in clear JSON whose sigTst imprint is over the raw signature bytes
    "jades-t-clear-etsiu.json": "sigtst-imprint-mismatch",
}

ALL = {**ACCEPTED, **REJECTED, **UNPARSABLE, **BY_POLICY}


def test_table_covers_every_vector() -> None:
    files = {
        p.relative_to(VECTORS_DIR).as_posix()
        for p in VECTORS_DIR.rglob("*.json")
        if p.name != "sample.json"
    }
    assert files == set(ALL)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_dss_accepted_vectors_parse_and_are_intact(name: str) -> None:
    path = VECTORS_DIR / name
    parsed = parse_jws(path.read_bytes())
    assert parsed.signatures
    result = verify(path)
    seal = result.step(Step.SEAL)
    assert seal.status is CheckStatus.SKIPPED, seal.reason
    assert seal.code == "no-trust-anchors"
    assert seal.detail["integrity"] == "OK"
    assert result.verdict != "verified"  # never without a trusted chain
    assert result.signer is not None


@pytest.mark.parametrize("name", sorted(REJECTED) + sorted(BY_POLICY))
def test_rejected_vectors_fail_at_seal_with_a_specific_reason(name: str) -> None:
    path = VECTORS_DIR / name
    parse_jws(path.read_bytes())  # still a JWS
    result = verify(path)
    seal = result.step(Step.SEAL)
    assert seal.status is CheckStatus.ERROR
    assert seal.code == ALL[name], seal.reason
    assert result.verdict == "failed"


@pytest.mark.parametrize("name", sorted(UNPARSABLE))
def test_unparsable_vectors(name: str) -> None:
    path = VECTORS_DIR / name
    with pytest.raises(JadesError) as info:
        parse_jws(path.read_bytes())
    assert info.value.code == UNPARSABLE[name]
    result = verify(path)
    assert result.step(Step.SEAL).code == UNPARSABLE[name]
    assert result.step(Step.FORMAT).status is CheckStatus.SKIPPED
    assert result.verdict == "failed"


def test_rejections_do_not_depend_on_trust() -> None:
    """A trusted anchor cannot rescue a structurally broken signature."""
    from test_seal_support import CERTS_DIR

    for name in ("altered-jws.json", "dss2620/jades-with-empty-crit.json"):
        result = verify(VECTORS_DIR / name, trust=CERTS_DIR)
        assert result.step(Step.SEAL).code == ALL[name]


def test_clear_etsiu_is_decoded() -> None:
    parsed = parse_jws((VECTORS_DIR / "jades-t-clear-etsiu.json").read_bytes())
    components = etsiu_components(parsed.signatures[0])
    assert [c.name for c in components] == ["sigTst"]
    assert components[0].raw is None


def test_triple_lta_checks_every_archive_timestamp() -> None:
    result = verify(VECTORS_DIR / "jades-triple-LTA.json")
    names = [t["name"] for t in result.step(Step.SEAL).detail["timestamps"]]
    assert names.count("arcTst") == 3
    assert names.count("sigTst") == 1
    assert result.level == "B-LTA"
