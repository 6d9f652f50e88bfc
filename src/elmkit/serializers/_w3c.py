"""The W3C Verifiable Credentials JSON-LD contexts (data model v1.1 and v2.0), as data.

These are the term definitions published by the W3C for
``https://www.w3.org/2018/credentials/v1`` and ``https://www.w3.org/ns/credentials/v2``, written
out here so that credentials can be expanded without fetching anything. Call the functions to get
a fresh copy (JSON-LD processors may modify the documents they are given).
"""

from __future__ import annotations

from typing import Any

__all__ = ["credentials_v1", "credentials_v2"]

_CRED = "https://www.w3.org/2018/credentials#"
_SEC = "https://w3id.org/security#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_STATUS = "https://www.w3.org/ns/credentials/status#"
_SCHEMA = "https://schema.org/"
_JWT = "https://www.iana.org/assignments/jwt#"
_JOSE = "https://www.iana.org/assignments/jose#"

Json = dict[str, Any]


def _id(iri: str) -> Json:
    return {"@id": iri, "@type": "@id"}


def _typed(iri: str, datatype: str) -> Json:
    return {"@id": iri, "@type": datatype}


def _keywords(*, version: bool = True) -> Json:
    head: Json = {"@version": 1.1} if version else {}
    head.update({"@protected": True, "id": "@id", "type": "@type"})
    return head


# --- Verifiable Credentials data model 1.1 ---------------------------------------------------


def _v1_proof_purpose() -> Json:
    scoped = _keywords()
    scoped["sec"] = _SEC
    scoped["assertionMethod"] = {"@id": "sec:assertionMethod", "@type": "@id", "@container": "@set"}
    scoped["authentication"] = {
        "@id": "sec:authenticationMethod",
        "@type": "@id",
        "@container": "@set",
    }
    return {"@id": "sec:proofPurpose", "@type": "@vocab", "@context": scoped}


def _v1_suite_terms() -> Json:
    return {
        "challenge": "sec:challenge",
        "created": {"@id": "http://purl.org/dc/terms/created", "@type": "xsd:dateTime"},
        "domain": "sec:domain",
        "expires": {"@id": "sec:expiration", "@type": "xsd:dateTime"},
        "jws": "sec:jws",
        "nonce": "sec:nonce",
        "proofPurpose": _v1_proof_purpose(),
        "proofValue": "sec:proofValue",
        "verificationMethod": {"@id": "sec:verificationMethod", "@type": "@id"},
    }


def _v1_suite(name: str, *, full_header: bool = True) -> Json:
    # RsaSignature2018's scoped context omits the id/type aliases and the sec/xsd prefixes.
    if full_header:
        scoped = _keywords()
        scoped["sec"] = _SEC
        scoped["xsd"] = _XSD
    else:
        scoped = {"@version": 1.1, "@protected": True}
    scoped.update(_v1_suite_terms())
    return {"@id": _SEC + name, "@context": scoped}


def _v1_credential() -> Json:
    scoped = _keywords()
    scoped.update({"cred": _CRED, "sec": _SEC, "xsd": _XSD})
    schema_ctx = _keywords()
    schema_ctx.update({"cred": _CRED, "JsonSchemaValidator2018": "cred:JsonSchemaValidator2018"})
    refresh_ctx = _keywords()
    refresh_ctx.update({"cred": _CRED, "ManualRefreshService2018": "cred:ManualRefreshService2018"})
    scoped.update(
        {
            "credentialSchema": {**_id("cred:credentialSchema"), "@context": schema_ctx},
            "credentialStatus": _id("cred:credentialStatus"),
            "credentialSubject": _id("cred:credentialSubject"),
            "evidence": _id("cred:evidence"),
            "expirationDate": _typed("cred:expirationDate", "xsd:dateTime"),
            "holder": _id("cred:holder"),
            "issued": _typed("cred:issued", "xsd:dateTime"),
            "issuer": _id("cred:issuer"),
            "issuanceDate": _typed("cred:issuanceDate", "xsd:dateTime"),
            "proof": {**_id("sec:proof"), "@container": "@graph"},
            "refreshService": {**_id("cred:refreshService"), "@context": refresh_ctx},
            "termsOfUse": _id("cred:termsOfUse"),
            "validFrom": _typed("cred:validFrom", "xsd:dateTime"),
            "validUntil": _typed("cred:validUntil", "xsd:dateTime"),
        }
    )
    return {"@id": _CRED + "VerifiableCredential", "@context": scoped}


