"""The fast JSON paths of sealing and verification give exactly what the reference paths give.

Reading: ``loads_strict`` parses with jiter and proves the absence of duplicate members by
re-writing (text exactly as orjson writes the tree) or by jiter's own check of member names; the
sealed-envelope reader uses jiter's check. Both are compared with the reference (``json.loads``
with a hook that names duplicates) on generated JSON text in every layout and escaping, with and
without duplicate members, and on mutated (mostly invalid) text. Writing: ``dumps_payload`` is compared with ``json.dumps`` (floats
may be spelled otherwise but read back the same).
Then the sealing/verification behaviours built on them: JSON text sealed as given, signing-time
formatting, and path-validation results reused only inside the certificates' validity.
"""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elmkit.checks import CheckStatus, Step
from elmkit.errors import DuplicateKeyError, ParseError, SealError
from elmkit.sealing import clear_caches, load_trust, seal, verify
from elmkit.sealing._codec import (
    NOT_PARSED,
    _loads_checked,
    _loads_fast,
    dumps_compact,
    dumps_envelope,
    dumps_payload,
    loads_strict,
    parse_fast,
)
from elmkit.sealing.eidas import format_signing_time
from elmkit.sealing.jades import JadesError, parse_jws
from elmkit.sealing.trust import validate_chain
from test_seal_support import credential, ec_pki, mc_sample, rsa_pki

# --- a JSON writer that can write anything valid JSON allows, and duplicate members ---------


@dataclass(frozen=True)
class Obj:
    """A JSON object as written: its members in order, the same name possibly twice."""

    pairs: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Style:
    """How to write: whitespace between tokens and how to escape each character."""

    spaces: tuple[str, ...]
    escapes: tuple[int, ...]


_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_SHORT |= {"\r": "\\r", "\t": "\\t"}


class Writer:
    def __init__(self, style: Style) -> None:
        self.style = style
        self.n = 0

    def _pick(self, seq: tuple[Any, ...]) -> Any:
        self.n += 1
        return seq[self.n % len(seq)]

    def ws(self) -> str:
        return str(self._pick(self.style.spaces))

    def string(self, text: str) -> str:
        out = []
        for ch in text:
            how = self._pick(self.style.escapes)
            code = ord(ch)
            if how == 1 and ch in _SHORT:
                out.append(_SHORT[ch])
            elif how == 2 or ch in '"\\' or code < 0x20:
                if code > 0xFFFF:
                    code -= 0x10000
                    pair = (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
                    out.append("".join(f"\\u{u:04x}" for u in pair))
                else:
                    out.append(f"\\u{code:04X}" if how == 2 else f"\\u{code:04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def value(self, node: Any) -> str:
        w = self.ws
        if isinstance(node, Obj):
            members = [
                f"{w()}{self.string(k)}{w()}:{w()}{self.value(v)}{w()}" for k, v in node.pairs
            ]
            return "{" + (",".join(members) if members else w()) + "}"
        if isinstance(node, list):
            return "[" + (",".join(f"{w()}{self.value(v)}{w()}" for v in node) or w()) + "]"
        if isinstance(node, str):
            return self.string(node)
        return json.dumps(node)

    def document(self, node: Any) -> str:
        return self.ws() + self.value(node) + self.ws()


_keys = st.sampled_from(
    ["a", "b", "id", 'q"k', "c:d", "b\\s", "é", "😀", "\\", '"', ":"]
) | st.text(max_size=4)
_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(['"', "\\", '\\"', "a:b", '":', '","signatures":[', "\x00\x1f\x7f"])
)


def _objects(children: st.SearchStrategy[Any], duplicates: bool) -> st.SearchStrategy[Obj]:
    pairs = st.lists(st.tuples(_keys, children), max_size=4)
    if duplicates:
        return pairs.map(lambda p: Obj(tuple(p)))
    return pairs.map(lambda p: Obj(tuple(dict(p).items())))


def _trees(duplicates: bool) -> st.SearchStrategy[Any]:
    return st.recursive(
        _leaves,
        lambda children: st.lists(children, max_size=4) | _objects(children, duplicates),
        max_leaves=25,
    )


_styles = st.builds(
    Style,
    spaces=st.lists(st.sampled_from(["", "", " ", "\n  ", "\t", "\r\n"]), min_size=1).map(tuple),
    escapes=st.lists(st.sampled_from([0, 0, 0, 1, 2, 3]), min_size=1).map(tuple),
)


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (``1``, ``1.0`` and ``True`` differ).

    Walks without recursion: from Python 3.12 :mod:`json` reads thousands of levels."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if list(x) != list(y):
                return False
            pending.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y, strict=True))
        elif isinstance(x, float):
            if repr(x) != repr(y):
                return False
        elif x != y:
            return False
    return True


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except (ParseError, JadesError) as exc:
        return type(exc).__name__, str(exc)


