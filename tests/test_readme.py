"""The README's example runs and does what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT


def test_readme_example_issues_a_valid_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has a Python example"
    example = blocks[0]
    assert len(example.strip().splitlines()) <= 16
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    assert capsys.readouterr().out.split() == ["1", "True"]
    assert len(list((tmp_path / "out" / "credentials").glob("*.jsonld"))) == 1
    assert len(list((tmp_path / "out" / "europass").glob("*.json"))) == 1


def test_readme_names_the_ci_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line.startswith("python -m pytest")]
    assert len(commands) == 1, commands
    assert commands[0] in readme


def test_ci_makes_each_environment_afresh() -> None:
    """``python3 -m venv`` keeps what an earlier run installed in an existing folder, and pip
    then leaves an installed elmkit of the same version in place: the wheel's tests ran against
    the previous run's build, and a dependency dropped from the project stayed installed."""
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    creations = [line for line in ci.splitlines() if " -m venv " in line]
    assert len(creations) == 3, creations
    assert all(" -m venv --clear " in line for line in creations), creations
