"""Reading SIS results files as universities export them: surnames, workbooks, headings,
delimiters, empty cells and Spanish grades."""

from __future__ import annotations

from pathlib import Path

from elmkit.microcredentials.records import LearnerResult, RowError, iter_results


def _read(path: Path) -> list[LearnerResult | RowError]:
    return [item for _, item in iter_results(path)]


def _learners(path: Path) -> list[LearnerResult]:
    items = _read(path)
    assert all(isinstance(item, LearnerResult) for item in items), items
    return [item for item in items if isinstance(item, LearnerResult)]


# -- surnames ------------------------------------------------------------------------------------


def test_a_second_surname_column_is_always_joined_to_a_first_surname_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;primer_apellido;segundo_apellido;nota\n"
        "1;Juan;García;García;8\n"
        "2;Ana;de la Fuente;Fuente;8\n"
        "3;Pau;Sant Martí;Martí;8\n"
        "4;Iker;Agirre;Agirre;8\n"
        "5;Marta;Puig;Etxeberria;8\n",
        encoding="utf-8",
    )
    names = [learner.full_name for learner in _learners(path)]
    assert names == [
        "Juan García García",
        "Ana de la Fuente Fuente",
        "Pau Sant Martí Martí",
        "Iker Agirre Agirre",
        "Marta Puig Etxeberria",
    ]


def test_a_column_of_both_surnames_beside_a_second_surname_column_is_not_doubled(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;apellidos;segundo_apellido;nota\n"
        "1;Juan;García García;García;8\n"
        "2;Ana;López Fuente;Fuente;8\n"
        "3;Eva;García;García;8\n"  # the column held the first surname only
        "4;Pau;Puig;Roig;8\n",
        encoding="utf-8",
    )
    names = [learner.family_name for learner in _learners(path)]
    assert names == ["García García", "López Fuente", "García García", "Puig Roig"]


def test_a_record_read_back_keeps_its_two_surnames() -> None:
    record = LearnerResult(
        learner_id="1", given_name="Juan", family_name="García", second_family_name="García"
    )
    assert record.family_name == "García García"
    again = LearnerResult.model_validate(record.model_dump())
    assert again.family_name == "García García" and again == record


def test_two_surnames_alike_reach_the_credential(tmp_path: Path) -> None:
    import json

    from elmkit.microcredentials.batch import issue_batch
    from test_issue_support import VALID_FROM, definition_file, require_serializers

    require_serializers()
    path = tmp_path / "r.csv"
    path.write_text(
        "expediente;nombre;primer_apellido;segundo_apellido;nota;asistencia;fecha\n"
        "1;Juan;García;García;8;100;15/06/2026\n",
        encoding="utf-8",
    )
    result = issue_batch(
        definition_file(tmp_path), path, tmp_path / "out", images=False, valid_from=VALID_FROM
    )
    assert result.issued == 1
    (file,) = (tmp_path / "out" / "credentials").glob("*.jsonld")
    text = json.dumps(json.loads(file.read_text(encoding="utf-8")), ensure_ascii=False)
    assert "García García" in text