def _assert_same_outcome(text: str | bytes) -> None:
    fast = _outcome(lambda t: loads_strict(t, what="X"), text)
    reference = _outcome(_loads_checked, text, "X")
    assert fast[0] == reference[0], (text, fast, reference)
    if fast[0] == "ok":
        assert _same(fast[1], reference[1]), text
    else:
        assert fast[1] == reference[1]


_QUICK = settings(max_examples=100, deadline=None)
_THOROUGH = settings(max_examples=3000, deadline=None)


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ('{"a":1,"a":2}', "a"),
        ('{"a" : 1 , "a" : 2}', "a"),
        ('{\n  "a": {"b": 1,\n  "b": [2]}\n}', "b"),
        ('[{"x":1},{"y":2,"y":3}]', "y"),
        ('[[[{"deep":{"k":1,"k":1}}]]]', "k"),
        ('{"q\\"k":1,"q\\"k":2}', 'q"k'),
        ('{"c:d":"e:f","c:d":null}', "c:d"),
        ('{"a":"\\\\","a":1}', "a"),
        ('{"a":"\\\\\\"","a":1}', "a"),
        ('{"a":1,"\\u0061":2}', "a"),
        ('{"\\ud83d\\ude00":1,"😀":2}', "😀"),
        ('{"v":"\\":","v":"x"}', "v"),
        ('{"":1,"":2}', ""),
    ],
)
def test_duplicate_members_are_rejected_with_the_reference_error(text: str, member: str) -> None:
    for data in (text, text.encode("utf-8")):
        with pytest.raises(DuplicateKeyError) as fast:
            loads_strict(data, what="the credential")
        with pytest.raises(DuplicateKeyError) as reference:
            _loads_checked(data, "the credential")
        assert str(fast.value) == str(reference.value)
        assert f"duplicate member {member!r}" in str(fast.value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":NaN}',
        "[Infinity]",
        '"\\ud800"',
        '{"lone":"\\udc00"}',
        "[" * 300 + "]" * 300,
        "[" * 5000 + "]" * 5000,
        "1" * 4301,
        "\ufeff{}",
        '{"a":1} x',
        "",
        "[1,]",
    ],
)
def test_what_the_fast_parser_refuses_gets_the_reference_result(text: str) -> None:
    _assert_same_outcome(text)
    _assert_same_outcome(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "data",
    [b'\xef\xbb\xbf{"a":1}', '{"a":"é"}'.encode("utf-16"), b'"\xed\xa0\x80"', b'{"a":"\xff"}'],
)
def test_byte_input_in_other_encodings_gets_the_reference_result(data: bytes) -> None:
    _assert_same_outcome(data)


def _check_parse(tree: Any, style: Style, raw: bool) -> None:
    text = Writer(style).document(tree)
    _assert_same_outcome(text.encode("utf-8") if raw else text)


def _check_fast_path_taken(tree: Any, style: Style) -> None:
    """Without duplicates, the fast path itself gives the answer (no fallback)."""
    text = Writer(style).document(tree)
    assert _loads_fast(text) is not NOT_PARSED, text
    _assert_same_outcome(text)


def _check_mutated(tree: Any, style: Style, edits: list[tuple[int, str]]) -> None:
    text = Writer(style).document(tree)
    for position, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + (1 if insert in ("", '"') else 0) :]
    _assert_same_outcome(text)


