"""What EDC adds to a credential when sealing: issuance dates and the issuer's eIDAS identifier."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from elmkit.errors import SealError

__all__ = [
    "COUNTRIES",
    "EIDAS_IDENTIFIER_KEYS",
    "complete_credential",
    "completion_needed",
    "country_concept",
    "format_signing_time",
    "is_credential",
    "issuer_eidas_identifier",
    "legal_identifier",
    "sealer_mismatch",
]

#: ISO 3166-1 alpha-2 -> (EU country authority code, English label). Covers the EU, EEA,
#: candidate countries, Switzerland and the United Kingdom; ``EL`` (EU usage) maps to Greece.
COUNTRIES: dict[str, tuple[str, str]] = {
    "AT": ("AUT", "Austria"),
    "BE": ("BEL", "Belgium"),
    "BG": ("BGR", "Bulgaria"),
    "HR": ("HRV", "Croatia"),
    "CY": ("CYP", "Cyprus"),
    "CZ": ("CZE", "Czechia"),
    "DK": ("DNK", "Denmark"),
    "EE": ("EST", "Estonia"),
    "FI": ("FIN", "Finland"),
    "FR": ("FRA", "France"),
    "DE": ("DEU", "Germany"),
    "GR": ("GRC", "Greece"),
    "EL": ("GRC", "Greece"),
    "HU": ("HUN", "Hungary"),
    "IE": ("IRL", "Ireland"),
    "IT": ("ITA", "Italy"),
    "LV": ("LVA", "Latvia"),
    "LT": ("LTU", "Lithuania"),
    "LU": ("LUX", "Luxembourg"),
    "MT": ("MLT", "Malta"),
    "NL": ("NLD", "Netherlands"),
    "PL": ("POL", "Poland"),
    "PT": ("PRT", "Portugal"),
    "RO": ("ROU", "Romania"),
    "SK": ("SVK", "Slovakia"),
    "SI": ("SVN", "Slovenia"),
    "ES": ("ESP", "Spain"),
    "SE": ("SWE", "Sweden"),
    "IS": ("ISL", "Iceland"),
    "LI": ("LIE", "Liechtenstein"),
    "NO": ("NOR", "Norway"),
    "CH": ("CHE", "Switzerland"),
    "GB": ("GBR", "United Kingdom"),
    "AL": ("ALB", "Albania"),
    "BA": ("BIH", "Bosnia and Herzegovina"),
    "GE": ("GEO", "Georgia"),
    "MD": ("MDA", "Moldova"),
    "ME": ("MNE", "Montenegro"),
    "MK": ("MKD", "North Macedonia"),
    "RS": ("SRB", "Serbia"),
    "TR": ("TUR", "Türkiye"),
    "UA": ("UKR", "Ukraine"),
}

#: JSON-LD keys under which an issuer may already carry its eIDAS legal identifier. The EDC
#: context names the term ``eIDASIdentifier`` (IRI ``elm:eidasLegalIdentifier``).
EIDAS_IDENTIFIER_KEYS = ("eIDASIdentifier", "eidasLegalIdentifier")

_COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country"


def format_signing_time(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def country_concept(alpha2: str) -> dict[str, Any]:
    """The EU country authority Concept for an ISO alpha-2 code, as EDC writes it."""
    code = alpha2.upper()
    if code not in COUNTRIES:
        raise SealError(f"no EU country authority code known for country {alpha2!r}")
    alpha3, label = COUNTRIES[code]
    return {
        "id": f"{_COUNTRY_AUTHORITY}/{alpha3}",
        "type": "Concept",
        "inScheme": {"id": _COUNTRY_AUTHORITY, "type": "ConceptScheme"},
        "notation": "country",
        "prefLabel": {"en": label},
    }


def legal_identifier(organization_identifier: str, country: str | None) -> dict[str, Any]:
    """The issuer's ``LegalIdentifier`` from the seal certificate's organizationIdentifier."""
    if not organization_identifier:
        raise SealError("the seal certificate has no organizationIdentifier (2.5.4.97)")
    alpha2 = country
    if not alpha2 and len(organization_identifier) >= 5 and organization_identifier[5:6] == "-":
        alpha2 = organization_identifier[3:5]
    if not alpha2:
        raise SealError("the seal certificate names no country")
    return {
        "id": f"urn:epass:legalIdentifier:{uuid.uuid4()}",
        "type": "LegalIdentifier",
        "notation": organization_identifier,
        "spatial": country_concept(alpha2),
    }


def is_credential(doc: Mapping[str, Any]) -> bool:
    """Whether a JSON-LD document is a verifiable credential (its ``type`` says so)."""
    types = doc.get("type")
    if isinstance(types, str):
        types = [types]
    return isinstance(types, list) and any(
        t in ("VerifiableCredential", "EuropeanDigitalCredential") for t in types
    )


def issuer_eidas_identifier(doc: Mapping[str, Any]) -> str | None:
    """The notation of the issuer's eIDAS legal identifier in a credential (what sealing takes
    from the seal certificate's organizationIdentifier), or ``None``."""
    issuer = doc.get("issuer")
    if isinstance(issuer, list) and len(issuer) == 1:
        issuer = issuer[0]
    if not isinstance(issuer, Mapping):
        return None
    found = next((issuer[k] for k in EIDAS_IDENTIFIER_KEYS if k in issuer), None)
    if isinstance(found, list) and len(found) == 1:
        found = found[0]
    notation = found.get("notation") if isinstance(found, Mapping) else None
    return notation.strip() if isinstance(notation, str) and notation.strip() else None


