"""The ``elmkit`` command line."""

from __future__ import annotations

import functools
import importlib
import io
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

app = typer.Typer(
    name="elmkit",
    help="European Learning Model (ELM 3.2): issue, validate, seal, verify and revoke European Digital Credentials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        from elmkit import __version__

        typer.echo(f"elmkit {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print elmkit's version and exit",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Options of ``elmkit`` itself, before the command (the help is :data:`app`'s)."""


class OutputFormat(StrEnum):
    """What ``--format`` takes: text for people, JSON for scripts."""

    text = "text"
    json = "json"


class ReportFormat(StrEnum):
    """What ``--format`` of a command that reports on each file takes: text; one JSON document
    (an object for one file, an array for several); or JSON Lines, an object per file, each on
    its own line as soon as that file is done."""

    text = "text"
    json = "json"
    jsonl = "jsonl"


ReportFormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        help="text; json (an object for one file, an array for several); jsonl (an object per "
        "file, a line each)",
    ),
]


def print_json(document: Any) -> None:
    """Write ``document`` on standard output as the one JSON document a ``--format json``
    command prints (indented, characters kept; a value JSON has no type for as its text)."""
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def print_json_record(document: Any, output: str) -> None:
    """Write ``document`` as ``output`` prints a JSON record: a document for ``json``, a line
    for ``jsonl``; nothing for ``text``."""
    if output == "jsonl":
        typer.echo(json.dumps(document, ensure_ascii=False, default=str))
    elif output == "json":
        print_json(document)


class Failure(typer.Exit):
    """An exit whose reason was said on standard error (kept for ``--format json``)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(code)
        self.message = message


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say ``message`` on standard error and give the exit to raise."""
    show(make_console(stderr=True), "[bold red]error:[/] {}", message, soft_wrap=True)
    return Failure(message, code)


@contextmanager
def failures_as_json(output: str, command: str) -> Iterator[None]:
    """With a JSON ``--format``, a command that stops on an error it said on standard error (a
    refused value, an unusable definition, a missing extra, an interrupt) also prints
    ``{"command", "exit_status", "error"}`` on standard output: a document, or a line for
    ``jsonl``."""
    from elmkit.errors import MissingExtraError

    try:
        yield
    except Failure as exc:
        print_json_record({"command": command, "exit_status": exc.exit_code, "error": exc.message}, output)
        raise
    except MissingExtraError as exc:  # said and exited 2 by the entry point
        print_json_record({"command": command, "exit_status": 2, "error": str(exc)}, output)
        raise


def _format_asked(args: Sequence[str]) -> str | None:
    """The value of the last ``--format`` among a command's arguments, as click takes it."""
    chosen = None
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        if token == "--format":
            chosen = next(tokens, None)
        elif token.startswith("--format="):
            chosen = token.partition("=")[2]
    return chosen


#: click's error for a refused option, value or argument (the base of :class:`typer.BadParameter`),
#: from whichever copy of click typer uses.
_USAGE_ERROR: type[Exception] = typer.BadParameter.__mro__[1]


class JsonUsageErrorsCommand(TyperCommand):
    """A command whose refused options, values and arguments (an unknown option, a missing
    FILE, a date that does not parse…) also print ``{"command", "exit_status", "error"}`` on
    standard output when ``--format json`` or ``jsonl`` was asked, as its other errors do."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click's Context, of either copy
        asked = _format_asked(args)
        try:
            return super().parse_args(ctx, args)
        except _USAGE_ERROR as exc:
            if asked in ("json", "jsonl") and self._takes_format(asked, ctx):
                message = getattr(exc, "format_message", exc.__str__)()
                code = getattr(exc, "exit_code", 2)
                print_json_record(
                    {"command": ctx.info_name, "exit_status": code, "error": message},
                    ReportFormat(asked),
                )
            raise

    def _takes_format(self, value: str, ctx: Any) -> bool:
        """Whether this command's ``--format`` takes ``value``."""
        for param in self.params:
            if "--format" in getattr(param, "opts", ()):
                try:
                    param.process_value(ctx, value)
                except _USAGE_ERROR:
                    return False
                return True
        return False


class FileReports:
    """The reports of a command's files in a JSON ``--format``: JSON Lines as each comes,
    or one document at the end (an object for one file, an array for several)."""

    def __init__(self, output: ReportFormat) -> None:
        self.output = output
        self.kept: list[dict[str, Any]] = []

    def add(self, report: dict[str, Any]) -> None:
        if self.output is ReportFormat.jsonl:
            typer.echo(json.dumps(report, ensure_ascii=False, default=str))
        elif self.output is ReportFormat.json:
            self.kept.append(report)

    def close(self) -> None:
        if self.output is ReportFormat.json:
            shown = self.kept if len(self.kept) != 1 else self.kept[0]
            print_json(shown)


#: Environment variable naming the ledger file for every command that takes ``--ledger``.
LEDGER_ENV = "ELMKIT_LEDGER"

#: The ``--ledger`` option of the commands that read or write an existing ledger.
LedgerOption = Annotated[
    Path, typer.Option("--ledger", help="Issuance ledger (SQLite file)", envvar=LEDGER_ENV)
]


def same_file(source: Path, target: Path) -> bool:
    """Whether writing ``target`` would replace ``source`` (the same path, a link to it…)."""
    try:
        return target.exists() and source.exists() and os.path.samefile(source, target)
    except OSError:
        return source.resolve() == target.resolve()


#: What the help of an option that takes a date-time shows as its value.
DATETIME_METAVAR = "<ISO 8601>"


def datetime_option(help: str) -> Any:
    """A ``typer.Option`` that reads an ISO 8601 date-time (see :func:`parse_datetime`)."""
    return typer.Option(help=help, parser=parse_datetime, metavar=DATETIME_METAVAR)


def refuse_not_unicode(value: str, what: str) -> None:
    """Refuse (exit 2) a value read from bytes that are not UTF-8: no ledger text can be it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(
            f"{what} {value!r} is not Unicode text: what remains of bytes that are not UTF-8 "
            "(give it as UTF-8)"
        ) from None


def parse_datetime(value: str | datetime) -> datetime:
    """The value of an option that takes a date-time (``--valid-from``, ``--at``): an ISO 8601
    date or date-time, with or without an offset or ``Z``, minutes or fractions of a second
    (``date -Iseconds``, ``date -Iminutes``, PowerShell's ``Get-Date -Format o``), the same for
    every command."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 date or date-time (2026-11-18, 2026-11-18T10:00:00Z, "
            "2026-11-18T10:00:00+01:00)"
        ) from None


def describe_error(exc: BaseException) -> str:
    """A one-line message for an error: an OS error as "reason: file", not "[Errno N] …"."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


#: What FILE ``-`` (standard input) is called in messages and reports.
STDIN_NAME = "<stdin>"


def is_stdin(argument: str) -> bool:
    """Whether a FILE argument, as given, is ``-``: standard input (``./-`` is a file)."""
    return argument == "-"


def file_name(argument: str) -> str:
    """A FILE argument as messages and reports name it."""
    return STDIN_NAME if is_stdin(argument) else str(Path(argument))


def refuse_repeated_stdin(arguments: Sequence[str]) -> None:
    """Refuse ``-`` given more than once: standard input can be read only once."""
    if sum(map(is_stdin, arguments)) > 1:
        raise fail(f"- ({STDIN_NAME}) is given more than once: standard input can be read only once")


def read_stdin(max_bytes: int) -> bytes:
    """Standard input's bytes for FILE ``-``, refusing more than ``max_bytes`` as a file's, and
    a standard input that is closed or cannot be read as a file that cannot be read."""
    from elmkit.errors import DocumentTooLargeError, SourceError

    try:
        data = typer.get_binary_stream("stdin").read(max_bytes + 1)
    except RuntimeError:  # no standard input at all (started with it closed: ``<&-``)
        raise SourceError("cannot be read: standard input is closed") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SourceError(f"cannot be read: {reason}") from None
    if len(data) > max_bytes:
        raise DocumentTooLargeError(f"{STDIN_NAME} has more than {max_bytes} bytes")
    return data


#: Width of text output that goes to no terminal and no ``COLUMNS``: wide enough that ids, paths
#: and table cells are printed whole for logs and scripts (rich would cut them at 80).
UNWRAPPED_WIDTH = 400


#: Exit status when whatever read standard output stopped reading (``elmkit … | head``): what
#: a shell reports for a command ended by SIGPIPE, so that it is not taken for a failed check.
EXIT_OUTPUT_CLOSED = 141


@functools.cache
def _console_class() -> type[Console]:
    from rich.console import Console

    class ElmkitConsole(Console):
        """rich's console, exiting :data:`EXIT_OUTPUT_CLOSED` (not 1) on a closed pipe."""

        def on_broken_pipe(self) -> None:
            try:
                super().on_broken_pipe()  # stops further output, then exits 1
            except SystemExit:
                raise SystemExit(EXIT_OUTPUT_CLOSED) from None

    return ElmkitConsole


def make_console(*, stderr: bool = False) -> Console:
    """The console commands print to (``stderr`` for diagnostics, so that standard output holds
    only results): emoji codes and highlighting off, so values print as given."""
    import os
    import sys

    stream = sys.stderr if stderr else sys.stdout
    unwrapped = not stream.isatty() and not os.environ.get("COLUMNS")
    return _console_class()(
        highlight=False, emoji=False, stderr=stderr, width=UNWRAPPED_WIDTH if unwrapped else None
    )


def show(console: Console, template: str, *values: object, **options: Any) -> None:
    """Print console markup ``template`` with each ``{}`` replaced by the next value, printed
    exactly as written: brackets, backslashes and emoji codes in values are not markup."""
    from rich.text import Text

    text = Text.from_markup(template, emoji=False)
    plain = text.plain
    line = Text()
    start = 0
    for value in values:
        slot = plain.index("{}", start)
        line.append_text(text[start:slot])
        line.append(str(value), style=text.get_style_at_offset(console, slot))
        start = slot + 2
    line.append_text(text[start:])
    console.print(line, **options)


def cell(value: object) -> Text:
    """A table cell printed exactly as written (not markup)."""
    from rich.text import Text

    return Text(str(value))


def as_utc(value: datetime | None) -> datetime | None:
    """``value``, in UTC when it names no time zone."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


#: Modules that add their commands to :data:`app` when imported.
COMMAND_MODULES = (
    "elmkit.cli.validate",
    "elmkit.cli.issue",
    "elmkit.cli.ledger",
    "elmkit.cli.seal",
    "elmkit.cli.status",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def _terminate_as_interrupt() -> None:
    """Stop on SIGTERM (``timeout``, a CI job cancelled, a job queue's or a supervisor's stop) as
    on Ctrl-C: temporary files are removed, ``issue`` says what was done and how to finish it
    (also in its ``--format json`` document) and the exit status is 130, with or without
    ``--workers``, instead of a process killed with its temporary files left behind."""
    import signal
    import threading

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():  # where signals are handled
        signal.signal(signal.SIGTERM, interrupt)


def _null_for_closed_streams() -> None:
    """Give /dev/null to standard input, output and error when the process started with them
    closed (``>&-``, some service managers): no file opened later (the ledger, a CSV) can take
    their descriptors and receive what is printed, and what is printed goes nowhere, as
    Python's own ``print`` does then, instead of stopping the command with a traceback. Exit
    statuses say the same as ever. ``sys.stdin`` stays None: FILE ``-`` says it is closed."""
    import sys

    while True:  # os.open takes the lowest free descriptor: each closed one of 0, 1 and 2 in turn
        descriptor = os.open(os.devnull, os.O_RDWR)
        if descriptor > 2:
            os.close(descriptor)
            break
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def main() -> None:
    """Entry point of the ``elmkit`` script."""
    import sys

    from elmkit.errors import MissingExtraError

    _null_for_closed_streams()
    # a file name that is not valid UTF-8 (Latin-1, from an old share) is held with surrogates:
    # written as "\udce9" escapes, which JSON reads back to the name, not as a traceback
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    _register()
    _terminate_as_interrupt()
    try:
        app()
    except MissingExtraError as exc:
        show(make_console(stderr=True), "[bold red]error:[/] {}", exc, soft_wrap=True)
        raise SystemExit(2) from None
    except SystemExit as exc:
        # click (typer's own copy, in recent typer) answers a closed output pipe by wrapping
        # the streams in its PacifyFlushWrapper, so that nothing more is written, and exiting 1
        if exc.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            raise SystemExit(EXIT_OUTPUT_CLOSED) from None
        raise
