"""``elmkit history``, ``elmkit ledger`` and ``elmkit record``: the issuance ledger."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from elmkit.cli import (
    EXIT_OUTPUT_CLOSED,
    LEDGER_ENV,
    JsonUsageErrorsCommand,
    LedgerOption,
    OutputFormat,
    app,
    as_utc,
    cell,
    datetime_option,
    describe_error,
    fail,
    failures_as_json,
    is_stdin,
    make_console,
    print_json,
    refuse_not_unicode,
    same_file,
    show,
)

if TYPE_CHECKING:
    from elmkit.ledger import LedgerStore


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a manifest CSV."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:  # with or without a BOM
        return list(csv.DictReader(handle))


@contextmanager
def open_existing(path: Path, *, reading: bool = False) -> Iterator[LedgerStore]:
    """The ledger at ``path``, which must exist; for ``reading`` only, also from a folder or file
    this process cannot write to."""
    import os

    from elmkit.errors import ElmError
    from elmkit.ledger import open_ledger

    if not path.is_file():
        raise fail(f"no ledger at {path} (use --ledger PATH or set {LEDGER_ENV})")
    if path.stat().st_size == 0:  # opening would make it a ledger: reading must change nothing
        raise fail(f"{path} is empty, not a ledger")
    writable = os.access(path, os.W_OK) and os.access(path.absolute().parent, os.W_OK)
    try:
        store = open_ledger(path, read_only=reading and not writable)
    except ElmError as exc:
        hint = (
            ""
            if writable or reading
            else " (this command writes to the ledger, and its file or folder cannot be written "
            "to; history, ledger and status-list publish can read it there)"
        )
        raise fail(f"{exc}{hint}") from None
    try:
        yield store
    except ElmError as exc:  # a ledger that cannot be read (damaged file, unknown values)
        message = str(exc)
        raise fail(message if str(path) in message else f"{path}: {message}") from None
    finally:
        store.close()


@app.command(cls=JsonUsageErrorsCommand)
def history(
    credential_id: Annotated[str, typer.Argument(metavar="CREDENTIAL_ID", help="Credential id (or a learner id)")],
    ledger: LedgerOption = Path("ledger.sqlite"),
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json")] = OutputFormat.text,
) -> None:
    """Show everything the ledger knows about one credential."""
    from elmkit.ledger import credential_history, history_table

    console = make_console()
    with failures_as_json(output, "history"), open_existing(ledger, reading=True) as store:
        credential_id = credential_of(store, credential_id, ledger)
        found = credential_history(store, credential_id)
    if output is OutputFormat.json:
        print_json(found.to_dict())
    else:
        console.print(history_table(found))


class LedgerFormat(StrEnum):
    """What ``elmkit ledger --format`` takes: text, JSON, or CSV for spreadsheets."""

    text = "text"
    json = "json"
    csv = "csv"


#: What ``elmkit ledger`` lists at most, unless ``--limit`` says otherwise (a CSV: everything).
LEDGER_LIMIT = 200


@app.command("ledger", cls=JsonUsageErrorsCommand)
def ledger_command(
    learner: Annotated[str | None, typer.Option(help="Only this learner's credentials")] = None,
    definition: Annotated[
        str | None, typer.Option(help="Only this definition's credentials")
    ] = None,
    version: Annotated[
        str | None,
        typer.Option(
            "--definition-version",
            help="With --definition: only the credentials of this version of it",
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(help="Only credentials in this state (generated, exported, sealed…)"),
    ] = None,
    since: Annotated[
        datetime | None,
        datetime_option(
            "Only what happened from this time on (ISO 8601; UTC unless an offset is "
            "given): credentials with an event since then, events since then",
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        datetime_option(
            "Only what happened before this time (excluded; ISO 8601, UTC unless an "
            "offset is given)",
        ),
    ] = None,
    ledger: LedgerOption = Path("ledger.sqlite"),
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help=f"Most credentials or events listed (default: {LEDGER_LIMIT}; with --format "
            "csv, all of them)",
        ),
    ] = None,
    output: Annotated[
        LedgerFormat,
        typer.Option(
            "--format",
            help="text, json, or csv (a row per credential, or per event of --since/--until "
            "with no other filter)",
        ),
    ] = LedgerFormat.text,
    out: Annotated[
        str | None,  # as given: "./-" is a file, "-" standard output
        typer.Option(
            "--out",
            "-o",
            metavar="PATH",
            help="With --format csv: write this file (whole or not at all), not standard output "
            "(- is standard output)",
        ),
    ] = None,
    bom: Annotated[
        bool,
        typer.Option(
            "--bom/--no-bom",
            help="With --format csv: begin with a UTF-8 byte order mark, for Excel",
        ),
    ] = False,
) -> None:
    """List the credentials of the ledger (counts per state when no filter is given).

    --since/--until alone count the events of that time per definition and type; with other
    filters, they list the credentials that have an event in that time."""
    from dataclasses import asdict
    from itertools import islice

    from rich.table import Table

    from elmkit.errors import ElmError
    from elmkit.ledger import (
        CredentialState,
        activity_table,
        ledger_activity,
        ledger_summary,
        summary_table,
    )

    console = make_console()
    as_csv = output is LedgerFormat.csv
    with failures_as_json(output, "ledger"):
        if not as_csv:
            given = [name for name, value in (("--out", out), ("--bom", bom or None)) if value]
            if given:
                verb = "applies" if len(given) == 1 else "apply"
                raise fail(f"{' and '.join(given)} only {verb} to --format csv")
        if version is not None and definition is None:
            raise fail("--definition-version goes with --definition (the version of which definition?)")
        for given_text, what in ((learner, "--learner"), (definition, "--definition")):
            if given_text is not None:
                refuse_not_unicode(given_text, what)
        if state is not None and state not in {s.value for s in CredentialState}:
            known = ", ".join(s.value for s in CredentialState)
            raise fail(f"--state: unknown state {state!r}: use one of {known}")
        low, high = as_utc(since), as_utc(until)
        if low is not None and high is not None and low >= high:
            raise fail(
                f"--since {low.isoformat()} is not before --until {high.isoformat()}: nothing "
                "can happen in that time (--until is excluded: for the one day 2026-03-01, give "
                "--since 2026-03-01 --until 2026-03-02)"
            )
        target = None if out is None or is_stdin(out) else Path(out)
        if target is not None and same_file(ledger, target):
            raise fail(f"--out {target} is the ledger: write the CSV to another file")
        filtered = learner is not None or definition is not None or state is not None
        window = low is not None or high is not None
        with open_existing(ledger, reading=True) as store:
            if definition is not None:
                definition = _check_definition(store, ledger, definition, version)
            if learner is not None:
                learner = _stored_learner(store, learner)
            filters: dict[str, Any] = {
                "learner_id": learner,
                "definition_id": definition,
                "definition_version": version,
                "state": state,
                "events_since": low,
                "events_until": high,
            }
            if as_csv:
                _ledger_csv(store, target, bom, limit, filters, events=window and not filtered)
                return
            if not filtered:
                if window:
                    activity = ledger_activity(store, since=low, until=high)
                    if output is LedgerFormat.json:
                        print_json(activity.to_dict())
                    else:
                        console.print(activity_table(activity))
                    return
                summary = ledger_summary(store)
                if output is LedgerFormat.json:
                    print_json(summary.to_dict())
                else:
                    console.print(summary_table(summary))
                return
            shown = LEDGER_LIMIT if limit is None else limit
            try:
                rows = list(islice(store.credentials(**filters), shown + 1))
            except ElmError as exc:
                raise fail(str(exc)) from None
    if output is LedgerFormat.json:
        listed = {"credentials": [asdict(item) for item in rows[:shown]], "more": len(rows) > shown}
        print_json(listed)
        return
    table = Table(
        title=f"{min(len(rows), shown)} credential(s)"
        + (" (more not shown)" if len(rows) > shown else "")
        + (f" with an event {_period(low, high)}" if window else "")
    )
    for column in ("credential", "learner", "definition", "state", "events", "updated (UTC)"):
        table.add_column(column, overflow="fold")  # ids whole in a narrow COLUMNS too
    for item in rows[:shown]:
        table.add_row(
            cell(item.credential_id),
            cell(item.learner_id),
            cell(f"{item.definition_id}@{item.definition_version}"),
            item.state.value,
            str(item.event_count),
            item.updated_at.replace("T", " ").removesuffix("Z")[:19],
        )
    console.print(table)


def _period(low: datetime | None, high: datetime | None) -> str:
    """``--since``/``--until`` in words, in UTC."""

    def moment(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    since = "" if low is None else f"from {moment(low)}"
    until = "" if high is None else f"before {moment(high)}"
    return " ".join(part for part in (since, until) if part) + " (UTC)"


def _spellings(text: str) -> list[str]:
    """``text`` as given, then in the other Unicode normal forms it has: an accent typed as one
    character or as a letter and a combining mark (a name pasted from a macOS file name), so
    that ids are found as the ledger holds them."""
    import unicodedata

    forms = [text]
    for form in ("NFC", "NFD"):
        other = unicodedata.normalize(form, text)
        if other not in forms:
            forms.append(other)
    return forms


def _stored_learner(store: LedgerStore, learner: str) -> str:
    """The spelling of ``learner`` the ledger holds credentials of (as given when none)."""
    for spelling in _spellings(learner):
        if next(iter(store.credentials(learner_id=spelling)), None) is not None:
            return spelling
    return learner


def _stored_definition(store: LedgerStore, definition: str) -> str:
    """The spelling of the definition id ``definition`` the ledger holds (as given when none)."""
    return _spelling_in(definition, {item.definition_id for item in store.definitions()})


def _spelling_in(text: str, held: Collection[str]) -> str:
    """The spelling of ``text`` (see :func:`_spellings`) that ``held`` holds, or ``text``."""
    return next((spelling for spelling in _spellings(text) if spelling in held), text)


def _check_definition(
    store: LedgerStore, ledger: Path, definition: str, version: str | None
) -> str:
    """The definition id as the ledger holds it; refuse a ``--definition`` (or
    ``--definition-version`` of it) the ledger does not hold: a mistyped id is no definition
    without credentials."""
    from elmkit.errors import ElmError

    try:
        held = [(item.definition_id, item.version) for item in store.definitions()]
    except ElmError as exc:
        raise fail(str(exc)) from None
    known = sorted({definition_id for definition_id, _ in held})
    definition = _spelling_in(definition, known)
    versions = [held_version for definition_id, held_version in held if definition_id == definition]
    if not versions:
        holds = ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
        raise fail(
            f"--definition: no definition {definition!r} in {ledger} "
            f"({'it holds ' + holds if known else 'it holds none'})"
        )
    if version is not None and version not in versions:
        raise fail(
            f"--definition-version: {definition} has no version {version!r} in {ledger} (it has "
            f"{', '.join(versions)})"
        )
    return definition


def _ledger_csv(
    store: LedgerStore,
    out: Path | None,
    bom: bool,
    limit: int | None,
    filters: dict[str, Any],
    *,
    events: bool,
) -> None:
    """Write the CSV of ``elmkit ledger`` to ``out`` or standard output: the credentials of
    ``filters``, or with ``events`` the events of their window (``events_since``,
    ``events_until``)."""
    import io
    import sys

    from elmkit.errors import ElmError
    from elmkit.ledger.export import export_credentials, export_events

    def write(stream: io.TextIOWrapper) -> tuple[int, bool]:
        if events:
            since, until = filters["events_since"], filters["events_until"]
            return export_events(store, stream, since=since, until=until, limit=limit)
        return export_credentials(store, stream, limit=limit, **filters)

    encoding = "utf-8-sig" if bom else "utf-8"
    try:
        if out is None:
            sys.stdout.flush()
            stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
            try:
                written, more = write(stream)
                stream.flush()
            finally:
                stream.detach()
        else:
            from elmkit.microcredentials.files import AtomicWriter

            with AtomicWriter(out) as target:
                stream = io.TextIOWrapper(target.file, encoding=encoding, newline="")
                try:
                    written, more = write(stream)
                    stream.flush()
                finally:
                    stream.detach()
    except BrokenPipeError:
        _stdout_closed()
    except ElmError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write the CSV: {describe_error(exc)}") from None
    if more:
        show(
            make_console(stderr=True),
            "[yellow]note:[/] {} row(s) written; more were left out (--limit {})",
            written,
            limit,
        )


def _stdout_closed() -> NoReturn:
    """Stop as a command whose reader stopped reading does (exit 141), standard output sent
    nowhere so that the interpreter's last flush of it says nothing."""
    import contextlib
    import sys

    with contextlib.suppress(OSError, ValueError):  # ValueError: no file descriptor behind it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(EXIT_OUTPUT_CLOSED)


