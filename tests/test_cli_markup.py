"""Values from the command line and from files print as written: brackets are not styles."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import elmkit.cli.issue  # registers the commands
import elmkit.cli.seal
import elmkit.cli.status
import elmkit.cli.validate  # noqa: F401
from elmkit.cli import app, show
from test_issue_support import definition_file, learner_rows, require_serializers, write_csv

runner = CliRunner(env={"COLUMNS": "400"})

#: Text that rich would take as markup: a closing tag with nothing open, a style, an emoji code.
AWKWARD = ["[/]", "[red]x", ":smile:", "a\\"]
#: The same, as parts of file names (which cannot hold "/").
AWKWARD_NAMES = ["[red]x", ":smile:", "a\\", "b\\\\", "c\\\\\\", "[b"]


@pytest.fixture(autouse=True)
def _serializers() -> None:
    require_serializers()


@pytest.mark.parametrize(
    "value", [*AWKWARD, "[bold]ok[/bold]", "\\[x]", "b\\\\", "c\\\\\\", "\\", "{}", "x[/]\\"]
)
def test_show_prints_values_exactly_in_the_template_style(value: str) -> None:
    from rich.console import Console

    console = Console(width=300, record=True, color_system="standard", force_terminal=True)
    show(console, "[red]{}[/] then {} end", value, value)
    assert console.export_text(clear=False) == f"{value} then {value} end\n"
    styled = console.export_text(styles=True)
    assert styled.startswith("\x1b[31m" + value) and f"then {value} end" in styled


def _issue(folder: Path, rows: list[list[Any]], results: str, *options: str) -> Result:
    definition = definition_file(folder)
    csv = write_csv(folder / results, rows)
    command = ["issue", str(definition), str(csv), *options, "--no-images", "--valid-from", "2026-06-22"]
    return runner.invoke(app, command)


def test_issue_summary_prints_awkward_grades_and_names(tmp_path: Path) -> None:
    rows = learner_rows(3)
    rows[0][5] = "[/]"  # a grade nobody can read: a malformed row, listed in the summary
    rows[1][1] = "[red]Núria"
    rows[1][5] = "2"  # not eligible, listed with its name
    result = _issue(tmp_path, rows, "r[bold].csv", "--out", str(tmp_path / "out[red]"))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output  # the malformed row
    assert "'[/]'" in result.output or "[/]" in result.output
    assert "[red]Núria" in result.output
    assert f"{tmp_path / 'out[red]'}" in result.output.replace("\n", "")


@pytest.mark.parametrize("value", AWKWARD_NAMES)
def test_unusable_files_are_named_as_written(tmp_path: Path, value: str) -> None:
    missing = tmp_path / f"credential{value}.jsonld"
    for command in (["validate"], ["verify"], ["convert", "--out", str(tmp_path)]):
        result = runner.invoke(app, [*command, str(missing)])
        assert result.exit_code == 2, (command, result.output)
        assert isinstance(result.exception, SystemExit), result.output
        assert str(missing) in result.output.replace("\n", ""), (command, result.output)


def test_validate_prints_awkward_finding_paths(tmp_path: Path, reference_dir: Path) -> None:
    sample = reference_dir / "elm/samples/official-elm-v3/Sample-MC-Annex1-unsigned.jsonld"
    document = json.loads(sample.read_text(encoding="utf-8"))
    document["credentialSubject"]["id"] = "urn:x:[/]"
    target = tmp_path / "c[red].jsonld"
    target.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(target)])
    assert isinstance(result.exception, SystemExit), result.output
    assert f"{target}" in result.output.replace("\n", "")


def test_ledger_commands_print_awkward_ids(tmp_path: Path) -> None:
    rows = learner_rows(2)
    rows[0][0] = "[/]E1"
    ledger = tmp_path / "ledger.sqlite"
    issued = _issue(tmp_path, rows, "r.csv", "--out", str(tmp_path / "out"), "--ledger", str(ledger))
    assert issued.exit_code == 0, issued.output
    listed = runner.invoke(app, ["ledger", "--ledger", str(ledger), "--learner", "[/]E1"])
    assert listed.exit_code == 0, listed.output
    assert "[/]E1" in listed.output
    history = runner.invoke(app, ["history", "[/]E1", "--ledger", str(ledger)])
    assert history.exit_code == 0, history.output
    assert "learner [/]E1" in history.output
    revoked = runner.invoke(
        app,
        ["revoke", "[/]E1", "--reason", "[red]copied[/red]", "--actor", "ops\\\\", "--ledger", str(ledger),
         "--record-only"],
    )
    assert revoked.exit_code == 0, revoked.output
    history = runner.invoke(app, ["history", "[/]E1", "--ledger", str(ledger)])
    assert "[red]copied[/red]" in history.output.replace("\n", "")
    assert "ops\\\\ " in history.output
    missing = runner.invoke(app, ["revoke", "[red]nobody", "--reason", "x", "--ledger", str(ledger)])
    assert missing.exit_code == 1, missing.output
    assert "[red]nobody" in missing.output


def test_help_texts_hold_no_markup_that_the_help_screen_would_swallow() -> None:
    import re

    import typer.main

    command = typer.main.get_command(app)
    tag = re.compile(r"\[[a-z#/@][^\[\]]*\]")  # what rich reads as a style tag
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        subs = getattr(sub, "commands", {name: sub})
        for cmd in subs.values():
            for param in cmd.params:
                text = getattr(param, "help", None) or ""
                assert not tag.search(text), (name, param.name, text)


def test_every_option_is_explained_once_and_every_command_in_one_line() -> None:
    import typer.main

    command = typer.main.get_command(app)
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        subs = getattr(sub, "commands", {name: sub})
        for cmd in subs.values():
            summary = (cmd.help or "").split("\n\n")[0]
            assert "\n" not in summary.strip(), (cmd.name, summary)  # one line in elmkit --help
            for param in cmd.params:
                text = getattr(param, "help", None) or ""
                assert text or param.name == "help", (cmd.name, param.name, "no help")
                shown = getattr(param, "show_default", None) is not False
                if shown and param.default not in (None, False, ()):  # typer adds [default: …]
                    assert "(default:" not in text, (cmd.name, param.name, text)


@pytest.mark.parametrize("columns", ["60", "80"])
def test_tables_keep_every_value_whole_in_a_narrow_width(
    tmp_path: Path, reference_dir: Path, columns: str
) -> None:
    """COLUMNS set narrow (a CI log, a small terminal): ids, paths and rules wrap, not cut with …"""
    rows = learner_rows(2)
    rows[0][0] = "2026-0001-with-a-rather-long-learner-identifier"
    ledger = tmp_path / "ledger.sqlite"
    issued = _issue(tmp_path, rows, "r.csv", "--out", str(tmp_path / "out"), "--ledger", str(ledger))
    assert issued.exit_code == 0, issued.output
    narrow = {"COLUMNS": columns}
    sample = reference_dir / "elm/samples/official-elm-v3/Sample-MC-Annex1-unsigned.jsonld"
    for command in (
        ["ledger", "--ledger", str(ledger), "--state", "exported"],
        ["history", rows[0][0], "--ledger", str(ledger)],
        ["validate", str(sample), "--profile", "edc-ap", "--stage", "sealed"],
    ):
        result = runner.invoke(app, command, env=narrow)
        assert result.exit_code in (0, 1), result.output
        shown = re.sub(r"[0-9a-f]{12}…", "", result.output)  # history's digests, short on purpose
        assert "…" not in shown, shown


def test_the_command_line_page_documents_every_option_and_no_other() -> None:
    import re

    import typer.main

    page = (Path(__file__).parent.parent / "docs" / "command-line.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-z])\b", page))
    command = typer.main.get_command(app)
    options = {"--help", "--version"}
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        assert f"elmkit {name}" in page or f"`{name}" in page, name
        for cmd in getattr(sub, "commands", {name: sub}).values():
            for param in cmd.params:
                if param.param_type_name == "option":
                    options.update(param.opts, param.secondary_opts)
    assert options - {"--help"} <= documented, sorted(options - {"--help"} - documented)
    assert documented <= options, sorted(documented - options)