def _v1_presentation() -> Json:
    scoped = _keywords()
    scoped.update(
        {
            "cred": _CRED,
            "sec": _SEC,
            "holder": _id("cred:holder"),
            "proof": {**_id("sec:proof"), "@container": "@graph"},
            "verifiableCredential": {**_id("cred:verifiableCredential"), "@container": "@graph"},
        }
    )
    return {"@id": _CRED + "VerifiablePresentation", "@context": scoped}


def credentials_v1() -> Json:
    """The context document of ``https://www.w3.org/2018/credentials/v1``."""
    ctx = _keywords()
    ctx["VerifiableCredential"] = _v1_credential()
    ctx["VerifiablePresentation"] = _v1_presentation()
    for suite in ("EcdsaSecp256k1Signature2019", "EcdsaSecp256r1Signature2019", "Ed25519Signature2018"):
        ctx[suite] = _v1_suite(suite)
    ctx["RsaSignature2018"] = _v1_suite("RsaSignature2018", full_header=False)
    ctx["proof"] = {**_id(_SEC + "proof"), "@container": "@graph"}
    return {"@context": ctx}


# --- Verifiable Credentials data model 2.0 ---------------------------------------------------


def _v2_head() -> Json:
    return _keywords(version=False)


def _v2_credential() -> Json:
    scoped = _v2_head()
    scoped.update(
        {
            "confidenceMethod": _id(_CRED + "confidenceMethod"),
            "credentialSchema": _id(_CRED + "credentialSchema"),
            "credentialStatus": _id(_CRED + "credentialStatus"),
            "credentialSubject": _id(_CRED + "credentialSubject"),
            "description": _SCHEMA + "description",
            "evidence": _id(_CRED + "evidence"),
            "issuer": _id(_CRED + "issuer"),
            "name": _SCHEMA + "name",
            "proof": {**_id(_SEC + "proof"), "@container": "@graph"},
            "refreshService": _id(_CRED + "refreshService"),
            "relatedResource": _id(_CRED + "relatedResource"),
            "renderMethod": _id(_CRED + "renderMethod"),
            "termsOfUse": _id(_CRED + "termsOfUse"),
            "validFrom": _typed(_CRED + "validFrom", _XSD + "dateTime"),
            "validUntil": _typed(_CRED + "validUntil", _XSD + "dateTime"),
        }
    )
    return {"@id": _CRED + "VerifiableCredential", "@context": scoped}


def _v2_presentation() -> Json:
    scoped = _v2_head()
    scoped.update(
        {
            "holder": _id(_CRED + "holder"),
            "proof": {**_id(_SEC + "proof"), "@container": "@graph"},
            "termsOfUse": _id(_CRED + "termsOfUse"),
            "verifiableCredential": {
                **_id(_CRED + "verifiableCredential"),
                "@container": "@graph",
                "@context": None,
            },
        }
    )
    return {"@id": _CRED + "VerifiablePresentation", "@context": scoped}


def _v2_status() -> Json:
    status_list = _v2_head()
    status_list.update(
        {
            "encodedList": _typed(_STATUS + "encodedList", _SEC + "multibase"),
            "statusPurpose": _STATUS + "statusPurpose",
            "ttl": _STATUS + "ttl",
        }
    )
    message = _v2_head()
    message.update({"message": _STATUS + "message", "status": _STATUS + "status"})
    entry = _v2_head()
    entry.update(
        {
            "statusListCredential": _id(_STATUS + "statusListCredential"),
            "statusListIndex": _STATUS + "statusListIndex",
            "statusPurpose": _STATUS + "statusPurpose",
            "statusMessage": {"@id": _STATUS + "statusMessage", "@context": message},
            "statusReference": _id(_STATUS + "statusReference"),
            "statusSize": _typed(_STATUS + "statusSize", "https://www.w3.org/2001/XMLSchema#integer"),
        }
    )
    return {
        "BitstringStatusListCredential": _STATUS + "BitstringStatusListCredential",
        "BitstringStatusList": {"@id": _STATUS + "BitstringStatusList", "@context": status_list},
        "BitstringStatusListEntry": {"@id": _STATUS + "BitstringStatusListEntry", "@context": entry},
    }


