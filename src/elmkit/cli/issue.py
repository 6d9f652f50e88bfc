"""``elmkit issue`` and ``elmkit demo``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from elmkit.cli import (
    LEDGER_ENV,
    JsonUsageErrorsCommand,
    OutputFormat,
    app,
    as_utc,
    cell,
    datetime_option,
    describe_error,
    fail,
    failures_as_json,
    make_console,
    print_json,
    show,
)

if TYPE_CHECKING:
    from rich.console import Console

    from elmkit.microcredentials.batch import BatchResult
    from elmkit.microcredentials.manifest import ManifestRow
    from elmkit.microcredentials.sealing import SealedBatch
    from elmkit.sealing.signers import Signer

#: Rows listed under the summary (the manifest has every row).
SHOWN_PROBLEMS = 40


def _row_report(row: ManifestRow) -> dict[str, Any]:
    """A row as ``manifest.json`` has it, with what this run did to its credential and how many
    error and warning findings it has."""
    severities = [finding.get("severity") for finding in row.findings]
    return {
        **row.to_json(),
        "change": None if row.change is None else row.change.value,
        "error_count": severities.count("error"),
        "warning_count": severities.count("warning"),
    }


def _report(
    command: str,
    status: int,
    result: BatchResult,
    rows: list[ManifestRow],
    sealed: SealedBatch | None = None,
) -> dict[str, Any]:
    """The ``--format json`` document of a batch: the exit status the command returns, the batch
    (:meth:`BatchResult.to_dict`), the sealing (:meth:`SealedBatch.to_dict`) and every row."""
    document: dict[str, Any] = {"command": command, "exit_status": status, **result.to_dict()}
    if sealed is not None:
        document["seal"] = sealed.to_dict()
    document["rows"] = [_row_report(row) for row in rows]
    return document


@contextmanager
def _progress(
    console: Console,
    label: str,
    rows: list[ManifestRow] | None = None,
    changed: list[ManifestRow] | None = None,
) -> Iterator[tuple[Callable[[ManifestRow], None], Callable[[int], None]]]:
    """A progress bar on ``console`` (when it is a terminal): the callbacks it gives advance it
    (also keeping each row in ``rows``, and each row whose credential this run rewrote with
    other files than an earlier run in ``changed``) and set its total once it is known."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from elmkit.microcredentials.manifest import CredentialChange

    rewritten = (CredentialChange.REGENERATED, CredentialChange.REEXPORTED)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(row: ManifestRow) -> None:
            progress.advance(task)
            if rows is not None:
                rows.append(row)
            if changed is not None and row.change in rewritten:
                changed.append(row)

        def set_total(total: int) -> None:
            progress.update(task, total=total)

        yield advance, set_total



def _default_workers() -> int:
    """What ``--workers 0`` means: one worker process per CPU, up to 4."""
    return min(4, os.cpu_count() or 1)


