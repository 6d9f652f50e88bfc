"""``elmkit seal`` and ``elmkit verify``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from elmkit.cli import (
    FileReports,
    JsonUsageErrorsCommand,
    OutputFormat,
    ReportFormat,
    ReportFormatOption,
    app,
    as_utc,
    datetime_option,
    describe_error,
    fail,
    failures_as_json,
    file_name,
    is_stdin,
    make_console,
    print_json,
    read_stdin,
    refuse_repeated_stdin,
    same_file,
    show,
)

if TYPE_CHECKING:
    from elmkit.checks import CheckResult



@app.command(cls=JsonUsageErrorsCommand)
def seal(
    credential: Annotated[
        str,  # as given: "./-" is a file, "-" standard input
        typer.Argument(metavar="CREDENTIAL", help="Credential JSON-LD file; - reads standard input"),
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out", "-o", metavar="PATH", help="Sealed file to write; - writes it on standard output"
        ),
    ],
    key: Annotated[Path | None, typer.Option(help="PEM private key")] = None,
    cert: Annotated[Path | None, typer.Option(help="PEM certificate chain (seal certificate first)")] = None,
    p12: Annotated[Path | None, typer.Option(help="PKCS#12 file instead of --key/--cert")] = None,
    password: Annotated[str | None, typer.Option(help="Key password", envvar="ELMKIT_SEAL_PASSWORD")] = None,
    tsa: Annotated[str | None, typer.Option(help="RFC 3161 time-stamping URL (gives a B-T seal)")] = None,
    check: Annotated[bool, typer.Option(help="Require edc-ap at the sealed stage before sealing")] = True,
    allow_other_sealer: Annotated[
        bool,
        typer.Option(
            help="Seal even when the seal certificate's organizationIdentifier is not the issuer's "
            "eIDAS identifier (verifiers then refuse the issuer's status lists for it)"
        ),
    ] = False,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="text, or json: what was sealed into which file, or why nothing was (not with "
            "--out -)",
        ),
    ] = OutputFormat.text,
) -> None:
    """Seal a credential with a JAdES seal as Europass EDC does.

    The seal certificate's organizationIdentifier must be the issuer's eIDAS identifier, when the
    credential names one (see --allow-other-sealer)."""
    from elmkit.api import seal as seal_credential
    from elmkit.cli.status import _signer
    from elmkit.errors import ElmError, MissingExtraError, SealError
    from elmkit.microcredentials.files import atomic_write
    from elmkit.serializers import load
    from elmkit.serializers.jsonio import DEFAULT_MAX_BYTES

    name = file_name(credential)
    to_stdout = is_stdin(out)
    target = Path(out)
    level = "B-T" if tsa else "B-B"
    with failures_as_json(output, "seal"):
        if to_stdout and output is OutputFormat.json:
            raise fail(
                "--out - writes the sealed document on standard output, where --format json "
                "writes its report: give a file to --out, or leave out --format json"
            )
        if not is_stdin(credential) and not to_stdout and same_file(Path(credential), target):
            raise fail(
                f"{name} would be overwritten by its sealed document: write that to "
                "another file (--out)"
            )
        try:
            source = read_stdin(DEFAULT_MAX_BYTES) if is_stdin(credential) else Path(credential)
        except ElmError as exc:
            raise fail(f"{name}: {exc}") from None
        if _is_status_list(source):
            raise fail(
                f"{name}: a status list credential, not a credential to seal: `elmkit "
                "status-list publish` writes and seals status lists"
            )
        try:
            signer = _signer(key, cert, p12, password)
        except MissingExtraError:
            raise  # about the installation, not the key file
        except (ElmError, OSError, ValueError) as exc:
            raise fail(f"{p12 or key or cert}: {describe_error(exc)}") from None
        if signer is None:
            raise fail("give --p12, or --key and --cert")
        try:
            loaded = load(source)
            if getattr(loaded.origin, "kind", None) == "sealed":
                raise SealError(
                    "this is a sealed document already: verify it, or seal the credential it "
                    "holds from its own file"
                )
            document = loaded.to_jsonld()
            sealed = seal_credential(
                document,
                signer,
                check=check,
                level=level,
                tsa=tsa,
                allow_other_sealer=allow_other_sealer,
            )
            if not to_stdout:
                atomic_write(target, sealed)
        except (ElmError, OSError, ValueError) as exc:
            code = 1 if isinstance(exc, SealError) else 2
            raise fail(f"{name}: {describe_error(exc)}", code) from None
    if to_stdout:  # the sealed document, and nothing else
        stream = typer.get_binary_stream("stdout")
        stream.write(sealed)
        stream.flush()
    elif output is OutputFormat.json:
        print_json({"command": "seal", "exit_status": 0, "file": name, "out": str(target), "level": level})
    else:
        show(make_console(), "sealed {} -> {}", name, target)


def _is_status_list(source: Path | bytes) -> bool:
    """Whether ``source`` (a file, or a document's bytes) holds a status list credential
    (unsealed, or in a seal's payload)."""
    import json

    from elmkit.sealing._codec import MAX_SEALED_BYTES, read_bounded
    from elmkit.status.credential import (
        BITSTRING_LIST_CREDENTIAL_TYPE,
        LEGACY_LIST_CREDENTIAL_TYPE,
    )

    try:  # a regular file only (a FIFO would block), as the load that follows reads it
        data = source if isinstance(source, bytes) else read_bounded(source, MAX_SEALED_BYTES)
        document = json.loads(data)
        if isinstance(document, dict) and isinstance(document.get("payload"), str):
            document = json.loads(document["payload"])
    except (OSError, ValueError, RecursionError):
        return False  # what cannot be read is said by the load that follows
    kinds = document.get("type") if isinstance(document, dict) else None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return bool({BITSTRING_LIST_CREDENTIAL_TYPE, LEGACY_LIST_CREDENTIAL_TYPE} & set(map(str, kinds)))


#: Steps whose SKIPPED a script may accept (``--accept-skipped``), and for which reasons (None:
#: any): they say nothing against the seal. REVOCATION only when there was nothing to check (no
#: status entry) or no way was given to check it, never when a list could not be fetched or
#: trusted: a revoked credential whose list is out of reach must not pass. A SKIPPED SEAL (no
#: trust anchors) or FORMAT (no validator) cannot be accepted.
_ACCEPTABLE_SKIPS: dict[str, frozenset[str] | None] = {
    "OWNER": frozenset({"no-holder"}),
    "QUALIFIED": None,
    "REVOCATION": frozenset({"no-status", "no-applicable-status", "no-status-checker"}),
}


def _skip_accepted(step: CheckResult, acceptable: set[str]) -> bool:
    name = step.step.value
    if name not in acceptable:
        return False
    codes = _ACCEPTABLE_SKIPS[name]
    return codes is None or step.code in codes


@app.command(cls=JsonUsageErrorsCommand)
def verify(
    files: Annotated[
        list[str],  # as given: "./-" is a file, "-" standard input
        typer.Argument(metavar="FILE", help="Sealed credential files; - reads standard input"),
    ],
    trust: Annotated[list[Path] | None, typer.Option(help="Trust anchors: PEM file or folder (repeatable)")] = None,
    at: Annotated[
        datetime | None,
        datetime_option(
            "Judge validity at this time (ISO 8601; UTC unless an offset is given) (default: now)",
        ),
    ] = None,
    holder: Annotated[str | None, typer.Option(help="Expected credential subject id")] = None,
    status_dir: Annotated[Path | None, typer.Option(help="Folder of published status lists (offline)")] = None,
    allow_network: Annotated[bool, typer.Option(help="Fetch status lists over HTTPS")] = False,
    unsealed_lists: Annotated[
        bool,
        typer.Option(
            help="Trust status lists that carry no seal (by default, with --trust, they are not "
            "trusted: anyone who can serve a file at a list's address could clear a revocation)"
        ),
    ] = False,
    output: ReportFormatOption = ReportFormat.text,
    accept_skipped: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-skipped",
            help="Exit 0 when this step is the only one SKIPPED: OWNER (no --holder), QUALIFIED, "
            "or REVOCATION (no status entry, or no --status-dir/--allow-network; never a list "
            "that could not be fetched or trusted). Repeatable; the verdict stays 'partially "
            "verified'",
        ),
    ] = None,
) -> None:
    """Verify sealed credentials.

    Exit status: 0 verified; 1 failed, or partially verified; 2 unusable (unreadable, or not a sealed document at all).

    Partially verified means that no step failed but some were SKIPPED: OWNER without --holder, REVOCATION for a credential without status entry or without --status-dir/--allow-network, SEAL without --trust. A script that does not check these may accept them: with --accept-skipped OWNER --accept-skipped REVOCATION the exit status is 0 when those are the only steps SKIPPED.
    """
    from elmkit.api import verify as verify_credential
    from elmkit.checks import CheckStatus
    from elmkit.errors import ElmError

    console = make_console()
    with failures_as_json(output, "verify"):
        from elmkit.sealing._codec import MAX_SEALED_BYTES  # needs the seal extra: said once

        refuse_repeated_stdin(files)
        acceptable = {name.strip().upper() for name in accept_skipped or ()}
        unknown = acceptable - _ACCEPTABLE_SKIPS.keys()
        if unknown:
            raise fail(
                f"--accept-skipped {', '.join(sorted(unknown))}: only "
                f"{', '.join(sorted(_ACCEPTABLE_SKIPS))} may be accepted as SKIPPED"
            )
        fetcher: object | None = None
        if status_dir is not None:
            from elmkit.status import FileFetcher

            if not status_dir.is_dir():
                raise fail(f"--status-dir {status_dir}: not a folder")
            fetcher = FileFetcher(directory=status_dir)
        elif allow_network:
            from elmkit.status import CachingFetcher, HttpFetcher

            fetcher = CachingFetcher(HttpFetcher())
        when = as_utc(at)
        anchors: object | None = None
        if trust:
            from elmkit.sealing import load_trust

            try:  # once, and refused as the option it is, not as a fault of each file
                anchors = load_trust(list(trust))
            except (ElmError, OSError) as exc:
                raise fail(f"--trust: {describe_error(exc)}") from None
    status = 0
    outputs = FileReports(output)
    for argument in files:
        name = file_name(argument)
        try:
            result = verify_credential(
                read_stdin(MAX_SEALED_BYTES) if is_stdin(argument) else Path(argument),
                trust=anchors,
                at=when,
                holder=holder,
                fetcher=fetcher,
                sealed_lists_only=False if unsealed_lists else None,
            )
        except (ElmError, OSError) as exc:
            show(make_console(stderr=True), "[red]{}: unusable: {}[/]", name, describe_error(exc))
            status = 2
            outputs.add({"file": name, "verdict": "unusable", "error": describe_error(exc)})
            continue
        verdict: str = result.verdict
        if any(step.code == "not-jws" for step in result.steps):
            status, verdict = 2, "unusable"  # not a sealed document at all: nothing to verify
        elif result.verdict != "verified" and status == 0:
            accepted = result.verdict == "partially verified" and all(
                _skip_accepted(step, acceptable)
                for step in result.steps
                if step.status is CheckStatus.SKIPPED
            )
            status = 0 if accepted else 1
        if output is not ReportFormat.text:
            outputs.add({"file": name, **result.to_dict(), "verdict": verdict})
        else:
            show(console, "[bold]{}[/]: {}", name, verdict)
            for step in result.steps:
                colour = {"OK": "green", "ERROR": "red", "SKIPPED": "yellow"}[step.status.value]
                show(console, f"  [{colour}]{step.step.value:<11} {step.status.value:<8}[/] {{}}", step.reason)
            for warning in result.warnings:
                show(console, "  [yellow]warning[/]: {}", warning)
    outputs.close()
    raise typer.Exit(status)