_edits = st.lists(
    st.tuples(
        st.integers(min_value=0),
        st.sampled_from(["", '"', "\\", ",", ":", "{", "}", "[", "]", " ", "a", "1", "\\u"]),
    ),
    min_size=1,
    max_size=3,
)


@_QUICK
@given(_trees(duplicates=False), _styles)
def test_fast_parse_answers_alone_without_duplicates(tree: Any, style: Style) -> None:
    _check_fast_path_taken(tree, style)


@_QUICK
@given(_trees(duplicates=True), _styles, st.booleans())
def test_fast_parse_equals_reference_with_duplicates(tree: Any, style: Style, raw: bool) -> None:
    _check_parse(tree, style, raw)


@_QUICK
@given(_trees(duplicates=True), _styles, _edits)
def test_fast_parse_equals_reference_on_mutated_text(
    tree: Any, style: Style, edits: list[tuple[int, str]]
) -> None:
    _check_mutated(tree, style, edits)


@pytest.mark.slow
@_THOROUGH
@given(_trees(duplicates=False), _styles)
def test_fast_parse_answers_alone_without_duplicates_thoroughly(tree: Any, style: Style) -> None:
    _check_fast_path_taken(tree, style)


@pytest.mark.slow
@_THOROUGH
@given(_trees(duplicates=True), _styles, st.booleans())
def test_fast_parse_equals_reference_with_duplicates_thoroughly(
    tree: Any, style: Style, raw: bool
) -> None:
    _check_parse(tree, style, raw)


@pytest.mark.slow
@_THOROUGH
@given(_trees(duplicates=True), _styles, _edits)
def test_fast_parse_equals_reference_on_mutated_text_thoroughly(
    tree: Any, style: Style, edits: list[tuple[int, str]]
) -> None:
    _check_mutated(tree, style, edits)


def _sealed_parts() -> tuple[bytes, str]:
    sealed = seal(credential(), ec_pki().signer())
    signatures = json.dumps(json.loads(sealed)["signatures"], separators=(",", ":"))
    return sealed, signatures


_payloads = st.lists(
    st.sampled_from(['"', "\\", ",", ":", "[", "{", "signatures", "payload", "é", "😀", "\n"])
    | st.sampled_from(['","signatures":[', '\\","signatures\\":[', '"}]}'])
    | st.text(max_size=5),
    max_size=12,
).map("".join)


_layouts = st.sampled_from(
    [
        "{head}{payload}{next}{signatures}]}}",
        '{{"payload":"x",{rest}',
        '{head}{payload}{next}{signatures}],"payload":"y"}}',
        '{head}{payload}{next}{signatures}],"signatures":[]}}',
        '{head}{payload}","extra":1,"signatures":[{signatures}]}}',
        '{head}{payload}" ,"signatures":[{signatures}]}}',
        "{head}{payload}{next}{dup_inside}]}}",
        '{{ "payload" : {literal} , "signatures" : [ {signatures} ] }}',
    ]
)


def _check_envelope(payload: str, style: Style, layout: str) -> None:
    _, signatures = _sealed_parts()
    literal = Writer(style).string(payload)
    inner = signatures[1:-1]
    text = layout.format(
        head='{"payload":"',
        payload=literal[1:-1],
        literal=literal,
        next='","signatures":[',
        signatures=inner,
        rest=f'"payload":{literal},"signatures":[{inner}]}}',
        dup_inside=inner[:-1] + ',"signature":"AA"}',
    )
    fast = _outcome(parse_jws, text)
    try:
        document = _loads_checked(text, "the sealed document")
    except DuplicateKeyError as exc:
        reference: tuple[str, Any] = ("JadesError", str(exc))
    else:
        reference = _outcome(parse_jws, document)
    assert fast == reference, text
    assert _outcome(parse_jws, text.encode("utf-8")) == reference, text


@_QUICK
@given(_payloads, _styles, _layouts)
def test_envelope_reader_equals_the_strict_parse(payload: str, style: Style, layout: str) -> None:
    _check_envelope(payload, style, layout)