def _summary(
    console: Console,
    result: BatchResult,
    *,
    sealing: bool = False,
    changed: Sequence[ManifestRow] = (),
) -> None:
    from rich.table import Table

    from elmkit.microcredentials.manifest import RowState

    labels = {
        RowState.ISSUED: ("issued", "green"),
        RowState.INVALID: ("invalid (not written)", "red"),
        RowState.ERROR: ("failed to build", "red"),
        RowState.NOT_ELIGIBLE: ("not eligible", "yellow"),
        RowState.MALFORMED: ("malformed rows", "red"),
        RowState.DUPLICATE: ("duplicate rows", "yellow"),
        RowState.CONFLICT: ("learners in two rows with different results", "red"),
        RowState.SKIPPED: ("skipped (revoked/suspended)", "yellow"),
    }
    show(console, "[bold]{}[/]: {} row(s) read", result.definition_id, result.rows)
    table = Table(show_header=False)
    table.add_column("state")
    table.add_column("count", justify="right")
    for state, (label, style) in labels.items():
        count = result.counts.get(state, 0)
        if count or state is RowState.ISSUED:
            table.add_row(f"[{style}]{label}[/]", str(count))
    console.print(table)
    if result.problems:
        detail = Table(title="Rows that need attention", show_lines=False)
        detail.add_column("row", justify="right")
        detail.add_column("learner")
        detail.add_column("state")
        detail.add_column("why", overflow="fold")
        for row in result.problems[:SHOWN_PROBLEMS]:
            why = list(row.reasons) + [
                f"{f.get('message', '')} ({f.get('path') or '/'})"
                for f in row.findings
                if f.get("severity") == "error"
            ]
            who = f"{row.learner_id} {row.name}".strip()
            style = (
                "red"
                if row.state in (RowState.INVALID, RowState.ERROR, RowState.MALFORMED)
                else "yellow"
            )
            detail.add_row(
                str(row.row), cell(who), f"[{style}]{row.state.value}[/]", cell("\n".join(why))
            )
        console.print(detail)
        hidden = sum(
            count for state, count in result.counts.items() if state is not RowState.ISSUED
        ) - min(len(result.problems), SHOWN_PROBLEMS)
        if hidden > 0:
            show(console, "… and {} more: see {}", hidden, result.manifest_csv)
    for warning in result.warnings:
        show(console, "[yellow]warning:[/] {}", warning)
    if changed:
        _said_changed(console, result, changed)
    if result.superseded_seals:
        from elmkit.microcredentials.batch import WITHDRAWN_DIR

        show(
            console,
            "[yellow]warning:[/] {} sealed file(s) held credentials this run changed: moved to "
            "{}/, not to be delivered; {}",
            len(result.superseded_seals),
            result.out_dir / WITHDRAWN_DIR,
            "this run seals them again" if sealing else "seal them again (--seal)",
        )


def _said_changed(console: Console, result: BatchResult, changed: Sequence[ManifestRow]) -> None:
    """Name the credentials whose files this run rewrote with other content than an earlier
    run's: those files, already uploaded or sent, are superseded."""
    from elmkit.microcredentials.batch import UPLOAD_DIR

    shown = [
        f"row {row.row} {row.learner_id} ({row.change.value if row.change else ''})"
        for row in changed[:SHOWN_PROBLEMS]
    ]
    more = f" and {len(changed) - len(shown)} more" if len(changed) > len(shown) else ""
    show(
        console,
        "[yellow]note:[/] {} credential(s) changed since an earlier run wrote them "
        "(regenerated: a corrected grade or name, a new definition version; re-exported: new "
        "delivery details): {}{}. Their files in {}/ replace the earlier ones: upload or send "
        "these again",
        len(changed),
        ", ".join(shown),
        more,
        result.out_dir / UPLOAD_DIR,
    )


def _where(console: Console, result: BatchResult) -> None:
    from elmkit.microcredentials.batch import CREDENTIALS_DIR, UPLOAD_DIR

    out = result.out_dir
    show(console, "  credentials (JSON-LD):     {}/", out / CREDENTIALS_DIR, soft_wrap=True)
    show(console, "  Europass upload files:     {}/", out / UPLOAD_DIR, soft_wrap=True)
    show(
        console,
        "  manifest:                  {}  ·  {}",
        result.manifest_csv,
        result.manifest_json,
        soft_wrap=True,
    )
    if result.bundle is not None:
        show(console, "  ZIP bundle:                {}", result.bundle, soft_wrap=True)
    if result.ledger:
        show(console, "  ledger:                    {}", result.ledger, soft_wrap=True)
    pages = "with display pages" if result.images else "without display pages (Europass adds one)"
    show(
        console,
        "  {} credential(s) {}; profiles {}; {}s",
        result.issued,
        pages,
        ", ".join(result.profiles),
        f"{result.seconds:.1f}",
    )


def _run_batch(
    console: Console,
    definition: Path,
    results: Path,
    out: Path,
    *,
    profiles: list[str] | None,
    stage: str,
    lang: str,
    ledger: Path | None,
    images: bool | None,
    workers: int,
    zip_bundle: bool,
    valid_from: datetime | None,
    rows: list[ManifestRow] | None = None,
    changed: list[ManifestRow] | None = None,
) -> BatchResult:
    """Issue the batch with a progress bar on ``console``, keeping its rows in ``rows`` and
    those of credentials it rewrote with other files in ``changed``; the errors that stop it are
    said on standard error."""
    from elmkit.errors import ElmError
    from elmkit.microcredentials.batch import issue_batch

    try:
        with _progress(console, "issuing", rows, changed) as (advance, set_total):
            return issue_batch(
                definition,
                results,
                out,
                profiles=profiles or None,
                stage=stage,
                ledger=ledger,
                images=images,
                workers=workers,
                zip_bundle=zip_bundle,
                valid_from=valid_from,
                progress=advance,
                on_total=set_total,
                lang=lang,
            )
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM to a batch with workers (see issue_batch)
        raise fail(
            "interrupted: every credential written so far is in the ledger; run the same command "
            "again to finish the batch",
            130,
        ) from None
    except ElmError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(describe_error(exc)) from None


