"""``elmkit validate``: check credentials against profiles."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from elmkit.cli import app


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
    from rich.console import Console

    from elmkit.errors import ElmError
    from elmkit.profiles import DEFAULT_PROFILES, Stage
    from elmkit.profiles import validate as run
    from elmkit.serializers import load

    console = Console()
    profiles = tuple(profile) if profile else DEFAULT_PROFILES
    try:
        chosen_stage = Stage(stage)
    except ValueError:
        console.print(f"[red]unknown stage {stage!r}[/] (draft, ready or sealed)")
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
                console.print(f"[red]{path}: unusable: {exc}[/]")
            continue
        if not report.ok and status == 0:
            status = 1
        if output is OutputFormat.json:
            results.append({"file": str(path), **report.to_json(lang)})
        else:
            console.print(f"[bold]{path}[/]")
            console.print(report.rich_table(lang))
    if output is OutputFormat.json:
        typer.echo(json.dumps(results if len(results) != 1 else results[0], ensure_ascii=False, indent=2))
    raise typer.Exit(status)
