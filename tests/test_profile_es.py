"""The es-crue-ruepep profile and the Spanish identifier checks."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES_DIR
from elmkit.errors import ElmError
from elmkit.model import Concept, EuropeanDigitalCredential, LangText, vocab
from elmkit.profiles._ids import (
    check_nif,
    check_personal_id,
    cif_check_characters,
    dni_letter,
    is_valid_cif,
    is_valid_dni,
    is_valid_nie,
    is_valid_nif,
)
from elmkit.profiles.base import Finding, Severity, Stage
from elmkit.profiles.es import MODES, RULES, SpanishMicroCredentialProfile, spanish_level
from elmkit.profiles.eu import ELEMENTS
from elmkit.profiles.quality import add_quality_assurance
from test_profile_eu import json_paths, mutate_json, shrink_media

PROFILE = SpanishMicroCredentialProfile()
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
ISSUER = "urn:epass:org:1"
NIF = "Q2818014I"  # a public university (Universidad Complutense de Madrid)
ECVET = "http://data.europa.eu/snb/education-credit/60b314e826"

# Independent published examples (python-stdnum's documentation and public university NIFs).
VALID_NIFS = [
    "Q2818014I",
    "Q0818001J",
    "J99216582",
    "B64717838",
    "54362315K",
    "X2482300W",
    "M1234567L",
    "ESQ2818014I",
]
INVALID_NIFS = [
    "Q2818014A",
    "J99216583",
    "B64717839",
    "54362315Z",
    "X2482300A",
    "O1234567L",
    "Q281801I",
    "",
    "QQQQQQQQQ",
]


def _concept(iri: str, scheme: str, label: str) -> dict[str, Any]:
    return {
        "id": iri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": {"en": label},
    }


def _spain() -> dict[str, Any]:
    return _concept(COUNTRY + "ESP", COUNTRY.rstrip("/"), "Spain")


def _nodes(value: Any, node_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("id") == node_id:
            found.append(value)
        for item in value.values():
            found += _nodes(item, node_id)
    elif isinstance(value, list):
        for item in value:
            found += _nodes(item, node_id)
    return found


def achievement(data: dict[str, Any]) -> dict[str, Any]:
    claim: dict[str, Any] = data["credentialSubject"]["hasClaim"]
    return claim


def spec(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = achievement(data)["specifiedBy"]
    return found


@pytest.fixture(scope="module")
def spanish() -> dict[str, Any]:
    """The Commission's sample turned into a Spanish university micro-credential."""
    data = json.loads(
        (SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld").read_text(encoding="utf-8")
    )
    data = {k: v for k, v in data.items() if k != "@context"}
    for org in _nodes(data, ISSUER):
        org["legalName"] = {"es": "Universidad de Zeta", "ca": "Universitat de Zeta"}
        org["location"]["address"]["countryCode"] = _spain()
        org["location"]["spatialCode"] = _concept(
            "http://publications.europa.eu/resource/authority/atu/ESP_CMA_CATALUNA",
            "http://publications.europa.eu/resource/authority/atu",
            "Cataluña",
        )
        org["vatIdentifier"] = {
            "id": "urn:epass:legalIdentifier:3",
            "type": "LegalIdentifier",
            "spatial": _spain(),
            "notation": "ES" + NIF,
        }
        org["registration"]["spatial"] = _spain()
    data["issuer"]["eIDASIdentifier"] = {
        "id": "urn:epass:legalIdentifier:9",
        "type": "LegalIdentifier",
        "spatial": _spain(),
        "notation": "VATES-" + NIF,
    }
    titles = {
        "ca": "Creació de microcredencials digitals",
        "es": "Creación de microcredenciales digitales",
    }
    achievement(data)["title"] = dict(titles)
    spec(data)["title"] = dict(titles)
    for outcome in spec(data)["learningOutcome"]:
        outcome["title"] = {"ca": "Resultat", "es": "Resultado", **outcome["title"]}
    spec(data)["creditPoint"]["point"] = "6"
    spec(data)["nqfLevel"] = vocab.nqf("MECU Level 6").to_jsonld()
    spec(data)["language"] = [vocab.language("es").to_jsonld(), vocab.language("ca").to_jsonld()]
    display = data["displayParameter"]
    display["title"] = {"ca": "Microcredencial", "es": "Microcredencial"}
    display["language"] = [vocab.language("es").to_jsonld(), vocab.language("ca").to_jsonld()]
    display["primaryLanguage"] = vocab.language("es").to_jsonld()
    data["credentialSubject"]["nationalID"] = {
        "id": "urn:epass:legalIdentifier:5",
        "type": "LegalIdentifier",
        "spatial": _spain(),
        "notation": "12345678Z",
    }
    return data


def load(data: dict[str, Any]) -> EuropeanDigitalCredential:
    credential = EuropeanDigitalCredential.from_data(copy.deepcopy(data))
    add_quality_assurance(
        credential,
        kind="internal",
        text={"es": "Sistema de garantía interna de calidad certificado"},
    )
    return credential


def check(
    data: dict[str, Any],
    stage: Stage = Stage.READY,
    profile: SpanishMicroCredentialProfile = PROFILE,
) -> list[Finding]:
    return list(profile.check(load(data), stage=stage))


def codes(findings: list[Finding], severity: Severity | None = None) -> set[str]:
    return {f.code for f in findings if severity is None or f.severity is severity}


# --- the Spanish micro-credential --------------------------------------------------------------------


def test_spanish_micro_credential_passes(spanish: dict[str, Any]) -> None:
    assert check(spanish) == []
    assert check(spanish, Stage.DRAFT) == []


def test_spanish_micro_credential_when_sealed(spanish: dict[str, Any]) -> None:
    findings = check(spanish, Stage.SEALED)
    assert codes(findings) == {"eu-mc/date-of-issuing"}
    data = copy.deepcopy(spanish)
    data["issued"] = "2024-06-01T10:00:00+02:00"
    assert check(data, Stage.SEALED) == []


def test_the_eu_checks_run_too(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    spec(data).pop("learningOutcome")
    findings = check(data)
    assert codes(findings) == {"eu-mc/learning-outcomes"}
    assert findings[0].profile == "eu-microcredential"
    alone = SpanishMicroCredentialProfile(include_eu=False)
    assert check(data, profile=alone) == []
    assert set(alone.codes) == set(RULES)


def _set_point(point: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        spec(data)["creditPoint"]["point"] = point

    return apply


def _meces(level: int, eqf: int | None) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        spec(data)["nqfLevel"] = {
            "id": f"urn:example:meces:{level}",
            "type": "Concept",
            "notation": f"MECES {level}",
            "prefLabel": {"es": f"MECES nivel {level}"},
        }
        if eqf is None:
            spec(data).pop("eqfLevel")
        else:
            spec(data)["eqfLevel"] = vocab.eqf(eqf).to_jsonld()

    return apply


def _issuer(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        for org in _nodes(data, ISSUER):
            for key, value in changes.items():
                if value is None:
                    org.pop(key, None)
                elif key == "vatIdentifier":
                    org[key]["notation"] = value
                elif key == "country":
                    org["location"]["address"]["countryCode"] = _concept(
                        COUNTRY + value, COUNTRY.rstrip("/"), value
                    )
        if "eIDAS" in changes:
            if changes["eIDAS"] is None:
                data["issuer"].pop("eIDASIdentifier")
            else:
                data["issuer"]["eIDASIdentifier"]["notation"] = changes["eIDAS"]

    return apply


def _languages(titles: dict[str, str], display: list[str]) -> Callable[[dict[str, Any]], None]:
    """Give every displayed text (titles, names, outcomes) in the languages of ``titles``, and
    display ``display``, the first one primary."""

    def apply(data: dict[str, Any]) -> None:
        achievement(data)["title"] = dict(titles)
        spec(data)["title"] = dict(titles)
        for outcome in spec(data)["learningOutcome"]:
            outcome["title"] = dict(titles)
        for org in _nodes(data, ISSUER):
            org["legalName"] = dict(titles)
        spec(data)["language"] = []
        data["displayParameter"]["title"] = dict(titles)
        data["displayParameter"]["language"] = [
            vocab.language(code).to_jsonld() for code in display
        ]
        data["displayParameter"]["primaryLanguage"] = vocab.language(display[0]).to_jsonld()

    return apply


def _mode(label: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        spec(data)["mode"] = vocab.mode(label).to_jsonld()

    return apply


def _national_id(notation: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        data["credentialSubject"]["nationalID"]["notation"] = notation

    return apply


VIOLATIONS: list[tuple[str, Callable[[dict[str, Any]], None], str, Severity, str]] = [
    (
        "ects-15",
        _set_point("15"),
        "es/ects-range",
        Severity.ERROR,
        "Real Decreto 822/2021, art. 37",
    ),
    (
        "ects-20",
        _set_point("20"),
        "es/ects-range",
        Severity.ERROR,
        "Real Decreto 822/2021, art. 37",
    ),
    (
        "ects-not-ects",
        lambda d: spec(d)["creditPoint"]["framework"].update(id=ECVET),
        "es/ects-required",
        Severity.ERROR,
        "(provisional)",
    ),
    (
        "mecu-vs-eqf",
        lambda d: spec(d).update(eqfLevel=vocab.eqf(7).to_jsonld()),
        "es/eqf-meces-mismatch",
        Severity.ERROR,
        "Real Decreto 1027/2011",
    ),
    ("meces-vs-eqf", _meces(2, 7), "es/eqf-meces-mismatch", Severity.ERROR, "Real Decreto 22/2015"),
    (
        "meces-no-eqf",
        _meces(3, None),
        "es/eqf-meces-missing",
        Severity.WARNING,
        "Real Decreto 1027/2011",
    ),
    ("mode", _mode("Workbased"), "es/mode", Severity.ERROR, "(provisional)"),
    ("country", _issuer(country="FRA"), "es/issuer-country", Severity.ERROR, "(provisional)"),
    (
        "nif-checksum",
        _issuer(vatIdentifier="ESQ2818014J"),
        "es/issuer-nif-invalid",
        Severity.ERROR,
        "Orden EHA/451/2008",
    ),
    (
        "nif-personal",
        _issuer(vatIdentifier="12345678Z", eIDAS=None),
        "es/issuer-nif-personal",
        Severity.WARNING,
        "(provisional)",
    ),
    (
        "nif-missing",
        _issuer(vatIdentifier=None, eIDAS=None),
        "es/issuer-nif-missing",
        Severity.ERROR,
        "(provisional)",
    ),
    (
        "nif-mismatch",
        _issuer(vatIdentifier="Q0818001J"),
        "es/issuer-nif-mismatch",
        Severity.WARNING,
        "(provisional)",
    ),
    (
        "eidas-checksum",
        _issuer(eIDAS="VATES-Q2818014X"),
        "es/eidas-format",
        Severity.ERROR,
        "ETSI EN 319 412-1",
    ),
    (
        "eidas-prefix",
        _issuer(eIDAS="ES-Q2818014I"),
        "es/eidas-format",
        Severity.ERROR,
        "(provisional)",
    ),
    (
        "eidas-spaces",
        _issuer(eIDAS="VATES-Q 2818014 I"),
        "es/eidas-format",
        Severity.ERROR,
        "(provisional)",
    ),
    (
        "learner-dni",
        _national_id("12345678A"),
        "es/learner-id-invalid",
        Severity.ERROR,
        "Real Decreto 1553/2005",
    ),
    (
        "learner-nie",
        _national_id("X2482300A"),
        "es/learner-id-invalid",
        Severity.ERROR,
        "Real Decreto 557/2011",
    ),
    (
        "learner-cif",
        _national_id(NIF),
        "es/learner-id-invalid",
        Severity.ERROR,
        "Real Decreto 1553/2005",
    ),
    (
        "no-spanish",
        _languages({"en": "Digital micro-credentials"}, ["en"]),
        "es/language-missing",
        Severity.ERROR,
        "(provisional)",
    ),
    (
        "co-official-only",
        _languages({"ca": "Microcredencials", "gl": "Microcredenciais"}, ["ca", "gl"]),
        "es/europass-languages",
        Severity.WARNING,
        "Europass",
    ),
    (
        "display-co-official",
        _languages({"ca": "Microcredencials", "en": "Micro-credentials"}, ["ca"]),
        "es/europass-languages",
        Severity.WARNING,
        "Europass",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "code", "severity", "source"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS]
)
def test_each_spanish_rule_is_reported(
    spanish: dict[str, Any],
    name: str,
    mutate: Callable[[dict[str, Any]], None],
    code: str,
    severity: Severity,
    source: str,
) -> None:
    data = copy.deepcopy(spanish)
    mutate(data)
    everything = check(data)
    findings = [f for f in everything if f.profile == "es-crue-ruepep"]
    assert [(f.code, f.severity) for f in findings] == [(code, severity)]
    assert all(f.severity is Severity.INFO for f in everything if f.profile != "es-crue-ruepep")
    finding = findings[0]
    assert source in finding.source
    assert finding.profile == "es-crue-ruepep"
    assert finding.path.startswith("/")
    rule = RULES[code]
    assert ("(provisional)" in finding.source) is rule.provisional
    assert ("provisional" in finding.message("en")) is rule.provisional
    assert finding.message("es") != finding.message("en")


def test_ects_zero_is_out_of_range_and_not_a_workload(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _set_point("0")(data)
    assert codes(check(data), Severity.ERROR) == {
        "es/ects-range",
        "eu-mc/notional-workload-invalid",
    }


def test_under_fifteen_ects_passes(spanish: dict[str, Any]) -> None:
    for point in ("0.5", "14.9", "14,5", "1"):
        data = copy.deepcopy(spanish)
        _set_point(point)(data)
        assert check(data) == [], point


def test_consistent_meces_levels_pass(spanish: dict[str, Any]) -> None:
    for level, eqf in ((1, 5), (2, 6), (3, 7), (4, 8)):
        data = copy.deepcopy(spanish)
        _meces(level, eqf)(data)
        assert check(data) == [], level


@pytest.mark.parametrize("label", ["Presential", "Blended", "Online"])
def test_the_three_spanish_modalities_pass(spanish: dict[str, Any], label: str) -> None:
    data = copy.deepcopy(spanish)
    _mode(label)(data)
    assert check(data) == []
    assert vocab.mode(label).iri in MODES.values()


def test_mode_of_the_activity_is_used_when_the_specification_has_none(
    spanish: dict[str, Any],
) -> None:
    data = copy.deepcopy(spanish)
    spec(data).pop("mode")
    assert check(data) == []
    achievement(data)["influencedBy"]["specifiedBy"]["mode"] = vocab.mode(
        "Research-Lab based"
    ).to_jsonld()
    assert codes(check(data)) == {"es/mode"}


def test_eidas_identifier_is_required_only_when_sealed(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    data["issued"] = "2024-06-01T10:00:00+02:00"
    _issuer(eIDAS=None)(data)
    assert check(data) == []
    findings = check(data, Stage.SEALED)
    assert codes(findings) == {"es/eidas-missing"}
    assert findings[0].path == "/issuer/eIDASIdentifier"


def test_the_nif_may_come_from_the_eidas_identifier_alone(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _issuer(vatIdentifier=None)(data)
    assert check(data) == []


def test_invalid_nif_message_names_the_expected_check_character(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _issuer(vatIdentifier="ESQ2818014J")(data)
    finding = check(data)[0]
    assert finding.value == "ESQ2818014J"
    assert "ESQ2818014J" in finding.message("en") and "9I" in finding.message("es")


def test_learner_id_is_never_echoed(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _national_id("87654321A")(data)
    finding = check(data)[0]
    assert finding.code == "es/learner-id-invalid"
    assert finding.value is None
    assert "87654321" not in finding.message("en") + finding.message("es")


def test_valid_nie_and_foreign_ids_pass(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _national_id("X2482300W")(data)
    assert check(data) == []
    data["credentialSubject"]["nationalID"]["spatial"] = _concept(
        COUNTRY + "ITA", COUNTRY.rstrip("/"), "Italy"
    )
    _national_id("LA-234218")(data)
    assert check(data) == []


@pytest.mark.parametrize("tag", ["ca-ES-valencia", "oc-aranes", "eu", "gl"])
def test_co_official_languages_count_as_spanish_languages(
    spanish: dict[str, Any], tag: str
) -> None:
    data = copy.deepcopy(spanish)
    _languages({tag: "Títol", "en": "Title"}, ["en"])(data)
    assert check(data) == []


def _vehes(where: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        vehes = vocab.language("VAL").to_jsonld()
        if where == "primary":
            data["displayParameter"]["primaryLanguage"] = vehes
        elif where == "display":
            data["displayParameter"]["language"] = [data["displayParameter"]["language"][0], vehes]
        else:
            spec(data)["language"] = [vehes]

    return apply


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("primary", "/displayParameter/primaryLanguage"),
        ("display", "/displayParameter/language/1"),
        ("spec", "/credentialSubject/hasClaim/0/specifiedBy/language/0"),
    ],
)
def test_vehes_is_reported_as_no_valencian(spanish: dict[str, Any], where: str, path: str) -> None:
    data = copy.deepcopy(spanish)
    _vehes(where)(data)
    found = [f for f in check(data) if f.code == "es/language-vehes"]
    assert [(f.path, f.severity) for f in found] == [(path, Severity.ERROR)]
    assert "ca-ES-valencia" in found[0].message("en") and "ca-ES-valencia" in found[0].message("es")


@pytest.mark.parametrize("primary", ["ca", "eu", "gl", "oc-aranes"])
def test_a_primary_language_europass_does_not_display_is_warned_even_with_spanish(
    spanish: dict[str, Any], primary: str
) -> None:
    data = copy.deepcopy(spanish)
    _languages({primary: "Títol", "es": "Título"}, [primary, "es"])(data)
    found = [f for f in check(data) if f.profile == "es-crue-ruepep"]
    code = vocab.language(primary).notation
    assert [(f.code, f.severity, f.path) for f in found] == [
        ("es/europass-primary-language", Severity.WARNING, "/displayParameter/primaryLanguage")
    ]
    assert code in found[0].message("en") and code in found[0].message("es")
    assert check(data, profile=SpanishMicroCredentialProfile(europass=False)) == []
    _languages({primary: "Títol", "es": "Título"}, ["es", primary])(data)
    assert check(data) == []


def test_the_europass_warning_can_be_turned_off(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _languages({"ca": "Microcredencials"}, ["ca"])(data)
    assert codes(check(data)) == {"es/europass-languages"}
    assert check(data, profile=SpanishMicroCredentialProfile(europass=False)) == []


def test_spanish_levels() -> None:
    mecu = vocab.nqf("MECU Level 7").to_concept()
    assert spanish_level(mecu) == ("MECU", 7, 7)
    assert spanish_level(vocab.nqf("MECU Level 2").to_concept()) == ("MECU", 2, 2)
    assert spanish_level(
        Concept(id="urn:x", pref_label=LangText({"es": "MECES nivel 4 (Doctor)"}))
    ) == ("MECES", 4, 8)
    assert spanish_level(Concept(id="urn:x", notation="MECES-1")) == ("MECES", 1, 5)
    assert (
        spanish_level(
            Concept(
                id="http://data.europa.eu/snb/qdr/c_c392e7a2",
                pref_label=LangText({"en": "RQF Level 6"}),
            )
        )
        is None
    )
    assert spanish_level(None) is None


def test_the_element_names_of_the_eu_profile_are_shared() -> None:
    assert ELEMENTS["workload"].source.endswith("Annex I element 7: notional workload")


# --- identifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", VALID_NIFS)
def test_known_valid_numbers(number: str) -> None:
    assert is_valid_nif(number)


@pytest.mark.parametrize("number", INVALID_NIFS)
def test_known_invalid_numbers(number: str) -> None:
    assert not is_valid_nif(number)


def test_kinds_of_number() -> None:
    assert check_nif("Q2818014I").kind == "entity" and is_valid_cif("Q2818014I")
    assert check_nif("54362315-K").kind == "dni" and is_valid_dni("54362315-K")
    assert check_nif("x-2482300w").kind == "nie" and is_valid_nie("X2482300W")
    assert check_nif("M1234567L").kind == "personal" and check_nif("M1234567L").personal
    assert (
        not is_valid_cif("54362315K")
        and not is_valid_dni("X2482300W")
        and not is_valid_nie("54362315K")
    )
    assert not check_personal_id("Q2818014I").valid
    assert check_personal_id("54362315K").valid
    assert check_nif("Q2818014A").expected == "9I"
    assert check_nif("12345678A").expected == "Z"
    assert check_nif("٠١٢٣٤٥٦٧Z").kind is None  # non-ASCII digits are not a DNI


def test_cif_check_characters_by_hand() -> None:
    # Q2818014I: even positions 8+8+1 = 17; odd positions doubled 4, 2, 0, 8 -> 14; 31 -> 9 -> I
    assert cif_check_characters("2818014") == ("9", "I")
    assert cif_check_characters("0818001") == ("0", "J")


LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _other_digit(draw: Callable[[st.SearchStrategy[Any]], Any], text: str) -> str:
    position: int = draw(st.integers(0, len(text) - 1))
    replacement: str = draw(st.sampled_from([d for d in "0123456789" if d != text[position]]))
    return text[:position] + replacement + text[position + 1 :]


@given(st.integers(0, 99_999_999), st.data())
def test_dni_with_computed_letter_is_valid_and_one_changed_digit_is_not(
    number: int, data: st.DataObject
) -> None:
    digits = f"{number:08d}"
    dni = digits + LETTERS[number % 23]
    assert dni_letter(number) == dni[-1]
    assert is_valid_dni(dni) and is_valid_nif(dni) and check_personal_id(dni).valid
    changed = _other_digit(data.draw, digits) + dni[-1]
    assert not is_valid_dni(changed)


@given(st.sampled_from("XYZ"), st.integers(0, 9_999_999), st.data())
def test_nie_with_computed_letter_is_valid_and_one_changed_digit_is_not(
    prefix: str, number: int, data: st.DataObject
) -> None:
    digits = f"{number:07d}"
    nie = prefix + digits + LETTERS[int(str("XYZ".index(prefix)) + digits) % 23]
    assert is_valid_nie(nie)
    assert not is_valid_nie(prefix + _other_digit(data.draw, digits) + nie[-1])


@given(st.sampled_from("ABCDEFGHJNPQRSUVW"), st.integers(0, 9_999_999), st.booleans(), st.data())
def test_entity_nif_with_computed_check_is_valid_and_one_changed_digit_is_not(
    letter: str, number: int, as_letter: bool, data: st.DataObject
) -> None:
    digits = f"{number:07d}"
    total = sum(int(d) for d in digits[1::2])
    total += sum(sum(divmod(int(d) * 2, 10)) for d in digits[0::2])
    check_digit = (10 - total % 10) % 10
    nif = letter + digits + ("JABCDEFGHI"[check_digit] if as_letter else str(check_digit))
    assert is_valid_cif(nif) and check_nif(nif).kind == "entity"
    assert not is_valid_cif(letter + _other_digit(data.draw, digits) + nif[-1])


# --- robustness on the Spanish credential ----------------------------------------------------------


@pytest.fixture(scope="module")
def spanish_paths(spanish: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str | int, ...]]]:
    base = shrink_media(spanish)
    return base, [path for path in json_paths(base) if "type" not in path]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    steps=st.lists(st.tuples(st.integers(0, 10_000), st.integers(-3, 8)), min_size=1, max_size=5),
    stage=st.sampled_from(list(Stage)),
)
def test_spanish_profile_never_raises(
    spanish_paths: tuple[dict[str, Any], list[tuple[str | int, ...]]],
    steps: list[tuple[int, int]],
    stage: Stage,
) -> None:
    base, paths = spanish_paths
    data = copy.deepcopy(base)
    for index, action in steps:
        mutate_json(data, paths[index % len(paths)], action)
    try:
        credential = EuropeanDigitalCredential.from_data(data)
    except ElmError:
        assume(False)
        return
    for profile in (PROFILE, SpanishMicroCredentialProfile(europass=False, include_eu=False)):
        for finding in profile.check(credential, stage=stage):
            assert not finding.code.endswith("/check-failed"), finding.message("en")
            assert finding.message("en") and finding.message("es")


@pytest.mark.parametrize(
    ("label", "level"),
    [("Nivel 3 del MECES", 3), ("nivell 2 del MECES", 2), ("3 créditos, nivel MECES 2", 2)],
)
def test_meces_levels_are_read_whichever_comes_first(
    spanish: dict[str, Any], label: str, level: int
) -> None:
    data = copy.deepcopy(spanish)
    _meces(level, 6 if level != 2 else 7)(data)  # an EQF level that does not match
    spec(data)["nqfLevel"]["notation"] = label
    spec(data)["nqfLevel"]["prefLabel"] = {"es": label}
    assert "es/eqf-meces-mismatch" in codes(check(data))


def test_finding_messages_take_any_spelling_of_a_language_tag() -> None:
    finding = Finding(
        code="x/y", severity=Severity.ERROR, messages={"en": "English", "es": "Español"}, path=""
    )
    assert [finding.message(tag) for tag in ("es", "ES", "es_ES", "es-ES", "fr")] == [
        "Español", "Español", "Español", "Español", "English",
    ]


# --- the punt volat ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("l\u2027l", "U+2027"), ("l\u0387l", "U+0387"), ("l\u2022l", "U+2022"), ("l\u22c5l", "U+22C5"),
        ("l.l", "U+002E"), ("l\u2219l", "U+2219"), ("l\u30fbl", "U+30FB"), ("l\uff65l", "U+FF65"),
    ],
)
def test_a_look_alike_of_the_punt_volat_in_catalan_or_occitan_is_warned(
    spanish: dict[str, Any], written: str, code: str
) -> None:
    data = copy.deepcopy(spanish)
    achievement(data)["title"] = {"es": "Inteligencia", "ca-ES-valencia": f"Intel{written}igència"}
    spec(data)["learningOutcome"][0]["title"]["oc-aranes"] = f"Col{written}eccion"
    data["displayParameter"]["title"]["es"] = "Intel.ligencia"  # Spanish: not checked
    found = [f for f in check(data) if f.code == "es/punt-volat"]
    assert [(f.path, f.severity, f.value) for f in found] == [
        ("/credentialSubject/hasClaim/0/title/ca-ES-valencia", Severity.WARNING, written),
        ("/credentialSubject/hasClaim/0/specifiedBy/learningOutcome/0/title/oc-aranes", Severity.WARNING, written),
    ]
    assert all(code in f.message("en") and "U+00B7" in f.message("en") and code in f.message("es") for f in found)
    assert "l·l" in found[0].message("es")


def test_the_punt_volat_and_addresses_are_no_finding(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    achievement(data)["title"] = {"es": "Inteligencia", "ca": "Intel·ligència i Intel\u0140ligència a vall.llarga"}
    spec(data)["learningOutcome"][0]["title"]["ca"] = "Vegeu https://campus.example/col.leccio"
    assert check(data) == []
    # code, a sentence's end without its space, abbreviations and domains are no punt volat
    spec(data)["learningOutcome"][0]["title"]["ca"] = (
        "Crida model.load() i nn.functional.linear. Curs de juliol.Les dades, Vol.LII, "
        "portal.lavirtual.cat"
    )
    assert check(data) == []


def test_a_text_tagged_vehes_is_reported_as_no_valencian(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _languages({"es": "Título", "val": "Títol"}, ["es"])(data)
    found = [f for f in check(data) if f.code == "es/language-vehes"]
    assert found and all(f.severity is Severity.ERROR for f in found)
    assert all(f.path.endswith(("/title/val", "/legalName/val")) for f in found), found
    assert "/displayParameter/title/val" in {f.path for f in found}
    assert "ca-ES-valencia" in found[0].message("en")


def test_a_valencian_text_is_no_vehes(spanish: dict[str, Any]) -> None:
    data = copy.deepcopy(spanish)
    _languages({"es": "Título", "ca-ES-valencia": "Títol"}, ["es"])(data)
    assert [f for f in check(data) if f.code == "es/language-vehes"] == []
