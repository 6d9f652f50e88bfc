"""``elmkit validate``: check credentials against profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from elmkit.cli import (
    FileReports,
    JsonUsageErrorsCommand,
    ReportFormat,
    ReportFormatOption,
    app,
    describe_error,
    fail,
    failures_as_json,
    file_name,
    is_stdin,
    make_console,
    read_stdin,
    refuse_repeated_stdin,
    same_file,
    show,
)


@app.command(cls=JsonUsageErrorsCommand)
def validate(
    files: Annotated[
        list[str],  # as given: "./-" is a file, "-" standard input
        typer.Argument(
            metavar="FILE",
            help="Credential files (JSON-LD, upload file, sealed envelope, Turtle…); - reads "
            "standard input",
        ),
    ],
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Profile name; repeat for several")
    ] = None,
    stage: Annotated[str, typer.Option(help="draft, ready or sealed")] = "ready",
    output: ReportFormatOption = ReportFormat.text,
    lang: Annotated[str, typer.Option(help="Language of the messages (en, es; ca, eu, gl, oc get es)")] = "en",
) -> None:
    """Validate credentials. Exit status: 0 valid, 1 invalid, 2 unusable input or profile."""
    from elmkit.errors import ElmError
    from elmkit.model.text import normalize_tag
    from elmkit.profiles import DEFAULT_PROFILES
    from elmkit.profiles import validate as run
    from elmkit.profiles.base import ProfileError, as_stage, get_profile
    from elmkit.serializers import load
    from elmkit.serializers.jsonio import DEFAULT_MAX_BYTES

    console = make_console()
    with failures_as_json(output, "validate"):
        refuse_repeated_stdin(files)
        try:
            profiles = tuple(get_profile(name) for name in (profile or DEFAULT_PROFILES))
        except ProfileError as exc:  # the same for every file: said once, before any is read
            raise fail(f"--profile: {exc}") from None
        try:
            chosen_stage = as_stage(stage)
        except ProfileError:
            raise fail(f"unknown stage {stage!r} (draft, ready or sealed)") from None
        try:
            normalize_tag(lang)
        except ElmError as exc:
            raise fail(f"--lang: {exc}") from None
    status = 0
    results = FileReports(output)
    for argument in files:
        name = file_name(argument)
        try:
            credential = load(read_stdin(DEFAULT_MAX_BYTES) if is_stdin(argument) else Path(argument))
            report = run(credential, profiles=profiles, stage=chosen_stage, lang=lang)
        except ElmError as exc:
            status = 2
            show(make_console(stderr=True), "[red]{}: unusable: {}[/]", name, exc)
            results.add({"file": name, "ok": False, "error": str(exc), "path": exc.path})
            continue
        if not report.ok and status == 0:
            status = 1
        if output is ReportFormat.text:
            show(console, "[bold]{}[/]", name)
            console.print(report.rich_table(lang))
        else:
            results.add({"file": name, **report.to_json(lang)})
    results.close()
    raise typer.Exit(status)


_TARGETS = {"jsonld": ".jsonld", "turtle": ".ttl", "nt": ".nt", "rdfxml": ".rdf", "xml": ".rdf"}


def _looks_like_xml(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


@app.command()
def convert(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Credentials in any format elmkit reads (incl. legacy ELM v2 XML)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write to")],
    to: Annotated[str, typer.Option("--to", help="jsonld, turtle, nt or rdfxml (xml)")] = "jsonld",
) -> None:
    """Convert credentials between formats; legacy ELM v2 XML becomes ELM 3.2.

    What an ELM v2 credential loses or gains on the way (dropped, derived, missing…) is listed,
    and written beside the output as NAME.issues.txt."""
    from elmkit.errors import ElmError, ModelError
    from elmkit.microcredentials.files import atomic_write
    from elmkit.serializers import dumps, load

    console = make_console()
    errors = make_console(stderr=True)
    suffix = _TARGETS.get(to)
    if suffix is None:
        show(errors, "[red]unknown target format {} (use {})[/]", repr(to), ", ".join(_TARGETS))
        raise typer.Exit(2)
    by_name: dict[str, Path] = {}
    for path in files:
        first = by_name.setdefault(path.stem, path)
        if first != path:
            show(
                errors,
                "[red]{} and {} would both be written as {}: convert them into different "
                "folders[/]",
                first,
                path,
                out / (path.stem + suffix),
            )
            raise typer.Exit(2)
        if same_file(path, out / (path.stem + suffix)):
            show(
                errors,
                "[red]{} would be overwritten by its own conversion: write it into another "
                "folder[/]",
                path,
            )
            raise typer.Exit(2)
    status = 0
    for path in files:
        try:
            loaded = load(path)
            text = dumps(loaded, format=to, indent=2 if to == "jsonld" else None)
            target = out / (path.stem + suffix)
            issues = [str(issue) for issue in getattr(loaded.origin, "issues", ())]
            report = out / (path.stem + ".issues.txt")
            atomic_write(target, text.encode("utf-8"))
            if issues:
                atomic_write(report, ("\n".join(issues) + "\n").encode("utf-8"))
            elif report.is_file():
                report.unlink()  # from an earlier conversion of another version of the file
        except ModelError as exc:
            if exc.path == "/type" and _looks_like_xml(path):
                show(
                    errors,
                    "[red]{}: not an ELM credential: the XML is neither ELM v2 "
                    "(europassCredential, verifiablePresentation) nor RDF/XML describing an ELM "
                    "credential[/]",
                    path,
                )
            else:
                show(errors, "[red]{}: {}[/]", path, describe_error(exc))
            status = 2
            continue
        except (ElmError, OSError) as exc:
            show(errors, "[red]{}: {}[/]", path, describe_error(exc))
            status = 2
            continue
        show(console, "{} -> {}", path, target)
        if getattr(loaded.origin, "kind", None) == "sealed":
            show(
                errors,
                "[yellow]  {} is sealed: {} holds its credential without the seal (keep the "
                "sealed file to deliver or verify)[/]",
                path,
                target,
            )
        if issues:
            show(console, "  {} conversion issue(s), listed in {}:", len(issues), report)
            for line in issues[:20]:
                show(console, "    {}", line)
            if len(issues) > 20:
                show(console, "    … and {} more", len(issues) - 20)
    raise typer.Exit(status)
