"""``elmkit validate``: check credentials against profiles."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from elmkit.cli import app, describe_error, make_console, show


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Credential files (JSON-LD, upload file, sealed envelope, Turtle…)")],
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Profile name; repeat for several")
    ] = None,
    stage: Annotated[str, typer.Option(help="draft, ready or sealed")] = "ready",
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json")] = OutputFormat.text,
    lang: Annotated[str, typer.Option(help="Language of the messages (en, es)")] = "en",
) -> None:
    """Validate credentials. Exit status: 0 valid, 1 invalid, 2 unusable input."""
    from elmkit.errors import ElmError
    from elmkit.model.text import normalize_tag
    from elmkit.profiles import DEFAULT_PROFILES
    from elmkit.profiles import validate as run
    from elmkit.profiles.base import ProfileError, as_stage
    from elmkit.serializers import load

    console = make_console()
    profiles = tuple(profile) if profile else DEFAULT_PROFILES
    try:
        chosen_stage = as_stage(stage)
    except ProfileError:
        show(console, "[red]unknown stage {}[/] (draft, ready or sealed)", repr(stage))
        raise typer.Exit(2) from None
    try:
        normalize_tag(lang)
    except ElmError as exc:
        show(console, "[red]--lang: {}[/]", exc)
        raise typer.Exit(2) from None
    status = 0
    results: list[dict[str, object]] = []
    for path in files:
        try:
            credential = load(path)
            report = run(credential, profiles=profiles, stage=chosen_stage, lang=lang)
        except ElmError as exc:
            status = 2
            if output is OutputFormat.json:
                results.append({"file": str(path), "error": str(exc), "path": exc.path})
            else:
                show(console, "[red]{}: unusable: {}[/]", path, exc)
            continue
        if not report.ok and status == 0:
            status = 1
        if output is OutputFormat.json:
            results.append({"file": str(path), **report.to_json(lang)})
        else:
            show(console, "[bold]{}[/]", path)
            console.print(report.rich_table(lang))
    if output is OutputFormat.json:
        typer.echo(json.dumps(results if len(results) != 1 else results[0], ensure_ascii=False, indent=2))
    raise typer.Exit(status)


@app.command()
def convert(
    files: Annotated[list[Path], typer.Argument(help="Credentials in any format elmkit reads (incl. legacy ELM v2 XML)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write to")],
    to: Annotated[str, typer.Option("--to", help="jsonld, turtle, nt or rdfxml")] = "jsonld",
) -> None:
    """Convert credentials between formats; legacy ELM v2 XML becomes ELM 3.2."""
    from elmkit.errors import ElmError
    from elmkit.microcredentials.files import atomic_write
    from elmkit.serializers import dumps, load

    console = make_console()
    suffix = {"jsonld": ".jsonld", "turtle": ".ttl", "nt": ".nt", "rdfxml": ".rdf"}.get(to)
    if suffix is None:
        show(console, "[red]unknown target format {}[/]", repr(to))
        raise typer.Exit(2)
    status = 0
    for path in files:
        try:
            text = dumps(load(path), format=to, indent=2 if to == "jsonld" else None)
            target = out / (path.stem + suffix)
            atomic_write(target, text.encode("utf-8"))
        except (ElmError, OSError) as exc:
            show(console, "[red]{}: {}[/]", path, describe_error(exc))
            status = 2
            continue
        show(console, "{} -> {}", path, target)
    raise typer.Exit(status)