#: The hand-offs that happen outside elmkit and can be recorded by hand.
RECORDABLE = ("exported", "downloaded", "uploaded", "sealed", "sent")


def _manifest_targets(path: Path, event: str) -> list[tuple[str, str | None]]:
    """``(credential id, sha256)`` of every issued row of a batch manifest (JSON or CSV); the
    Europass upload file's digest for ``uploaded``, the JSON-LD file's otherwise."""
    from elmkit.microcredentials.manifest import RowState, read_manifest

    not_a_manifest = f"{path}: not a batch manifest (manifest.json or manifest.csv of elmkit issue)"
    if not path.is_file():
        raise fail(f"{path}: no such file")
    try:
        rows = csv_rows(path) if path.suffix.lower() == ".csv" else read_manifest(path)
    except (ValueError, KeyError, TypeError, IndexError):
        raise fail(not_a_manifest) from None
    except OSError as exc:
        raise fail(f"cannot read the manifest {path}: {exc.strerror or exc}") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise fail(not_a_manifest)
    key = "upload_sha256" if event == "uploaded" else "sha256"
    targets = []
    for number, row in enumerate(rows, start=1):
        if row.get("state") != RowState.ISSUED.value:
            continue
        credential_id = row.get("credential_id")
        if not credential_id:
            raise fail(f"{path}: issued row {row.get('row') or number} has no credential id")
        targets.append((str(credential_id), row.get(key) or None))
    return targets