@app.command(cls=JsonUsageErrorsCommand)
def issue(
    definition: Annotated[
        Path, typer.Argument(metavar="DEFINITION", help="Micro-credential definition (TOML, YAML or JSON)")
    ],
    results: Annotated[Path, typer.Argument(metavar="RESULTS", help="Course results from the SIS (CSV or XLSX)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("elmkit-out"),
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            help="Validation profile; repeat for several (default: by issuer country)",
        ),
    ] = None,
    stage: Annotated[str, typer.Option(help="Validation stage: draft, ready or sealed")] = "ready",
    lang: Annotated[
        str,
        typer.Option(help="Language of the findings' messages (en, es; ca, eu, gl, oc get es)"),
    ] = "en",
    ledger: Annotated[
        Path | None,
        typer.Option(
            help=f"Issuance ledger (SQLite file; default: {LEDGER_ENV} when set, else "
            "OUT/ledger.sqlite)",
            envvar=LEDGER_ENV,
        ),
    ] = None,
    images: Annotated[
        bool | None,
        typer.Option(
            "--images/--no-images",
            help="Render a display page per language (needs Pillow) (default: when Pillow is installed)",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=0, help="Worker processes (0: one per CPU, up to 4)")
    ] = 1,
    zip_bundle: Annotated[
        bool, typer.Option("--zip/--no-zip", help="Write a ZIP bundle of the outputs")
    ] = True,
    valid_from: Annotated[
        datetime | None,
        datetime_option(
            "Validity start of new credentials (ISO 8601; UTC unless an offset is given) (default: first issue time)",
        ),
    ] = None,
    seal: Annotated[
        bool, typer.Option("--seal/--no-seal", help="Seal every issued credential")
    ] = False,
    p12: Annotated[Path | None, typer.Option(help="Seal: PKCS#12 file")] = None,
    key: Annotated[Path | None, typer.Option(help="Seal: PEM private key")] = None,
    cert: Annotated[Path | None, typer.Option(help="Seal: PEM certificate chain")] = None,
    password: Annotated[
        str | None, typer.Option(help="Seal: key password", envvar="ELMKIT_SEAL_PASSWORD")
    ] = None,
    tsa: Annotated[str | None, typer.Option(help="Seal: RFC 3161 time-stamping URL (B-T)")] = None,
    status_list_url: Annotated[
        str | None, typer.Option(help="Seal: give each credential an entry on this status list")
    ] = None,
    allow_other_sealer: Annotated[
        bool,
        typer.Option(
            help="Seal: even when the seal certificate's organizationIdentifier is not the "
            "issuer's eIDAS identifier (verifiers then refuse the issuer's status lists for them)"
        ),
    ] = False,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="text, or json: one summary document for scripts"),
    ] = OutputFormat.text,
) -> None:
    """Issue one micro-credential per eligible learner.

    Exit status: 0 every eligible learner got a valid credential; 1 some credentials were invalid,
    some rows could not be read or a learner has rows with different results (see the manifest);
    2 the definition or results are unusable.
    """
    text = output is OutputFormat.text
    console = make_console(stderr=not text)  # with --format json, only the progress bar
    rows: list[ManifestRow] | None = None if text else []
    changed: list[ManifestRow] = []
    with failures_as_json(output, "issue"):
        when = as_utc(valid_from)
        if seal and images is False:  # sealing checks edc-ap at the sealed stage, which needs them
            raise fail("--seal needs the display pages that --no-images leaves out")
        given = {
            "--p12": p12, "--key": key, "--cert": cert, "--tsa": tsa,
            "--status-list-url": status_list_url, "--allow-other-sealer": allow_other_sealer or None,
        }  # fmt: skip
        unused = [name for name, value in given.items() if value is not None]
        if unused and not seal:
            verb = "applies" if len(unused) == 1 else "apply"
            raise fail(f"{', '.join(unused)} only {verb} when sealing: add --seal")
        if status_list_url is not None:
            _refuse_unfetchable_list(ledger or out / "ledger.sqlite", status_list_url)
        signer = _load_signer(p12, key, cert, password) if seal else None
        result = _run_batch(
            console,
            definition,
            results,
            out,
            profiles=profile,
            stage=stage,
            lang=lang,
            ledger=ledger or out / "ledger.sqlite",
            images=images,
            workers=workers or _default_workers(),
            zip_bundle=zip_bundle,
            valid_from=when,
            rows=rows,
            changed=changed,
        )
    if text:
        _summary(console, result, sealing=signer is not None, changed=changed)
        _where(console, result)
    status = result.exit_code
    sealed = None
    if signer is not None:
        with failures_as_json(output, "issue"):
            try:
                sealed = _seal(
                    result,
                    ledger or out / "ledger.sqlite",
                    signer,
                    tsa,
                    status_list_url,
                    allow_other_sealer=allow_other_sealer,
                )
            except KeyboardInterrupt:
                raise fail(
                    "interrupted while sealing: every credential is issued, and those sealed so "
                    "far are in the ledger; run the same command again to seal the rest",
                    130,
                ) from None
        _said_sealed(console if text else None, result, sealed, status_list_url)
        status = max(status, 0 if sealed.ok else 1)
    if rows is not None:
        print_json(_report("issue", status, result, rows, sealed))
    raise typer.Exit(status)


