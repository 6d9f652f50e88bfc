"""Sealing and verifying credentials as Europass EDC does: JAdES baseline signatures in JWS JSON
serialization with an unencoded payload.

Needs the ``seal`` extra (``cryptography``, ``asn1crypto``, ``orjson``, ``jiter``; ``pyhanko-certvalidator``
for certificate chains): without it, importing this package raises
:class:`~elmkit.errors.MissingExtraError`. Submodules are imported on first use::

    from elmkit.sealing import seal, verify, create_test_pki
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from elmkit.errors import MissingExtraError

#: The packages of the ``seal`` extra, by the name they are imported as.
SEAL_EXTRA = ("cryptography", "asn1crypto", "orjson", "jiter", "pyhanko_certvalidator")

for _package in SEAL_EXTRA:
    if importlib.util.find_spec(_package) is None:
        raise MissingExtraError("sealing and verifying", "seal", _package)

if TYPE_CHECKING:
    from .certs import QcInfo, SignerInfo
    from .jades import JadesError, ParsedJws, parse_jws
    from .pki import TestPKI, create_test_pki
    from .sealer import seal, seal_file
    from .signers import (
        KeySigner,
        Signer,
        ecdsa_der_to_raw,
        signer_from_pem,
        signer_from_pkcs12,
    )
    from .timestamps import (
        HttpTimestampClient,
        LocalTimestampClient,
        TimestampClient,
        TimestampError,
        verify_token,
    )
    from .trust import TrustStore, clear_caches, load_trust
    from .verifier import VerificationResult, verify, verify_files

__all__ = [
    "HttpTimestampClient",
    "JadesError",
    "KeySigner",
    "LocalTimestampClient",
    "ParsedJws",
    "QcInfo",
    "Signer",
    "SignerInfo",
    "TestPKI",
    "TimestampClient",
    "TimestampError",
    "TrustStore",
    "VerificationResult",
    "clear_caches",
    "create_test_pki",
    "ecdsa_der_to_raw",
    "load_trust",
    "parse_jws",
    "seal",
    "seal_file",
    "signer_from_pem",
    "signer_from_pkcs12",
    "verify",
    "verify_files",
    "verify_token",
]

_MODULES = {
    "QcInfo": "certs",
    "SignerInfo": "certs",
    "JadesError": "jades",
    "ParsedJws": "jades",
    "parse_jws": "jades",
    "TestPKI": "pki",
    "create_test_pki": "pki",
    "seal": "sealer",
    "seal_file": "sealer",
    "KeySigner": "signers",
    "Signer": "signers",
    "ecdsa_der_to_raw": "signers",
    "signer_from_pem": "signers",
    "signer_from_pkcs12": "signers",
    "HttpTimestampClient": "timestamps",
    "LocalTimestampClient": "timestamps",
    "TimestampClient": "timestamps",
    "TimestampError": "timestamps",
    "verify_token": "timestamps",
    "TrustStore": "trust",
    "clear_caches": "trust",
    "load_trust": "trust",
    "VerificationResult": "verifier",
    "verify": "verifier",
    "verify_files": "verifier",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'elmkit.sealing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