@app.command()
def record(
    event: Annotated[str, typer.Argument(metavar="EVENT", help=f"What happened: {', '.join(RECORDABLE)}")],
    credential_ids: Annotated[
        list[str] | None, typer.Argument(metavar="CREDENTIAL_ID", help="Credential ids (or learner ids)")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="Every credential a batch issued (its manifest.json or manifest.csv)"),
    ] = None,
    definition: Annotated[
        str | None, typer.Option(help="Every credential of this definition (see --state)")
    ] = None,
    state: Annotated[
        str | None, typer.Option(help="With --definition: only credentials in this state")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="The document concerned, whose sha256 is recorded (one credential)"),
    ] = None,
    actor: Annotated[str, typer.Option(help="Who did it (recorded in the ledger)")] = "elmkit",
    note: Annotated[str | None, typer.Option(help="A note kept with the event")] = None,
    at: Annotated[
        datetime | None,
        datetime_option(
            "When it happened (ISO 8601; UTC unless an offset is given) (default: now)",
        ),
    ] = None,
    ledger: LedgerOption = Path("ledger.sqlite"),
    skip_refused: Annotated[
        bool,
        typer.Option(
            "--skip-refused",
            help="Record the event for every credential that accepts it, and list the others "
            "(revoked, suspended, regenerated since), instead of recording none",
        ),
    ] = False,
) -> None:
    """Record what happened to credentials outside elmkit (uploaded, sent…).

    Uploaded to Europass, sent to the learner…: all events are recorded, or none (with
    --skip-refused: each credential that accepts it, exit 1 when some did not)."""
    from elmkit.errors import ElmError
    from elmkit.ledger import CredentialState, sha256_hex

    console = make_console()
    if event not in RECORDABLE:
        raise fail(
            f"cannot record {event!r} by hand: choose one of {', '.join(RECORDABLE)} "
            "(revoke and suspend have commands of their own)",
        )
    chosen = [bool(credential_ids), manifest is not None, definition is not None]
    if sum(chosen) != 1:
        raise fail("name the credentials one way: ids, --manifest or --definition")
    if state is not None and definition is None:
        raise fail("--state goes with --definition")
    for given in credential_ids or ():
        refuse_not_unicode(given, "CREDENTIAL_ID")
    known = [s.value for s in CredentialState]
    if state is not None and state not in known:
        raise fail(f"unknown state {state!r}: use one of {', '.join(known)}")
    digest: str | None = None
    if file is not None:
        if manifest is not None or definition is not None or len(credential_ids or ()) != 1:
            raise fail("--file goes with exactly one credential id")
        if not file.is_file():
            raise fail(f"{file}: not a regular file")
        try:
            digest = sha256_hex(file.read_bytes())
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    elif event == "sealed":  # a manifest lists the unsealed files: their digests would be wrong
        raise fail(
            "'sealed' needs the sealed document: --file SEALED.json, one credential at a time "
            "(elmkit issue --seal records sealing itself)",
        )
    detail = {"note": note} if note else None
    when = as_utc(at)
    if when is not None and when > datetime.now(UTC) + timedelta(minutes=5):
        # the history is append-only: a mistyped year would stay in it for good
        raise fail(f"--at {when.isoformat()} is in the future: record what has happened")
    with open_existing(ledger) as store:
        try:
            if manifest is not None:
                targets = _manifest_targets(manifest, event)
            elif definition is not None:
                definition = _stored_definition(store, definition)
                targets = [
                    (c.credential_id, None)
                    for c in store.credentials(definition_id=definition, state=state)
                ]
            else:
                targets = [
                    (credential_of(store, item, ledger), digest)
                    for item in credential_ids or ()
                ]
            if not targets:
                raise fail("no credential matches", 1)
            if file is not None:
                loaded = _check_document_of(file, targets[0][0], sealed=event == "sealed")
                if event == "sealed" and not _superseded(store, targets, file):
                    _refuse_superseded_index(store, file, loaded)  # sealed again: a new digest
            if skip_refused:
                refused = _record_each(store, targets, event, actor, detail, when, manifest or file)
            else:
                _refuse_superseded_documents(store, targets, event, manifest or file)
                with store.transaction():
                    for credential_id, sha in targets:
                        store.record(credential_id, event, actor, sha, detail, when)
                refused = []
        except ElmError as exc:
            done = "nothing more was recorded" if skip_refused else "nothing was recorded"
            raise fail(f"{exc} ({done})", 1) from None
    show(
        console,
        "recorded {} for {} credential(s) in {}",
        repr(event),
        len(targets) - len(refused),
        ledger,
    )
    if refused:
        errors = make_console(stderr=True)
        show(errors, "[yellow]{} credential(s) refused {}:[/]", len(refused), repr(event))
        for credential_id, why in refused:
            show(errors, "  [yellow]{}[/]: {}", credential_id, why)
        raise typer.Exit(1)