@pytest.mark.slow
@_THOROUGH
@given(_payloads, _styles, _layouts)
def test_envelope_reader_equals_the_strict_parse_thoroughly(
    payload: str, style: Style, layout: str
) -> None:
    _check_envelope(payload, style, layout)


def test_sealed_samples_read_the_same_either_way() -> None:
    from test_seal_support import SIGNED_SAMPLES

    for path in [p for p in SIGNED_SAMPLES if p.exists()]:
        text = path.read_text(encoding="utf-8")
        assert parse_jws(text) == parse_jws(_loads_checked(text, "the sealed document"))
    sealed = seal(mc_sample(), rsa_pki().signer())
    assert parse_jws(sealed) == parse_jws(json.loads(sealed))


def test_duplicate_payload_member_after_a_valid_one_is_an_envelope_error() -> None:
    sealed, _ = _sealed_parts()
    assert parse_fast(sealed, unique=True) is not NOT_PARSED, "elmkit's own seals take the fast road"
    text = sealed.decode("utf-8")
    doctored = text[:-1] + ',"payload":"{}"}'
    for data in (doctored, doctored.encode("utf-8")):
        with pytest.raises(JadesError) as info:
            parse_jws(data)
        assert info.value.code == "duplicate-member"
        result = verify(data, trust=ec_pki().trust_anchors)
        assert result.step(Step.SEAL).code == "duplicate-member"


@pytest.mark.parametrize(
    "text", ['{"a":1,"a":1}', '{"a":{"b":[]},"a":{"b":[]}}', '[{"x":"y","x":"y"}]', '{"":0,"":0}']
)
def test_compact_text_with_equal_duplicates_is_not_taken_for_written_form(text: str) -> None:
    assert _loads_fast(text) is NOT_PARSED and _loads_fast(text.encode()) is NOT_PARSED
    with pytest.raises(DuplicateKeyError):
        loads_strict(text.encode())


def test_payload_with_duplicate_members_fails_format_whatever_its_escaping() -> None:
    payload = '{"a":1,"b":{"c":"x","c":"\\u0078"}}'
    sealed = seal(credential(), ec_pki().signer())
    envelope = json.loads(sealed)
    for literal in (
        json.dumps(payload),
        json.dumps(payload, ensure_ascii=True).replace("/", "\\/"),
        json.dumps('{"a":1,"b":{"c":"x","c":"x"}}'),
    ):
        text = '{"payload":' + literal + ',"signatures":' + json.dumps(envelope["signatures"]) + "}"
        result = verify(text)
        fmt = result.step(Step.FORMAT)
        assert fmt.status is CheckStatus.ERROR and fmt.code == "duplicate-member", fmt.reason
        assert "duplicate member 'c'" in fmt.reason


# --- writing -------------------------------------------------------------------------------


class Colour(enum.IntEnum):
    RED = 1


class Shade(enum.Enum):
    DARK = ("dark", 2)


class Name(str):
    pass


_exotic = (
    st.floats()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.builds(pow, st.just(10), st.just(5000))
    | st.sampled_from(
        [
            datetime(2024, 1, 1, tzinfo=UTC),
            Decimal("1.5"),
            b"bytes",
            (1, 2),
            {1, 2},
            Colour.RED,
            Shade.DARK,
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            Name("subclass"),
            "\ud800",
        ]
    )
)


def _writable(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.text(max_size=4) | st.sampled_from([1, 2.5, True, None, Name("k")])
    return st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)


_writer_values = st.recursive(_leaves | _exotic, _writable, max_leaves=20)


def _extras(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(k) or _has_float(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_float(v) for v in value)
    return False


def _has_key_not_text(value: Any) -> bool:
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_key_not_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_key_not_text(v) for v in value)
    return False


