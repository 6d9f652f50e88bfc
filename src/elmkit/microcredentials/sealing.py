"""Sealing a batch: every issued credential sealed with the university's seal, as Europass does.

Runs after :func:`~elmkit.microcredentials.issue_batch`: it reads the batch manifest, optionally
gives each credential a status-list entry (revocation), seals it (``edc-ap`` at the ``sealed``
stage must pass first) and writes ``sealed/<name>.json``, recording ``sealed`` in the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elmkit.errors import ElmError, ModelError
from elmkit.ledger import LedgerStore, open_ledger
from elmkit.microcredentials.files import atomic_write
from elmkit.microcredentials.manifest import read_manifest
from elmkit.model import EuropeanDigitalCredential

__all__ = ["SealedBatch", "seal_batch"]

SEALED_DIR = "sealed"


@dataclass(slots=True)
class SealedBatch:
    """What :func:`seal_batch` did."""

    sealed: list[Path] = field(default_factory=list)
    already: int = 0
    """Credentials the ledger already knows as sealed (left as they are)."""
    without_status: list[str] = field(default_factory=list)
    """Ids of credentials sealed before without an entry on the ``status_list_url`` asked for
    now: their seal cannot change, so that list cannot revoke them."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(credential id, reason)`` for credentials that could not be sealed."""

    @property
    def ok(self) -> bool:
        return not self.failed


def seal_batch(
    out_dir: str | Path,
    signer: Any,
    *,
    ledger: LedgerStore | str | Path,
    status_list_url: str | None = None,
    level: str = "B-B",
    tsa: Any = None,
    actor: str = "elmkit",
    progress: Callable[[int], None] | None = None,
    allow_other_sealer: bool = False,
) -> SealedBatch:
    """Seal every credential a batch issued into ``out_dir``.

    ``signer`` is an :mod:`elmkit.sealing` signer (PKCS#12, PEM, HSM…). With ``status_list_url``
    each credential gets a ``credentialStatus`` entry on that list before sealing (its index comes
    from the ledger, so sealing again keeps it). Credentials already sealed according to the ledger
    are skipped; a credential that fails the sealed-stage checks, or whose issuer's eIDAS
    identifier is not the seal certificate's organizationIdentifier (unless
    ``allow_other_sealer``), is reported, not sealed.
    """
    from elmkit.api import seal
    from elmkit.revocation import assign_status
    from elmkit.serializers import load

    folder = Path(out_dir)
    store = ledger if not isinstance(ledger, str | Path) else open_ledger(ledger)
    outcome = SealedBatch()
    try:
        for row in read_manifest(folder / "manifest.json"):
            if row.get("state") != "issued":
                continue
            credential_id = row["credential_id"]
            record = store.get_credential(credential_id)
            if record is not None and record.state in ("sealed", "sent"):
                outcome.already += 1
                if status_list_url is not None and not any(
                    entry.list_url == status_list_url
                    for entry in store.status_entries_for(credential_id)
                ):
                    outcome.without_status.append(credential_id)
                continue
            source = folder / row["file"]
            target = folder / SEALED_DIR / (Path(row["file"]).stem + ".json")
            try:
                credential = load(source)
                if not isinstance(credential, EuropeanDigitalCredential):
                    raise ModelError(f"{source.name} is not a European Digital Credential")
                if status_list_url is not None:
                    assign_status(credential, store, status_list_url)
                sealed = seal(
                    credential, signer, level=level, tsa=tsa, allow_other_sealer=allow_other_sealer
                )
            except ElmError as exc:
                outcome.failed.append((credential_id, str(exc)))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, sealed)
            store.record(
                credential_id,
                "sealed",
                actor,
                sha256=hashlib.sha256(sealed).hexdigest(),
                detail={"file": str(target.relative_to(folder)), "level": level},
            )
            outcome.sealed.append(target)
            if progress is not None:
                progress(1)
    finally:
        if store is not ledger:
            store.close()
    return outcome