def _record_each(
    store: LedgerStore,
    targets: list[tuple[str, str | None]],
    event: str,
    actor: str,
    detail: dict[str, Any] | None,
    when: datetime | None,
    source: Path | None,
) -> list[tuple[str, str]]:
    """Record ``event`` for each credential of ``targets`` on its own; ``(credential id, why)``
    of those that refuse it: a state that does not take it, a credential the ledger does not
    hold, a ``when`` before it entered the ledger, or the document it had before it was
    regenerated."""
    from elmkit.ledger import InvalidTransitionError, UnknownCredentialError
    from elmkit.ledger.model import utc_timestamp

    superseded = dict(_superseded(store, targets, source))
    moment = None if when is None else utc_timestamp(when)
    refused: list[tuple[str, str]] = []
    for credential_id, sha in targets:
        if credential_id in superseded:
            refused.append(
                (
                    credential_id,
                    f"{source} holds it as it was before it was regenerated at "
                    f"{superseded[credential_id]}: hand over the current file",
                )
            )
            continue
        found = store.get_credential(credential_id) if moment is not None else None
        if found is not None and moment is not None and moment < found.created_at:
            refused.append(
                (credential_id, f"--at {moment} is before it entered the ledger ({found.created_at})")
            )
            continue
        try:
            store.record(credential_id, event, actor, sha, detail, when)
        except (InvalidTransitionError, UnknownCredentialError) as exc:
            refused.append((credential_id, str(exc)))
    return refused