def _load_signer(
    p12: Path | None, key: Path | None, cert: Path | None, password: str | None
) -> Signer:
    """The seal's signer, loaded before anything is issued (a wrong password stops at once)."""
    from elmkit.cli.status import _signer
    from elmkit.errors import ElmError, MissingExtraError

    try:
        signer = _signer(key, cert, p12, password)
    except MissingExtraError:
        raise
    except (ElmError, OSError, ValueError) as exc:
        raise fail(f"cannot use the seal: {exc}") from None
    if signer is None:
        raise fail("--seal needs --p12, or --key and --cert")
    return signer


def _refuse_unfetchable_list(ledger: Path, status_list_url: str) -> None:
    """Refuse, before issuing, a new status list at a URL that verifiers will not fetch. The
    ledger is opened as the run that follows opens it, to write: one of an earlier schema is
    upgraded here, not refused as a ledger only read would be."""
    from elmkit.errors import ElmError
    from elmkit.ledger import open_ledger
    from elmkit.revocation import refuse_unfetchable_list

    try:
        store = open_ledger(ledger) if ledger.is_file() else None
    except ElmError as exc:
        raise fail(str(exc)) from None
    try:
        refuse_unfetchable_list(store, status_list_url)
    except ElmError as exc:
        raise fail(f"--status-list-url: {exc}") from None
    finally:
        if store is not None:
            store.close()


def _seal(
    result: BatchResult,
    ledger: Path,
    signer: Signer,
    tsa: str | None,
    status_list_url: str | None,
    *,
    allow_other_sealer: bool = False,
) -> SealedBatch:
    from elmkit.microcredentials.sealing import seal_batch

    return seal_batch(
        result.out_dir,
        signer,
        ledger=ledger,
        status_list_url=status_list_url,
        level="B-T" if tsa else "B-B",
        tsa=tsa,
        allow_other_sealer=allow_other_sealer,
    )


