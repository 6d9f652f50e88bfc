"""Sealing a batch: every issued credential sealed with the university's seal, as Europass does.

Runs after :func:`~elmkit.microcredentials.issue_batch`: it reads the batch manifest, optionally
gives each credential a status-list entry (revocation), seals it (``edc-ap`` at the ``sealed``
stage must pass first) and writes ``sealed/<name>.json``, recording ``sealed`` in the ledger.
Credentials the ledger holds as revoked or suspended are not sealed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elmkit.errors import ElmError, SignerError
from elmkit.ledger import (
    ConflictError,
    LedgerError,
    LedgerStore,
    UnknownCredentialError,
    open_ledger,
)
from elmkit.ledger.model import SEALED_STATES, WITHDRAWN_STATES
from elmkit.microcredentials.files import AtomicWriter, atomic_write, sha256_file
from elmkit.microcredentials.manifest import read_manifest

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
    withdrawn: list[tuple[str, str]] = field(default_factory=list)
    """``(credential id, state)`` for credentials not sealed because the ledger holds them as
    revoked or suspended: nothing was written for them (a sealed file they already had is left
    as it was, until ``issue`` moves it to ``withdrawn/``). Not a failure."""
    folder: Path | None = None
    """Where the sealed files are (``sealed/`` in the batch's output folder)."""
    sealed_ids: list[str] = field(default_factory=list)
    """Ids of the credentials of :attr:`sealed`, in the same order."""
    missing: list[str] = field(default_factory=list)
    """Ids of credentials sealed before (counted in :attr:`already`) whose sealed file is not in
    :attr:`folder`: deleted or moved. A credential is never sealed twice, so none is written."""
    stopped: str | None = None
    """Why sealing stopped before the end of the batch: the signer, its certificate or the
    time-stamping authority failed (:class:`~elmkit.errors.SignerError`), so every credential
    left would have failed the same way. The credential it failed on is in :attr:`failed`;
    those after it were not tried (:attr:`not_reached`). Sealing again goes on from there."""
    not_reached: int = 0
    """Issued credentials of the batch not looked at, because sealing :attr:`stopped`."""

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None

    def to_dict(self) -> dict[str, Any]:
        """What was sealed, as JSON values: credentials by id, and the folder of sealed files."""
        return {
            "folder": None if self.folder is None else str(self.folder),
            "sealed": list(self.sealed_ids),
            "already": self.already,
            "failed": [{"credential_id": cid, "reason": why} for cid, why in self.failed],
            "withdrawn": [{"credential_id": cid, "state": state} for cid, state in self.withdrawn],
            "without_status": list(self.without_status),
            "missing": list(self.missing),
            "stopped": self.stopped,
            "not_reached": self.not_reached,
        }


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
    allow_http: bool = False,
) -> SealedBatch:
    """Seal every credential a batch issued into ``out_dir``.

    ``signer`` is an :mod:`elmkit.sealing` signer (PKCS#12, PEM, HSM…). With ``status_list_url``
    each credential gets a ``credentialStatus`` entry on that list before sealing (its index comes
    from the ledger, so sealing again keeps it; a new list needs an ``https`` URL, or ``allow_http``
    for a test server). Credentials already sealed according to the ledger
    are skipped; revoked or suspended ones are not sealed (``withdrawn``). A credential that fails
    the sealed-stage checks, whose issuer's eIDAS identifier is not the seal certificate's
    organizationIdentifier (unless ``allow_other_sealer``), whose file is not the document the
    ledger records for it (a run regenerating it meanwhile), or whose sealing the ledger cannot
    record, is reported in ``failed`` and keeps the sealed file it had, if any. When the signer,
    its certificate or the TSA fails (:class:`~elmkit.errors.SignerError`), sealing stops there:
    see :attr:`SealedBatch.stopped`.
    """
    from elmkit.api import seal
    from elmkit.revocation import assign_status, refuse_unfetchable_list
    from elmkit.serializers import load_credential

    folder = Path(out_dir)
    store = ledger if not isinstance(ledger, str | Path) else open_ledger(ledger)
    outcome = SealedBatch(folder=folder / SEALED_DIR)
    try:
        if status_list_url is not None:
            # before any credential is sealed
            refuse_unfetchable_list(store, status_list_url, allow_http=allow_http)
        rows = [row for row in read_manifest(folder / "manifest.json") if row.get("state") == "issued"]
        for position, row in enumerate(rows):
            credential_id = row["credential_id"]
            source = folder / row["file"]
            target = folder / SEALED_DIR / (Path(row["file"]).stem + ".json")
            try:
                held: str | None = _state(store, credential_id)
                if held not in WITHDRAWN_STATES | SEALED_STATES:
                    # read before the document: a run that regenerates the credential records
                    # its new digest in the ledger before it writes the new file
                    document = sha256_file(source) if source.is_file() else None
                    credential = load_credential(source)
                    if status_list_url is not None:
                        assign_status(credential, store, status_list_url, allow_http=allow_http)
                    sealed = seal(
                        credential,
                        signer,
                        level=level,
                        tsa=tsa,
                        allow_other_sealer=allow_other_sealer,
                    )
                    held = _write_recorded(
                        store,
                        credential_id,
                        target,
                        sealed,
                        actor=actor,
                        detail={"file": str(target.relative_to(folder)), "level": level},
                        document=document,
                        source=row["file"],
                    )
                listed = (
                    held not in SEALED_STATES
                    or status_list_url is None
                    or any(
                        entry.list_url == status_list_url and entry.superseded_at is None
                        for entry in store.status_entries_for(credential_id)
                    )
                )
            except SignerError as exc:
                outcome.failed.append((credential_id, str(exc)))
                outcome.stopped = str(exc)
                outcome.not_reached = len(rows) - position - 1
                break
            except (ElmError, OSError) as exc:
                outcome.failed.append((credential_id, str(exc)))
                continue
            if held is None:
                outcome.sealed.append(target)
                outcome.sealed_ids.append(credential_id)
                if progress is not None:
                    progress(1)
            elif held in WITHDRAWN_STATES:
                outcome.withdrawn.append((credential_id, held))
            else:
                outcome.already += 1
                if not listed:
                    outcome.without_status.append(credential_id)
                if not target.is_file():
                    outcome.missing.append(credential_id)
    finally:
        if store is not ledger:
            store.close()
    return outcome