def _check_document_of(
    file: Path, credential_id: str, *, sealed: bool = False
) -> Any:
    """The credential a ``--file`` holds. Refuse one that does not hold ``credential_id``
    (another learner's file, say), or that is not sealed when ``sealed`` (whose digest would be
    recorded as the sealed one's)."""
    from elmkit.errors import ElmError
    from elmkit.serializers import load

    try:
        loaded = load(file)
    except ElmError as exc:
        raise fail(f"{file}: not a credential document ({exc}); nothing was recorded", 1) from None
    if sealed and getattr(loaded.origin, "kind", None) != "sealed":
        raise fail(f"{file} is not a sealed document; nothing was recorded", 1)
    held = loaded.id
    if held != credential_id:
        raise fail(
            f"{file} holds the credential {held!r}, not {credential_id!r}; nothing was recorded",
            1,
        )
    return loaded


def _refuse_superseded_index(store: LedgerStore, file: Path, credential: Any) -> None:
    """Refuse a sealed ``file`` whose status entry is an index the ledger superseded when the
    credential was regenerated: it seals the document as it was before the correction (sealed
    again, its digest is new), and that index is set on its list for good."""
    entry = getattr(credential, "credential_status", None)
    if entry is None:
        return
    fields = entry.model_dump(by_alias=True, mode="json", exclude_none=True)
    url, index = fields.get("statusListCredential"), str(fields.get("statusListIndex"))
    for held in store.status_entries_for(credential.id):
        if held.list_url == url and str(held.index) == index and held.superseded_at:
            raise fail(
                f"{file} carries index {index} of {url}, superseded when {credential.id} was "
                f"regenerated at {held.superseded_at} (a corrected grade or name): it seals the "
                "document as it was before, and that seal verifies as revoked once the list is "
                "published. Seal the current document (elmkit issue --seal seals it with a new "
                "index); nothing was recorded",
                1,
            )


