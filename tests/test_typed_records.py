"""What a strictly typed client sees of the public API.

Optional fields of the issuing models are optional to a type checker too, with or without
pydantic's mypy plugin (a client that does not use it reads the models' ``dataclass_transform``
signature, where only ``Field(default=...)`` gives a default); ``elmkit.verify`` gives a typed
result."""

from __future__ import annotations

from pathlib import Path

import pytest

SNIPPET = '''
from elmkit.microcredentials import (
    GradingInfo, LearnerResult, MicroCredential, OrganisationInfo, QualityAssuranceInfo,
)
from elmkit.model import LangText

learner = LearnerResult(learner_id="2026-0042", given_name="Núria", grade=8.5)
grading = GradingInfo(pass_mark=5)
body = OrganisationInfo(legal_name=LangText({"es": "Universitat"}), country="ES")
qa = QualityAssuranceInfo(text=LangText({"es": "Sistema interno"}))
course = MicroCredential(
    id="uni-2026", title=LangText({"es": "Curso"}), languages=["es"], awarding_body=body,
    quality_assurance=qa, grading=grading,
)
'''


def _strict_mypy(folder: Path, source: str) -> tuple[str, str, int]:
    """mypy --strict (without pydantic's plugin) on a client module holding ``source``."""
    api = pytest.importorskip("mypy.api")
    (folder / "client.py").write_text(source, encoding="utf-8")
    (folder / "mypy.ini").write_text("[mypy]\nstrict = True\n", encoding="utf-8")
    config = ["--config-file", str(folder / "mypy.ini"), "--cache-dir", str(folder / "cache")]
    result: tuple[str, str, int] = api.run(
        [*config, "--follow-imports", "silent", str(folder / "client.py")]
    )
    return result


def test_optional_fields_need_no_argument_without_the_pydantic_plugin(tmp_path: Path) -> None:
    stdout, stderr, _status = _strict_mypy(tmp_path, SNIPPET)
    missing = [line for line in stdout.splitlines() if "Missing named argument" in line]
    assert missing == [], stdout + stderr


VERIFY_SNIPPET = '''
import elmkit


def verdict(sealed: bytes) -> str:
    return elmkit.verify(sealed).verdict
'''


def test_verify_gives_a_typed_result_to_strict_clients(tmp_path: Path) -> None:
    stdout, stderr, status = _strict_mypy(tmp_path, VERIFY_SNIPPET)
    assert status == 0, stdout + stderr