def _state(store: LedgerStore, credential_id: str) -> str:
    """The credential's state in the ledger; :class:`UnknownCredentialError` if it has none."""
    record = store.get_credential(credential_id)
    if record is None:
        raise UnknownCredentialError(
            f"{credential_id} is not in this ledger: seal with the ledger the batch was issued with"
        )
    return str(record.state)


def _write_recorded(
    store: LedgerStore,
    credential_id: str,
    target: Path,
    sealed: bytes,
    *,
    actor: str,
    detail: dict[str, Any],
    document: str | None = None,
    source: str = "",
) -> str | None:
    """Write ``sealed`` to ``target`` and record ``sealed`` in the ledger: both, or neither.

    ``document`` is the digest of the credential file that was sealed (``source``): when the
    ledger records another document for the credential, a run regenerated it meanwhile and
    :class:`~elmkit.ledger.ConflictError` is raised, nothing written.

    The seal goes to a temporary file, moved over ``target`` inside the ledger transaction that
    records it, once the state is checked again there; if the ledger then fails to commit, the
    file ``target`` held before is put back. Returns None, or the state (revoked, suspended,
    sealed) another process gave the credential meanwhile, in which case nothing is written.
    """
    previous = target.read_bytes() if target.is_file() else None
    writer = AtomicWriter(target)
    replaced = False
    try:
        writer.write(sealed)
        with store.transaction():
            state = _state(store, credential_id)
            if state in WITHDRAWN_STATES | SEALED_STATES:
                return state
            record = store.get_credential(credential_id)
            recorded = None if record is None else record.sha256
            if document is not None and recorded is not None and recorded != document:
                raise ConflictError(
                    f"{source or 'the credential file'} is not the document the ledger records "
                    "for it (a run is writing a new version of it, or the file was changed since): "
                    "seal again once that run is done, or issue the batch again"
                )
            store.record(
                credential_id,
                "sealed",
                actor,
                sha256=hashlib.sha256(sealed).hexdigest(),
                detail=detail,
            )
            writer.commit()
            replaced = True
    except BaseException as exc:
        if replaced:
            _put_back(target, previous, exc)
        raise
    finally:
        writer.abort()
    return None


def _put_back(target: Path, previous: bytes | None, cause: BaseException) -> None:
    """Give ``target`` back the content it had before a sealing the ledger did not record."""
    try:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            atomic_write(target, previous)
    except OSError as exc:
        if not isinstance(cause, Exception):
            return  # an interrupt stops the batch anyway
        raise LedgerError(
            f"{cause}; {target.name} holds a seal the ledger does not record and could not be "
            f"put back as it was ({exc.strerror or exc}): do not deliver it"
        ) from cause
