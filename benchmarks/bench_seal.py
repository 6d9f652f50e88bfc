"""Seal and verify the official micro-credential sample, against raw signatures of the same bytes.

Baselines, measured in the same run: ``cryptography`` RSA-2048 (PKCS#1 v1.5, SHA-256) and P-256
(ECDSA, SHA-256) sign/verify of the exact payload bytes elmkit signs. Sealing is B-B with
completion; verification is offline (no revocation fetch) but builds and validates the chain to
the trust anchor. "cold" clears every elmkit cache before each verification; "warm" reuses the
parsed certificates and the path-validation result, as a verifier of many credentials does.

Run: python benchmarks/bench_seal.py [path/to/Sample-MC-Annex1-unsigned.jsonld]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from elmkit.checks import Step
from elmkit.sealing import clear_caches, create_test_pki, load_trust, seal, verify
from elmkit.sealing._codec import dumps_compact

DEFAULT_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared/reference/elm/samples/official-elm-v3/Sample-MC-Annex1-unsigned.jsonld"
)


def timed(fn: Callable[[], object], *, rounds: int = 7, number: int = 20) -> float:
    """Median seconds per call over ``rounds`` batches of ``number`` calls."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


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


def bench(kind: str, credential: dict[str, Any]) -> None:
    pki = create_test_pki(key_type="rsa" if kind == "rsa" else "ec")
    signer = pki.signer()
    trust = load_trust(pki.trust_anchors)
    sealed = seal(credential, signer)
    payload = json.loads(sealed)["payload"].encode("utf-8")
    raw_sign, raw_verify = raw_operations(pki.seal_key, pki.seal_certificate.public_key(), payload)
    if not verify(sealed, trust=trust).step(Step.SEAL).ok:
        raise SystemExit("the benchmark seal does not verify")

    def cold() -> object:
        clear_caches()
        return verify(sealed, trust=trust)

    t_raw_sign = timed(raw_sign)
    t_seal = timed(lambda: seal(credential, signer))
    t_json = timed(lambda: dumps_compact(credential))
    t_raw_verify = timed(raw_verify)
    t_parse = timed(lambda: json.loads(json.loads(sealed)["payload"]))
    t_warm = timed(lambda: verify(sealed, trust=trust))
    t_cold = timed(cold, number=5)
    label = "RSA-2048" if kind == "rsa" else "P-256"
    print(f"\n{label}")
    print(f"  raw sign            {t_raw_sign * 1e6:8.0f} us")
    print(
        f"  seal (B-B)          {t_seal * 1e6:8.0f} us   ratio {t_seal / t_raw_sign:5.2f}x  (aim 1.5x)"
    )
    print(f"    of which JSON out {t_json * 1e6:8.0f} us   (json.dumps of the credential)")
    print(f"  raw verify          {t_raw_verify * 1e6:8.0f} us")
    print(
        f"  verify (warm)       {t_warm * 1e6:8.0f} us   ratio {t_warm / t_raw_verify:5.2f}x  (aim 3x)"
    )
    print(f"    of which JSON in  {t_parse * 1e6:8.0f} us   (json.loads of envelope and payload)")
    print(f"  verify (cold)       {t_cold * 1e6:8.0f} us   ratio {t_cold / t_raw_verify:5.2f}x")


def main() -> None:
    sample = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SAMPLE
    credential = json.loads(sample.read_text(encoding="utf-8"))
    print(f"sample: {sample.name} ({sample.stat().st_size:,} bytes)")
    bench("rsa", credential)
    bench("ec", credential)


if __name__ == "__main__":
    main()