def sealer_mismatch(doc: Mapping[str, Any], organization_identifier: str | None) -> str | None:
    """Why a seal certificate with ``organization_identifier`` does not seal for the issuer of
    ``doc`` (its eIDAS identifier is another), or ``None`` when it does or the issuer names none.

    Verifiers tie the issuer's status lists to the credential through this identifier: a list
    sealed by the same certificate would be refused, so a revocation could never be seen.
    """
    expected = issuer_eidas_identifier(doc)
    actual = (organization_identifier or "").strip()
    if expected is None or actual == expected:
        return None
    return (
        f"the credential's issuer has the eIDAS identifier {expected}, but the seal certificate's "
        f"organizationIdentifier is {actual or '(none)'}"
    )


def completion_needed(doc: Mapping[str, Any]) -> bool:
    """Whether :func:`complete_credential` would add anything to ``doc``."""
    if not is_credential(doc):
        return False
    if "issued" not in doc or "issuanceDate" not in doc:
        return True
    issuer = doc.get("issuer")
    return isinstance(issuer, Mapping) and not any(k in issuer for k in EIDAS_IDENTIFIER_KEYS)


def complete_credential(
    doc: Mapping[str, Any],
    *,
    signing_time: datetime,
    organization_identifier: str | None,
    country: str | None,
) -> dict[str, Any]:
    """Fill what EDC adds at sealing, without touching ``doc``: ``issued`` and ``issuanceDate``
    (when absent; when only one is given, the other takes its value, as EDC gives both the same
    moment) and ``issuer.eIDASIdentifier`` (when the issuer object has none and the certificate
    has an organizationIdentifier: without one, EDC leaves it out too).

    Documents that are not credentials are returned unchanged (as a shallow copy).
    """
    out = dict(doc)
    if not is_credential(out):
        return out
    stamp = out.get("issued") or out.get("issuanceDate") or format_signing_time(signing_time)
    out.setdefault("issued", stamp)
    out.setdefault("issuanceDate", stamp)
    issuer = out.get("issuer")
    organization_identifier = (organization_identifier or "").strip()
    if (
        organization_identifier
        and isinstance(issuer, Mapping)
        and not any(k in issuer for k in EIDAS_IDENTIFIER_KEYS)
    ):
        new_issuer = dict(issuer)
        new_issuer["eIDASIdentifier"] = legal_identifier(organization_identifier or "", country)
        out["issuer"] = new_issuer
    return out
