"""check_status: the REVOCATION step, from the reference vector to every malformed case."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import hmac
import json
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REFERENCE_DIR
from elmkit.checks import CheckResult, CheckStatus, Step
from elmkit.status import (
    DictFetcher,
    InMemoryIndexStore,
    RandomIndexAllocator,
    StatusList,
    StatusPurpose,
    check_status,
    status_entry,
    status_list_credential,
)

VECTOR_PATH = REFERENCE_DIR / "sealing" / "generated" / "status-list-test-vector.json"
ISSUER = "https://university.example/issuer"
REVOCATION_URL = "https://university.example/status/r"
SUSPENSION_URL = "https://university.example/status/s"
SEAL_KEY = b"status-list-test-key"


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    if not VECTOR_PATH.is_file():
        pytest.skip("reference status list vector missing")
    data: dict[str, Any] = json.loads(VECTOR_PATH.read_text(encoding="utf-8"))
    return data


def _credential(*entries: Mapping[str, Any], issuer: Any = ISSUER) -> dict[str, Any]:
    credential: dict[str, Any] = {"id": "urn:credential:1", "issuer": issuer}
    if entries:
        credential["credentialStatus"] = entries[0] if len(entries) == 1 else list(entries)
    return credential


def _list(
    url: str, indexes: Sequence[int] = (), purpose: StatusPurpose = "revocation", **kwargs: Any
) -> dict[str, Any]:
    kwargs.setdefault("valid_from", "2025-01-01T00:00:00Z")
    return status_list_credential(url, StatusList.from_indexes(indexes), purpose, ISSUER, **kwargs)


def _check(credential: Mapping[str, Any], documents: Mapping[str, Any], **kw: Any) -> CheckResult:
    result = check_status(credential, fetcher=DictFetcher(documents), **kw)
    assert result.step is Step.REVOCATION
    json.dumps(result.to_problem())
    return result


# -- a test seal: HMAC over the payload, in a JWS-JSON-shaped envelope ------------------------------


def _seal(document: Mapping[str, Any], key: bytes = SEAL_KEY) -> bytes:
    payload = json.dumps(document)
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).decode().rstrip("=")
    envelope = {"payload": payload, "signatures": [{"protected": "e30", "signature": signature}]}
    return json.dumps(envelope).encode()


def _verify_seal(envelope_bytes: bytes) -> tuple[bool, Mapping[str, Any] | None, str]:
    envelope = json.loads(envelope_bytes)
    payload: str = envelope["payload"]
    expected = hmac.new(SEAL_KEY, payload.encode(), hashlib.sha256).digest()
    given_mac = base64.urlsafe_b64decode(envelope["signatures"][0]["signature"] + "==")
    if not hmac.compare_digest(expected, given_mac):
        return False, None, "signature mismatch"
    return True, json.loads(payload), ""


# -- the reference vector ---------------------------------------------------------------------------


def test_no_credential_status_is_skipped() -> None:
    credentials: list[dict[str, Any]] = [
        _credential(),
        {"credentialStatus": None},
        {"credentialStatus": []},
    ]
    for credential in credentials:
        result = _check(credential, {})
        assert result.status is CheckStatus.SKIPPED
        assert result.reason == "no status information"
        assert result.code == "no-status"


@pytest.mark.parametrize(
    ("list_key", "entry_key"),
    [
        ("BitstringStatusListCredential", "BitstringStatusListEntry_example"),
        ("StatusList2021Credential_legacy", "StatusList2021Entry_legacy_example"),
    ],
)
def test_reference_vector_revoked_and_not_revoked(
    vector: dict[str, Any], list_key: str, entry_key: str
) -> None:
    list_credential = vector[list_key]
    documents = {list_credential["id"]: list_credential}
    entry = vector[entry_key]
    for index in vector["revoked_indices"]:
        result = _check(_credential({**entry, "statusListIndex": str(index)}), documents)
        assert result.status is CheckStatus.ERROR
        assert result.code == "revoked"
        assert "revoked" in result.reason and str(index) in result.reason
        assert result.detail["purpose"] == "revocation"
        assert result.detail["index"] == index
        assert result.detail["statusListCredential"] == list_credential["id"]
    for index in vector["not_revoked_examples"]:
        result = _check(_credential({**entry, "statusListIndex": str(index)}), documents)
        assert result.status is CheckStatus.OK, result.reason
        assert result.code == ""


# -- issuer to verifier, both entry types ------------------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True])
def test_issue_revoke_suspend_unsuspend_round_trip(legacy: bool) -> None:
    revocations, suspensions = StatusList(), StatusList()
    allocator = RandomIndexAllocator(InMemoryIndexStore(), rng=random.Random(5))
    credentials = []
    for number in range(40):
        index = allocator.allocate()
        credentials.append(
            _credential(
                status_entry(REVOCATION_URL, index, "revocation", legacy=legacy),
                status_entry(SUSPENSION_URL, index, "suspension", legacy=legacy),
            )
        )
        if number % 5 == 0:
            revocations.set(index)
        if number % 7 == 0:
            suspensions.set(index)

    def publish() -> dict[str, Any]:
        return {
            REVOCATION_URL: status_list_credential(
                REVOCATION_URL, revocations, "revocation", ISSUER, legacy=legacy
            ),
            SUSPENSION_URL: status_list_credential(
                SUSPENSION_URL, suspensions, "suspension", ISSUER, legacy=legacy
            ),
        }

    documents = publish()
    for number, credential in enumerate(credentials):
        result = _check(credential, documents)
        if number % 5 == 0:
            assert (result.status, result.code) == (CheckStatus.ERROR, "revoked")
        elif number % 7 == 0:
            assert (result.status, result.code) == (CheckStatus.ERROR, "suspended")
            assert result.detail["purpose"] == "suspension"
        else:
            assert result.status is CheckStatus.OK
            assert "not revoked" in result.reason and "not suspended" in result.reason

    suspended = credentials[7]
    suspensions.clear(int(suspended["credentialStatus"][1]["statusListIndex"]))
    assert _check(suspended, publish()).status is CheckStatus.OK


def test_both_purposes_on_one_list() -> None:
    document = _list(REVOCATION_URL, [9])
    document["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    documents = {REVOCATION_URL: document}
    suspended = _credential(status_entry(REVOCATION_URL, 9, "suspension"))
    assert _check(suspended, documents).code == "suspended"
    assert _check(_credential(status_entry(REVOCATION_URL, 8, "suspension")), documents).ok


# -- types the verifier does not check ------------------------------------------------------------


@pytest.mark.parametrize("status_type", ["TrustedCredentialStatus2021", "CredentialStatus"])
def test_ebsi_status_types_are_skipped(status_type: str) -> None:
    entry = {"id": "https://api.ebsi.example/trusted-issuers/status/1", "type": status_type}
    result = _check(_credential(entry), {})
    assert result.status is CheckStatus.SKIPPED
    assert result.code == "unsupported-type"
    assert status_type in result.reason and "EBSI" in result.reason


def test_unknown_status_type_and_other_purposes() -> None:
    unknown = _check(_credential({"type": "RevocationList2020Status", "id": "x"}), {})
    assert (unknown.status, unknown.code) == (CheckStatus.SKIPPED, "unsupported-type")
    assert "RevocationList2020Status" in unknown.reason
    untyped = _check(_credential({"id": "x"}), {})
    assert (untyped.status, untyped.code) == (CheckStatus.SKIPPED, "unsupported-type")
    refresh = {**status_entry(REVOCATION_URL, 1), "statusPurpose": "refresh"}
    result = _check(_credential(refresh), {})
    assert (result.status, result.code) == (CheckStatus.SKIPPED, "no-applicable-status")
    mixed = _check(
        _credential(refresh, status_entry(REVOCATION_URL, 1)),
        {REVOCATION_URL: _list(REVOCATION_URL)},
    )
    assert mixed.ok
    assert [e["status"] for e in mixed.detail["entries"]] == ["IGNORED", "OK"]


def test_unknown_type_next_to_a_clear_list_is_not_a_silent_ok() -> None:
    result = _check(
        _credential(
            {"type": "TrustedCredentialStatus2021", "id": "x"}, status_entry(REVOCATION_URL, 1)
        ),
        {REVOCATION_URL: _list(REVOCATION_URL)},
    )
    assert result.status is CheckStatus.SKIPPED


def test_revoked_wins_over_other_problems() -> None:
    result = _check(
        _credential(status_entry(SUSPENSION_URL, 1, "suspension"), status_entry(REVOCATION_URL, 2)),
        {REVOCATION_URL: _list(REVOCATION_URL, [2])},
    )
    assert (result.status, result.code) == (CheckStatus.ERROR, "revoked")
    assert "1 more status problem" in result.reason
    assert [e["code"] for e in result.detail["entries"]] == ["list-unavailable", "revoked"]


# -- malformed entries and lists ------------------------------------------------------------------


def _gz_b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(data)).decode().rstrip("=")


def _mutated_list(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = _list(REVOCATION_URL, [5])
    mutate(document)
    return document


def _set_subject(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["credentialSubject"][key] = value

    return mutate


def _delete(*path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document[key] = value

    return mutate


LIST_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("bad base64", _set_subject("encodedList", "u!!!!"), "bad-base64", "not base64"),
    ("not gzip", _set_subject("encodedList", "uAAAAAAAA"), "not-gzip", "not GZIP"),
    ("too short", _set_subject("encodedList", _gz_b64(bytes(1024))), "too-short", "8192 entries"),
    ("purpose", _set_subject("statusPurpose", "suspension"), "purpose-mismatch", "'suspension'"),
    (
        "no encodedList",
        _delete("credentialSubject", "encodedList"),
        "list-malformed",
        "encodedList",
    ),
    (
        "no purpose",
        _delete("credentialSubject", "statusPurpose"),
        "list-malformed",
        "statusPurpose",
    ),
    ("no subject", _delete("credentialSubject"), "list-malformed", "credentialSubject"),
    ("subject type", _set_subject("type", "Other"), "list-malformed", "not a BitstringStatusList"),
    ("no type", _delete("type"), "list-malformed", "not a status list credential"),
    ("wrong type", _set("type", ["VerifiableCredential"]), "list-malformed", "not a status list"),
    ("no issuer", _delete("issuer"), "list-malformed", "no issuer"),
    ("other issuer", _set("issuer", "https://evil.example"), "issuer-mismatch", "evil.example"),
    ("other id", _set("id", SUSPENSION_URL), "list-id-mismatch", SUSPENSION_URL),
    ("no id", _delete("id"), "list-id-mismatch", "has no id"),
    ("null date", _set("validUntil", None), "list-malformed", "validUntil"),
    ("bad date", _set("validUntil", "tomorrow"), "list-malformed", "validUntil"),
    ("date type", _set("validFrom", 20250101), "list-malformed", "validFrom"),
    ("inverted", _set("validUntil", "2024-01-01T00:00:00Z"), "list-malformed", "before validFrom"),
]


@pytest.mark.parametrize(
    ("mutate", "code", "words"), [case[1:] for case in LIST_CASES], ids=[c[0] for c in LIST_CASES]
)
def test_malformed_lists_give_a_clear_error(
    mutate: Callable[[dict[str, Any]], None], code: str, words: str
) -> None:
    document = _mutated_list(mutate)
    result = _check(_credential(status_entry(REVOCATION_URL, 5)), {REVOCATION_URL: document})
    assert result.status is CheckStatus.ERROR, result
    assert result.code == code
    assert words in result.reason
    assert REVOCATION_URL in result.reason


def test_index_out_of_range() -> None:
    result = _check(
        _credential(status_entry(REVOCATION_URL, 131072)), {REVOCATION_URL: _list(REVOCATION_URL)}
    )
    assert (result.status, result.code) == (CheckStatus.ERROR, "index-out-of-range")
    assert "131072" in result.reason and "out of range" in result.reason


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"statusListIndex": None}, "no statusListIndex"),
        ({"statusListIndex": "-1"}, "'-1' is not a non-negative integer"),
        ({"statusListIndex": "12a"}, "'12a'"),
        ({"statusListIndex": True}, "True"),
        ({"statusListIndex": 1.5}, "1.5"),
        ({"statusListIndex": "9" * 5000}, "'99999"),
        ({"statusListIndex": 10**5000}, "not a non-negative integer"),
        ({"statusListCredential": None}, "no statusListCredential"),
        ({"statusListCredential": 42}, "no statusListCredential"),
        ({"statusPurpose": None}, "no statusPurpose"),
    ],
)
def test_malformed_entries(change: dict[str, Any], words: str) -> None:
    entry = {**status_entry(REVOCATION_URL, 5), **change}
    entry = {k: v for k, v in entry.items() if v is not None}
    result = _check(_credential(entry), {REVOCATION_URL: _list(REVOCATION_URL)})
    assert (result.status, result.code) == (CheckStatus.ERROR, "malformed-entry")
    assert words in result.reason


def test_integer_index_is_accepted() -> None:
    entry = {**status_entry(REVOCATION_URL, 5), "statusListIndex": 5}
    assert (
        _check(_credential(entry), {REVOCATION_URL: _list(REVOCATION_URL, [5])}).code == "revoked"
    )


@pytest.mark.parametrize("status", ["a string", 42, [1, 2]])
def test_credential_status_of_the_wrong_shape(status: Any) -> None:
    result = _check({"credentialStatus": status}, {})
    assert (result.status, result.code) == (CheckStatus.ERROR, "malformed-entry")


def test_non_mapping_credential() -> None:
    result = check_status([], fetcher=DictFetcher())  # type: ignore[arg-type]
    assert (result.status, result.code) == (CheckStatus.ERROR, "malformed-credential")


def test_status_size_other_than_one_is_skipped() -> None:
    entry = {**status_entry(REVOCATION_URL, 5), "statusSize": 2}
    result = _check(_credential(entry), {REVOCATION_URL: _list(REVOCATION_URL)})
    assert (result.status, result.code) == (CheckStatus.SKIPPED, "unsupported-status-size")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<html>not json</html>", "not valid JSON"),
        (b'{"id": "a", "id": "b"}', "duplicate member 'id'"),
        (b"\xff\xfe\xfa", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_list_documents_that_are_not_json_objects(body: bytes, words: str) -> None:
    result = _check(_credential(status_entry(REVOCATION_URL, 5)), {REVOCATION_URL: body})
    assert (result.status, result.code) == (CheckStatus.ERROR, "list-malformed")
    assert words in result.reason


def test_unavailable_list_is_skipped() -> None:
    result = _check(_credential(status_entry(REVOCATION_URL, 5)), {})
    assert (result.status, result.code) == (CheckStatus.SKIPPED, "list-unavailable")
    assert "unavailable" in result.reason


def test_a_fetcher_that_crashes_does_not_escape() -> None:
    class Broken:
        def fetch(self, url: str) -> bytes:
            raise ConnectionResetError("peer reset")

    class WrongType:
        def fetch(self, url: str) -> bytes:
            return "text"  # type: ignore[return-value]

    credential = _credential(status_entry(REVOCATION_URL, 5))
    broken = check_status(credential, fetcher=Broken())
    assert (broken.status, broken.code) == (CheckStatus.SKIPPED, "list-unavailable")
    assert "peer reset" in broken.reason
    wrong = check_status(credential, fetcher=WrongType())
    assert (wrong.status, wrong.code) == (CheckStatus.SKIPPED, "list-unavailable")


def test_each_list_is_fetched_once_per_check() -> None:
    fetched: list[str] = []

    class Counting(DictFetcher):
        def fetch(self, url: str) -> bytes:
            fetched.append(url)
            return super().fetch(url)

    document = _list(REVOCATION_URL)
    document["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    credential = _credential(
        status_entry(REVOCATION_URL, 1), status_entry(REVOCATION_URL, 1, "suspension")
    )
    assert check_status(credential, fetcher=Counting({REVOCATION_URL: document})).ok
    assert fetched == [REVOCATION_URL]


# -- validity window ------------------------------------------------------------------------------


def test_expired_list() -> None:
    documents = {
        REVOCATION_URL: _list(REVOCATION_URL, [5], valid_until="2025-03-01T00:00:00Z"),
        SUSPENSION_URL: _list(
            SUSPENSION_URL, [5], "suspension", valid_until="2025-03-01T00:00:00Z"
        ),
    }
    before = datetime(2025, 2, 1, tzinfo=UTC)
    after = datetime(2025, 4, 1, tzinfo=UTC)
    clear = _credential(status_entry(REVOCATION_URL, 6))
    assert _check(clear, documents, at=before).ok
    stale = _check(clear, documents, at=after)
    assert (stale.status, stale.code) == (CheckStatus.SKIPPED, "list-expired")
    assert "expired" in stale.reason and "unknown" in stale.reason
    revoked = _check(_credential(status_entry(REVOCATION_URL, 5)), documents, at=after)
    assert (revoked.status, revoked.code) == (CheckStatus.ERROR, "revoked")
    assert "permanent" in revoked.reason
    suspended = _check(
        _credential(status_entry(SUSPENSION_URL, 5, "suspension")), documents, at=after
    )
    assert (suspended.status, suspended.code) == (CheckStatus.SKIPPED, "list-expired")
    naive = _check(clear, documents, at=datetime(2025, 4, 1))
    assert naive.code == "list-expired"


def test_list_not_yet_valid_and_legacy_dates() -> None:
    """A revocation bit clear in a list valid from a later time proves the credential was not
    revoked before (no revocation is lifted); a suspension bit proves nothing of earlier times."""
    document = _list(REVOCATION_URL, [5], legacy=True, valid_from="2030-01-01T00:00:00Z")
    result = _check(
        _credential(status_entry(REVOCATION_URL, 6, legacy=True)), {REVOCATION_URL: document}
    )
    assert result.ok and "never lifted" in result.reason, result
    revoked = _check(
        _credential(status_entry(REVOCATION_URL, 5, legacy=True)), {REVOCATION_URL: document}
    )
    assert (revoked.status, revoked.code) == (CheckStatus.ERROR, "revoked")
    suspension = _list(SUSPENSION_URL, [5], "suspension", valid_from="2030-01-01T00:00:00Z")
    for index in (5, 6):
        held = _check(
            _credential(status_entry(SUSPENSION_URL, index, "suspension")),
            {SUSPENSION_URL: suspension},
        )
        assert (held.status, held.code) == (CheckStatus.SKIPPED, "list-not-yet-valid")
        assert "the status at that time is unknown" in held.reason
    document = _list(
        REVOCATION_URL,
        legacy=True,
        valid_from="2019-01-01T00:00:00Z",
        valid_until="2020-01-01T00:00:00Z",
    )
    result = _check(
        _credential(status_entry(REVOCATION_URL, 6, legacy=True)), {REVOCATION_URL: document}
    )
    assert result.code == "list-expired"


# -- sealed lists ---------------------------------------------------------------------------------


def test_sealed_list_without_a_verifier_is_skipped() -> None:
    sealed = _seal(_list(REVOCATION_URL, [5]))
    result = _check(_credential(status_entry(REVOCATION_URL, 5)), {REVOCATION_URL: sealed})
    assert (result.status, result.code) == (CheckStatus.SKIPPED, "seal-unchecked")
    assert "cannot check the seal of the status list" in result.reason


def test_sealed_list_with_a_verifier() -> None:
    documents = {REVOCATION_URL: _seal(_list(REVOCATION_URL, [5]))}
    revoked = _check(
        _credential(status_entry(REVOCATION_URL, 5)), documents, envelope_verifier=_verify_seal
    )
    assert (revoked.status, revoked.code) == (CheckStatus.ERROR, "revoked")
    assert revoked.detail["entries"][0]["sealed"] is True
    clear = _check(
        _credential(status_entry(REVOCATION_URL, 6)),
        documents,
        envelope_verifier=_verify_seal,
        require_seal=True,
    )
    assert clear.ok


def test_tampered_or_foreign_seal_is_an_error() -> None:
    envelope = json.loads(_seal(_list(REVOCATION_URL, [5])))
    payload = json.loads(envelope["payload"])
    payload["credentialSubject"]["encodedList"] = StatusList().encode()
    envelope["payload"] = json.dumps(payload)
    documents = {
        REVOCATION_URL: json.dumps(envelope).encode(),
        SUSPENSION_URL: _seal(_list(SUSPENSION_URL, [], "suspension"), key=b"someone else"),
    }
    cases: list[tuple[str, StatusPurpose]] = [
        (REVOCATION_URL, "revocation"),
        (SUSPENSION_URL, "suspension"),
    ]
    for url, purpose in cases:
        result = _check(
            _credential(status_entry(url, 5, purpose)),
            documents,
            envelope_verifier=_verify_seal,
        )
        assert (result.status, result.code) == (CheckStatus.ERROR, "seal-invalid")
        assert "signature mismatch" in result.reason


def test_crashing_verifier_and_compact_jws() -> None:
    def crashing(envelope: bytes) -> tuple[bool, Mapping[str, Any] | None, str]:
        raise ValueError("cannot parse the envelope")

    documents = {REVOCATION_URL: _seal(_list(REVOCATION_URL)), SUSPENSION_URL: b"eyJh.eyJi.c2ln"}
    result = _check(
        _credential(status_entry(REVOCATION_URL, 5)), documents, envelope_verifier=crashing
    )
    assert (result.status, result.code) == (CheckStatus.ERROR, "seal-invalid")
    assert "cannot parse the envelope" in result.reason
    compact = _check(_credential(status_entry(SUSPENSION_URL, 5, "suspension")), documents)
    assert (compact.status, compact.code) == (CheckStatus.SKIPPED, "seal-unchecked")


def test_verifier_returning_no_object_is_an_error() -> None:
    documents = {REVOCATION_URL: _seal(_list(REVOCATION_URL))}
    result = _check(
        _credential(status_entry(REVOCATION_URL, 5)),
        documents,
        envelope_verifier=lambda envelope: (True, None, ""),
    )
    assert (result.status, result.code) == (CheckStatus.ERROR, "list-malformed")


def test_unsealed_list_when_a_seal_is_required() -> None:
    result = _check(
        _credential(status_entry(REVOCATION_URL, 5)),
        {REVOCATION_URL: _list(REVOCATION_URL)},
        require_seal=True,
    )
    assert (result.status, result.code) == (CheckStatus.SKIPPED, "list-unsealed")


def test_issuer_check_can_be_disabled_and_issuer_objects_compare_by_id() -> None:
    document = _list(REVOCATION_URL, [5])
    document["issuer"] = {"id": "https://other.example", "name": "Other"}
    credential = _credential(status_entry(REVOCATION_URL, 5), issuer={"id": "https://x.example"})
    assert _check(credential, {REVOCATION_URL: document}).code == "issuer-mismatch"
    assert _check(credential, {REVOCATION_URL: document}, check_issuer=False).code == "revoked"
    same = _credential(status_entry(REVOCATION_URL, 5), issuer={"id": "https://other.example"})
    assert _check(same, {REVOCATION_URL: document}).code == "revoked"


# -- fuzzing: nothing escapes, broken required fields never give OK ----------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=5,
)
plausible_entries = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["BitstringStatusListEntry", "StatusList2021Entry", ["StatusList2021Entry"]]
        )
        | json_values,
        "statusPurpose": st.sampled_from(["revocation", "suspension", "refresh"]) | json_values,
        "statusListIndex": st.sampled_from(["5", "6", "131072"])
        | st.integers(-2, 140_000).map(str)
        | json_values,
        "statusListCredential": st.sampled_from([REVOCATION_URL, SUSPENSION_URL]) | json_values,
        "statusSize": st.sampled_from([1, "1", 2]) | json_values,
        "id": json_values,
    },
)


FUZZ_LIST = _list(REVOCATION_URL, [5])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(plausible_entries, max_size=3))
def test_fuzzed_entries_never_escape(entries: list[dict[str, Any]]) -> None:
    result = check_status(
        {"credentialStatus": entries},
        fetcher=DictFetcher({REVOCATION_URL: FUZZ_LIST}),
    )
    assert isinstance(result, CheckResult)
    assert result.step is Step.REVOCATION
    json.dumps(result.to_problem())
    checked = [e for e in result.detail.get("entries", []) if e["status"] == "OK"]
    for entry in checked:
        assert entry["statusListCredential"] == REVOCATION_URL
        assert entry["purpose"] == "revocation" and entry["index"] != 5
    if result.code == "revoked":
        assert result.detail["index"] == 5
    if result.ok:
        assert checked


BROKEN = (
    st.none() | st.integers() | st.booleans() | st.dictionaries(st.text(max_size=4), st.integers())
)


@settings(max_examples=80, deadline=None)
@given(
    field_path=st.sampled_from(
        [
            ("type",),
            ("issuer",),
            ("credentialSubject",),
            ("credentialSubject", "type"),
            ("credentialSubject", "statusPurpose"),
            ("credentialSubject", "encodedList"),
        ]
    ),
    value=BROKEN,
)
def test_broken_required_list_fields_never_give_ok(field_path: tuple[str, ...], value: Any) -> None:
    document = copy.deepcopy(_list(REVOCATION_URL))
    target = document
    for key in field_path[:-1]:
        target = target[key]
    target[field_path[-1]] = value
    result = _check(_credential(status_entry(REVOCATION_URL, 5)), {REVOCATION_URL: document})
    assert result.status is CheckStatus.ERROR
    assert result.code == "list-malformed"


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_as_list_never_escape(data: bytes) -> None:
    result = _check(_credential(status_entry(REVOCATION_URL, 5)), {REVOCATION_URL: data})
    assert result.status is not CheckStatus.OK


def test_a_time_that_is_not_a_datetime_is_a_typed_error() -> None:
    from elmkit.status import StatusListError, check_status

    with pytest.raises(StatusListError, match="'at' must be a datetime"):
        check_status({"id": "urn:x"}, fetcher=None, at="2020")  # type: ignore[arg-type]


def test_a_list_that_gives_two_ends_is_held_to_the_earlier() -> None:
    document = _list(REVOCATION_URL, valid_until="2099-01-01T00:00:00Z")
    document["expirationDate"] = "2025-06-01T00:00:00Z"
    result = _check(
        _credential(status_entry(REVOCATION_URL, 5)),
        {REVOCATION_URL: document},
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert result.code == "list-expired", result
