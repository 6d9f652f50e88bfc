"""StatusList: bit order, encoding, decoding and its failure modes."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REFERENCE_DIR
from elmkit.errors import ElmError, ParseError
from elmkit.status import (
    MIN_SIZE,
    StatusIndexError,
    StatusList,
    StatusListDecodeError,
    StatusListError,
)

VECTOR_PATH = REFERENCE_DIR / "sealing" / "generated" / "status-list-test-vector.json"


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    if not VECTOR_PATH.is_file():
        pytest.skip(f"reference vector missing: {Path(VECTOR_PATH).name}")
    data: dict[str, Any] = json.loads(VECTOR_PATH.read_text(encoding="utf-8"))
    return data


def _encoded(vector: dict[str, Any]) -> str:
    value: str = vector["BitstringStatusListCredential"]["credentialSubject"]["encodedList"]
    return value


def _b64(data: bytes, *, url: bool, pad: bool) -> str:
    text = (base64.urlsafe_b64encode if url else base64.b64encode)(data).decode("ascii")
    return text if pad else text.rstrip("=")


# -- the reference vector ------------------------------------------------------------------------


def test_reference_vector_decodes_to_exactly_the_revoked_indices(vector: dict[str, Any]) -> None:
    status_list = StatusList.decode(_encoded(vector))
    expected = set(vector["revoked_indices"])
    assert status_list.size == MIN_SIZE
    assert set(status_list.indexes()) == expected
    assert status_list.count() == len(expected)
    for index in expected:
        assert status_list.get(index)
    for index in vector["not_revoked_examples"]:
        assert not status_list.get(index)


def test_reference_vector_bitstring_digest(vector: dict[str, Any]) -> None:
    match = re.search(r"SHA-256 of the uncompressed bitstring: ([0-9a-f]{64})", vector["_comment"])
    assert match is not None
    raw = StatusList.decode(_encoded(vector)).to_bytes()
    assert hashlib.sha256(raw).hexdigest() == match.group(1)


def test_reference_vector_legacy_and_modern_encodings_agree(vector: dict[str, Any]) -> None:
    legacy = vector["StatusList2021Credential_legacy"]["credentialSubject"]["encodedList"]
    assert not legacy.startswith("u")
    assert StatusList.decode(legacy) == StatusList.decode(_encoded(vector))


def test_reference_vector_in_every_base64_flavour(vector: dict[str, Any]) -> None:
    compressed = base64.urlsafe_b64decode(_encoded(vector)[1:] + "==")
    reference = StatusList.decode(_encoded(vector))
    flavours = [
        _b64(compressed, url=True, pad=False),
        _b64(compressed, url=True, pad=True),
        _b64(compressed, url=False, pad=False),
        _b64(compressed, url=False, pad=True),
        "u" + _b64(compressed, url=True, pad=False),
        "m" + _b64(compressed, url=False, pad=False),
        " " + _b64(compressed, url=False, pad=True) + "\n",
    ]
    for text in flavours:
        assert StatusList.decode(text) == reference, text


# -- bit order, set/get ----------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=MIN_SIZE - 1))
def test_bit_order_index_zero_is_msb_of_first_byte(index: int) -> None:
    status_list = StatusList()
    status_list.set(index)
    raw = status_list.to_bytes()
    assert raw[index // 8] == 1 << (7 - index % 8)
    assert raw.count(0) == len(raw) - 1
    assert list(status_list.indexes()) == [index]


def test_set_clear_get() -> None:
    status_list = StatusList()
    status_list.set(10)
    status_list.set(11)
    assert status_list.get(10) and status_list.get(11) and not status_list.get(12)
    status_list.clear(10)
    assert not status_list.get(10) and status_list.get(11)
    status_list.set(11, False)
    assert status_list.count() == 0


@pytest.mark.parametrize("index", [-1, MIN_SIZE, MIN_SIZE + 8, 10**12])
def test_index_out_of_range(index: int) -> None:
    status_list = StatusList()
    with pytest.raises(StatusIndexError, match="out of range") as info:
        status_list.get(index)
    assert isinstance(info.value, IndexError) and isinstance(info.value, ElmError)
    assert info.value.code == "index-out-of-range"
    with pytest.raises(StatusIndexError):
        status_list.set(index)


@pytest.mark.parametrize("index", [True, 1.0, "3", None])
def test_index_must_be_an_int(index: Any) -> None:
    with pytest.raises(StatusListError, match="integer"):
        StatusList().get(index)


# -- sizes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, -8, MIN_SIZE + 1, MIN_SIZE - 8, 12])
def test_bad_sizes_are_rejected(size: int) -> None:
    with pytest.raises(StatusListError):
        StatusList(size)


def test_min_size_can_be_lowered_explicitly() -> None:
    small = StatusList(64, min_size=0)
    small.set(63)
    decoded = StatusList.decode(small.encode(), min_size=64)
    assert list(decoded.indexes()) == [63]
    with pytest.raises(StatusListDecodeError) as info:
        StatusList.decode(small.encode())
    assert info.value.code == "too-short"
    assert "at least 131072" in info.value.message


# -- round trips -----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    size=st.sampled_from([MIN_SIZE, MIN_SIZE + 8, 2 * MIN_SIZE, 8 * MIN_SIZE]),
    multibase=st.booleans(),
)
def test_round_trip_random_index_sets(data: st.DataObject, size: int, multibase: bool) -> None:
    indexes = data.draw(st.sets(st.integers(min_value=0, max_value=size - 1), max_size=300))
    status_list = StatusList.from_indexes(indexes, size)
    encoded = status_list.encode(multibase=multibase)
    assert encoded.startswith("u") is multibase
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    decoded = StatusList.decode(encoded)
    assert decoded.size == size
    assert set(decoded.indexes()) == indexes
    assert list(decoded.indexes()) == sorted(indexes)
    assert decoded.count() == len(indexes)
    assert decoded == status_list


def test_dense_list_round_trip() -> None:
    every_other = range(0, MIN_SIZE, 2)
    status_list = StatusList.from_indexes(every_other)
    decoded = StatusList.decode(status_list.encode())
    assert decoded.count() == MIN_SIZE // 2
    assert list(decoded.indexes()) == list(every_other)


def test_encoding_is_deterministic_gzip_with_zero_mtime() -> None:
    status_list = StatusList.from_indexes([5, 77777])
    first, second = status_list.encode(), status_list.encode()
    assert first == second
    compressed = base64.urlsafe_b64decode(first[1:] + "=" * (-len(first[1:]) % 4))
    assert compressed[:2] == b"\x1f\x8b"
    assert compressed[4:8] == b"\0\0\0\0"
    assert gzip.decompress(compressed) == status_list.to_bytes()


# -- malformed encodedList -------------------------------------------------------------------------


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _malformed_cases() -> list[tuple[str, str, str]]:
    good = _gz(bytes(MIN_SIZE // 8))
    corrupt = bytearray(good)
    corrupt[12] ^= 0xFF
    corrupt[-6] ^= 0xFF
    return [
        ("", "bad-base64", "empty"),
        ("u", "bad-base64", "empty"),
        ("uH4sI*AAA", "bad-base64", "'*' at position 5"),
        ("H4sI AAAA", "bad-base64", "not base64"),
        ("H4sI=AAA", "bad-base64", "not base64"),
        ("H4sIA===", "bad-base64", "padding"),
        ("H4sIA", "bad-base64", "cannot encode whole bytes"),
        ("u" + _b64(b"plain text, not compressed", url=True, pad=False), "not-gzip", "magic"),
        ("u" + _b64(bytes(corrupt), url=True, pad=False), "not-gzip", "corrupt"),
        ("u" + _b64(good[: len(good) // 2], url=True, pad=False), "not-gzip", "truncated"),
        ("u" + _b64(good + b"junk", url=True, pad=False), "not-gzip", "after the GZIP"),
        ("u" + _b64(_gz(b""), url=True, pad=False), "too-short", "empty"),
        ("u" + _b64(_gz(bytes(1000)), url=True, pad=False), "too-short", "8000 entries"),
    ]


@pytest.mark.parametrize(("encoded", "code", "words"), _malformed_cases())
def test_malformed_encoded_lists(encoded: str, code: str, words: str) -> None:
    with pytest.raises(StatusListDecodeError) as info:
        StatusList.decode(encoded)
    assert info.value.code == code
    assert words in str(info.value)
    assert isinstance(info.value, ParseError)


def test_decode_rejects_non_strings() -> None:
    with pytest.raises(StatusListDecodeError, match="must be a string"):
        StatusList.decode(b"H4sI")  # type: ignore[arg-type]


def test_gzip_bomb_is_bounded_by_max_size() -> None:
    bomb = "u" + _b64(_gz(bytes(4 * 1024 * 1024)), url=True, pad=False)
    assert len(bomb) < 10_000
    with pytest.raises(StatusListDecodeError) as info:
        StatusList.decode(bomb, max_size=8 * MIN_SIZE)
    assert info.value.code == "too-large"
    assert StatusList.decode(bomb).size == 32 * 1024 * 1024


def test_from_bytes_and_equality() -> None:
    raw = bytearray(MIN_SIZE // 8)
    raw[0] = 0b1010_0000
    status_list = StatusList.from_bytes(bytes(raw))
    assert list(status_list.indexes()) == [0, 2]
    assert status_list == StatusList.from_indexes([0, 2])
    assert status_list != StatusList.from_indexes([0])
    assert repr(status_list) == "StatusList(size=131072, set=2)"
    with pytest.raises(StatusListError):
        StatusList.from_bytes(bytes(10))


def test_a_list_larger_than_any_decoded_one_is_refused_before_it_is_made() -> None:
    from elmkit.status import DEFAULT_MAX_SIZE, StatusListError

    with pytest.raises(StatusListError, match="above the maximum") as caught:
        StatusList(2**40)
    assert caught.value.code == "too-long"
    assert len(StatusList(DEFAULT_MAX_SIZE).to_bytes()) == DEFAULT_MAX_SIZE // 8