def _check_writer(value: Any) -> None:
    """The payload writer gives json.dumps's text (enums as values, UUIDs as text), or its error;
    a float may be spelled otherwise (``0.00001`` for ``1e-05``) but reads back the same. A
    member name that is not text is refused (json would write ``1`` and ``"1"`` as one name)."""
    if _has_key_not_text(value):
        kind, message = _outcome_any(dumps_payload, value)
        assert kind == "TypeError" and message.startswith("member names must be text"), message
        return

    def reference() -> bytes:
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_extras
        ).encode("utf-8")

    written, expected = _outcome_any(dumps_payload, value), _outcome_any(reference)
    if written[0] == expected[0] == "ok" and _has_float(value):
        assert json.loads(written[1]) == json.loads(expected[1])
    else:
        assert written == expected


@_QUICK
@given(_writer_values)
def test_payload_writer_equals_json_dumps(value: Any) -> None:
    _check_writer(value)


@pytest.mark.slow
@_THOROUGH
@given(_writer_values)
def test_payload_writer_equals_json_dumps_thoroughly(value: Any) -> None:
    _check_writer(value)


def _outcome_any(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except (TypeError, ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1e-7},
        [2.5e-05],
        {"x": {"y": float("nan")}},
        [{"inf": float("inf")}],
        {"big": 2**64},
        {"big": [-(2**64)]},
        {"n": 10**4301},
        {"k": {1: "int key"}},
        {"k": {True: "bool key"}},
        {"k": [{None: 1}]},
        {"t": (1, 2)},
        {"s": Name("str subclass")},
        {Name("key subclass"): 1},
        {"e": Colour.RED},
        {"e": [Shade.DARK], "big": 2**64},
        {"u": uuid.UUID(int=7)},
        {"d": datetime(2024, 1, 1, tzinfo=UTC)},
        {"u": "\ud800"},
        ["\x00\x1f\x7f\u2028", "é😀", '"\\/'],
    ],
)
def test_payload_writer_equals_json_dumps_on_values_json_treats_specially(value: Any) -> None:
    _check_writer(value)


def test_payload_writer_refuses_cycles_and_shares_like_json() -> None:
    shared = {"k": ["v"]}
    assert dumps_payload({"a": shared, "b": shared}) == dumps_compact(
        {"a": shared, "b": shared}
    ).encode("utf-8")
    loop: dict[str, Any] = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_payload(loop)


def test_payload_writer_matches_json_on_the_official_sample() -> None:
    doc = mc_sample()
    assert dumps_payload(doc) == dumps_compact(doc).encode("utf-8")


