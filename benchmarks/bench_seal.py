"""Seal and verify the official micro-credential sample, against raw signatures of the same bytes.

Baselines, measured in the same run: ``cryptography`` RSA-2048 (PKCS#1 v1.5, SHA-256) and P-256
(ECDSA, SHA-256) sign/verify of the exact payload bytes elmkit signs. Sealing is B-B with
completion, from the parsed JSON-LD dict. Verification is offline (no revocation fetch) but
builds and validates the chain to the trust anchor, and reads every step's result:

* "warm": the same sealed document again (parsed certificates and the path-validation result
  are reused, as a verifier of many credentials does);
* "other seals": seals of the same signer never verified before (other signing times, so only
  a path-validation result valid through the certificates' validity period can be reused);
* "cold": every elmkit cache cleared before each verification.

Two "floor" lines time only the work no seal can skip, with the same libraries: for sealing,
writing the payload JSON (orjson, unchecked), escaping it into the envelope and the raw signature
of the signing input; for verification, reading the envelope (with its duplicate check), reading the payload
and proving it duplicate-free, and the raw signature check. What elmkit adds beyond a floor is
every other check and the result.

Timings are the best of interleaved rounds (the least disturbed by other load on the machine);
the ratios divide best by best.

Run: python benchmarks/bench_seal.py [path/to/Sample-MC-Annex1-unsigned.jsonld] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from elmkit.checks import Step
from elmkit.sealing import clear_caches, create_test_pki, load_trust, seal, verify
from elmkit.sealing._codec import (
    dumps_compact,
    dumps_envelope,
    dumps_payload,
    is_written_form,
    loads_strict,
    parse_fast,
)
from elmkit.sealing.jades import parse_jws

DEFAULT_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared/reference/elm/samples/official-elm-v3/Sample-MC-Annex1-unsigned.jsonld"
)
OTHER_SEALS = 48


def best_of(
    operations: dict[str, Callable[[], object]], *, rounds: int, number: int
) -> dict[str, float]:
    """Best seconds per call of each operation, over ``rounds`` interleaved batches."""
    for fn in operations.values():
        fn()
    best = dict.fromkeys(operations, float("inf"))
    for _ in range(rounds):
        for name, fn in operations.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best


def first_verifications(verified: Callable[[bytes], object], seals: list[bytes]) -> float:
    """Best seconds of verifying each seal once (none of them verified before)."""
    best = float("inf")
    for data in seals:
        start = time.perf_counter()
        verified(data)
        best = min(best, time.perf_counter() - start)
    return best


def raw_operations(
    key: Any, public: Any, payload: bytes
) -> tuple[Callable[[], object], Callable[[], object]]:
    """Plain ``cryptography`` sign and verify of ``payload``."""
    if isinstance(key, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey):
        signature = key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
        return (
            lambda: key.sign(payload, padding.PKCS1v15(), hashes.SHA256()),
            lambda: public.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256()),
        )
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(
        public, ec.EllipticCurvePublicKey
    ):
        signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
        return (
            lambda: key.sign(payload, ec.ECDSA(hashes.SHA256())),
            lambda: public.verify(signature, payload, ec.ECDSA(hashes.SHA256())),
        )
    raise SystemExit("unexpected key type")


def bench(kind: str, credential: dict[str, Any], rounds: int) -> None:
    pki = create_test_pki(key_type="rsa" if kind == "rsa" else "ec")
    signer = pki.signer()
    trust = load_trust(pki.trust_anchors)
    sealed = seal(credential, signer)
    envelope = json.loads(sealed)
    payload_text = envelope["payload"]
    payload = payload_text.encode("utf-8")
    completed = json.loads(payload_text)
    raw_sign, raw_verify = raw_operations(pki.seal_key, pki.seal_certificate.public_key(), payload)
    if not verify(sealed, trust=trust).step(Step.SEAL).ok:
        raise SystemExit("the benchmark seal does not verify")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    others = [
        seal(credential, signer, signing_time=start + timedelta(seconds=i))
        for i in range(OTHER_SEALS)
    ]

    def verified(data: bytes) -> str:
        return verify(data, trust=trust).verdict

    def cold() -> object:
        clear_caches()
        return verified(sealed)

    def parse_strict() -> object:
        jws = parse_jws(sealed)
        return loads_strict(jws.payload or "", what="the credential")

    signing_input = envelope["signatures"][0]["protected"].encode("ascii") + b"." + payload
    sign_input, check_input = raw_operations(
        pki.seal_key, pki.seal_certificate.public_key(), signing_input
    )

    def seal_floor() -> object:
        text = orjson.dumps(completed).decode("utf-8")  # no check of what is written
        return sign_input(), dumps_envelope(text, "", {}, "")

    def verify_floor() -> object:
        outer = parse_fast(sealed, unique=True)
        data = outer["payload"].encode("utf-8")
        return is_written_form(parse_fast(data), data), check_input()

    times = best_of(
        {
            "raw sign": raw_sign,
            "seal": lambda: seal(credential, signer),
            "seal floor": seal_floor,
            "json out": lambda: dumps_payload(completed),
            "stdlib json out": lambda: dumps_compact(completed).encode("utf-8"),
            "raw verify": raw_verify,
            "verify warm": lambda: verified(sealed),
            "verify floor": verify_floor,
            "json in": parse_strict,
            "stdlib json in": lambda: json.loads(json.loads(sealed)["payload"]),
        },
        rounds=rounds,
        number=10,
    )
    times.update(best_of({"verify cold": cold}, rounds=max(3, rounds // 4), number=2))
    times["verify other seals"] = first_verifications(verified, others)

    def line(name: str, note: str = "", base: str = "") -> None:
        ratio = f"ratio {times[name] / times[base]:5.2f}x" if base else " " * 12
        print(f"  {name:<22}{times[name] * 1e6:8.0f} us   {ratio}  {note}".rstrip())

    print(f"\n{'RSA-2048' if kind == 'rsa' else 'P-256'}")
    line("raw sign")
    line("seal", "(B-B, completion; aim 1.5x)", "raw sign")
    line("seal floor", "(payload JSON, envelope escape, raw signature)", "raw sign")
    line("json out", "(the payload JSON elmkit writes)")
    line("stdlib json out", "(json.dumps + encode, for reference)")
    line("raw verify")
    line("verify warm", "(aim 3x)", "raw verify")
    line("verify floor", "(envelope, payload + proof, raw check)", "raw verify")
    line("verify other seals", "", "raw verify")
    line("json in", "(strict parse of envelope and payload)")
    line("stdlib json in", "(json.loads of envelope and payload, no checks)")
    line("verify cold", "", "raw verify")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", nargs="?", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    credential = json.loads(args.sample.read_text(encoding="utf-8"))
    print(f"sample: {args.sample.name} ({args.sample.stat().st_size:,} bytes)")
    bench("rsa", credential, args.rounds)
    bench("ec", credential, args.rounds)


if __name__ == "__main__":
    main()
