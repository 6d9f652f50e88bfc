"""The Python examples of docs/ run, from a folder where ``elmkit demo`` has run, and print what
the pages say they print."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
DEMO_ROWS = 4


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of a page of docs/, in order."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def run_block(page: str, *indexes: int) -> dict[str, object]:
    """Run examples of a page in the current folder, one after the other with the names the
    earlier ones defined, as a reader would; returns the names."""
    namespace: dict[str, object] = {"__name__": f"docs.{page}"}
    blocks = python_blocks(page)
    for index in indexes:
        exec(compile(blocks[index], f"docs/{page}", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``elmkit demo`` writes (its first learners only, with display pages)."""
    pytest.importorskip("PIL")
    from elmkit.microcredentials.batch import issue_batch
    from elmkit.microcredentials.demo import LEDGER_FILE, write_demo_inputs

    folder = tmp_path_factory.mktemp("demo") / "elmkit-demo"
    definition, results = write_demo_inputs(folder / "input")
    lines = results.read_text(encoding="utf-8").splitlines()
    results.write_text("\n".join(lines[: DEMO_ROWS + 1]) + "\n", encoding="utf-8")
    result = issue_batch(definition, results, folder, ledger=folder / LEDGER_FILE, images=True)
    assert result.issued >= 2, result.problems
    return folder


@pytest.fixture
def in_demo(tmp_path: Path, demo_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder holding a copy of ``elmkit-demo/``, as the current directory."""
    shutil.copytree(demo_folder, tmp_path / "elmkit-demo")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_revocation_entry_example_keeps_an_elm_credential_valid(
    in_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = run_block("revocation.md", 0)
    assert capsys.readouterr().out.split() == ["True"]
    credential = names["credential"]
    assert isinstance(credential, dict)
    assert credential["credentialStatus"]["type"] == ["CredentialStatus", "StatusList2021Entry"]


def test_revocation_issuing_example_seals_revokes_and_publishes(
    in_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_block("revocation.md", 3)
    assert capsys.readouterr().out.split() == ["failed", "revoked"]
    assert (in_demo / "public" / "status" / "revocation-1").is_file()


def test_sealing_examples_make_test_keys_seal_offline_and_verify(
    in_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from elmkit.checks import CheckStatus, Step

    names = run_block("sealing.md", 0, 1, 2, 3, 5)
    result = names["result"]
    assert capsys.readouterr().out.splitlines()[0] == "partially verified"  # no status entry
    assert result.step(Step.SEAL).status is CheckStatus.OK  # type: ignore[attr-defined]
    assert result.step(Step.OWNER).status is CheckStatus.OK  # type: ignore[attr-defined]
    assert result.level == "B-T"  # type: ignore[attr-defined]


def test_profiles_shared_parts_example_checks_every_eligible_learner(
    in_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_block("profiles.md", 0, 1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 2
    # without display pages, the only error left is the missing page, as the page says
    assert all(line.split(" ", 1)[1] == "['/displayParameter/individualDisplay']" for line in lines)


def test_profiles_own_profile_example_registers_and_reports(
    in_demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from elmkit.profiles import base

    monkeypatch.setattr(base, "_registry", dict(base._registry))  # the example registers a profile
    run_block("profiles.md", 0, 2)
    assert capsys.readouterr().out.splitlines()[-1] == "['acme/valid-until']"
    assert "acme-expiry" in base.available_profiles()
    text = (DOCS / "profiles.md").read_text(encoding="utf-8")
    assert f'[project.entry-points."{base.ENTRY_POINT_GROUP}"]' in text


def test_display_pages_example_and_its_fallback_examples(in_demo: Path) -> None:
    from elmkit.render import resolve_language

    names = run_block("display-pages.md", 0)
    assert isinstance(names["jpeg"], bytes) and names["jpeg"].startswith(b"\xff\xd8")
    text = " ".join((DOCS / "display-pages.md").read_text(encoding="utf-8").split())
    examples = re.findall(r'`"([A-Za-z-]+)"` → `"([A-Za-z-]+)"`', text)
    assert ("eu", "eu") in examples and len(examples) >= 3
    for tag, table in examples:
        assert resolve_language(tag) == table, tag
