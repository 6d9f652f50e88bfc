"""The ``elmkit`` command line."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="elmkit",
    help="European Learning Model (ELM 3.2): issue, validate, seal, verify and revoke European Digital Credentials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Modules that add their commands to :data:`app` when imported.
COMMAND_MODULES = (
    "elmkit.cli.validate",
    "elmkit.cli.issue",
    "elmkit.cli.seal",
    "elmkit.cli.status",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def main() -> None:
    """Entry point of the ``elmkit`` script."""
    _register()
    app()