@given(st.text())
def test_the_envelope_carries_any_payload_text_exactly(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: sealing refuses them
    envelope = dumps_envelope(text, "e30", {}, "c2ln")
    assert json.loads(envelope)["payload"] == text
    assert envelope == dumps_compact(json.loads(envelope)).encode("utf-8")


def test_payload_writer_refuses_what_json_refuses_with_its_words() -> None:
    class Odd(enum.Enum):
        NAN = float("nan")
        DEEP = ("x", {"y": float("inf")})

    cases = ({"a": None, "b": [float("nan")]}, [float("-inf")], float("nan"), [Odd.NAN, Odd.DEEP])
    for value in (*cases, [Odd.DEEP]):
        with pytest.raises(ValueError, match="Out of range float values"):
            dumps_payload(value)
    with pytest.raises(TypeError, match="Decimal"):
        dumps_payload({"a": None, "d": Decimal("1.5")})
    assert json.loads(dumps_payload({"a": 1e-05, "b": None})) == {"a": 1e-05, "b": None}


# --- sealing JSON text, signing time, chain results -----------------------------------------


def test_json_text_is_sealed_as_given_when_completion_changes_nothing() -> None:
    doc = credential()
    doc["issued"] = doc["issuanceDate"] = "2024-01-01T00:00:00Z"
    doc["issuer"]["eIDASIdentifier"] = {"id": "urn:x", "type": "LegalIdentifier"}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    for given_text in (text, text.encode("utf-8"), "\t " + text.replace("\n", "\r\n")):
        sealed = seal(given_text, ec_pki().signer())
        stored = json.loads(sealed)["payload"]
        raw = given_text.decode("utf-8") if isinstance(given_text, bytes) else given_text
        assert stored == raw.strip(" \t\r\n")
        result = verify(sealed, trust=ec_pki().trust_anchors)
        assert result.step(Step.SEAL).ok
        assert result.payload_bytes == stored.encode("utf-8")
        assert result.credential == doc


def test_json_text_that_completion_changes_is_written_compactly() -> None:
    doc = credential()
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    sealed = seal(text, ec_pki().signer(), signing_time=moment)
    stored = json.loads(sealed)["payload"]
    completed = json.loads(stored)
    assert completed["issued"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "eIDASIdentifier" in completed["issuer"]
    assert stored == dumps_compact(completed)
    assert seal(text, ec_pki().signer(), complete=False).count(b"\\n") == text.count("\n")


def test_json_text_that_cannot_be_utf8_is_refused() -> None:
    with pytest.raises(SealError, match="cannot be written as JSON"):
        seal('{"type":"x","name":"\ud800"}', ec_pki().signer(), complete=False)
    with pytest.raises(SealError, match="cannot be written as JSON"):
        seal({"name": "\ud800"}, ec_pki().signer(), complete=False)


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)))
def test_signing_time_format(moment: datetime) -> None:
    assert format_signing_time(moment) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_chain_results_are_reused_only_while_every_certificate_is_valid() -> None:
    pki = rsa_pki()
    trust = load_trust(pki.trust_anchors)
    leaf, inter = pki.seal_certificate, pki.intermediate_certificate
    assert inter is not None
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc

    def check(moment: datetime) -> Any:
        return validate_chain(leaf, trust=trust, moment=moment, intermediates=[inter])

    clear_caches()
    first = check(start + timedelta(hours=1))
    assert first.ok
    assert check(start + timedelta(days=100)) is first  # reused: same validated path
    assert check(end - timedelta(seconds=1)) is first
    late = check(end + timedelta(days=1))
    assert not late.ok and late.code == "certificate-expired"
    early = check(start - timedelta(days=1))
    assert not early.ok and early.code == "certificate-not-yet-valid"
    assert check(start + timedelta(days=200)) is first
    with_revocation_data = validate_chain(
        leaf,
        trust=trust,
        moment=start + timedelta(days=300),
        intermediates=[inter],
        crls=[pki.crl()],
    )
    assert with_revocation_data is not first


def test_verification_is_the_same_cold_and_warm() -> None:
    sealed = seal(mc_sample(), rsa_pki().signer())
    trust = load_trust(rsa_pki().trust_anchors)
    clear_caches()
    now = datetime.now(UTC)  # a seal without a time-stamp is judged at the verification time
    cold = verify(sealed, trust=trust, at=now)
    warm = verify(sealed, trust=trust, at=now)
    assert cold.to_dict() == warm.to_dict()
    assert cold.step(Step.SEAL).ok
    other_time = seal(
        mc_sample(), rsa_pki().signer(), signing_time=datetime.now(UTC) - timedelta(hours=1)
    )
    again = verify(other_time, trust=trust)
    assert again.step(Step.SEAL).ok
    assert again.step(Step.SEAL).detail["chain"] == cold.step(Step.SEAL).detail["chain"]


def test_a_lower_integer_digit_limit_is_honoured_like_json() -> None:
    import sys

    saved = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    try:
        with pytest.raises(ParseError, match="not valid JSON"):
            loads_strict("1" * 2000)
        assert loads_strict("1" * 900) == int("1" * 900)
    finally:
        sys.set_int_max_str_digits(saved)


def test_a_changed_bytearray_is_read_again() -> None:
    text = bytearray(b'{"a":1,"b":"c"}' + b" " * 5000)
    assert loads_strict(text) == {"a": 1, "b": "c"}
    text[:] = b'{"a":1,"a":2,"b":"c"}' + b" " * 5000
    with pytest.raises(DuplicateKeyError):
        loads_strict(text)


def test_only_the_types_json_reads_are_read() -> None:
    for data in (memoryview(b'{"a":1}'), 5, None):
        with pytest.raises(TypeError):
            json.loads(data)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            loads_strict(data)  # type: ignore[arg-type]
    assert loads_strict(bytearray(b'{"a":1}')) == {"a": 1}
