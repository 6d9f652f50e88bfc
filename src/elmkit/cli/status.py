"""``elmkit revoke``, ``suspend``, ``unsuspend`` and ``status-list publish``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from elmkit.cli import (
    LedgerOption,
    app,
    describe_error,
    fail,
    is_stdin,
    make_console,
    refuse_not_unicode,
    show,
)

if TYPE_CHECKING:
    from elmkit.sealing.signers import KeySigner

status_list = typer.Typer(help="Status lists (W3C Bitstring Status List) for revocation and suspension.")
app.add_typer(status_list, name="status-list")

CredentialArgument = Annotated[
    str, typer.Argument(
        metavar="CREDENTIAL_ID", help="Credential id (or a learner id with exactly one credential)"
    )
]
ActorOption = Annotated[str, typer.Option("--actor", help="Who does this (recorded in the ledger)")]


RecordOnlyOption = Annotated[
    bool,
    typer.Option(
        "--record-only",
        help="Record it in the ledger even though no status list carries the credential "
        "(done on another platform, say)",
    ),
]


def _change(
    kind: str,
    credential_id: str,
    ledger_path: Path,
    actor: str,
    reason: str | None,
    record_only: bool = False,
) -> None:
    from elmkit import revocation
    from elmkit.cli.ledger import credential_of, open_existing
    from elmkit.errors import ElmError

    # values no ledger takes are refused as values (exit 2), before the ledger is opened
    if kind in ("revoke", "suspend") and not (reason or "").strip():
        what = "revocation" if kind == "revoke" else "suspension"
        raise fail(f"--reason: give the reason for the {what} (kept in the ledger, never published)")
    refuse_not_unicode(credential_id, "CREDENTIAL_ID")
    console = make_console()
    with open_existing(ledger_path) as ledger:
        try:
            credential_id = credential_of(ledger, credential_id, ledger_path)
            purpose = "suspension" if kind in ("suspend", "unsuspend") else "revocation"
            lists = revocation.lists_showing(ledger, credential_id, purpose)
            if kind in ("revoke", "suspend"):
                change = revocation.revoke if kind == "revoke" else revocation.suspend
                change(
                    ledger, credential_id, reason=reason or "", actor=actor, record_only=record_only
                )
            else:
                revocation.unsuspend(ledger, credential_id, reason=reason, actor=actor)
            record = ledger.get_credential(credential_id)
            state = record.state if record is not None else "unknown"
        except ElmError as exc:
            show(make_console(stderr=True), "[red]{}[/]", exc)
            raise typer.Exit(1) from None
    if lists:
        show(console, "{}: [bold]{}[/] (publish {} to make it visible)", credential_id, state,
             " and ".join(lists))
    else:
        show(console, "{}: [bold]{}[/] (in the ledger only: no status list shows its {})",
             credential_id, state, purpose)


@app.command()
def revoke(
    credential_id: CredentialArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the ledger)")],
    ledger: LedgerOption = Path("ledger.sqlite"),
    actor: ActorOption = "elmkit",
    record_only: RecordOnlyOption = False,
) -> None:
    """Revoke a credential (permanent)."""
    _change("revoke", credential_id, ledger, actor, reason, record_only)


@app.command()
def suspend(
    credential_id: CredentialArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the ledger)")],
    ledger: LedgerOption = Path("ledger.sqlite"),
    actor: ActorOption = "elmkit",
    record_only: RecordOnlyOption = False,
) -> None:
    """Suspend a credential (reversible)."""
    _change("suspend", credential_id, ledger, actor, reason, record_only)


@app.command()
def unsuspend(
    credential_id: CredentialArgument,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (recorded in the ledger)")
    ] = None,
    ledger: LedgerOption = Path("ledger.sqlite"),
    actor: ActorOption = "elmkit",
) -> None:
    """Lift a suspension."""
    _change("unsuspend", credential_id, ledger, actor, reason)


@status_list.command("publish")
def publish(
    list_url: Annotated[str, typer.Option("--list-url", help="Public URL where the list will be published")],
    out: Annotated[
        str,
        typer.Option("--out", "-o", help="File to write (a file: not - for standard output)"),
    ],
    ledger: LedgerOption = Path("ledger.sqlite"),
    purpose: Annotated[
        list[str] | None,
        typer.Option(
            help="revocation or suspension (default: revocation); give both for a list an "
            "earlier version let both onto"
        ),
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="Issuer id (default: from the definitions in the ledger)")] = None,
    key: Annotated[Path | None, typer.Option(help="PEM private key of the seal")] = None,
    cert: Annotated[Path | None, typer.Option(help="PEM certificate chain of the seal")] = None,
    p12: Annotated[Path | None, typer.Option(help="PKCS#12 file of the seal")] = None,
    password: Annotated[str | None, typer.Option(help="Password of the key or PKCS#12", envvar="ELMKIT_SEAL_PASSWORD")] = None,
    valid_days: Annotated[
        int,
        typer.Option(
            min=1, help="Days the list is valid; publish again before they run out"
        ),
    ] = 30,
    allow_other_sealer: Annotated[
        bool,
        typer.Option(
            help="Seal even when the certificate's organizationIdentifier is not the credentials' "
            "issuer's eIDAS identifier (verifiers will refuse the list)"
        ),
    ] = False,
) -> None:
    """Write the status list credential, sealed when a seal is given."""
    from elmkit import revocation
    from elmkit.cli.ledger import open_existing
    from elmkit.errors import ElmError

    console = make_console()
    if is_stdin(out):
        raise fail(
            "--out -: a status list is published to a file, which publishes of the same list "
            "take turns to replace and check against (a file named - is ./-)"
        )
    with open_existing(ledger, reading=True) as store:
        try:
            signer = _signer(key, cert, p12, password)
            try:
                valid_for = timedelta(days=valid_days)
            except OverflowError:
                raise ValueError(f"--valid-days {valid_days} is too large") from None
            result = revocation.publish_status_list(
                store,
                list_url,
                Path(out),
                issuer=issuer,
                purpose=purpose or ["revocation"],
                signer=signer,
                valid_for=valid_for,
                allow_other_sealer=allow_other_sealer,
                on_wait=lambda: show(
                    make_console(stderr=True),
                    "another publish of {} is running: waiting for it to finish",
                    out,
                ),
            )
        except (ElmError, OSError, ValueError) as exc:
            show(make_console(stderr=True), "[red]{}[/]", describe_error(exc))
            raise typer.Exit(2) from None
    sealed = "sealed" if result.sealed else "unsealed"
    show(
        console,
        "{}: {} list, {} index(es) set, {}, valid {} days",
        result.path,
        result.purpose,
        result.set_indexes,
        sealed,
        valid_days,
    )


def _signer(
    key: Path | None, cert: Path | None, p12: Path | None, password: str | None
) -> KeySigner | None:
    if p12 is not None:
        if key is not None or cert is not None:  # which key seals must not be a guess
            raise ValueError("give --p12, or --key and --cert, not both")
        from elmkit.sealing import signer_from_pkcs12

        return signer_from_pkcs12(p12, password)
    if key is not None or cert is not None:
        if key is None or cert is None:
            raise ValueError("--key and --cert go together")
        from elmkit.sealing import signer_from_pem

        return signer_from_pem(key, cert, password)
    return None
