"""Issuer side: credentialStatus entries and status list credentials."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from conftest import REFERENCE_DIR
from elmkit.status import (
    STATUS_LIST_2021_CONTEXT,
    VC_V2_CONTEXT,
    StatusList,
    StatusListError,
    status_entry,
    status_list_credential,
)

VECTOR_PATH = REFERENCE_DIR / "sealing" / "generated" / "status-list-test-vector.json"
V2_CONTEXT_PATH = REFERENCE_DIR / "w3c" / "credentials-v2.jsonld"
URL = "https://university.example/status/3"


def _load(path: Any) -> dict[str, Any]:
    if not path.is_file():
        pytest.skip(f"reference file missing: {path.name}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_status_entry_matches_the_reference_example() -> None:
    vector = _load(VECTOR_PATH)
    assert status_entry(URL, 94567) == vector["BitstringStatusListEntry_example"]
    legacy_url = vector["StatusList2021Entry_legacy_example"]["statusListCredential"]
    assert (
        status_entry(legacy_url, 94567, legacy=True) == vector["StatusList2021Entry_legacy_example"]
    )


def test_status_entry_suspension() -> None:
    entry = status_entry(URL, 0, "suspension")
    assert entry == {
        "id": f"{URL}#0",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "0",
        "statusListCredential": URL,
    }


@pytest.mark.parametrize(
    ("url", "index", "purpose", "words"),
    [
        (URL, -1, "revocation", "non-negative"),
        (URL, True, "revocation", "non-negative"),
        (URL, "5", "revocation", "non-negative"),
        (URL, 1, "refresh", "purpose"),
        (URL, 1, "Revocation", "purpose"),
        (URL + "#x", 1, "revocation", "fragment"),
        ("", 1, "revocation", "non-empty"),
        ("status/3", 1, "revocation", "absolute"),
        ("https://u.example/a b", 1, "revocation", "whitespace"),
    ],
)
def test_status_entry_rejects_bad_input(url: str, index: Any, purpose: Any, words: str) -> None:
    with pytest.raises(StatusListError, match=words):
        status_entry(url, index, purpose)


def test_list_credential_has_the_reference_shape() -> None:
    vector = _load(VECTOR_PATH)
    reference = vector["BitstringStatusListCredential"]
    status_list = StatusList.from_indexes(vector["revoked_indices"])
    built = status_list_credential(
        reference["id"],
        status_list,
        "revocation",
        reference["issuer"],
        valid_from=reference["validFrom"],
    )
    assert built.keys() == reference.keys()
    for key in ("@context", "id", "type", "issuer", "validFrom"):
        assert built[key] == reference[key], key
    subject, ref_subject = built["credentialSubject"], reference["credentialSubject"]
    assert {k: v for k, v in subject.items() if k != "encodedList"} == {
        k: v for k, v in ref_subject.items() if k != "encodedList"
    }
    assert StatusList.decode(subject["encodedList"]) == StatusList.decode(
        ref_subject["encodedList"]
    )


def test_legacy_list_credential_has_the_reference_shape() -> None:
    vector = _load(VECTOR_PATH)
    reference = vector["StatusList2021Credential_legacy"]
    status_list = StatusList.from_indexes(vector["revoked_indices"])
    built = status_list_credential(
        reference["id"],
        status_list,
        "revocation",
        reference["issuer"],
        valid_from=reference["issuanceDate"],
        legacy=True,
    )
    assert built.keys() == reference.keys()
    for key in ("@context", "id", "type", "issuer", "issuanceDate"):
        assert built[key] == reference[key], key
    encoded = built["credentialSubject"]["encodedList"]
    assert not encoded.startswith("u")
    assert built["credentialSubject"]["type"] == reference["credentialSubject"]["type"]
    assert StatusList.decode(encoded) == status_list
    assert STATUS_LIST_2021_CONTEXT in built["@context"]


def test_terms_used_are_defined_by_the_w3c_v2_context() -> None:
    context = json.dumps(_load(V2_CONTEXT_PATH))
    credential = status_list_credential(
        URL,
        StatusList(),
        "suspension",
        "https://u.example/issuer",
        valid_from="2025-01-01T00:00:00Z",
        valid_until="2025-02-01T00:00:00Z",
    )
    assert credential["@context"] == [VC_V2_CONTEXT]
    terms = set(credential) | set(credential["credentialSubject"]) | set(status_entry(URL, 1))
    terms |= set(credential["type"]) | {credential["credentialSubject"]["type"]}
    terms |= {status_entry(URL, 1)["type"]}
    terms -= {"@context"}
    for term in terms:
        assert f'"{term}"' in context, term


def test_datetimes_and_issuer_objects() -> None:
    madrid = timezone(timedelta(hours=2))
    credential = status_list_credential(
        URL,
        StatusList(),
        "revocation",
        {"id": "urn:epass:org:1", "legalName": {"en": "University"}},
        valid_from=datetime(2025, 6, 1, 12, 0, 30, 999, tzinfo=madrid),
        valid_until=datetime(2025, 6, 2, tzinfo=UTC),
    )
    assert credential["validFrom"] == "2025-06-01T10:00:30Z"
    assert credential["validUntil"] == "2025-06-02T00:00:00Z"
    assert credential["issuer"]["legalName"] == {"en": "University"}
    legacy = status_list_credential(
        URL,
        StatusList(),
        "revocation",
        "did:example:1",
        valid_until="2030-01-01T00:00:00Z",
        legacy=True,
    )
    assert legacy["expirationDate"] == "2030-01-01T00:00:00Z"
    assert "validUntil" not in legacy


def test_valid_from_defaults_to_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    credential = status_list_credential(URL, StatusList(), "revocation", "did:example:1")
    after = datetime.now(UTC)
    issued = datetime.fromisoformat(credential["validFrom"])
    assert before <= issued <= after


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"issuer": ""}, "issuer"),
        ({"issuer": {"name": "x"}}, "string id"),
        ({"issuer": 5}, "issuer"),
        ({"purpose": "message"}, "purpose"),
        ({"status_list": b"\0" * 16384}, "StatusList"),
        ({"valid_from": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"list_url": "https://u.example/s#list"}, "fragment"),
        ({"valid_from": "next monday"}, "ISO 8601"),
        ({"valid_until": "2025-13-01T00:00:00Z"}, "ISO 8601"),
        (
            {"valid_from": "2025-02-01T00:00:00Z", "valid_until": "2025-02-01T00:00:00+00:00"},
            "must be later",
        ),
        ({"valid_until": datetime(2000, 1, 1, tzinfo=UTC)}, "must be later"),
    ],
)
def test_list_credential_rejects_bad_input(kwargs: dict[str, Any], words: str) -> None:
    arguments: dict[str, Any] = {
        "list_url": URL,
        "status_list": StatusList(),
        "purpose": "revocation",
        "issuer": "did:example:1",
    }
    arguments.update(kwargs)
    with pytest.raises(StatusListError, match=words):
        status_list_credential(**arguments)


def test_elm_status_entry_is_a_credential_status_the_edc_shapes_accept() -> None:
    from elmkit.model import CredentialStatus
    from elmkit.status import elm_status_entry

    entry = elm_status_entry(URL, 7, "suspension")
    assert entry == {**status_entry(URL, 7, "suspension", legacy=True), "type": ["CredentialStatus", "StatusList2021Entry"]}
    assert CredentialStatus.model_validate(entry).id == f"{URL}#7"