def _said_sealed(
    console: Console | None,
    result: BatchResult,
    sealed: SealedBatch,
    status_list_url: str | None,
) -> None:
    """Say what sealing did on ``console`` (None: not at all), and what needs attention on
    standard error."""
    if console is not None:
        show(
            console,
            "sealed: {} new, {} already sealed, {} failed{} -> {}/",
            len(sealed.sealed),
            sealed.already,
            len(sealed.failed),
            f", {len(sealed.withdrawn)} revoked or suspended" if sealed.withdrawn else "",
            result.out_dir / "sealed",
        )
    errors = make_console(stderr=True)
    for credential_id, reason in sealed.failed[:20]:
        show(errors, "  [red]{}[/]: {}", credential_id, reason)
    if sealed.stopped is not None:
        show(
            errors,
            "[red]sealing stopped: the signer failed, so {} credential(s) were not tried; what "
            "was sealed is recorded, and sealing again goes on from there[/]",
            sealed.not_reached,
        )
    if sealed.withdrawn:
        show(
            errors,
            "[yellow]{} not sealed: revoked or suspended in the ledger since issued; nothing "
            "was written for them, and the next issue run moves their files to withdrawn/[/]",
            len(sealed.withdrawn),
        )
        for credential_id, state in sealed.withdrawn[:20]:
            show(errors, "  [yellow]{}[/]: {}", credential_id, state)
    if sealed.without_status:
        show(
            errors,
            "[yellow]{} credential(s) sealed before have no entry on {}: that list cannot revoke "
            "them (their seal cannot change); e.g. {}[/]",
            len(sealed.without_status),
            status_list_url,
            sealed.without_status[0],
        )
    if sealed.missing:
        show(
            errors,
            "[yellow]{} credential(s) sealed before have no file in {}/ (deleted or moved): a "
            "credential is never sealed twice, so put back the sealed file you delivered; e.g. "
            "{}[/]",
            len(sealed.missing),
            result.out_dir / "sealed",
            sealed.missing[0],
        )


@app.command(cls=JsonUsageErrorsCommand)
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo")] = Path(
        "elmkit-demo"
    ),
    images: Annotated[
        bool | None,
        typer.Option(
            "--images/--no-images", help="Render display pages (default: when Pillow is installed)"
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=0, help="Worker processes (0: one per CPU, up to 4)")
    ] = 0,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="text, or json: one summary document for scripts"),
    ] = OutputFormat.text,
) -> None:
    """Issue the sample micro-credentials of a fictional Spanish university, offline.

    Writes the sample definition and SIS export to OUT/input/, then issues into OUT with a ledger
    at OUT/ledger.sqlite. Running it again reproduces the same files. The sample holds learners
    who did not pass and one malformed row on purpose; the exit status is 0 when every eligible
    learner got a valid credential.
    """
    from elmkit.microcredentials.demo import LEDGER_FILE, write_demo_inputs
    from elmkit.microcredentials.manifest import RowState

    text = output is OutputFormat.text
    console = make_console(stderr=not text)  # with --format json, only the progress bar
    rows: list[ManifestRow] | None = None if text else []
    changed: list[ManifestRow] = []
    with failures_as_json(output, "demo"):
        try:
            definition, results = write_demo_inputs(out / "input")
        except OSError as exc:
            raise fail(f"cannot write the demo inputs to {out}: {exc}") from None
        if text:
            show(console, "[bold]elmkit demo[/]: sample inputs in {}/", out / "input")
        result = _run_batch(
            console,
            definition,
            results,
            out,
            profiles=None,
            stage="ready",
            lang="en",
            ledger=out / LEDGER_FILE,
            images=images,
            workers=workers or _default_workers(),
            zip_bundle=True,
            valid_from=None,
            rows=rows,
            changed=changed,
        )
    status = 1 if result.invalid or result.counts.get(RowState.ERROR, 0) else 0
    if rows is not None:
        print_json(_report("demo", status, result, rows))
        raise typer.Exit(status)
    _summary(console, result, changed=changed)
    _where(console, result)
    first = next((row for row in _manifest_rows(result) if row.get("state") == "issued"), None)
    if first is not None:
        import shlex

        def arg(path: Path) -> str:  # as a shell reads it back: "dé mo/x" stays one argument
            return shlex.quote(str(path))

        ledger_arg = f" --ledger {arg(out / LEDGER_FILE)}"
        console.print("\nNext:")
        show(console, "  elmkit history {}{}", first["credential_id"], ledger_arg, soft_wrap=True)
        show(console, "  elmkit ledger{}", ledger_arg, soft_wrap=True)
        show(console, "  elmkit validate {}", arg(out / first["file"]), soft_wrap=True)
        show(
            console,
            "  elmkit record uploaded --manifest {}{}   # once uploaded to Europass",
            arg(result.manifest_csv),
            ledger_arg,
            soft_wrap=True,
        )
    if status:
        raise typer.Exit(status)


def _manifest_rows(result: BatchResult) -> list[dict[str, str]]:
    from elmkit.cli.ledger import csv_rows

    return csv_rows(result.manifest_csv)