def _refuse_superseded_documents(
    store: LedgerStore, targets: list[tuple[str, str | None]], event: str, source: Path | None
) -> None:
    """Refuse to record ``event`` with the digest of a document a credential had before it was
    regenerated (the manifest or a file of an earlier run, kept from a first upload): the
    ledger would say that the corrected credential was handed over, and a registrar looking for
    what is still to upload or send would pass it over."""
    superseded = _superseded(store, targets, source)
    if not superseded:
        return
    if len(superseded) == 1:
        ((credential_id, at),) = superseded
        held_there = f"holds {credential_id} as it was before it was regenerated at {at}"
    else:
        listed = ", ".join(f"{cid} (regenerated at {at})" for cid, at in superseded[:5])
        more = f" and {len(superseded) - 5} more" if len(superseded) > 5 else ""
        held_there = (
            f"holds {len(superseded)} credentials as they were before they were regenerated: "
            f"{listed}{more}"
        )
    raise fail(
        f"{source} {held_there} (a corrected grade or name, a new definition version): hand "
        f"over the current files, those of the run that regenerated them, and record {event!r} "
        "with those; nothing was recorded",
        1,
    )


def _superseded(
    store: LedgerStore, targets: list[tuple[str, str | None]], source: Path | None
) -> list[tuple[str, str]]:
    """``(credential id, when it was regenerated)`` of the targets whose digest from ``source``
    (a manifest or file; None: no digest to check) is of a document the credential had before
    it was last regenerated."""
    from elmkit.ledger import UnknownCredentialError

    if source is None:
        return []
    superseded: list[tuple[str, str]] = []
    for credential_id, digest in targets:
        if digest is None:
            continue
        try:
            history = store.history(credential_id)
        except UnknownCredentialError:
            continue  # refused when its event is recorded
        regenerated = [e for e in history if e.event.value == "regenerated"]
        if not regenerated:
            continue
        last = regenerated[-1]
        held = [e for e in history if e.sha256 == digest]
        if held and all(e.n < last.n for e in held):
            superseded.append((credential_id, last.at))
    return superseded


def credential_of(store: LedgerStore, name: str, ledger: Path) -> str:
    """The credential ``name`` is, or the only credential of the learner ``name`` (in the
    Unicode normal form the ledger holds it in)."""
    for spelling in _spellings(name):
        if store.get_credential(spelling) is not None:
            return spelling
    found = list(store.credentials(learner_id=_stored_learner(store, name)))
    if len(found) == 1:
        return found[0].credential_id
    if found:
        failure = fail(
            f"learner {name} has {len(found)} credentials: give one of their ids "
            f"({', '.join(item.credential_id for item in found)})",
            1,
        )
        errors = make_console(stderr=True)
        for item in found:
            show(errors, "  {}  {}  {}", item.credential_id, item.definition_id, item.state.value)
        raise failure
    raise fail(f"no credential {name!r} in {ledger}", 1)
