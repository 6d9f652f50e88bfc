"""Sealing and verifying with the rest of elmkit plugged in: profiles before sealing, FORMAT and
REVOCATION during verification.

:mod:`elmkit.sealing` knows JAdES; these functions add what a credential issuer or verifier expects:
nothing is sealed that fails the EDC profile at the ``sealed`` stage, FORMAT runs the profile the
credential's ``credentialSchema`` names, and REVOCATION reads status lists through a fetcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elmkit.checks import CheckResult

if TYPE_CHECKING:
    from elmkit.sealing.verifier import VerificationResult

__all__ = ["format_check", "pre_seal_check", "seal", "status_checker", "verify"]


def _credential(document: Mapping[str, Any]) -> Any:
    from elmkit.serializers import load

    return load(dict(document))


def pre_seal_check(document: Mapping[str, Any], profiles: Sequence[str] = ("edc-ap",)) -> list[str]:
    """Problems that forbid sealing: errors of ``profiles`` at the ``sealed`` stage, or why the
    document does not read into the model (one line per value, with its path)."""
    from elmkit.errors import ElmError, ElmValidationError
    from elmkit.profiles import validate

    try:
        report = validate(_credential(document), profiles=profiles, stage="sealed")
    except ElmValidationError as exc:
        return [f"{d.path or '/'}: {d.message}" for d in exc.details]
    except ElmError as exc:
        return [f"{exc.path or '/'}: {exc.message}"]
    return [f"{f.path or '/'}: {f.message()}" for f in report.errors]


def format_check(document: Mapping[str, Any]) -> list[str]:
    """The FORMAT step: the profile that the credential's ``credentialSchema`` names."""
    return pre_seal_check(document, ("edc-ap",))


def _issuer_eidas(document: Mapping[str, Any]) -> str | None:
    """The eIDAS legal identifier of a credential's issuer (what sealing takes from the seal
    certificate's organizationIdentifier), or ``None``."""
    from elmkit.sealing.eidas import issuer_eidas_identifier

    return issuer_eidas_identifier(document)


def status_checker(
    fetcher: Any, *, envelope_trust: Any = None, require_seal: bool | None = None
) -> Any:
    """A REVOCATION step that reads status lists through ``fetcher``.

    A sealed list must be sealed by the credential's own issuer (the organisation identifier of
    the list's seal certificate is the issuer's eIDAS identifier), with a chain to
    ``envelope_trust`` when given. ``require_seal`` (by default: when ``envelope_trust`` is
    given) makes an unsealed list SKIPPED: anyone who can serve a file at the list's address
    could otherwise clear a revocation.
    """
    from elmkit.status import check_status

    sealed_only = envelope_trust is not None if require_seal is None else require_seal

    def envelope_verifier(
        data: bytes, credential: Mapping[str, Any]
    ) -> tuple[bool, dict[str, Any] | None, str]:
        from elmkit.sealing import verify as verify_seal

        result = verify_seal(data, trust=envelope_trust)
        seal_step = next(s for s in result.steps if s.step.value == "SEAL")
        ok = seal_step.status.value == "OK" or (envelope_trust is None and seal_step.status.value == "SKIPPED")
        if not ok:
            return False, result.credential, seal_step.reason
        expected = _issuer_eidas(credential)
        sealer = result.signer.organization_identifier if result.signer is not None else None
        if expected is None:
            return False, result.credential, (
                "the credential's issuer has no eIDAS identifier, so the list's seal cannot be "
                "tied to it"
            )
        if sealer != expected:
            return False, result.credential, (
                f"the list is sealed by {sealer or 'an organisation without identifier'}, not by "
                f"the credential's issuer ({expected})"
            )
        return True, result.credential, seal_step.reason

    def check(document: dict[str, Any], at: datetime) -> CheckResult:
        return check_status(
            document,
            fetcher=fetcher,
            at=at,
            envelope_verifier=lambda data: envelope_verifier(data, document),
            require_seal=sealed_only,
        )

    return check


def seal(credential: Any, signer: Any, *, check: bool = True, **options: Any) -> bytes:
    """Seal a credential as EDC does (see :func:`elmkit.sealing.seal` for the options).

    Before sealing, ``issued``, ``issuanceDate`` and the issuer's eIDAS identifier are completed
    and, with ``check`` (default), the credential must pass ``edc-ap`` at the ``sealed`` stage.
    """
    from elmkit.sealing import seal as seal_jades

    if check and "pre_seal_check" not in options:
        options["pre_seal_check"] = pre_seal_check
    if hasattr(credential, "to_jsonld"):
        credential = credential.to_jsonld()
    return seal_jades(credential, signer, **options)


def verify(
    data: Any,
    *,
    fetcher: Any = None,
    check_format: bool = True,
    sealed_lists_only: bool | None = None,
    **options: Any,
) -> VerificationResult:
    """Verify a sealed credential: FORMAT, SEAL, QUALIFIED, OWNER, VALIDITY, REVOCATION.

    ``fetcher`` (a :class:`elmkit.status.StatusListFetcher`) enables the REVOCATION step: status
    lists must be sealed by the credential's issuer, and with ``trust`` an unsealed list is not
    trusted (REVOCATION SKIPPED) unless ``sealed_lists_only=False``. The other options are those
    of :func:`elmkit.sealing.verify` (``trust``, ``at``, ``holder``, …).
    """
    from elmkit.sealing import verify as verify_seal

    if check_format and "format_check" not in options:
        options["format_check"] = format_check
    if fetcher is not None and "status_checker" not in options:
        options["status_checker"] = status_checker(
            fetcher, envelope_trust=options.get("trust"), require_seal=sealed_lists_only
        )
    return verify_seal(data, **options)