def _v2_data_integrity() -> Json:
    purposes = _v2_head()
    for term, method in (
        ("assertionMethod", "assertionMethod"),
        ("authentication", "authenticationMethod"),
        ("capabilityDelegation", "capabilityDelegationMethod"),
        ("capabilityInvocation", "capabilityInvocationMethod"),
        ("keyAgreement", "keyAgreementMethod"),
    ):
        purposes[term] = {"@id": _SEC + method, "@type": "@id", "@container": "@set"}
    scoped = _v2_head()
    scoped.update(
        {
            "challenge": _SEC + "challenge",
            "created": _typed("http://purl.org/dc/terms/created", _XSD + "dateTime"),
            "cryptosuite": _typed(_SEC + "cryptosuite", _SEC + "cryptosuiteString"),
            "domain": _SEC + "domain",
            "expires": _typed(_SEC + "expiration", _XSD + "dateTime"),
            "nonce": _SEC + "nonce",
            "previousProof": _id(_SEC + "previousProof"),
            "proofPurpose": {"@id": _SEC + "proofPurpose", "@type": "@vocab", "@context": purposes},
            "proofValue": _typed(_SEC + "proofValue", _SEC + "multibase"),
            "verificationMethod": _id(_SEC + "verificationMethod"),
        }
    )
    return {"@id": _SEC + "DataIntegrityProof", "@context": scoped}


def _v2_jose_terms() -> Json:
    non_negative = "https://www.w3.org/2001/XMLSchema#nonNegativeInteger"
    return {
        "...": {"@id": _JWT + "..."},
        "_sd": {"@id": _JWT + "_sd", "@type": "@json"},
        "_sd_alg": {"@id": _JWT + "_sd_alg"},
        "aud": _id(_JWT + "aud"),
        "cnf": {
            "@id": _JWT + "cnf",
            "@context": {
                "@protected": True,
                "kid": _id(_JWT + "kid"),
                "jwk": {"@id": _JWT + "jwk", "@type": "@json"},
            },
        },
        "exp": _typed(_JWT + "exp", non_negative),
        "iat": _typed(_JWT + "iat", non_negative),
        "iss": _id(_JOSE + "iss"),
        "jku": _id(_JOSE + "jku"),
        "kid": _id(_JOSE + "kid"),
        "nbf": _typed(_JWT + "nbf", non_negative),
        "sub": _id(_JOSE + "sub"),
        "x5u": _id(_JOSE + "x5u"),
    }


def credentials_v2() -> Json:
    """The context document of ``https://www.w3.org/ns/credentials/v2``."""
    ctx = _v2_head()
    ctx.update(
        {
            "description": _SCHEMA + "description",
            "digestMultibase": _typed(_SEC + "digestMultibase", _SEC + "multibase"),
            "digestSRI": _typed(_CRED + "digestSRI", _CRED + "sriString"),
            "mediaType": {"@id": _SCHEMA + "encodingFormat"},
            "name": _SCHEMA + "name",
            "VerifiableCredential": _v2_credential(),
            "EnvelopedVerifiableCredential": _CRED + "EnvelopedVerifiableCredential",
            "VerifiablePresentation": _v2_presentation(),
            "EnvelopedVerifiablePresentation": _CRED + "EnvelopedVerifiablePresentation",
            "JsonSchemaCredential": _CRED + "JsonSchemaCredential",
            "JsonSchema": {
                "@id": _CRED + "JsonSchema",
                "@context": {
                    **_v2_head(),
                    "jsonSchema": {"@id": _CRED + "jsonSchema", "@type": "@json"},
                },
            },
        }
    )
    ctx.update(_v2_status())
    ctx["DataIntegrityProof"] = _v2_data_integrity()
    ctx.update(_v2_jose_terms())
    return {"@context": ctx}


STATUS_LIST_NS = "https://w3id.org/vc/status-list#"
SCHEMA_ORG = "http://schema.org/"


def status_list_2021() -> Json:
    """The StatusList2021 context (``https://w3id.org/vc/status-list/2021/v1``): the status entry
    of VC data model 1.1 credentials and the list credential, each with type-scoped terms."""

    def term(name: str) -> str:
        return STATUS_LIST_NS + name

    entry_terms: Json = {
        **_keywords(version=False),
        "statusPurpose": term("statusPurpose"),
        "statusListIndex": term("statusListIndex"),
        "statusListCredential": _id(term("statusListCredential")),
    }
    list_terms: Json = {
        **_keywords(version=False),
        "statusPurpose": term("statusPurpose"),
        "encodedList": term("encodedList"),
    }
    credential_terms: Json = {
        **_keywords(version=False),
        "description": SCHEMA_ORG + "description",
        "name": SCHEMA_ORG + "name",
    }
    return {
        "@context": {
            "@protected": True,
            "StatusList2021Credential": {"@id": term("StatusList2021Credential"), "@context": credential_terms},
            "StatusList2021": {"@id": term("StatusList2021"), "@context": list_terms},
            "StatusList2021Entry": {"@id": term("StatusList2021Entry"), "@context": entry_terms},
        }
    }
